package database

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"ariga.io/atlas/sql/migrate"
)

// ApplyUntil applies the migration files in order up to, not including, the
// first whose name contains stop: a database as it stood before that
// migration, for tests of the migration on existing rows.
func ApplyUntil(ctx context.Context, db *DB, stop string) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	if _, err := db.SQL.ExecContext(ctx, revisionsDDL); err != nil {
		return err
	}
	for {
		done := false
		err := inTx(ctx, db.SQL, func(tx *sql.Tx) error {
			ex, err := executor(ctx, tx, dir)
			if err != nil {
				return err
			}
			pending, err := ex.Pending(ctx)
			if err != nil {
				return err
			}
			if strings.Contains(pending[0].Name(), stop) {
				done = true
				return nil
			}
			return ex.Execute(ctx, pending[0])
		})
		if errors.Is(err, migrate.ErrNoPendingFiles) {
			return errors.New("no migration named " + stop)
		}
		if err != nil || done {
			return err
		}
	}
}
