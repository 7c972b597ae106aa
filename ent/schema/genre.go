package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Genre is a movie or TV genre, optionally mapped to a TMDB genre id.
type Genre struct{ ent.Schema }

// Mixin of the Genre.
func (Genre) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Genre.
func (Genre) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("type").Values("movie", "tv"),
		field.String("name").MaxRuneLen(100).NotEmpty(),
		field.Int64("tmdb_id").Optional().Nillable(),
	}
}

// Edges of the Genre.
func (Genre) Edges() []ent.Edge {
	return []ent.Edge{edge.From("contents", Content.Type).Ref("genres")}
}

// Indexes of the Genre.
func (Genre) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("type", "name").Unique(),
		index.Fields("type", "tmdb_id").Unique(),
	}
}
