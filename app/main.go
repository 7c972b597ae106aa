// Command reelview is the Reelview API server and its tools.
//
//	reelview [serve] [--migrate]       run the API (default)
//	reelview migrate up|status         apply or show PostgreSQL migrations
//	reelview migrate diff <name>       write a migration for ent schema changes
//	reelview migrate diff --check      fail when migrations/ is behind the schema
//	reelview seed [--synthetic]        insert the demo data, or a load-test data set
//	reelview openapi [--out DIR]       print or write the OpenAPI document
//	reelview healthcheck               probe /health of a running server
//	reelview version                   print the build identity
//
// Configuration comes from the environment and an optional .env file; see
// README.md and .env.example.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/buildinfo"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/app/seed"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
)

const usage = `Usage: reelview <command> [arguments]

Commands:
  serve [--migrate]        run the API (default); --migrate applies pending
                           PostgreSQL migrations first, under an advisory lock
  migrate up               apply pending migrations (PostgreSQL)
  migrate status           list applied and pending migrations (PostgreSQL)
  migrate diff <name>      write migrations/<timestamp>_<name>.sql for ent schema
                           changes (needs DEV_DATABASE_URL: a PostgreSQL server
                           where scratch databases may be created)
  migrate diff --check     exit 1 when migrations/ is behind the ent schema
  migrate hash             rewrite migrations/atlas.sum after adding a hand-written
                           migration file
  seed                     insert the demo data (skipped when contents exist)
  seed --synthetic         insert a large generated data set into PostgreSQL for
                           load tests (--contents, --users, --reviews, --likes,
                           --follows)
  openapi [--out DIR]      print the OpenAPI document (JSON), or write
                           DIR/openapi.json and DIR/openapi.yaml
  healthcheck              exit 0 when GET /health of the server at HTTP_ADDR
                           answers 200 (used by the Docker HEALTHCHECK)
  version                  print version, commit and build time
`

//go:generate go run . openapi --out ../docs

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if cmd == "version" {
		b := buildinfo.Get()
		fmt.Fprintf(stdout, "reelview %s (commit %s, built %s)\n", b.Version, b.Commit, b.BuildTime)
		return 0
	}
	cfg, err := config.Load(".env")
	if err != nil {
		fmt.Fprintln(stderr, "reelview: invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "  "+line)
		}
		return 2
	}
	var runErr error
	switch cmd {
	case "serve":
		runErr = serve(cfg, args)
	case "migrate":
		runErr = migrateCmd(cfg, args, stdout)
	case "seed":
		runErr = seedCmd(cfg, args)
	case "openapi":
		runErr = openapiCmd(cfg, args, stdout)
	case "healthcheck":
		runErr = healthcheck(cfg)
	default:
		fmt.Fprintf(stderr, "reelview: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if runErr != nil {
		fmt.Fprintln(stderr, "reelview: "+runErr.Error())
		return 1
	}
	return 0
}

func serve(cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Database.AutoMigrate = *migrate
	app := fx.New(serveOptions(cfg))
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return rootCause(err)
	}
	sig := <-app.Wait()
	stopCtx, cancelStop := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancelStop()
	if err := app.Stop(stopCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if sig.ExitCode != 0 {
		return fmt.Errorf("exit code %d", sig.ExitCode)
	}
	return nil
}

// rootCause strips fx's wrapping ("OnStart hook added by … failed: …") so
// start-up failures print as one clear line.
func rootCause(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "failed: "); i >= 0 {
		return errors.New(msg[i+len("failed: "):])
	}
	return err
}

// withDB runs fn on the configured database without starting the server.
func withDB(cfg config.Config, fn func(ctx context.Context, db *database.DB, log *zap.Logger) error) error {
	log, err := logging.New(cfg.Log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := database.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Ping(ctx, cfg.Database.QueryTimeout); err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	return fn(ctx, db, log)
}

func migrateCmd(cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("migrate: want up, status or diff")
	}
	sub, args := args[0], args[1:]
	if sub == "diff" {
		return diffCmd(args, stdout)
	}
	if sub == "hash" {
		if err := database.Hash("migrations"); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations/atlas.sum rewritten")
		return nil
	}
	if cfg.Embedded() {
		return errors.New("migrate: DATABASE_URL is not set; the embedded SQLite database " +
			"gets its schema automatically at start-up")
	}
	return withDB(cfg, func(ctx context.Context, db *database.DB, log *zap.Logger) error {
		switch sub {
		case "up":
			applied, err := database.Up(ctx, db, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "applied %d migration(s)\n", len(applied))
			for _, f := range applied {
				fmt.Fprintln(stdout, "  "+f)
			}
			return nil
		case "status":
			st, err := database.GetStatus(ctx, db)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "applied: %d\n", len(st.Applied))
			for _, v := range st.Applied {
				fmt.Fprintln(stdout, "  "+v)
			}
			fmt.Fprintf(stdout, "pending: %d\n", len(st.Pending))
			for _, f := range st.Pending {
				fmt.Fprintln(stdout, "  "+f)
			}
			return nil
		default:
			return fmt.Errorf("migrate: unknown subcommand %q (want up, status or diff)", sub)
		}
	})
}

func diffCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate diff", flag.ContinueOnError)
	check := fs.Bool("check", false, "fail when migrations/ is behind the ent schema, write nothing")
	dir := fs.String("dir", "migrations", "the migration directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	devURL := os.Getenv("DEV_DATABASE_URL")
	if devURL == "" {
		devURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if *check {
		files, err := database.CheckInSync(ctx, devURL)
		if err != nil {
			return err
		}
		if len(files) > 0 {
			return errors.New("migrations/ is behind the ent schema: run `task migrate:diff -- <name>`")
		}
		fmt.Fprintln(stdout, "migrations/ is in sync with the ent schema")
		return nil
	}
	if fs.NArg() != 1 {
		return errors.New("migrate diff: want exactly one migration name, e.g. add_reviews")
	}
	files, err := database.Diff(ctx, devURL, *dir, fs.Arg(0))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintln(stdout, "no schema changes: nothing written")
	}
	for _, f := range files {
		fmt.Fprintln(stdout, "wrote "+*dir+"/"+f)
	}
	return nil
}

func seedCmd(cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	synthetic := fs.Bool("synthetic", false, "insert a large generated data set (PostgreSQL) instead of the demo data")
	v := seed.DefaultVolumes
	fs.IntVar(&v.Contents, "contents", v.Contents, "synthetic contents")
	fs.IntVar(&v.Users, "users", v.Users, "synthetic users")
	fs.IntVar(&v.Reviews, "reviews", v.Reviews, "synthetic reviews (at most 5 per user)")
	fs.IntVar(&v.Likes, "likes", v.Likes, "synthetic likes (at most 10 per user)")
	fs.IntVar(&v.Follows, "follows", v.Follows, fmt.Sprintf("synthetic follows (%d per follower)", seed.FollowsEach))
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withDB(cfg, func(ctx context.Context, db *database.DB, log *zap.Logger) error {
		if err := database.Prepare(ctx, db, false, log); err != nil {
			return err
		}
		if *synthetic {
			return seed.Synthetic(ctx, db.SQL, db.Postgres(), v, os.Stderr)
		}
		opts, err := demoOptions(cfg)
		if err != nil {
			return err
		}
		res, err := seed.Demo(ctx, db.Ent, opts)
		if err != nil {
			return err
		}
		log.Info("demo data", zap.Int("genres", res.Genres), zap.Int("contents", res.Contents),
			zap.Int("accounts", res.Accounts), zap.Int("reviews", res.Reviews), zap.Int("likes", res.Likes),
			zap.Int("comments", res.Comments))
		for email, p := range res.Passwords {
			fmt.Printf("demo password for %s (shown once): %s\n", email, p)
		}
		return nil
	})
}

// openapiCmd builds the API (without opening a database or a port) and
// prints its OpenAPI document.
func openapiCmd(cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	out := fs.String("out", "", "write DIR/openapi.json and DIR/openapi.yaml instead of printing JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	doc, err := openAPIDocument(cfg)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(doc.JSON)
		return err
	}
	return doc.WriteTo(*out)
}

func openAPIDocument(cfg config.Config) (server.Document, error) {
	tmp, err := os.MkdirTemp("", "reelview-openapi-*")
	if err != nil {
		return server.Document{}, err
	}
	defer os.RemoveAll(tmp)
	// The embedded mode builds the whole graph without any server; nothing
	// is started, so no file is written and no port opened.
	cfg.Database.URL, cfg.Redis.URL, cfg.DataDir = "", "", tmp
	cfg.Log.Level = "error"
	var srv *server.Server
	app := fx.New(platform(cfg), fx.Populate(&srv), fx.NopLogger)
	if err := app.Err(); err != nil {
		return server.Document{}, err
	}
	return server.Export(srv.API)
}

func healthcheck(cfg config.Config) error {
	_, port, err := net.SplitHostPort(cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get("http://127.0.0.1:" + port + "/health")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: status %d", res.StatusCode)
	}
	return nil
}
