// Package notifications keeps users' push devices (FCM registration tokens).
package notifications

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
)

// Module provides the devices service and its HTTP operations.
var Module = fx.Module("notifications",
	fx.Provide(
		NewDevices,
		server.AsRoutes(NewHandler),
	),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("notifications") }),
)
