package database

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"ariga.io/atlas/sql/migrate"
)

// RevisionsTable records the migration files applied to a PostgreSQL database.
const RevisionsTable = "schema_revisions"

// revisions stores Atlas revisions in RevisionsTable; the open-source Atlas
// module has no database-backed RevisionReadWriter.
type revisions struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

var _ migrate.RevisionReadWriter = (*revisions)(nil)

const revisionsDDL = `CREATE TABLE IF NOT EXISTS ` + RevisionsTable + ` (
	version text PRIMARY KEY,
	description text NOT NULL,
	type bigint NOT NULL,
	applied bigint NOT NULL,
	total bigint NOT NULL,
	executed_at timestamptz NOT NULL,
	execution_time bigint NOT NULL,
	error text NOT NULL DEFAULT '',
	error_stmt text NOT NULL DEFAULT '',
	hash text NOT NULL,
	partial_hashes text NOT NULL DEFAULT '[]',
	operator_version text NOT NULL
)`

func (r *revisions) init(ctx context.Context) error {
	_, err := r.q.ExecContext(ctx, revisionsDDL)
	return err
}

// Ident implements migrate.RevisionReadWriter: Atlas ignores this table when it
// checks that a database is clean before the first migration.
func (r *revisions) Ident() *migrate.TableIdent {
	return &migrate.TableIdent{Name: RevisionsTable, Schema: "public"}
}

// ReadRevisions implements migrate.RevisionReadWriter.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	return r.read(ctx, "")
}

// ReadRevision implements migrate.RevisionReadWriter.
func (r *revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	revs, err := r.read(ctx, version)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, migrate.ErrRevisionNotExist
	}
	return revs[0], nil
}

func (r *revisions) read(ctx context.Context, version string) ([]*migrate.Revision, error) {
	query := `SELECT version, description, type, applied, total, executed_at, execution_time,
		error, error_stmt, hash, partial_hashes, operator_version FROM ` + RevisionsTable
	var args []any
	if version != "" {
		query += ` WHERE version = $1`
		args = append(args, version)
	}
	rows, err := r.q.QueryContext(ctx, query+` ORDER BY version`, args...)
	if err != nil {
		return nil, fmt.Errorf("read revisions: %w", err)
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		var (
			rev      migrate.Revision
			execTime int64
			partial  string
		)
		if err := rows.Scan(&rev.Version, &rev.Description, &rev.Type, &rev.Applied, &rev.Total,
			&rev.ExecutedAt, &execTime, &rev.Error, &rev.ErrorStmt, &rev.Hash, &partial,
			&rev.OperatorVersion); err != nil {
			return nil, err
		}
		rev.ExecutionTime = time.Duration(execTime)
		if err := json.Unmarshal([]byte(partial), &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("revision %s: partial hashes: %w", rev.Version, err)
		}
		revs = append(revs, &rev)
	}
	return revs, rows.Err()
}

// WriteRevision implements migrate.RevisionReadWriter as an upsert.
func (r *revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	partial, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return err
	}
	if rev.PartialHashes == nil {
		partial = []byte("[]")
	}
	_, err = r.q.ExecContext(ctx, `INSERT INTO `+RevisionsTable+` (version, description, type,
		applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes,
		operator_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description,
		type = EXCLUDED.type, applied = EXCLUDED.applied, total = EXCLUDED.total,
		executed_at = EXCLUDED.executed_at, execution_time = EXCLUDED.execution_time,
		error = EXCLUDED.error, error_stmt = EXCLUDED.error_stmt, hash = EXCLUDED.hash,
		partial_hashes = EXCLUDED.partial_hashes, operator_version = EXCLUDED.operator_version`,
		rev.Version, rev.Description, rev.Type, rev.Applied, rev.Total, rev.ExecutedAt,
		int64(rev.ExecutionTime), rev.Error, rev.ErrorStmt, rev.Hash, string(partial),
		rev.OperatorVersion)
	if err != nil {
		return fmt.Errorf("write revision %s: %w", rev.Version, err)
	}
	return nil
}

// DeleteRevision implements migrate.RevisionReadWriter.
func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.q.ExecContext(ctx, `DELETE FROM `+RevisionsTable+` WHERE version = $1`, version)
	return err
}
