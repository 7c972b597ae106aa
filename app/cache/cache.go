// Package cache connects to Redis: the server REDIS_URL names, or, when it is
// empty, an in-process miniredis the app starts itself, so every Redis code
// path stays the same in the embedded mode.
package cache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/config"
)

// Redis is the shared Redis client plus the key prefix every key must carry.
type Redis struct {
	*redis.Client
	prefix   string
	Embedded bool
}

// Key joins parts with ':' after the configured prefix, e.g. Key("refresh", "42")
// is "reelview:refresh:42".
func (r *Redis) Key(parts ...string) string {
	return r.prefix + strings.Join(parts, ":")
}

// Prefix is the prefix of every key of this process.
func (r *Redis) Prefix() string { return r.prefix }

// Ping checks that Redis answers within timeout.
func (r *Redis) Ping(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return r.Client.Ping(ctx).Err()
}

// Open connects to the configured Redis. The returned stop function closes the
// client and, in the embedded mode, the in-process server.
func Open(c config.Redis) (*Redis, func(), error) {
	url := c.URL
	var stopEmbedded func()
	if url == "" {
		addr, stop, err := startEmbedded()
		if err != nil {
			return nil, nil, fmt.Errorf("cache: start in-process redis: %w", err)
		}
		url, stopEmbedded = "redis://"+addr, stop
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("cache: REDIS_URL cannot be parsed")
	}
	// Bounded timeouts: an outage must turn into 503s, not hung requests.
	opts.DialTimeout = c.Timeout
	opts.ReadTimeout = c.Timeout
	opts.WriteTimeout = c.Timeout
	opts.PoolTimeout = c.Timeout
	opts.MaxRetries = 1
	// One dial per attempt: go-redis would otherwise retry a refused
	// connection 5 times, adding ~0.8 s to every request during an outage.
	opts.DialerRetries = 1
	quietRedisLogger.Do(func() { redis.SetLogger(discardLogger{}) })
	client := redis.NewClient(opts)
	r := &Redis{Client: client, prefix: c.KeyPrefix, Embedded: stopEmbedded != nil}
	stop := func() {
		_ = client.Close()
		if stopEmbedded != nil {
			stopEmbedded()
		}
	}
	return r, stop, nil
}

// go-redis prints connection failures straight to stderr through a process
// global logger; they reach Reelview's own logs as the errors of the calls
// that failed (rate limiter, /ready), so its printer is silenced once.
var quietRedisLogger sync.Once

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// Module provides *Redis: it pings on start and closes on stop.
var Module = fx.Module("cache",
	fx.Provide(func(lc fx.Lifecycle, c config.Redis) (*Redis, error) {
		r, stop, err := Open(c)
		if err != nil {
			return nil, err
		}
		lc.Append(fx.Hook{
			OnStart: func(ctx context.Context) error {
				if err := r.Ping(ctx, c.Timeout); err != nil {
					return fmt.Errorf("cache: redis not reachable: %w", err)
				}
				return nil
			},
			OnStop: func(context.Context) error { stop(); return nil },
		})
		return r, nil
	}),
)

// Listen calls handle with the comma-separated parts of every message
// published on channel, from the app's start to its stop. It waits at start
// for the subscription, so that a process that has started hears every
// later message; failing that (Redis down), go-redis keeps retrying in the
// background and what is told meanwhile is lost, which callers bound with
// a TTL. what names the channel in the log.
func (r *Redis) Listen(lc fx.Lifecycle, channel, what string, log *zap.Logger, handle func(parts ...string)) {
	var (
		sub  *redis.PubSub
		done = make(chan struct{})
	)
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			sub = r.Subscribe(context.Background(), channel)
			if _, err := sub.Receive(ctx); err != nil {
				log.Warn(what+": not subscribed yet", zap.Error(err))
			}
			go func() {
				defer close(done)
				for m := range sub.Channel() {
					handle(strings.Split(m.Payload, ",")...)
				}
			}()
			return nil
		},
		OnStop: func(context.Context) error {
			err := sub.Close()
			<-done
			return err
		},
	})
}
