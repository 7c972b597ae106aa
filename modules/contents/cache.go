package contents

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/config"
)

// detailCache keeps the public part of content details in two tiers.
//
// Redis (cache-aside) is shared by every replica. Each entry is stamped with
// the content's version and the genres' version; a write bumps a version
// after it commits, which makes every older entry a miss at once, on every
// replica, even one written by a reader that raced with the write.
//
// In front of it, each process keeps a small LRU of details for a few seconds
// (CONTENT_CACHE_LOCAL_TTL), so a warm detail costs no Redis round trip. An
// invalidation evicts the local entry at once and is published on a Redis
// channel that every replica subscribes to. A lost message (a replica briefly
// disconnected from Redis) leaves a stale entry for at most the local TTL.
//
// Caller-specific fields are never stored in either tier.
type detailCache struct {
	rdb *cache.Redis
	ttl time.Duration

	local    *lru.Cache[int, localDetail] // nil when the local tier is off
	localTTL time.Duration
	// generation counts invalidations seen by this process. A reader notes
	// it before reading Redis or the database and keeps what it read only if
	// no invalidation came in between, so a racing reader cannot put back
	// the entry an invalidation just removed.
	generation atomic.Uint64

	// lists is the in-process tier of list pages (nil when off). Every
	// invalidation of this cache, local or heard on the channel, empties it.
	lists *listCache
}

// localDetail is a public detail with its JSON encoding and ETag, computed
// once per fill rather than for each request.
type localDetail struct {
	view
	expires time.Time
}

const versionTTL = 24 * time.Hour // longer than any entry's life

func newDetailCache(rdb *cache.Redis, c config.Contents) *detailCache {
	dc := &detailCache{rdb: rdb, ttl: 10 * time.Minute, localTTL: c.LocalCacheTTL, lists: newListCache(c.ListCacheTTL)}
	if c.LocalCacheTTL > 0 && c.LocalCacheSize > 0 {
		// The plain LRU, not the expirable one: its sweeper goroutine can
		// never be stopped. Expiry is checked on read instead.
		dc.local, _ = lru.New[int, localDetail](c.LocalCacheSize)
	}
	return dc
}

type cachedDetail struct {
	Stamp         string        `json:"stamp"`
	ContentDetail ContentDetail `json:"detail"`
}

func (c *detailCache) entryKey(id int) string   { return c.rdb.Key("content", strconv.Itoa(id)) }
func (c *detailCache) versionKey(id int) string { return c.rdb.Key("content", strconv.Itoa(id), "v") }
func (c *detailCache) genresKey() string        { return c.rdb.Key("genres", "v") }
func (c *detailCache) channel() string          { return c.rdb.Key("content", "invalidations") }

// fromLocal returns the in-process entry of id, if it is still fresh.
func (c *detailCache) fromLocal(id int) (view, bool) {
	if c.local == nil {
		return view{}, false
	}
	e, ok := c.local.Get(id)
	if !ok || time.Now().After(e.expires) {
		return view{}, false
	}
	return e.view, true
}

// keep encodes d and stores it in the local tier, unless an invalidation
// arrived since the reader noted generation gen.
func (c *detailCache) keep(id int, gen uint64, d ContentDetail) (view, error) {
	v, err := newView(d)
	if err == nil && c.local != nil && c.generation.Load() == gen {
		c.local.Add(id, localDetail{view: v, expires: time.Now().Add(c.localTTL)})
	}
	return v, err
}

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

// allContents is the invalidation message that empties every local tier;
// listsOnly empties the list pages only (a content was created).
const (
	allContents = "*"
	listsOnly   = "lists"
)

// invalidate makes the cached detail of the contents stale in Redis, then in
// this process and, through the channel, in every other one. Redis comes
// first: a reader that notes the generation after the local eviction reads
// the new version.
func (c *detailCache) invalidate(ctx context.Context, ids ...int) {
	msg := make([]string, len(ids))
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			p.Incr(ctx, c.versionKey(id))
			p.Expire(ctx, c.versionKey(id), versionTTL)
			msg[i] = strconv.Itoa(id)
		}
		p.Publish(ctx, c.channel(), strings.Join(msg, ","))
		return nil
	})
	c.evict(msg...)
	c.logInvalidation(ctx, err)
}

// invalidateGenres makes every cached detail stale (a genre was renamed).
func (c *detailCache) invalidateGenres(ctx context.Context) {
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, c.genresKey())
		p.Expire(ctx, c.genresKey(), versionTTL)
		p.Publish(ctx, c.channel(), allContents)
		return nil
	})
	c.evict(allContents)
	c.logInvalidation(ctx, err)
}

func (c *detailCache) logInvalidation(ctx context.Context, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		// Entries expire within the cache TTLs anyway.
		logging.From(ctx, zap.NewNop()).Error("content cache not invalidated", zap.Error(err))
	}
}

// evict drops content ids (decimal strings, allContents or listsOnly) from
// the local tier, and every list page.
func (c *detailCache) evict(ids ...string) {
	c.lists.purge()
	c.generation.Add(1)
	if c.local == nil {
		return
	}
	for _, s := range ids {
		if s == allContents {
			c.local.Purge()
			return
		}
		if id, err := strconv.Atoi(s); err == nil {
			c.local.Remove(id)
		}
	}
}

// listen evicts what other replicas invalidate, from start to stop. Only the
// in-process tiers need it: Redis entries carry their versions.
func (c *detailCache) listen(lc fx.Lifecycle, log *zap.Logger) {
	if c.local == nil && c.lists == nil {
		return
	}
	c.rdb.Listen(lc, c.channel(), "content invalidations", log, c.evict)
}
