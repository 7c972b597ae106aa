//go:build noembedded

package database

import (
	"context"
	"database/sql"
	"errors"
)

// Configuration refuses an empty DATABASE_URL in this build, so the embedded
// mode is never reached; this is the answer if it were.
func migrateRiverSQLite(context.Context, *sql.DB) error {
	return errors.New("database: this binary is built without the embedded mode (build tag noembedded)")
}
