package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"go.uber.org/zap"

	"github.com/reelview/reelview/migrations"
)

// migrateLockID is the pg_advisory_lock key that serializes `migrate up`
// across replicas ("reelview" in ASCII).
const migrateLockID int64 = 0x7265656c76696577

// Status tells where a PostgreSQL database stands against migrations/.
type Status struct {
	Applied []string // versions of the applied migration files
	Pending []string // file names not applied yet, including River's, in order
}

// Dir returns the embedded migration directory.
func Dir() (migrate.Dir, error) {
	dir := &migrate.MemDir{}
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		return dir.WriteFile(path, b)
	})
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return dir, nil
}

func executor(ctx context.Context, q *sql.Tx, dir migrate.Dir) (*migrate.Executor, error) {
	drv, err := postgres.Open(q)
	if err != nil {
		return nil, err
	}
	return migrate.NewExecutor(drv, dir, &revisions{q: q})
}

// GetStatus reports the applied and pending migrations of db.
func GetStatus(ctx context.Context, db *DB) (Status, error) {
	dir, err := Dir()
	if err != nil {
		return Status{}, err
	}
	var st Status
	err = inTx(ctx, db.SQL, func(tx *sql.Tx) error {
		rrw := &revisions{q: tx}
		if err := rrw.init(ctx); err != nil {
			return err
		}
		ex, err := executor(ctx, tx, dir)
		if err != nil {
			return err
		}
		revs, err := rrw.ReadRevisions(ctx)
		if err != nil {
			return err
		}
		for _, r := range revs {
			st.Applied = append(st.Applied, r.Version)
		}
		pending, err := ex.Pending(ctx)
		if err != nil && !errors.Is(err, migrate.ErrNoPendingFiles) {
			return err
		}
		for _, f := range pending {
			st.Pending = append(st.Pending, f.Name())
		}
		return nil
	})
	if err != nil {
		return Status{}, fmt.Errorf("migrations: status: %w", err)
	}
	riverPending, err := riverPendingPostgres(ctx, db)
	if err != nil {
		return Status{}, err
	}
	st.Pending = append(st.Pending, riverPending...)
	return st, nil
}

// Up applies every pending migration file, each in its own transaction, then
// River's migrations. A session-level advisory lock makes replicas that start
// together take turns: the second finds nothing left to do.
func Up(ctx context.Context, db *DB, log *zap.Logger) ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		return nil, fmt.Errorf("migrations: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID)
	}()
	if _, err := conn.ExecContext(ctx, revisionsDDL); err != nil {
		return nil, fmt.Errorf("migrations: revisions table: %w", err)
	}
	var applied []string
	for {
		var name string
		err := inTx(ctx, db.SQL, func(tx *sql.Tx) error {
			// Building an index on a large table may take longer than the
			// statement timeout that requests run under.
			if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
				return err
			}
			ex, err := executor(ctx, tx, dir)
			if err != nil {
				return err
			}
			pending, err := ex.Pending(ctx)
			if err != nil {
				return err
			}
			name = pending[0].Name()
			log.Info("applying migration", zap.String("file", name))
			return ex.Execute(ctx, pending[0])
		})
		if errors.Is(err, migrate.ErrNoPendingFiles) {
			break
		}
		if err != nil {
			return applied, fmt.Errorf("migrations: %s: %w", name, err)
		}
		applied = append(applied, name)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(db.Pool), nil)
	if err != nil {
		return applied, fmt.Errorf("migrations: river: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return applied, fmt.Errorf("migrations: river: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river/%03d_%s", v.Version, slug(v.Name)))
	}
	return applied, nil
}

func riverPendingPostgres(ctx context.Context, db *DB) ([]string, error) {
	migrator, err := rivermigrate.New(riverpgxv5.New(db.Pool), nil)
	if err != nil {
		return nil, fmt.Errorf("migrations: river: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("migrations: river: %w", err)
	}
	if res.OK {
		return nil, nil
	}
	existing, err := migrator.ExistingVersions(ctx)
	if err != nil && !strings.Contains(err.Error(), "does not exist") {
		return nil, fmt.Errorf("migrations: river: %w", err)
	}
	done := map[int]bool{}
	for _, m := range existing {
		done[m.Version] = true
	}
	var pending []string
	for _, m := range migrator.AllVersions() {
		if !done[m.Version] {
			pending = append(pending, fmt.Sprintf("river/%03d_%s", m.Version, slug(m.Name)))
		}
	}
	return pending, nil
}

func slug(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "_") }

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
