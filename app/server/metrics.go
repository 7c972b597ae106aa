package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
)

// Metrics holds the Prometheus registry of this process (not the global one,
// so several in-process apps in tests never clash).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP, Go runtime, database pool, Redis pool and
// job queue metrics.
func NewMetrics(db *database.DB, rdb *cache.Redis) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reelview_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "reelview_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL, db.Dialect),
		&redisCollector{rdb: rdb},
		&jobsCollector{db: db},
	)
	return m
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// handler serves /metrics in the Prometheus text format.
func (m *Metrics) handler() fiber.Handler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}

var (
	redisPoolDesc = prometheus.NewDesc("reelview_redis_pool_connections",
		"Redis client connections by state.", []string{"state"}, nil)
	redisEventsDesc = prometheus.NewDesc("reelview_redis_pool_events_total",
		"Redis client pool events (hits, misses, timeouts).", []string{"event"}, nil)
	jobsDesc = prometheus.NewDesc("reelview_jobs",
		"River jobs by state.", []string{"state"}, nil)
)

type redisCollector struct{ rdb *cache.Redis }

func (r *redisCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- redisPoolDesc
	ch <- redisEventsDesc
}

func (r *redisCollector) Collect(ch chan<- prometheus.Metric) {
	s := r.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(redisPoolDesc, prometheus.GaugeValue, float64(s.TotalConns), "total")
	ch <- prometheus.MustNewConstMetric(redisPoolDesc, prometheus.GaugeValue, float64(s.IdleConns), "idle")
	ch <- prometheus.MustNewConstMetric(redisEventsDesc, prometheus.CounterValue, float64(s.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(redisEventsDesc, prometheus.CounterValue, float64(s.Misses), "miss")
	ch <- prometheus.MustNewConstMetric(redisEventsDesc, prometheus.CounterValue, float64(s.Timeouts), "timeout")
}

// jobsCollector counts River's jobs by state at scrape time.
type jobsCollector struct{ db *database.DB }

func (j *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (j *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := j.db.SQL.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return // database down: /ready reports it; the scrape still succeeds
	}
	defer rows.Close()
	for rows.Next() {
		var (
			state string
			n     float64
		)
		if rows.Scan(&state, &n) == nil {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, n, state)
		}
	}
	_ = rows.Err() // a partial scrape is still a valid one
}
