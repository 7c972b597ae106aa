package contents

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/logging"
)

// Catalog totals. Counting the live contents of the whole catalog costs
// PostgreSQL about 10 ms at 100,000 rows, on every list page. The totals of
// the unfiltered list (all, movies, TV) are kept in Redis instead, stamped
// with the catalog version, which every change of membership (create,
// delete, import or restore) bumps after it commits: an older entry, even
// one written by a reader that raced with the change, is then a miss on
// every replica. Filtered lists (search, genres, years, rating) are counted
// in the database; a Redis failure counts there too.

// Writes that bypass the service (seed commands, SQL) show within totalTTL.
const totalTTL = time.Minute

func (s *Service) catalogVersionKey() string { return s.cache.rdb.Key("contents", "v") }

// total returns the number of contents f selects, from Redis when f filters
// on the type at most.
func (s *Service) total(ctx context.Context, f Filter, count func(context.Context) (int, error)) (int, error) {
	if f.Query != "" || len(f.GenreIDs) > 0 || f.YearFrom > 0 || f.YearTo > 0 || f.MinRating > 0 {
		return count(ctx)
	}
	rdb := s.cache.rdb
	key := rdb.Key("contents", "total", f.Type)
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

// catalogChanged makes every cached total stale.
func (s *Service) catalogChanged(ctx context.Context) {
	_, err := s.cache.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, s.catalogVersionKey())
		p.Expire(ctx, s.catalogVersionKey(), versionTTL)
		return nil
	})
	s.cache.logInvalidation(ctx, err)
}
