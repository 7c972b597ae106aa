package contents

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/reelview/reelview/app/server"
)

// listCache keeps, in one process and for CONTENT_LIST_CACHE_TTL, the
// public part of catalog list pages: the items (with their genres) and the
// total, and the page as an anonymous caller gets it, encoded with its ETag.
// A warm anonymous page then costs no round trip and no encoding; a
// signed-in caller's bookmarked and my_rating are still read per request
// and never stored here.
//
// Any catalog write that can change a list (a content created, edited,
// deleted or imported, a review or bookmark moving its aggregates, a genre
// renamed) empties it: the writer's process at once, the other replicas
// through the content invalidation channel (see detailCache), which the
// writes publish on anyway. A replica that misses a message serves the old
// page for at most the TTL. A generation counter, bumped by every
// invalidation, keeps a reader that read before a write from storing what it
// read after it.
type listCache struct {
	ttl        time.Duration
	pages      *lru.Cache[string, cachedPage]
	generation atomic.Uint64
	// mu makes a fill's generation check and store one step against purge,
	// so a purge can never fall between them.
	mu sync.Mutex
}

type cachedPage struct {
	listPage
	expires time.Time
}

// listPage is one list page: items and total, and for the anonymous view
// its JSON encoding and ETag.
type listPage struct {
	items   []ContentSummary
	total   int
	encoded []byte
	etag    string
}

// listCacheSize bounds the pages one process keeps (a page of 20 items is
// about 10 KB).
const listCacheSize = 1024

func newListCache(ttl time.Duration) *listCache {
	if ttl <= 0 {
		return nil
	}
	pages, _ := lru.New[string, cachedPage](listCacheSize)
	return &listCache{ttl: ttl, pages: pages}
}

// listKey normalizes a filter: the same selection, order and page give the
// same key however the query string spelled them.
func listKey(f Filter) string {
	genres := slices.Clone(f.GenreIDs)
	slices.Sort(genres)
	genres = slices.Compact(genres)
	return fmt.Sprintf("%q|%q|%v|%d|%d|%g|%s|%t|%d|%d",
		f.Type, f.Query, genres, f.YearFrom, f.YearTo, f.MinRating, f.Sort, f.Desc, f.Page, f.Size)
}

func (c *listCache) get(key string) (listPage, bool) {
	if c == nil {
		return listPage{}, false
	}
	e, ok := c.pages.Get(key)
	if !ok || time.Now().After(e.expires) {
		return listPage{}, false
	}
	return e.listPage, true
}

// keep stores p unless an invalidation arrived since the reader noted gen.
func (c *listCache) keep(key string, gen uint64, p listPage) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation.Load() == gen {
		c.pages.Add(key, cachedPage{listPage: p, expires: time.Now().Add(c.ttl)})
	}
}

func (c *listCache) gen() uint64 {
	if c == nil {
		return 0
	}
	return c.generation.Load()
}

// purge drops every page.
func (c *listCache) purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation.Add(1)
	c.pages.Purge()
}

// newListPage encodes the anonymous view of a page.
func newListPage(items []ContentSummary, p server.PageParams, total int) (listPage, error) {
	b, etag, err := server.Encode(server.NewPage(items, p, total))
	return listPage{items: items, total: total, encoded: b, etag: etag}, err
}
