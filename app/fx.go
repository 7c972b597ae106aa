package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/app/seed"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/diary"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/notifications"
	"github.com/reelview/reelview/modules/portability"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social"
	"github.com/reelview/reelview/modules/tmdb"
	"github.com/reelview/reelview/modules/users"
)

// featureModules are the self-contained feature modules of Reelview.
var featureModules = fx.Options(
	auth.Module,
	users.Module,
	contents.Module,
	reviews.Module,
	tmdb.Module,
	notifications.Module,
	social.Module,
	lists.Module,
	diary.Module,
	portability.Module,
)

// platform is everything but the listener: config, logger, database, Redis,
// job queue, HTTP server with the modules' routes.
func platform(c config.Config) fx.Option {
	return fx.Options(
		fx.Supply(c),
		config.Module,
		logging.Module,
		fx.WithLogger(func(l *zap.Logger) fxevent.Logger { return logging.FxLogger(l) }),
		database.Module,
		cache.Module,
		jobs.Module,
		server.Module,
		featureModules,
	)
}

// serveOptions is the whole running application.
func serveOptions(c config.Config) fx.Option {
	return fx.Options(
		platform(c),
		fx.Invoke(seedDemo),
		// Before Serve: stopped after it, so the metrics stay scrapable
		// while the API drains.
		fx.Invoke(server.ServeMetrics),
		fx.Invoke(server.Serve),
		// fx's own deadline must outlast draining requests and stopping jobs.
		fx.StartTimeout(30*time.Second),
		fx.StopTimeout(c.HTTP.DrainDelay+c.HTTP.ShutdownTimeout+10*time.Second),
	)
}

// demoOptions are the options of the demo seed. Configured demo passwords
// must follow the rules of every new password (auth.PasswordRules).
func demoOptions(c config.Config) (seed.Options, error) {
	for _, p := range []struct {
		name, value string
		words       []string
	}{
		{"DEMO_ADMIN_PASSWORD", c.DemoAdminPassword, []string{seed.DemoAdminEmail, "reelview-admin"}},
		{"DEMO_USER_PASSWORD", c.DemoUserPassword, append([]string{"ada", "grace"}, seed.DemoUserEmails...)},
	} {
		if p.value == "" {
			continue // generated
		}
		if err := auth.ValidatePassword(p.name, p.value, p.words...); err != nil {
			return seed.Options{}, fmt.Errorf("%s: %s", p.name, auth.Reason(err))
		}
	}
	return seed.Options{BcryptCost: c.Auth.BcryptCost, AdminPassword: c.DemoAdminPassword, UserPassword: c.DemoUserPassword}, nil
}

// seedDemo seeds the demo catalog on start when DEMO_SEED (or the embedded
// mode's default) asks for it; it is a no-op on a database with contents.
func seedDemo(lc fx.Lifecycle, c config.Config, db *database.DB, log *zap.Logger) {
	if !c.SeedDemo() {
		return
	}
	lc.Append(fx.StartHook(func(ctx context.Context) error {
		opts, err := demoOptions(c)
		if err != nil {
			return err
		}
		res, err := seed.Demo(ctx, db.Ent, opts)
		if err != nil {
			return err
		}
		if res.Contents > 0 {
			log.Info("demo data seeded", zap.Int("genres", res.Genres), zap.Int("contents", res.Contents),
				zap.Int("accounts", res.Accounts), zap.Int("reviews", res.Reviews))
			// Generated passwords are shown this once; only hashes are kept.
			for email, p := range res.Passwords {
				log.Warn("demo account password (shown once)", zap.String("accounts", email), zap.String("password", p))
			}
		}
		return nil
	}))
}
