package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reelview/reelview/config"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := config.Default()
	if !c.Embedded() || c.HTTP.Addr != ":8080" || c.DataDir != "./data" || c.Auth.BcryptCost != 12 ||
		c.Auth.AccessTokenTTL != 30*time.Minute || c.Auth.RefreshTokenTTL != 168*time.Hour ||
		c.HTTP.BodyLimit != 1<<20 || c.Log.Format != "console" || c.Log.Level != "info" ||
		c.TMDB.BaseURL != "https://api.themoviedb.org/3" || !c.SeedDemo() {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if c.RateLimit.Default != (config.Rate{Requests: 300, Period: time.Minute}) {
		t.Errorf("RATE_LIMIT_DEFAULT = %v", c.RateLimit.Default)
	}
	if c.Contents.LocalCacheTTL != 2*time.Second || c.Contents.LocalCacheSize != 10000 || c.RateLimit.LocalBatch != 100 {
		t.Errorf("CONTENT_CACHE_LOCAL_TTL = %s, CONTENT_CACHE_LOCAL_SIZE = %d, RATE_LIMIT_LOCAL_BATCH = %d",
			c.Contents.LocalCacheTTL, c.Contents.LocalCacheSize, c.RateLimit.LocalBatch)
	}
	if c.Contents.ListCacheTTL != 2*time.Second || c.Auth.SessionCacheTTL != 2*time.Second {
		t.Errorf("CONTENT_LIST_CACHE_TTL = %s, SESSION_CACHE_TTL = %s", c.Contents.ListCacheTTL, c.Auth.SessionCacheTTL)
	}
	if c.Feed.FanOutInline != 1000 {
		t.Errorf("FEED_FANOUT_INLINE = %d", c.Feed.FanOutInline)
	}
	if c.HTTP.MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("METRICS_ADDR = %q, want loopback 127.0.0.1:9464", c.HTTP.MetricsAddr)
	}
	if tc := config.ForTest(); tc.Auth.BcryptCost != 4 {
		t.Errorf("APP_ENV=test bcrypt cost = %d, want 4", tc.Auth.BcryptCost)
	}
}

func TestProductionSwitches(t *testing.T) {
	t.Parallel()
	c, err := config.FromMap(map[string]string{
		"APP_ENV":      "production",
		"DATABASE_URL": "postgres://u:p@db:5432/reelview?sslmode=disable",
		"REDIS_URL":    "redis://redis:6379/0",
		"JWT_SECRET":   strings.Repeat("s", 32),
		"BCRYPT_COST":  "13",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded() || c.SeedDemo() || c.Log.Format != "json" || c.Auth.BcryptCost != 13 {
		t.Errorf("production config: %+v", c)
	}
}

func TestInvalidValuesAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := config.FromMap(map[string]string{
		"APP_ENV":                  "production",
		"DATABASE_URL":             "mysql://root:secret@db/reelview",
		"REDIS_URL":                "localhost:6379",
		"JWT_SECRET":               "short",
		"LOG_LEVEL":                "verbose",
		"LOG_FORMAT":               "xml",
		"BCRYPT_COST":              "8",
		"CORS_ALLOW_ORIGINS":       "https://ok.example,not a url",
		"TRUSTED_PROXIES":          "10.0.0.0/8,proxy.local",
		"HTTP_ADDR":                "8080",
		"METRICS_ADDR":             "9090",
		"TMDB_BASE_URL":            "ftp://tmdb",
		"RATE_LIMIT_LOCAL_BATCH":   "0",
		"CONTENT_CACHE_LOCAL_SIZE": "0",
		"CONTENT_CACHE_LOCAL_TTL":  "1h",
		"CONTENT_LIST_CACHE_TTL":   "-1s",
		"SESSION_CACHE_TTL":        "1m",
		"FEED_FANOUT_INLINE":       "0",
	})
	if err == nil {
		t.Fatal("want an error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"BCRYPT_COST:", "CONTENT_CACHE_LOCAL_SIZE:", "CONTENT_CACHE_LOCAL_TTL:", "CONTENT_LIST_CACHE_TTL:", "CORS_ALLOW_ORIGINS:",
		"DATABASE_URL:", "FEED_FANOUT_INLINE:", "HTTP_ADDR:", "JWT_SECRET:", "LOG_FORMAT:", "LOG_LEVEL:", "METRICS_ADDR:", "RATE_LIMIT_LOCAL_BATCH:",
		"REDIS_URL:", "SESSION_CACHE_TTL:", "TMDB_BASE_URL:", "TRUSTED_PROXIES:"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d (one per bad value):\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("a password leaked into the message: %s", err)
	}
}

// TestMetricsAddr: METRICS_ADDR takes a listen address or off (any case),
// which leaves the metrics listener out; empty is the default, like every
// variable.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":              "127.0.0.1:9464",
		":9090":         ":9090",
		"10.0.0.5:9100": "10.0.0.5:9100",
		"[::1]:9090":    "[::1]:9090",
		"off":           "",
		" OFF ":         "",
		"127.0.0.1:0":   "127.0.0.1:0",
	} {
		c, err := config.FromMap(map[string]string{"METRICS_ADDR": in})
		if err != nil || c.HTTP.MetricsAddr != want {
			t.Errorf("METRICS_ADDR=%q: %q, %v; want %q", in, c.HTTP.MetricsAddr, err, want)
		}
	}
	for _, bad := range []string{"9090", "localhost", "no", "http://127.0.0.1:9090"} {
		_, err := config.FromMap(map[string]string{"METRICS_ADDR": bad})
		if err == nil || !strings.HasPrefix(err.Error(), "METRICS_ADDR: ") {
			t.Errorf("METRICS_ADDR=%q: err = %v, want a METRICS_ADDR error", bad, err)
		}
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	_, err := config.FromMap(map[string]string{
		"ACCESS_TOKEN_TTL":   "thirty minutes",
		"HTTP_BODY_LIMIT":    "1MB",
		"RATE_LIMIT_AUTH":    "ten per minute",
		"RATE_LIMIT_ENABLED": "sure",
	})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"ACCESS_TOKEN_TTL: must be a duration", "HTTP_BODY_LIMIT: must be a whole number",
		"RATE_LIMIT_AUTH: want requests/period", "RATE_LIMIT_ENABLED: must be true or false"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error lacks %q:\n%s", name, err)
		}
	}
	if strings.Contains(err.Error(), "parse error on field") {
		t.Errorf("library wording leaked: %s", err)
	}
}

