package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/crypto/bcrypt"
)

const api = "/api/v1"

// buildServer builds ./app into dir as name, with the given build tags, or
// returns o.bin.
func buildServer(ctx context.Context, o options, dir, name, tags string) (string, error) {
	if o.bin != "" {
		return o.bin, nil
	}
	bin := filepath.Join(dir, name)
	args := []string{"build", "-trimpath", "-tags", tags, "-ldflags", "-s -w", "-o", bin + ".linked", "./app"}
	logf("building %s (go %s)", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./app (run from the repository root): %w", err)
	}
	return bin, install(bin+".linked", bin)
}

// install copies the linked binary to dst and removes it, as a deployment
// puts a binary in place: a container image's layer is written by copying.
// The copy matters to the RSS figures: right after linking, the page cache
// holds the file as the linker wrote it, and the kernel then maps more of it
// on each page fault (the same bytes idled at 38-44 MiB fresh from the
// linker and steadily at 37.7 MiB once copied or read back from disk).
func install(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Remove(src)
}

// bcryptCost is the server's configured cost: BCRYPT_COST or the
// production default.
func bcryptCost() int {
	if n, err := strconv.Atoi(os.Getenv("BCRYPT_COST")); err == nil {
		return n
	}
	return 12
}

// serverEnv is the environment of the server under test: production mode,
// a dedicated Redis key prefix, its metrics listener on metricsAddr (as a
// deployment has one, unscraped here), and rate limits far above what a run
// sends (the limiter still runs on every request, it never refuses).
func serverEnv(dbURL, redisURL, addr, metricsAddr string) []string {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return []string{
		"APP_ENV=production", "DATABASE_URL=" + dbURL, "REDIS_URL=" + redisURL,
		"REDIS_KEY_PREFIX=reelview-bench:" + dbName(dbURL) + ":", "HTTP_ADDR=" + addr, "METRICS_ADDR=" + metricsAddr,
		"JWT_SECRET=" + hex.EncodeToString(secret),
		"DEMO_SEED=false", "BCRYPT_COST=" + strconv.Itoa(bcryptCost()),
		"RATE_LIMIT_DEFAULT=1000000000/1s", "RATE_LIMIT_AUTH=1000000000/1s", "RATE_LIMIT_LOGIN_ACCOUNT=1000000000/1s",
	}
}

// dbName is the database of a PostgreSQL URL: each bench database gets its
// own Redis key prefix, so no cached answer outlives a switch of database.
func dbName(u string) string {
	if p, err := url.Parse(u); err == nil {
		return strings.TrimPrefix(p.Path, "/")
	}
	return ""
}

// embeddedStartup starts the server in embedded mode twice on a fresh data
// directory: the first start creates the schema and seeds the demo catalog,
// the second is a restart, timed to the first 200 of /ready; then the idle
// RSS of that second process.
func embeddedStartup(ctx context.Context, bin, dir string) (firstMS, restartMS float64, idle idleMemory, err error) {
	addrs, err := freeAddrs(2)
	if err != nil {
		return 0, 0, idle, err
	}
	addr := addrs[0]
	env := []string{"DATABASE_URL=", "REDIS_URL=", "APP_ENV=development", "DATA_DIR=" + filepath.Join(dir, "embedded"),
		"HTTP_ADDR=" + addr, "METRICS_ADDR=" + addrs[1], "DEMO_ADMIN_PASSWORD=bench-admin-pw", "DEMO_USER_PASSWORD=bench-user-pw"}
	p, first, err := startProcess(ctx, "embedded server", bin, []string{"serve"}, env, addr, "/ready", filepath.Join(dir, "embedded-1.log"))
	if err != nil {
		return 0, 0, idle, err
	}
	p.stop()
	p, restart, err := startProcess(ctx, "embedded server", bin, []string{"serve"}, env, addr, "/ready", filepath.Join(dir, "embedded-2.log"))
	if err != nil {
		return 0, 0, idle, err
	}
	defer p.stop()
	return ms(first), ms(restart), idleRSS(p.pid(), 3*time.Second), nil
}

// fixture is what the scenarios need from the data set and the server.
type fixture struct {
	base       string // http://addr
	contents   []int64
	hot        int64
	reviews    []int64
	users      []benchUser
	deepCursor string
	s1Body     []byte
	s1Type     string
}

type benchUser struct {
	email, password string
	auth            http.Header // Authorization: Bearer …
}

