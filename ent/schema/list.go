package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// List is a user's custom list of contents (e.g. "Best heist movies"),
// public, unlisted or private.
type List struct{ ent.Schema }

// Mixin of the List.
func (List) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the List.
func (List) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("title").MaxRuneLen(100).NotEmpty(),
		field.String("description").MaxRuneLen(2000).Default(""),
		field.Enum("visibility").Values("PUBLIC", "UNLISTED", "PRIVATE").Default("PUBLIC"),
		// Counters kept exact by the lists module, in the transaction of
		// every item and like write.
		field.Int("item_count").Default(0).NonNegative(),
		field.Int("like_count").Default(0).NonNegative(),
	}
}

// Edges of the List.
func (List) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("lists").Field("user_id").Unique().Required(),
		edge.To("items", ListItem.Type),
		edge.To("likes", ListLike.Type),
	}
}

// Indexes of the List.
func (List) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		// Keyset list of a user's lists, newest first.
		index.Fields("user_id", "created_at", "id").Annotations(live),
		// Recently updated lists of given users: the feed's list updates.
		index.Fields("user_id", "updated_at", "id").Annotations(live),
	}
}

// ListItem is one content on a list, at a position (1, 2, … with no gaps)
// with an optional note.
type ListItem struct{ ent.Schema }

// Fields of the ListItem.
func (ListItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("list_id"),
		field.Int("content_id"),
		field.Int("position").Positive(),
		field.String("note").MaxRuneLen(500).Default(""),
		field.Time("added_at").Default(now).Immutable(),
	}
}

// Edges of the ListItem.
func (ListItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("list", List.Type).Ref("items").Field("list_id").Unique().Required(),
		edge.From("content", Content.Type).Ref("list_items").Field("content_id").Unique().Required(),
	}
}

// Indexes of the ListItem.
func (ListItem) Indexes() []ent.Index {
	return []ent.Index{
		// A content is at most once on a list. Positions are not unique in
		// the index: shifting them one statement at a time would trip it;
		// the list's row lock keeps them 1..n.
		index.Fields("list_id", "content_id").Unique(),
		index.Fields("list_id", "position"),
		index.Fields("content_id"),
	}
}

// ListLike is one user's like of one list.
type ListLike struct{ ent.Schema }

// Mixin of the ListLike.
func (ListLike) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the ListLike.
func (ListLike) Fields() []ent.Field {
	return []ent.Field{field.Int("list_id"), field.Int("user_id")}
}

// Edges of the ListLike.
func (ListLike) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("list", List.Type).Ref("likes").Field("list_id").Unique().Required(),
		edge.From("user", User.Type).Ref("list_likes").Field("user_id").Unique().Required(),
	}
}

// Indexes of the ListLike.
func (ListLike) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("list_id", "user_id").Unique(),
		index.Fields("user_id", "created_at"),
	}
}
