// Package portability exports a user's data (JSON, or a ZIP of CSV files)
// and imports it back, or from Letterboxd and Trakt exports, through a
// River job that matches titles to the catalog and writes everything in one
// transaction.
package portability

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
)

// Module provides the export and import service, its job and its HTTP
// operations. Other modules add sections (diary, lists) with AsSection.
var Module = fx.Module("portability",
	fx.Provide(
		NewRunner,
		NewService,
		jobs.AsRegistration(registration),
		server.AsRoutes(NewHandler),
		func() *runnerRef { return &runnerRef{} },
	),
	// Before River starts (on start), the worker gets its runner.
	fx.Invoke(func(ref *runnerRef, r *Runner) { ref.r = r }),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("portability") }),
)
