// Package logging builds the zap logger and carries request-scoped loggers in
// contexts.
package logging

import (
	"context"
	"fmt"
	"os"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/reelview/reelview/config"
)

// New builds a logger: JSON for machines, colored console for people.
func New(c config.Log) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	var enc zapcore.Encoder
	if c.Format == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeLevel = zapcore.CapitalColorLevelEncoder
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		ec.TimeKey = "time"
		enc = zapcore.NewJSONEncoder(ec)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(os.Stderr), level)
	return zap.New(core, zap.AddStacktrace(zapcore.DPanicLevel)), nil
}

// Module provides the process logger and routes fx's own events through it.
var Module = fx.Module("logging",
	fx.Provide(New),
	fx.Invoke(func(lc fx.Lifecycle, l *zap.Logger) {
		lc.Append(fx.StopHook(func() { _ = l.Sync() }))
	}),
)

// FxLogger makes fx log through zap at debug level, so start-up stays quiet.
func FxLogger(l *zap.Logger) fxevent.Logger {
	zl := &fxevent.ZapLogger{Logger: l.Named("fx")}
	zl.UseLogLevel(zapcore.DebugLevel)
	return zl
}

type ctxKey struct{}

// WithLogger returns a context carrying l.
func WithLogger(ctx context.Context, l *zap.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the request-scoped logger of ctx, or fallback.
func From(ctx context.Context, fallback *zap.Logger) *zap.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*zap.Logger); ok {
		return l
	}
	return fallback
}
