package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PushDelivery records that a notification's push reached a device (or was
// given up for good), so that a retried push job never sends it again: the
// idempotency key of push delivery is (notification_id, device_id).
type PushDelivery struct{ ent.Schema }

// Mixin of the PushDelivery.
func (PushDelivery) Mixin() []ent.Mixin { return []ent.Mixin{CreatedMixin{}} }

// Fields of the PushDelivery.
func (PushDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("notification_id"),
		field.Int("device_id"),
		// sent: FCM accepted it; dropped: FCM refused it for good (a bad
		// message, not a bad token) and it is not tried again.
		field.Enum("outcome").Values("sent", "dropped"),
	}
}

// Indexes of the PushDelivery.
func (PushDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("notification_id", "device_id").Unique(),
		index.Fields("created_at"),
	}
}
