package auth

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// activeCache remembers, in one process and for SESSION_CACHE_TTL, the
// access tokens Redis found active, so that a signed-in request within the
// TTL costs no Redis round trip.
//
// Every way a session ends (logout, logout-all, ending one session, refresh
// token reuse, and the password change, blocking, role change and deletion
// that end a user's sessions) goes through Sessions, which publishes what
// ended on a Redis channel in the same round trip as the change and drops it
// from its own process at once. Every replica subscribes and drops what it
// hears. A replica that misses a message (disconnected from Redis when it
// was sent) still lets the token through for at most the TTL: that is the
// bound.
//
// A generation counter, bumped by every drop, stops a reader that asked
// Redis before a revocation from keeping its answer after it.
type activeCache struct {
	ttl        time.Duration
	mu         sync.RWMutex
	entries    map[string]activeEntry // by access token jti
	generation atomic.Uint64
}

type activeEntry struct {
	uid     int
	sid     string
	role    string // the session's role, as Redis had it
	expires time.Time
}

// maxActiveEntries bounds the memory of the cache: past it, expired entries
// are swept, and if it is still full new tokens are simply not cached.
const maxActiveEntries = 100_000

func newActiveCache(ttl time.Duration) *activeCache {
	if ttl <= 0 {
		return nil
	}
	return &activeCache{ttl: ttl, entries: map[string]activeEntry{}}
}

// active reports whether jti of session sid of uid was found active within
// the TTL, and the session's role then.
func (c *activeCache) active(uid int, sid, jti string) (role string, ok bool) {
	c.mu.RLock()
	e, ok := c.entries[jti]
	c.mu.RUnlock()
	if !ok || e.uid != uid || e.sid != sid || !time.Now().Before(e.expires) {
		return "", false
	}
	return e.role, true
}

// keep remembers jti as active in a session of role, unless a revocation
// arrived since the reader noted generation gen.
func (c *activeCache) keep(gen uint64, uid int, sid, jti, role string) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation.Load() != gen {
		return
	}
	if len(c.entries) >= maxActiveEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxActiveEntries {
			return
		}
	}
	c.entries[jti] = activeEntry{uid: uid, sid: sid, role: role, expires: now.Add(c.ttl)}
}

// Revocation messages, comma-separated in one publication:
// "u:{uid}" every session of a user, "s:{uid}:{sid}" one session,
// "j:{jti}" one access token.
func userRevoked(uid int) string { return "u:" + strconv.Itoa(uid) }
func sessionRevoked(uid int, sid string) string {
	return "s:" + strconv.Itoa(uid) + ":" + sid
}
func tokenRevoked(jti string) string { return "j:" + jti }

// drop forgets every cached token that a revocation message names.
func (c *activeCache) drop(msgs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation.Add(1)
	for _, m := range msgs {
		kind, rest, _ := strings.Cut(m, ":")
		switch kind {
		case "j":
			delete(c.entries, rest)
		case "u", "s":
			uidText, sid, _ := strings.Cut(rest, ":")
			uid, err := strconv.Atoi(uidText)
			if err != nil {
				continue
			}
			for k, e := range c.entries {
				if e.uid == uid && (kind == "u" || e.sid == sid) {
					delete(c.entries, k)
				}
			}
		default: // unknown: be safe
			clear(c.entries)
		}
	}
}

// revocations is the channel every replica listens on.
func (s *Sessions) revocations() string { return s.rdb.Key("auth", "revocations") }

// publish adds the publication of msgs to a pipeline that ends sessions.
func (s *Sessions) publish(ctx context.Context, p redis.Pipeliner, msgs ...string) {
	if len(msgs) > 0 {
		p.Publish(ctx, s.revocations(), strings.Join(msgs, ","))
	}
}

// forget drops msgs from this process's cache at once, whatever happened to
// the publication.
func (s *Sessions) forget(msgs ...string) {
	if s.cache != nil && len(msgs) > 0 {
		s.cache.drop(msgs...)
	}
}

// listenForRevocations drops what other replicas revoke, from start to stop.
func listenForRevocations(lc fx.Lifecycle, s *Sessions, log *zap.Logger) {
	if s.cache == nil {
		return
	}
	s.rdb.Listen(lc, s.revocations(), "session revocations", log, s.cache.drop)
}
