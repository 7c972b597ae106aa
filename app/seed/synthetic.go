package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/reelview/reelview/modules/social/inbox"
)

// Volumes are the sizes of a synthetic data set.
type Volumes struct {
	Contents, Users, Reviews, Likes int
	// Follows are approved follows, FollowsEach per follower: the first
	// Follows / FollowsEach users each follow FollowsEach others, spread
	// over all users (the feed's load test signs in as them).
	Follows int
}

// FollowsEach is how many people each synthetic follower follows.
const FollowsEach = 1000

// DefaultVolumes is the data set of the load tests.
var DefaultVolumes = Volumes{Contents: 100_000, Users: 200_000, Reviews: 1_000_000, Likes: 2_000_000, Follows: 100_000}

// Synthetic inserts a large generated data set into PostgreSQL for
// benchmarks: contents, users (who cannot sign in), reviews, likes and
// follows, in
// server-side batches of 100,000 rows with a progress line per batch, then
// sets every aggregate and counter from the rows. Rows are derived from
// their number, so the data is the same on every run; it is added to what
// the database holds.
func Synthetic(ctx context.Context, db *sql.DB, postgres bool, v Volumes, progress io.Writer) error {
	if !postgres {
		return errors.New("seed: synthetic data needs PostgreSQL (set DATABASE_URL)")
	}
	if v.Reviews > v.Users*5 || v.Likes > v.Users*10 || v.Contents < 10_000 && v.Reviews > 0 {
		return errors.New("seed: want reviews ≤ 5 × users, likes ≤ 10 × users and at least 10,000 contents")
	}
	if v.Follows > 0 && (v.Users <= FollowsEach || v.Follows > v.Users*FollowsEach) {
		return fmt.Errorf("seed: follows want more than %d users and at most %d × users", FollowsEach, FollowsEach)
	}
	// One connection without the statement timeout requests run under:
	// batches of 100,000 rows take longer.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	start := time.Now()
	var run string
	if err := conn.QueryRowContext(ctx, `SELECT to_char(now(), 'YYYYMMDDHH24MISS')`).Scan(&run); err != nil {
		return err
	}
	step := func(what string, total int, stmt string, args ...any) error {
		const batch = 100_000
		for from := 0; from < total; from += batch {
			to := min(from+batch, total)
			if _, err := conn.ExecContext(ctx, stmt, append([]any{from, to - 1}, args...)...); err != nil {
				return fmt.Errorf("seed: %s: %w", what, err)
			}
			fmt.Fprintf(progress, "\r%-9s %9d / %-9d %3d%%  %s", what, to, total, to*100/max(total, 1),
				time.Since(start).Round(time.Second))
		}
		fmt.Fprintln(progress)
		return nil
	}
	var firstContent, firstUser, firstReview int64
	if err := step("contents", v.Contents, `
		INSERT INTO contents (type, title, original_title, overview, original_language, poster_url, backdrop_url,
			popularity, avg_rating, rating_count, rating_sum, rating_histogram, review_count, bookmark_count,
			release_date, created_at, updated_at)
		SELECT CASE WHEN i % 4 = 0 THEN 'tv' ELSE 'movie' END,
			'Synthetic ' || (ARRAY['Harbor','Orchard','Signal','Kingdom','Archive','Garden','Echo','River','바다','정원'])[1 + i % 10]
				|| ' ' || i, '', 'Generated for load tests.', 'en', '', '',
			(i * 7919 % 10000) / 100.0, 0, 0, 0, '[0,0,0,0,0,0,0,0,0,0]', 0, 0,
			date '1950-01-01' + (i % 27000), now(), now()
		FROM generate_series($1::int, $2::int) i`); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `SELECT max(id) - $1 + 1 FROM contents`, v.Contents).Scan(&firstContent); err != nil {
		return err
	}
	if err := step("users", v.Users, `
		INSERT INTO users (email, nickname, nickname_key, password_hash, bio, avatar_url, role, status, push_enabled, created_at, updated_at)
		SELECT 'synthetic' || $3 || '-' || i || '@example.com', 's' || $3 || '-' || i, lower('s' || $3 || '-' || i), NULL, '', '', 'USER', 'ACTIVE',
			false, now(), now()
		FROM generate_series($1::int, $2::int) i`, run); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `SELECT max(id) - $1 + 1 FROM users`, v.Users).Scan(&firstUser); err != nil {
		return err
	}
	// Review i: user i mod U, its k-th review (k = i div U, at most 5) of a
	// content derived from both, distinct for one user.
	if err := step("reviews", v.Reviews, `
		INSERT INTO reviews (user_id, content_id, rating, body, spoiler, hidden, like_count, comment_count,
			report_count, created_at, updated_at)
		SELECT $3::bigint + i % $5, $4::bigint + ((i % $5) * 31 + (i / $5) * 9973) % $6, 1 + (i * 7) % 10,
			'Synthetic review ' || i, i % 10 = 0, false, 0, 0, 0, now() - (i || ' seconds')::interval, now()
		FROM generate_series($1::int, $2::int) i`, firstUser, firstContent, v.Users, v.Contents); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `SELECT max(id) - $1 + 1 FROM reviews`, v.Reviews).Scan(&firstReview); err != nil {
		return err
	}
	if err := step("likes", v.Likes, `
		INSERT INTO review_likes (user_id, review_id, created_at)
		SELECT $3::bigint + i % $5, $4::bigint + ((i % $5) * 13 + (i / $5) * 100003) % $6, now()
		FROM generate_series($1::int, $2::int) i`, firstUser, firstReview, v.Users, max(v.Reviews, 1)); err != nil {
		return err
	}
	// Follow i: follower i div F follows the users k·(U div F) + 1 after
	// itself (k = i mod F), distinct and never itself.
	if err := step("follows", v.Follows, `
		INSERT INTO follows (follower_id, followee_id, status, created_at)
		SELECT $3::bigint + i / $5, $3::bigint + (i / $5 + 1 + (i % $5) * ($4 / $5)) % $4, 'ACTIVE', now()
		FROM generate_series($1::int, $2::int) i`, firstUser, v.Users, FollowsEach); err != nil {
		return err
	}
	// The follows were written in SQL: their followers' feed inboxes are
	// filled from them in one statement (the app fills them as it goes).
	fmt.Fprintln(progress, "feed inboxes…")
	if err := (inbox.Writer{Postgres: true}).FillAll(ctx, conn); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintln(progress, "counters and aggregates…")
	for _, stmt := range []string{
		`UPDATE reviews r SET like_count = l.n FROM (SELECT review_id, count(*) AS n FROM review_likes GROUP BY review_id) l
			WHERE r.id = l.review_id AND r.like_count <> l.n`,
		`UPDATE contents c SET rating_count = a.n, review_count = a.n, rating_sum = a.s, avg_rating = a.s::float8 / a.n,
			rating_histogram = a.h
		FROM (SELECT content_id, count(*) AS n, sum(rating) AS s,
			jsonb_build_array(count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
				count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
				count(*) FILTER (WHERE rating = 5), count(*) FILTER (WHERE rating = 6),
				count(*) FILTER (WHERE rating = 7), count(*) FILTER (WHERE rating = 8),
				count(*) FILTER (WHERE rating = 9), count(*) FILTER (WHERE rating = 10)) AS h
			FROM reviews WHERE deleted_at IS NULL AND NOT hidden GROUP BY content_id) a
		WHERE c.id = a.content_id`,
		`VACUUM ANALYZE`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("seed: aggregates: %w", err)
		}
	}
	fmt.Fprintf(progress, "done in %s\n", time.Since(start).Round(time.Second))
	return nil
}
