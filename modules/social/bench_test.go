package social_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/modules/social/inbox"
)

// BenchmarkFeed measures GET /feed of a caller following 1,000 people with
// 1M events in total (500k reviews and ratings, 500k likes, spread over a
// year), seeded with INSERT … SELECT generate_series and copied into the
// caller's feed inbox (1M entries). PostgreSQL only, for generate_series.
func BenchmarkFeed(b *testing.B) {
	if !apptest.Postgres() {
		b.Skip("BenchmarkFeed seeds 1M events with generate_series: PostgreSQL only (set TEST_DATABASE_URL and TEST_REDIS_URL)")
	}
	e := newEnv(b)
	me := e.user(b)
	ctx := context.Background()
	inTx := func(fn func(tx *sql.Tx) error) { // without DATABASE_TIMEOUT
		b.Helper()
		tx, err := e.DB.SQL.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			b.Fatal(err)
		}
		if err := fn(tx); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		b.Helper()
		inTx(func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err })
	}
	const followees, contentsN = 1000, 500 // one review per (followee, content), one like per review
	start := time.Now()
	exec(`INSERT INTO contents (created_at, updated_at, type, title, rating_histogram)
		SELECT now(), now(), 'movie', 'Bench ' || g, '[0,0,0,0,0,0,0,0,0,0]'::jsonb FROM generate_series(1, $1) g`, contentsN)
	exec(`INSERT INTO users (created_at, updated_at, email, nickname, nickname_key)
		SELECT now(), now(), 'bench' || g || '@example.com', 'bench' || g, 'bench' || g FROM generate_series(1, $1) g`, followees)
	exec(`INSERT INTO follows (follower_id, followee_id, status, created_at)
		SELECT $1, id, 'ACTIVE', now() FROM users WHERE email LIKE 'bench%'`, me.ID)
	exec(`WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE 'bench%'),
		c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contents WHERE title LIKE 'Bench %')
		INSERT INTO reviews (created_at, updated_at, rating, body, content_id, user_id, hidden)
		SELECT t, t, 1 + (un + cn) % 10, CASE WHEN cn % 2 = 0 THEN 'Worth it.' ELSE '' END, cid, uid, (un + cn) % 97 = 0
		FROM (SELECT now() - random() * interval '365 days' AS t, u.n AS un, c.n AS cn, c.id AS cid, u.id AS uid
			FROM u CROSS JOIN c) x`)
	exec(`WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE 'bench%')
		INSERT INTO review_likes (created_at, review_id, user_id)
		SELECT LEAST(now(), r.created_at + random() * interval '1 day'), r.id, liker.id
		FROM reviews r JOIN u ON u.id = r.user_id JOIN u liker ON liker.n = u.n % $1 + 1`, followees)
	// Written in SQL, the follows fill the caller's inbox as the seeders do.
	inTx(func(tx *sql.Tx) error { return (inbox.Writer{Postgres: true}).FillFollower(ctx, tx, me.ID) })
	exec(`ANALYZE contents, users, follows, reviews, review_likes, feed_entries`)
	var events int
	if err := e.DB.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM reviews) + (SELECT count(*) FROM review_likes)`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d followees and %d events in %s", followees, events, time.Since(start).Round(time.Second))

	h := e.App.App.Handler()
	get := func(uri string) []byte {
		var rc fasthttp.RequestCtx
		rc.Request.SetRequestURI(uri)
		rc.Request.Header.Set("Authorization", "Bearer "+me.Access)
		h(&rc)
		if rc.Response.StatusCode() != http.StatusOK {
			b.Fatalf("%s: status %d: %s", uri, rc.Response.StatusCode(), rc.Response.Body())
		}
		return append([]byte(nil), rc.Response.Body()...)
	}
	// The cursor after 50 pages of 20.
	cursor := ""
	for range 50 {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(get("/api/v1/feed?size=20&cursor="+cursor), &page); err != nil {
			b.Fatal(err)
		}
		if len(page.Items) != 20 {
			b.Fatalf("a page of %d items", len(page.Items))
		}
		cursor = page.NextCursor
	}
	measure := func(b *testing.B, uri string) {
		var d []time.Duration
		for b.Loop() {
			t := time.Now()
			get(uri)
			d = append(d, time.Since(t))
		}
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
	}
	b.Run("first_page", func(b *testing.B) { measure(b, "/api/v1/feed?size=20") })
	b.Run("page_51", func(b *testing.B) { measure(b, "/api/v1/feed?size=20&cursor="+cursor) })
}

// BenchmarkFeedFanOut measures the write side of the inbox: PUT
// /reviews/{id}/like by an actor with 0, 1,000 and 10,000 approved
// followers: one inbox row per follower, the first FEED_FANOUT_INLINE
// (1,000) in the like's transaction, the others by a fan-out job after it
// (rest-ms/op: from the answer to the last row, waited for outside the
// timer). The 0-follower case is the baseline of the same run.
// PostgreSQL only, for generate_series.
func BenchmarkFeedFanOut(b *testing.B) {
	if !apptest.Postgres() {
		b.Skip("BenchmarkFeedFanOut seeds with generate_series: PostgreSQL only (set TEST_DATABASE_URL and TEST_REDIS_URL)")
	}
	e := newEnv(b)
	ctx := context.Background()
	author := e.user(b)
	const fans, reviewsN = 10_000, 3_000
	for _, q := range []string{
		`INSERT INTO users (created_at, updated_at, email, nickname, nickname_key)
			SELECT now(), now(), 'fan' || g || '@example.com', 'fan' || g, 'fan' || g FROM generate_series(1, $1) g`,
		`INSERT INTO contents (created_at, updated_at, type, title, rating_histogram)
			SELECT now(), now(), 'movie', 'Fan-out ' || g, '[0,0,0,0,0,0,0,0,0,0]'::jsonb FROM generate_series(1, $1) g`,
	} {
		n := fans
		if strings.Contains(q, "contents") {
			n = reviewsN
		}
		if _, err := e.DB.SQL.ExecContext(ctx, q, n); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.DB.SQL.ExecContext(ctx, `INSERT INTO reviews (created_at, updated_at, rating, body, content_id, user_id, hidden)
		SELECT now(), now(), 7, '', id, $1, false FROM contents WHERE title LIKE 'Fan-out %'`, author.ID); err != nil {
		b.Fatal(err)
	}
	var reviewIDs []int
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT id FROM reviews WHERE user_id = $1 ORDER BY id`, author.ID)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		reviewIDs = append(reviewIDs, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	h := e.App.App.Handler()
	for _, followers := range []int{0, 1_000, 10_000} {
		actor := e.user(b)
		if _, err := e.DB.SQL.ExecContext(ctx, `INSERT INTO follows (follower_id, followee_id, status, created_at)
			SELECT id, $1, 'ACTIVE', now() FROM users WHERE email LIKE 'fan%' ORDER BY id LIMIT $2`, actor.ID, followers); err != nil {
			b.Fatal(err)
		}
		if _, err := e.DB.SQL.ExecContext(ctx, `ANALYZE users, follows, feed_entries`); err != nil {
			b.Fatal(err)
		}
		count := func() int {
			var n int
			if err := e.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM feed_entries WHERE actor_id = $1`, actor.ID).Scan(&n); err != nil {
				b.Fatal(err)
			}
			return n
		}
		b.Run(fmt.Sprintf("followers_%d", followers), func(b *testing.B) {
			i := 0
			var jobs time.Duration // from each like's answer to its last inbox row
			for b.Loop() {
				if i == len(reviewIDs) {
					b.Fatalf("more than %d likes: use -benchtime Nx with N ≤ %d", len(reviewIDs), len(reviewIDs))
				}
				var rc fasthttp.RequestCtx
				rc.Request.Header.SetMethod(http.MethodPut)
				rc.Request.SetRequestURI(fmt.Sprintf("/api/v1/reviews/%d/like", reviewIDs[i]))
				rc.Request.Header.Set("Authorization", "Bearer "+actor.Access)
				h(&rc)
				if rc.Response.StatusCode() != http.StatusNoContent {
					b.Fatalf("like: status %d: %s", rc.Response.StatusCode(), rc.Response.Body())
				}
				i++
				// Past FEED_FANOUT_INLINE followers a fan-out job writes the
				// rest: wait for it outside the timer, so that each like is
				// measured alone and the job's time is a metric of its own.
				b.StopTimer()
				answered := time.Now()
				for deadline := answered.Add(time.Minute); count() != i*followers; time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						b.Fatalf("%d inbox rows after %d likes to %d followers", count(), i, followers)
					}
				}
				jobs += time.Since(answered)
				b.StartTimer()
			}
			b.ReportMetric(float64(jobs.Microseconds())/1000/float64(i), "rest-ms/op")
		})
	}
}
