package server

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/buildinfo"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/logging"
)

// HealthBody answers GET /health.
type HealthBody struct {
	Status string `json:"status" example:"ok" doc:"Always ok: the process is alive."`
	buildinfo.Info
}

// ReadyBody answers GET /ready.
type ReadyBody struct {
	Status   string `json:"status" example:"ok"`
	Database string `json:"database" example:"ok" doc:"ok, or the reason the database is unreachable."`
	Redis    string `json:"redis" example:"ok" doc:"ok, or the reason Redis is unreachable."`
}

type healthOutput struct{ Body HealthBody }
type readyOutput struct{ Body ReadyBody }

// registerHealth adds /health (liveness) and /ready (readiness).
func registerHealth(api huma.API, db *database.DB, rdb *cache.Redis, draining *atomic.Bool) {
	huma.Register(api, huma.Operation{
		OperationID: "get-health",
		Method:      http.MethodGet,
		Path:        "/health",
		Summary:     "Liveness",
		Description: "Answers 200 while the process runs, with its version, commit and build time. It checks no dependency: use /ready for that.",
		Tags:        []string{"System"},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		return &healthOutput{Body: HealthBody{Status: "ok", Info: buildinfo.Get()}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-ready",
		Method:      http.MethodGet,
		Path:        "/ready",
		Summary:     "Readiness",
		Description: "Answers 200 when the database and Redis both answer within 2 seconds, otherwise 503 SERVICE_UNAVAILABLE. A stopping instance answers 503 during its `SHUTDOWN_DRAIN_DELAY` while it still serves requests. Load balancers should route traffic only to ready instances.",
		Tags:        []string{"System"},
		Errors:      []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		const timeout = 2 * time.Second
		if draining.Load() {
			return nil, apperr.ErrUnavailable.WithMessage("%s", "Not ready: the server is shutting down.")
		}
		out := ReadyBody{Status: "ok", Database: "ok", Redis: "ok"}
		dbErr := db.Ping(ctx, timeout)
		redisErr := rdb.Ping(ctx, timeout)
		if dbErr == nil && redisErr == nil {
			return &readyOutput{Body: out}, nil
		}
		log := logging.From(ctx, zap.NewNop())
		msg := "Not ready:"
		if dbErr != nil {
			log.Warn("readiness: database unreachable", zap.Error(dbErr))
			msg += " the database is unreachable."
		}
		if redisErr != nil {
			log.Warn("readiness: redis unreachable", zap.Error(redisErr))
			msg += " Redis is unreachable."
		}
		return nil, apperr.ErrUnavailable.WithMessage("%s", msg)
	})
}
