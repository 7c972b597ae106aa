package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ReviewReport is one user's report of a review to the moderators.
type ReviewReport struct{ ent.Schema }

// Mixin of the ReviewReport.
func (ReviewReport) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the ReviewReport.
func (ReviewReport) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int("review_id"),
		field.String("reason").MaxRuneLen(2000).NotEmpty(),
		field.Enum("status").Values("OPEN", "RESOLVED", "DISMISSED").Default("OPEN"),
		field.Time("resolved_at").Optional().Nillable(),
	}
}

// Edges of the ReviewReport.
func (ReviewReport) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("reporter", User.Type).Ref("reports").Field("user_id").Unique().Required(),
		edge.From("review", Review.Type).Ref("reports").Field("review_id").Unique().Required(),
	}
}

// Indexes of the ReviewReport.
func (ReviewReport) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "review_id").Unique(), // once per user
		index.Fields("status", "created_at"),
		index.Fields("review_id"),
	}
}
