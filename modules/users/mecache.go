package users

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/modules/auth"
)

// maxCachedAccounts bounds the accounts a process keeps for GET /users/me.
const maxCachedAccounts = 100_000

// accountCache keeps, for ACCOUNT_CACHE_TTL, the accounts GET /users/me
// answered, so that the caller's own account is not read again on every
// request. Every change of a user row made through ent (any module, any
// path: profile, password, role, status, deletion, sign-in) drops it,
// after its transaction commits, in this process and, through Redis
// pub/sub, in every other; a change made outside ent (SQL by hand) or a
// lost message shows within the TTL.
type accountCache struct {
	ttl time.Duration
	rdb *cache.Redis
	log *zap.Logger

	mu      sync.Mutex
	gen     uint64 // bumped by every drop: a read older than it is not kept
	entries map[int]accountEntry
}

type accountEntry struct {
	user    auth.User
	expires time.Time
}

func newAccountCache(c config.Config, rdb *cache.Redis, log *zap.Logger) *accountCache {
	if c.Auth.AccountCacheTTL <= 0 {
		return nil
	}
	return &accountCache{ttl: c.Auth.AccountCacheTTL, rdb: rdb, log: log, entries: map[int]accountEntry{}}
}

func (c *accountCache) channel() string { return c.rdb.Key("users", "changed") }

// get returns the cached account, and the generation to keep a fresh read
// with.
func (c *accountCache) get(id int) (auth.User, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if ok && time.Now().Before(e.expires) {
		return e.user, true, c.gen
	}
	return auth.User{}, false, c.gen
}

// keep stores an account read at generation gen, unless a drop came since.
func (c *accountCache) keep(gen uint64, u auth.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxCachedAccounts {
		now := time.Now()
		for id, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, id)
			}
		}
		if len(c.entries) >= maxCachedAccounts {
			c.entries = map[int]accountEntry{}
		}
	}
	c.entries[u.ID] = accountEntry{user: u, expires: time.Now().Add(c.ttl)}
}

// drop forgets the accounts in this process.
func (c *accountCache) drop(ids ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, id := range ids {
		delete(c.entries, id)
	}
}

// changed drops the accounts here and tells the other processes.
func (c *accountCache) changed(ctx context.Context, ids []int) {
	if len(ids) == 0 {
		return
	}
	c.drop(ids...)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	if err := c.rdb.Publish(context.WithoutCancel(ctx), c.channel(), strings.Join(parts, ",")).Err(); err != nil {
		c.log.Warn("account changes: publish failed; other replicas catch up within the TTL", zap.Error(err))
	}
}

// hook drops the accounts a user mutation touched once it is durable:
// after the commit of its transaction, or at once outside one.
func (c *accountCache) hook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		um, ok := m.(*ent.UserMutation)
		if !ok {
			return next.Mutate(ctx, m)
		}
		var ids []int
		if id, ok := um.ID(); ok {
			ids = []int{id}
		} else if !um.Op().Is(ent.OpCreate) {
			var err error
			if ids, err = um.IDs(ctx); err != nil {
				return nil, err
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil || len(ids) == 0 {
			return v, err
		}
		c.drop(ids...) // a read in this transaction's window is not kept
		if tx, err := um.Tx(); err == nil {
			tx.OnCommit(func(next ent.Committer) ent.Committer {
				return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
					err := next.Commit(ctx, tx)
					if err == nil {
						c.changed(ctx, ids)
					}
					return err
				})
			})
		} else {
			c.changed(ctx, ids)
		}
		return v, nil
	})
}

// watchAccounts installs the hook and listens for other processes' changes.
func watchAccounts(lc fx.Lifecycle, c *accountCache, db *ent.Client, log *zap.Logger) {
	if c == nil {
		return
	}
	db.User.Use(c.hook)
	c.rdb.Listen(lc, c.channel(), "account changes", log, func(parts ...string) {
		ids := make([]int, 0, len(parts))
		for _, p := range parts {
			if id, err := strconv.Atoi(p); err == nil {
				ids = append(ids, id)
			}
		}
		c.drop(ids...)
	})
}
