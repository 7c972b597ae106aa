package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ReviewLike is one user's like of one review.
type ReviewLike struct{ ent.Schema }

// Mixin of the ReviewLike.
func (ReviewLike) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the ReviewLike.
func (ReviewLike) Fields() []ent.Field {
	return []ent.Field{field.Int("user_id"), field.Int("review_id")}
}

// Edges of the ReviewLike.
func (ReviewLike) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("review_likes").Field("user_id").Unique().Required(),
		edge.From("review", Review.Type).Ref("likes").Field("review_id").Unique().Required(),
	}
}

// Indexes of the ReviewLike.
func (ReviewLike) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "review_id").Unique(),
		index.Fields("review_id", "created_at"),     // popular reviews of a recent window
		index.Fields("user_id", "created_at", "id"), // a user's likes, newest first: the feed
	}
}
