// Package jobs runs River, the job queue for background work (TMDB sync, push
// delivery). River stores jobs in the application database, so it works in
// both run modes and with any number of API replicas.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/config"
)

// Client is the River client of this process. Both run modes use database/sql
// transactions, so modules insert jobs the same way everywhere.
type Client = river.Client[*sql.Tx]

// Registration adds a module's workers (and periodic jobs) to River.
type Registration struct {
	Workers  func(*river.Workers)
	Periodic []*river.PeriodicJob
}

// AsRegistration feeds a registration constructor into the "jobs" group.
func AsRegistration(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(`group:"jobs"`))
}

type params struct {
	fx.In
	LC   fx.Lifecycle
	DB   *database.DB
	Cfg  config.Jobs
	Log  *zap.Logger
	Regs []Registration `group:"jobs"`
}

// Driver returns River's driver for db. On PostgreSQL River polls for work
// through database/sql instead of listening, which keeps one transaction type.
func Driver(db *database.DB) riverdriver.Driver[*sql.Tx] {
	if db.Postgres() {
		return riverdatabasesql.New(db.SQL)
	}
	return sqliteDriver(db.SQL)
}

// New builds the River client. Without registered workers it is insert-only
// and is never started.
func New(p params) (*Client, error) {
	workers := river.NewWorkers()
	var periodic []*river.PeriodicJob
	for _, r := range p.Regs {
		if r.Workers != nil {
			r.Workers(workers)
		}
		periodic = append(periodic, r.Periodic...)
	}
	// River logs a lot at info; keep its noise at warn and above.
	core, err := zapcore.NewIncreaseLevelCore(p.Log.Named("river").Core(), zapcore.WarnLevel)
	if err != nil {
		core = p.Log.Core()
	}
	cfg := &river.Config{Logger: slog.New(zapslog.NewHandler(core)), PeriodicJobs: periodic,
		FetchPollInterval: p.Cfg.PollInterval, FetchCooldown: min(p.Cfg.PollInterval, river.FetchCooldownDefault)}
	if len(p.Regs) > 0 {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: p.Cfg.Workers}}
	}
	client, err := river.NewClient(Driver(p.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if cfg.Workers == nil {
		return client, nil
	}
	p.LC.Append(fx.Hook{
		OnStart: func(context.Context) error {
			// Not the start context: River runs until Stop.
			return client.Start(context.Background())
		},
		OnStop: func(ctx context.Context) error {
			// Let running jobs finish until the stop deadline, then cancel them;
			// canceled jobs are retried by River later, nothing is lost.
			if err := client.Stop(ctx); err != nil {
				return client.StopAndCancel(context.Background())
			}
			return nil
		},
	})
	return client, nil
}

// Module provides the River client.
var Module = fx.Module("jobs",
	fx.Provide(New),
	// Build the client even when no module asks for it, so that registered
	// workers and periodic jobs always run.
	fx.Invoke(func(*Client) {}),
)
