package tmdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/modules/tmdb"
)

const apiKey = "test-api-key-0123456789"

// fakeTMDB answers with the recorded payloads; tests can override a path.
type fakeTMDB struct {
	*httptest.Server
	hits      atomic.Int64
	mu        sync.Mutex
	overrides map[string]http.HandlerFunc
}

var routes = map[string]string{
	"/configuration":     "configuration.json",
	"/movie/550":         "movie_550_details.json",
	"/tv/1399":           "tv_1399_details.json",
	"/movie/popular":     "movie_popular_page1.json",
	"/movie/top_rated":   "movie_top_rated_page1.json",
	"/trending/all/week": "trending_all_week_trimmed.json",
	"/genre/movie/list":  "genre_movie_list.json",
	"/genre/tv/list":     "genre_tv_list.json",
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFake(t *testing.T) *fakeTMDB {
	t.Helper()
	f := &fakeTMDB{overrides: map[string]http.HandlerFunc{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.mu.Lock()
		override := f.overrides[r.URL.Path]
		f.mu.Unlock()
		if override != nil {
			override(w, r)
			return
		}
		send := func(status int, name string) {
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write(fixture(t, name))
		}
		if r.URL.Query().Get("api_key") != apiKey && r.Header.Get("Authorization") != "Bearer read-token" {
			send(http.StatusUnauthorized, "error_401_invalid_api_key.json")
			return
		}
		if name, ok := routes[r.URL.Path]; ok {
			send(http.StatusOK, name)
			return
		}
		if r.URL.Path == "/search/movie" {
			switch r.URL.Query().Get("query") {
			case "":
				send(http.StatusUnprocessableEntity, "error_422_search_query_missing.json")
			case "RRRrrrr":
				send(http.StatusOK, "search_movie_rrrrrrr.json")
			default:
				send(http.StatusOK, "search_movie_star_wars.json")
			}
			return
		}
		// Details of a listed title: the list entry itself (the fields match).
		if b, ok := listed(t)[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		send(http.StatusNotFound, "error_404_not_found.json")
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTMDB) override(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overrides[path] = h
}

func newClient(t *testing.T, f *fakeTMDB, change func(*config.TMDB)) *tmdb.Client {
	t.Helper()
	c := config.ForTest().TMDB
	c.BaseURL = f.URL
	c.APIKey = apiKey
	c.CallTimeout = 2 * time.Second
	c.MaxRetries = 2
	c.CacheTTL = 0
	c.BreakerCooldown = 300 * time.Millisecond
	if change != nil {
		change(&c)
	}
	rc := config.ForTest().Redis
	rc.URL = apptest.RedisURL(t)
	// Unique per run: the Redis may be shared with other runs of the suite.
	rc.KeyPrefix = "tmdbtest:" + t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	rdb, stop, err := cache.Open(rc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return tmdb.NewClient(c, rdb, zap.NewNop())
}

// assertKind checks err's kind and code and returns its client message.
func assertKind(t *testing.T, err error, kind apperr.Kind, code string) string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != kind || ae.Code != code {
		t.Fatalf("err = %v, want kind %d code %s", err, kind, code)
	}
	if strings.Contains(ae.Message, apiKey) || strings.Contains(err.Error(), apiKey) {
		t.Fatalf("the API key leaked into an error: %v", err)
	}
	return ae.Message
}

func TestDecodesEveryPayload(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := newClient(t, f, nil)
	ctx := context.Background()

	m, err := c.Movie(ctx, 550)
	if err != nil || m.DisplayTitle() != "Fight Club" || len(m.Genres) == 0 || m.RuntimeMinutes() == nil || m.ReleaseDate == "" {
		t.Errorf("movie: %+v, %v", m, err)
	}
	tv, err := c.TV(ctx, 1399)
	if err != nil || tv.DisplayTitle() != "Game of Thrones" || tv.FirstAirDate == "" || tv.OriginalName == "" || len(tv.Genres) == 0 {
		t.Errorf("tv: %+v, %v", tv.Title, err)
	}
	for _, list := range []struct{ list, typ string }{{"popular", "movie"}, {"top_rated", "movie"}, {"trending", "all"}} {
		p, err := c.List(ctx, list.list, list.typ, 1)
		if err != nil || len(p.Results) == 0 || p.Results[0].ID == 0 || p.Results[0].DisplayTitle() == "" {
			t.Errorf("%s %s: %d results, %v", list.list, list.typ, len(p.Results), err)
		}
	}
	p, _ := c.List(ctx, "trending", "all", 1)
	types := map[string]bool{}
	for _, r := range p.Results {
		types[r.MediaType] = true
	}
	if !types["movie"] || !types["tv"] {
		t.Errorf("trending media types: %v", types)
	}
	for _, typ := range []string{"movie", "tv"} {
		g, err := c.Genres(ctx, typ)
		if err != nil || len(g) < 16 {
			t.Errorf("%s genres: %d, %v", typ, len(g), err)
		}
	}
	s, err := c.Search(ctx, "movie", "star wars", 1)
	if err != nil || len(s.Results) == 0 || s.TotalResults == 0 {
		t.Errorf("search: %+v, %v", s, err)
	}
	s, err = c.Search(ctx, "movie", "RRRrrrr", 1)
	if err != nil || len(s.Results) != 1 {
		t.Errorf("search RRRrrrr: %+v, %v", s, err)
	}
	conf, err := c.Configuration(ctx)
	if err != nil || !strings.HasPrefix(conf.Images.SecureBaseURL, "https://") || len(conf.Images.PosterSizes) == 0 {
		t.Errorf("configuration: %+v, %v", conf, err)
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ctx := context.Background()
	_, err := newClient(t, f, nil).Movie(ctx, 999)
	_ = assertKind(t, err, apperr.NotFound, "RESOURCE_NOT_FOUND")
	_, err = newClient(t, f, func(c *config.TMDB) { c.APIKey = "wrong-key" }).Movie(ctx, 550)
	msg := assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	if !strings.Contains(msg, "Invalid API key") {
		t.Errorf("401 message: %q", msg)
	}
	_, err = newClient(t, f, nil).Search(ctx, "movie", "", 1)
	msg = assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	if !strings.Contains(msg, "query must be provided") {
		t.Errorf("422 message: %q", msg)
	}
	// Client-side errors are not retried.
	before := f.hits.Load()
	_, _ = newClient(t, f, nil).Movie(ctx, 998)
	if got := f.hits.Load() - before; got != 1 {
		t.Errorf("a 404 was sent %d times", got)
	}
	_, err = newClient(t, f, func(c *config.TMDB) { c.APIKey = "" }).Movie(ctx, 550)
	_ = assertKind(t, err, apperr.Unavailable, "SERVICE_UNAVAILABLE")
}

func TestReadTokenIsSentAsBearer(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.override("/movie/550", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("api_key") || r.Header.Get("Authorization") != "Bearer read-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(fixture(t, "movie_550_details.json"))
	})
	c := newClient(t, f, func(c *config.TMDB) { c.APIKey, c.ReadToken = "", "read-token" })
	if _, err := c.Movie(context.Background(), 550); err != nil {
		t.Fatal(err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	t.Run("429 honors Retry-After", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		var n atomic.Int64
		f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write(fixture(t, "error_429_rate_limit_legacy_2017.json"))
				return
			}
			_, _ = w.Write(fixture(t, "movie_550_details.json"))
		})
		start := time.Now()
		if _, err := newClient(t, f, nil).Movie(context.Background(), 550); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < time.Second || n.Load() != 2 {
			t.Errorf("waited %v over %d attempts; want ≥ 1s (Retry-After) and 2", waited, n.Load())
		}
	})
	t.Run("gives up after the configured attempts", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		var n atomic.Int64
		f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
			n.Add(1)
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		_, err := newClient(t, f, nil).Movie(context.Background(), 550)
		_ = assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
		if n.Load() != 3 {
			t.Errorf("%d attempts, want 3 (1 + TMDB_MAX_RETRIES 2)", n.Load())
		}
	})
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusBadGateway} {
		t.Run(http.StatusText(status)+" is retried", func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			var n atomic.Int64
			f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
				if n.Add(1) <= 2 {
					w.WriteHeader(status)
					return
				}
				_, _ = w.Write(fixture(t, "movie_550_details.json"))
			})
			if _, err := newClient(t, f, nil).Movie(context.Background(), 550); err != nil || n.Load() != 3 {
				t.Fatalf("err %v after %d attempts", err, n.Load())
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.override("/movie/550", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		})
		_, err := newClient(t, f, func(c *config.TMDB) { c.CallTimeout, c.MaxRetries = 200*time.Millisecond, 0 }).Movie(ctx, 550)
		_ = assertKind(t, err, apperr.UpstreamTimeout, "UPSTREAM_TIMEOUT")
	})
	t.Run("connection reset", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		})
		_, err := newClient(t, f, nil).Movie(ctx, 550)
		_ = assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	})
	t.Run("malformed JSON", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(fixture(t, "movie_550_details.json")[:100])
		})
		_, err := newClient(t, f, nil).Movie(ctx, 550)
		_ = assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	})
	t.Run("oversized body", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		_, err := newClient(t, f, func(c *config.TMDB) { c.MaxBodyBytes = 2048 }).Movie(ctx, 550)
		msg := assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
		if !strings.Contains(msg, "larger than") {
			t.Errorf("message %q", msg)
		}
	})
}

