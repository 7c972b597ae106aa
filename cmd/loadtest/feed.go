package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/reelview/reelview/modules/social/inbox"
)

// feedFollows is how many people each S8 caller follows: the follow list
// of one synthetic follower (app seed --synthetic --follows).
const feedFollows = 1000

// followForFeed gives each bench user the follows of one synthetic
// follower, so that S8's callers, who can sign in, follow 1,000 people of
// the data set each.
func (f *fixture) followForFeed(ctx context.Context, dbURL string) error {
	logf("giving each bench user %d follows for the feed", feedFollows)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT follower_id FROM follows GROUP BY follower_id HAVING count(*) >= $1
		ORDER BY follower_id LIMIT $2`, feedFollows, len(f.users))
	followers, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	if len(followers) == 0 {
		return fmt.Errorf("the bench database has no account following %d people (seed with --follows; --reseed)", feedFollows)
	}
	for i, u := range f.users {
		var id int
		if err := conn.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, u.email).Scan(&id); err != nil {
			return fmt.Errorf("feed follows: %w", err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, status, created_at)
			SELECT $1, followee_id, 'ACTIVE', now() FROM follows WHERE follower_id = $2
			ON CONFLICT DO NOTHING`, id, followers[i%len(followers)]); err != nil {
			return fmt.Errorf("feed follows: %w", err)
		}
		// Written in SQL, the follows fill the feed inbox the same way.
		if err := (inbox.Writer{Postgres: true}).FillFollower(ctx, pgxExec{conn}, id); err != nil {
			return fmt.Errorf("feed inbox: %w", err)
		}
	}
	return nil
}

// pgxExec runs the inbox's statements on a pgx connection.
type pgxExec struct{ *pgx.Conn }

func (c pgxExec) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	_, err := c.Exec(ctx, q, args...)
	return nil, err
}

// feedScenario is S8: the first page of GET /feed for the bench users in
// turn, each following 1,000 people.
func (f *fixture) feedScenario(srv *process) scenario {
	var n atomic.Uint64
	users := uint64(len(f.users))
	return scenario{ID: "S8", Name: "GET /feed first page, 1,000 followees", Baseline: "B2", proc: srv,
		target: func(t *vegeta.Target) error {
			u := f.users[(n.Add(1)-1)%users]
			t.Method, t.URL, t.Header, t.Body = http.MethodGet, f.base+api+"/feed?size=20", u.auth, nil
			return nil
		}}
}

// feedP95Target is S8's target: p95 under 50 ms.
const feedP95Target = 50.0

// feedTargets checks S8's target.
func (r *report) feedTargets() {
	if res := r.byID("S8"); res != nil {
		r.Targets = append(r.Targets, target{What: "S8 p95 first feed page (ms)", Measured: res.P95,
			Want: fmt.Sprintf("< %.0f", feedP95Target), Met: res.P95 < feedP95Target})
	}
}
