package contents

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/logging"
)

// detailCache keeps the public part of content details in Redis
// (cache-aside). Each entry is stamped with the content's version and the
// genres' version; a write bumps a version after it commits, which makes
// every older entry a miss at once, on every replica, even one written by a
// reader that raced with the write. Caller-specific fields are never stored.
type detailCache struct {
	rdb *cache.Redis
	ttl time.Duration
}

const versionTTL = 24 * time.Hour // longer than any entry's life

type cachedDetail struct {
	Stamp         string        `json:"stamp"`
	ContentDetail ContentDetail `json:"detail"`
}

func (c *detailCache) entryKey(id int) string   { return c.rdb.Key("content", strconv.Itoa(id)) }
func (c *detailCache) versionKey(id int) string { return c.rdb.Key("content", strconv.Itoa(id), "v") }
func (c *detailCache) genresKey() string        { return c.rdb.Key("genres", "v") }

// get returns the cached detail, or nil and the stamp a fresh entry must
// carry. A Redis failure is a miss: the catalog stays readable without it.
func (c *detailCache) get(ctx context.Context, id int) (*ContentDetail, string) {
	vals, err := c.rdb.MGet(ctx, c.entryKey(id), c.versionKey(id), c.genresKey()).Result()
	if err != nil {
		logging.From(ctx, zap.NewNop()).Warn("content cache unavailable", zap.Error(err))
		return nil, ""
	}
	stamp := str(vals[1]) + ":" + str(vals[2])
	raw, ok := vals[0].(string)
	if !ok {
		return nil, stamp
	}
	var e cachedDetail
	if json.Unmarshal([]byte(raw), &e) != nil || e.Stamp != stamp {
		return nil, stamp
	}
	return &e.ContentDetail, stamp
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return "0"
}

func (c *detailCache) set(ctx context.Context, id int, stamp string, d ContentDetail) {
	if stamp == "" {
		return // Redis was down at read time
	}
	b, err := json.Marshal(cachedDetail{Stamp: stamp, ContentDetail: d})
	if err == nil {
		err = c.rdb.Set(ctx, c.entryKey(id), b, c.ttl).Err()
	}
	if err != nil {
		logging.From(ctx, zap.NewNop()).Warn("content cache not written", zap.Error(err))
	}
}

// invalidate makes the cached detail of the contents stale.
func (c *detailCache) invalidate(ctx context.Context, ids ...int) {
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Incr(ctx, c.versionKey(id))
			p.Expire(ctx, c.versionKey(id), versionTTL)
		}
		return nil
	})
	c.logInvalidation(ctx, err)
}

// invalidateGenres makes every cached detail stale (a genre was renamed).
func (c *detailCache) invalidateGenres(ctx context.Context) {
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, c.genresKey())
		p.Expire(ctx, c.genresKey(), versionTTL)
		return nil
	})
	c.logInvalidation(ctx, err)
}

func (c *detailCache) logInvalidation(ctx context.Context, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		// Entries expire within the cache TTL anyway.
		logging.From(ctx, zap.NewNop()).Error("content cache not invalidated", zap.Error(err))
	}
}
