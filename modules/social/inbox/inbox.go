// Package inbox writes the activity feed's inbox, the feed_entries table:
// fan-out on write. Every event of the feed (a review or rating, a like, a
// public list's last change) gets one entry per approved follower of its
// actor, in the transaction that makes the event; a follow that becomes
// approved copies the followee's events into the follower's inbox, and an
// unfollow or a block removes them. A page of GET /feed is then one
// backward range of the (recipient_id, created_at, src, event_id) index,
// however many people the reader follows.
//
// The statements are plain SQL that PostgreSQL and SQLite both run; they
// take any executor (an ent client or transaction, a *sql.DB or *sql.Conn),
// so the seeders that write follows in SQL can fill the inbox the same way.
package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Event sources, as stored in feed_entries.src and in the feed's cursor.
const (
	Review = "r" // reviews: a review or a rating
	Like   = "l" // review_likes
	List   = "t" // lists: a public list, one event at its last change
)

// Execer runs a statement: *ent.Client, *ent.Tx, *sql.DB, *sql.Conn, *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Querier runs a query: *ent.Client, *ent.Tx, *sql.DB, *sql.Conn, *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryInt reads the one integer a query returns.
func queryInt(ctx context.Context, q Querier, stmt string, args ...any) (int, error) {
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, err
		}
		return 0, sql.ErrNoRows
	}
	var n int
	if err := rows.Scan(&n); err != nil {
		return 0, err
	}
	return n, rows.Close()
}

// Writer writes the inbox on one database.
type Writer struct{ Postgres bool }

// lockActor makes an event's fan-out and a new follow of its actor take
// turns (PostgreSQL; SQLite runs one writing transaction at a time). A
// follow locks both accounts FOR NO KEY UPDATE before it copies the
// followee's events, which this FOR SHARE waits for: so either the
// follow's copy sees the event or the event's fan-out sees the follow.
func (w Writer) lockActor(ctx context.Context, x Execer, actor int) error {
	if !w.Postgres {
		return nil
	}
	if _, err := x.ExecContext(ctx, `SELECT id FROM users WHERE id = $1 FOR SHARE`, actor); err != nil {
		return fmt.Errorf("inbox: lock actor: %w", err)
	}
	return nil
}

// Event is one event of the feed: what src and id name, by actor, at.
type Event struct {
	Actor int       `json:"actor"`
	Src   string    `json:"src"`
	ID    int       `json:"id"`
	At    time.Time `json:"at"`
}

// Publish gives e to the inboxes of the actor's first limit approved
// followers (in follower id order), in x's transaction. Publishing an
// event again (a list changed once more) moves its entries to the new
// time. When the actor has more followers, it says so and after which
// follower id FanOut goes on.
func (w Writer) Publish(ctx context.Context, x Execer, e Event, limit int) (after int, more bool, err error) {
	if err := w.lockActor(ctx, x, e.Actor); err != nil {
		return 0, false, err
	}
	return w.FanOut(ctx, x, e, 0, limit)
}

// FanOut gives e to the inboxes of the next limit approved followers of
// its actor after follower id after, and says whether there are more and
// after whom to go on. The batch is bounded by the first follower past it,
// read before the insert, so a follow or unfollow meanwhile moves no one
// out of every batch. Writing an entry twice changes nothing, so a batch
// can be run again.
func (w Writer) FanOut(ctx context.Context, x Execer, e Event, after, limit int) (next int, more bool, err error) {
	q, ok := x.(Querier)
	if !ok {
		return 0, false, fmt.Errorf("inbox: publish: %T cannot query", x)
	}
	beyond, err := queryInt(ctx, q, `SELECT f.follower_id FROM follows f
		WHERE f.followee_id = $1 AND f.status = 'ACTIVE' AND f.follower_id > $2
		ORDER BY f.follower_id LIMIT 1 OFFSET $3`, e.Actor, after, limit)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		beyond = 0 // the rest fits in this batch
	case err != nil:
		return 0, false, fmt.Errorf("inbox: publish: %w", err)
	}
	upper := ""
	args := []any{e.Actor, e.Src, e.ID, e.At.UTC(), after}
	if beyond > 0 {
		upper = " AND f.follower_id < $6"
		args = append(args, beyond)
	}
	if _, err := x.ExecContext(ctx, `INSERT INTO feed_entries (recipient_id, actor_id, src, event_id, created_at)
		SELECT f.follower_id, $1, $2, $3, $4 FROM follows f
		WHERE f.followee_id = $1 AND f.status = 'ACTIVE' AND f.follower_id > $5`+upper+`
		ON CONFLICT (recipient_id, src, event_id) DO UPDATE SET created_at = excluded.created_at`, args...); err != nil {
		return 0, false, fmt.Errorf("inbox: publish: %w", err)
	}
	if beyond == 0 {
		return 0, false, nil
	}
	return beyond - 1, true, nil // the next batch starts at beyond
}

