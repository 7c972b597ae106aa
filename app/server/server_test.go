package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

// testRoutes are operations that exist only in tests, to drive each error class.
type testRoutes struct{ limiter *server.RateLimiter }

type echoInput struct {
	Body struct {
		Name   string `json:"name" minLength:"2" maxLength:"30"`
		Rating int    `json:"rating" minimum:"1" maximum:"10"`
	}
}

// idsInput has integers with no maximum of their own.
type idsInput struct {
	ID   int `path:"id" minimum:"1"`
	Body struct {
		Ref int `json:"ref"`
	}
}

type echoOutput struct {
	Body struct {
		Name   string `json:"name"`
		Rating int    `json:"rating"`
	}
}

// nestedInput has objects at several depths, in an array too.
type nestedInput struct {
	Body struct {
		Owner struct {
			NickName string `json:"nick_name,omitempty"`
		} `json:"owner,omitempty"`
		Items []struct {
			Note string `json:"note,omitempty"`
		} `json:"items,omitempty"`
	}
}

func (r testRoutes) Register(api huma.API) {
	g := server.Group(api, "Test")
	huma.Register(g, huma.Operation{OperationID: "test-nested", Method: http.MethodPost, Path: "/test/nested"},
		func(context.Context, *nestedInput) (*struct{}, error) { return nil, nil })
	huma.Register(g, huma.Operation{OperationID: "test-echo", Method: http.MethodPost, Path: "/test/echo"},
		func(_ context.Context, in *echoInput) (*echoOutput, error) {
			out := &echoOutput{}
			out.Body.Name, out.Body.Rating = in.Body.Name, in.Body.Rating
			return out, nil
		})
	huma.Register(g, huma.Operation{OperationID: "test-panic", Method: http.MethodGet, Path: "/test/panic"},
		func(context.Context, *struct{}) (*struct{}, error) {
			panic("secret internal detail: password=hunter2")
		})
	huma.Register(g, huma.Operation{OperationID: "test-fail", Method: http.MethodGet, Path: "/test/fail"},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, errors.New("pq: relation \"users\" password=hunter2")
		})
	huma.Register(g, huma.Operation{OperationID: "test-conflict", Method: http.MethodGet, Path: "/test/conflict"},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, apperr.ErrDuplicate.WithMessage("That nickname is taken.").Wrap(errors.New("unique violation"))
		})
	huma.Register(g, huma.Operation{
		OperationID: "test-strict", Method: http.MethodGet, Path: "/test/strict",
		Middlewares: huma.Middlewares{r.limiter.Middleware(api, server.PolicyAuth)},
	}, func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	huma.Register(g, huma.Operation{OperationID: "test-ids", Method: http.MethodPut, Path: "/test/ids/{id}"},
		func(_ context.Context, in *idsInput) (*echoOutput, error) {
			out := &echoOutput{}
			out.Body.Rating = in.Body.Ref
			return out, nil
		})
	huma.Register(g, huma.Operation{
		OperationID: "test-ip", Method: http.MethodGet, Path: "/test/ip",
		Middlewares: huma.Middlewares{func(hc huma.Context, next func(huma.Context)) {
			hc.SetHeader("X-Test-Client-IP", server.ClientIP(humafiber.Unwrap(hc)))
			next(hc)
		}},
	}, func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
}

var testModule = fx.Options(
	fx.Provide(server.AsRoutes(func(l *server.RateLimiter) testRoutes { return testRoutes{limiter: l} })),
)

func TestErrorContract(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.BodyLimit = 4096
	cfg.RateLimit.Auth.Requests = 2
	a := apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, testModule)

	tests := []struct {
		name        string
		req         apptest.Request
		status      int
		code        string
		wantFields  []string // VALIDATION_FAILED details
		mustNotLeak string
	}{
		{name: "unknown API route", req: apptest.Request{Method: "GET", Path: "/api/v1/nope"}, status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "unknown system route", req: apptest.Request{Method: "GET", Path: "/nope"}, status: 404, code: "RESOURCE_NOT_FOUND"},
		{name: "wrong method", req: apptest.Request{Method: "DELETE", Path: "/api/v1/genres"}, status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "malformed JSON", req: apptest.Request{Method: "POST", Path: "/api/v1/test/echo", Body: `{"name": "ab",`}, status: 400, code: "BAD_REQUEST"},
		{name: "validation", req: apptest.Request{Method: "POST", Path: "/api/v1/test/echo", Body: `{"name":"x","rating":11}`}, status: 400, code: "VALIDATION_FAILED", wantFields: []string{"name", "rating"}},
		{name: "wrong type", req: apptest.Request{Method: "POST", Path: "/api/v1/test/echo", Body: `{"name":"ok","rating":"ten"}`}, status: 400, code: "VALIDATION_FAILED", wantFields: []string{"rating"}},
		{name: "unknown field (mass assignment)", req: apptest.Request{Method: "POST", Path: "/api/v1/test/echo", Body: `{"name":"ok","rating":5,"role":"ADMIN"}`}, status: 400, code: "VALIDATION_FAILED", wantFields: []string{"role"}},
		{name: "bad query parameter", req: apptest.Request{Method: "GET", Path: "/api/v1/genres?type=anime"}, status: 400, code: "VALIDATION_FAILED", wantFields: []string{"type"}},
		{name: "wrong content type", req: apptest.Request{Method: "POST", Path: "/api/v1/test/echo", Body: `name=ab`, Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "panic", req: apptest.Request{Method: "GET", Path: "/api/v1/test/panic"}, status: 500, code: "INTERNAL_SERVER_ERROR", mustNotLeak: "hunter2"},
		{name: "unexpected error", req: apptest.Request{Method: "GET", Path: "/api/v1/test/fail"}, status: 500, code: "INTERNAL_SERVER_ERROR", mustNotLeak: "hunter2"},
		{name: "domain error", req: apptest.Request{Method: "GET", Path: "/api/v1/test/conflict"}, status: 409, code: "DUPLICATE_RESOURCE", mustNotLeak: "unique violation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := apptest.Send(t, a.App, tt.req)
			body := apptest.AssertError(t, res, tt.status, tt.code)
			if body.Path != strings.Split(tt.req.Path, "?")[0] {
				t.Errorf("path = %q, want %q", body.Path, tt.req.Path)
			}
			var fields []string
			for _, d := range body.Details {
				fields = append(fields, d.Field)
			}
			for _, f := range tt.wantFields {
				if !strings.Contains(strings.Join(fields, ","), f) {
					t.Errorf("details %v lack field %q: %s", fields, f, res.Body)
				}
			}
			if len(tt.wantFields) == 0 && body.Details != nil {
				t.Errorf("details = %v, want null", body.Details)
			}
			if tt.mustNotLeak != "" && strings.Contains(string(res.Body), tt.mustNotLeak) {
				t.Errorf("body leaks internals: %s", res.Body)
			}
		})
	}

	t.Run("405 lists allowed methods", func(t *testing.T) {
		t.Parallel()
		res := apptest.Do(t, a.App, "PUT", "/api/v1/genres", "", "")
		if got := res.Header.Get("Allow"); !strings.Contains(got, "GET") {
			t.Errorf("Allow = %q, want GET in it", got)
		}
	})
}

