package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/logging"
)

// ErrorBody is the only error shape the API returns (API.md).
type ErrorBody struct {
	Timestamp time.Time           `json:"timestamp" example:"2026-11-25T12:00:00Z" doc:"When the error happened (RFC 3339, UTC)."`
	Path      string              `json:"path" example:"/api/v1/contents/99999" doc:"The request path; a segment over 64 characters (a token sent in the URL by mistake) shows only its last 6."`
	Status    int                 `json:"status" example:"404" doc:"The HTTP status, repeated."`
	Code      string              `json:"code" example:"RESOURCE_NOT_FOUND" doc:"Stable machine-readable error code." enum:"BAD_REQUEST,VALIDATION_FAILED,UNAUTHORIZED,TOKEN_EXPIRED,TOKEN_INVALID,INVALID_CREDENTIALS,FORBIDDEN,ACCOUNT_BLOCKED,RESOURCE_NOT_FOUND,METHOD_NOT_ALLOWED,DUPLICATE_RESOURCE,PAYLOAD_TOO_LARGE,URI_TOO_LONG,UNSUPPORTED_MEDIA_TYPE,HEADERS_TOO_LARGE,TOO_MANY_REQUESTS,INTERNAL_SERVER_ERROR,UPSTREAM_ERROR,SERVICE_UNAVAILABLE,UPSTREAM_TIMEOUT"`
	Message   string              `json:"message" example:"content 99999 not found" doc:"Human-readable explanation, safe to show."`
	Details   []apperr.FieldError `json:"details" nullable:"true" doc:"Per-field problems of a VALIDATION_FAILED error, otherwise null."`

	retryAfter time.Duration // sent as the Retry-After header
	limit      *apperr.Limit // the refusing policy's RateLimit-* headers
}

// headers calls set for the headers the error carries: Retry-After and, on
// a 429, the RateLimit-* headers of the policy that refused, replacing any
// an earlier policy of the same request set.
func (b *ErrorBody) headers(set func(key, value string)) {
	if v := apperr.RetryAfterHeader(b.retryAfter); v != "" {
		set(fiber.HeaderRetryAfter, v)
	}
	if b.limit != nil {
		b.limit.Headers(set)
	}
}

// Error implements error.
func (b *ErrorBody) Error() string { return b.Message }

// GetStatus implements huma.StatusError.
func (b *ErrorBody) GetStatus() int { return b.Status }

var statusOfKind = map[apperr.Kind]int{
	apperr.Internal:        http.StatusInternalServerError,
	apperr.Invalid:         http.StatusBadRequest,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.TooManyRequests: http.StatusTooManyRequests,
	apperr.Upstream:        http.StatusBadGateway,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.UpstreamTimeout: http.StatusGatewayTimeout,
}

// codeOfStatus gives the code of errors that carry only a status (Fiber's,
// huma's): the first code API.md lists for that status.
var codeOfStatus = map[int]struct{ code, message string }{
	http.StatusBadRequest:            {"BAD_REQUEST", "The request is malformed."},
	http.StatusUnauthorized:          {"UNAUTHORIZED", "Authentication is required."},
	http.StatusForbidden:             {"FORBIDDEN", "You are not allowed to do this."},
	http.StatusNotFound:              {"RESOURCE_NOT_FOUND", "The resource was not found."},
	http.StatusMethodNotAllowed:      {"METHOD_NOT_ALLOWED", "The method is not allowed on this resource."},
	http.StatusConflict:              {"DUPLICATE_RESOURCE", "The resource already exists."},
	http.StatusRequestEntityTooLarge: {"PAYLOAD_TOO_LARGE", "The request body is too large."},
	http.StatusUnsupportedMediaType:  {"UNSUPPORTED_MEDIA_TYPE", "The request body must be application/json."},
	http.StatusUnprocessableEntity:   {"VALIDATION_FAILED", "The request has invalid fields."},
	http.StatusTooManyRequests:       {"TOO_MANY_REQUESTS", "Too many requests, slow down."},
	http.StatusInternalServerError:   {"INTERNAL_SERVER_ERROR", "Internal server error."},
	http.StatusBadGateway:            {"UPSTREAM_ERROR", "An upstream service failed."},
	http.StatusServiceUnavailable:    {"SERVICE_UNAVAILABLE", "The service is temporarily unavailable."},
	http.StatusGatewayTimeout:        {"UPSTREAM_TIMEOUT", "An upstream service did not answer in time."},
	http.StatusRequestTimeout:        {"SERVICE_UNAVAILABLE", "The request took too long."},

	// Refused while the request is read, before routing.
	http.StatusRequestURITooLong:           {"URI_TOO_LONG", "The request line is too long."},
	http.StatusRequestHeaderFieldsTooLarge: {"HEADERS_TOO_LARGE", "The request's header fields are too large."},
}

