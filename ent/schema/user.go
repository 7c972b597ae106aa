package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/ent/hook"
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
		field.String("email").MaxRuneLen(254).NotEmpty(),
		// Empty for accounts that only sign in through Google or Firebase.
		field.String("password_hash").Optional().Sensitive(),
		field.String("nickname").MaxRuneLen(30).NotEmpty(),
		// The nickname folded (textin.Fold: NFKC, lower case, spaces
		// collapsed, invisible characters dropped), set by a hook whenever
		// the nickname is: nicknames are unique regardless of case and of
		// look-alike forms (ＡＤＡ is ada).
		field.String("nickname_key").MaxRuneLen(30).Default(""),
		field.String("bio").MaxRuneLen(500).Default(""),
		field.String("avatar_url").MaxRuneLen(2048).Default(""),
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
		edge.To("lists", List.Type),
		edge.To("list_likes", ListLike.Type),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		// A deleted account frees its email and nickname.
		index.Fields("email").Unique().Annotations(live),
		index.Fields("nickname_key").Unique().Annotations(live),
		index.Fields("google_sub").Unique(),
		index.Fields("firebase_uid").Unique(),
		index.Fields("created_at"),
	}
}

// Hooks of the User: nickname_key follows the nickname.
func (User) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if nick, ok := m.Field("nickname"); ok {
					if err := m.SetField("nickname_key", textin.Fold(nick.(string))); err != nil {
						return nil, err
					}
				}
				return next.Mutate(ctx, m)
			})
		}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
	}
}
