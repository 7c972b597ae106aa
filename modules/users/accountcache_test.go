package users_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
)

// accountReplicas starts two app instances on one database and one Redis
// with an account cache TTL of ttl.
func accountReplicas(t *testing.T, ttl time.Duration) (a, b *apptest.App) {
	t.Helper()
	cfgA := apptest.Config(t)
	cfgA.Auth.AccountCacheTTL = ttl
	cfgB := apptest.Config(t)
	cfgB.Database, cfgB.DataDir, cfgB.Redis, cfgB.Auth = cfgA.Database, cfgA.DataDir, cfgA.Redis, cfgA.Auth
	return apptest.NewWithConfig(t, cfgA, modules...), apptest.NewWithConfig(t, cfgB, modules...)
}

func meField(t *testing.T, a *apptest.App, access, field string) any {
	t.Helper()
	res := apptest.Do(t, a.App, "GET", "/api/v1/users/me", access, "")
	apptest.AssertStatus(t, res, 200)
	var u map[string]any
	res.JSON(t, &u)
	return u[field]
}

// TestAccountCacheAcrossReplicas: with a TTL far longer than the test, GET
// /users/me is answered from memory (a change made behind ent's back does
// not show), and every change through the service shows at once on the
// replica that made it and, through the channel, on the other.
func TestAccountCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	a, b := accountReplicas(t, time.Minute)
	acc := apptest.SignUp(t, a.App)
	// Both replicas keep the account: a change made behind ent's back does
	// not show. (The sign-up's own change messages, its sign-in time, may
	// arrive after a read and drop it: then try again.)
	setBio := func(bio string) {
		t.Helper()
		if _, err := a.DB.SQL.Exec(`UPDATE users SET bio = $1 WHERE id = $2`, bio, acc.ID); err != nil {
			t.Fatal(err)
		}
	}
	attempt := 0
	apptest.Eventually(t, 5*time.Second, func() bool {
		attempt++
		before := []any{meField(t, a, acc.Access, "bio"), meField(t, b, acc.Access, "bio")}
		setBio(fmt.Sprintf("written by hand %d", attempt))
		time.Sleep(50 * time.Millisecond)
		return meField(t, a, acc.Access, "bio") == before[0] && meField(t, b, acc.Access, "bio") == before[1]
	}, "both replicas answering from memory")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, `{"bio":"through the API"}`), 200)
	if got := meField(t, a, acc.Access, "bio"); got != "through the API" {
		t.Errorf("the replica that changed it: bio %v", got)
	}
	apptest.Eventually(t, time.Second, func() bool { return meField(t, b, acc.Access, "bio") == "through the API" },
		"the change seen on the other replica")
	// The other way round, and a write of any module through ent (here in
	// a transaction: dropped when it commits).
	apptest.AssertStatus(t, apptest.Do(t, b.App, "PATCH", "/api/v1/users/me", acc.Access, `{"push_enabled":false}`), 200)
	apptest.Eventually(t, time.Second, func() bool { return meField(t, a, acc.Access, "push_enabled") == false },
		"the change seen on the first replica")
	ctx := context.Background()
	tx, err := b.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.User.UpdateOneID(acc.ID).SetNickname(acc.Nickname + "x").SetNicknameKey(strings.ToLower(acc.Nickname + "x")).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, time.Second, func() bool { return meField(t, a, acc.Access, "nickname") == acc.Nickname+"x" },
		"a write through ent seen on the first replica")
}

// TestAccountCacheTTL: a change no message tells of (made by hand) shows
// within the TTL; with the cache off it shows at once.
func TestAccountCacheTTL(t *testing.T) {
	t.Parallel()
	for _, ttl := range []time.Duration{300 * time.Millisecond, 0} {
		cfg := apptest.Config(t)
		cfg.Auth.AccountCacheTTL = ttl
		a := apptest.NewWithConfig(t, cfg, modules...)
		acc := apptest.SignUp(t, a.App)
		time.Sleep(200 * time.Millisecond) // the sign-up's own change messages
		if got := meField(t, a, acc.Access, "bio"); got != "" {
			t.Fatalf("bio %v", got)
		}
		if _, err := a.DB.SQL.Exec(`UPDATE users SET bio = 'by hand' WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if ttl == 0 {
			if got := meField(t, a, acc.Access, "bio"); got != "by hand" {
				t.Errorf("cache off: bio %v", got)
			}
			continue
		}
		start := time.Now()
		apptest.Eventually(t, 5*ttl, func() bool { return meField(t, a, acc.Access, "bio") == "by hand" }, "the change within the TTL")
		if waited := time.Since(start); waited > 2*ttl {
			t.Errorf("shown after %v, TTL %v", waited, ttl)
		}
	}
}
