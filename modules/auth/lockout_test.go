package auth_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
)

// lockoutConfig limits failed logins to perIP per account and client IP and
// to ceiling per account; the client IP is taken from X-Forwarded-For. The
// per-IP policy of the credential routes is looser than both, so a 429 that
// carried its headers would be told apart.
func lockoutConfig(t *testing.T, perIP, ceiling int) config.Config {
	t.Helper()
	c := apptest.Config(t)
	c.HTTP.TrustedProxies = []string{"0.0.0.0"} // the in-process test peer
	c.RateLimit.Auth.Requests = 500
	c.RateLimit.LoginAccountIP = config.Rate{Requests: perIP, Period: 15 * 60e9}
	c.RateLimit.LoginAccount = config.Rate{Requests: ceiling, Period: 60 * 60e9}
	return c
}

func loginFrom(t *testing.T, a *apptest.App, ip, email, password string) *apptest.Response {
	t.Helper()
	return apptest.Send(t, a.App, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
		Body:   fmt.Sprintf(`{"email":%q,"password":%q}`, email, password),
		Header: map[string]string{"X-Forwarded-For": ip}})
}

// assertRefusedBy checks a 429 whose RateLimit-* and Retry-After headers all
// describe a policy of limit requests per period: none left, the next one
// after one period/limit, the whole budget back within period.
func assertRefusedBy(t *testing.T, res *apptest.Response, limit int, period float64) {
	t.Helper()
	apptest.AssertError(t, res, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
	num := func(h string) float64 {
		v, err := strconv.Atoi(res.Header.Get(h))
		if err != nil {
			t.Fatalf("%s = %q", h, res.Header.Get(h))
		}
		return float64(v)
	}
	if num("RateLimit-Limit") != float64(limit) || num("RateLimit-Remaining") != 0 {
		t.Errorf("RateLimit-Limit %s, -Remaining %s; want %d, 0",
			res.Header.Get("RateLimit-Limit"), res.Header.Get("RateLimit-Remaining"), limit)
	}
	interval := period / float64(limit)
	if ra := num("Retry-After"); ra < interval*0.8 || ra > interval+1 {
		t.Errorf("Retry-After %v, want about %v (one attempt of the refusing policy)", ra, interval)
	}
	if reset := num("RateLimit-Reset"); reset < period*0.8 || reset > period+1 {
		t.Errorf("RateLimit-Reset %v, want about %v", reset, period)
	}
}

// Failed logins from one IP lock that IP out of the account, on every
// replica, even with the right password (so the 429 tells nothing about
// it), while the owner signs in from another address.
func TestLoginLockoutIsPerAccountAndIP(t *testing.T) {
	t.Parallel()
	cfgA := lockoutConfig(t, 3, 100)
	a := apptest.NewWithConfig(t, cfgA, modules...)
	cfgB := lockoutConfig(t, 3, 100)
	cfgB.Database, cfgB.DataDir, cfgB.Redis = cfgA.Database, cfgA.DataDir, cfgA.Redis // one deployment
	b := apptest.NewWithConfig(t, cfgB, modules...)
	acc := apptest.SignUp(t, a.App)
	const attacker, owner = "203.0.113.66", "198.51.100.7"
	for i := range 3 {
		replica := []*apptest.App{a, b}[i%2]
		apptest.AssertError(t, loginFrom(t, replica, attacker, acc.Email, "wrong password!"), 401, "INVALID_CREDENTIALS")
	}
	assertRefusedBy(t, loginFrom(t, b, attacker, acc.Email, "wrong password!"), 3, 900)
	assertRefusedBy(t, loginFrom(t, a, attacker, acc.Email, acc.Password), 3, 900)
	for range 3 {
		apptest.AssertStatus(t, loginFrom(t, b, owner, acc.Email, acc.Password), 200)
	}
	// Another account is not affected from the attacker's address.
	other := apptest.SignUp(t, a.App)
	apptest.AssertStatus(t, loginFrom(t, a, attacker, other.Email, other.Password), 200)
}

// A successful login spends nothing: any number of them never trips either
// limit, and afterwards the whole failure budget is still there.
func TestSuccessfulLoginsAreNotCounted(t *testing.T) {
	t.Parallel()
	a := apptest.NewWithConfig(t, lockoutConfig(t, 3, 3), modules...)
	acc := apptest.SignUp(t, a.App)
	const ip = "192.0.2.10"
	for range 12 {
		apptest.AssertStatus(t, loginFrom(t, a, ip, acc.Email, acc.Password), 200)
	}
	for range 3 {
		apptest.AssertError(t, loginFrom(t, a, ip, acc.Email, "wrong password!"), 401, "INVALID_CREDENTIALS")
	}
	assertRefusedBy(t, loginFrom(t, a, ip, acc.Email, "wrong password!"), 3, 900)
}

// Guesses spread over many addresses trip the account-wide ceiling, and the
// 429 then describes the ceiling.
func TestLoginAccountCeilingStopsDistributedGuessing(t *testing.T) {
	t.Parallel()
	a := apptest.NewWithConfig(t, lockoutConfig(t, 2, 5), modules...)
	acc := apptest.SignUp(t, a.App)
	for i := range 5 {
		ip := fmt.Sprintf("203.0.113.%d", 1+i/2) // two guesses from each address
		apptest.AssertError(t, loginFrom(t, a, ip, acc.Email, "wrong password!"), 401, "INVALID_CREDENTIALS")
	}
	assertRefusedBy(t, loginFrom(t, a, "203.0.113.200", acc.Email, "wrong password!"), 5, 3600)
	assertRefusedBy(t, loginFrom(t, a, "198.51.100.7", acc.Email, acc.Password), 5, 3600)
	// An unknown email is limited the same way: the limit says nothing of
	// which accounts exist.
	for range 2 {
		apptest.AssertError(t, loginFrom(t, a, "192.0.2.1", "nobody@example.com", "wrong password!"), 401, "INVALID_CREDENTIALS")
	}
	assertRefusedBy(t, loginFrom(t, a, "192.0.2.1", "nobody@example.com", "wrong password!"), 2, 900)
}

// Concurrent guesses cannot overrun the limit: each attempt is spent before
// its password is checked.
func TestConcurrentFailedLoginsStayWithinTheLimit(t *testing.T) {
	t.Parallel()
	a := apptest.NewWithConfig(t, lockoutConfig(t, 3, 100), modules...)
	acc := apptest.SignUp(t, a.App)
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = loginFrom(t, a, "203.0.113.9", acc.Email, "wrong password!").Status
		}()
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[401] != 3 || counts[429] != n-3 {
		t.Fatalf("statuses %v: want 3 × 401 and %d × 429", counts, n-3)
	}
}
