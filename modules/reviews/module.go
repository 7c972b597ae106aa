// Package reviews lets people rate and review contents, like and discuss
// reviews, and report them to moderators.
package reviews

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
)

// Module provides the reviews service and its HTTP operations. It uses the
// Events another module provides (notifications), or none.
var Module = fx.Module("reviews",
	fx.Provide(
		NewService,
		server.AsRoutes(NewHandler),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("reviews") }),
)
