package reviews

import (
	"context"
	"time"

	"github.com/reelview/reelview/ent"
)

// Event is something that happened to a review, for its author.
type Event struct {
	ReviewID  int
	ContentID int
	AuthorID  int // the review's author: the one to notify
	ActorID   int // who liked or commented; never the author
	CommentID int // REVIEW_COMMENTED only
	Excerpt   string
}

// Events receives the community events of reviews inside the transaction
// that causes them, so whatever it writes (a notification) commits or rolls
// back with the like or comment. An error rolls the action back. The
// notifications module implements it; without it, events are dropped.
type Events interface {
	ReviewLiked(ctx context.Context, tx *ent.Tx, e Event) error
	ReviewCommented(ctx context.Context, tx *ent.Tx, e Event) error
}

type noEvents struct{}

func (noEvents) ReviewLiked(context.Context, *ent.Tx, Event) error     { return nil }
func (noEvents) ReviewCommented(context.Context, *ent.Tx, Event) error { return nil }

// Feed receives the events of the activity feed inside the transaction
// that makes them, so the followers' inboxes (the social module) change
// with the review or like or not at all. An error rolls the action back.
// Without it, nothing is written.
type Feed interface {
	// ReviewPosted: a review or rating was created.
	ReviewPosted(ctx context.Context, tx *ent.Tx, r *ent.Review) error
	// ReviewRemoved: a review was deleted.
	ReviewRemoved(ctx context.Context, tx *ent.Tx, reviewID int) error
	// ReviewLiked: userID liked a review, the like row likeID made at at.
	ReviewLiked(ctx context.Context, tx *ent.Tx, likeID, userID int, at time.Time) error
	// LikeRemoved: the like row likeID was deleted (an unlike).
	LikeRemoved(ctx context.Context, tx *ent.Tx, likeID int) error
}

type noFeed struct{}

func (noFeed) ReviewPosted(context.Context, *ent.Tx, *ent.Review) error        { return nil }
func (noFeed) ReviewRemoved(context.Context, *ent.Tx, int) error               { return nil }
func (noFeed) ReviewLiked(context.Context, *ent.Tx, int, int, time.Time) error { return nil }
func (noFeed) LikeRemoved(context.Context, *ent.Tx, int) error                 { return nil }

// Blocks tells whom a signed-in viewer is blocked with, either way: their
// reviews and comments are hidden from each other. The social module
// implements it; without it, nobody is blocked.
type Blocks interface {
	BlockedWith(ctx context.Context, userID int) ([]int, error)
}
