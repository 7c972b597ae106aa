// Package users serves profiles: the caller's own account, public profiles,
// and the admins' user management.
package users

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
)

// Module provides the users service and its HTTP operations.
var Module = fx.Module("users",
	fx.Provide(
		NewService,
		newAccountCache,
		server.AsRoutes(NewHandler),
	),
	fx.Invoke(watchAccounts),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("users") }),
)
