package social

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/config"
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
// edits, items, visibility, deletion). An event reaches the inboxes of the
// actor's first FEED_FANOUT_INLINE followers in its own transaction; for
// an account with more, the same transaction queues a FanOutArgs job that
// writes the others' in batches right after.
type Inbox struct {
	w      inbox.Writer
	jobs   *jobs.Client
	inline int
}

var _ reviews.Feed = (*Inbox)(nil)

// NewInbox returns the inbox writer of db and installs its list hook.
func NewInbox(db *database.DB, j *jobs.Client, c config.Feed) *Inbox {
	in := &Inbox{w: inbox.Writer{Postgres: db.Postgres()}, jobs: j, inline: c.FanOutInline}
	db.Ent.List.Use(in.listHook)
	return in
}

// publish writes e to the first inboxes in tx and queues the rest.
func (in *Inbox) publish(ctx context.Context, tx *ent.Tx, e inbox.Event) error {
	after, more, err := in.w.Publish(ctx, tx, e, in.inline)
	if err != nil || !more {
		return err
	}
	sqlTx, ok := tx.SQLTx()
	if !ok {
		return errors.New("social: inbox: the transaction is not a database/sql one")
	}
	if _, err := in.jobs.InsertTx(ctx, sqlTx, FanOutArgs{Event: e, After: after}, nil); err != nil {
		return fmt.Errorf("social: inbox: fan-out job: %w", err)
	}
	return nil
}

// ReviewPosted implements reviews.Feed.
func (in *Inbox) ReviewPosted(ctx context.Context, tx *ent.Tx, r *ent.Review) error {
	return in.publish(ctx, tx, inbox.Event{Actor: r.UserID, Src: inbox.Review, ID: r.ID, At: r.CreatedAt})
}

// ReviewRemoved implements reviews.Feed.
func (in *Inbox) ReviewRemoved(ctx context.Context, tx *ent.Tx, id int) error {
	return in.w.Withdraw(ctx, tx, inbox.Review, id)
}

// ReviewLiked implements reviews.Feed.
func (in *Inbox) ReviewLiked(ctx context.Context, tx *ent.Tx, likeID, userID int, at time.Time) error {
	return in.publish(ctx, tx, inbox.Event{Actor: userID, Src: inbox.Like, ID: likeID, At: at})
}

// LikeRemoved implements reviews.Feed.
func (in *Inbox) LikeRemoved(ctx context.Context, tx *ent.Tx, likeID int) error {
	return in.w.Withdraw(ctx, tx, inbox.Like, likeID)
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
		tx, _ := m.Tx() // nil outside a transaction: every inbox at once
		return v, in.syncLists(ctx, m.Client(), tx, ids)
	})
}

// syncLists publishes or withdraws each of the lists ids, through c, the
// client of the mutation's transaction tx (nil: none).
func (in *Inbox) syncLists(ctx context.Context, c *ent.Client, tx *ent.Tx, ids []int) error {
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
		e := inbox.Event{Actor: l.UserID, Src: inbox.List, ID: l.ID, At: l.UpdatedAt}
		if tx != nil {
			err = in.publish(ctx, tx, e)
		} else {
			_, _, err = in.w.Publish(ctx, c, e, math.MaxInt32)
		}
		if err != nil {
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

// fanOutBatch is how many inboxes one step of a FanOutArgs job writes, in
// one statement.
const fanOutBatch = 5000

// FanOutArgs is the job that writes an event to the inboxes of the
// followers after the first FEED_FANOUT_INLINE (those with a follower id
// above After), queued by the event's transaction.
type FanOutArgs struct {
	Event inbox.Event `json:"event"`
	After int         `json:"after"`
}

// Kind implements river.JobArgs.
func (FanOutArgs) Kind() string { return "feed_fanout" }

// FanOutWorker runs FanOutArgs jobs.
type FanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	db  *database.DB
	w   inbox.Writer
	log *zap.Logger
}

// Work writes the inboxes in batches, each in a transaction that first
// checks the event is still there (Live, which holds its row until the
// batch is written), and stops when it is gone: an unlike, a deletion, a
// list changed again (which queues its own fan-out). A retry starts again
// from After: entries already written are written again, unchanged.
func (w *FanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	e, after := job.Args.Event, job.Args.After
	batches := 0
	for more := true; more; batches++ {
		live := false
		err := database.WithTx(ctx, w.db.Ent, func(tx *ent.Tx) error {
			var err error
			if live, err = w.w.Live(ctx, tx, e); err != nil || !live {
				return err
			}
			after, more, err = w.w.FanOut(ctx, tx, e, after, fanOutBatch)
			return err
		})
		if err != nil {
			return err
		}
		if !live {
			break
		}
	}
	w.log.Info("feed fan-out done", zap.Int("actor", e.Actor), zap.String("src", e.Src), zap.Int("event", e.ID),
		zap.Int("batches", batches))
	return nil
}

// fanOutRegistration adds the fan-out worker to River.
func fanOutRegistration(db *database.DB, log *zap.Logger) jobs.Registration {
	w := &FanOutWorker{db: db, w: inbox.Writer{Postgres: db.Postgres()}, log: log}
	return jobs.Registration{Workers: func(ws *river.Workers) { river.AddWorker(ws, w) }}
}
