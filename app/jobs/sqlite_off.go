//go:build noembedded

package jobs

import (
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
)

// Configuration refuses an empty DATABASE_URL in this build, so no SQLite
// database ever reaches River.
func sqliteDriver(*sql.DB) riverdriver.Driver[*sql.Tx] {
	panic("jobs: this binary is built without the embedded mode (build tag noembedded)")
}