// Live reports whether e is still an event to show: the review not
// deleted, the like not undone, the list live, public and not changed
// since (a later change publishes it again). Inside a transaction on
// PostgreSQL it locks the event's row FOR SHARE until the end of it: a
// deletion or change of the event then waits, and its withdrawal of the
// entries, which comes after, sees the ones written meanwhile.
func (w Writer) Live(ctx context.Context, q Querier, e Event) (bool, error) {
	var stmt string
	args := []any{e.ID}
	switch e.Src {
	case Review:
		stmt = `SELECT id FROM reviews WHERE id = $1 AND deleted_at IS NULL`
	case Like:
		stmt = `SELECT id FROM review_likes WHERE id = $1`
	case List:
		stmt = `SELECT id FROM lists WHERE id = $1 AND deleted_at IS NULL AND visibility = 'PUBLIC' AND updated_at = $2`
		args = append(args, e.At.UTC())
	default:
		return false, fmt.Errorf("inbox: unknown source %q", e.Src)
	}
	if w.Postgres {
		stmt += ` FOR SHARE`
	}
	_, err := queryInt(ctx, q, stmt, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("inbox: live: %w", err)
	}
	return true, nil
}

// Withdraw removes events from every inbox: an unlike, a deleted review,
// a list deleted or no longer public.
func (w Writer) Withdraw(ctx context.Context, x Execer, src string, ids ...int) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, src)
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	if _, err := x.ExecContext(ctx, `DELETE FROM feed_entries WHERE src = $1 AND event_id IN (`+
		strings.Join(marks, ", ")+`)`, args...); err != nil {
		return fmt.Errorf("inbox: withdraw: %w", err)
	}
	return nil
}

// Unfollow removes followee's events from follower's inbox: the follow
// ended (an unfollow, a block, a denied or withdrawn request has none).
func (w Writer) Unfollow(ctx context.Context, x Execer, follower, followee int) error {
	if _, err := x.ExecContext(ctx, `DELETE FROM feed_entries WHERE recipient_id = $1 AND actor_id = $2`,
		follower, followee); err != nil {
		return fmt.Errorf("inbox: unfollow: %w", err)
	}
	return nil
}

// Follow copies followee's events, all of them, into follower's inbox if
// follower now follows followee with an approved follow; it is a no-op
// otherwise, and for entries already there.
func (w Writer) Follow(ctx context.Context, x Execer, follower, followee int) error {
	return fill(ctx, x, "f.follower_id = $1 AND f.followee_id = $2", follower, followee)
}

// FillFollower fills follower's inbox from all their approved follows.
func (w Writer) FillFollower(ctx context.Context, x Execer, follower int) error {
	return fill(ctx, x, "f.follower_id = $1", follower)
}

// FillAll fills the inbox of every approved follow: for data written in
// SQL (synthetic seeds). Entries already there stay.
func (w Writer) FillAll(ctx context.Context, x Execer) error {
	return fill(ctx, x, "f.follower_id > 0")
}

// fill copies the events of the followees of the approved follows that
// where selects into their followers' inboxes: reviews and ratings not
// deleted, likes, live public lists at their last change. Visibility that
// can change later (hidden reviews, deleted titles, blocks) is checked when
// the feed is read.
func fill(ctx context.Context, x Execer, where string, args ...any) error {
	var parts []string
	for _, s := range []struct{ src, table, at, cond string }{
		{Review, "reviews", "created_at", " AND e.deleted_at IS NULL"},
		{Like, "review_likes", "created_at", ""},
		{List, "lists", "updated_at", " AND e.deleted_at IS NULL AND e.visibility = 'PUBLIC'"},
	} {
		parts = append(parts, `SELECT f.follower_id, f.followee_id, '`+s.src+`', e.id, e.`+s.at+
			` FROM follows f JOIN `+s.table+` e ON e.user_id = f.followee_id`+s.cond+
			` WHERE f.status = 'ACTIVE' AND `+where)
	}
	// The last SELECT has a WHERE, which SQLite needs before ON CONFLICT.
	q := `INSERT INTO feed_entries (recipient_id, actor_id, src, event_id, created_at) ` +
		strings.Join(parts, " UNION ALL ") + ` ON CONFLICT (recipient_id, src, event_id) DO NOTHING`
	if _, err := x.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("inbox: fill: %w", err)
	}
	return nil
}
