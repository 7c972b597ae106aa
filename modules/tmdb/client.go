// Package tmdb talks to The Movie Database (TMDB) API v3 and imports its
// titles into the catalog.
package tmdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/config"
)

// Errors of the TMDB client. Messages never carry the API key.
var (
	ErrNotConfigured = apperr.New(apperr.Unavailable, "SERVICE_UNAVAILABLE", "TMDB is not configured on this server: set TMDB_API_KEY or TMDB_READ_TOKEN.")
	ErrUnavailable   = apperr.New(apperr.Upstream, "UPSTREAM_ERROR", "TMDB is failing; try again later.")
	ErrTimeout       = apperr.New(apperr.UpstreamTimeout, "UPSTREAM_TIMEOUT", "TMDB did not answer in time; try again later.")
	ErrRejected      = apperr.New(apperr.Upstream, "UPSTREAM_ERROR", "TMDB rejected the request.")
	ErrNotFound      = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "TMDB has no such title.")
)

// Client calls TMDB with retries (exponential backoff with jitter, honoring
// Retry-After) on 429, 5xx and network failures, a client-side rate limit
// shared by every replica through Redis, a circuit breaker that fails fast
// while TMDB is down, a size bound on bodies, and a Redis cache of answers.
type Client struct {
	cfg     config.TMDB
	http    *retryablehttp.Client
	breaker *gobreaker.CircuitBreaker[*http.Response]
	rdb     *cache.Redis
	limiter *redis_rate.Limiter
	log     *zap.Logger
}

// NewClient returns the TMDB client.
func NewClient(c config.TMDB, rdb *cache.Redis, log *zap.Logger) *Client {
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: min(c.CallTimeout, 5*time.Second)}).DialContext,
		TLSHandshakeTimeout:   min(c.CallTimeout, 5*time.Second),
		ResponseHeaderTimeout: c.CallTimeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: transport, Timeout: c.CallTimeout}
	rc.RetryMax = c.MaxRetries
	rc.RetryWaitMin = 250 * time.Millisecond
	rc.RetryWaitMax = 10 * time.Second
	rc.Backoff = backoff
	rc.Logger = nil
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler // the last answer, to map its status
	cl := &Client{cfg: c, http: rc, rdb: rdb, limiter: redis_rate.NewLimiter(rdb.Client), log: log}
	//nolint:bodyclose // the breaker passes responses through; fetch closes them
	cl.breaker = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:    "tmdb",
		Timeout: c.BreakerCooldown, // open for this long, then one trial request
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= 5
		},
		IsSuccessful: func(err error) bool {
			// Only TMDB being down counts against it, not our own mistakes.
			return err == nil || errors.Is(err, errClientSide)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("tmdb circuit breaker", zap.String("from", from.String()), zap.String("to", to.String()))
		},
	})
	return cl
}

// Configured reports whether a key or token is set.
func (c *Client) Configured() bool { return c.cfg.APIKey != "" || c.cfg.ReadToken != "" }

// backoff waits Retry-After when TMDB sends one (429, 503), otherwise
// exponentially longer with full jitter.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxWait)
		}
	}
	ceiling := min(float64(maxWait), float64(minWait)*math.Pow(2, float64(attempt)))
	return time.Duration(rand.Int64N(int64(ceiling)) + int64(minWait)/2) //nolint:gosec // jitter, not security
}

var errClientSide = errors.New("tmdb: client-side error status")

// get fetches path with query into v, through the cache.
func (c *Client) get(ctx context.Context, path string, query url.Values, v any) error {
	if !c.Configured() {
		return ErrNotConfigured
	}
	key := c.rdb.Key("tmdb", cacheKey(path, query))
	if b, err := c.rdb.Get(ctx, key).Bytes(); err == nil {
		if json.Unmarshal(b, v) == nil {
			return nil
		}
	} else if !errors.Is(err, redis.Nil) {
		c.log.Warn("tmdb cache unavailable", zap.Error(err))
	}
	body, err := c.fetch(ctx, path, query)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return ErrUnavailable.WithMessage("TMDB sent an answer that is not valid JSON.").Wrap(err)
	}
	if c.cfg.CacheTTL > 0 {
		if err := c.rdb.Set(ctx, key, body, c.cfg.CacheTTL).Err(); err != nil {
			c.log.Warn("tmdb cache not written", zap.Error(err))
		}
	}
	return nil
}

func cacheKey(path string, query url.Values) string {
	h := sha256.Sum256([]byte(path + "?" + query.Encode()))
	return hex.EncodeToString(h[:16])
}

