package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person with an account: a reviewer or an admin.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Annotations of the User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Emails are stored lower-case, so the unique index on email is a
		// unique index on lower(email) that both PostgreSQL and SQLite enforce.
		entsql.Checks(map[string]string{"users_email_lower": "email = lower(email)"}),
	}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").MaxLen(254).NotEmpty(),
		// Empty for accounts that only sign in through Google or Firebase.
		field.String("password_hash").Optional().Sensitive(),
		field.String("nickname").MaxLen(30).NotEmpty(),
		field.String("bio").MaxLen(500).Default(""),
		field.String("avatar_url").MaxLen(2048).Default(""),
		field.Enum("role").Values("USER", "ADMIN").Default("USER"),
		field.Enum("status").Values("ACTIVE", "BLOCKED").Default("ACTIVE"),
		field.Bool("push_enabled").Default(true),
		// Private accounts approve each follower.
		field.Bool("private").Default(false),
		field.String("google_sub").Optional().Nillable(),
		field.String("firebase_uid").Optional().Nillable(),
		field.Time("password_changed_at").Optional().Nillable(),
		field.Time("last_login_at").Optional().Nillable(),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("reviews", Review.Type),
		edge.To("review_likes", ReviewLike.Type),
		edge.To("comments", Comment.Type),
		edge.To("reports", ReviewReport.Type),
		edge.To("bookmarks", Bookmark.Type),
		edge.To("devices", Device.Type),
		edge.To("notifications", Notification.Type),
		edge.To("following", Follow.Type),
		edge.To("followers", Follow.Type),
		edge.To("blocking", Block.Type),
		edge.To("blocked_by", Block.Type),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		// A deleted account frees its email and nickname.
		index.Fields("email").Unique().Annotations(live),
		index.Fields("nickname").Unique().Annotations(live),
		index.Fields("google_sub").Unique(),
		index.Fields("firebase_uid").Unique(),
		index.Fields("created_at"),
	}
}