// TestJSONNamesExactAtEveryDepth: a key that matches a field only when case
// is ignored is an unexpected property, in nested objects and in objects
// inside arrays too.
func TestJSONNamesExactAtEveryDepth(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, testModule)
	for body, field := range map[string]string{
		`{"Owner":{"nick_name":"a"},"items":[]}`:                          "Owner",
		`{"owner":{"Nick_name":"a"},"items":[]}`:                          "owner.Nick_name",
		`{"owner":{"nick_name":"a","nick_Name":"b"},"items":[]}`:          "owner.nick_Name",
		`{"owner":{"nick_name":"a"},"items":[{"note":"x"},{"NOTE":"y"}]}`: "items[1].NOTE",
		`{"owner":{"nick_name":"a"},"items":[{"note":"x","other":1}]}`:    "items[0].other",
	} {
		res := apptest.Do(t, a.App, "POST", "/api/v1/test/nested", "", body)
		b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
		if len(b.Details) != 1 || b.Details[0].Field != field || b.Details[0].Reason != "unexpected property" {
			t.Errorf("%s: details = %+v, want %s as an unexpected property", body, b.Details, field)
		}
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/test/nested", "", `{"owner":{"nick_name":"a"},"items":[{"note":"x"}]}`), 204)
}

// TestBodyLimit needs a real connection: Fiber rejects an oversized body
// while reading it, before any handler runs.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.BodyLimit = 4096
	a := apptest.NewWithConfig(t, cfg, testModule)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.App.Listener(ln) }()
	t.Cleanup(func() { _ = ln.Close() })

	body := `{"name":"` + strings.Repeat("a", 5000) + `","rating":5}`
	res, err := http.Post("http://"+ln.Addr().String()+"/api/v1/test/echo", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	apptest.AssertError(t, &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}, 413, "PAYLOAD_TOO_LARGE")

	// Under the limit the same operation works over the same listener.
	res, err = http.Post("http://"+ln.Addr().String()+"/api/v1/test/echo", "application/json", strings.NewReader(`{"name":"ok","rating":5}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d under the limit", res.StatusCode)
	}
}

func TestRateLimitedPolicy(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.RateLimit.Auth.Requests = 2
	a := apptest.NewWithConfig(t, cfg, testModule)
	for i := range 2 {
		res := apptest.Do(t, a.App, "GET", "/api/v1/test/strict", "", "")
		if res.Status != 204 && res.Status != 200 {
			t.Fatalf("request %d: status %d: %s", i+1, res.Status, res.Body)
		}
		if res.Header.Get("RateLimit-Limit") != "2" {
			t.Fatalf("RateLimit-Limit = %q, want 2", res.Header.Get("RateLimit-Limit"))
		}
	}
	res := apptest.Do(t, a.App, "GET", "/api/v1/test/strict", "", "")
	apptest.AssertError(t, res, 429, "TOO_MANY_REQUESTS")
	if res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("429 headers: Retry-After=%q RateLimit-Remaining=%q",
			res.Header.Get("Retry-After"), res.Header.Get("RateLimit-Remaining"))
	}
}

// TestRateLimitIsGlobal runs two app instances (as two API replicas would)
// on one Redis: the default policy's budget is shared, not per process.
func TestRateLimitIsGlobal(t *testing.T) {
	t.Parallel()
	cfgA := apptest.Config(t)
	cfgA.RateLimit.Default.Requests = 5
	cfgB := apptest.Config(t)
	cfgB.RateLimit.Default = cfgA.RateLimit.Default
	cfgB.Redis = cfgA.Redis // same Redis, same keyspace: one deployment
	a := apptest.NewWithConfig(t, cfgA, auth.Module, contents.Module)
	b := apptest.NewWithConfig(t, cfgB, auth.Module, contents.Module)
	for i := range 5 {
		app := a.App
		if i%2 == 1 {
			app = b.App
		}
		apptest.AssertStatus(t, apptest.Do(t, app, "GET", "/api/v1/genres", "", ""), 200)
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/genres", "", ""), 429, "TOO_MANY_REQUESTS")
	apptest.AssertError(t, apptest.Do(t, b.App, "GET", "/api/v1/genres", "", ""), 429, "TOO_MANY_REQUESTS")
	// System routes are not rate limited.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/health", "", ""), 200)
}

func TestDependencyFailuresAre503(t *testing.T) {
	t.Parallel()
	t.Run("database", func(t *testing.T) {
		t.Parallel()
		a := apptest.New(t, auth.Module, contents.Module)
		apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/genres", "", ""), 200)
		_ = a.DB.SQL.Close() // as if the database went away
		res := apptest.Do(t, a.App, "GET", "/api/v1/genres", "", "")
		b := apptest.AssertError(t, res, 503, "SERVICE_UNAVAILABLE")
		if strings.Contains(b.Message, "sql") {
			t.Errorf("message leaks internals: %q", b.Message)
		}
		apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/ready", "", ""), 503, "SERVICE_UNAVAILABLE")
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		cfg := apptest.Config(t)
		cfg.RateLimit.Auth.Requests = 100
		a := apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, testModule)
		_ = a.Redis.Close()
		apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/ready", "", ""), 503, "SERVICE_UNAVAILABLE")
		// Strict policies fail closed; the default policy fails open.
		apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/test/strict", "", ""), 503, "SERVICE_UNAVAILABLE")
		apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/genres", "", ""), 200)
	})
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	var h struct{ Status, Version, Commit, BuildTime string }
	res := apptest.Do(t, a.App, "GET", "/health", "", "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &h)
	if h.Status != "ok" || h.Version == "" || h.Commit == "" {
		t.Errorf("health = %+v", h)
	}
	var r struct{ Status, Database, Redis string }
	res = apptest.Do(t, a.App, "GET", "/ready", "", "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &r)
	if r != (struct{ Status, Database, Redis string }{"ok", "ok", "ok"}) {
		t.Errorf("ready = %+v", r)
	}
}

// TestInputIntegersAreBounded: an integer a client sends that its operation
// does not bound is documented and enforced as at most 2^53 − 1 in size
// (path parameters and body fields alike), so clients in any language read
// ids exactly.
func TestInputIntegersAreBounded(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, auth.Module, contents.Module, testModule)
	op := a.API.OpenAPI().Paths["/api/v1/test/ids/{id}"].Put
	if s := op.Parameters[0].Schema; s.Maximum == nil || *s.Maximum != server.MaxInputInteger || *s.Minimum != 1 {
		t.Errorf("path id: minimum %v maximum %v, want 1 and 2^53-1", s.Minimum, s.Maximum)
	}
	body := a.API.OpenAPI().Components.Schemas.SchemaFromRef(op.RequestBody.Content["application/json"].Schema.Ref)
	if s := body.Properties["ref"]; s.Maximum == nil || *s.Maximum != server.MaxInputInteger || *s.Minimum != -server.MaxInputInteger {
		t.Errorf("body ref: minimum %v maximum %v, want ±(2^53-1)", s.Minimum, s.Maximum)
	}

	const limit, over = "9007199254740991", "9007199254740992"
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PUT", "/api/v1/test/ids/"+limit, "", `{"ref":-`+limit+`}`), 200)
	for _, r := range []struct{ path, body, field string }{
		{"/api/v1/test/ids/" + over, `{"ref":1}`, "id"},
		{"/api/v1/test/ids/1", `{"ref":` + over + `}`, "ref"},
		{"/api/v1/test/ids/1", `{"ref":-` + over + `}`, "ref"},
	} {
		body := apptest.AssertError(t, apptest.Do(t, a.App, "PUT", r.path, "", r.body), 400, "VALIDATION_FAILED")
		if len(body.Details) != 1 || body.Details[0].Field != r.field || body.Details[0].Reason == "" {
			t.Errorf("PUT %s %s: details %+v, want one reason for %s", r.path, r.body, body.Details, r.field)
		}
	}
	// A real operation: past the bound is refused before any lookup.
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/contents/"+limit, "", ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/contents/"+over, "", ""), 400, "VALIDATION_FAILED")
}

// TestDocumentedHeadersAreSent: the platform headers an answer carries
// (RateLimit-*, Retry-After, Access-Control-Allow-Origin) are exactly those
// its documented response declares, and the required ones are always sent:
// under /api/v1 on successes, errors and 429s; on system routes only CORS;
// on a 413, answered while the body is read, none.
func TestDocumentedHeadersAreSent(t *testing.T) {
	t.Parallel()
	const origin = "https://app.reelview.test"
	cfg := apptest.Config(t)
	cfg.HTTP.BodyLimit = 4096
	cfg.HTTP.CORSOrigins = []string{origin}
	cfg.RateLimit.Auth.Requests = 1
	a := apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, testModule)
	oapi := a.API.OpenAPI()
	platform := []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "Access-Control-Allow-Origin"}

	check := func(t *testing.T, method, path string, res *apptest.Response) {
		t.Helper()
		item := oapi.Paths[path]
		if item == nil {
			t.Fatalf("%s is not documented", path)
		}
		var op *huma.Operation
		switch method {
		case "GET":
			op = item.Get
		case "POST":
			op = item.Post
		}
		doc := op.Responses[strconv.Itoa(res.Status)]
		if doc == nil {
			t.Fatalf("%s %s: status %d is not documented", method, path, res.Status)
		}
		for _, name := range platform {
			h := doc.Headers[name]
			if h != nil && h.Ref != "" {
				h = oapi.Components.Headers[strings.TrimPrefix(h.Ref, "#/components/headers/")]
			}
			sent := res.Header.Get(name) != ""
			switch {
			case sent && h == nil:
				t.Errorf("%s %s %d sends %s, which the document does not declare", method, path, res.Status, name)
			case !sent && h != nil && h.Required:
				t.Errorf("%s %s %d lacks %s, which the document requires", method, path, res.Status, name)
			case !sent && h != nil && name != "Retry-After":
				t.Errorf("%s %s %d: the document declares %s, which is not sent", method, path, res.Status, name)
			}
		}
	}
	withOrigin := map[string]string{"Origin": origin}
	for _, r := range []struct {
		method, path, body string
		status             []int
	}{
		{"POST", "/api/v1/test/echo", `{"name":"ok","rating":5}`, []int{200}},
		{"POST", "/api/v1/test/echo", `{"name":"x","rating":11}`, []int{400}},
		{"GET", "/api/v1/test/strict", "", []int{200, 204}},
		{"GET", "/api/v1/test/strict", "", []int{429}},
		{"GET", "/api/v1/test/fail", "", []int{500}},
		{"GET", "/health", "", []int{200}},
	} {
		res := apptest.Send(t, a.App, apptest.Request{Method: r.method, Path: r.path, Body: r.body, Header: withOrigin})
		if !slices.Contains(r.status, res.Status) {
			t.Fatalf("%s %s = %d, want %v: %s", r.method, r.path, res.Status, r.status, res.Body)
		}
		check(t, r.method, r.path, res)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.App.Listener(ln) }()
	t.Cleanup(func() { _ = ln.Close() })
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/test/echo",
		strings.NewReader(`{"name":"`+strings.Repeat("a", 5000)+`","rating":5}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	raw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Body.Close()
	b, _ := io.ReadAll(raw.Body)
	res := &apptest.Response{Status: raw.StatusCode, Header: raw.Header, Body: b}
	apptest.AssertError(t, res, 413, "PAYLOAD_TOO_LARGE")
	check(t, "POST", "/api/v1/test/echo", res)
}