func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var healthy atomic.Bool
	f.override("/movie/550", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(fixture(t, "movie_550_details.json"))
	})
	c := newClient(t, f, func(c *config.TMDB) { c.MaxRetries = 0 })
	ctx := context.Background()
	for range 5 {
		_, err := c.Movie(ctx, 550)
		_ = assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	}
	// Open: fails fast without calling TMDB.
	before := f.hits.Load()
	start := time.Now()
	_, err := c.Movie(ctx, 550)
	msg := assertKind(t, err, apperr.Upstream, "UPSTREAM_ERROR")
	if f.hits.Load() != before || time.Since(start) > 50*time.Millisecond || !strings.Contains(msg, "paused") {
		t.Errorf("open breaker still called TMDB (%d calls, %v): %q", f.hits.Load()-before, time.Since(start), msg)
	}
	// After the cooldown one trial call goes through; success closes it.
	healthy.Store(true)
	time.Sleep(350 * time.Millisecond)
	if _, err := c.Movie(ctx, 550); err != nil {
		t.Fatalf("after cooldown: %v", err)
	}
	if _, err := c.Movie(ctx, 550); err != nil {
		t.Fatalf("closed breaker: %v", err)
	}
}

func TestCache(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := newClient(t, f, func(c *config.TMDB) { c.CacheTTL = time.Minute })
	ctx := context.Background()
	for range 3 {
		if _, err := c.Movie(ctx, 550); err != nil {
			t.Fatal(err)
		}
	}
	if f.hits.Load() != 1 {
		t.Errorf("%d calls to TMDB for 3 cached reads", f.hits.Load())
	}
}