// wait takes one request of the shared budget, sleeping when it is spent.
func (c *Client) wait(ctx context.Context) error {
	r := c.cfg.RateLimit
	limit := redis_rate.Limit{Rate: r.Requests, Burst: r.Requests, Period: r.Period}
	for {
		res, err := c.limiter.Allow(ctx, c.rdb.Key("rl", "tmdb"), limit)
		if err != nil {
			return apperr.ErrUnavailable.Wrap(fmt.Errorf("tmdb rate limiter: %w", err))
		}
		if res.Allowed > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ErrTimeout.Wrap(ctx.Err())
		case <-time.After(res.RetryAfter):
		}
	}
}

// fetch does the HTTP work: rate limit, breaker, retries, size bound, and
// the mapping of failures to client-safe errors.
func (c *Client) fetch(ctx context.Context, path string, query url.Values) ([]byte, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimRight(c.cfg.BaseURL, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("tmdb: url: %w", err)
	}
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	if c.cfg.ReadToken == "" {
		q.Set("api_key", c.cfg.APIKey)
	}
	u.RawQuery = q.Encode()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("tmdb: request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.ReadToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.ReadToken)
	}
	resp, err := c.breaker.Execute(func() (*http.Response, error) {
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			drain(resp)
			return nil, fmt.Errorf("tmdb: status %d", resp.StatusCode)
		}
		if resp.StatusCode >= 400 {
			return resp, errClientSide
		}
		return resp, nil
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, ErrUnavailable.WithMessage("TMDB is failing and calls are paused for a while; try again later.").Wrap(err)
	case errors.Is(err, errClientSide):
		return nil, c.clientError(resp, path)
	case err != nil:
		var netErr net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
			return nil, ErrTimeout.Wrap(redactErr(err))
		}
		return nil, ErrUnavailable.Wrap(redactErr(err))
	}
	defer drain(resp)
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	if err != nil {
		return nil, ErrUnavailable.Wrap(redactErr(err))
	}
	if int64(len(body)) > c.cfg.MaxBodyBytes {
		return nil, ErrUnavailable.WithMessage("TMDB sent an answer larger than %d bytes.", c.cfg.MaxBodyBytes)
	}
	return body, nil
}

// clientError maps TMDB's 4xx answers to clear errors.
func (c *Client) clientError(resp *http.Response, path string) error {
	defer drain(resp)
	var eb errorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(b, &eb)
	detail := eb.StatusMessage
	if detail == "" && len(eb.Errors) > 0 {
		detail = strings.Join(eb.Errors, "; ")
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return ErrNotFound.WithMessage("TMDB has nothing at %s.", path)
	case http.StatusUnauthorized:
		return ErrRejected.WithMessage("TMDB rejected the server's credentials (%s); check TMDB_API_KEY or TMDB_READ_TOKEN.", detail)
	default:
		return ErrRejected.WithMessage("TMDB refused the request with status %d (%s).", resp.StatusCode, detail)
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// redactErr removes the query string (and so the API key) from URL errors.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// Movie returns a movie's details.
func (c *Client) Movie(ctx context.Context, id int64) (Details, error) {
	var d Details
	return d, c.get(ctx, fmt.Sprintf("/movie/%d", id), nil, &d)
}

// TV returns a TV show's details.
func (c *Client) TV(ctx context.Context, id int64) (Details, error) {
	var d Details
	return d, c.get(ctx, fmt.Sprintf("/tv/%d", id), nil, &d)
}

// Genres returns TMDB's genre list of a type ("movie" or "tv").
func (c *Client) Genres(ctx context.Context, typ string) ([]Genre, error) {
	var l GenreList
	return l.Genres, c.get(ctx, "/genre/"+typ+"/list", nil, &l)
}

// List returns one page of a TMDB list: popular, top_rated, now_playing
// (movies) or trending (by week) of a type.
func (c *Client) List(ctx context.Context, list, typ string, page int) (Page, error) {
	path := "/" + typ + "/" + list
	if list == "trending" {
		path = "/trending/" + typ + "/week"
	}
	var p Page
	return p, c.get(ctx, path, url.Values{"page": {strconv.Itoa(page)}}, &p)
}

// Search searches TMDB titles of a type ("movie" or "tv").
func (c *Client) Search(ctx context.Context, typ, q string, page int) (Page, error) {
	var p Page
	return p, c.get(ctx, "/search/"+typ, url.Values{"query": {q}, "page": {strconv.Itoa(page)}}, &p)
}

// Configuration returns the image configuration.
func (c *Client) Configuration(ctx context.Context) (Configuration, error) {
	var conf Configuration
	return conf, c.get(ctx, "/configuration", nil, &conf)
}
