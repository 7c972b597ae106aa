package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	gen "github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/hook"
	"github.com/reelview/reelview/ent/intercept"
)

// now returns the current UTC time truncated to microseconds. PostgreSQL keeps
// only microseconds, so an untruncated time read back from the database would
// differ from the value the application holds and break comparisons.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// TimeMixin adds created_at and updated_at, both kept by the application.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(now).Immutable(),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}

// CreatedMixin adds only created_at, for rows that never change.
type CreatedMixin struct{ mixin.Schema }

// Fields of the CreatedMixin.
func (CreatedMixin) Fields() []ent.Field {
	return []ent.Field{field.Time("created_at").Default(now).Immutable()}
}

// SoftDeleteMixin marks rows deleted instead of removing them. Queries skip
// deleted rows and Delete/DeleteOne turn into an update of deleted_at, unless the
// context carries SkipSoftDelete (admin views, restores, hard purges).
type SoftDeleteMixin struct{ mixin.Schema }

// Fields of the SoftDeleteMixin.
func (SoftDeleteMixin) Fields() []ent.Field {
	return []ent.Field{field.Time("deleted_at").Optional().Nillable()}
}

// Indexes of the SoftDeleteMixin.
func (SoftDeleteMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("deleted_at")}
}

type softDeleteKey struct{}

// SkipSoftDelete returns a context under which queries see soft-deleted rows
// and deletes remove rows for real.
func SkipSoftDelete(parent context.Context) context.Context {
	return context.WithValue(parent, softDeleteKey{}, true)
}

func skipped(ctx context.Context) bool {
	skip, _ := ctx.Value(softDeleteKey{}).(bool)
	return skip
}

// Interceptors of the SoftDeleteMixin.
func (d SoftDeleteMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			if !skipped(ctx) {
				d.p(q)
			}
			return nil
		}),
	}
}

// Hooks of the SoftDeleteMixin.
func (d SoftDeleteMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if skipped(ctx) {
					return next.Mutate(ctx, m)
				}
				mx, ok := m.(interface {
					SetOp(ent.Op)
					Client() *gen.Client
					SetDeletedAt(time.Time)
					WhereP(...func(*sql.Selector))
				})
				if !ok {
					return nil, fmt.Errorf("soft delete: unexpected mutation type %T", m)
				}
				d.p(mx)
				mx.SetOp(ent.OpUpdate)
				mx.SetDeletedAt(now())
				return mx.Client().Mutate(ctx, m)
			})
		}, ent.OpDeleteOne|ent.OpDelete),
	}
}

func (SoftDeleteMixin) p(w interface{ WhereP(...func(*sql.Selector)) }) {
	w.WhereP(sql.FieldIsNull("deleted_at"))
}
