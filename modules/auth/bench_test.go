package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/valyala/fasthttp"
	"go.uber.org/fx"
	"golang.org/x/crypto/bcrypt"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// benchRoutes are two identical trivial operations, one public and one
// behind the Guard, so their difference is the cost of authentication.
type benchRoutes struct{ guard *auth.Guard }

func (r benchRoutes) Register(api huma.API) {
	g := server.Group(api, "Bench")
	noop := func(context.Context, *struct{}) (*struct{}, error) { return nil, nil }
	huma.Register(g, huma.Operation{OperationID: "bench-public", Method: http.MethodGet, Path: "/bench/public"}, noop)
	huma.Register(g, r.guard.User(api, huma.Operation{OperationID: "bench-private", Method: http.MethodGet, Path: "/bench/private"}), noop)
}

// BenchmarkAuthenticatedRequest measures a request in process (no network)
// to a trivial public operation (the baseline) and to the same operation
// behind the Guard: token verification plus the revocation check in Redis.
// Report the difference as the added time per request. With TEST_REDIS_URL
// the revocation check is a real Redis round trip; without it, miniredis.
//
// A third benchmark times the revocation check's Redis round trip alone, so
// that authenticated − public − round trip is the in-process cost of
// verifying a token (target ≤ 50 µs).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.RateLimit.Enabled = false // keep the limiter's Redis call out of both sides
	var sessions *auth.Sessions
	a := apptest.NewWithConfig(b, cfg, auth.Module, fx.Populate(&sessions),
		fx.Provide(server.AsRoutes(func(g *auth.Guard) benchRoutes { return benchRoutes{guard: g} })))
	acc := apptest.SignUp(b, a.App)
	h := a.App.Handler()
	run := func(b *testing.B, path, token string) {
		var ctx fasthttp.RequestCtx
		// CPU time of this process per request: the wall time minus the
		// waits on Redis, i.e. the in-process cost.
		cpu := processCPU()
		defer func() { b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op") }()
		for b.Loop() {
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.Request.SetRequestURI(path)
			if token != "" {
				ctx.Request.Header.Set("Authorization", "Bearer "+token)
			}
			h(&ctx)
			if ctx.Response.StatusCode() != http.StatusNoContent {
				b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
	}
	b.Run("baseline=public", func(b *testing.B) { run(b, "/api/v1/bench/public", "") })
	b.Run("authenticated", func(b *testing.B) { run(b, "/api/v1/bench/private", acc.Access) })
	b.Run("revocation_check_round_trip", func(b *testing.B) {
		ctx := context.Background()
		cpu := processCPU()
		defer func() { b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op") }()
		for b.Loop() {
			if _, _, err := sessions.Active(ctx, acc.ID, "no-such-session", "no-such-jti"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLogin compares a whole login (HTTP in process, database lookup,
// bcrypt, session in Redis, JWT) with raw bcrypt at the same cost, the
// baseline: bcrypt dominates, so the ratio of their throughputs should be
// close to 1. Run with -benchtime=10x: each op costs a production bcrypt.
func BenchmarkLogin(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.Auth.BcryptCost = 12 // the production default
	cfg.RateLimit.LoginAccount.Requests = 1_000_000
	a := apptest.NewWithConfig(b, cfg, auth.Module)
	acc := apptest.SignUp(b, a.App)
	hash, err := bcrypt.GenerateFromPassword([]byte(acc.Password), cfg.Auth.BcryptCost)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline=bcrypt", func(b *testing.B) {
		for b.Loop() {
			if err := bcrypt.CompareHashAndPassword(hash, []byte(acc.Password)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("login", func(b *testing.B) {
		body := fmt.Sprintf(`{"email":%q,"password":%q}`, acc.Email, acc.Password)
		for b.Loop() {
			res := apptest.Do(b, a.App, "POST", "/api/v1/auth/login", "", body)
			if res.Status != http.StatusOK {
				b.Fatalf("status %d", res.Status)
			}
		}
	})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
