package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
)

// newServer builds the whole application graph (every feature module) on a
// private test database, without listening.
func newServer(t *testing.T) *server.Server {
	t.Helper()
	var srv *server.Server
	app := fxtest.New(t, platform(apptest.Config(t)), fx.Populate(&srv), fx.NopLogger)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return srv
}

// TestRoutesMatchOpenAPI: every Fiber route under /api/v1 is an operation of
// the OpenAPI document and the other way round: nothing undocumented.
func TestRoutesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var routes, documented []string
	for _, r := range srv.App.GetRoutes(true) {
		if r.Method == http.MethodHead || !strings.HasPrefix(r.Path, server.APIPrefix+"/") {
			continue
		}
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, ":") {
				segs[i] = "{" + s[1:] + "}"
			}
		}
		routes = append(routes, r.Method+" "+strings.Join(segs, "/"))
	}
	for path, item := range srv.API.OpenAPI().Paths {
		if !strings.HasPrefix(path, server.APIPrefix+"/") {
			continue
		}
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post,
			"PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				documented = append(documented, method+" "+path)
			}
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	if len(routes) == 0 || !slices.Equal(routes, documented) {
		t.Fatalf("routes and OpenAPI operations differ:\nroutes:     %v\ndocumented: %v", routes, documented)
	}
}

// TestEveryOperationDocumentsErrors: each operation has a summary, a
// description, a tag and its error responses, all with the ErrorBody schema.
func TestEveryOperationDocumentsErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for path, item := range srv.API.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			if op.Summary == "" || op.Description == "" || len(op.Tags) == 0 {
				t.Errorf("%s %s: summary, description and tags are required", op.Method, path)
			}
			want := []string{"500", "503"}
			if len(op.Parameters) > 0 || op.RequestBody != nil {
				want = append(want, "400")
			}
			if strings.HasPrefix(path, server.APIPrefix) {
				want = append(want, "429")
			}
			if len(op.Security) > 0 {
				want = append(want, "401", "403")
			}
			for _, code := range want {
				r, ok := op.Responses[code]
				if !ok {
					t.Errorf("%s %s: no %s response", op.Method, path, code)
					continue
				}
				if r.Content["application/json"] == nil || r.Content["application/json"].Schema.Ref != "#/components/schemas/ErrorBody" {
					t.Errorf("%s %s: %s response is not an ErrorBody", op.Method, path, code)
				}
			}
			if _, ok := op.Responses["422"]; ok {
				t.Errorf("%s %s: documents 422; validation failures are 400", op.Method, path)
			}
		}
	}
	if srv.API.OpenAPI().Components.SecuritySchemes[server.BearerAuth] == nil {
		t.Error("no bearer security scheme: Swagger UI's Authorize would not work")
	}
}

