package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Comment is a user's reply to a review.
type Comment struct{ ent.Schema }

// Mixin of the Comment.
func (Comment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Comment.
func (Comment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int("review_id"),
		field.Text("body").MaxLen(8000).NotEmpty(), // 2,000 characters, up to 4 bytes each
	}
}

// Edges of the Comment.
func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("author", User.Type).Ref("comments").Field("user_id").Unique().Required(),
		edge.From("review", Review.Type).Ref("comments").Field("review_id").Unique().Required(),
	}
}

// Indexes of the Comment.
func (Comment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("review_id", "created_at", "id"),
		index.Fields("user_id", "created_at"),
	}
}
