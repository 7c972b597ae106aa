package database

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5/stdlib"

	entmigrate "github.com/reelview/reelview/ent/migrate"
	"github.com/reelview/reelview/migrations"
)

var registerPostgres sync.Once

// Diff compares the ent schema with the migrations in dirPath, replayed on a
// scratch database created (and dropped) on the PostgreSQL server of devURL,
// and writes a new <timestamp>_<name>.sql file plus atlas.sum when they differ.
// It returns the names of the files written.
func Diff(ctx context.Context, devURL, dirPath, name string) ([]string, error) {
	// Atlas opens the dev database through database/sql by the URL's scheme;
	// lib/pq (a dependency of River's database/sql driver) usually registers
	// "postgres" already.
	registerPostgres.Do(func() {
		if !slices.Contains(sql.Drivers(), "postgres") {
			sql.Register("postgres", stdlib.GetDefaultDriver())
		}
	})
	scratchURL, drop, err := ScratchDatabase(ctx, devURL)
	if err != nil {
		return nil, err
	}
	defer drop()
	before, err := listDir(dirPath)
	if err != nil {
		return nil, err
	}
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return nil, err
	}
	schemaCreate.Lock() // see Prepare: ent's migration engine shares package state
	defer schemaCreate.Unlock()
	err = entmigrate.NamedDiff(ctx, scratchURL, name,
		schema.WithDir(dir),
		schema.WithFormatter(atlasmigrate.DefaultFormatter),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.Postgres),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return nil, fmt.Errorf("migrations: diff: %w", err)
	}
	after, err := listDir(dirPath)
	if err != nil {
		return nil, err
	}
	var written []string
	for f := range after {
		if !before[f] && f != "atlas.sum" {
			written = append(written, f)
		}
	}
	return written, nil
}

// Hash rewrites atlas.sum of the migration directory, after a hand-written
// migration file was added (never after editing an applied one).
func Hash(dirPath string) error {
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	return atlasmigrate.WriteSumFile(dir, sum)
}

// CheckInSync copies the embedded migrations to a temporary directory and
// diffs them against the ent schema: the result lists the files a diff would
// add, so it is empty when migrations/ is up to date.
func CheckInSync(ctx context.Context, devURL string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "reelview-migrations-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	err = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, path), b, 0o600)
	})
	if err != nil {
		return nil, err
	}
	return Diff(ctx, devURL, tmp, "check")
}

// ScratchDatabase creates an empty database on the server of serverURL and
// returns its URL and a function that drops it.
func ScratchDatabase(ctx context.Context, serverURL string) (string, func(), error) {
	return CloneDatabase(ctx, serverURL, "reelview_scratch", "")
}

// CloneDatabase creates a database named prefix_<random> on the server of
// serverURL, from template when it is not empty, and returns its URL and a
// function that drops it.
func CloneDatabase(ctx context.Context, serverURL, prefix, template string) (string, func(), error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("bad database URL: %w", err)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	// name and template are generated here, never user input.
	stmt := `CREATE DATABASE "` + name + `"` //nolint:gosec // G202: see above
	if template != "" {
		stmt += ` TEMPLATE "` + template + `"`
	}
	if _, err := admin.ExecContext(ctx, stmt); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
		admin.Close()
	}
	return u.String(), drop, nil
}

func listDir(path string) (map[string]bool, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}
