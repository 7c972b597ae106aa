package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// DiaryEntry is one viewing of a content in a user's watch diary. A user may
// log the same content many times (rewatches).
type DiaryEntry struct{ ent.Schema }

// Mixin of the DiaryEntry.
func (DiaryEntry) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the DiaryEntry.
func (DiaryEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int("content_id"),
		// A calendar day, no time of day: DATE on PostgreSQL, midnight UTC
		// in the application.
		field.Time("watched_on").SchemaType(map[string]string{dialect.Postgres: "date"}),
		field.Bool("rewatch").Default(false),
		field.Int("rating").Range(1, 10).Optional().Nillable(),
		field.Int("review_id").Optional().Nillable(),
	}
}

// Edges of the DiaryEntry. They are one-way so that the user, content and
// review schemas stay as they are.
func (DiaryEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required(),
		edge.To("content", Content.Type).Field("content_id").Unique().Required(),
		edge.To("review", Review.Type).Field("review_id").Unique(),
	}
}

// Indexes of the DiaryEntry.
func (DiaryEntry) Indexes() []ent.Index {
	return []ent.Index{
		// The diary, newest day first, by keyset (watched_on, id).
		index.Fields("user_id", "watched_on", "id"),
		// Whether and when a user last watched given contents.
		index.Fields("user_id", "content_id", "watched_on"),
		index.Fields("content_id"),
	}
}
