// Package apperr defines errors whose code and message are safe for clients.
// Services return them; app/server turns each Kind into one HTTP status.
package apperr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Kind classifies an error; app/server maps each Kind to one HTTP status.
type Kind int

// The kinds of error, each with its HTTP status in app/server.
const (
	Internal        Kind = iota // 500
	Invalid                     // 400
	Unauthenticated             // 401
	Forbidden                   // 403
	NotFound                    // 404
	Conflict                    // 409
	TooLarge                    // 413
	TooManyRequests             // 429
	Upstream                    // 502
	Unavailable                 // 503
	UpstreamTimeout             // 504
)

// FieldError is one problem of a request, usually one field.
type FieldError struct {
	Field  string `json:"field" example:"rating"`
	Reason string `json:"reason" example:"must be between 1 and 10"`
}

// Error is a client-safe failure. Code and Message go to the client; Err is
// the cause, logged and never sent.
type Error struct {
	Kind    Kind
	Code    string       // stable, from API.md, e.g. "DUPLICATE_RESOURCE"
	Message string       // human-readable, safe to show
	Details []FieldError // e.g. per-field problems
	Err     error        // cause: logged, never sent
	// RetryAfter, when set, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
	// Limit, on a TOO_MANY_REQUESTS error, is the state of the rate-limit
	// policy that refused the request: its RateLimit-* headers.
	Limit *Limit
}

// Limit is the state of one rate-limit policy for one client.
type Limit struct {
	Limit     int           // requests per period
	Remaining int           // requests left now
	Reset     time.Duration // until the whole budget is back
}

// Headers calls set for each RateLimit-* header of l.
func (l Limit) Headers(set func(key, value string)) {
	set("RateLimit-Limit", strconv.Itoa(l.Limit))
	set("RateLimit-Remaining", strconv.Itoa(l.Remaining))
	set("RateLimit-Reset", strconv.Itoa(ceilSeconds(l.Reset)))
}

// ceilSeconds is d in whole seconds, rounded up (headers count seconds).
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// New returns an error of the given kind, code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match two errors with the same kind and code, so that a
// module's error value still matches after WithMessage or Wrap.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind && t.Code == e.Code
}

// WithMessage returns a copy of e with another message.
func (e *Error) WithMessage(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// WithDetails returns a copy of e with details.
func (e *Error) WithDetails(details ...FieldError) *Error {
	c := *e
	c.Details = details
	return &c
}

// Wrap returns a copy of e with a cause to log.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// Errors shared by every module.
var (
	ErrBadRequest      = New(Invalid, "BAD_REQUEST", "The request is malformed.")
	ErrValidation      = New(Invalid, "VALIDATION_FAILED", "The request has invalid fields.")
	ErrUnauthorized    = New(Unauthenticated, "UNAUTHORIZED", "Authentication is required.")
	ErrForbidden       = New(Forbidden, "FORBIDDEN", "You are not allowed to do this.")
	ErrNotFound        = New(NotFound, "RESOURCE_NOT_FOUND", "The resource was not found.")
	ErrDuplicate       = New(Conflict, "DUPLICATE_RESOURCE", "The resource already exists.")
	ErrTooManyRequests = New(TooManyRequests, "TOO_MANY_REQUESTS", "Too many requests, slow down.")
	ErrUnavailable     = New(Unavailable, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.")
	ErrUpstream        = New(Upstream, "UPSTREAM_ERROR", "An upstream service failed.")
	ErrUpstreamTimeout = New(UpstreamTimeout, "UPSTREAM_TIMEOUT", "An upstream service did not answer in time.")
	ErrPayloadTooLarge = New(TooLarge, "PAYLOAD_TOO_LARGE", "The request body is too large.")
	ErrInternal        = New(Internal, "INTERNAL_SERVER_ERROR", "Internal server error.")
)

// RateLimited returns a TOO_MANY_REQUESTS error of the policy in state l,
// asking to retry after d.
func RateLimited(d time.Duration, l Limit) *Error {
	c := *ErrTooManyRequests
	c.RetryAfter = d
	c.Limit = &l
	return &c
}

// RetryAfterHeader is d as the value of a Retry-After header (whole
// seconds, rounded up), "" when d is not positive.
func RetryAfterHeader(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.Itoa(ceilSeconds(d))
}

// Validation returns a VALIDATION_FAILED error for one field.
func Validation(field, reason string) *Error {
	return ErrValidation.WithDetails(FieldError{Field: field, Reason: reason})
}

// NotFoundf returns a RESOURCE_NOT_FOUND error with a message.
func NotFoundf(format string, args ...any) *Error {
	return ErrNotFound.WithMessage(format, args...)
}
