package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	t.Run("kept when sane", func(t *testing.T) {
		res := apptest.Send(t, a.App, apptest.Request{Method: "GET", Path: "/health",
			Header: map[string]string{"X-Request-ID": "client-abc.123"}})
		if got := res.Header.Get("X-Request-ID"); got != "client-abc.123" {
			t.Errorf("X-Request-ID = %q", got)
		}
	})
	t.Run("replaced when hostile", func(t *testing.T) {
		res := apptest.Send(t, a.App, apptest.Request{Method: "GET", Path: "/health",
			Header: map[string]string{"X-Request-ID": "bad id\"<script>" + strings.Repeat("x", 200)}})
		if got := res.Header.Get("X-Request-ID"); len(got) != 36 || strings.Contains(got, "<") {
			t.Errorf("X-Request-ID = %q, want a fresh UUID", got)
		}
	})
	t.Run("generated when absent, also on errors", func(t *testing.T) {
		res := apptest.Do(t, a.App, "GET", "/api/v1/nope", "", "")
		if got := res.Header.Get("X-Request-ID"); len(got) != 36 {
			t.Errorf("X-Request-ID = %q, want a UUID", got)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, auth.Module, contents.Module)
	for _, path := range []string{"/api/v1/genres", "/api/v1/nope", "/health"} {
		res := apptest.Do(t, a.App, "GET", path, "", "")
		for h, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Cache-Control":           "no-store",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if res.Header.Get("Server") != "" || res.Header.Get("X-Powered-By") != "" {
			t.Errorf("%s: server identity leaked", path)
		}
	}
	res := apptest.Do(t, a.App, "GET", "/docs", "", "")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("/docs CSP = %q", csp)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.HTTP.CORSOrigins = []string{"https://app.reelview.test"}
	a := apptest.NewWithConfig(t, cfg, auth.Module, contents.Module)

	preflight := func(origin string) *apptest.Response {
		return apptest.Send(t, a.App, apptest.Request{Method: "OPTIONS", Path: "/api/v1/genres", Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "GET",
			"Access-Control-Request-Headers": "Authorization",
		}})
	}
	res := preflight("https://app.reelview.test")
	if res.Header.Get("Access-Control-Allow-Origin") != "https://app.reelview.test" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin = %q", res.Header.Get("Access-Control-Allow-Origin"))
	}
	if !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed origin: Allow-Headers = %q", res.Header.Get("Access-Control-Allow-Headers"))
	}
	res = preflight("https://evil.example")
	if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("unknown origin got Access-Control-Allow-Origin = %q", v)
	}
	res = apptest.Send(t, a.App, apptest.Request{Method: "GET", Path: "/api/v1/genres",
		Header: map[string]string{"Origin": "https://evil.example"}})
	if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("unknown origin, simple request: Access-Control-Allow-Origin = %q", v)
	}
}

func TestClientIPBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	ip := func(a *apptest.App, xff string) string {
		res := apptest.Send(t, a.App, apptest.Request{Method: "GET", Path: "/api/v1/test/ip",
			Header: map[string]string{"X-Forwarded-For": xff}})
		return res.Header.Get("X-Test-Client-IP")
	}
	// In-process requests come from 0.0.0.0.
	direct := apptest.New(t, testModule)
	if got := ip(direct, "1.2.3.4"); got != "0.0.0.0" {
		t.Errorf("untrusted peer: client IP = %q, want the peer, X-Forwarded-For ignored", got)
	}
	cfg := apptest.Config(t)
	cfg.HTTP.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"}
	proxied := apptest.NewWithConfig(t, cfg, testModule)
	for xff, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"6.6.6.6, 203.0.113.7":  "203.0.113.7", // the left part is the client's own claim
		"203.0.113.7, 10.1.2.3": "203.0.113.7", // skip a second trusted hop
		"not-an-ip":             "0.0.0.0",
		"":                      "0.0.0.0",
		"2001:db8::1":           "2001:db8::1",
	} {
		if got := ip(proxied, xff); got != want {
			t.Errorf("X-Forwarded-For %q: client IP = %q, want %q", xff, got, want)
		}
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.InfoLevel)
	a := apptest.New(t, auth.Module, contents.Module,
		fx.Decorate(func(*zap.Logger) *zap.Logger { return zap.New(core) }))
	res := apptest.Send(t, a.App, apptest.Request{Method: "GET", Path: "/api/v1/genres?type=tv",
		Header: map[string]string{"X-Request-ID": "log-test-1"}})
	apptest.AssertStatus(t, res, 200)
	apptest.Do(t, a.App, "GET", "/api/v1/test/nope", "", "")

	entries := logs.FilterMessage("request").All()
	if len(entries) != 2 {
		t.Fatalf("got %d access-log lines, want one per request (2)", len(entries))
	}
	f := entries[0].ContextMap()
	if f["request_id"] != "log-test-1" || f["route"] != "/api/v1/genres" || f["status"] != int64(200) ||
		f["method"] != "GET" || f["path"] != "/api/v1/genres" {
		t.Errorf("access log fields = %v", f)
	}
	if f := entries[1].ContextMap(); f["status"] != int64(404) || f["route"] != "unmatched" {
		t.Errorf("404 access log fields = %v", f)
	}
}

