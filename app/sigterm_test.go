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
// signing up, and sends SIGTERM. Every request the server took must get its
// answer: after the signal, clients see answers or refused connections,
// never a reset, a truncated answer or a 5xx; the process exits with 0.
func TestSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	srv := startServeProcess(t)
	cmd, base := srv.cmd, srv.base

	var (
		signalled         atomic.Bool
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
				res, err := client.Do(req)
				if err != nil {
					if signalled.Load() && errors.Is(err, syscall.ECONNREFUSED) {
						return // the server has stopped listening
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
	cmd    *exec.Cmd
	base   string
	logs   *strings.Builder
	exited chan error
}

func startServeProcess(t *testing.T, extraEnv ...string) *serveProcess {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	env := append(os.Environ(), "REELVIEW_TEST_CHILD=serve", "APP_ENV=test", "LOG_LEVEL=error", "DEMO_SEED=false",
		"HTTP_ADDR="+addr, "DATA_DIR="+t.TempDir(), "RATE_LIMIT_DEFAULT=1000000/1m", "RATE_LIMIT_AUTH=1000000/1m",
		"SHUTDOWN_TIMEOUT=20s")
	if apptest.Postgres() {
		env = append(env, "DATABASE_URL="+apptest.NewDatabase(t), "REDIS_URL="+apptest.RedisURL(t),
			fmt.Sprintf("REDIS_KEY_PREFIX=proc%d:", time.Now().UnixNano()))
	} else {
		env = append(env, "DATABASE_URL=", "REDIS_URL=")
	}
	p := &serveProcess{base: "http://" + addr, logs: &strings.Builder{}, exited: make(chan error, 1)}
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
