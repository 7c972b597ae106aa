// Package server is Reelview's HTTP layer: the Fiber app, the huma API that
// documents every operation in OpenAPI 3.1, platform middleware, the single
// error translation, health, metrics and Swagger UI. Modules contribute their
// operations through the "routes" value group.
package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/buildinfo"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/swaggerui"
	"github.com/reelview/reelview/config"
)

// APIPrefix is the base path of every API operation.
const APIPrefix = "/api/v1"

// BearerAuth is the name of the bearer-token security scheme; operations that
// need a signed-in caller declare Security: []map[string][]string{{BearerAuth: {}}}.
const BearerAuth = "bearer"

// Routes is implemented by each module that serves HTTP.
type Routes interface{ Register(api huma.API) }

// AsRoutes feeds a handler constructor into the "routes" group.
func AsRoutes(ctor any) any {
	return fx.Annotate(ctor, fx.As(new(Routes)), fx.ResultTags(`group:"routes"`))
}

// Group returns a huma group under /api/v1 whose operations carry tag.
func Group(api huma.API, tag string) *huma.Group {
	g := huma.NewGroup(api, APIPrefix)
	g.UseSimpleModifier(func(op *huma.Operation) {
		if len(op.Tags) == 0 {
			op.Tags = []string{tag}
		}
	})
	return g
}

// Server is the HTTP server: the Fiber app and the huma API on it.
type Server struct {
	App     *fiber.App
	API     huma.API
	Limiter *RateLimiter
	Metrics *Metrics
	addr    atomic.Value // the listener's address once Serve has started
	// draining is set when the server stops with a SHUTDOWN_DRAIN_DELAY:
	// /ready answers 503 and every answer closes its connection.
	draining *atomic.Bool
}

// Draining reports whether the server is in its drain delay before stopping.
func (s *Server) Draining() bool { return s.draining.Load() }

// Addr is the address the server listens on ("" before Serve starts).
func (s *Server) Addr() string {
	a, _ := s.addr.Load().(string)
	return a
}

type newParams struct {
	fx.In
	Cfg     config.Config
	Log     *zap.Logger
	DB      *database.DB
	Redis   *cache.Redis
	Metrics *Metrics
	Limiter *RateLimiter
}

// New builds the Fiber app with every middleware, then the huma API. Modules
// register their operations afterwards (register), because Fiber and huma
// read middleware when a route is added.
func New(p newParams) *Server {
	installHumaHooks()
	draining := new(atomic.Bool)
	app := fiber.New(fiber.Config{
		AppName:               "reelview",
		ErrorHandler:          errorHandler,
		BodyLimit:             p.Cfg.HTTP.BodyLimit,
		ReadBufferSize:        p.Cfg.HTTP.MaxHeaderBytes, // the request line and header fields
		ReadTimeout:           p.Cfg.HTTP.ReadTimeout,
		WriteTimeout:          p.Cfg.HTTP.WriteTimeout,
		IdleTimeout:           p.Cfg.HTTP.IdleTimeout,
		DisableStartupMessage: true,
		StrictRouting:         false,
		CaseSensitive:         true,
	})
	// The layers every answer goes through, also those to requests refused
	// before routing (refuseBeforeRouting).
	platform := []layer{
		requestContext(p.Cfg.HTTP, p.Log, p.Metrics),
		closeWhileDraining(draining),
		securityHeaders(swaggerui.ContentSecurityPolicy),
	}
	for _, l := range platform {
		app.Use(l.handler())
	}
	refuseBeforeRouting(app, platform)
	app.Use(recoverPanics())
	app.Use(bodylessNotModified())
	app.Use(corsAllowList(p.Cfg.HTTP))
	app.Use(APIPrefix, p.Limiter.global())

	cfg := huma.DefaultConfig("Reelview API", buildinfo.Get().Version)
	cfg.CreateHooks = nil // no "$schema" field in every body
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	cfg.DocsPath = "" // Swagger UI is served from embedded files at /docs
	cfg.SchemasPath = ""
	cfg.OpenAPIPath = "/openapi"
	cfg.Info.Description = apiDescription
	cfg.Info.License = &huma.License{Name: "MIT"}
	cfg.Info.Contact = &huma.Contact{Name: "Reelview", URL: "https://github.com/reelview/reelview"}
	// Relative to the document: Swagger UI and generated clients call the
	// server that served it (the paths carry /api/v1). It is the public API.
	cfg.Servers = []*huma.Server{{URL: "/",
		Description: "The server this document is served from, whichever environment it is (local, staging or production).",
		Extensions:  map[string]any{"x-internal": false}}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		BearerAuth: {
			Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "The access_token of POST /api/v1/auth/login, sent as `Authorization: Bearer <token>`. " +
				"It is a JWS verified as RFC8725 (JSON Web Token Best Current Practices) asks: one algorithm (HS256) is accepted " +
				"and `none` never; issuer, audience, expiry and issue time are required and checked; and each token is tied to a " +
				"live session, so logout, blocking and password changes end it at once.",
		},
	}
	api := humafiber.New(app, cfg)

	registerHealth(api, p.DB, p.Redis, draining)
	swaggerui.Register(app, "/docs", "/openapi.json")
	return &Server{App: app, API: api, Limiter: p.Limiter, Metrics: p.Metrics, draining: draining}
}

