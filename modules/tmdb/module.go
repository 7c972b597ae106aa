package tmdb

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
)

// Module provides the TMDB client, the import service and the TMDB
// operations.
var Module = fx.Module("tmdb",
	fx.Provide(
		NewClient,
		NewService,
		NewSyncs,
		jobs.AsRegistration(registration),
		server.AsRoutes(NewHandler),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("tmdb") }),
)
