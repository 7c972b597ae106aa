package apptest

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Response is a recorded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorBody is the API's error shape, for assertions.
type ErrorBody struct {
	Timestamp time.Time `json:"timestamp"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Code      string    `json:"code"`
	Message   string    `json:"message"`
	Details   []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"details"`
}

// Request is one request to send with Send.
type Request struct {
	Method, Path, Token, Body string
	Header                    map[string]string
}

// Do sends one request through the app in process (no port). A non-empty
// body is sent as application/json; a token as a bearer Authorization.
func Do(t testing.TB, app *fiber.App, method, path, token, body string) *Response {
	t.Helper()
	return Send(t, app, Request{Method: method, Path: path, Token: token, Body: body})
}

// Send sends r through the app in process. It is safe to call from the
// goroutines of a concurrent test: a failure to send is reported with
// t.Errorf (never t.Fatal, which must not run outside the test's goroutine)
// and answers an empty Response, whose status 0 fails the caller's checks.
func Send(t testing.TB, app *fiber.App, r Request) *Response {
	t.Helper()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if r.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Errorf("%s %s: %v", r.Method, r.Path, err)
		return &Response{}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", r.Method, r.Path, err)
		return &Response{}
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// AssertStatus fails the test unless the status is want.
func AssertStatus(t testing.TB, r *Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, want, r.Body)
	}
}

// AssertError checks status, code and the whole error body shape: exactly
// the six fields of API.md, a JSON content type, a recent timestamp and the
// matching status; it returns the decoded body.
func AssertError(t testing.TB, r *Response, status int, code string) ErrorBody {
	t.Helper()
	AssertStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type = %q, want application/json", ct)
	}
	var raw map[string]json.RawMessage
	r.JSON(t, &raw)
	for _, k := range []string{"timestamp", "path", "status", "code", "message", "details"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("error body lacks %q: %s", k, r.Body)
		}
	}
	if len(raw) != 6 {
		t.Fatalf("error body has extra fields: %s", r.Body)
	}
	var b ErrorBody
	r.JSON(t, &b)
	if b.Status != status || b.Code != code {
		t.Fatalf("error = %d %s, want %d %s; body: %s", b.Status, b.Code, status, code, r.Body)
	}
	if b.Message == "" || time.Since(b.Timestamp) > time.Minute {
		t.Fatalf("error body has an empty message or a stale timestamp: %s", r.Body)
	}
	return b
}

// Eventually polls cond until it holds, failing the test after within.
func Eventually(t testing.TB, within time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Listen serves the app on a fresh port of 127.0.0.1 until the test ends and
// returns its address, for requests that must cross a real connection: the
// limits fasthttp applies while it reads a request, bytes that net/http
// would not send.
func Listen(t testing.TB, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// SendRaw writes raw, the bytes of one HTTP/1.1 request, on a new
// connection to addr and reads the answer.
func SendRaw(t testing.TB, addr, raw string) *Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(raw, " ")
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer's body: %v", err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}