const apiDescription = `Reelview is the API of a movie and TV review platform: sign up, browse a
catalog imported from TMDB, rate and review titles, like and discuss reviews, keep
bookmarks and receive push notifications.

**Conventions.** JSON bodies with snake_case fields; timestamps in RFC 3339 UTC.
Send the access token as ` + "`Authorization: Bearer <token>`" + `. Lists take ` + "`page`" + ` (≥ 1)
and ` + "`size`" + ` (1–100) and answer ` + "`{items, page, size, total_items, total_pages}`" + `;
review, comment and feed lists also take an opaque ` + "`cursor`" + ` and answer
` + "`{items, next_cursor}`" + `. Every GET operation also answers HEAD: the same status and
headers, no body.

**Errors.** Every error has the same body: ` + "`{timestamp, path, status, code, message, details}`" + `.
` + "`code`" + ` is stable and machine-readable; ` + "`details`" + ` lists ` + "`{field, reason}`" + ` for
VALIDATION_FAILED. Requests are rate-limited per client IP: answers under /api/v1 carry
RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset headers, and a 429 Retry-After.

**HTTP.** The request line and header fields together may take 16 KiB by default
(HTTP_MAX_HEADER_BYTES): a longer request line is 414 URI_TOO_LONG, larger header fields
431 HEADERS_TOO_LARGE. A method the server does not know is 405 METHOD_NOT_ALLOWED
(methods are case-sensitive).

**Input rules.** Text is stored in Unicode NFC and trimmed; lengths are counted in
characters (code points), after normalisation. Control characters are refused in
single-line fields (nicknames, titles, names, reasons, search terms…); review and comment
bodies, bios and overviews may contain line feeds and tabs (CR LF becomes LF). Passwords
are taken byte for byte. Emails and nicknames are unique regardless of case. Integers a
client sends (ids, TMDB ids…) are at most 2^53 − 1 in size unless their field says less.
A JSON body with a duplicate key, nesting deeper than 32 levels, a number beyond int64 /
float64, text that is not UTF-8 (also an escaped lone surrogate such as \ud800) or text
after the value is a 400 BAD_REQUEST; a query or path parameter that is not UTF-8, a numeric
parameter that is not a plain decimal (` + "`42`, `-3`, `7.5`; not `NaN`, `Inf`, `0x10`, `1e3`, `1_000` or `+5`" + `),
a value of the wrong type, out of its range or a broken text rule is a 400 VALIDATION_FAILED
naming the field. Field names match exactly: a key that is not a field of the body, also one
that differs from a field only in case, is a 400 VALIDATION_FAILED naming it.`

type registerParams struct {
	fx.In
	Server *Server
	Routes []Routes `group:"routes"`
}

