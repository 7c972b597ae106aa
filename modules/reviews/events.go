package reviews

import "context"

// Event is something that happened to a review, for its author.
type Event struct {
	ReviewID  int
	ContentID int
	AuthorID  int // the review's author: the one to notify
	ActorID   int // who liked or commented; never the author
	CommentID int // REVIEW_COMMENTED only
	Excerpt   string
}

// Events receives the community events of reviews after they committed.
// The notifications module implements it; without it, events are dropped.
type Events interface {
	ReviewLiked(ctx context.Context, e Event)
	ReviewCommented(ctx context.Context, e Event)
}

type noEvents struct{}

func (noEvents) ReviewLiked(context.Context, Event)     {}
func (noEvents) ReviewCommented(context.Context, Event) {}
