package server_test

// Requests refused before Fiber's router (fasthttp could not read them, or
// Fiber does not know their method), over real connections: app.Test would
// build requests net/http can send, and these are the ones it cannot.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

// observed starts the app with cfg on a fresh port; its logs are observed.
func observed(t *testing.T, cfg config.Config) (addr string, logs *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	a := apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, testModule,
		fx.Decorate(func(*zap.Logger) *zap.Logger { return zap.New(core) }))
	return apptest.Listen(t, a.App), logs
}

// assertPlatformAnswer checks that res is the API's answer as every routed
// request gets it: the error body with path, the request ID, the security
// headers, and one access-log line with method, path and status.
func assertPlatformAnswer(t *testing.T, res *apptest.Response, logs *observer.ObservedLogs, status int, code, method, path string) apptest.ErrorBody {
	t.Helper()
	b := apptest.AssertError(t, res, status, code)
	if b.Path != path {
		t.Errorf("path = %q, want %q", b.Path, path)
	}
	id := res.Header.Get("X-Request-ID")
	if id == "" {
		t.Error("no X-Request-ID")
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	var lines []map[string]any
	for _, e := range logs.FilterMessage("request").All() {
		if f := e.ContextMap(); f["request_id"] == id {
			lines = append(lines, f)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d access-log lines for request %s, want 1: %v", len(lines), id, lines)
	}
	f := lines[0]
	if f["status"] != int64(status) || f["method"] != method || f["path"] != path || f["route"] != "unmatched" {
		t.Errorf("access-log line = %v, want %s %s %d on route unmatched", f, method, path, status)
	}
	return b
}

func TestOversizedRequestLineAndHeaders(t *testing.T) {
	t.Parallel()
	addr, logs := observed(t, apptest.Config(t))
	limit := config.Default().HTTP.MaxHeaderBytes
	get := func(target string, headers ...string) *apptest.Response {
		return apptest.SendRaw(t, addr, "GET "+target+" HTTP/1.1\r\nHost: reelview.test\r\n"+strings.Join(headers, "")+"\r\n")
	}

	t.Run("header fields over the limit are 431", func(t *testing.T) {
		res := get("/api/v1/genres?type=tv", "X-Request-ID: too-large-1\r\n", "Cookie: a="+strings.Repeat("x", limit)+"\r\n")
		assertPlatformAnswer(t, res, logs, 431, "HEADERS_TOO_LARGE", "GET", "/api/v1/genres")
	})
	t.Run("a request line over the limit is 414", func(t *testing.T) {
		res := get("/api/v1/genres?q=" + strings.Repeat("x", limit))
		assertPlatformAnswer(t, res, logs, 414, "URI_TOO_LONG", "GET", "/api/v1/genres")
	})
	t.Run("a long path is reported cut", func(t *testing.T) {
		res := get("/api/v1/" + strings.Repeat("p", limit))
		b := apptest.AssertError(t, res, 414, "URI_TOO_LONG")
		// Cut at the buffer's snippet, then the over-long segment shown as
		// its last characters only, as every error body shows one.
		if !strings.HasPrefix(b.Path, "/api/v1/") || len(b.Path) > 200 || !strings.HasSuffix(b.Path, "ppp") ||
			strings.Contains(b.Path, strings.Repeat("p", 65)) {
			t.Errorf("path = %q", b.Path)
		}
	})
	t.Run("hostile bytes of the path are percent-encoded", func(t *testing.T) {
		res := get("/api/v1/\xff\x1b[2J\"<x>\r\x00", "Cookie: "+strings.Repeat("x", limit)+"\r\n")
		assertPlatformAnswer(t, res, logs, 431, "HEADERS_TOO_LARGE", "GET", `/api/v1/%FF%1B[2J"<x>%0D%00`)
		if bytes.ContainsAny(res.Body, "\x1b\x00\r") || bytes.IndexByte(res.Body, 0xff) >= 0 {
			t.Errorf("raw bytes in the body: %q", res.Body)
		}
	})
	t.Run("under the limit, 4 times fasthttp's default", func(t *testing.T) {
		res := get("/api/v1/genres", "Cookie: a="+strings.Repeat("x", limit-1024)+"\r\n")
		apptest.AssertStatus(t, res, 200)
	})
	t.Run("the limit is HTTP_MAX_HEADER_BYTES", func(t *testing.T) {
		cfg := apptest.Config(t)
		cfg.HTTP.MaxHeaderBytes = config.MinHeaderBytes
		small, logs := observed(t, cfg)
		cookie := func(n int) *apptest.Response {
			return apptest.SendRaw(t, small, "GET /api/v1/genres HTTP/1.1\r\nHost: reelview.test\r\nCookie: "+strings.Repeat("x", n)+"\r\n\r\n")
		}
		apptest.AssertStatus(t, cookie(3000), 200)
		assertPlatformAnswer(t, cookie(5000), logs, 431, "HEADERS_TOO_LARGE", "GET", "/api/v1/genres")
	})
}

// TestBodyErrorsKeepTheRequest: fasthttp resets the header when a body
// fails; the answer still has the request's path and its own request ID.
func TestBodyErrorsKeepTheRequest(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.BodyLimit = 4096
	addr, logs := observed(t, cfg)
	chunked := func(id string, chunks ...string) string {
		var b strings.Builder
		b.WriteString("POST /api/v1/test/echo?x=1 HTTP/1.1\r\nHost: reelview.test\r\nContent-Type: application/json\r\n" +
			"X-Request-ID: " + id + "\r\nTransfer-Encoding: chunked\r\n\r\n")
		for _, c := range chunks {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
		}
		return b.String()
	}
	t.Run("a chunked body over the limit is 413", func(t *testing.T) {
		res := apptest.SendRaw(t, addr, chunked("chunked-1", `{"name":"`+strings.Repeat("a", 3000), strings.Repeat("a", 3000)+`","rating":5}`, ""))
		assertPlatformAnswer(t, res, logs, 413, "PAYLOAD_TOO_LARGE", "POST", "/api/v1/test/echo")
		if got := res.Header.Get("X-Request-ID"); got != "chunked-1" {
			t.Errorf("X-Request-ID = %q, want the client's", got)
		}
	})
	t.Run("a Content-Length over the limit is 413", func(t *testing.T) {
		body := `{"name":"` + strings.Repeat("a", 5000) + `","rating":5}`
		res := apptest.SendRaw(t, addr, fmt.Sprintf("POST /api/v1/test/echo HTTP/1.1\r\nHost: reelview.test\r\n"+
			"Content-Type: application/json\r\nX-Request-ID: length-1\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
		assertPlatformAnswer(t, res, logs, 413, "PAYLOAD_TOO_LARGE", "POST", "/api/v1/test/echo")
	})
	t.Run("a broken chunk is 400", func(t *testing.T) {
		raw := strings.Replace(chunked("chunked-2", `{"name":"ab","rating":5}`, ""), "\r\n0\r\n", "\r\nzz\r\n", 1)
		res := apptest.SendRaw(t, addr, raw)
		assertPlatformAnswer(t, res, logs, 400, "BAD_REQUEST", "POST", "/api/v1/test/echo")
	})
	t.Run("a chunked body under the limit is served", func(t *testing.T) {
		res := apptest.SendRaw(t, addr, chunked("chunked-3", `{"name":"ab",`, `"rating":5}`, ""))
		apptest.AssertStatus(t, res, 200)
	})
}

// TestReadTimeouts: a request that stops half-way is 408 with its path; a
// connection that sends nothing is 408 with neither a method nor a path.
func TestReadTimeouts(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.ReadTimeout = 300 * time.Millisecond
	addr, logs := observed(t, cfg)
	res := apptest.SendRaw(t, addr, "GET /api/v1/genres?type=tv HTTP/1.1\r\nHost: reelview.test\r\n")
	assertPlatformAnswer(t, res, logs, 408, "SERVICE_UNAVAILABLE", "GET", "/api/v1/genres")
	res = apptest.SendRaw(t, addr, "")
	assertPlatformAnswer(t, res, logs, 408, "SERVICE_UNAVAILABLE", "", "")
}

// TestUnknownMethods: a method Fiber does not route, made up or in lower
// case (methods are case-sensitive), is the API's 405 with Allow, or 404 on
// a path that does not exist.
func TestUnknownMethods(t *testing.T) {
	t.Parallel()
	addr, logs := observed(t, apptest.Config(t))
	for _, method := range []string{"PROPFIND", "get", "Get", "BREW"} {
		t.Run(method, func(t *testing.T) {
			res := apptest.SendRaw(t, addr, method+" /api/v1/genres HTTP/1.1\r\nHost: reelview.test\r\n\r\n")
			assertPlatformAnswer(t, res, logs, 405, "METHOD_NOT_ALLOWED", method, "/api/v1/genres")
			if got := res.Header.Get("Allow"); got != "GET, HEAD, POST" {
				t.Errorf("Allow = %q", got)
			}
		})
	}
	t.Run("on an unknown path", func(t *testing.T) {
		res := apptest.SendRaw(t, addr, "PROPFIND /api/v1/nope HTTP/1.1\r\nHost: reelview.test\r\n\r\n")
		assertPlatformAnswer(t, res, logs, 404, "RESOURCE_NOT_FOUND", "PROPFIND", "/api/v1/nope")
	})
	t.Run("the connection stays usable", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(conn, "PROPFIND /api/v1/genres HTTP/1.1\r\nHost: reelview.test\r\n\r\nGET /health HTTP/1.1\r\nHost: reelview.test\r\n\r\n")
		r := bufio.NewReader(conn)
		for _, want := range []int{405, 200} {
			res, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != want {
				t.Errorf("status %d, want %d", res.StatusCode, want)
			}
		}
	})
}
