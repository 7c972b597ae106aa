package database_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/config"
)

// lookalikeRows are accounts stored before names were folded: emails and
// nickname keys in plain lower case, as the code of that time wrote them.
var lookalikeRows = []struct {
	email, nickname string
	deleted         bool
}{
	{"ada@reelview.dev", "ada", false},
	{"ａｄａ@reelview.dev", "ＡＤＡ", false}, // look-alike of both: folds onto the first
	{"ａｄａ@ｒｅｅｌｖｉｅｗ.dev", "𝐀𝐝𝐚", true},  // deleted: folded, no collision possible
	{"ｇｒａｃｅ@reelview.dev", "Grace  Hopper", false},
	{"grace.b@reelview.dev", "grace hopper", false}, // runs of spaces collapse: taken by the one before
	{"linus@reelview.dev", "Linus\u3164", false},    // an invisible filler the API once let through
	{"linus2@reelview.dev", "linus", false},
	{"fine@reelview.dev", "ﬁne", false},
	{"fine2@reelview.dev", "Fine", false},
	{"uni@reelview.dev", "Ünïcödé", false},
	{"greek@reelview.dev", "ΣΊΣΥΦΟΣ", false},
	{"heisei@reelview.dev", "㍻ fan", false},
	{"strasse@reelview.dev", "Straße", false},
	{"ｂｏｂ@reelview.dev", "bob", false}, // a look-alike of a later, folded address: keeps its own
	{"bob@reelview.dev", "bob2", false},
}

// TestLookalikeMigrationOnExistingUsers applies the look-alike migration to
// accounts stored before it (PostgreSQL), and TestEmbeddedNamesRefolded does
// the same through an embedded start: on both, every nickname key becomes
// what the code now computes (textin.Fold), the oldest live account of a
// folded name keeps the plain key and later ones get "#id", emails are
// folded unless a live account already has the folded form, nicknames stay
// as they were, and the unique indexes then refuse new look-alikes.
func TestLookalikeMigrationOnExistingUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openPostgres(t, apptest.EmptyPostgres(t))
	if err := database.ApplyUntil(ctx, db, "lookalike_names"); err != nil {
		t.Fatal(err)
	}
	ids := insertOldNames(t, db, "$1, $2, $3, $4")
	if _, err := database.Up(ctx, db, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	checkRefolded(t, db, ids)
	var fns int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_proc WHERE proname LIKE 'reelview_fold%'`).Scan(&fns); err != nil || fns != 0 {
		t.Errorf("%d helper functions left (%v)", fns, err)
	}
}

func TestEmbeddedNamesRefolded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := config.ForTest()
	c.DataDir = t.TempDir()
	db, err := database.Open(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := database.Prepare(ctx, db, false, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	ids := insertOldNames(t, db, "?, ?, ?, ?")
	if err := database.Prepare(ctx, db, false, zap.NewNop()); err != nil { // the next start
		t.Fatal(err)
	}
	checkRefolded(t, db, ids)
	if err := database.Prepare(ctx, db, false, zap.NewNop()); err != nil { // and one more: nothing moves
		t.Fatal(err)
	}
	checkRefolded(t, db, ids)
}

// insertOldNames stores lookalikeRows as the code before folding did.
func insertOldNames(t *testing.T, db *database.DB, params string) []int {
	t.Helper()
	ids := make([]int, len(lookalikeRows))
	for i, u := range lookalikeRows {
		p := strings.Split(params, ", ")
		err := db.SQL.QueryRowContext(context.Background(), `INSERT INTO users (created_at, updated_at, deleted_at, email, nickname, nickname_key)
			VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CASE WHEN `+p[0]+` THEN CURRENT_TIMESTAMP END, `+p[1]+`, `+p[2]+`, `+p[3]+`) RETURNING id`,
			u.deleted, u.email, u.nickname, strings.ToLower(u.nickname)).Scan(&ids[i])
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func checkRefolded(t *testing.T, db *database.DB, ids []int) {
	t.Helper()
	ctx := context.Background()
	liveKeys, liveEmails := map[string]bool{}, map[string]bool{}
	for _, u := range lookalikeRows {
		if !u.deleted && u.email == textin.Fold(u.email) {
			liveEmails[u.email] = true // an address already folded keeps it
		}
	}
	for i, u := range lookalikeRows {
		var email, nickname, key string
		if err := db.SQL.QueryRowContext(ctx, `SELECT email, nickname, nickname_key FROM users WHERE id = `+strconv.Itoa(ids[i])).
			Scan(&email, &nickname, &key); err != nil {
			t.Fatal(err)
		}
		wantKey, wantEmail := textin.Fold(u.nickname), textin.Fold(u.email)
		if !u.deleted {
			if liveKeys[wantKey] {
				wantKey += "#" + strconv.Itoa(ids[i])
			}
			liveKeys[textin.Fold(u.nickname)] = true
			if wantEmail != u.email && liveEmails[wantEmail] {
				wantEmail = u.email // the folded address belongs to another account
			}
			liveEmails[textin.Fold(u.email)] = true
		}
		if nickname != u.nickname || key != wantKey || email != wantEmail {
			t.Errorf("%q %q (deleted %v): now %q %q key %q; want %q key %q",
				u.email, u.nickname, u.deleted, email, nickname, key, wantEmail, wantKey)
		}
	}
	for _, q := range []string{
		`INSERT INTO users (created_at, updated_at, email, nickname, nickname_key) VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'new@reelview.dev', 'ＬＩＮＵＳ', 'linus')`,
		`INSERT INTO users (created_at, updated_at, email, nickname, nickname_key) VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'grace@reelview.dev', 'new', 'new')`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err == nil {
			t.Errorf("a look-alike was accepted: %s", q)
		}
	}
}
