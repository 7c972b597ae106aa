package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
)

// TestSIGTERMUnderLoad runs `reelview serve` as a process of its own (this
// test binary, run again), loads it with 16 keep-alive clients reading and
// signing up, and sends SIGTERM. Every request in flight when the signal
// arrives must get its full answer, and no answer is ever a 5xx; the process
// exits with 0. A request a client starts after the signal may instead find
// the connection refused or closed: the server stops taking new work, and a
// connection it accepted but had not read a request from yet is closed
// unread (fasthttp's Shutdown treats it as idle).
func TestSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	srv := startServeProcess(t)
	cmd, base := srv.cmd, srv.base

	var (
		signalled         atomic.Bool
		signalAt          atomic.Int64 // UnixNano
		ok, after, failed atomic.Int64
		seq               atomic.Int64
		wg                sync.WaitGroup
	)
	for range 16 {
		client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		wg.Go(func() {
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				var req *http.Request
				if i%4 == 3 {
					n := seq.Add(1)
					body := fmt.Sprintf(`{"email":"load%d@example.com","password":"correct horse battery","nickname":"load%d"}`, n, n)
					req, _ = http.NewRequest(http.MethodPost, base+"/api/v1/auth/signup", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					// Lets the client retry it on a connection the server
					// closed before reading it, as it does for GETs.
					req.Header.Set("Idempotency-Key", fmt.Sprint(n))
				} else {
					req, _ = http.NewRequest(http.MethodGet, base+[]string{"/api/v1/genres", "/api/v1/contents?size=5", "/health"}[i%3], nil)
				}
				started := time.Now().UnixNano()
				res, err := client.Do(req)
				if err != nil {
					// Refused: the server had stopped listening, it never took
					// the request. Closed: it started around the signal, on a
					// connection accepted but not read (a margin for the
					// moment the signal lands).
					if at := signalAt.Load(); at != 0 && (errors.Is(err, syscall.ECONNREFUSED) ||
						started > at-int64(100*time.Millisecond)) {
						return
					}
					failed.Add(1)
					t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
					return
				}
				_, rerr := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if rerr != nil || res.StatusCode >= 300 {
					failed.Add(1)
					t.Errorf("%s %s: %d %v", req.Method, req.URL.Path, res.StatusCode, rerr)
					continue
				}
				ok.Add(1)
				if signalled.Load() {
					after.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Second)
	signalAt.Store(time.Now().UnixNano())
	signalled.Store(true)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	select {
	case err := <-srv.exited:
		if err != nil {
			t.Errorf("the server exited with %v:\n%s", err, srv.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
	t.Logf("%d answers (%d after SIGTERM), %d failed", ok.Load(), after.Load(), failed.Load())
	if ok.Load() == 0 || failed.Load() > 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
}

// serveProcess is `reelview serve` running as a process of its own: this
// test binary run again (see TestMain), in the suite's mode: embedded, or on
// a fresh PostgreSQL database and Redis key space.
type serveProcess struct {
	cmd     *exec.Cmd
	base    string // the API, http://host:port
	metrics string // the metrics listener (METRICS_ADDR), http://host:port
	logs    *strings.Builder
	exited  chan error
}

// freeAddrs returns n different 127.0.0.1 ports, free at the time of the
// call (all are held until each is chosen).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs[i] = l.Addr().String()
	}
	return addrs
}

func startServeProcess(t *testing.T, extraEnv ...string) *serveProcess {
	t.Helper()
	addrs := freeAddrs(t, 2)
	addr, metricsAddr := addrs[0], addrs[1]
	env := append(os.Environ(), "REELVIEW_TEST_CHILD=serve", "APP_ENV=test", "LOG_LEVEL=error", "DEMO_SEED=false",
		"HTTP_ADDR="+addr, "METRICS_ADDR="+metricsAddr, "DATA_DIR="+t.TempDir(),
		"RATE_LIMIT_DEFAULT=1000000/1m", "RATE_LIMIT_AUTH=1000000/1m", "SHUTDOWN_TIMEOUT=20s")
	if apptest.Postgres() {
		env = append(env, "DATABASE_URL="+apptest.NewDatabase(t), "REDIS_URL="+apptest.RedisURL(t),
			fmt.Sprintf("REDIS_KEY_PREFIX=proc%d:", time.Now().UnixNano()))
	} else {
		env = append(env, "DATABASE_URL=", "REDIS_URL=")
	}
	p := &serveProcess{base: "http://" + addr, metrics: "http://" + metricsAddr, logs: &strings.Builder{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(env, extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	apptest.Eventually(t, 60*time.Second, func() bool {
		res, err := http.Get(p.base + "/ready")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == http.StatusOK
	}, "the server ready")
	return p
}

// TestSIGTERMDrainDelay: with SHUTDOWN_DRAIN_DELAY the stopping server keeps
// answering, but /ready is 503 with the API error body and every answer
// asks the client to close its connection, while its metrics stay
// scrapable; after the delay the process stops listening and exits with 0.
func TestSIGTERMDrainDelay(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	srv := startServeProcess(t, "SHUTDOWN_DRAIN_DELAY="+delay.String())
	client := &http.Client{Timeout: 5 * time.Second}
	// answer is what the test reads of a response: its status, whether it
	// asks to close the connection, and its body.
	type answer struct {
		StatusCode int
		Close      bool
	}
	get := func(path string) (answer, string) {
		t.Helper()
		base := srv.base
		if path == "/metrics" {
			base = srv.metrics
		}
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{StatusCode: res.StatusCode, Close: res.Close}, string(b)
	}
	if res, _ := get("/ready"); res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("before the signal: /ready %d, close %v", res.StatusCode, res.Close)
	}
	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, delay/2, func() bool {
		res, _ := get("/ready")
		return res.StatusCode == http.StatusServiceUnavailable
	}, "/ready to answer 503 while draining")
	res, body := get("/ready")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"SERVICE_UNAVAILABLE"`) || !res.Close {
		t.Errorf("/ready while draining: %d close=%v %s", res.StatusCode, res.Close, body)
	}
	if res, body := get("/api/v1/genres"); res.StatusCode != http.StatusOK || !res.Close {
		t.Errorf("GET /genres while draining: %d close=%v %s", res.StatusCode, res.Close, body)
	}
	if res, body := get("/metrics"); res.StatusCode != http.StatusOK || !strings.Contains(body, `route="/api/v1/genres",status="200"`) {
		t.Errorf("GET /metrics while draining: %d %.300s", res.StatusCode, body)
	}
	select {
	case err := <-srv.exited:
		if err != nil {
			t.Errorf("the server exited with %v:\n%s", err, srv.logs.String())
		}
		if waited := time.Since(signalled); waited < delay {
			t.Errorf("the server exited %v after SIGTERM, before its drain delay of %v", waited, delay)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
	for _, url := range []string{srv.base + "/health", srv.metrics + "/metrics"} {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			t.Errorf("GET %s still answers after the server exited", url)
		}
	}
}
