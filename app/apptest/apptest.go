// Package apptest starts the real module graph for tests: each test gets its
// own database (a PostgreSQL database cloned from a migrated template, or a
// temporary SQLite file) and its own Redis keyspace, chosen by
// TEST_DATABASE_URL and TEST_REDIS_URL (embedded when unset).
package apptest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/migrations"
)

// Postgres reports whether the suite runs on PostgreSQL (TEST_DATABASE_URL).
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// App is one running in-process application.
type App struct {
	*server.Server
	DB     *database.DB
	Redis  *cache.Redis
	Config config.Config
	fx     *fxtest.App
}

// Stop stops the application (also done at cleanup; stopping twice is fine).
func (a *App) Stop() { a.fx.RequireStop() }

// Config returns a test configuration on a private database and Redis keyspace.
func Config(t testing.TB) config.Config {
	t.Helper()
	c := config.ForTest()
	c.DataDir = t.TempDir()
	c.Database.URL = NewDatabase(t)
	c.Database.MaxConns = 5
	c.Redis.URL = RedisURL(t)
	c.Redis.KeyPrefix = "t" + randHex(8) + ":"
	c.Log.Level = "error" // the whole-app tests log through the real logger
	// Tests run side by side: none takes the fixed metrics port; those of
	// the metrics listener choose a free one (127.0.0.1:0).
	c.HTTP.MetricsAddr = ""
	// A random signing secret per test: no fixed one exists anywhere. A test
	// may clear it to have the server generate one in DataDir.
	c.Auth.JWTSecret = randHex(64)
	// Tests send many requests from one address; the tests of rate limiting
	// set their own policies.
	c.RateLimit.Default.Requests = 1_000_000
	c.RateLimit.Auth.Requests = 1_000_000
	f := false
	c.DemoSeed = &f
	return c
}

// New starts the platform and the given modules on a private database and
// Redis keyspace. Extra fx options (fx.Decorate, fx.Populate, …) may be mixed
// in with the modules.
func New(t testing.TB, modules ...fx.Option) *App {
	t.Helper()
	return NewWithConfig(t, Config(t), modules...)
}

// NewWithConfig is New with a configuration the test has adjusted.
func NewWithConfig(t testing.TB, c config.Config, modules ...fx.Option) *App {
	t.Helper()
	a := &App{Config: c}
	a.fx = fxtest.New(t,
		fx.NopLogger,
		fx.Supply(c),
		config.Module,
		fx.Provide(func() *zap.Logger { return testLogger(t) }),
		database.Module,
		cache.Module,
		jobs.Module,
		server.Module,
		fx.Options(modules...),
		fx.Populate(&a.Server, &a.DB, &a.Redis),
	)
	a.fx.RequireStart()
	t.Cleanup(a.fx.RequireStop)
	return a
}

// testLogger discards the application's logs, unless REELVIEW_TEST_LOG=1
// asks for them (on the test's output) to see what a failing test logged.
func testLogger(t testing.TB) *zap.Logger {
	if os.Getenv("REELVIEW_TEST_LOG") == "1" {
		return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	return zap.NewNop()
}

// NewDatabase returns the DATABASE_URL of a fresh, migrated database that is
// dropped when the test ends; "" (embedded SQLite, in the test's DataDir)
// when TEST_DATABASE_URL is unset.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		return ""
	}
	tmpl, err := template(server)
	if err != nil {
		t.Fatalf("apptest: template database: %v", err)
	}
	u, drop, err := database.CloneDatabase(context.Background(), server, "reelview_test", tmpl)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	t.Cleanup(drop)
	return u
}

// EmptyPostgres returns the URL of a new, empty PostgreSQL database (no
// migrations applied), dropped at cleanup. It skips the test when the suite
// runs embedded: such tests are about PostgreSQL migrations only.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		t.Skip("PostgreSQL-only test: set TEST_DATABASE_URL (task test:pg)")
	}
	u, drop, err := database.ScratchDatabase(context.Background(), server)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	t.Cleanup(drop)
	return u
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template returns the name of a database with every migration applied,
// built once per migration set and shared by all test processes: an advisory
// lock makes concurrent test binaries build it once, and a rename publishes
// it only when complete.
func template(serverURL string) (string, error) {
	templateOnce.Do(func() {
		templateName, templateErr = buildTemplate(serverURL)
	})
	return templateName, templateErr
}

func buildTemplate(serverURL string) (string, error) {
	ctx := context.Background()
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.FS, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	name := "reelview_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7265656)`); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock(7265656)`) }()
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+building+`" WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE "`+building+`"`); err != nil {
		return "", err
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + building
	c := config.ForTest()
	c.Database.URL = u.String()
	db, err := database.Open(ctx, c)
	if err != nil {
		return "", err
	}
	_, err = database.Up(ctx, db, zap.NewNop())
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE "`+building+`" RENAME TO "`+name+`"`); err != nil {
		return "", err
	}
	return name, nil
}

var (
	redisOnce sync.Once
	redisURL  string
)

// RedisURL is TEST_REDIS_URL, or the URL of one in-process miniredis shared
// by the tests of this process (each test uses its own key prefix).
func RedisURL(t testing.TB) string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	redisOnce.Do(func() {
		mr := miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			panic(errors.New("apptest: start miniredis: " + err.Error()))
		}
		redisURL = "redis://" + mr.Addr()
	})
	return redisURL
}

func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ServerURL is TEST_DATABASE_URL: the PostgreSQL server tests create their
// databases on ("" in the embedded mode).
func ServerURL() string { return os.Getenv("TEST_DATABASE_URL") }
