package server

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Some requests never reach Fiber's router, so no middleware sees them:
// those fasthttp cannot read (a request line or header fields beyond
// HTTP_MAX_HEADER_BYTES, a chunked body beyond HTTP_BODY_LIMIT, malformed
// framing, a read timeout), which Fiber hands to its error handler on a
// blank context (path "/": fasthttp resets the header it failed to read),
// and those whose method Fiber does not know ("PROPFIND", "get"), which it
// answers with a text/plain 400. refuseBeforeRouting answers both through
// the platform layers, as every other request: the error body with the
// request's path, the request ID, the security headers, metrics and the
// access-log line.

// layer is platform middleware written once for both paths: as Fiber
// middleware (handler) around routed requests, and around the answer to a
// request refused before routing.
type layer func(c *fiber.Ctx, next func() error) error

// handler is the layer as Fiber middleware.
func (l layer) handler() fiber.Handler {
	return func(c *fiber.Ctx) error { return l(c, c.Next) }
}

// refusal is the error of a request refused before routing.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

// localUnidentified marks a request of which nothing is known (a timeout
// before its request line was read): it is logged and answered without a
// method or path rather than with fasthttp's defaults, "GET /".
const localUnidentified = "request_unidentified"

// requestTarget is the method and path of the request as logged and
// answered.
func requestTarget(c *fiber.Ctx) (method, path string) {
	if c.Locals(localUnidentified) != nil {
		return "", ""
	}
	return c.Method(), c.Path()
}

// preRouting answers the requests refused before routing.
type preRouting struct {
	app     *fiber.App
	layers  []layer
	methods map[string]bool // the methods Fiber routes
	// reading holds a copy of the header of each request whose body is
	// being read, by the header fasthttp reads it into: fasthttp resets
	// that header when the body fails (too large when chunked, broken).
	reading sync.Map // *fasthttp.RequestHeader → *fasthttp.RequestHeader
	copies  sync.Pool
}

// refuseBeforeRouting installs the handlers of fasthttp's server (which
// app.Test uses too) that answer requests refused before routing through
// the layers. It must run after fiber.New, which sets those handlers.
func refuseBeforeRouting(app *fiber.App, layers []layer) {
	p := &preRouting{app: app, layers: layers, methods: map[string]bool{}}
	for _, m := range app.Config().RequestMethods {
		p.methods[m] = true
	}
	s := app.Server()
	s.HeaderReceived = p.headerReceived
	s.ErrorHandler = p.readFailed
	s.Handler = p.knownMethods(s.Handler)
}

// headerReceived keeps a copy of the header of a request with a body,
// until the body is read (knownMethods) or fails (readFailed).
func (p *preRouting) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if n := h.ContentLength(); n > 0 || n == -1 { // -1: chunked
		saved, _ := p.copies.Get().(*fasthttp.RequestHeader)
		if saved == nil {
			saved = new(fasthttp.RequestHeader)
		}
		h.CopyTo(saved)
		if old, loaded := p.reading.Swap(h, saved); loaded {
			p.copies.Put(old)
		}
	}
	return fasthttp.RequestConfig{} // the server's own limits and timeouts
}

// knownMethods wraps Fiber's handler: a method Fiber does not route is 405
// METHOD_NOT_ALLOWED with Allow on a path that exists, 404 elsewhere.
// Methods are case-sensitive (RFC 9110, 9.1): "get" is not GET.
func (p *preRouting) knownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(fctx *fasthttp.RequestCtx) {
		if saved, ok := p.reading.LoadAndDelete(&fctx.Request.Header); ok {
			p.copies.Put(saved)
		}
		if p.methods[string(fctx.Method())] {
			next(fctx)
			return
		}
		p.serve(fctx, true, func(c *fiber.Ctx) error {
			if allowedMethods(c) == "" {
				return fiber.ErrNotFound
			}
			return fiber.ErrMethodNotAllowed
		})
	}
}

// readFailed is fasthttp's error handler: the request could not be read.
// Its header is restored from the copy taken when it was received or, when
// the header itself failed, its method and path are recovered from the
// start of the read buffer that fasthttp's error quotes.
func (p *preRouting) readFailed(fctx *fasthttp.RequestCtx, err error) {
	identified, lineEnded := true, true
	if saved, ok := p.reading.LoadAndDelete(&fctx.Request.Header); ok {
		h := saved.(*fasthttp.RequestHeader)
		h.CopyTo(&fctx.Request.Header)
		p.copies.Put(h)
	} else if line, ok := quotedRequestLine(err); ok {
		fctx.Request.Header.SetMethod(line.method)
		fctx.Request.SetRequestURI(line.path)
		lineEnded = line.ended
	} else {
		identified = false
	}
	status := readErrorStatus(err, lineEnded)
	p.serve(fctx, identified, func(*fiber.Ctx) error { return fiber.NewError(status) })
}