// TestParametersAreNeverNullable: a parameter is absent or has a value, so
// no parameter of any operation is typed "or null" (huma types Go slices
// ["array","null"]), and generated clients accept ?genre=1 and
// ?genre=1&genre=2 alike.
func TestParametersAreNeverNullable(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b, err := json.Marshal(srv.API.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Type any `json:"type"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	arrays := 0
	for path, item := range doc.Paths {
		for method, op := range item {
			for _, p := range op.Parameters {
				switch typ := p.Schema.Type.(type) {
				case string:
					if typ == "array" {
						arrays++
					}
				default:
					t.Errorf("%s %s: parameter %s has type %v, want one type", method, path, p.Name, typ)
				}
			}
		}
	}
	if arrays == 0 {
		t.Error("no array parameter in the document (GET /api/v1/contents has genre)")
	}
}

// TestOpenAPIArtefactIsCurrent: docs/openapi.{json,yaml} are what the code
// generates. Run `task generate` after changing an operation.
func TestOpenAPIArtefactIsCurrent(t *testing.T) {
	t.Parallel()
	doc, err := openAPIDocument(config.ForTest())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"openapi.json": doc.JSON, "openapi.yaml": doc.YAML} {
		got, err := os.ReadFile(filepath.Join("..", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/%s is out of date: run `task generate` (go run ./app openapi --out docs)", name)
		}
	}
	var parsed struct{ OpenAPI string }
	if err := json.Unmarshal(doc.JSON, &parsed); err != nil || !strings.HasPrefix(parsed.OpenAPI, "3.1") {
		t.Errorf("openapi version = %q (%v), want 3.1.x", parsed.OpenAPI, err)
	}
}

func TestServedDocumentIsTheArtefact(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	res := apptest.Do(t, srv.App, "GET", "/openapi.json", "", "")
	apptest.AssertStatus(t, res, 200)
	var served, generated map[string]any
	res.JSON(t, &served)
	doc, err := server.Export(srv.API)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.JSON, &generated); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(served)
	b, _ := json.Marshal(generated)
	if !bytes.Equal(a, b) {
		t.Error("/openapi.json differs from the exported document")
	}
	apptest.AssertStatus(t, apptest.Do(t, srv.App, "GET", "/openapi.yaml", "", ""), 200)
	res = apptest.Do(t, srv.App, "GET", "/docs", "", "")
	apptest.AssertStatus(t, res, 200)
	if !strings.Contains(string(res.Body), "swagger-ui") {
		t.Error("/docs is not Swagger UI")
	}
}

// TestBadConfigExitsWithOneLinePerValue runs the CLI as `go run ./app` would.
func TestBadConfigExitsWithOneLinePerValue(t *testing.T) {
	t.Chdir(t.TempDir()) // no .env here
	t.Setenv("APP_ENV", "production")
	t.Setenv("DATABASE_URL", "mysql://db")
	t.Setenv("JWT_SECRET", "short")
	t.Setenv("LOG_LEVEL", "loud")
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "DATABASE_URL") || !strings.Contains(lines[2], "JWT_SECRET") ||
		!strings.Contains(lines[3], "LOG_LEVEL") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "goroutine") || strings.Contains(stderr.String(), ".go:") {
		t.Errorf("stack trace printed:\n%s", stderr.String())
	}
}

func TestCLI(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "reelview ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "migrate up") {
		t.Errorf("help: %d %q", code, out.String())
	}
	t.Chdir(t.TempDir())
	// Commands that only build the application write no signing secret
	// (without JWT_SECRET, serve generates one in DATA_DIR at start).
	for _, args := range [][]string{{"version"}, {"openapi"}} {
		if code := run(args, &out, &errOut); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut.String())
		}
	}
	if _, err := os.Stat(filepath.Join("data", "jwt_secret")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a command that serves nothing wrote a signing secret (%v)", err)
	}
	errOut.Reset()
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"migrate", "up"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "DATABASE_URL is not set") {
		t.Errorf("migrate up in embedded mode: %d %q", code, errOut.String())
	}
}

// slowRoutes serves one operation that takes a while, to prove draining.
type slowRoutes struct{}

func (slowRoutes) Register(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "test-slow", Method: http.MethodGet, Path: "/test/slow"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body string }, error) {
			time.Sleep(500 * time.Millisecond)
			return &struct{ Body string }{Body: "done"}, nil
		})
}

// TestGracefulShutdown stops the server while a request is in flight: the
// request completes, and the port is closed afterwards.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Log.Level = "error"
	var srv *server.Server
	app := fx.New(serveOptions(cfg), fx.NopLogger, fx.Populate(&srv),
		fx.Provide(server.AsRoutes(func() slowRoutes { return slowRoutes{} })))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/test/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		res.Body.Close()
		done <- result{status: res.StatusCode}
	}()
	time.Sleep(150 * time.Millisecond) // the request is now in the handler
	if err := app.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	r := <-done
	if r.err != nil || r.status != 200 {
		t.Fatalf("in-flight request: status %d, err %v; want 200", r.status, r.err)
	}
	if res, err := http.Get(base + "/health"); err == nil {
		res.Body.Close()
		t.Error("server still accepts connections after stop")
	}
}

// BenchmarkEmbeddedStartup measures `go run ./app`'s start-to-ready time in
// the embedded mode: a new SQLite file with the schema, the in-process Redis,
// River and the listener, until the port accepts connections.
func BenchmarkEmbeddedStartup(b *testing.B) {
	for b.Loop() {
		c := config.Default()
		c.DataDir = b.TempDir()
		c.HTTP.Addr = "127.0.0.1:0"
		c.Log.Level = "error"
		app := fx.New(serveOptions(c), fx.NopLogger)
		if err := app.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := app.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMetricsListener: `serve` answers /metrics on METRICS_ADDR, its own
// port, and not on the API port; the listener opens and closes with the
// application, a busy METRICS_ADDR fails start-up naming it, and off opens
// nothing.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	start := func(t *testing.T, metricsAddr string) (*fx.App, *server.Server, error) {
		t.Helper()
		cfg := apptest.Config(t)
		cfg.HTTP.Addr = "127.0.0.1:0"
		cfg.HTTP.MetricsAddr = metricsAddr
		var srv *server.Server
		app := fx.New(serveOptions(cfg), fx.NopLogger, fx.Populate(&srv))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := app.Start(ctx)
		if err == nil {
			t.Cleanup(func() { _ = app.Stop(context.Background()) })
		}
		return app, srv, err
	}
	get := func(t *testing.T, url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	t.Run("served apart from the API", func(t *testing.T) {
		t.Parallel()
		app, srv, err := start(t, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		api, metrics := "http://"+srv.Addr(), "http://"+srv.Metrics.Addr()
		if srv.Metrics.Addr() == "" || srv.Metrics.Addr() == srv.Addr() {
			t.Fatalf("metrics listener at %q, API at %q", srv.Metrics.Addr(), srv.Addr())
		}
		if status, _ := get(t, api+"/api/v1/genres"); status != 200 {
			t.Fatalf("GET /api/v1/genres: %d", status)
		}
		status, body := get(t, api+"/metrics")
		var eb server.ErrorBody
		if err := json.Unmarshal([]byte(body), &eb); err != nil || status != 404 || eb.Code != "RESOURCE_NOT_FOUND" || eb.Path != "/metrics" {
			t.Errorf("GET /metrics on the API port: %d %s", status, body)
		}
		status, body = get(t, metrics+"/metrics")
		if status != 200 || !strings.Contains(body, `reelview_http_requests_total{method="GET",route="/api/v1/genres",status="200"} 1`) ||
			!strings.Contains(body, "# TYPE reelview_http_requests_total counter") {
			t.Errorf("GET /metrics on the metrics listener: %d\n%.2000s", status, body)
		}
		if err := app.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if res, err := http.Get(metrics + "/metrics"); err == nil {
			res.Body.Close()
			t.Error("the metrics listener still accepts connections after stop")
		}
	})

	t.Run("busy port fails start-up", func(t *testing.T) {
		t.Parallel()
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		_, _, err = start(t, taken.Addr().String())
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR "+taken.Addr().String()) ||
			!strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("start with METRICS_ADDR busy: err = %v", err)
		}
	})

	t.Run("off", func(t *testing.T) {
		t.Parallel()
		_, srv, err := start(t, "")
		if err != nil {
			t.Fatal(err)
		}
		if srv.Metrics.Addr() != "" {
			t.Errorf("METRICS_ADDR=off listens on %s", srv.Metrics.Addr())
		}
		if status, _ := get(t, "http://"+srv.Addr()+"/metrics"); status != 404 {
			t.Errorf("GET /metrics on the API port: %d, want 404", status)
		}
	})
}
