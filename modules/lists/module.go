// Package lists lets people make custom lists of contents ("Best heist
// movies"), ordered and annotated, public, unlisted or private, and like
// other people's lists.
package lists

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/portability"
)

// Module provides the lists service and its HTTP operations. It uses the
// Social graph another module provides (social), or none.
var Module = fx.Module("lists",
	fx.Provide(
		NewService,
		server.AsRoutes(NewHandler),
		// The lists in account exports and imports.
		portability.AsSection(NewSection),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("lists") }),
)
