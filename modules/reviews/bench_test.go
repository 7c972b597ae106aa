package reviews_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

// BenchmarkDeepCursor lists the reviews of one content holding 100,000
// reviews in PostgreSQL: the first page (the baseline), the page 1,000 pages
// deep by keyset cursor, and the same depth by page number (OFFSET), for
// contrast. Each reports p50 and p95; the cursor's p50 ratio to the first
// page is the figure that matters (target ≤ 1.5).
func BenchmarkDeepCursor(b *testing.B) {
	if !apptest.Postgres() {
		b.Skip("PostgreSQL benchmark: set TEST_DATABASE_URL and TEST_REDIS_URL")
	}
	cfg := apptest.Config(b)
	cfg.RateLimit.Enabled = false
	a := apptest.NewWithConfig(b, cfg, auth.Module, users.Module, contents.Module, reviews.Module)
	ctx := context.Background()
	for _, stmt := range []string{
		`INSERT INTO contents (type, title, original_title, overview, original_language, poster_url, backdrop_url,
			popularity, avg_rating, rating_count, rating_sum, rating_histogram, review_count, bookmark_count,
			created_at, updated_at) VALUES ('movie', 'Everybody reviewed it', '', '', 'en', '', '', 1, 0, 0, 0,
			'[0,0,0,0,0,0,0,0,0,0]', 0, 0, now(), now())`,
		`INSERT INTO users (email, nickname, password_hash, bio, avatar_url, role, status, push_enabled, created_at, updated_at)
			SELECT 'u' || i || '@example.com', 'u' || i, '', '', '', 'USER', 'ACTIVE', true, now(), now()
			FROM generate_series(1, 100000) i`,
		`INSERT INTO reviews (user_id, content_id, rating, body, spoiler, hidden, like_count, comment_count,
			report_count, created_at, updated_at)
			SELECT u.id, (SELECT min(id) FROM contents), 1 + u.id % 10, 'review ' || u.id, false, false,
				u.id % 50, 0, 0, now() - (u.id || ' seconds')::interval, now()
			FROM users u`,
		`VACUUM ANALYZE reviews`,
	} {
		if _, err := a.DB.SQL.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	var contentID int
	if err := a.DB.SQL.QueryRowContext(ctx, `SELECT min(id) FROM contents`).Scan(&contentID); err != nil {
		b.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/contents/%d/reviews", contentID)
	h := a.App.Handler()
	get := func(uri string) []byte {
		var rc fasthttp.RequestCtx
		rc.Request.SetRequestURI(uri)
		h(&rc)
		if rc.Response.StatusCode() != http.StatusOK {
			b.Fatalf("%s: status %d: %s", uri, rc.Response.StatusCode(), rc.Response.Body())
		}
		return append([]byte(nil), rc.Response.Body()...)
	}
	// The cursor after 999 pages of 20 (19,980 items), reached by walking.
	cursor := ""
	for walked := 0; walked < 19980; walked += 90 {
		size := min(90, 19980-walked)
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("%s?size=%d&cursor=%s", base, size, cursor)), &page); err != nil {
			b.Fatal(err)
		}
		cursor = page.NextCursor
	}
	measure := func(b *testing.B, uri string) {
		var d []time.Duration
		for b.Loop() {
			start := time.Now()
			get(uri)
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
	}
	b.Run("baseline=first_page", func(b *testing.B) { measure(b, base+"?size=20&cursor=") })
	b.Run("cursor_1000_pages_deep", func(b *testing.B) { measure(b, base+"?size=20&cursor="+cursor) })
	b.Run("offset_page_1000", func(b *testing.B) { measure(b, base+"?size=20&page=1000") })
}