func register(p registerParams) {
	for _, r := range p.Routes { // fx gives no order; huma sorts the document
		r.Register(p.Server.API)
	}
	serveHead(p.Server.App)
	oapi := p.Server.API.OpenAPI()
	documentErrors(oapi)
	documentParameters(oapi)
	boundInputs(oapi)
	documentHeaders(oapi) // after documentErrors: the error responses carry them too
	documentTags(oapi)
}

// tags lists the operation tags in the order Swagger UI shows them, each
// with what its group of operations is for.
var tags = []*huma.Tag{
	{Name: "Auth", Description: "Sign up, sign in (password, Google, Firebase), refresh tokens, sign out and manage sessions."},
	{Name: "Users", Description: "The caller's profile, password and account, and public profiles."},
	{Name: "Contents", Description: "The catalog of movies and TV shows: search, filter, sort and details; admins curate it."},
	{Name: "Genres", Description: "Movie and TV genres; admins create, rename and delete them."},
	{Name: "Bookmarks", Description: "The caller's watchlist."},
	{Name: "Reviews", Description: "Ratings and reviews of contents, and review feeds."},
	{Name: "Community", Description: "Likes, comments and reports on reviews."},
	{Name: "Social", Description: "Follows, follow requests of private accounts, blocks, and the caller's activity feed."},
	{Name: "Lists", Description: "Custom lists of titles, ordered and annotated, public, unlisted or private, and their likes."},
	{Name: "Diary", Description: "The caller's watch diary: the days they watched each content, rewatches included."},
	{Name: "Notifications", Description: "The caller's in-app notifications inbox."},
	{Name: "Devices", Description: "The caller's devices that receive push notifications (FCM)."},
	{Name: "Import and export", Description: "Download the caller's data; import it back, or from Letterboxd and Trakt exports."},
	{Name: "TMDB", Description: "Search The Movie Database for titles to import."},
	{Name: "Admin: users", Description: "Admins only: find people, block them, change their role, delete accounts."},
	{Name: "Admin: moderation", Description: "Admins only: reported reviews and hiding reviews."},
	{Name: "Admin: TMDB", Description: "Admins only: import titles and sync genres and lists from TMDB."},
	{Name: "System", Description: "Liveness and readiness probes for load balancers and orchestrators."},
}

