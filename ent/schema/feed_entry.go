package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// FeedEntry is one event in one person's activity feed: the inbox row that
// fan-out on write gives every approved follower of the actor when the
// actor reviews, rates, likes or changes a public list (modules/social).
// The event itself stays in its own table (src says which, event_id its
// row); the feed reads a page of entries and checks the events' visibility
// on read. There are no foreign keys: entries are derived data, written and
// deleted with the events and follows they come from.
type FeedEntry struct{ ent.Schema }

// Fields of the FeedEntry.
func (FeedEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("recipient_id"), // the follower whose feed this is
		field.Int("actor_id"),     // the person followed, who did it
		// The event's table: "r" reviews, "l" review_likes, "t" lists.
		field.String("src").MaxLen(1).NotEmpty(),
		field.Int("event_id"),
		// The event's time: a review's or like's creation, a list's last change.
		field.Time("created_at"),
	}
}

// Indexes of the FeedEntry.
func (FeedEntry) Indexes() []ent.Index {
	return []ent.Index{
		// One entry per event and recipient (the upsert's conflict target).
		index.Fields("recipient_id", "src", "event_id").Unique(),
		// A page of the feed: a backward range of one recipient.
		index.Fields("recipient_id", "created_at", "src", "event_id"),
		// An unfollow or a block drops one actor's entries of one recipient.
		index.Fields("recipient_id", "actor_id"),
		// An unlike, a deleted review or a list made private drops the event's entries.
		index.Fields("src", "event_id"),
	}
}
