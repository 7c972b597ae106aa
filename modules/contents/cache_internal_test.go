package contents

import (
	"testing"
	"time"

	"github.com/reelview/reelview/config"
)

// TestLocalTierSkipsRacingFills: a reader that read before an invalidation
// must not put what it read into the local tier afterwards.
func TestLocalTierSkipsRacingFills(t *testing.T) {
	t.Parallel()
	c := newDetailCache(nil, config.Contents{LocalCacheSize: 10, LocalCacheTTL: time.Minute})
	old := ContentDetail{ContentSummary: ContentSummary{ID: 1, Title: "Old"}}

	gen := c.generation.Load() // the reader starts
	c.evict("1")               // a write's invalidation arrives
	if _, err := c.keep(1, gen, old); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.fromLocal(1); ok {
		t.Fatalf("a racing reader's %q was kept", v.detail.Title)
	}

	if _, err := c.keep(1, c.generation.Load(), old); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.fromLocal(1); !ok {
		t.Fatal("a fill with no invalidation in between was not kept")
	}
	c.evict(allContents)
	if _, ok := c.fromLocal(1); ok {
		t.Fatal("still cached after the message that empties the tier")
	}
}
