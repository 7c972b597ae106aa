package database_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/migrations"
)

func openPostgres(t *testing.T, url string) *database.DB {
	t.Helper()
	c := config.ForTest()
	c.Database.URL = url
	db, err := database.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestAtlasSum proves atlas.sum matches the migration files: an edited or
// added file without a fresh atlas.sum is refused.
func TestAtlasSum(t *testing.T) {
	t.Parallel()
	dir, err := database.Dir()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("migrations/atlas.sum does not match the files: %v", err)
	}
	files, err := dir.Files()
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files: %v", err)
	}
	// An edited file must be caught.
	tampered := &migrate.MemDir{}
	for _, f := range files {
		body := f.Bytes()
		if f == files[0] {
			body = append(body, []byte("\n-- edited\n")...)
		}
		if err := tampered.WriteFile(f.Name(), body); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := migrations.FS.ReadFile("atlas.sum")
	if err != nil {
		t.Fatal(err)
	}
	if err := tampered.WriteFile("atlas.sum", sum); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(tampered); err == nil {
		t.Fatal("an edited migration file passed validation")
	}
}

// TestMigrationsInSync diffs the ent schema against migrations/ replayed on a
// scratch PostgreSQL database: a schema change without a migration fails here.
func TestMigrationsInSync(t *testing.T) {
	t.Parallel()
	apptest.EmptyPostgres(t) // skips in the embedded mode
	files, err := database.CheckInSync(context.Background(), apptest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) > 0 {
		t.Fatalf("migrations/ is behind the ent schema; run `task migrate:diff -- <name>` (a diff would write %v)", files)
	}
}

func TestMigrationsApplyAndServerRefusesStaleDatabase(t *testing.T) {
	t.Parallel()
	db := openPostgres(t, apptest.EmptyPostgres(t))
	ctx := context.Background()
	log := zap.NewNop()

	st, err := database.GetStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != 0 || len(st.Pending) == 0 {
		t.Fatalf("empty database: status %+v", st)
	}
	err = database.Prepare(ctx, db, false, log)
	if err == nil || !strings.Contains(err.Error(), "behind the migrations") {
		t.Fatalf("Prepare on an empty database: err = %v, want 'behind the migrations'", err)
	}
	if err := database.Prepare(ctx, db, true, log); err != nil {
		t.Fatalf("serve --migrate: %v", err)
	}
	st, err = database.GetStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := database.Dir()
	files, _ := dir.Files()
	if len(st.Pending) != 0 || len(st.Applied) != len(files) {
		t.Fatalf("after migrate: %+v, want %d applied and none pending", st, len(files))
	}
	if err := database.Prepare(ctx, db, false, log); err != nil {
		t.Fatalf("Prepare on a migrated database: %v", err)
	}
	// Every table of the schema exists, and River's.
	for _, table := range []string{"users", "contents", "genres", "content_genres", "reviews", "review_likes",
		"comments", "review_reports", "bookmarks", "devices", "notifications", "river_job"} {
		var ok bool
		if err := db.SQL.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing (err %v)", table, err)
		}
	}
}

// TestConcurrentMigrateUp starts several replicas' migrations at once: the
// advisory lock lets one apply each file and the others find nothing to do.
func TestConcurrentMigrateUp(t *testing.T) {
	t.Parallel()
	url := apptest.EmptyPostgres(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	applied := make([][]string, replicas)
	for i := range replicas {
		db := openPostgres(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = database.Up(context.Background(), db, zap.NewNop())
		}()
	}
	wg.Wait()
	total := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	dir, _ := database.Dir()
	files, _ := dir.Files()
	var revisions int
	db := openPostgres(t, url)
	if err := db.SQL.QueryRow(`SELECT count(*) FROM ` + database.RevisionsTable).Scan(&revisions); err != nil {
		t.Fatal(err)
	}
	if revisions != len(files) {
		t.Errorf("%d revisions recorded, want %d", revisions, len(files))
	}
	if applied := total; applied < len(files) {
		t.Errorf("%d files applied in all, want at least %d", applied, len(files))
	}
}

func TestEmbeddedSchemaIsCreated(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	// Whatever the backend, the schema is there and River's tables too.
	if _, err := a.DB.Ent.User.Query().Count(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.SQL.Exec(`SELECT count(*) FROM river_job`); err != nil {
		t.Fatalf("river tables: %v", err)
	}
}

// TestDiffDetectsSchemaChanges shows the sync check can fail: without the
// newest migration file that changes the schema, a diff writes one again.
// Hand-written data migrations say so on their first line and are kept.
func TestDiffDetectsSchemaChanges(t *testing.T) {
	t.Parallel()
	apptest.EmptyPostgres(t) // skips in the embedded mode
	dir := t.TempDir()
	src, err := database.Dir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	drop := len(files) - 1
	for drop > 0 && bytes.HasPrefix(files[drop].Bytes(), []byte("-- Data migration")) {
		drop--
	}
	for i, f := range files {
		if i == drop {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), f.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := database.Hash(dir); err != nil {
		t.Fatal(err)
	}
	written, err := database.Diff(context.Background(), apptest.ServerURL(), dir, "again")
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 1 || !strings.HasSuffix(written[0], "_again.sql") {
		t.Fatalf("diff wrote %v, want one <timestamp>_again.sql", written)
	}
}
