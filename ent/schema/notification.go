package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Notification is an entry of a user's in-app inbox, also pushed to devices.
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"), // recipient
		field.Enum("type").Values("REVIEW_LIKED", "REVIEW_COMMENTED"),
		field.Int("actor_id").Optional().Nillable(),
		field.Int("review_id").Optional().Nillable(),
		field.Int("content_id").Optional().Nillable(),
		field.String("text").MaxRuneLen(500),
		field.Time("read_at").Optional().Nillable(),
	}
}

// Edges of the Notification.
func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("notifications").Field("user_id").Unique().Required(),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "created_at", "id"),
		index.Fields("user_id", "read_at"),
		// "like → unlike → like does not notify twice within a day" looks up
		// the last notification of one actor about one review.
		index.Fields("actor_id", "review_id", "type", "created_at"),
	}
}
