package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// dataset is a synthetic data set (app seed --synthetic) plus a "hot"
// content with Hot reviews, deep enough for S4's 1,000-pages-deep cursor.
type dataset struct {
	Contents, Users, Reviews, Likes, Hot int
	Follows                              int // 1,000 per follower; S8's callers copy them
}

var (
	fullDataset  = dataset{Contents: 100_000, Users: 200_000, Reviews: 1_000_000, Likes: 2_000_000, Hot: 21_000, Follows: 100_000}
	quickDataset = dataset{Contents: 10_000, Users: 25_000, Reviews: 20_000, Likes: 20_000, Hot: 21_000, Follows: 16_000}
)

func (d dataset) String() string {
	return fmt.Sprintf("%d contents, %d users, %d reviews (+%d on one hot content), %d likes, %d follows",
		d.Contents, d.Users, d.Reviews, d.Hot, d.Likes, d.Follows)
}

// marker is stored as the database's comment once the data set is complete;
// a database with the same marker is reused.
func (d dataset) marker() string {
	return fmt.Sprintf("reelview-bench contents=%d users=%d reviews=%d likes=%d hot=%d follows=%d",
		d.Contents, d.Users, d.Reviews, d.Likes, d.Hot, d.Follows)
}

// dbURL is the URL of database name on the server of base.
func dbURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// prepareDatabase makes sure database name holds data set d: it reuses it when
// its marker matches (unless reseed), else (re)creates it, applies the
// migrations and seeds it with the server binary. It returns the database URL.
func prepareDatabase(ctx context.Context, o options, bin, name string, d dataset) (string, error) {
	target, err := dbURL(o.postgres, name)
	if err != nil {
		return "", err
	}
	admin, err := pgx.Connect(ctx, o.postgres)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL: %w", err)
	}
	defer admin.Close(ctx)
	var exists bool
	var comment *string
	err = admin.QueryRow(ctx, `SELECT true, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).
		Scan(&exists, &comment)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if exists && !o.reseed && comment != nil && *comment == d.marker() {
		logf("reusing database %s (%s); --reseed to seed it again", name, d)
		return target, runApp(ctx, o, bin, target, "migrate", "up")
	}
	if exists {
		logf("dropping database %s", name)
		if _, err := admin.Exec(ctx, `DROP DATABASE `+ident+` WITH (FORCE)`); err != nil {
			return "", err
		}
	}
	logf("creating database %s and seeding %s", name, d)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+ident); err != nil {
		return "", err
	}
	if err := runApp(ctx, o, bin, target, "migrate", "up"); err != nil {
		return "", err
	}
	if err := runApp(ctx, o, bin, target, "seed", "--synthetic",
		"--contents", strconv.Itoa(d.Contents), "--users", strconv.Itoa(d.Users),
		"--reviews", strconv.Itoa(d.Reviews), "--likes", strconv.Itoa(d.Likes), "--follows", strconv.Itoa(d.Follows)); err != nil {
		return "", err
	}
	if err := addHotContent(ctx, target, d.Hot); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `COMMENT ON DATABASE `+ident+` IS `+quote(d.marker())); err != nil {
		return "", err
	}
	return target, nil
}

func quote(s string) string { return "'" + s + "'" } // markers hold no quotes

// addHotContent gives the first content n reviews by the first n users (one
// each), with its aggregates, so that S4 can page 1,000 pages deep.
func addHotContent(ctx context.Context, target string, n int) error {
	logf("adding %d reviews to the hot content", n)
	conn, err := pgx.Connect(ctx, target)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`SET statement_timeout = 0`,
		`INSERT INTO reviews (user_id, content_id, rating, body, spoiler, hidden, like_count, comment_count,
			report_count, created_at, updated_at)
		SELECT u.id, (SELECT min(id) FROM contents), 1 + u.id % 10, 'Hot review ' || u.id, false, false, 0, 0, 0,
			now() - (u.id || ' seconds')::interval, now()
		FROM (SELECT id FROM users ORDER BY id LIMIT ` + strconv.Itoa(n) + `) u
		ON CONFLICT DO NOTHING`,
		`UPDATE contents c SET rating_count = a.n, review_count = a.n, rating_sum = a.s, avg_rating = a.s::float8 / a.n
		FROM (SELECT content_id, count(*) AS n, sum(rating) AS s FROM reviews
			WHERE deleted_at IS NULL AND NOT hidden AND content_id = (SELECT min(id) FROM contents) GROUP BY content_id) a
		WHERE c.id = a.content_id`,
		`ANALYZE reviews`,
		`ANALYZE contents`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("hot content: %w", err)
		}
	}
	return nil
}

// runApp runs a reelview command against database target, its output on
// stderr (the seed's progress lines).
func runApp(ctx context.Context, o options, bin, target string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+target, "REDIS_URL="+o.redis, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("reelview %v: %w", args, err)
	}
	return nil
}
