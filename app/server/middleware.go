package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/logging"
	"github.com/reelview/reelview/config"
)

// HeaderRequestID carries the request ID in and out.
const HeaderRequestID = "X-Request-ID"

const localClientIP = "client_ip"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ClientIP returns the caller's IP as the server trusts it: the peer address,
// or, when the peer is a trusted proxy, the nearest untrusted address of
// X-Forwarded-For.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}

type clientIPKey struct{}

// ClientIPFromContext is ClientIP for code that has only the request's
// context (huma handlers).
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

type proxies []*net.IPNet

func parseProxies(list []string) proxies {
	var ps proxies
	for _, p := range list {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		if _, n, err := net.ParseCIDR(p); err == nil {
			ps = append(ps, n)
		}
	}
	return ps
}

func (ps proxies) trusted(ip net.IP) bool {
	for _, n := range ps {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP walks X-Forwarded-For from the right: each hop was appended by the
// proxy before it, so the first address not of a trusted proxy is the client.
// The left part of the header is whatever the client sent and is ignored.
func (ps proxies) clientIP(peer net.IP, xff string) string {
	if len(ps) == 0 || !ps.trusted(peer) || xff == "" {
		return peer.String()
	}
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break
		}
		if !ps.trusted(ip) {
			return ip.String()
		}
	}
	return peer.String()
}

// requestContext is the outermost layer: it assigns the request ID and
// client IP, puts a request-scoped logger and deadline in the user context,
// turns errors into error bodies, records metrics and writes one access-log
// line per request.
func requestContext(cfg config.HTTP, log *zap.Logger, m *Metrics) layer {
	trusted := parseProxies(cfg.TrustedProxies)
	return func(c *fiber.Ctx, next func() error) error {
		start := time.Now()
		// A copy: Fiber's c.Get shares the request's buffer, which the next
		// request on the connection overwrites, and the ID lives on in the
		// request-scoped logger.
		id := c.Get(HeaderRequestID)
		if requestIDPattern.MatchString(id) {
			id = strings.Clone(id)
		} else {
			id = uuid.NewString()
		}
		c.Set(HeaderRequestID, id)
		ip := trusted.clientIP(c.Context().RemoteIP(), c.Get(fiber.HeaderXForwardedFor))
		c.Locals(localClientIP, ip)

		reqLog := log.With(zap.String("request_id", id))
		ctx := context.WithValue(logging.WithLogger(context.Background(), reqLog), clientIPKey{}, ip)
		ctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
		defer cancel()
		c.SetUserContext(ctx)

		route := "unmatched"
		if err := next(); err != nil {
			if !unmatched(err) {
				route = c.Route().Path
			}
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		} else {
			route = c.Route().Path
		}
		status := c.Response().StatusCode()
		elapsed := time.Since(start)
		method, path := requestTarget(c)
		m.observe(metricMethod(method), route, status, elapsed)
		level := zap.InfoLevel
		if status >= 500 {
			level = zap.ErrorLevel
		}
		reqLog.Log(level, "request",
			zap.String("method", method),
			zap.String("path", redactPath(path)),
			zap.String("route", route),
			zap.Int("status", status),
			zap.Duration("duration", elapsed),
			zap.Int("bytes", len(c.Response().Body())),
			zap.String("ip", ip),
			zap.String("user_agent", c.Get(fiber.HeaderUserAgent)),
		)
		return nil
	}
}

// metricMethod is the method as a metrics label: one of the standard
// methods, as a constant (Fiber's c.Method() shares the request's buffer,
// which the next request overwrites), or OTHER, so that made-up methods
// cannot grow the label set.
func metricMethod(m string) string {
	for _, known := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

// unmatched reports whether err is Fiber's answer for a path or method that
// no route serves, or a refusal before routing; such requests are counted
// under one metrics label.
func unmatched(err error) bool {
	var fe *fiber.Error
	return errors.As(err, new(refusal)) || errors.As(err, &fe) && (fe.Code == fiber.StatusMethodNotAllowed ||
		fe.Code == fiber.StatusNotFound && strings.HasPrefix(fe.Message, "Cannot "))
}

// recoverPanics turns a panic into a 500 error body and logs the stack.
func recoverPanics() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			logging.From(c.UserContext(), zap.NewNop()).Error("panic",
				zap.String("panic", fmt.Sprint(e)), zap.ByteString("stack", debug.Stack()))
		},
	})
}

// securityHeaders sets headers that harden every response of a JSON API.
func securityHeaders(docsCSP string) layer {
	const apiCSP = "default-src 'none'; frame-ancestors 'none'"
	return func(c *fiber.Ctx, next func() error) error {
		h := &c.Response().Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if c.Protocol() == "https" {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if strings.HasPrefix(c.Path(), "/docs") {
			h.Set("Content-Security-Policy", docsCSP)
		} else {
			h.Set("Content-Security-Policy", apiCSP)
			h.Set("Cache-Control", "no-store")
		}
		return next()
	}
}

// bodylessNotModified drops the Content-Type of 304 answers: a 304 has no
// body, and RFC 9110 (15.4.5) asks not to send representation metadata with
// it (huma sets the type its body would have had). Clients and validating
// proxies that see application/json try to parse the empty body.
func bodylessNotModified() fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if c.Response().StatusCode() == fiber.StatusNotModified {
			c.Response().Header.Del(fiber.HeaderContentType)
		}
		return err
	}
}

// corsAllowList allows cross-origin calls only from the configured origins;
// other origins get no CORS headers, so browsers block them.
func corsAllowList(cfg config.HTTP) fiber.Handler {
	origins := strings.Join(cfg.CORSOrigins, ",")
	if origins == "" {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return cors.New(cors.Config{
		AllowOrigins:  origins,
		AllowMethods:  "GET,POST,PUT,PATCH,DELETE,OPTIONS",
		AllowHeaders:  "Authorization,Content-Type,X-Request-ID",
		ExposeHeaders: "X-Request-ID,Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset",
		MaxAge:        600,
	})
}

// closeWhileDraining asks clients to close keep-alive connections while the
// server drains before stopping, so that their next request goes through
// the load balancer to a ready instance.
func closeWhileDraining(draining *atomic.Bool) layer {
	return func(c *fiber.Ctx, next func() error) error {
		if draining.Load() {
			c.Context().SetConnectionClose()
		}
		return next()
	}
}
