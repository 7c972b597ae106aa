package contents_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/seed"
	"github.com/reelview/reelview/app/server"
)

func serve(b *testing.B, h fasthttp.RequestHandler, path string) {
	b.Helper()
	var ctx fasthttp.RequestCtx
	for b.Loop() {
		get(b, h, &ctx, path)
	}
}

// get sends GET uri to h in rc and fails unless the answer is 200.
func get(b *testing.B, h fasthttp.RequestHandler, rc *fasthttp.RequestCtx, uri string) {
	rc.Request.Reset()
	rc.Response.Reset()
	rc.Request.SetRequestURI(uri)
	h(rc)
	if rc.Response.StatusCode() != http.StatusOK {
		b.Fatalf("status %d: %s", rc.Response.StatusCode(), rc.Response.Body())
	}
}

// BenchmarkContentDetail compares GET /contents/{id} with a warm cache (the
// production path: request ID, access log, security headers, the global
// rate limiter and the cache read in Redis, huma) with a bare Fiber handler
// sending the same bytes, the baseline, in process. With TEST_REDIS_URL the
// Redis calls are real round trips. The "no_rate_limit" variant shows the
// share of the per-request rate-limit round trip.
func BenchmarkContentDetail(b *testing.B) {
	var (
		a    *apptest.App
		path string
		body []byte
	)
	setup := func(rateLimit bool) {
		cfg := apptest.Config(b)
		cfg.RateLimit.Enabled = rateLimit
		cfg.RateLimit.Default.Requests = 1 << 30
		a = apptest.NewWithConfig(b, cfg, append(modules, fx.Options())...)
		if _, err := seed.Demo(context.Background(), a.DB.Ent, seed.Options{BcryptCost: 4}); err != nil {
			b.Fatal(err)
		}
		c, err := a.DB.Ent.Content.Query().First(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		path = fmt.Sprintf("/api/v1/contents/%d", c.ID)
		res := apptest.Do(b, a.App, "GET", path, "", "") // warms the cache
		body = res.Body
	}
	setup(true)
	bare := fiber.New()
	bare.Get("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	b.Run("baseline=bare_fiber", func(b *testing.B) { serve(b, bare.Handler(), "/static") })
	b.Run("detail_warm_cache", func(b *testing.B) { serve(b, a.App.Handler(), path) })
	setup(false)
	b.Run("detail_warm_cache_no_rate_limit", func(b *testing.B) { serve(b, a.App.Handler(), path) })
}

// BenchmarkSearch100k measures GET /contents?q=<word>&size=20 on 100,000
// contents in PostgreSQL (trigram indexes), reporting p50 and p95. The
// baseline is a primary-key SELECT of one content through the same pool.
func BenchmarkSearch100k(b *testing.B) {
	if !apptest.Postgres() {
		b.Skip("PostgreSQL benchmark: set TEST_DATABASE_URL and TEST_REDIS_URL")
	}
	cfg := apptest.Config(b)
	cfg.RateLimit.Enabled = false
	a := apptest.NewWithConfig(b, cfg, modules...)
	ctx := context.Background()
	// 100,000 titles of two words out of 400 plus a number: each word is in
	// about 0.5% of the titles, as a common title word would be.
	_, err := a.DB.SQL.ExecContext(ctx, `
		WITH words AS (SELECT array_agg(w) AS w FROM (
			SELECT 'word' || g || CASE WHEN g % 3 = 0 THEN 'ㅡ영화' ELSE '' END AS w FROM generate_series(1, 400) g) s)
		INSERT INTO contents (type, title, original_title, overview, original_language, poster_url, backdrop_url,
			popularity, avg_rating, rating_count, rating_sum, rating_histogram, review_count, bookmark_count,
			created_at, updated_at, release_date)
		SELECT CASE WHEN i % 4 = 0 THEN 'tv' ELSE 'movie' END,
			initcap(w[1 + (i * 7) % 400]) || ' ' || w[1 + (i * 13) % 400] || ' ' || i, '', '', 'en', '', '',
			random() * 100, random() * 10, 0, 0, '[0,0,0,0,0,0,0,0,0,0]', 0, 0, now(), now(),
			date '1950-01-01' + (i % 27000)
		FROM generate_series(1, 100000) i, words`)
	if err != nil {
		b.Fatal(err)
	}
	// The steady state autovacuum keeps: statistics, and GIN pending lists
	// merged into the trigram indexes.
	if _, err := a.DB.SQL.ExecContext(ctx, `VACUUM ANALYZE contents`); err != nil {
		b.Fatal(err)
	}
	h := a.App.Handler()
	measure := func(b *testing.B, do func(i int)) {
		var d []time.Duration
		i := 0
		for b.Loop() {
			start := time.Now()
			do(i)
			d = append(d, time.Since(start))
			i++
		}
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
	}
	b.Run("baseline=pk_select", func(b *testing.B) {
		measure(b, func(i int) {
			var title string
			if err := a.DB.SQL.QueryRowContext(ctx, `SELECT title FROM contents WHERE id = $1`, 1+i%100000).Scan(&title); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("search", func(b *testing.B) {
		var rc fasthttp.RequestCtx
		measure(b, func(i int) {
			get(b, h, &rc, fmt.Sprintf("/api/v1/contents?q=word%d&size=20", 100+i%300))
		})
	})
}

// BenchmarkContentDetailLoopback compares, over real loopback HTTP in one
// process, the full app's GET /contents/{id} with a warm cache (rate limiter
// on, with a budget no client reaches) and a bare Fiber handler sending the
// same body. One net/http client with loopbackConns keep-alive connections
// drives both; the two alternate in rounds within each run, so that other
// load on the machine weighs on both alike. ns/op is the app's;
// throughput-ratio is bare ns/op ÷ app ns/op (1 = as fast as bare Fiber).
func BenchmarkContentDetailLoopback(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.RateLimit.Default.Requests = 1 << 30
	a := apptest.NewWithConfig(b, cfg, append(modules, fx.Invoke(server.Serve))...)
	if _, err := seed.Demo(context.Background(), a.DB.Ent, seed.Options{BcryptCost: 4}); err != nil {
		b.Fatal(err)
	}
	c, err := a.DB.Ent.Content.Query().First(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: loopbackConns, MaxIdleConnsPerHost: loopbackConns, DisableCompression: true,
	}}
	appURL := fmt.Sprintf("http://%s/api/v1/contents/%d", a.Addr(), c.ID)
	body := httpGet(b, client, appURL) // warms the cache

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = bare.Listener(ln) }()
	b.Cleanup(func() { _ = bare.Shutdown() })
	bareURL := "http://" + ln.Addr().String() + "/static"
	if got := httpGet(b, client, bareURL); !bytes.Equal(got, body) {
		b.Fatalf("bare Fiber sends %d bytes, the app %d", len(got), len(body))
	}

	var bareTime, appTime time.Duration
	const rounds = 4
	b.ResetTimer()
	for r := range rounds {
		n := b.N / rounds
		if r == rounds-1 {
			n = b.N - n*(rounds-1)
		}
		bareTime += drive(b, client, bareURL, n, len(body))
		appTime += drive(b, client, appURL, n, len(body))
	}
	b.StopTimer()
	bareNs := float64(bareTime.Nanoseconds()) / float64(b.N)
	appNs := float64(appTime.Nanoseconds()) / float64(b.N)
	b.ReportMetric(appNs, "ns/op")
	b.ReportMetric(bareNs, "bare-ns/op")
	b.ReportMetric(bareNs/appNs, "throughput-ratio")
}

// loopbackConns is the client's concurrency: enough connections to keep two
// cores busy while requests wait on the network stack.
const loopbackConns = 16

func httpGet(b *testing.B, client *http.Client, url string) []byte {
	b.Helper()
	res, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v: %s", url, res.StatusCode, err, body)
	}
	return body
}

// drive sends n GETs of url from loopbackConns goroutines and returns the
// time they took; each answer must be a 200 of size bytes.
func drive(b *testing.B, client *http.Client, url string, n, size int) time.Duration {
	var (
		next   atomic.Int64
		failed atomic.Value
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range loopbackConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			for next.Add(1) <= int64(n) {
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				got, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || got != int64(size) {
					failed.Store(fmt.Sprintf("GET %s: status %d, %d bytes", url, res.StatusCode, got))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	return elapsed
}

// BenchmarkContentList is S2 of the load test in process: a page of the
// catalog sorted by rating (index scan, cached total, genres in one query),
// with a primary-key SELECT as the baseline. 2,000 contents with two genres
// each; the rate limiter is off on both sides.
func BenchmarkContentList(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.RateLimit.Enabled = false
	a := apptest.NewWithConfig(b, cfg, modules...)
	ctx := context.Background()
	g1, g2 := seedGenre(b, a.DB.Ent, "movie", "Drama"), seedGenre(b, a.DB.Ent, "movie", "Crime")
	var items []seedContent
	for i := range 2_000 {
		items = append(items, seedContent{typ: "movie", title: fmt.Sprintf("Film %05d", i),
			popularity: float64(i % 977), rating: float64(i%91) / 10, genres: []int{g1, g2}})
	}
	seedContents(b, a.DB.Ent, items...)
	b.Run("baseline=pk_select", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var title string
			if err := a.DB.SQL.QueryRowContext(ctx, `SELECT title FROM contents WHERE id = $1`, 1+i%2_000).Scan(&title); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		h := a.App.Handler()
		var rc fasthttp.RequestCtx
		i := 0
		for b.Loop() {
			get(b, h, &rc, fmt.Sprintf("/api/v1/contents?sort=rating&size=20&page=%d", 1+i%10))
			i++
		}
	})
}
