// Package auth signs people up and in: passwords, access tokens (JWT),
// refresh-token sessions in Redis, logout and revocation, and the Guard that
// every module uses to require a signed-in caller or an admin.
package auth

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
)

// Module provides the auth service, the Guard and the auth operations, and
// ensures the ADMIN_EMAIL account at start-up.
var Module = fx.Module("auth",
	fx.Provide(
		NewHasher,
		NewTokens,
		NewSessions,
		NewGuard,
		NewService,
		NewProviders,
		server.AsRoutes(NewHandler),
	),
	fx.Invoke(listenForRevocations),
	fx.Invoke(func(lc fx.Lifecycle, s *Service, c config.Auth, p *Providers) {
		lc.Append(fx.Hook{
			OnStart: func(ctx context.Context) error { return s.EnsureAdmin(ctx, c) },
			OnStop:  func(context.Context) error { p.close(); return nil },
		})
	}),
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("auth") }),
)
