// Command loadtest is Reelview's load-test harness (task bench).
//
// It builds the server, prepares a seeded PostgreSQL database (reused when it
// already holds the wanted data set), starts `reelview serve` as a separate
// process in production mode against that database and Redis, and drives the
// scenarios S1–S8 with vegeta at a fixed concurrency for a fixed time each.
// In the same run it measures the baselines: B1–B3 in a helper process (this
// binary, `loadtest baseline`) through the same client, and the raw bcrypt
// throughput in this process. It writes a Markdown table, a JSON file and a
// PNG chart, and prints progress while it runs.
//
//	go run ./cmd/loadtest                 the full run (docs/bench/)
//	go run ./cmd/loadtest --quick         a small data set and 2 s per scenario
//	go run ./cmd/loadtest --growth        S2–S4 on data sets of growing size
//
// See docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	postgres    string // URL of a database on the server where bench databases are created
	redis       string
	database    string
	reseed      bool
	quick       bool
	growth      bool
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	rounds      int
	out         string
	bin         string
	only        map[string]bool
	serverEnv   []string
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "render" {
		// loadtest render DIR: redraw DIR/results.md and results.png from DIR/results.json.
		if err := render(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest render:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		if err := baselineMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest baseline:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ExitOnError)
	fs.StringVar(&o.postgres, "postgres", envOr("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server where the bench databases are created (a URL of any database there; BENCH_POSTGRES_URL)")
	fs.StringVar(&o.redis, "redis", envOr("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (BENCH_REDIS_URL); keys get the prefix reelview-bench:")
	fs.StringVar(&o.database, "database", "", "bench database name (default reelview_bench, reelview_bench_quick with --quick)")
	fs.BoolVar(&o.reseed, "reseed", false, "drop and re-seed the bench database even when it holds the wanted data set")
	fs.BoolVar(&o.quick, "quick", false, "small data set, 2 s per scenario, output in bench-results/ (for CI)")
	fs.BoolVar(&o.growth, "growth", false, "run S2, S3 and S4 on data sets of growing size instead of the main table")
	fs.DurationVar(&o.duration, "duration", 0, "measured time per scenario and round (default 10s, 2s with --quick)")
	fs.DurationVar(&o.warmup, "warmup", 0, "unmeasured warm-up per scenario (default duration/5, at most 3s)")
	fs.IntVar(&o.rounds, "rounds", 0, "times the whole scenario list runs, interleaved, results merged (default 3, 1 with --quick)")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent connections (workers) of every scenario and baseline")
	fs.StringVar(&o.out, "out", "", "output directory (default docs/bench, bench-results with --quick)")
	fs.StringVar(&o.bin, "bin", "", "use this reelview binary instead of building ./app (it must have the embedded mode: a default build)")
	fs.Func("server-env", "add KEY=VALUE to the server's environment (repeatable), e.g. RATE_LIMIT_ENABLED=false or GOGC=50",
		func(v string) error {
			if !strings.Contains(v, "=") {
				return fmt.Errorf("want KEY=VALUE, got %q", v)
			}
			o.serverEnv = append(o.serverEnv, v)
			return nil
		})
	only := fs.String("only", "", "run only these scenarios, comma-separated ids (e.g. B2,S2); baselines are not added")
	_ = fs.Parse(os.Args[1:])
	if *only != "" {
		o.only = map[string]bool{}
		for id := range strings.SplitSeq(*only, ",") {
			o.only[strings.TrimSpace(id)] = true
		}
	}
	if o.duration == 0 {
		o.duration = 10 * time.Second
		if o.quick {
			o.duration = 2 * time.Second
		}
	}
	if o.rounds == 0 {
		o.rounds = 3
		if o.quick {
			o.rounds = 1
		}
	}
	if o.warmup == 0 {
		o.warmup = min(o.duration/5, 3*time.Second)
	}
	if o.out == "" {
		o.out = filepath.Join("docs", "bench")
		if o.quick {
			o.out = "bench-results"
		}
	}
	if o.database == "" {
		o.database = "reelview_bench"
		if o.quick {
			o.database = "reelview_bench_quick"
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if o.growth {
		err = runGrowth(ctx, o)
	} else {
		err = runMain(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// logf prints a progress line on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