// documentTags declares the tags the operations use, described, so clients
// such as Swagger UI and Postman can group and explain them. A tag with no
// entry in tags is still declared, after the described ones.
func documentTags(oapi *huma.OpenAPI) {
	used := map[string]bool{}
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil {
				for _, t := range op.Tags {
					used[t] = true
				}
			}
		}
	}
	oapi.Tags = nil
	for _, t := range tags {
		if used[t.Name] {
			oapi.Tags = append(oapi.Tags, t)
			delete(used, t.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(used)) {
		oapi.Tags = append(oapi.Tags, &huma.Tag{Name: name})
	}
}

// errorDescriptions documents the codes each status can carry.
var errorDescriptions = map[int]string{
	http.StatusBadRequest:            "BAD_REQUEST (malformed JSON or parameters) or VALIDATION_FAILED (with field details).",
	http.StatusUnauthorized:          "UNAUTHORIZED (no or garbled token), TOKEN_EXPIRED, TOKEN_INVALID or INVALID_CREDENTIALS.",
	http.StatusForbidden:             "FORBIDDEN or ACCOUNT_BLOCKED.",
	http.StatusNotFound:              "RESOURCE_NOT_FOUND.",
	http.StatusConflict:              "DUPLICATE_RESOURCE.",
	http.StatusRequestEntityTooLarge: "PAYLOAD_TOO_LARGE: the body is over the size limit.",
	http.StatusUnsupportedMediaType:  "UNSUPPORTED_MEDIA_TYPE: the body must be application/json.",
	http.StatusTooManyRequests:       "TOO_MANY_REQUESTS: wait for Retry-After seconds.",
	http.StatusInternalServerError:   "INTERNAL_SERVER_ERROR: an unexpected failure (details are logged, never returned).",
	http.StatusBadGateway:            "UPSTREAM_ERROR: an outside service (TMDB, FCM) failed.",
	http.StatusServiceUnavailable:    "SERVICE_UNAVAILABLE: the database or Redis is unreachable.",
	http.StatusGatewayTimeout:        "UPSTREAM_TIMEOUT: an outside service did not answer in time.",

	// Refused while the request is read, before routing: any operation.
	http.StatusRequestURITooLong:           "URI_TOO_LONG: the request line is over HTTP_MAX_HEADER_BYTES.",
	http.StatusRequestHeaderFieldsTooLarge: "HEADERS_TOO_LARGE: the request line and header fields are over HTTP_MAX_HEADER_BYTES.",
}

// documentErrors gives every operation the error responses it can return,
// all with the ErrorBody schema. Huma documents validation failures as 422;
// Reelview answers them as 400 (API.md), so 422 is replaced.
func documentErrors(oapi *huma.OpenAPI) {
	ref := oapi.Components.Schemas.Schema(reflect.TypeOf(ErrorBody{}), true, "ErrorBody")
	for path, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			codes := []int{http.StatusInternalServerError, http.StatusServiceUnavailable}
			if strings.HasPrefix(path, APIPrefix) {
				codes = append(codes, http.StatusTooManyRequests)
			}
			if len(op.Parameters) > 0 || op.RequestBody != nil {
				codes = append(codes, http.StatusBadRequest)
			}
			if op.RequestBody != nil {
				codes = append(codes, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
			}
			if len(op.Security) > 0 {
				codes = append(codes, http.StatusUnauthorized, http.StatusForbidden)
			}
			for code := range op.Responses {
				if n, err := strconv.Atoi(code); err == nil && n >= 400 {
					codes = append(codes, n)
				}
			}
			delete(op.Responses, "422")
			delete(op.Responses, "default")
			for _, code := range codes {
				if code == http.StatusUnprocessableEntity {
					code = http.StatusBadRequest
				}
				op.Responses[strconv.Itoa(code)] = &huma.Response{
					Description: errorDescriptions[code],
					Content: map[string]*huma.MediaType{
						"application/json": {Schema: ref},
					},
				}
			}
			op.Errors = slices.DeleteFunc(op.Errors, func(c int) bool { return c == http.StatusUnprocessableEntity })
		}
	}
}

// Serve opens the listener on start (a busy port fails start-up) and drains
// in-flight requests on stop, within SHUTDOWN_TIMEOUT, after serving
// SHUTDOWN_DRAIN_DELAY as not ready.
func Serve(lc fx.Lifecycle, s *Server, c config.Config, log *zap.Logger) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", c.HTTP.Addr)
			if err != nil {
				return fmt.Errorf("server: listen on %s: %w", c.HTTP.Addr, err)
			}
			s.addr.Store(ln.Addr().String())
			go func() {
				if err := s.App.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
					log.Error("server stopped", zap.Error(err))
				}
			}()
			base := "http://" + displayAddr(ln.Addr().String())
			log.Info("Reelview is ready",
				zap.String("api", base+APIPrefix),
				zap.String("swagger_ui", base+"/docs"),
				zap.String("openapi", base+"/openapi.json"),
				zap.Bool("embedded", c.Embedded()))
			return nil
		},
		OnStop: func(ctx context.Context) error {
			if d := c.HTTP.DrainDelay; d > 0 {
				// Still serving, but no longer ready: load balancers stop
				// sending new work, and clients on keep-alive connections are
				// told to reconnect (elsewhere) with their next answer.
				s.draining.Store(true)
				log.Info("draining: not ready, still serving", zap.Duration("delay", d))
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
			log.Info("draining in-flight requests", zap.Duration("timeout", c.HTTP.ShutdownTimeout))
			ctx, cancel := context.WithTimeout(ctx, c.HTTP.ShutdownTimeout)
			defer cancel()
			return s.App.ShutdownWithContext(ctx)
		},
	})
}

func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// Module provides the server with its middleware and registers the modules'
// routes. It does not listen: add fx.Invoke(server.Serve) for that.
var Module = fx.Module("server",
	fx.Provide(NewMetrics, NewRateLimiter, New,
		func(s *Server) huma.API { return s.API },
		func(s *Server) *fiber.App { return s.App },
	),
	fx.Invoke(register),
)
