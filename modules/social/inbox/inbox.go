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

// Publish gives an event of actor, at time at, to the inbox of each of the
// actor's approved followers. Publishing an event again (a list changed
// once more) moves its entries to the new time.
func (w Writer) Publish(ctx context.Context, x Execer, actor int, src string, id int, at time.Time) error {
	if err := w.lockActor(ctx, x, actor); err != nil {
		return err
	}
	_, err := x.ExecContext(ctx, `INSERT INTO feed_entries (recipient_id, actor_id, src, event_id, created_at)
		SELECT f.follower_id, $1, $2, $3, $4 FROM follows f WHERE f.followee_id = $1 AND f.status = 'ACTIVE'
		ON CONFLICT (recipient_id, src, event_id) DO UPDATE SET created_at = excluded.created_at`,
		actor, src, id, at.UTC())
	if err != nil {
		return fmt.Errorf("inbox: publish: %w", err)
	}
	return nil
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

// WithdrawLike removes the like of reviewID by userID from every inbox,
// before the like itself is deleted.
func (w Writer) WithdrawLike(ctx context.Context, x Execer, userID, reviewID int) error {
	if _, err := x.ExecContext(ctx, `DELETE FROM feed_entries WHERE src = $1 AND event_id IN
		(SELECT id FROM review_likes WHERE user_id = $2 AND review_id = $3)`, Like, userID, reviewID); err != nil {
		return fmt.Errorf("inbox: withdraw like: %w", err)
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
