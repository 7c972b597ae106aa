package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
)

// replicas starts two app instances on one database and one Redis, with a
// session cache TTL far longer than any test, so that only the revocation
// messages can make a token fail on the replica that did not end it.
func replicas(t *testing.T, ttl time.Duration) (a, b *apptest.App) {
	t.Helper()
	cfgA := apptest.Config(t)
	cfgA.Auth.SessionCacheTTL = ttl
	cfgB := apptest.Config(t)
	cfgB.Database, cfgB.DataDir, cfgB.Redis, cfgB.Auth = cfgA.Database, cfgA.DataDir, cfgA.Redis, cfgA.Auth
	return apptest.NewWithConfig(t, cfgA, modules...), apptest.NewWithConfig(t, cfgB, modules...)
}

// rejectedOn polls GET /users/me on r with access until it is a 401, and
// fails unless that happens within 1 s: the revocation must come through
// the channel, long before the cache's TTL.
func rejectedOn(t *testing.T, r *apptest.App, access, what string) {
	t.Helper()
	start := time.Now()
	apptest.Eventually(t, time.Second, func() bool { return me(t, r, access).Status == 401 },
		what+": token rejected on the other replica")
	apptest.AssertError(t, me(t, r, access), 401, "TOKEN_INVALID")
	t.Logf("%s: rejected on the other replica after %s", what, time.Since(start).Round(time.Millisecond))
}

// warm makes both replicas cache the token as active.
func warm(t *testing.T, access string, rs ...*apptest.App) {
	t.Helper()
	for _, r := range rs {
		apptest.AssertStatus(t, me(t, r, access), 200)
	}
}

func TestSessionCacheRevocationsReachEveryReplica(t *testing.T) {
	t.Parallel()
	a, b := replicas(t, time.Minute)
	admin := apptest.SignUpAdmin(t, a)

	t.Run("logout", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		warm(t, acc.Access, a, b)
		apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/logout", acc.Access, ""), 204)
		apptest.AssertError(t, me(t, a, acc.Access), 401, "TOKEN_INVALID") // the same replica: at once
		rejectedOn(t, b, acc.Access, "logout")
	})
	t.Run("logout-all", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		second, _ := apptest.Login(t, a.App, acc.Email, acc.Password)
		warm(t, acc.Access, a, b)
		warm(t, second, a, b)
		apptest.AssertStatus(t, apptest.Do(t, b.App, "POST", "/api/v1/auth/logout-all", acc.Access, ""), 204)
		apptest.AssertError(t, me(t, b, second), 401, "TOKEN_INVALID")
		rejectedOn(t, a, second, "logout-all")
	})
	t.Run("session delete", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		other, _ := apptest.Login(t, a.App, acc.Email, acc.Password)
		warm(t, acc.Access, a, b)
		warm(t, other, a, b)
		var sessions struct {
			Items []struct {
				ID      string `json:"id"`
				Current bool   `json:"current"`
			} `json:"items"`
		}
		res := apptest.Do(t, a.App, "GET", "/api/v1/auth/sessions", acc.Access, "")
		apptest.AssertStatus(t, res, 200)
		res.JSON(t, &sessions)
		ended := 0
		for _, s := range sessions.Items {
			if !s.Current {
				apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/auth/sessions/"+s.ID, acc.Access, ""), 204)
				ended++
			}
		}
		if ended != 1 {
			t.Fatalf("ended %d sessions, want the other one: %+v", ended, sessions)
		}
		rejectedOn(t, b, other, "session delete")
		warm(t, acc.Access, a, b) // the caller's own session lives on
	})
	t.Run("password change", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		other, _ := apptest.Login(t, a.App, acc.Email, acc.Password)
		warm(t, other, a, b)
		body := fmt.Sprintf(`{"current_password":%q,"new_password":"another long passphrase 9"}`, acc.Password)
		apptest.AssertStatus(t, apptest.Do(t, a.App, "PUT", "/api/v1/users/me/password", acc.Access, body), 204)
		rejectedOn(t, b, other, "password change")
		warm(t, acc.Access, a, b) // the session that changed it stays
	})
	t.Run("block", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		warm(t, acc.Access, a, b)
		res := apptest.Do(t, b.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", acc.ID), admin.Access,
			`{"status":"BLOCKED"}`)
		apptest.AssertStatus(t, res, 200)
		apptest.AssertError(t, me(t, b, acc.Access), 401, "TOKEN_INVALID")
		rejectedOn(t, a, acc.Access, "block")
	})
	t.Run("role change", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		warm(t, acc.Access, a, b)
		res := apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", acc.ID), admin.Access,
			`{"role":"ADMIN"}`)
		apptest.AssertStatus(t, res, 200)
		rejectedOn(t, b, acc.Access, "role change")
	})
	t.Run("account delete", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		warm(t, acc.Access, a, b)
		apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/users/me", acc.Access, ""), 204)
		rejectedOn(t, b, acc.Access, "account delete")
	})
	t.Run("refresh token reuse", func(t *testing.T) {
		acc := apptest.SignUp(t, a.App)
		warm(t, acc.Access, a, b)
		res, p := refresh(t, a, acc.Refresh)
		apptest.AssertStatus(t, res, 200)
		res, _ = refresh(t, a, p.RefreshToken)
		apptest.AssertStatus(t, res, 200)
		res, _ = refresh(t, a, acc.Refresh) // reuse of a token two rotations old: the session ends
		apptest.AssertError(t, res, 401, "TOKEN_INVALID")
		apptest.AssertError(t, me(t, a, acc.Access), 401, "TOKEN_INVALID")
		rejectedOn(t, b, acc.Access, "refresh reuse")
	})
}

// TestSessionCacheLostRevocationIsBoundedByTTL ends a session behind the
// service's back (as if the revocation message were lost): the token still
// passes on a replica that cached it, but for no longer than the TTL.
func TestSessionCacheLostRevocationIsBoundedByTTL(t *testing.T) {
	t.Parallel()
	const ttl = 700 * time.Millisecond
	a, _ := replicas(t, ttl)
	acc := apptest.SignUp(t, a.App)
	warm(t, acc.Access, a)
	ctx := context.Background()
	keys, err := a.Redis.Keys(ctx, a.Redis.Key("refresh", fmt.Sprint(acc.ID), "*")).Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("session keys: %v, %v", keys, err)
	}
	ended := time.Now()
	if err := a.Redis.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if res := me(t, a, acc.Access); res.Status != 200 {
		t.Fatalf("cached token within the TTL: status %d, want 200 from the cache", res.Status)
	}
	apptest.Eventually(t, 2*ttl, func() bool { return me(t, a, acc.Access).Status == 401 }, "the TTL to lapse")
	// The token was cached before the session ended: it passes for at most
	// the TTL after that.
	if waited := time.Since(ended); waited > ttl+500*time.Millisecond {
		t.Errorf("rejected %s after the session ended, TTL %s", waited, ttl)
	}
}

// TestSessionCacheOff: with SESSION_CACHE_TTL=0, Redis decides every request.
func TestSessionCacheOff(t *testing.T) {
	t.Parallel()
	a, _ := replicas(t, 0)
	acc := apptest.SignUp(t, a.App)
	warm(t, acc.Access, a)
	ctx := context.Background()
	keys, err := a.Redis.Keys(ctx, a.Redis.Key("refresh", fmt.Sprint(acc.ID), "*")).Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("session keys: %v, %v", keys, err)
	}
	if err := a.Redis.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	apptest.AssertError(t, me(t, a, acc.Access), 401, "TOKEN_INVALID")
}
