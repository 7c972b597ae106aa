// Package diary is the watch diary: the days a user watched a content,
// rewatches included, with an optional rating and a link to their review.
package diary

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/portability"
)

// Module provides the diary service and its HTTP operations. Its Watches
// tells the contents module whether and when the caller watched a content
// (contents.Watches).
var Module = fx.Module("diary",
	fx.Provide(
		NewService,
		NewWatches,
		func(w *Watches) contents.Watches { return w },
		server.AsRoutes(NewHandler),
		// The diary in account exports and imports.
		portability.AsSection(NewSection),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("diary") }),
)
