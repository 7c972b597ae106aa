//go:build !noembedded

package jobs

import (
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

func sqliteDriver(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) }