// loadFixture reads ids from the data set and, unless users is 0, fetches
// S1's body and signs up users accounts.
func loadFixture(ctx context.Context, dbURL, base string, users int) (*fixture, error) {
	f := &fixture{base: base}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT id FROM contents WHERE deleted_at IS NULL ORDER BY id`)
	if f.contents, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, err
	}
	if len(f.contents) < 1000 {
		return nil, errors.New("the bench database has fewer than 1,000 contents")
	}
	f.hot = f.contents[0]
	rows, _ = conn.Query(ctx, `SELECT id FROM reviews WHERE content_id <> $1 ORDER BY id LIMIT 100000`, f.hot)
	if f.reviews, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, err
	}
	if len(f.reviews) == 0 {
		return nil, errors.New("the bench database has no reviews")
	}
	if users == 0 {
		return f, nil
	}
	if f.s1Body, f.s1Type, err = get(base+api+"/contents/"+strconv.FormatInt(f.contents[1], 10), nil); err != nil {
		return nil, err
	}
	if err := f.signUp(users); err != nil {
		return nil, err
	}
	return f, nil
}

// signUp creates n accounts for this run (new ones every run, so writes never
// collide with an earlier run's) and logs each in.
func (f *fixture) signUp(n int) error {
	logf("signing up and logging in %d bench users", n)
	run := strconv.FormatInt(time.Now().UnixNano()/1e6, 36)
	f.users = make([]benchUser, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := benchUser{email: fmt.Sprintf("bench-%s-%d@example.com", run, i), password: "popcorn marathon " + run + " x9"}
			if _, _, err := post(f.base+api+"/auth/signup", map[string]string{"email": u.email, "password": u.password,
				"nickname": fmt.Sprintf("b%s%d", run, i)}); err != nil {
				errs[i] = err
				return
			}
			body, _, err := post(f.base+api+"/auth/login", map[string]string{"email": u.email, "password": u.password})
			if err != nil {
				errs[i] = err
				return
			}
			var pair struct {
				AccessToken string `json:"access_token"`
			}
			errs[i] = json.Unmarshal(body, &pair)
			u.auth = http.Header{"Authorization": {"Bearer " + pair.AccessToken}}
			f.users[i] = u
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// walkCursor follows next_cursor from the first page of the hot content's
// reviews for pages pages and returns the cursor of the page after them.
func (f *fixture) walkCursor(pages int) error {
	logf("following the review cursor %d pages deep", pages)
	cursor := ""
	for i := range pages {
		body, _, err := get(f.reviewsURL(cursor), nil)
		if err != nil {
			return err
		}
		var page struct {
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return err
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return fmt.Errorf("the hot content's reviews end after %d pages", i+1)
		}
		cursor = *page.NextCursor
	}
	f.deepCursor = cursor
	return nil
}

func (f *fixture) reviewsURL(cursor string) string {
	return fmt.Sprintf("%s%s/contents/%d/reviews?size=20&cursor=%s", f.base, api, f.hot, url.QueryEscape(cursor))
}

func get(u string, h http.Header) ([]byte, string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header = h
	return do(req)
}

func post(u string, body any) ([]byte, string, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

func do(req *http.Request) ([]byte, string, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, "", err
	}
	if res.StatusCode >= 300 {
		return nil, "", fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return b, res.Header.Get("Content-Type"), nil
}

// searchTerms are S3's queries: title substrings of one to a few hundred
// synthetic titles.
var searchTerms = []string{"Harbor 12", "Orchard 3", "River 45", "Echo 7", "정원 9", "Kingdom 100", "Archive 8", "Garden 61"}

// readScenarios are S2–S4 (they need no account).
func (f *fixture) readScenarios(srv *process) []scenario {
	return []scenario{
		{ID: "S2", Name: "GET /contents?sort=rating&page=1–10", Baseline: "B2", proc: srv,
			target: getTarget(nil, func(n uint64) string {
				return fmt.Sprintf("%s%s/contents?sort=rating&size=20&page=%d", f.base, api, n%10+1)
			})},
		{ID: "S3", Name: "GET /contents?q=…", Baseline: "B2", proc: srv,
			target: getTarget(nil, func(n uint64) string {
				return f.base + api + "/contents?q=" + url.QueryEscape(searchTerms[n%uint64(len(searchTerms))])
			})},
		{ID: "S4s", Name: "GET /contents/{id}/reviews first page", Baseline: "B2", proc: srv,
			target: getTarget(nil, func(uint64) string { return f.reviewsURL("") })},
		{ID: "S4d", Name: "GET /contents/{id}/reviews page 1,001", Baseline: "B2", proc: srv,
			target: getTarget(nil, func(uint64) string { return f.reviewsURL(f.deepCursor) })},
	}
}

// scenarios are the baselines and S1–S8 in the order they run; B7 and S7
// (bcrypt) run last, one after the other.
func (f *fixture) scenarios(srv, helper *process) []scenario {
	users := uint64(len(f.users))
	cost := bcryptCost()
	hash, _ := bcrypt.GenerateFromPassword([]byte("bench-password"), cost)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	list := []scenario{
		{ID: "B1", Name: "bare Fiber handler, S1's bytes", proc: helper,
			target: getTarget(nil, func(uint64) string { return "http://" + helper.addr + "/b1" })},
		{ID: "B2", Name: "one pgxpool primary-key SELECT", proc: helper,
			target: getTarget(nil, func(n uint64) string {
				return fmt.Sprintf("http://%s/b2/%d", helper.addr, f.contents[n%uint64(len(f.contents))])
			})},
		{ID: "B3", Name: "one Redis GET", proc: helper,
			target: getTarget(nil, func(uint64) string { return "http://" + helper.addr + "/b3" })},
		{ID: "S1", Name: "GET /contents/{id} (warm, 100 ids)", Baseline: "B1", proc: srv,
			target: getTarget(nil, func(n uint64) string {
				return fmt.Sprintf("%s%s/contents/%d", f.base, api, f.contents[1+n%100])
			})},
	}
	list = append(list, f.readScenarios(srv)...)
	var n atomic.Uint64
	list = append(list,
		scenario{ID: "S5", Name: "GET /users/me (authenticated)", Baseline: "B2", proc: srv,
			target: func(t *vegeta.Target) error {
				u := f.users[(n.Add(1)-1)%users]
				t.Method, t.URL, t.Header, t.Body = http.MethodGet, f.base+api+"/users/me", u.auth, nil
				return nil
			}},
		scenario{ID: "S6", Name: "mixed writes: review, like, comment", Baseline: "B2", proc: srv, target: f.writes()},
		f.feedScenario(srv),
		scenario{ID: "B7", Name: fmt.Sprintf("raw bcrypt compare, cost %d", cost),
			call: func() error { return bcrypt.CompareHashAndPassword(hash, []byte("bench-password")) }},
		scenario{ID: "S7", Name: "POST /auth/login", Baseline: "B7", proc: srv,
			target: func(t *vegeta.Target) error {
				u := f.users[(n.Add(1)-1)%users]
				b, _ := json.Marshal(map[string]string{"email": u.email, "password": u.password})
				t.Method, t.URL, t.Header, t.Body = http.MethodPost, f.base+api+"/auth/login", jsonHeader, b
				return nil
			}},
	)
	return list
}

// writes is S6's targeter: in turn a new review (user k mod U on a content
// none of this run's users reviewed yet), a like (never the same user and
// review twice in a run) and a comment.
func (f *fixture) writes() vegeta.Targeter {
	var n atomic.Uint64
	users := uint64(len(f.users))
	others := f.contents[1:] // not the hot content
	return func(t *vegeta.Target) error {
		k := n.Add(1) - 1
		i := k / 3
		u := f.users[i%users]
		h := u.auth.Clone()
		h.Set("Content-Type", "application/json")
		t.Header = h
		switch k % 3 {
		case 0:
			c := others[(i/users)%uint64(len(others))]
			t.Method, t.URL = http.MethodPost, fmt.Sprintf("%s%s/contents/%d/reviews", f.base, api, c)
			t.Body = []byte(`{"rating":8,"body":"Load-test review."}`)
		case 1:
			r := f.reviews[i%uint64(len(f.reviews))]
			t.Method, t.URL, t.Body = http.MethodPut, fmt.Sprintf("%s%s/reviews/%d/like", f.base, api, r), nil
		default:
			r := f.reviews[(i*7919)%uint64(len(f.reviews))]
			t.Method, t.URL = http.MethodPost, fmt.Sprintf("%s%s/reviews/%d/comments", f.base, api, r)
			t.Body = []byte(`{"body":"Load-test comment."}`)
		}
		return nil
	}
}

// startServer starts `reelview serve` in production mode on database dbURL.
func startServer(ctx context.Context, o options, bin, dbURL, dir string) (*process, time.Duration, error) {
	addrs, err := freeAddrs(2)
	if err != nil {
		return nil, 0, err
	}
	addr := addrs[0]
	logf("starting the server (production mode, PostgreSQL + Redis)")
	env := append(serverEnv(dbURL, o.redis, addr, addrs[1]), o.serverEnv...)
	return startProcess(ctx, "server", bin, []string{"serve"}, env, addr, "/ready",
		filepath.Join(dir, "server.log"))
}

// workDir makes a temporary directory (logs, the built server) and builds
// the server there as the Docker image does, without the embedded mode
// (build tag noembedded).
func workDir(ctx context.Context, o options) (dir, bin string, err error) {
	if dir, err = os.MkdirTemp("", "reelview-bench-*"); err != nil {
		return "", "", err
	}
	if bin, err = buildServer(ctx, o, dir, "reelview", "noembedded"); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, bin, nil
}

func runMain(ctx context.Context, o options) error {
	dir, bin, err := workDir(ctx, o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d := fullDataset
	if o.quick {
		d = quickDataset
	}
	dbURL, err := prepareDatabase(ctx, o, bin, o.database, d)
	if err != nil {
		return err
	}
	rep := report{Dataset: d.String(), Concurrency: o.concurrency, Duration: o.duration.String(), Warmup: o.warmup.String(),
		Rounds: o.rounds}
	rep.fillMachine()

	logf("embedded mode: start-up and idle RSS")
	ebin, err := buildServer(ctx, o, dir, "reelview-embedded", "")
	if err != nil {
		return err
	}
	if rep.EmbeddedFirstStartMS, rep.EmbeddedStartMS, rep.EmbeddedIdle, err = embeddedStartup(ctx, ebin, dir); err != nil {
		return err
	}

	srv, startup, err := startServer(ctx, o, bin, dbURL, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	rep.ServerStartMS = ms(startup)
	rep.Idle = idleRSS(srv.pid(), 3*time.Second)
	logf("server ready in %s, idle RSS %s", startup.Round(time.Millisecond), rep.Idle)

	f, err := loadFixture(ctx, dbURL, "http://"+srv.addr, o.concurrency)
	if err != nil {
		return err
	}
	if err := f.walkCursor(1000); err != nil {
		return err
	}
	if err := f.followForFeed(ctx, dbURL); err != nil {
		return err
	}
	bodyFile := filepath.Join(dir, "s1.json")
	if err := os.WriteFile(bodyFile, f.s1Body, 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	haddr, err := freeAddr()
	if err != nil {
		return err
	}
	helper, _, err := startProcess(ctx, "baseline helper", self, []string{"baseline", "--addr", haddr, "--body", bodyFile,
		"--content-type", f.s1Type, "--database", dbURL, "--redis", o.redis}, nil, haddr, "/health",
		filepath.Join(dir, "baseline.log"))
	if err != nil {
		return err
	}
	defer helper.stop()

	r := runner{concurrency: o.concurrency, duration: o.duration, warmup: o.warmup}
	var list []scenario
	for _, sc := range f.scenarios(srv, helper) {
		if o.only == nil || o.only[sc.ID] {
			list = append(list, sc)
		}
	}
	// The whole list runs o.rounds times, so that a change of the machine's
	// other load weighs on a scenario and its baseline alike.
	rounds := map[string][]result{}
	for round := range o.rounds {
		logf("round %d of %d", round+1, o.rounds)
		for _, sc := range list {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res := r.run(ctx, sc)
			logf("%-4s %-40s %8.1f req/s  p50 %7.2f ms  p99 %8.2f ms  %d errors", res.ID, res.Name, res.RPS, res.P50, res.P99, res.Errors)
			rounds[sc.ID] = append(rounds[sc.ID], res)
		}
	}
	for _, sc := range list {
		rep.Results = append(rep.Results, merge(rounds[sc.ID]))
	}
	rep.IdleAfter = idleRSS(srv.pid(), 3*time.Second)
	rep.finish()
	if err := rep.write(o.out); err != nil {
		return err
	}
	fmt.Println(rep.markdown())
	logf("wrote %s/results.md, results.json and results.png", o.out)
	return nil
}
