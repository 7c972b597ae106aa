package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// scenario is one measured load: HTTP requests from a vegeta targeter, or
// (for the bcrypt baseline) a function called in a loop by each worker.
type scenario struct {
	ID, Name string
	Baseline string // ID of the result the ratio is taken to
	target   vegeta.Targeter
	call     func() error // instead of target: work done in this process
	proc     *process     // whose RSS and CPU are sampled
}

// result is what one scenario measured.
type result struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Requests    uint64         `json:"requests"`
	Seconds     float64        `json:"seconds"`
	RPS         float64        `json:"rps"`
	P50         float64        `json:"p50_ms"`
	P95         float64        `json:"p95_ms"`
	P99         float64        `json:"p99_ms"`
	Errors      uint64         `json:"errors"`
	Statuses    map[string]int `json:"statuses,omitempty"`
	ErrorSample []string       `json:"error_samples,omitempty"`
	Usage       *usage         `json:"server,omitempty"`
	Baseline    string         `json:"baseline,omitempty"`
	Ratio       float64        `json:"ratio,omitempty"` // RPS / baseline RPS
}

// runner runs scenarios at one concurrency for fixed times.
type runner struct {
	concurrency      int
	duration, warmup time.Duration
}

func (r runner) attacker() *vegeta.Attacker {
	c := uint64(r.concurrency)
	return vegeta.NewAttacker(vegeta.Workers(c), vegeta.MaxWorkers(c), vegeta.Connections(r.concurrency),
		vegeta.KeepAlive(true), vegeta.HTTP2(false), vegeta.Timeout(30*time.Second),
		vegeta.Redirects(vegeta.NoFollow), vegeta.MaxBody(512))
}

// run warms up (unmeasured), then measures sc for the runner's duration.
func (r runner) run(ctx context.Context, sc scenario) result {
	if r.warmup > 0 {
		r.load(ctx, sc, r.warmup, true)
	}
	var s *sampler
	if sc.proc != nil {
		s = startSampler(sc.proc.pid())
	}
	res := r.load(ctx, sc, r.duration, false)
	if s != nil {
		u := s.finish()
		res.Usage = &u
	}
	res.ID, res.Name, res.Baseline = sc.ID, sc.Name, sc.Baseline
	return res
}

// load drives sc for d, printing progress once a second.
func (r runner) load(ctx context.Context, sc scenario, d time.Duration, warm bool) result {
	var count, errs atomic.Uint64
	stopProgress := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		began := time.Now()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		phase := "measure"
		if warm {
			phase = "warm-up"
		}
		for {
			select {
			case <-stopProgress:
				fmt.Fprint(os.Stderr, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "\r\033[K  %-4s %-34s %s %3.0fs/%-3.0fs %8d req %5d errors",
					sc.ID, sc.Name, phase, time.Since(began).Seconds(), d.Seconds(), count.Load(), errs.Load())
			}
		}
	}()
	defer func() { close(stopProgress); wg.Wait() }()
	if sc.call != nil {
		return r.loadCalls(ctx, sc, d, &count, &errs)
	}
	var m vegeta.Metrics
	statuses := map[string]int{}
	var samples []string
	atk := r.attacker()
	go func() { <-ctx.Done(); atk.Stop() }()
	// Throughput is requests over wall time, the drain of the requests in
	// flight at the end included, as loadCalls counts it.
	began := time.Now()
	for res := range atk.Attack(sc.target, vegeta.Rate{}, d, sc.ID) {
		m.Add(res)
		count.Add(1)
		statuses[strconv.Itoa(int(res.Code))]++
		if res.Code < 200 || res.Code >= 400 {
			errs.Add(1)
			if len(samples) < 5 {
				samples = append(samples, fmt.Sprintf("%s %s → %d %s %s", res.Method, res.URL, res.Code, res.Error, res.Body))
			}
		}
	}
	m.Close()
	wall := time.Since(began).Seconds()
	return result{
		Requests: m.Requests, Seconds: wall, RPS: float64(m.Requests) / wall,
		P50: ms(m.Latencies.P50), P95: ms(m.Latencies.P95), P99: ms(m.Latencies.P99),
		Errors: errs.Load(), Statuses: statuses, ErrorSample: samples,
	}
}

// loadCalls runs sc.call in r.concurrency goroutines for d.
func (r runner) loadCalls(ctx context.Context, sc scenario, d time.Duration, count, errs *atomic.Uint64) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	began := time.Now()
	for range r.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				if err := sc.call(); err != nil {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t))
				count.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return ms(lat[min(len(lat)-1, int(p*float64(len(lat))))])
	}
	return result{Requests: uint64(len(lat)), Seconds: elapsed.Seconds(), RPS: float64(len(lat)) / elapsed.Seconds(),
		P50: q(0.50), P95: q(0.95), P99: q(0.99), Errors: errs.Load()}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// getTarget is a targeter of GET requests to URLs made from a counter.
func getTarget(header http.Header, url func(n uint64) string) vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header, t.Body = http.MethodGet, url(n.Add(1)-1), header, nil
		return nil
	}
}

// merge combines the rounds of one scenario: throughput over their summed
// wall time, percentiles as the rounds' percentiles weighted by their
// requests, peak RSS the highest, mean RSS and CPU weighted by time.
func merge(rounds []result) result {
	out := rounds[0]
	if len(rounds) == 1 {
		return out
	}
	out.Requests, out.Seconds, out.Errors, out.P50, out.P95, out.P99 = 0, 0, 0, 0, 0, 0
	out.Statuses, out.ErrorSample = map[string]int{}, nil
	var u usage
	var usageSeconds float64
	for _, r := range rounds {
		out.Requests += r.Requests
		out.Seconds += r.Seconds
		out.Errors += r.Errors
		w := float64(r.Requests)
		out.P50, out.P95, out.P99 = out.P50+w*r.P50, out.P95+w*r.P95, out.P99+w*r.P99
		for k, v := range r.Statuses {
			out.Statuses[k] += v
		}
		out.ErrorSample = append(out.ErrorSample, r.ErrorSample...)
		if r.Usage != nil {
			u.PeakRSSMiB = max(u.PeakRSSMiB, r.Usage.PeakRSSMiB)
			u.MeanRSSMiB += r.Seconds * r.Usage.MeanRSSMiB
			u.CPUPercent += r.Seconds * r.Usage.CPUPercent
			usageSeconds += r.Seconds
		}
	}
	if out.Requests > 0 {
		n := float64(out.Requests)
		out.P50, out.P95, out.P99 = out.P50/n, out.P95/n, out.P99/n
	}
	if out.Seconds > 0 {
		out.RPS = float64(out.Requests) / out.Seconds
	}
	if usageSeconds > 0 {
		u.MeanRSSMiB /= usageSeconds
		u.CPUPercent /= usageSeconds
		out.Usage = &u
	}
	if len(out.ErrorSample) > 5 {
		out.ErrorSample = out.ErrorSample[:5]
	}
	return out
}
