package social

import (
	"context"
	"fmt"
	"time"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/hook"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/schema"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social/inbox"
)

// Inbox keeps the feed's inboxes (package inbox) in step with the events
// of the other modules, in their transactions: it implements reviews.Feed
// for reviews and likes, and watches every write of a list through an ent
// hook (a list is an event at its last change, and many writes change it:
// edits, items, likes, visibility, deletion).
type Inbox struct{ w inbox.Writer }

var _ reviews.Feed = (*Inbox)(nil)

// NewInbox returns the inbox writer of db and installs its list hook.
func NewInbox(db *database.DB) *Inbox {
	in := &Inbox{w: inbox.Writer{Postgres: db.Postgres()}}
	db.Ent.List.Use(in.listHook)
	return in
}

// ReviewPosted implements reviews.Feed.
func (in *Inbox) ReviewPosted(ctx context.Context, tx *ent.Tx, r *ent.Review) error {
	return in.w.Publish(ctx, tx, r.UserID, inbox.Review, r.ID, r.CreatedAt)
}

// ReviewRemoved implements reviews.Feed.
func (in *Inbox) ReviewRemoved(ctx context.Context, tx *ent.Tx, id int) error {
	return in.w.Withdraw(ctx, tx, inbox.Review, id)
}

// ReviewLiked implements reviews.Feed.
func (in *Inbox) ReviewLiked(ctx context.Context, tx *ent.Tx, likeID, userID int, at time.Time) error {
	return in.w.Publish(ctx, tx, userID, inbox.Like, likeID, at)
}

// LikeRemoving implements reviews.Feed.
func (in *Inbox) LikeRemoving(ctx context.Context, tx *ent.Tx, userID, reviewID int) error {
	return in.w.WithdrawLike(ctx, tx, userID, reviewID)
}

// listHook republishes the lists a mutation touches once it is done: a live
// public list at its new updated_at, any other withdrawn. It runs in the
// mutation's transaction (m.Client() is bound to it).
func (in *Inbox) listHook(next ent.Mutator) ent.Mutator {
	return hook.ListFunc(func(ctx context.Context, m *ent.ListMutation) (ent.Value, error) {
		var ids []int
		if !m.Op().Is(ent.OpCreate) {
			var err error
			if ids, err = m.IDs(ctx); err != nil {
				return nil, fmt.Errorf("social: inbox: lists: %w", err)
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		if l, ok := v.(*ent.List); ok && m.Op().Is(ent.OpCreate) {
			ids = []int{l.ID}
		}
		return v, in.syncLists(ctx, m.Client(), ids)
	})
}

// syncLists publishes or withdraws each of the lists ids.
func (in *Inbox) syncLists(ctx context.Context, c *ent.Client, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := c.List.Query().Where(list.IDIn(ids...)).All(schema.SkipSoftDelete(ctx))
	if err != nil {
		return fmt.Errorf("social: inbox: lists: %w", err)
	}
	found := make(map[int]bool, len(rows))
	for _, l := range rows {
		found[l.ID] = true
	}
	var gone []int
	for _, id := range ids {
		if !found[id] { // removed for good
			gone = append(gone, id)
		}
	}
	for _, l := range rows {
		if l.DeletedAt != nil || l.Visibility != list.VisibilityPUBLIC {
			gone = append(gone, l.ID)
			continue
		}
		if err := in.w.Publish(ctx, c, l.UserID, inbox.List, l.ID, l.UpdatedAt); err != nil {
			return err
		}
	}
	return in.w.Withdraw(ctx, c, inbox.List, gone...)
}

// follow fills follower's inbox with followee's events if the follow
// between them is now approved, inside tx.
func (in *Inbox) follow(ctx context.Context, tx *ent.Tx, follower, followee int) error {
	return in.w.Follow(ctx, tx, follower, followee)
}

// unfollow empties follower's inbox of followee's events, inside tx.
func (in *Inbox) unfollow(ctx context.Context, tx *ent.Tx, follower, followee int) error {
	return in.w.Unfollow(ctx, tx, follower, followee)
}
