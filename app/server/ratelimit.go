package server

import (
	"context"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/go-redis/redis_rate/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/config"
)

// RateLimiter limits requests per client IP with GCRA in Redis, so the limit
// holds across every API process that shares the Redis.
//
// The default policy, applied to every API request, reserves a client's
// requests in batches (see leases), so a busy client costs one Redis round
// trip per batch instead of one per request. The stricter policies ask Redis
// every time.
type RateLimiter struct {
	limiter  *redis_rate.Limiter
	rdb      *cache.Redis
	enabled  bool
	policies map[string]config.Rate
	leases   *leases
}

// Policy names modules can attach with RateLimiter.Middleware.
const (
	PolicyDefault      = "default"       // every /api/v1 request, per client IP
	PolicyAuth         = "auth"          // sign-up, login, refresh: per client IP
	PolicyLoginAccount = "login_account" // failed logins per account (email), from any IP
	PolicyReport       = "report"        // review reports, per client IP
	PolicyImport       = "import"        // data imports, per client IP

	// PolicyLoginAccountIP limits failed logins per account and client IP,
	// the tight limit under PolicyLoginAccount's ceiling. Only failures
	// count: a successful login's attempt is refunded.
	PolicyLoginAccountIP = "login_account_ip"
)

// NewRateLimiter builds the limiter with the configured policies.
func NewRateLimiter(rdb *cache.Redis, c config.RateLimit) *RateLimiter {
	return &RateLimiter{
		limiter: redis_rate.NewLimiter(rdb.Client),
		rdb:     rdb,
		enabled: c.Enabled,
		policies: map[string]config.Rate{
			PolicyDefault:        c.Default,
			PolicyAuth:           c.Auth,
			PolicyLoginAccount:   c.LoginAccount,
			PolicyLoginAccountIP: c.LoginAccountIP,
			PolicyReport:         c.Report,
			PolicyImport:         c.Import,
		},
		leases: newLeases(c.Default, c.LocalBatch),
	}
}

// Decision is the outcome of one request against a policy.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // when not allowed: how long until one more request is
	ResetAfter time.Duration // until the whole budget is back
}

// Err is nil when the request is allowed, else a TOO_MANY_REQUESTS error
// carrying Retry-After and the RateLimit-* headers of this decision, which
// the error writer sends in place of any set before.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return apperr.RateLimited(d.RetryAfter, d.limit())
}

func (d Decision) limit() apperr.Limit {
	return apperr.Limit{Limit: d.Limit, Remaining: d.Remaining, Reset: d.ResetAfter}
}

// Headers calls set for each RateLimit-* header of the decision.
func (d Decision) Headers(set func(key, value string)) {
	if d.Limit == 0 {
		return
	}
	d.limit().Headers(set)
}

// Take spends one request of the policy's budget for key (a client IP, an
// account …). The error is a Redis failure, wrapped as SERVICE_UNAVAILABLE.
// An unknown policy or a disabled limiter allows everything.
func (r *RateLimiter) Take(ctx context.Context, policy, key string) (Decision, error) {
	rate, ok := r.policies[policy]
	if !r.enabled || !ok {
		return Decision{Allowed: true}, nil
	}
	if policy == PolicyDefault && r.leases.batching() {
		return r.leases.take(key, func(n int) (*redis_rate.Result, error) { return r.reserve(ctx, policy, key, n) })
	}
	res, err := r.reserve(ctx, policy, key, 1)
	if err != nil {
		return Decision{}, err
	}
	return decide(rate, res), nil
}

// reserve takes up to n requests of key's budget in Redis.
func (r *RateLimiter) reserve(ctx context.Context, policy, key string, n int) (*redis_rate.Result, error) {
	rate := r.policies[policy]
	limit := redis_rate.Limit{Rate: rate.Requests, Burst: rate.Requests, Period: rate.Period}
	res, err := r.limiter.AllowAtMost(ctx, r.rdb.Key("rl", policy, key), limit, n)
	if err != nil {
		return nil, apperr.ErrUnavailable.Wrap(fmt.Errorf("rate limiter: %w", err))
	}
	return res, nil
}

// refund gives one request back to a budget of redis_rate: its GCRA state
// is the "theoretical arrival time" of key, in seconds since 2017-01-01 (its
// epoch), under "rate:"+key; one request is worth period/requests of it.
// A budget that was full again is left alone, and one that would be
// fuller than full is deleted (= full).
var refund = redis.NewScript(`
redis.replicate_commands()
local tat = redis.call("GET", KEYS[1])
if not tat then return 0 end
local now = redis.call("TIME")
now = (now[1] - 1483228800) + (now[2] / 1000000)
local new_tat = tonumber(tat) - tonumber(ARGV[1])
if new_tat <= now then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], new_tat, "EX", math.ceil(new_tat - now))
end
return 1
`)

// Refund gives back one request that Take spent of the policy's budget for
// key, for attempts that only count when they fail (logins). It is a no-op
// for an unknown policy or a disabled limiter.
func (r *RateLimiter) Refund(ctx context.Context, policy, key string) error {
	rate, ok := r.policies[policy]
	if !r.enabled || !ok {
		return nil
	}
	interval := rate.Period.Seconds() / float64(rate.Requests)
	if err := refund.Run(ctx, r.rdb, []string{"rate:" + r.rdb.Key("rl", policy, key)}, interval).Err(); err != nil {
		return apperr.ErrUnavailable.Wrap(fmt.Errorf("rate limiter: refund: %w", err))
	}
	return nil
}

// decide turns Redis's answer to a one-request reservation into a Decision.
func decide(rate config.Rate, res *redis_rate.Result) Decision {
	d := Decision{Allowed: res.Allowed > 0, Limit: rate.Requests, Remaining: res.Remaining,
		ResetAfter: res.ResetAfter}
	if !d.Allowed {
		d.RetryAfter = max(time.Second, res.RetryAfter)
	}
	return d
}

// allow applies a policy to the request's client IP and sets the headers.
// failOpen decides what a Redis failure means.
func (r *RateLimiter) allow(c *fiber.Ctx, policy string, failOpen bool) error {
	d, err := r.Take(c.UserContext(), policy, ClientIP(c))
	if err != nil {
		logging.From(c.UserContext(), zap.NewNop()).Warn("rate limiter unavailable",
			zap.String("policy", policy), zap.Error(err))
		if failOpen {
			return nil
		}
		return err
	}
	if !d.Allowed {
		return d.Err() // the error writer sends its headers
	}
	d.Headers(func(k, v string) { c.Set(k, v) })
	return nil
}

// global applies the default policy to every request under its path. A Redis
// outage lets requests through (logged): browsing must not depend on it.
func (r *RateLimiter) global() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := r.allow(c, PolicyDefault, true); err != nil {
			return err
		}
		return c.Next()
	}
}

// Middleware returns a huma middleware applying a named, stricter policy per
// client IP on top of the default one. It fails closed: when Redis is down
// the operation answers 503 rather than run unthrottled.
func (r *RateLimiter) Middleware(api huma.API, policy string) func(huma.Context, func(huma.Context)) {
	return func(hc huma.Context, next func(huma.Context)) {
		c := humafiber.Unwrap(hc)
		if err := r.allow(c, policy, false); err != nil {
			_ = huma.WriteErr(api, hc, 0, "", err)
			return
		}
		next(hc)
	}
}
