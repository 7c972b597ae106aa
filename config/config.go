// Package config holds Reelview's typed configuration. Values come from the
// environment and an optional .env file (the environment wins); Load validates
// them and reports every bad value at once, one line each.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"
	"go.uber.org/fx"
)

// Environments accepted in APP_ENV.
const (
	Development = "development"
	Production  = "production"
	Test        = "test"
)

// MinBcryptCost is the lowest BCRYPT_COST accepted outside APP_ENV=test.
const MinBcryptCost = 10

// Bounds of HTTP_MAX_HEADER_BYTES: below 4 KiB ordinary browser requests
// (cookies, a bearer token) stop fitting; above 1 MiB each connection being
// read would hold a buffer as large as a whole request body.
const (
	MinHeaderBytes = 4096
	MaxHeaderBytes = 1 << 20
)

// Config is the whole configuration of one Reelview process.
type Config struct {
	Env       string `env:"APP_ENV" envDefault:"development"`
	DataDir   string `env:"DATA_DIR" envDefault:"./data"`
	HTTP      HTTP
	Database  Database
	Redis     Redis
	Log       Log
	Auth      Auth
	RateLimit RateLimit
	Contents  Contents
	Jobs      Jobs
	Feed      Feed
	TMDB      TMDB
	Google    Google
	Firebase  Firebase
	// DemoSeed seeds the demo catalog on first start. Unset, it is true in
	// the embedded mode and false with PostgreSQL.
	DemoSeed *bool `env:"DEMO_SEED"`
	// Passwords of the demo admin and users; generated (and shown once)
	// when empty.
	DemoAdminPassword string `env:"DEMO_ADMIN_PASSWORD"`
	DemoUserPassword  string `env:"DEMO_USER_PASSWORD"`
}

