package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Bookmark is a content on a user's watchlist.
type Bookmark struct{ ent.Schema }

// Mixin of the Bookmark.
func (Bookmark) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the Bookmark.
func (Bookmark) Fields() []ent.Field {
	return []ent.Field{field.Int("user_id"), field.Int("content_id")}
}

// Edges of the Bookmark.
func (Bookmark) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("bookmarks").Field("user_id").Unique().Required(),
		edge.From("content", Content.Type).Ref("bookmarks").Field("content_id").Unique().Required(),
	}
}

// Indexes of the Bookmark.
func (Bookmark) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "content_id").Unique(),
		index.Fields("user_id", "created_at", "id"),
		index.Fields("content_id"),
	}
}