func TestClientSideRateLimit(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := newClient(t, f, func(c *config.TMDB) { c.RateLimit = config.Rate{Requests: 2, Period: time.Second} })
	start := time.Now()
	for id := range 4 { // distinct paths: no cache
		_, _ = c.Movie(context.Background(), int64(900+id))
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("4 calls at 2/s took %v, want about 1s or more", elapsed)
	}
	if f.hits.Load() != 4 {
		t.Errorf("%d calls reached TMDB, want 4", f.hits.Load())
	}
}

var (
	listedOnce sync.Once
	listedMap  map[string][]byte
)

// listed maps /movie/{id} and /tv/{id} of every title of the recorded lists
// to its list entry, so that imports of whole lists work against the fake.
func listed(t *testing.T) map[string][]byte {
	listedOnce.Do(func() {
		listedMap = map[string][]byte{}
		for _, name := range []string{"movie_popular_page1.json", "movie_top_rated_page1.json", "trending_all_week_trimmed.json"} {
			var page struct{ Results []json.RawMessage }
			if err := json.Unmarshal(fixture(t, name), &page); err != nil {
				panic(err)
			}
			for _, raw := range page.Results {
				var head struct {
					ID        int64  `json:"id"`
					MediaType string `json:"media_type"`
				}
				_ = json.Unmarshal(raw, &head)
				typ := head.MediaType
				if typ == "" {
					typ = "movie"
				}
				listedMap[fmt.Sprintf("/%s/%d", typ, head.ID)] = raw
			}
		}
	})
	return listedMap
}

func TestNotFoundBodyWithSuccessField(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.override("/tv/999", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(fixture(t, "error_404_not_found_with_success_field.json"))
	})
	_, err := newClient(t, f, nil).TV(context.Background(), 999)
	_ = assertKind(t, err, apperr.NotFound, "RESOURCE_NOT_FOUND")
}
