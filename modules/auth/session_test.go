package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
)

type pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func refresh(t *testing.T, a *apptest.App, token string) (*apptest.Response, pair) {
	t.Helper()
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/refresh", "", fmt.Sprintf(`{"refresh_token":%q}`, token))
	// No t.Fatal here: concurrentRefreshes calls this from goroutines.
	var p pair
	if res.Status == 200 {
		if err := json.Unmarshal(res.Body, &p); err != nil {
			t.Errorf("refresh answer %s: %v", res.Body, err)
		}
	}
	return res, p
}

func me(t *testing.T, a *apptest.App, access string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, a.App, "GET", "/api/v1/users/me", access, "")
}

// clock is a settable time for the sessions of a test app.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedApp starts the auth and users modules with a reuse grace window
// of grace and the sessions' clock under the test's control.
func newClockedApp(t *testing.T, grace time.Duration) (*apptest.App, *clock) {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.Auth.RefreshReuseGrace = grace
	var sessions *auth.Sessions
	a := apptest.NewWithConfig(t, cfg, append(modules, fx.Populate(&sessions))...)
	c := &clock{now: time.Now()}
	auth.SetClock(sessions, c.Now)
	return a, c
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	t.Parallel()
	a, clk := newClockedApp(t, 5*time.Second)
	acc := apptest.SignUp(t, a.App)

	res, p1 := refresh(t, a, acc.Refresh)
	apptest.AssertStatus(t, res, 200)
	if p1.RefreshToken == acc.Refresh || p1.AccessToken == "" {
		t.Fatal("refresh returned the same refresh token")
	}
	apptest.AssertStatus(t, me(t, a, p1.AccessToken), 200)
	clk.Add(time.Second)
	res, p2 := refresh(t, a, p1.RefreshToken)
	apptest.AssertStatus(t, res, 200)

	// The first refresh token was rotated, and the one after it too: the
	// grace window is for the token just replaced only. Presenting it again
	// is a reuse, which ends the whole session, including the newest tokens.
	res, _ = refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	res, _ = refresh(t, a, p2.RefreshToken)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	apptest.AssertError(t, me(t, a, p2.AccessToken), 401, "TOKEN_INVALID")

	// Garbage never revokes anything.
	other := apptest.SignUp(t, a.App)
	for _, bad := range []string{"", "garbage", fmt.Sprintf("%d.AAAAAAAAAAAAAAAAAAAAAA.%s", other.ID, "x"), other.Refresh + "x"} {
		res, _ := refresh(t, a, bad)
		if res.Status != 401 && res.Status != 400 {
			t.Errorf("refresh %q: status %d", bad, res.Status)
		}
	}
	apptest.AssertStatus(t, me(t, a, other.Access), 200)
}

// concurrentRefreshes refreshes token n times at once and returns the
// statuses and pairs, in no order.
func concurrentRefreshes(t *testing.T, a *apptest.App, token string, n int) ([]int, []pair) {
	t.Helper()
	statuses := make([]int, n)
	pairs := make([]pair, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, p := refresh(t, a, token)
			statuses[i], pairs[i] = res.Status, p
		}()
	}
	close(start)
	wg.Wait()
	return statuses, pairs
}

// Two tabs refreshing one token at once (here ten): within the grace window
// every one gets the same new pair, and that session goes on working.
func TestConcurrentRefreshWithinGraceShareOnePair(t *testing.T) {
	t.Parallel()
	a, clk := newClockedApp(t, 5*time.Second)
	acc := apptest.SignUp(t, a.App)
	statuses, pairs := concurrentRefreshes(t, a, acc.Refresh, 10)
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("refresh %d: status %d", i, s)
		} else if pairs[i] != pairs[0] {
			t.Errorf("refresh %d got another pair than refresh 0", i)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	// Replays within the window still get that pair.
	clk.Add(5 * time.Second)
	res, again := refresh(t, a, acc.Refresh)
	apptest.AssertStatus(t, res, 200)
	if again != pairs[0] {
		t.Error("a replay within the window got another pair")
	}
	apptest.AssertStatus(t, me(t, a, pairs[0].AccessToken), 200)
	res, next := refresh(t, a, pairs[0].RefreshToken)
	apptest.AssertStatus(t, res, 200)
	apptest.AssertStatus(t, me(t, a, next.AccessToken), 200)
	// The kept pair is sealed: Redis holds no successor token in the clear.
	keys, err := a.Redis.Keys(context.Background(), a.Redis.Key("refresh", "*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if a.Redis.Type(context.Background(), k).Val() != "hash" {
			continue
		}
		for _, v := range a.Redis.HGetAll(context.Background(), k).Val() {
			if strings.Contains(v, next.RefreshToken) || strings.Contains(v, pairs[0].RefreshToken) ||
				strings.Contains(v, pairs[0].AccessToken) {
				t.Errorf("%s holds a token in the clear", k)
			}
		}
	}
}

// After the window, a replay of the replaced token is a reuse: the session
// ends, the replayed and the successor tokens die alike.
func TestReplayAfterGraceEndsTheSession(t *testing.T) {
	t.Parallel()
	a, clk := newClockedApp(t, 5*time.Second)
	acc := apptest.SignUp(t, a.App)
	res, p := refresh(t, a, acc.Refresh)
	apptest.AssertStatus(t, res, 200)
	clk.Add(5*time.Second + time.Millisecond)
	res, _ = refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	res, _ = refresh(t, a, p.RefreshToken)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	apptest.AssertError(t, me(t, a, p.AccessToken), 401, "TOKEN_INVALID")
	res, _ = refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
}

