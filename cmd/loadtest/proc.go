package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a server under test (or the baseline helper) running as its
// own process; its RSS and CPU time come from /proc/<pid>.
type process struct {
	name string
	cmd  *exec.Cmd
	addr string
	done chan struct{}
	log  *os.File
}

// startProcess starts bin with args and env (added to this environment),
// its output in logPath, and waits until GET http://addr+readyPath answers
// 200. It returns the time from the start to that first 200.
func startProcess(ctx context.Context, name, bin string, args, env []string, addr, readyPath, logPath string) (*process, time.Duration, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, 0, err
	}
	p := &process{name: name, cmd: cmd, addr: addr, done: make(chan struct{}), log: logFile}
	go func() { _ = cmd.Wait(); close(p.done) }()
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.done:
			logFile.Close()
			return nil, 0, fmt.Errorf("%s exited during start-up (log: %s)", name, logPath)
		case <-ctx.Done():
			p.stop()
			return nil, 0, ctx.Err()
		default:
		}
		res, err := client.Get("http://" + addr + readyPath)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, time.Since(start), nil
			}
		}
		if time.Since(start) > 2*time.Minute {
			p.stop()
			return nil, 0, fmt.Errorf("%s not ready after 2 minutes (log: %s)", name, logPath)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM, then SIGKILL after 20 s.
func (p *process) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr() (string, error) {
	addrs, err := freeAddrs(1)
	if err != nil {
		return "", err
	}
	return addrs[0], nil
}

// freeAddrs returns n different free 127.0.0.1 ports (all are held until
// each is chosen).
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, n)
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs[i] = l.Addr().String()
	}
	return addrs, nil
}

// procStat is a process's resident set size and CPU time so far.
type procStat struct {
	RSS, Anon, File int64         // bytes: resident, of which anonymous and file-backed (the binary)
	CPU             time.Duration // user + system
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func readProc(pid int) (procStat, error) {
	var st procStat
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	fields := map[string]*int64{"VmRSS:": &st.RSS, "RssAnon:": &st.Anon, "RssFile:": &st.File}
	for line := range strings.SplitSeq(string(status), "\n") {
		name, rest, _ := strings.Cut(line, "\t")
		if dst := fields[name]; dst != nil {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return st, err
			}
			*dst = kb * 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// Fields after the command name (which may hold spaces) in parentheses;
	// utime and stime are fields 14 and 15, i.e. 12 and 13 after it.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return st, errors.New("unexpected /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return st, errors.New("unexpected /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	st.CPU = time.Duration(ut+stt) * time.Second / clockTicks
	return st, nil
}

// sampler records a process's peak and mean RSS and its CPU use between
// start and finish.
type sampler struct {
	pid       int
	stop      chan struct{}
	wg        sync.WaitGroup
	first     procStat
	began     time.Time
	peak, sum int64
	n         int64
}

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid, stop: make(chan struct{}), began: time.Now()}
	s.first, _ = readProc(pid)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if st, err := readProc(pid); err == nil {
					s.peak = max(s.peak, st.RSS)
					s.sum += st.RSS
					s.n++
				}
			}
		}
	}()
	return s
}

// usage is what a sampler measured.
type usage struct {
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	MeanRSSMiB float64 `json:"mean_rss_mib"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
}

func (s *sampler) finish() usage {
	close(s.stop)
	s.wg.Wait()
	last, _ := readProc(s.pid)
	elapsed := time.Since(s.began)
	u := usage{PeakRSSMiB: mib(max(s.peak, last.RSS)), CPUPercent: 100 * float64(last.CPU-s.first.CPU) / float64(elapsed)}
	if s.n > 0 {
		u.MeanRSSMiB = mib(s.sum / s.n)
	}
	return u
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// idleMemory is a process's resident memory at rest, in MiB.
type idleMemory struct {
	RSS  float64 `json:"rss_mib"`
	Anon float64 `json:"anon_mib"`
	File float64 `json:"file_mib"`
}

func (m idleMemory) String() string {
	return fmt.Sprintf("%.1f MiB (%.1f anonymous, %.1f file-backed)", m.RSS, m.Anon, m.File)
}

// idleRSS waits for d and returns the process's resident memory.
func idleRSS(pid int, d time.Duration) idleMemory {
	time.Sleep(d)
	st, _ := readProc(pid)
	return idleMemory{RSS: mib(st.RSS), Anon: mib(st.Anon), File: mib(st.File)}
}
