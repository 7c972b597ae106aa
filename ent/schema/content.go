package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Content is a movie or a TV show in the catalog.
type Content struct{ ent.Schema }

// Mixin of the Content.
func (Content) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Content.
func (Content) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("type").Values("movie", "tv"),
		field.String("title").MaxRuneLen(300).NotEmpty(),
		field.String("original_title").MaxRuneLen(300).Default(""),
		field.Text("overview").Default(""),
		field.Time("release_date").Optional().Nillable(),
		field.Int("runtime_minutes").Optional().Nillable().NonNegative(),
		field.String("original_language").MaxRuneLen(16).Default(""),
		field.String("poster_url").MaxRuneLen(2048).Default(""),
		field.String("backdrop_url").MaxRuneLen(2048).Default(""),
		field.Int64("tmdb_id").Optional().Nillable(),
		field.Float("popularity").Default(0),
		// Aggregates kept exact by the contents module, inside the transaction
		// of every review write.
		field.Float("avg_rating").Default(0),
		field.Int("rating_count").Default(0).NonNegative(),
		field.Int64("rating_sum").Default(0).NonNegative(),
		// rating_histogram[i] counts the live ratings equal to i+1 (1–10).
		field.JSON("rating_histogram", []int{}).Default(make([]int, 10)),
		field.Int("review_count").Default(0).NonNegative(),
		field.Int("bookmark_count").Default(0).NonNegative(),
		field.Time("tmdb_synced_at").Optional().Nillable(),
	}
}

// Edges of the Content.
func (Content) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("genres", Genre.Type),
		edge.To("reviews", Review.Type),
		edge.To("bookmarks", Bookmark.Type),
		edge.To("list_items", ListItem.Type),
	}
}

// Indexes of the Content.
func (Content) Indexes() []ent.Index {
	return []ent.Index{
		// One catalog row per TMDB title, also after a soft delete (a re-import
		// restores it instead of duplicating it). NULL tmdb_id (hand-made rows)
		// never collide.
		index.Fields("type", "tmdb_id").Unique(),
		// List orders: each sort key with the id tie-breaker, so that a page
		// is an index scan (backward for desc) that stops after offset+size
		// rows instead of a sort of the whole catalog.
		index.Fields("popularity", "id"),
		index.Fields("avg_rating", "id"),
		index.Fields("release_date"),
		index.Fields("title", "id"),
		// Substring search (ILIKE '%q%') on PostgreSQL uses trigram indexes;
		// the pg_trgm extension is created by an earlier migration. SQLite
		// ignores these annotations and scans.
		index.Fields("title").StorageKey("content_title_trgm").Annotations(
			entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}), entsql.OpClass("gin_trgm_ops")),
		index.Fields("original_title").StorageKey("content_original_title_trgm").Annotations(
			entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}), entsql.OpClass("gin_trgm_ops")),
		index.Fields("review_count", "id"),
		index.Fields("created_at", "id"),
	}
}
