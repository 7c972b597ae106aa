package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// operations returns the operations of a path item, whatever their method.
func operations(item *huma.PathItem) []*huma.Operation {
	var ops []*huma.Operation
	for _, op := range []*huma.Operation{item.Get, item.Head, item.Post, item.Put, item.Patch,
		item.Delete, item.Options, item.Trace} {
		if op != nil {
			ops = append(ops, op)
		}
	}
	return ops
}

// documentParameters makes no parameter nullable. Huma documents every Go
// slice as `["array", "null"]`, which is right for a response field that may
// be null, but a query, path or header parameter is text: it is absent or has
// a value, never null, and generated clients that read the type as "array or
// null" refuse a plain `?genre=1`.
func documentParameters(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, op := range operations(item) {
			for _, p := range op.Parameters {
				if p.Schema != nil && p.Schema.Nullable {
					p.Schema.Nullable = false
				}
			}
		}
	}
}

// MaxInputInteger bounds every integer a client sends (ids, TMDB ids …) that
// its operation does not bound more narrowly: 2^53 − 1, the largest integer
// every JSON client, JavaScript's included, reads exactly. Ids start at 1
// and never come near it.
const MaxInputInteger = 1<<53 - 1

// boundInputs documents the bounds of what clients send where an operation
// declares none. Each integer of the parameters and request bodies without a
// minimum or maximum of its own gets ±MaxInputInteger; the schemas are the
// ones huma validates requests with, so the bound is enforced (400
// VALIDATION_FAILED beyond it) as documented. A binary request body (a file
// upload) is at most the operation's MaxBodyBytes, which huma enforces (413).
func boundInputs(oapi *huma.OpenAPI) {
	lo, hi := float64(-MaxInputInteger), float64(MaxInputInteger)
	seen := map[*huma.Schema]bool{}
	var walk func(s *huma.Schema)
	walk = func(s *huma.Schema) {
		if s != nil && s.Ref != "" {
			s = oapi.Components.Schemas.SchemaFromRef(s.Ref)
		}
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type == huma.TypeInteger && len(s.Enum) == 0 {
			if s.Minimum == nil && s.ExclusiveMinimum == nil {
				s.Minimum = &lo
			}
			if s.Maximum == nil && s.ExclusiveMaximum == nil {
				s.Maximum = &hi
			}
			s.PrecomputeMessages()
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		for _, list := range [][]*huma.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range list {
				walk(sub)
			}
		}
	}
	for _, item := range oapi.Paths {
		for _, op := range operations(item) {
			for _, p := range op.Parameters {
				walk(p.Schema)
			}
			if op.RequestBody == nil {
				continue
			}
			for _, mt := range op.RequestBody.Content {
				if s := mt.Schema; s != nil && s.Format == "binary" && s.MaxLength == nil && op.MaxBodyBytes > 0 {
					bounded := *s // a copy: the schema may describe a response too
					limit := int(op.MaxBodyBytes)
					bounded.MaxLength = &limit
					mt.Schema = &bounded
				}
				walk(mt.Schema)
			}
		}
	}
}

// Response headers, as components, referenced from each response that
// carries them.
const (
	headerRateLimitLimit     = "RateLimit-Limit"
	headerRateLimitRemaining = "RateLimit-Remaining"
	headerRateLimitReset     = "RateLimit-Reset"
	headerRetryAfter         = "Retry-After"
	headerAllowOrigin        = "Access-Control-Allow-Origin"
)

var responseHeaders = map[string]*huma.Header{
	headerRateLimitLimit: {
		Description: "Requests a client IP may make per period of its rate-limit policy (the strictest that applied). Sent when rate limiting is on (RATE_LIMIT_ENABLED) and Redis answered.",
		Schema:      &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: float(1), Examples: []any{300}},
	},
	headerRateLimitRemaining: {
		Description: "Requests left in the current period. Sent with RateLimit-Limit.",
		Schema:      &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: float(0), Examples: []any{299}},
	},
	headerRateLimitReset: {
		Description: "Seconds until the whole budget is back. Sent with RateLimit-Limit.",
		Schema:      &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: float(0), Examples: []any{60}},
	},
	headerRetryAfter: {
		Description: "Seconds to wait before the next request is allowed.",
		Required:    true,
		Schema:      &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: float(1), Examples: []any{12}},
	},
	headerAllowOrigin: {
		Description: "The calling page's origin, sent only to origins in CORS_ALLOW_ORIGINS (or `*` when that is `*`): other origins get no CORS headers, so browsers block them.",
		Schema:      &huma.Schema{Type: huma.TypeString, Examples: []any{"https://app.example.com"}},
	},
}

func float(v float64) *float64 { return &v }

// answeredBeforeMiddleware are the statuses the server answers while it
// reads a request (body, URI or headers too large), before any middleware:
// they carry neither rate-limit nor CORS headers.
var answeredBeforeMiddleware = map[int]bool{
	http.StatusRequestEntityTooLarge:       true,
	http.StatusRequestURITooLong:           true,
	http.StatusRequestHeaderFieldsTooLarge: true,
}

// documentHeaders documents the headers the platform middleware adds to
// answers: RateLimit-Limit, -Remaining and -Reset on every answer under
// /api/v1 (the rate limiter's prefix), Retry-After on each 429, and
// Access-Control-Allow-Origin on every answer (the CORS middleware is
// app-wide). Answers given before the middleware runs carry none of them.
func documentHeaders(oapi *huma.OpenAPI) {
	if oapi.Components.Headers == nil {
		oapi.Components.Headers = map[string]*huma.Header{}
	}
	for name, h := range responseHeaders {
		oapi.Components.Headers[name] = h
	}
	ref := func(name string) *huma.Header { return &huma.Header{Ref: "#/components/headers/" + name} }
	for path, item := range oapi.Paths {
		limited := strings.HasPrefix(path, APIPrefix+"/")
		for _, op := range operations(item) {
			for code, res := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil || answeredBeforeMiddleware[status] || res.Ref != "" {
					continue
				}
				if res.Headers == nil {
					res.Headers = map[string]*huma.Header{}
				}
				res.Headers[headerAllowOrigin] = ref(headerAllowOrigin)
				if !limited {
					continue
				}
				for _, name := range []string{headerRateLimitLimit, headerRateLimitRemaining, headerRateLimitReset} {
					res.Headers[name] = ref(name)
				}
				if status == http.StatusTooManyRequests {
					res.Headers[headerRetryAfter] = ref(headerRetryAfter)
				}
			}
		}
	}
}
