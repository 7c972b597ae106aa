package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/config"
)

// Metrics holds this process's metrics in the Prometheus text format. Each
// Metrics has its own set, so several in-process apps in tests never clash.
//
// It uses VictoriaMetrics/metrics rather than Prometheus's client_golang: the
// output is the same format, and the server is about 2 MiB smaller at rest
// without client_golang's protobuf and collector packages.
type Metrics struct {
	set      *metrics.Set
	db       *database.DB
	rdb      *cache.Redis
	requests sync.Map     // requestKey → *metrics.Counter
	latency  sync.Map     // latencyKey → *metrics.PrometheusHistogram
	addr     atomic.Value // the metrics listener's address once ServeMetrics has started
}

type requestKey struct {
	method, route string
	status        int
}

type latencyKey struct{ method, route string }

// latencyBuckets are the upper bounds of the request duration histogram, in
// seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewMetrics registers the HTTP, Go runtime and process, database pool,
// Redis pool and job queue metrics.
func NewMetrics(db *database.DB, rdb *cache.Redis) *Metrics {
	metrics.ExposeMetadata(true) // # TYPE lines, as Prometheus expects
	m := &Metrics{set: metrics.NewSet(), db: db, rdb: rdb}
	m.set.RegisterMetricsWriter(m.writePools)
	m.set.RegisterMetricsWriter(m.writeJobs)
	return m
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	rk := requestKey{method, route, status}
	c, ok := m.requests.Load(rk)
	if !ok {
		c, _ = m.requests.LoadOrStore(rk, m.set.GetOrCreateCounter(fmt.Sprintf(
			`reelview_http_requests_total{method=%s,route=%s,status="%d"}`, label(method), label(route), status)))
	}
	c.(*metrics.Counter).Inc()
	lk := latencyKey{method, route}
	h, ok := m.latency.Load(lk)
	if !ok {
		h, _ = m.latency.LoadOrStore(lk, m.set.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(
			`reelview_http_request_duration_seconds{method=%s,route=%s}`, label(method), label(route)), latencyBuckets))
	}
	h.(*metrics.PrometheusHistogram).Update(d.Seconds())
}

// Write writes every metric of this process in the Prometheus text format.
func (m *Metrics) Write(w io.Writer) {
	m.set.WritePrometheus(w)
	metrics.WriteProcessMetrics(w) // go_* and process_*
}

// ServeHTTP answers GET /metrics in the Prometheus text format; other paths
// and methods get the API's error body.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	switch {
	case r.URL.Path != "/metrics":
		status = http.StatusNotFound
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		status = http.StatusMethodNotAllowed
	}
	if status != http.StatusOK {
		b := errorBody(r.Context(), r.URL.Path, status, "")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.Status)
		_ = json.NewEncoder(w).Encode(b)
		return
	}
	var b bytes.Buffer
	m.Write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// Addr is the address the metrics listener listens on ("" before
// ServeMetrics has started it, or with METRICS_ADDR=off).
func (m *Metrics) Addr() string {
	a, _ := m.addr.Load().(string)
	return a
}

// ServeMetrics serves the metrics on METRICS_ADDR, a listener of their own:
// the API port never shows them, and the address can stay on loopback or a
// private network. Like Serve, it listens on start (a busy port fails
// start-up) and stops with the application; with METRICS_ADDR=off it does
// nothing.
func ServeMetrics(lc fx.Lifecycle, m *Metrics, c config.Config, log *zap.Logger) {
	if c.HTTP.MetricsAddr == "" {
		log.Info("metrics are not served: METRICS_ADDR=off")
		return
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: c.HTTP.ReadTimeout, ReadTimeout: c.HTTP.ReadTimeout,
		WriteTimeout: c.HTTP.WriteTimeout, IdleTimeout: c.HTTP.IdleTimeout,
		ErrorLog: zap.NewStdLog(log.Named("metrics"))}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", c.HTTP.MetricsAddr)
			if err != nil {
				return fmt.Errorf("server: metrics: listen on METRICS_ADDR %s: %w", c.HTTP.MetricsAddr, err)
			}
			m.addr.Store(ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("metrics listener stopped", zap.Error(err))
				}
			}()
			log.Info("metrics are served", zap.String("metrics", "http://"+displayAddr(ln.Addr().String())+"/metrics"))
			return nil
		},
		OnStop: srv.Shutdown,
	})
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label quotes a label value as the Prometheus text format wants it.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// family writes the HELP and TYPE lines of a metric family.
func family(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// writePools writes the database/sql pool statistics (under the names
// Prometheus's Go client uses for them) and the Redis client pool's.
func (m *Metrics) writePools(w io.Writer) {
	st := m.db.SQL.Stats()
	db := "{db_name=" + label(m.db.Dialect) + "}"
	for _, s := range []struct {
		name, typ, help string
		v               float64
	}{
		{"go_sql_max_open_connections", "gauge", "Maximum number of open connections to the database.", float64(st.MaxOpenConnections)},
		{"go_sql_open_connections", "gauge", "The number of established connections both in use and idle.", float64(st.OpenConnections)},
		{"go_sql_in_use_connections", "gauge", "The number of connections currently in use.", float64(st.InUse)},
		{"go_sql_idle_connections", "gauge", "The number of idle connections.", float64(st.Idle)},
		{"go_sql_wait_count_total", "counter", "The total number of connections waited for.", float64(st.WaitCount)},
		{"go_sql_wait_duration_seconds_total", "counter", "The total time blocked waiting for a new connection.", st.WaitDuration.Seconds()},
		{"go_sql_max_idle_closed_total", "counter", "The total number of connections closed due to SetMaxIdleConns.", float64(st.MaxIdleClosed)},
		{"go_sql_max_idle_time_closed_total", "counter", "The total number of connections closed due to SetConnMaxIdleTime.", float64(st.MaxIdleTimeClosed)},
		{"go_sql_max_lifetime_closed_total", "counter", "The total number of connections closed due to SetConnMaxLifetime.", float64(st.MaxLifetimeClosed)},
	} {
		family(w, s.name, s.typ, s.help)
		fmt.Fprintf(w, "%s%s %s\n", s.name, db, num(s.v))
	}
	p := m.rdb.PoolStats()
	family(w, "reelview_redis_pool_connections", "gauge", "Redis client connections by state.")
	fmt.Fprintf(w, "reelview_redis_pool_connections{state=\"total\"} %d\n", p.TotalConns)
	fmt.Fprintf(w, "reelview_redis_pool_connections{state=\"idle\"} %d\n", p.IdleConns)
	family(w, "reelview_redis_pool_events_total", "counter", "Redis client pool events (hits, misses, timeouts).")
	fmt.Fprintf(w, "reelview_redis_pool_events_total{event=\"hit\"} %d\n", p.Hits)
	fmt.Fprintf(w, "reelview_redis_pool_events_total{event=\"miss\"} %d\n", p.Misses)
	fmt.Fprintf(w, "reelview_redis_pool_events_total{event=\"timeout\"} %d\n", p.Timeouts)
}

// writeJobs counts River's jobs by state at scrape time.
func (m *Metrics) writeJobs(w io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := m.db.SQL.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return // database down: /ready reports it; the scrape still succeeds
	}
	defer rows.Close()
	var b bytes.Buffer
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if rows.Scan(&state, &n) == nil {
			fmt.Fprintf(&b, "reelview_jobs{state=%s} %d\n", label(state), n)
		}
	}
	_ = rows.Err() // a partial scrape is still a valid one
	if b.Len() > 0 {
		family(w, "reelview_jobs", "gauge", "River jobs by state.")
		_, _ = w.Write(b.Bytes())
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