// errorBody builds the error body of one failure. It starts from a 500 and
// lets the most specific error found decide: an *apperr.Error sets status,
// code and message; huma's *huma.ErrorDetail values make a validation error;
// a *fiber.Error keeps its status. Context deadlines and closed connections
// become 503. Statuses of 500 and above are logged with their cause.
func errorBody(ctx context.Context, path string, status int, msg string, errs ...error) *ErrorBody {
	b := &ErrorBody{Timestamp: time.Now().UTC().Truncate(time.Second), Path: redactPath(path), Status: status}
	if c, ok := codeOfStatus[status]; ok {
		b.Code, b.Message = c.code, c.message
	} else {
		b.Status, b.Code, b.Message = http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error."
	}
	var cause error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var (
			ae *apperr.Error
			he *huma.ErrorDetail
			fe *fiber.Error
		)
		switch {
		case errors.As(err, &ae):
			b.Status, b.Code, b.Message, b.Details = statusOfKind[ae.Kind], ae.Code, ae.Message, ae.Details
			b.retryAfter, b.limit = ae.RetryAfter, ae.Limit
			cause = ae.Err
		case errors.As(err, &he):
			b.Details = append(b.Details, detailOf(he))
		case errors.As(err, &fe):
			if c, ok := codeOfStatus[fe.Code]; ok {
				b.Status, b.Code, b.Message = fe.Code, c.code, c.message
			}
			if fe.Code >= 500 {
				cause = err
			}
		case unavailable(err):
			b.Status, b.Code, b.Message = http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
				"The service is temporarily unavailable, try again shortly."
			cause = err
		default:
			cause = err
		}
	}
	if b.Status == http.StatusUnprocessableEntity {
		// API.md: validation failures are a 400 with field details.
		b.Status, b.Code, b.Message = http.StatusBadRequest, "VALIDATION_FAILED", "The request has invalid fields."
	}
	if b.Code != "VALIDATION_FAILED" {
		// Only validation failures carry details (API.md); a malformed body's
		// reason (from the JSON decoder, safe to show) goes in the message.
		if b.Code == "BAD_REQUEST" && len(b.Details) > 0 && b.Details[0].Field == "body" {
			b.Message = "The request body is not valid JSON: " + b.Details[0].Reason + "."
		}
		b.Details = nil
	}
	if b.Status >= 500 {
		if cause == nil && msg != "" {
			cause = errors.New(msg)
		}
		logging.From(ctx, zap.NewNop()).Error("request failed",
			zap.Int("status", b.Status), zap.String("code", b.Code), zap.Error(cause))
	}
	return b
}

// detailOf turns huma's "body.rating" or "query.size" locations into fields.
func detailOf(d *huma.ErrorDetail) apperr.FieldError {
	field := d.Location
	for _, p := range []string{"body.", "query.", "path.", "header.", "cookie."} {
		if rest, ok := strings.CutPrefix(field, p); ok {
			field = rest
			break
		}
	}
	// huma reports a missing property at its parent ("body"); name the
	// property itself.
	if name, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
		name = strings.TrimSuffix(name, " to be present")
		if field == "body" || field == "" {
			field = name
		} else {
			field += "." + name
		}
	}
	return apperr.FieldError{Field: field, Reason: d.Message}
}

var humaHooks sync.Once

// installHumaHooks routes huma's errors through errorBody and makes body
// validation match field names exactly. Huma's hooks are process globals,
// so they are installed once, before any operation.
func installHumaHooks() {
	humaHooks.Do(func() {
		// Huma validates a body against its schema (additionalProperties
		// false) before decoding it, but by default it matches property
		// names case-insensitively, as encoding/json does: {"Email": …}
		// passed as "email", and beside a real "email" it overrode it once
		// decoded. Exact names make a differently-cased key an unexpected
		// property, a 400 VALIDATION_FAILED naming it, at every depth.
		huma.ValidateStrictCasing = true
		huma.NewError = func(s int, msg string, errs ...error) huma.StatusError {
			return errorBody(context.Background(), "", s, msg, errs...)
		}
		huma.NewErrorWithContext = func(hc huma.Context, s int, msg string, errs ...error) huma.StatusError {
			b := errorBody(hc.Context(), hc.URL().Path, s, msg, errs...)
			b.headers(hc.SetHeader)
			return b
		}
	})
}

// errorHandler is Fiber's error handler: unknown routes, 405, 413 from the
// body limit, panics, errors of plain Fiber handlers, and requests refused
// before routing (refuseBeforeRouting).
func errorHandler(c *fiber.Ctx, err error) error {
	status := http.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
	}
	_, path := requestTarget(c)
	b := errorBody(c.UserContext(), path, status, "", err)
	return writeError(c, b)
}

func writeError(c *fiber.Ctx, b *ErrorBody) error {
	b.headers(c.Set)
	if b.Status == http.StatusMethodNotAllowed && len(c.Response().Header.Peek(fiber.HeaderAllow)) == 0 {
		c.Set(fiber.HeaderAllow, allowedMethods(c))
	}
	return c.Status(b.Status).JSON(b)
}

func allowedMethods(c *fiber.Ctx) string {
	var methods []string
	for _, r := range c.App().GetRoutes(true) {
		if pathMatches(r.Path, c.Path()) && !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
	}
	return strings.Join(methods, ", ")
}

// pathMatches reports whether a concrete path fits a Fiber route pattern with
// ":param" segments.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(strings.Trim(pattern, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], ":") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}