// HTTP configures the server.
type HTTP struct {
	Addr string `env:"HTTP_ADDR" envDefault:":8080"`
	// MetricsAddr is the listen address of /metrics, apart from the API
	// port so that the metrics never reach the public network by accident;
	// "" when METRICS_ADDR is off.
	MetricsAddr     string        `env:"METRICS_ADDR" envDefault:"127.0.0.1:9464"`
	BodyLimit       int           `env:"HTTP_BODY_LIMIT" envDefault:"1048576"`
	ReadTimeout     time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"10s"`
	WriteTimeout    time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"30s"`
	IdleTimeout     time.Duration `env:"HTTP_IDLE_TIMEOUT" envDefault:"60s"`
	RequestTimeout  time.Duration `env:"HTTP_REQUEST_TIMEOUT" envDefault:"10s"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// DrainDelay is how long a stopping server keeps serving while /ready
	// answers 503 and every answer closes its connection, so that load
	// balancers take the instance out before it stops listening.
	DrainDelay     time.Duration `env:"SHUTDOWN_DRAIN_DELAY" envDefault:"0s"`
	CORSOrigins    []string      `env:"CORS_ALLOW_ORIGINS" envSeparator:","`
	TrustedProxies []string      `env:"TRUSTED_PROXIES" envSeparator:","`
	// MaxHeaderBytes bounds a request's request line and header fields
	// together: the read buffer each connection holds while a request is
	// read. Longer is 414 (request line) or 431 (header fields).
	MaxHeaderBytes int `env:"HTTP_MAX_HEADER_BYTES" envDefault:"16384"`
}

// Database selects PostgreSQL (URL set) or the embedded SQLite file (URL empty).
type Database struct {
	URL      string `env:"DATABASE_URL"`
	MaxConns int    `env:"DATABASE_MAX_CONNS" envDefault:"20"`
	// QueryTimeout bounds connecting and, on PostgreSQL, every statement
	// (statement_timeout).
	QueryTimeout time.Duration `env:"DATABASE_TIMEOUT" envDefault:"5s"`
	// AutoMigrate applies pending migrations at start-up (serve --migrate).
	AutoMigrate bool `env:"-"`
}

// Redis selects a Redis server (URL set) or the in-process one (URL empty).
type Redis struct {
	URL       string        `env:"REDIS_URL"`
	KeyPrefix string        `env:"REDIS_KEY_PREFIX" envDefault:"reelview:"`
	Timeout   time.Duration `env:"REDIS_TIMEOUT" envDefault:"2s"`
}

// Log configures zap.
type Log struct {
	Level  string `env:"LOG_LEVEL" envDefault:"info"`
	Format string `env:"LOG_FORMAT"` // json|console; default console in development, json otherwise
}

// Auth configures tokens and passwords.
type Auth struct {
	// JWTSecret signs access tokens. Production requires it; elsewhere,
	// unset, the server generates one at start and keeps it in DATA_DIR.
	JWTSecret       string        `env:"JWT_SECRET"`
	JWTIssuer       string        `env:"JWT_ISSUER" envDefault:"reelview"`
	JWTAudience     string        `env:"JWT_AUDIENCE" envDefault:"reelview-api"`
	AccessTokenTTL  time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"30m"`
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"168h"`
	BcryptCost      int           `env:"BCRYPT_COST"` // 12, or 4 with APP_ENV=test
	AdminEmail      string        `env:"ADMIN_EMAIL"`
	AdminPassword   string        `env:"ADMIN_PASSWORD"`
	// RefreshReuseGrace is how long after a refresh token was exchanged a
	// second exchange of it (two tabs refreshing at once) gets the same new
	// pair instead of ending the session as a reuse (0 turns it off).
	RefreshReuseGrace time.Duration `env:"REFRESH_REUSE_GRACE" envDefault:"5s"`
	// SessionCacheTTL is how long a process trusts an access token it found
	// active in Redis without asking again: the bound on how long a token
	// ended on another replica still passes when the revocation message is
	// lost (0 asks Redis on every request).
	SessionCacheTTL time.Duration `env:"SESSION_CACHE_TTL" envDefault:"2s"`
	// AccountCacheTTL is how long a process keeps the caller's own account
	// for GET /users/me; every change of a user row through the service
	// drops it everywhere at once, and the TTL bounds a lost message.
	AccountCacheTTL time.Duration `env:"ACCOUNT_CACHE_TTL" envDefault:"2s"`
}

// RateLimit configures the Redis-backed rate limiter. A Rate is written
// "requests/period", e.g. "300/1m".
type RateLimit struct {
	Enabled bool `env:"RATE_LIMIT_ENABLED" envDefault:"true"`
	// Default applies to every request, per client IP.
	Default Rate `env:"RATE_LIMIT_DEFAULT" envDefault:"300/1m"`
	// Auth applies to sign-up, login and other credential routes, per client IP.
	Auth Rate `env:"RATE_LIMIT_AUTH" envDefault:"20/1m"`
	// LoginAccountIP applies to failed logins per account (email) and
	// client IP: the tight limit, which an attacker elsewhere cannot spend
	// for the owner.
	LoginAccountIP Rate `env:"RATE_LIMIT_LOGIN_ACCOUNT_IP" envDefault:"10/15m"`
	// LoginAccount applies to failed logins per account (email) from any
	// IP: the looser ceiling against guessing spread over many addresses.
	LoginAccount Rate `env:"RATE_LIMIT_LOGIN_ACCOUNT" envDefault:"100/1h"`
	// Report applies to review reports, per client IP.
	Report Rate `env:"RATE_LIMIT_REPORT" envDefault:"20/1h"`
	// Import applies to data imports (uploads, dry runs included), per client IP.
	Import Rate `env:"RATE_LIMIT_IMPORT" envDefault:"30/1h"`
	// LocalBatch is the most default-policy requests one process reserves
	// in Redis at once for one client IP, then grants without asking Redis
	// (never more than 1% of Default's requests; 1 asks Redis every time).
	LocalBatch int `env:"RATE_LIMIT_LOCAL_BATCH" envDefault:"100"`
}

// Contents configures the catalog's in-process cache of content details, the
// tier in front of the shared Redis cache.
type Contents struct {
	// LocalCacheSize is how many content details one process keeps.
	LocalCacheSize int `env:"CONTENT_CACHE_LOCAL_SIZE" envDefault:"10000"`
	// LocalCacheTTL is how long a process serves a detail from memory: the
	// bound on staleness when an invalidation message is lost (0 turns the
	// tier off).
	LocalCacheTTL time.Duration `env:"CONTENT_CACHE_LOCAL_TTL" envDefault:"2s"`
	// ListCacheTTL is how long a process serves a list page's public part
	// (items, total) from memory: the bound on staleness when an
	// invalidation message is lost (0 turns it off).
	ListCacheTTL time.Duration `env:"CONTENT_LIST_CACHE_TTL" envDefault:"2s"`
}

// Jobs configures the River job queue.
type Jobs struct {
	Workers int `env:"JOB_WORKERS" envDefault:"10"`
	// PollInterval is how often a process looks for jobs to run, including
	// retries that became due.
	PollInterval time.Duration `env:"JOB_POLL_INTERVAL" envDefault:"1s"`
}

// Feed configures the activity feed's fan-out on write.
type Feed struct {
	// FanOutInline is how many followers' inboxes an event is written to
	// in its own transaction; the inboxes of further followers are written
	// by a background job right after (accounts with many followers).
	FanOutInline int `env:"FEED_FANOUT_INLINE" envDefault:"1000"`
}

// TMDB configures The Movie Database client.
type TMDB struct {
	APIKey    string `env:"TMDB_API_KEY"`
	ReadToken string `env:"TMDB_READ_TOKEN"`
	BaseURL   string `env:"TMDB_BASE_URL" envDefault:"https://api.themoviedb.org/3"`
	// CallTimeout bounds one attempt (connect, headers and body).
	CallTimeout time.Duration `env:"TMDB_TIMEOUT" envDefault:"10s"`
	// MaxRetries is how many times a 429, 5xx or network failure is retried.
	MaxRetries int `env:"TMDB_MAX_RETRIES" envDefault:"3"`
	// RateLimit is the client-side budget shared by all replicas through
	// Redis, well under TMDB's own limit (about 50 requests per second).
	RateLimit Rate `env:"TMDB_RATE_LIMIT" envDefault:"20/1s"`
	// CacheTTL is how long TMDB answers are kept in Redis.
	CacheTTL time.Duration `env:"TMDB_CACHE_TTL" envDefault:"6h"`
	// BreakerCooldown is how long calls fail fast after TMDB failed five
	// times in a row, before one trial call.
	BreakerCooldown time.Duration `env:"TMDB_BREAKER_COOLDOWN" envDefault:"30s"`
	// SyncInterval runs a sync of TMDB's popular movies this often (0: never).
	SyncInterval time.Duration `env:"TMDB_SYNC_INTERVAL" envDefault:"0s"`
	// SyncPages is how many pages of 20 titles the periodic sync imports.
	SyncPages int `env:"TMDB_SYNC_PAGES" envDefault:"5"`
	// MaxBodyBytes bounds a TMDB response body.
	MaxBodyBytes int64 `env:"TMDB_MAX_BODY_BYTES" envDefault:"4194304"`
}

// Google configures Google Sign-In.
type Google struct {
	ClientID string `env:"GOOGLE_CLIENT_ID"`
	JWKSURL  string `env:"GOOGLE_JWKS_URL" envDefault:"https://www.googleapis.com/oauth2/v3/certs"`
}

// Firebase configures Firebase Authentication and Cloud Messaging.
type Firebase struct {
	ProjectID       string `env:"FIREBASE_PROJECT_ID"`
	JWKSURL         string `env:"FIREBASE_JWKS_URL" envDefault:"https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"`
	CredentialsFile string `env:"FCM_CREDENTIALS_FILE"`
	// MaxDevices is how many devices a user may register; registering one
	// more drops the least recently seen.
	MaxDevices  int    `env:"FCM_MAX_DEVICES" envDefault:"10"`
	FCMEndpoint string `env:"FCM_ENDPOINT" envDefault:"https://fcm.googleapis.com/v1"`
	// SendTimeout bounds one FCM send request (and one OAuth2 token fetch).
	SendTimeout time.Duration `env:"FCM_TIMEOUT" envDefault:"10s"`
	// RetryBackoff is the delay before the first retry of a push that FCM
	// could not take (5xx, network); it doubles with each attempt, up to an
	// hour, with jitter. Retry-After, when FCM sends one, takes precedence.
	RetryBackoff time.Duration `env:"FCM_RETRY_BACKOFF" envDefault:"10s"`
	// QuotaBackoff is the first delay after a 429 without Retry-After (FCM
	// asks for at least a minute).
	QuotaBackoff time.Duration `env:"FCM_QUOTA_BACKOFF" envDefault:"1m"`
	// MaxAttempts is how many times a push job runs before it is given up.
	MaxAttempts int `env:"FCM_MAX_ATTEMPTS" envDefault:"12"`
	// DeliveryRetention is how long a push delivery record (the idempotency
	// key of a push) is kept; it must outlive the retries of a push job.
	DeliveryRetention time.Duration `env:"PUSH_DELIVERY_RETENTION" envDefault:"168h"`
}

// Rate is a number of requests allowed per period.
type Rate struct {
	Requests int
	Period   time.Duration
}

// UnmarshalText parses "requests/period", e.g. "10/1m".
func (r *Rate) UnmarshalText(b []byte) error {
	n, p, ok := strings.Cut(string(b), "/")
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || req < 1 {
		return fmt.Errorf("want requests/period such as 300/1m, got %q", b)
	}
	period, err := time.ParseDuration(strings.TrimSpace(p))
	if err != nil || period <= 0 {
		return fmt.Errorf("want requests/period such as 300/1m, got %q", b)
	}
	*r = Rate{Requests: req, Period: period}
	return nil
}

// String formats the rate as it is written in the environment.
func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.Requests, r.Period) }

// Embedded reports whether the database is the embedded SQLite file.
func (c Config) Embedded() bool { return c.Database.URL == "" }

// SeedDemo reports whether the demo catalog should be seeded on first start.
func (c Config) SeedDemo() bool {
	if c.DemoSeed != nil {
		return *c.DemoSeed
	}
	return c.Embedded() && c.Env != Test
}

// SQLitePath is the embedded database file.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "reelview.db") }

// Load reads the environment and, when it exists, the file named by envFile
// (usually ".env"), applies defaults and validates the result.
func Load(envFile string) (Config, error) {
	vars := map[string]string{}
	if envFile != "" {
		fileVars, err := godotenv.Read(envFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return Config{}, fmt.Errorf("%s: %w", envFile, err)
		default:
			vars = fileVars
		}
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return FromMap(vars)
}

// FromMap builds a validated Config from the given variables alone.
func FromMap(vars map[string]string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return Config{}, describeParseError(err)
	}
	c.applyDefaults()
	return c, c.Validate()
}

// Default returns the configuration of an empty environment.
func Default() Config {
	c, err := FromMap(map[string]string{})
	if err != nil {
		panic("config: defaults are invalid: " + err.Error())
	}
	return c
}

// ForTest returns the default configuration with APP_ENV=test applied.
func ForTest() Config {
	c, err := FromMap(map[string]string{"APP_ENV": Test})
	if err != nil {
		panic("config: test defaults are invalid: " + err.Error())
	}
	return c
}

func (c *Config) applyDefaults() {
	if c.Log.Format == "" {
		c.Log.Format = "json"
		if c.Env == Development {
			c.Log.Format = "console"
		}
	}
	if c.Auth.BcryptCost == 0 {
		c.Auth.BcryptCost = 12
		if c.Env == Test {
			c.Auth.BcryptCost = 4 // bcrypt.MinCost: tests hash many passwords
		}
	}
	c.Log.Level = strings.ToLower(c.Log.Level)
	if strings.EqualFold(strings.TrimSpace(c.HTTP.MetricsAddr), "off") {
		c.HTTP.MetricsAddr = ""
	}
}

// Validate reports every invalid value, one error per line.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	switch c.Env {
	case Development, Production, Test:
	default:
		bad("APP_ENV", "must be development, production or test, got %q", c.Env)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("HTTP_ADDR", "must be host:port or :port, got %q", c.HTTP.Addr)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.MetricsAddr); err != nil && c.HTTP.MetricsAddr != "" {
		bad("METRICS_ADDR", "must be host:port, :port or off, got %q", c.HTTP.MetricsAddr)
	}
	if c.HTTP.BodyLimit < 1024 {
		bad("HTTP_BODY_LIMIT", "must be at least 1024 bytes, got %d", c.HTTP.BodyLimit)
	}
	if c.HTTP.MaxHeaderBytes < MinHeaderBytes || c.HTTP.MaxHeaderBytes > MaxHeaderBytes {
		bad("HTTP_MAX_HEADER_BYTES", "must be between %d and %d bytes, got %d", MinHeaderBytes, MaxHeaderBytes, c.HTTP.MaxHeaderBytes)
	}
	for name, d := range map[string]time.Duration{
		"HTTP_READ_TIMEOUT": c.HTTP.ReadTimeout, "HTTP_WRITE_TIMEOUT": c.HTTP.WriteTimeout,
		"HTTP_IDLE_TIMEOUT": c.HTTP.IdleTimeout, "HTTP_REQUEST_TIMEOUT": c.HTTP.RequestTimeout,
		"SHUTDOWN_TIMEOUT": c.HTTP.ShutdownTimeout, "DATABASE_TIMEOUT": c.Database.QueryTimeout,
		"REDIS_TIMEOUT": c.Redis.Timeout, "FCM_TIMEOUT": c.Firebase.SendTimeout,
		"FCM_RETRY_BACKOFF": c.Firebase.RetryBackoff, "FCM_QUOTA_BACKOFF": c.Firebase.QuotaBackoff,
	} {
		if d <= 0 {
			bad(name, "must be a positive duration such as 10s, got %s", d)
		}
	}
	// A push job retries for at most FCM_MAX_ATTEMPTS hours (backoff capped
	// at an hour); its delivery records must outlive that.
	if minimum := time.Duration(max(c.Firebase.MaxAttempts, 24)) * time.Hour; c.Firebase.DeliveryRetention < minimum {
		bad("PUSH_DELIVERY_RETENTION", "must be at least %s (FCM_MAX_ATTEMPTS hours, and a day), got %s", minimum, c.Firebase.DeliveryRetention)
	}
	if c.HTTP.DrainDelay < 0 || c.HTTP.DrainDelay > time.Minute {
		bad("SHUTDOWN_DRAIN_DELAY", "must be between 0s and 1m, got %s", c.HTTP.DrainDelay)
	}
	for _, o := range c.HTTP.CORSOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "") {
			bad("CORS_ALLOW_ORIGINS", "%q is not an origin such as https://app.example.com", o)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad("TRUSTED_PROXIES", "%q is neither an IP address nor a CIDR range", p)
			}
		}
	}
	if c.Database.URL != "" {
		if u, err := url.Parse(c.Database.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			bad("DATABASE_URL", "must be a URL such as postgres://user:pass@host:5432/db, got %q", redact(c.Database.URL))
		}
	}
	if !EmbeddedBuilt {
		// Without these, the server would pick the embedded mode it lacks.
		if c.Database.URL == "" {
			bad("DATABASE_URL", "is required: this binary is built without the embedded mode (build tag noembedded)")
		}
		if c.Redis.URL == "" {
			bad("REDIS_URL", "is required: this binary is built without the embedded mode (build tag noembedded)")
		}
	}
	if c.Database.MaxConns < 1 {
		bad("DATABASE_MAX_CONNS", "must be at least 1, got %d", c.Database.MaxConns)
	}
	if c.Redis.URL != "" {
		if u, err := url.Parse(c.Redis.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("REDIS_URL", "must be a URL such as redis://host:6379/0, got %q", redact(c.Redis.URL))
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		bad("LOG_FORMAT", "must be json or console, got %q", c.Log.Format)
	}
	switch {
	case c.Env == Production && len(c.Auth.JWTSecret) < 32:
		bad("JWT_SECRET", "must be at least 32 bytes when APP_ENV=production (got %d)", len(c.Auth.JWTSecret))
	case c.Env != Production && c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 16:
		// Unset, a random secret is generated at start and kept in DATA_DIR.
		bad("JWT_SECRET", "must be at least 16 bytes (got %d)", len(c.Auth.JWTSecret))
	}
	if c.Auth.JWTIssuer == "" {
		bad("JWT_ISSUER", "must not be empty")
	}
	if c.Auth.AccessTokenTTL < time.Minute || c.Auth.AccessTokenTTL > 24*time.Hour {
		bad("ACCESS_TOKEN_TTL", "must be between 1m and 24h, got %s", c.Auth.AccessTokenTTL)
	}
	if c.Auth.RefreshTokenTTL < c.Auth.AccessTokenTTL {
		bad("REFRESH_TOKEN_TTL", "must be longer than ACCESS_TOKEN_TTL, got %s", c.Auth.RefreshTokenTTL)
	}
	minCost := MinBcryptCost
	if c.Env == Test {
		minCost = 4
	}
	if c.Auth.BcryptCost < minCost || c.Auth.BcryptCost > 31 {
		bad("BCRYPT_COST", "must be between %d and 31, got %d", minCost, c.Auth.BcryptCost)
	}
	if (c.Auth.AdminEmail == "") != (c.Auth.AdminPassword == "") {
		bad("ADMIN_EMAIL", "ADMIN_EMAIL and ADMIN_PASSWORD must be set together")
	}
	if c.Auth.AdminPassword != "" && (len(c.Auth.AdminPassword) < 8 || len(c.Auth.AdminPassword) > 72) {
		bad("ADMIN_PASSWORD", "must be 8 to 72 bytes")
	}
	if c.TMDB.CallTimeout <= 0 || c.TMDB.CacheTTL < 0 {
		bad("TMDB_TIMEOUT", "TMDB_TIMEOUT must be positive and TMDB_CACHE_TTL not negative")
	}
	if c.TMDB.MaxRetries < 0 || c.TMDB.MaxRetries > 10 {
		bad("TMDB_MAX_RETRIES", "must be between 0 and 10, got %d", c.TMDB.MaxRetries)
	}
	if c.TMDB.SyncInterval < 0 || c.TMDB.SyncInterval > 0 && c.TMDB.SyncInterval < time.Minute {
		bad("TMDB_SYNC_INTERVAL", "must be 0 (off) or at least 1m, got %s", c.TMDB.SyncInterval)
	}
	if c.TMDB.SyncPages < 1 || c.TMDB.SyncPages > 500 {
		bad("TMDB_SYNC_PAGES", "must be between 1 and 500, got %d", c.TMDB.SyncPages)
	}
	if c.TMDB.MaxBodyBytes < 1024 {
		bad("TMDB_MAX_BODY_BYTES", "must be at least 1024, got %d", c.TMDB.MaxBodyBytes)
	}
	for name, p := range map[string]string{"DEMO_ADMIN_PASSWORD": c.DemoAdminPassword, "DEMO_USER_PASSWORD": c.DemoUserPassword} {
		if p != "" && (len(p) < 8 || len(p) > 72) {
			bad(name, "must be 8 to 72 bytes")
		}
	}
	if c.Firebase.MaxDevices < 1 || c.Firebase.MaxDevices > 100 {
		bad("FCM_MAX_DEVICES", "must be between 1 and 100, got %d", c.Firebase.MaxDevices)
	}
	if c.RateLimit.LoginAccount.Requests < c.RateLimit.LoginAccountIP.Requests {
		bad("RATE_LIMIT_LOGIN_ACCOUNT", "the account-wide ceiling must allow at least as many failed logins as RATE_LIMIT_LOGIN_ACCOUNT_IP (%d), got %d",
			c.RateLimit.LoginAccountIP.Requests, c.RateLimit.LoginAccount.Requests)
	}
	if c.RateLimit.LocalBatch < 1 || c.RateLimit.LocalBatch > 1000 {
		bad("RATE_LIMIT_LOCAL_BATCH", "must be between 1 and 1000, got %d", c.RateLimit.LocalBatch)
	}
	if c.Contents.LocalCacheSize < 1 || c.Contents.LocalCacheSize > 1_000_000 {
		bad("CONTENT_CACHE_LOCAL_SIZE", "must be between 1 and 1000000, got %d", c.Contents.LocalCacheSize)
	}
	if c.Contents.LocalCacheTTL < 0 || c.Contents.LocalCacheTTL > time.Minute {
		bad("CONTENT_CACHE_LOCAL_TTL", "must be between 0s (off) and 1m, got %s", c.Contents.LocalCacheTTL)
	}
	if c.Contents.ListCacheTTL < 0 || c.Contents.ListCacheTTL > time.Minute {
		bad("CONTENT_LIST_CACHE_TTL", "must be between 0s (off) and 1m, got %s", c.Contents.ListCacheTTL)
	}
	if c.Auth.AccountCacheTTL < 0 || c.Auth.AccountCacheTTL > 10*time.Second {
		bad("ACCOUNT_CACHE_TTL", "must be between 0s (off) and 10s, got %s", c.Auth.AccountCacheTTL)
	}
	if c.Auth.RefreshReuseGrace < 0 || c.Auth.RefreshReuseGrace > time.Minute {
		bad("REFRESH_REUSE_GRACE", "must be between 0s (off) and 1m, got %s", c.Auth.RefreshReuseGrace)
	}
	if c.Auth.SessionCacheTTL < 0 || c.Auth.SessionCacheTTL > 10*time.Second {
		bad("SESSION_CACHE_TTL", "must be between 0s (off) and 10s, got %s", c.Auth.SessionCacheTTL)
	}
	if c.Feed.FanOutInline < 1 || c.Feed.FanOutInline > 100_000 {
		bad("FEED_FANOUT_INLINE", "must be between 1 and 100000, got %d", c.Feed.FanOutInline)
	}
	if c.Jobs.Workers < 1 {
		bad("JOB_WORKERS", "must be at least 1, got %d", c.Jobs.Workers)
	}
	if c.Jobs.PollInterval < time.Millisecond || c.Jobs.PollInterval > time.Minute {
		bad("JOB_POLL_INTERVAL", "must be between 1ms and 1m, got %s", c.Jobs.PollInterval)
	}
	if c.Firebase.MaxAttempts < 1 || c.Firebase.MaxAttempts > 100 {
		bad("FCM_MAX_ATTEMPTS", "must be between 1 and 100, got %d", c.Firebase.MaxAttempts)
	}
	for name, raw := range map[string]string{
		"TMDB_BASE_URL": c.TMDB.BaseURL, "GOOGLE_JWKS_URL": c.Google.JWKSURL,
		"FIREBASE_JWKS_URL": c.Firebase.JWKSURL, "FCM_ENDPOINT": c.Firebase.FCMEndpoint,
	} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(name, "must be an http(s) URL, got %q", raw)
		}
	}
	if f := c.Firebase.CredentialsFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			bad("FCM_CREDENTIALS_FILE", "cannot read %q", f)
		}
	}
	sortErrors(errs)
	return errors.Join(errs...)
}

// redact hides the password of a connection URL in error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// describeParseError turns the env library's errors into "VAR: reason" lines.
func describeParseError(err error) error {
	names := envNames(reflect.TypeOf(Config{}))
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	var errs []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			errs = append(errs, fmt.Errorf("%s: %s", names[pe.Name], parseReason(pe)))
			continue
		}
		errs = append(errs, e)
	}
	sortErrors(errs)
	return errors.Join(errs...)
}

func parseReason(pe env.ParseError) string {
	switch pe.Type {
	case reflect.TypeOf(time.Duration(0)):
		return "must be a duration such as 30s or 15m"
	case reflect.TypeOf(0):
		return "must be a whole number"
	case reflect.TypeOf(true), reflect.TypeOf(new(bool)):
		return "must be true or false"
	}
	var inner interface{ Unwrap() error }
	if errors.As(pe.Err, &inner) && inner.Unwrap() != nil {
		return inner.Unwrap().Error()
	}
	return pe.Err.Error()
}

// envNames maps struct field names to their variable names.
func envNames(t reflect.Type) map[string]string {
	names := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := f.Tag.Get("env"); tag != "" && tag != "-" {
			names[f.Name] = tag
		} else if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Rate{}) {
			for k, v := range envNames(f.Type) {
				names[k] = v
			}
		}
	}
	return names
}

func sortErrors(errs []error) {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
}

// Module provides the configuration's sections to the fx graph. The whole
// Config must already be supplied (fx.Supply) by the caller.
var Module = fx.Module("config",
	fx.Provide(
		func(c Config) HTTP { return c.HTTP },
		func(c Config) Database { return c.Database },
		func(c Config) Redis { return c.Redis },
		func(c Config) Log { return c.Log },
		func(c Config) Auth { return c.Auth },
		func(c Config) RateLimit { return c.RateLimit },
		func(c Config) Contents { return c.Contents },
		func(c Config) Jobs { return c.Jobs },
		func(c Config) Feed { return c.Feed },
		func(c Config) TMDB { return c.TMDB },
		func(c Config) Google { return c.Google },
		func(c Config) Firebase { return c.Firebase },
	),
)
