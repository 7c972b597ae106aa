package database_test

import (
	"context"
	"strconv"
	"testing"

	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/database"
)

// TestNicknameMigrationOnExistingUsers applies the case-insensitive nickname
// migration to a users table that already holds nicknames differing only in
// case: of the live accounts the oldest keeps the plain lower-case key, the
// others get "#id" keys, deleted accounts keep the plain key, nicknames are
// unchanged, and the unique index then refuses a new case variant.
func TestNicknameMigrationOnExistingUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openPostgres(t, apptest.EmptyPostgres(t))
	if err := database.ApplyUntil(ctx, db, "nickname_case_insensitive"); err != nil {
		t.Fatal(err)
	}
	users := []struct {
		nickname string
		deleted  bool
		wantKey  string // %d is the row's id
	}{
		{"Ada", false, "ada"},
		{"ADA", false, "ada#%d"},
		{"ada", true, "ada"},
		{"aDa", false, "ada#%d"},
		{"Grace", true, "grace"},
		{"grace", false, "grace"},
		{"Linus", false, "linus"},
	}
	ids := make([]int, len(users))
	for i, u := range users {
		err := db.SQL.QueryRowContext(ctx, `INSERT INTO users (created_at, updated_at, deleted_at, email, nickname)
			VALUES (now(), now(), CASE WHEN $1 THEN now() END, $2, $3) RETURNING id`,
			u.deleted, "user"+strconv.Itoa(i)+"@example.com", u.nickname).Scan(&ids[i])
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := database.Up(ctx, db, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	for i, u := range users {
		var nickname, key string
		if err := db.SQL.QueryRowContext(ctx, `SELECT nickname, nickname_key FROM users WHERE id = $1`, ids[i]).Scan(&nickname, &key); err != nil {
			t.Fatal(err)
		}
		want := u.wantKey
		if want == "ada#%d" {
			want = "ada#" + strconv.Itoa(ids[i])
		}
		if nickname != u.nickname || key != want {
			t.Errorf("user %d %q (deleted %v): nickname %q, key %q; want key %q", ids[i], u.nickname, u.deleted, nickname, key, want)
		}
	}
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO users (created_at, updated_at, email, nickname, nickname_key)
		VALUES (now(), now(), 'new@example.com', 'LINUS', 'linus')`)
	if err == nil {
		t.Error("a new live account with an existing nickname key was accepted")
	}
}
