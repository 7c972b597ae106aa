package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Device is an FCM registration token of one of a user's devices.
type Device struct{ ent.Schema }

// Mixin of the Device.
func (Device) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Device.
func (Device) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("token").MaxRuneLen(4096).NotEmpty().Sensitive(),
		field.Enum("platform").Values("android", "ios", "web"),
		field.Time("last_seen_at").Default(now),
	}
}

// Edges of the Device.
func (Device) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("devices").Field("user_id").Unique().Required(),
	}
}

// Indexes of the Device.
func (Device) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token").Unique(), // a token belongs to one user: the newest
		index.Fields("user_id", "last_seen_at"),
	}
}
