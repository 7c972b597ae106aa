package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Follow is one user following another. A follow of a private account is
// PENDING until its owner approves it.
type Follow struct{ ent.Schema }

// Mixin of the Follow.
func (Follow) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the Follow.
func (Follow) Fields() []ent.Field {
	return []ent.Field{
		field.Int("follower_id"),
		field.Int("followee_id"),
		field.Enum("status").Values("ACTIVE", "PENDING").Default("ACTIVE"),
	}
}

// Edges of the Follow.
func (Follow) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("follower", User.Type).Ref("following").Field("follower_id").Unique().Required(),
		edge.From("followee", User.Type).Ref("followers").Field("followee_id").Unique().Required(),
	}
}

// Indexes of the Follow.
func (Follow) Indexes() []ent.Index {
	return []ent.Index{
		// One follow per pair; also the "whom do I follow" lookup of the feed.
		index.Fields("follower_id", "followee_id").Unique(),
		// Keyset lists: followers (and requests) of a user, people a user follows.
		index.Fields("followee_id", "status", "created_at", "id"),
		index.Fields("follower_id", "status", "created_at", "id"),
		// A feed event's fan-out: an account's approved followers in
		// follower order, in batches.
		index.Fields("followee_id", "status", "follower_id"),
	}
}

// Block is one user blocking another: no follows either way, and neither
// sees the other's reviews and comments.
type Block struct{ ent.Schema }

// Mixin of the Block.
func (Block) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the Block.
func (Block) Fields() []ent.Field {
	return []ent.Field{field.Int("blocker_id"), field.Int("blocked_id")}
}

// Edges of the Block.
func (Block) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("blocker", User.Type).Ref("blocking").Field("blocker_id").Unique().Required(),
		edge.From("blocked", User.Type).Ref("blocked_by").Field("blocked_id").Unique().Required(),
	}
}

// Indexes of the Block.
func (Block) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("blocker_id", "blocked_id").Unique(),
		index.Fields("blocked_id"),
	}
}