// metricsApp is an application whose metrics listener (METRICS_ADDR) is on
// a free loopback port.
func metricsApp(t *testing.T) *apptest.App {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.HTTP.MetricsAddr = "127.0.0.1:0"
	return apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, fx.Invoke(server.ServeMetrics))
}

// scrape sends method path to the metrics listener.
func scrape(t *testing.T, a *apptest.App, method, path string) (status int, h http.Header, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+a.Metrics.Addr()+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s on the metrics listener: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	a := metricsApp(t)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/genres", "", ""), 200)
	apptest.Do(t, a.App, "GET", "/api/v1/genres?type=x", "", "")
	apptest.Do(t, a.App, "GET", "/no/such/route/42", "", "")
	// The API port does not serve the metrics: an unknown route there.
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/metrics", "", ""), 404, "RESOURCE_NOT_FOUND")
	// Requests of other methods after them must not rewrite their labels
	// (the method shares the request's buffer).
	apptest.Do(t, a.App, "PUT", "/api/v1/genres", "", "")
	status, h, body := scrape(t, a, "GET", "/metrics")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics on the metrics listener: %d %s", status, h.Get("Content-Type"))
	}
	for _, want := range []string{
		`reelview_http_requests_total{method="GET",route="/api/v1/genres",status="200"} 1`,
		`reelview_http_requests_total{method="GET",route="/api/v1/genres",status="400"} 1`,
		`reelview_http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`reelview_http_requests_total{method="PUT",route="unmatched",status="405"} 1`,
		`reelview_http_request_duration_seconds_bucket{method="GET",route="/api/v1/genres"`,
		`go_sql_open_connections{db_name="` + a.DB.Dialect + `"}`,
		`reelview_redis_pool_connections{state="total"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/no/such/route/42") || strings.Contains(body, `route="/metrics"`) {
		t.Error("unmatched paths must not become metric labels")
	}
	// Prometheus's own parser reads all of it: one TYPE per family, valid
	// names, labels and values.
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse as the Prometheus text format: %v", err)
	}
	for name, typ := range map[string]dto.MetricType{
		"reelview_http_requests_total":           dto.MetricType_COUNTER,
		"reelview_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"go_sql_wait_count_total":                dto.MetricType_COUNTER,
		"reelview_redis_pool_events_total":       dto.MetricType_COUNTER,
		"go_goroutines":                          dto.MetricType_GAUGE,
		"process_resident_memory_bytes":          dto.MetricType_GAUGE,
	} {
		if f := fams[name]; f == nil || f.GetType() != typ {
			t.Errorf("family %s: %v, want type %v", name, f, typ)
		}
	}
	// The histogram counts the two GET /api/v1/genres requests, each in
	// every bucket at or above its duration.
	for _, m := range fams["reelview_http_request_duration_seconds"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["method"] == "GET" && labels["route"] == "/api/v1/genres" {
			h := m.GetHistogram()
			if h.GetSampleCount() != 2 || len(h.GetBucket()) == 0 ||
				h.GetBucket()[len(h.GetBucket())-1].GetCumulativeCount() != 2 {
				t.Errorf("GET /api/v1/genres histogram = %v", h)
			}
		}
	}
}

// TestMetricsListenerAnswers: the metrics listener serves GET and HEAD
// /metrics only; anything else gets the API's error body.
func TestMetricsListenerAnswers(t *testing.T) {
	t.Parallel()
	a := metricsApp(t)
	if status, _, body := scrape(t, a, "HEAD", "/metrics"); status != 200 || body != "" {
		t.Errorf("HEAD /metrics: %d, %d bytes", status, len(body))
	}
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/", 404, "RESOURCE_NOT_FOUND"},
		{"GET", "/api/v1/genres", 404, "RESOURCE_NOT_FOUND"},
		{"GET", "/metrics/x", 404, "RESOURCE_NOT_FOUND"},
		{"POST", "/metrics", 405, "METHOD_NOT_ALLOWED"},
		{"DELETE", "/metrics", 405, "METHOD_NOT_ALLOWED"},
	} {
		status, h, body := scrape(t, a, c.method, c.path)
		var b server.ErrorBody
		if err := json.Unmarshal([]byte(body), &b); err != nil || status != c.status || b.Status != c.status ||
			b.Code != c.code || b.Path != c.path || b.Message == "" || b.Timestamp.IsZero() ||
			!strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d %s", c.method, c.path, status, body)
		}
		if c.status == 405 && h.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow = %q", c.method, c.path, h.Get("Allow"))
		}
	}
}