// REFRESH_REUSE_GRACE=0 turns the window off: of concurrent refreshes with
// one token exactly one succeeds, and the session ends with the others.
func TestConcurrentRefreshWithoutGraceExactlyOneSucceeds(t *testing.T) {
	t.Parallel()
	a, _ := newClockedApp(t, 0)
	acc := apptest.SignUp(t, a.App)
	const n = 10
	statuses, _ := concurrentRefreshes(t, a, acc.Refresh, n)
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 401:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent refreshes succeeded, want exactly 1 (%v)", ok, n, statuses)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	phone, phoneRefresh := apptest.Login(t, a.App, acc.Email, acc.Password)

	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/logout", acc.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, me(t, a, acc.Access), 401, "TOKEN_INVALID")
	res, _ := refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	// The other session is untouched.
	apptest.AssertStatus(t, me(t, a, phone), 200)

	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/logout-all", phone, ""), http.StatusNoContent)
	apptest.AssertError(t, me(t, a, phone), 401, "TOKEN_INVALID")
	res, _ = refresh(t, a, phoneRefresh)
	apptest.AssertError(t, res, 401, "TOKEN_INVALID")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/logout", "", ""), 401, "UNAUTHORIZED")
}

func TestSessions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	alice := apptest.SignUp(t, a.App)
	second := apptest.Send(t, a.App, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
		Body:   fmt.Sprintf(`{"email":%q,"password":%q}`, alice.Email, alice.Password),
		Header: map[string]string{"User-Agent": "ReelviewPhone/1.0"}})
	apptest.AssertStatus(t, second, 200)
	var phone pair
	second.JSON(t, &phone)
	bob := apptest.SignUp(t, a.App)

	var list struct {
		Items []struct {
			ID        string `json:"id"`
			UserAgent string `json:"user_agent"`
			Current   bool   `json:"current"`
		} `json:"items"`
	}
	res := apptest.Do(t, a.App, "GET", "/api/v1/auth/sessions", alice.Access, "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d sessions, want 2", len(list.Items))
	}
	var phoneID string
	for _, s := range list.Items {
		if s.UserAgent == "ReelviewPhone/1.0" {
			phoneID = s.ID
			if s.Current {
				t.Error("the phone session is marked current for the other session's request")
			}
		}
	}
	if phoneID == "" {
		t.Fatal("phone session not listed with its user agent")
	}
	// Bob cannot end Alice's session: it is not his, so it does not exist.
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", "/api/v1/auth/sessions/"+phoneID, bob.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertStatus(t, me(t, a, phone.AccessToken), 200)
	// Alice can.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/auth/sessions/"+phoneID, alice.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, me(t, a, phone.AccessToken), 401, "TOKEN_INVALID")
	apptest.AssertStatus(t, me(t, a, alice.Access), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", "/api/v1/auth/sessions/"+phoneID, alice.Access, ""), 404, "RESOURCE_NOT_FOUND")
}

func TestRedisOutageFailsClosed(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	_ = a.Redis.Close()
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, acc.Email, acc.Password))
	apptest.AssertError(t, res, 503, "SERVICE_UNAVAILABLE")
	res, _ = refresh(t, a, acc.Refresh)
	apptest.AssertError(t, res, 503, "SERVICE_UNAVAILABLE")
	apptest.AssertError(t, me(t, a, acc.Access), 503, "SERVICE_UNAVAILABLE")
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	t.Run("per client IP", func(t *testing.T) {
		t.Parallel()
		cfg := apptest.Config(t)
		cfg.RateLimit.Auth.Requests = 2
		a := apptest.NewWithConfig(t, cfg, modules...)
		for i := range 2 {
			apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
				fmt.Sprintf(`{"email":"ip%d@example.com","password":"a fine passphrase","nickname":"ip%d"}`, i, i))
		}
		before := userCount(t, a)
		res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "", `{"email":"ip9@example.com","password":"a fine passphrase","nickname":"ip9"}`)
		apptest.AssertError(t, res, 429, "TOO_MANY_REQUESTS")
		if userCount(t, a) != before {
			t.Error("a throttled sign-up created an account")
		}
	})
}

func TestAdminAccountIsEnsuredAtStart(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Auth.AdminEmail = "Root@Example.com"
	cfg.Auth.AdminPassword = "an admin passphrase"
	a := apptest.NewWithConfig(t, cfg, modules...)
	u, err := a.DB.Ent.User.Query().Where(user.Email("root@example.com")).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != user.RoleADMIN {
		t.Errorf("role = %s", u.Role)
	}
	access, _ := apptest.Login(t, a.App, "root@example.com", "an admin passphrase")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", access, ""), 200)
}

// ADMIN_PASSWORD follows the rules of every new password: a weak one stops
// the start (EnsureAdmin is the start hook) and creates nothing.
func TestWeakAdminPasswordIsRefused(t *testing.T) {
	t.Parallel()
	var svc *auth.Service
	a := apptest.New(t, append(modules, fx.Populate(&svc))...)
	for _, p := range []string{"aaaaaaaa", "12345678", "password1", "reelview2026", "rootroot!", "admin-admin"} {
		err := svc.EnsureAdmin(context.Background(), config.Auth{AdminEmail: "root@example.com", AdminPassword: p})
		if err == nil || !strings.HasPrefix(err.Error(), "ADMIN_PASSWORD: ") {
			t.Errorf("ADMIN_PASSWORD=%q: err = %v, want an ADMIN_PASSWORD error", p, err)
		}
	}
	if n := userCount(t, a); n != 0 {
		t.Errorf("%d accounts created", n)
	}
}