// readErrorStatus is the status of a failure to read a request, as Fiber
// maps them, but for a request line beyond the buffer (414, not 431).
func readErrorStatus(err error, lineEnded bool) int {
	var (
		small *fasthttp.ErrSmallBuffer
		ne    net.Error
	)
	switch {
	case errors.As(err, &small) && !lineEnded:
		return fiber.StatusRequestURITooLong
	case errors.As(err, &small):
		return fiber.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return fiber.StatusRequestEntityTooLarge
	case errors.As(err, &ne) && ne.Timeout(), strings.Contains(err.Error(), "timeout"):
		return fiber.StatusRequestTimeout
	}
	return fiber.StatusBadRequest
}

// serve answers the request in fctx with the error refuse returns, through
// the layers.
func (p *preRouting) serve(fctx *fasthttp.RequestCtx, identified bool, refuse func(*fiber.Ctx) error) {
	c := p.app.AcquireCtx(fctx)
	defer p.app.ReleaseCtx(c)
	if !identified {
		c.Locals(localUnidentified, true)
	}
	next := func() error { return refusal{refuse(c)} }
	for i := len(p.layers) - 1; i >= 0; i-- {
		l, inner := p.layers[i], next
		next = func() error { return l(c, inner) }
	}
	_ = next() // requestContext answers the error and returns nil
}

// requestLine is what quotedRequestLine recovers of a request line.
type requestLine struct {
	method, path string
	// ended: the request line ends within the buffer (its header fields
	// overflowed it), as far as the quoted parts show.
	ended bool
}

// quotedRequestLine recovers the method and path of a request from a
// fasthttp header error, whose message ends with the read buffer quoted
// (Go syntax): `…, contents: "<first 200 bytes>"` and, for a longer
// buffer, `..."<last 200 bytes>"`. The path, without its query, is cut at
// the quoted part's end when longer, and every byte outside printable ASCII
// is percent-encoded: nothing raw from the buffer reaches a log or a body.
func quotedRequestLine(err error) (requestLine, bool) {
	msg := err.Error()
	// Inside a quoted part every '"' is escaped, so the last `contents: "`
	// is fasthttp's own.
	i := strings.LastIndex(msg, `, contents: "`)
	if i < 0 {
		return requestLine{}, false
	}
	rest := msg[i+len(`, contents: `):]
	start, rest, ok := unquotePrefix(rest)
	if !ok {
		return requestLine{}, false
	}
	var end string
	if tail, found := strings.CutPrefix(rest, "..."); found {
		if end, _, ok = unquotePrefix(tail); !ok {
			return requestLine{}, false
		}
	}
	line, _, ended := strings.Cut(start, "\n")
	method, target, ok := strings.Cut(strings.TrimSuffix(line, "\r"), " ")
	if !ok || !isToken(method) || len(method) > 32 {
		return requestLine{}, false
	}
	target, _, _ = strings.Cut(target, " ")
	target, _, _ = strings.Cut(target, "?")
	target, _, _ = strings.Cut(target, "#")
	if scheme, rest, ok := strings.Cut(target, "://"); ok && (scheme == "http" || scheme == "https") {
		target = "/"
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			target = rest[j:] // absolute form: the path
		}
	}
	if !strings.HasPrefix(target, "/") {
		return requestLine{}, false
	}
	return requestLine{method: method, path: printableASCII(target), ended: ended || strings.Contains(end, "\n")}, true
}

// unquotePrefix unquotes the Go string literal at the start of s.
func unquotePrefix(s string) (unquoted, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", false
	}
	u, err := strconv.Unquote(q)
	return u, s[len(q):], err == nil
}

// isToken reports whether s is an HTTP token (RFC 9110, 5.6.2), as a
// method is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		b := s[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, b) >= 0 {
			return false
		}
	}
	return true
}

// printableASCII percent-encodes every byte of s outside printable ASCII.
func printableASCII(s string) string {
	var b bytes.Buffer
	for i := range len(s) {
		if c := s[i]; c > ' ' && c < 0x7f {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
