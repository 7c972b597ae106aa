// Package contents is the catalog: movies, TV shows and their genres.
package contents

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
)

// Module provides the catalog service and its HTTP operations.
var Module = fx.Module("contents",
	fx.Provide(
		NewService,
		server.AsRoutes(NewHandler),
	),
	fx.Invoke(listenForInvalidations, useWatches),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("contents") }),
)
