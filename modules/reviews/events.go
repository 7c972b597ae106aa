package reviews

import (
	"context"

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

// Blocks tells whom a signed-in viewer is blocked with, either way: their
// reviews and comments are hidden from each other. The social module
// implements it; without it, nobody is blocked.
type Blocks interface {
	BlockedWith(ctx context.Context, userID int) ([]int, error)
}
