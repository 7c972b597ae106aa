package contents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/logging"
)

// Catalog totals. Counting the contents a list selects costs PostgreSQL
// about 10 ms for the whole catalog at 100,000 rows and 10 to 40 ms for a
// title search, on every page. The totals are kept in Redis instead, keyed
// by the filter and stamped with the catalog version, which every change
// that can move a content into or out of a filter (create, update, delete,
// import or restore) bumps after it commits: an older entry, even one
// written by a reader that raced with the change, is then a miss on every
// replica. A minimum rating is the one filter counted in the database each
// time, since every review moves ratings; a Redis failure counts there too.

// Writes that bypass the service (seed commands, SQL) show within totalTTL.
const totalTTL = time.Minute

func (s *Service) catalogVersionKey() string { return s.cache.rdb.Key("contents", "v") }

// totalKey names the cached total of the contents f selects: a hash of the
// filter's fields (the sort and page do not change the total).
func (s *Service) totalKey(f Filter) string {
	genres := slices.Clone(f.GenreIDs)
	slices.Sort(genres)
	sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%v|%d|%d", f.Type, f.Query, genres, f.YearFrom, f.YearTo))
	return s.cache.rdb.Key("contents", "total", hex.EncodeToString(sum[:16]))
}

// total returns the number of contents f selects, from Redis unless f
// filters on the rating.
func (s *Service) total(ctx context.Context, f Filter, count func(context.Context) (int, error)) (int, error) {
	if f.MinRating > 0 {
		return count(ctx)
	}
	rdb := s.cache.rdb
	key := s.totalKey(f)
	vals, err := rdb.MGet(ctx, key, s.catalogVersionKey()).Result()
	if err != nil {
		logging.From(ctx, zap.NewNop()).Warn("catalog total cache unavailable", zap.Error(err))
		return count(ctx)
	}
	stamp := str(vals[1])
	if raw, ok := vals[0].(string); ok {
		if st, n, ok := strings.Cut(raw, ":"); ok && st == stamp {
			if v, err := strconv.Atoi(n); err == nil {
				return v, nil
			}
		}
	}
	n, err := count(ctx)
	if err != nil {
		return 0, err
	}
	if err := rdb.Set(ctx, key, stamp+":"+strconv.Itoa(n), totalTTL).Err(); err != nil {
		logging.From(ctx, zap.NewNop()).Warn("catalog total not cached", zap.Error(err))
	}
	return n, nil
}

// catalogChanged makes every cached total stale, and every list page held
// in process, here and (through the channel) on every replica.
func (s *Service) catalogChanged(ctx context.Context) {
	_, err := s.cache.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, s.catalogVersionKey())
		p.Expire(ctx, s.catalogVersionKey(), versionTTL)
		p.Publish(ctx, s.cache.channel(), listsOnly)
		return nil
	})
	s.cache.evict(listsOnly)
	s.cache.logInvalidation(ctx, err)
}
