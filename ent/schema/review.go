package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Review is one user's rating, and optional text, of one content.
type Review struct{ ent.Schema }

// Mixin of the Review.
func (Review) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Review.
func (Review) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int("content_id"),
		field.Int("rating").Range(1, 10),
		field.Text("body").MaxLen(40000).Default(""), // 10,000 characters, up to 4 bytes each
		field.Bool("spoiler").Default(false),
		// Hidden by a moderator: visible only to its author and admins.
		field.Bool("hidden").Default(false),
		field.Int("like_count").Default(0).NonNegative(),
		field.Int("comment_count").Default(0).NonNegative(),
		field.Int("report_count").Default(0).NonNegative(),
	}
}

// Edges of the Review.
func (Review) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("author", User.Type).Ref("reviews").Field("user_id").Unique().Required(),
		edge.From("content", Content.Type).Ref("reviews").Field("content_id").Unique().Required(),
		edge.To("likes", ReviewLike.Type),
		edge.To("comments", Comment.Type),
		edge.To("reports", ReviewReport.Type),
	}
}

// Indexes of the Review.
func (Review) Indexes() []ent.Index {
	return []ent.Index{
		// One live review per user and content.
		index.Fields("user_id", "content_id").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		// Keyset pagination: (created_at, id) per content, per user and overall.
		index.Fields("content_id", "created_at", "id"),
		index.Fields("content_id", "like_count", "id"),
		index.Fields("content_id", "rating", "id"),
		index.Fields("user_id", "created_at", "id"),
		index.Fields("created_at", "id"),
	}
}