func TestProductionRequiresLongSecret(t *testing.T) {
	t.Parallel()
	_, err := config.FromMap(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("s", 31)})
	if err == nil || !strings.Contains(err.Error(), "JWT_SECRET: must be at least 32 bytes") {
		t.Fatalf("err = %v", err)
	}
	_, err = config.FromMap(map[string]string{"APP_ENV": "production"})
	if err == nil || !strings.Contains(err.Error(), "JWT_SECRET") {
		t.Fatalf("production without JWT_SECRET: err = %v", err)
	}
	// Elsewhere an unset JWT_SECRET stays unset (the server generates one in
	// DATA_DIR at start): there is no built-in secret.
	for _, env := range []string{"development", "test"} {
		c, err := config.FromMap(map[string]string{"APP_ENV": env})
		if err != nil || c.Auth.JWTSecret != "" {
			t.Errorf("%s without JWT_SECRET: secret %q, err %v; want none", env, c.Auth.JWTSecret, err)
		}
	}
	_, err = config.FromMap(map[string]string{"JWT_SECRET": strings.Repeat("s", 15)})
	if err == nil || !strings.Contains(err.Error(), "JWT_SECRET: must be at least 16 bytes") {
		t.Fatalf("short development secret: err = %v", err)
	}
}

func TestDotEnvFile(t *testing.T) {
	// Not parallel: Load reads the process environment.
	dir := t.TempDir()
	file := filepath.Join(dir, ".env")
	if err := os.WriteFile(file, []byte("HTTP_ADDR=:9999\nLOG_LEVEL=debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOG_LEVEL", "warn") // the environment wins over the file
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":9999" || c.Log.Level != "warn" {
		t.Errorf("addr %q level %q", c.HTTP.Addr, c.Log.Level)
	}
	if _, err := config.Load(filepath.Join(dir, "missing.env")); err != nil {
		t.Errorf("a missing .env must be fine: %v", err)
	}
}

// TestEveryVariableDocumented: each environment variable Config reads is in
// the README's configuration table and in .env.example.
func TestEveryVariableDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(reflect.Type)
	n := 0
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if name, ok := f.Tag.Lookup("env"); ok {
				if name, _, _ = strings.Cut(name, ","); name == "-" {
					continue
				}
				n++
				if !strings.Contains(string(readme), "| `"+name+"` |") {
					t.Errorf("%s is not in the README's configuration table", name)
				}
				if !regexp.MustCompile(`(?m)^#? ?` + name + `=`).Match(example) {
					t.Errorf("%s is not in .env.example", name)
				}
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.IsExported() {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(config.Config{}))
	if n < 20 {
		t.Fatalf("found only %d variables: the walk is broken", n)
	}
}

// A default build has the embedded mode; a build tagged noembedded (the
// Docker image) asks for both URLs instead of starting a mode it lacks. CI
// runs this test in both builds.
func TestEmbeddedModeBuilt(t *testing.T) {
	t.Parallel()
	urls := map[string]string{"DATABASE_URL": "postgres://u@db:5432/reelview", "REDIS_URL": "redis://cache:6379/0"}
	if _, err := config.FromMap(urls); err != nil {
		t.Fatalf("both URLs set: %v", err)
	}
	_, none := config.FromMap(map[string]string{})
	_, noRedis := config.FromMap(map[string]string{"DATABASE_URL": urls["DATABASE_URL"]})
	if config.EmbeddedBuilt {
		if none != nil || noRedis != nil {
			t.Fatalf("embedded build: no URLs: %v; no REDIS_URL: %v", none, noRedis)
		}
		return
	}
	for _, want := range []string{"DATABASE_URL: is required", "REDIS_URL: is required"} {
		if none == nil || !strings.Contains(none.Error(), want) {
			t.Errorf("noembedded build without URLs: err = %v, want %q", none, want)
		}
	}
	if noRedis == nil || !strings.Contains(noRedis.Error(), "REDIS_URL: is required") ||
		strings.Contains(noRedis.Error(), "DATABASE_URL") {
		t.Errorf("noembedded build without REDIS_URL: err = %v", noRedis)
	}
}

// TestMaxHeaderBytes: HTTP_MAX_HEADER_BYTES defaults to 16 KiB and takes
// 4 KiB to 1 MiB.
func TestMaxHeaderBytes(t *testing.T) {
	t.Parallel()
	if got := config.Default().HTTP.MaxHeaderBytes; got != 16384 {
		t.Errorf("default HTTP_MAX_HEADER_BYTES = %d, want 16384", got)
	}
	for value, ok := range map[string]bool{"4096": true, "1048576": true, "65536": true,
		"4095": false, "1048577": false, "0": false, "-1": false} {
		c, err := config.FromMap(map[string]string{"HTTP_MAX_HEADER_BYTES": value})
		switch {
		case ok && (err != nil || strconv.Itoa(c.HTTP.MaxHeaderBytes) != value):
			t.Errorf("HTTP_MAX_HEADER_BYTES=%s: %v, %d", value, err, c.HTTP.MaxHeaderBytes)
		case !ok && (err == nil || !strings.HasPrefix(err.Error(), "HTTP_MAX_HEADER_BYTES: must be between 4096 and 1048576 bytes")):
			t.Errorf("HTTP_MAX_HEADER_BYTES=%s: err = %v", value, err)
		}
	}
}

// Failed logins are limited tightly per account and client IP and more
// loosely per account; the ceiling cannot be tighter than the per-IP limit.
func TestLoginLimits(t *testing.T) {
	t.Parallel()
	c := config.Default()
	if c.RateLimit.LoginAccountIP != (config.Rate{Requests: 10, Period: 15 * time.Minute}) ||
		c.RateLimit.LoginAccount != (config.Rate{Requests: 100, Period: time.Hour}) {
		t.Errorf("RATE_LIMIT_LOGIN_ACCOUNT_IP = %v, RATE_LIMIT_LOGIN_ACCOUNT = %v", c.RateLimit.LoginAccountIP, c.RateLimit.LoginAccount)
	}
	c, err := config.FromMap(map[string]string{"RATE_LIMIT_LOGIN_ACCOUNT_IP": "5/10m", "RATE_LIMIT_LOGIN_ACCOUNT": "5/1h"})
	if err != nil || c.RateLimit.LoginAccountIP != (config.Rate{Requests: 5, Period: 10 * time.Minute}) {
		t.Errorf("equal limits: %v, %v", c.RateLimit.LoginAccountIP, err)
	}
	for _, tt := range []struct{ perIP, ceiling, want string }{
		{"10/15m", "9/1h", "RATE_LIMIT_LOGIN_ACCOUNT: the account-wide ceiling must allow at least"},
		{"0/15m", "100/1h", "RATE_LIMIT_LOGIN_ACCOUNT_IP: want requests/period"},
		{"10/-1m", "100/1h", "RATE_LIMIT_LOGIN_ACCOUNT_IP: want requests/period"},
	} {
		_, err := config.FromMap(map[string]string{"RATE_LIMIT_LOGIN_ACCOUNT_IP": tt.perIP, "RATE_LIMIT_LOGIN_ACCOUNT": tt.ceiling})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s and %s: err = %v, want %q", tt.perIP, tt.ceiling, err, tt.want)
		}
	}
}

func TestRefreshReuseGrace(t *testing.T) {
	t.Parallel()
	if g := config.Default().Auth.RefreshReuseGrace; g != 5*time.Second {
		t.Errorf("REFRESH_REUSE_GRACE = %s, want 5s", g)
	}
	for v, want := range map[string]time.Duration{"0s": 0, "1m": time.Minute, "250ms": 250 * time.Millisecond} {
		c, err := config.FromMap(map[string]string{"REFRESH_REUSE_GRACE": v})
		if err != nil || c.Auth.RefreshReuseGrace != want {
			t.Errorf("REFRESH_REUSE_GRACE=%s: %s, %v", v, c.Auth.RefreshReuseGrace, err)
		}
	}
	for _, v := range []string{"-1s", "61s", "1h"} {
		_, err := config.FromMap(map[string]string{"REFRESH_REUSE_GRACE": v})
		if err == nil || !strings.Contains(err.Error(), "REFRESH_REUSE_GRACE: must be between 0s (off) and 1m") {
			t.Errorf("REFRESH_REUSE_GRACE=%s: err = %v", v, err)
		}
	}
}
