// Package database opens Reelview's database: PostgreSQL through a pgx v5 pool
// when DATABASE_URL is set, otherwise an embedded SQLite file (modernc.org/sqlite,
// no cgo). Both are served to the rest of the code as one ent client.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	_ "github.com/reelview/reelview/ent/runtime" // schema hooks and interceptors (soft delete)
)

// DB is one open database.
type DB struct {
	Dialect string        // dialect.Postgres or dialect.SQLite
	SQL     *sql.DB       // for ent, health checks and metrics
	Pool    *pgxpool.Pool // PostgreSQL only: for River and raw pgx work
	Ent     *ent.Client
}

// Postgres reports whether the database is PostgreSQL.
func (d *DB) Postgres() bool { return d.Dialect == dialect.Postgres }

// Ping checks that the database answers within timeout.
func (d *DB) Ping(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return d.SQL.PingContext(ctx)
}

// Close closes the ent client and the pools under it.
func (d *DB) Close() error {
	err := d.Ent.Close()
	if d.Pool != nil {
		d.Pool.Close()
	}
	return err
}

// Open opens the database the configuration names without touching its schema.
func Open(ctx context.Context, c config.Config) (*DB, error) {
	if c.Embedded() {
		return openSQLite(c.SQLitePath())
	}
	return openPostgres(ctx, c.Database)
}

// SQLiteDSN returns the DSN of an embedded database file. WAL lets readers run
// beside the one writer; immediate transactions and a busy timeout make
// concurrent writers queue instead of failing with SQLITE_BUSY.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

func openSQLite(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("database: create %s: %w", filepath.Dir(path), err)
	}
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	drv := entsql.OpenDB(dialect.SQLite, db)
	return &DB{Dialect: dialect.SQLite, SQL: db, Ent: ent.NewClient(ent.Driver(drv))}, nil
}

func openPostgres(ctx context.Context, c config.Database) (*DB, error) {
	pc, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		return nil, errors.New("database: DATABASE_URL cannot be parsed")
	}
	pc.MaxConns = int32(min(c.MaxConns, 1<<20)) //nolint:gosec // bounded above
	if pc.ConnConfig.ConnectTimeout == 0 || pc.ConnConfig.ConnectTimeout > c.QueryTimeout {
		pc.ConnConfig.ConnectTimeout = c.QueryTimeout
	}
	// A server-side bound on every statement; migrations lift it for their
	// own transactions. Requests as a whole are bounded by HTTP_REQUEST_TIMEOUT.
	pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(c.QueryTimeout.Milliseconds(), 10)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	drv := entsql.OpenDB(dialect.Postgres, db)
	return &DB{Dialect: dialect.Postgres, SQL: db, Pool: pool, Ent: ent.NewClient(ent.Driver(drv))}, nil
}

var schemaCreate sync.Mutex

// Prepare readies the schema at start-up. SQLite gets ent's auto-migration
// and River's tables. PostgreSQL is never changed implicitly: start-up fails
// when migrations are pending, unless autoMigrate applies them first.
func Prepare(ctx context.Context, db *DB, autoMigrate bool, log *zap.Logger) error {
	if !db.Postgres() {
		// ent's auto-migration mutates the generated package-level table
		// descriptions, so two databases of one process (parallel tests)
		// must not run it at the same time.
		schemaCreate.Lock()
		defer schemaCreate.Unlock()
		if err := db.Ent.Schema.Create(ctx); err != nil {
			return fmt.Errorf("database: create SQLite schema: %w", err)
		}
		if err := refoldNames(ctx, db.SQL); err != nil {
			return err
		}
		return migrateRiverSQLite(ctx, db.SQL)
	}
	if autoMigrate {
		applied, err := Up(ctx, db, log)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("migrations applied", zap.Strings("files", applied))
		}
		return nil
	}
	st, err := GetStatus(ctx, db)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("database: the database is behind the migrations (%d pending: %v); "+
			"run `reelview migrate up` or start with `serve --migrate`", len(st.Pending), st.Pending)
	}
	return nil
}

// Module provides the database and the ent client, prepares the schema on
// start and closes the pools on stop.
var Module = fx.Module("database",
	fx.Provide(
		func(lc fx.Lifecycle, c config.Config, log *zap.Logger) (*DB, error) {
			db, err := Open(context.Background(), c)
			if err != nil {
				return nil, err
			}
			lc.Append(fx.Hook{
				OnStart: func(ctx context.Context) error {
					if err := db.Ping(ctx, c.Database.QueryTimeout); err != nil {
						return fmt.Errorf("database: not reachable: %w", err)
					}
					return Prepare(ctx, db, c.Database.AutoMigrate, log)
				},
				OnStop: func(context.Context) error { return db.Close() },
			})
			return db, nil
		},
		func(db *DB) *ent.Client { return db.Ent },
	),
)
