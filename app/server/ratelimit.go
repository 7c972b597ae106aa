package server

import (
	"math"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/go-redis/redis_rate/v10"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/config"
)

// RateLimiter limits requests per client IP with GCRA in Redis, so the limit
// holds across every API process that shares the Redis.
type RateLimiter struct {
	limiter  *redis_rate.Limiter
	rdb      *cache.Redis
	enabled  bool
	policies map[string]config.Rate
}

// Policy names modules can attach with RateLimiter.Middleware.
const (
	PolicyDefault = "default" // every /api/v1 request
	PolicyAuth    = "auth"    // sign-up, login, refresh and other credential routes
)

// NewRateLimiter builds the limiter with the configured policies.
func NewRateLimiter(rdb *cache.Redis, c config.RateLimit) *RateLimiter {
	return &RateLimiter{
		limiter: redis_rate.NewLimiter(rdb.Client),
		rdb:     rdb,
		enabled: c.Enabled,
		policies: map[string]config.Rate{
			PolicyDefault: c.Default,
			PolicyAuth:    c.Auth,
		},
	}
}

// allow takes one request of the policy's budget for key and sets the
// RateLimit-* headers. failOpen decides what a Redis failure means.
func (r *RateLimiter) allow(c *fiber.Ctx, policy, key string, failOpen bool) error {
	rate, ok := r.policies[policy]
	if !r.enabled || !ok {
		return nil
	}
	limit := redis_rate.Limit{Rate: rate.Requests, Burst: rate.Requests, Period: rate.Period}
	res, err := r.limiter.Allow(c.UserContext(), r.rdb.Key("rl", policy, key), limit)
	if err != nil {
		logging.From(c.UserContext(), zap.NewNop()).Warn("rate limiter unavailable",
			zap.String("policy", policy), zap.Error(err))
		if failOpen {
			return nil
		}
		return apperr.ErrUnavailable.Wrap(err)
	}
	c.Set("RateLimit-Limit", strconv.Itoa(rate.Requests))
	c.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	c.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(res.ResetAfter)))
	if res.Allowed == 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, ceilSeconds(res.RetryAfter))))
		return apperr.ErrTooManyRequests
	}
	return nil
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// global applies the default policy to every request under its path. A Redis
// outage lets requests through (logged): browsing must not depend on it.
func (r *RateLimiter) global() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := r.allow(c, PolicyDefault, ClientIP(c), true); err != nil {
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
		if err := r.allow(c, policy, ClientIP(c), false); err != nil {
			_ = huma.WriteErr(api, hc, 0, "", err)
			return
		}
		next(hc)
	}
}
