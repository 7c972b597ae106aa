package main

// The OWASP API Security Top 10 (2023) suite: one test group per category,
// over the whole application (every feature module). Each test names its
// category with owasp(t, "APIn"); TestMain prints the table
// category → tests → result after the run (go test -v -run OWASP ./app).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent/comment"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/device"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/ent/notification"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/user"
)

var owaspCategories = []struct{ id, name string }{
	{"API1", "Broken Object Level Authorization"},
	{"API2", "Broken Authentication"},
	{"API3", "Broken Object Property Level Authorization"},
	{"API4", "Unrestricted Resource Consumption"},
	{"API5", "Broken Function Level Authorization"},
	{"API6", "Unrestricted Access to Sensitive Business Flows"},
	{"API7", "Server Side Request Forgery"},
	{"API8", "Security Misconfiguration"},
	{"API9", "Improper Inventory Management"},
	{"API10", "Unsafe Consumption of APIs"},
}

var owaspResults = struct {
	sync.Mutex
	tests, failed map[string]int
}{tests: map[string]int{}, failed: map[string]int{}}

// owasp files the test (and each of its subtests) under an OWASP category.
func owasp(t *testing.T, category string) {
	t.Helper()
	t.Cleanup(func() {
		owaspResults.Lock()
		defer owaspResults.Unlock()
		owaspResults.tests[category]++
		if t.Failed() {
			owaspResults.failed[category]++
		}
	})
}

func TestMain(m *testing.M) {
	// The process tests run this binary as `reelview serve`.
	if os.Getenv("REELVIEW_TEST_CHILD") == "serve" {
		os.Exit(run([]string{"serve"}, os.Stdout, os.Stderr))
	}
	code := m.Run()
	owaspResults.Lock()
	if len(owaspResults.tests) > 0 {
		fmt.Println("\nOWASP API Security Top 10 (2023)")
		fmt.Println("| category | tests | result |")
		fmt.Println("|---|---|---|")
		for _, c := range owaspCategories {
			n, f := owaspResults.tests[c.id], owaspResults.failed[c.id]
			result := "pass"
			switch {
			case n == 0:
				result = "not run"
			case f > 0:
				result = fmt.Sprintf("FAIL (%d)", f)
			}
			fmt.Printf("| %s %s | %d | %s |\n", c.id, c.name, n, result)
		}
	}
	owaspResults.Unlock()
	os.Exit(code)
}

// world is the whole application with two users and their objects: alice
// owns a review (with bob's comment and like, and her own comment), a
// device, a bookmark and a notification.
type world struct {
	a              *apptest.App
	admin, alice   apptest.Account
	bob            apptest.Account
	movie          int
	review         int // alice's
	aliceComment   int
	bobComment     int
	aliceDevice    string // its token
	aliceDeviceID  int
	aliceNotif     int
	aliceSessionID string
	aliceList      int // unlisted, with the movie on it
}

func newWorld(t testing.TB, adjust ...func(*config.Config)) *world {
	t.Helper()
	cfg := apptest.Config(t)
	for _, f := range adjust {
		f(&cfg)
	}
	w := &world{a: apptest.NewWithConfig(t, cfg, featureModules)}
	ctx := context.Background()
	m, err := w.a.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle("Alien").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.movie = m.ID
	w.admin = apptest.SignUpAdmin(t, w.a)
	w.alice, w.bob = apptest.SignUp(t, w.a.App), apptest.SignUp(t, w.a.App)
	res := w.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie), w.alice.Access, `{"rating":9,"body":"Perfect organism."}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	w.review = idOf(t, res)
	res = w.do(t, "POST", fmt.Sprintf("/api/v1/reviews/%d/comments", w.review), w.alice.Access, `{"body":"Agreed with myself."}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	w.aliceComment = idOf(t, res)
	res = w.do(t, "POST", fmt.Sprintf("/api/v1/reviews/%d/comments", w.review), w.bob.Access, `{"body":"Great take."}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	w.bobComment = idOf(t, res)
	w.aliceDevice = "fcm-alice-phone-0001"
	res = w.do(t, "POST", "/api/v1/users/me/devices", w.alice.Access, `{"token":"`+w.aliceDevice+`","platform":"ios"}`)
	apptest.AssertStatus(t, res, http.StatusOK)
	w.aliceDeviceID = idOf(t, res)
	apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/contents/%d/bookmark", w.movie), w.alice.Access, ""), http.StatusNoContent)
	n, err := w.a.DB.Ent.Notification.Query().Where(notification.UserID(w.alice.ID)).First(ctx)
	if err != nil {
		t.Fatal("alice has no notification:", err)
	}
	w.aliceNotif = n.ID
	res = w.do(t, "GET", "/api/v1/auth/sessions", w.alice.Access, "")
	var sessions struct{ Items []struct{ ID string } }
	res.JSON(t, &sessions)
	if len(sessions.Items) != 1 {
		t.Fatalf("alice's sessions: %s", res.Body)
	}
	w.aliceSessionID = sessions.Items[0].ID
	res = w.do(t, "POST", "/api/v1/lists", w.alice.Access, `{"title":"Alice's picks","visibility":"UNLISTED"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	w.aliceList = idOf(t, res)
	apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/lists/%d/items/%d", w.aliceList, w.movie), w.alice.Access, `{"note":"Mine."}`), http.StatusOK)
	return w
}

func (w *world) do(t testing.TB, method, path, token, body string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, w.a.App, method, path, token, body)
}

func idOf(t testing.TB, res *apptest.Response) int {
	t.Helper()
	var v struct{ ID int }
	res.JSON(t, &v)
	if v.ID == 0 {
		t.Fatalf("no id in %s", res.Body)
	}
	return v.ID
}

// assertDenied: 403 FORBIDDEN or 404 RESOURCE_NOT_FOUND, as the API.md error body.
func assertDenied(t *testing.T, res *apptest.Response) {
	t.Helper()
	switch res.Status {
	case http.StatusForbidden:
		apptest.AssertError(t, res, http.StatusForbidden, "FORBIDDEN")
	default:
		apptest.AssertError(t, res, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	}
}

// assertUnauthorized: 401 with one of API.md's 401 codes.
func assertUnauthorized(t *testing.T, res *apptest.Response) {
	t.Helper()
	var b apptest.ErrorBody
	_ = json.Unmarshal(res.Body, &b)
	if res.Status != http.StatusUnauthorized || !slices.Contains([]string{"UNAUTHORIZED", "TOKEN_EXPIRED", "TOKEN_INVALID"}, b.Code) {
		t.Errorf("status %d, body %s: want 401 UNAUTHORIZED, TOKEN_EXPIRED or TOKEN_INVALID", res.Status, res.Body)
	}
}

// TestOWASPObjectLevelAuthorization (API1): every route that changes or
// shows someone's object, tried by another user with the owner's ids.
func TestOWASPObjectLevelAuthorization(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	db := w.a.DB.Ent
	t.Run("edit another's review", func(t *testing.T) {
		owasp(t, "API1")
		assertDenied(t, w.do(t, "PATCH", fmt.Sprintf("/api/v1/reviews/%d", w.review), w.bob.Access, `{"rating":1,"body":"hacked"}`))
		r := db.Review.GetX(ctx, w.review)
		if r.Rating != 9 || r.Body != "Perfect organism." {
			t.Errorf("review changed: %+v", r)
		}
	})
	t.Run("delete another's review", func(t *testing.T) {
		owasp(t, "API1")
		assertDenied(t, w.do(t, "DELETE", fmt.Sprintf("/api/v1/reviews/%d", w.review), w.bob.Access, ""))
		if !db.Review.Query().Where(review.ID(w.review)).ExistX(ctx) {
			t.Error("review deleted")
		}
	})
	t.Run("delete another's comment", func(t *testing.T) {
		owasp(t, "API1")
		assertDenied(t, w.do(t, "DELETE", fmt.Sprintf("/api/v1/comments/%d", w.aliceComment), w.bob.Access, ""))
		if !db.Comment.Query().Where(comment.ID(w.aliceComment)).ExistX(ctx) {
			t.Error("comment deleted")
		}
	})
	t.Run("forget another's device", func(t *testing.T) {
		owasp(t, "API1")
		assertDenied(t, w.do(t, "DELETE", fmt.Sprintf("/api/v1/users/me/devices/%d", w.aliceDeviceID), w.bob.Access, ""))
		if d := db.Device.Query().Where(device.Token(w.aliceDevice)).OnlyX(ctx); d.UserID != w.alice.ID {
			t.Errorf("device now belongs to %d", d.UserID)
		}
	})
	t.Run("list another's devices", func(t *testing.T) {
		owasp(t, "API1")
		res := w.do(t, "GET", "/api/v1/users/me/devices", w.bob.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), w.aliceDevice[len(w.aliceDevice)-6:]) {
			t.Errorf("bob sees alice's device: %s", res.Body)
		}
	})
	t.Run("read another's notifications", func(t *testing.T) {
		owasp(t, "API1")
		res := w.do(t, "GET", "/api/v1/users/me/notifications", w.bob.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var p struct{ Items []struct{ ID int } }
		res.JSON(t, &p)
		for _, n := range p.Items {
			if n.ID == w.aliceNotif {
				t.Error("bob's inbox lists alice's notification")
			}
		}
	})
	t.Run("mark another's notifications read", func(t *testing.T) {
		owasp(t, "API1")
		apptest.AssertStatus(t, w.do(t, "POST", "/api/v1/users/me/notifications/read", w.bob.Access, fmt.Sprintf(`{"ids":[%d]}`, w.aliceNotif)), http.StatusOK)
		if db.Notification.GetX(ctx, w.aliceNotif).ReadAt != nil {
			t.Error("bob marked alice's notification read")
		}
	})
	t.Run("end another's session", func(t *testing.T) {
		owasp(t, "API1")
		assertDenied(t, w.do(t, "DELETE", "/api/v1/auth/sessions/"+w.aliceSessionID, w.bob.Access, ""))
		apptest.AssertStatus(t, w.do(t, "GET", "/api/v1/users/me", w.alice.Access, ""), http.StatusOK)
	})
	t.Run("another's bookmarks", func(t *testing.T) {
		owasp(t, "API1")
		res := w.do(t, "GET", "/api/v1/users/me/bookmarks", w.bob.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var p struct{ Total int }
		res.JSON(t, &p)
		if p.Total != 0 {
			t.Errorf("bob sees bookmarks: %s", res.Body)
		}
	})
	t.Run("another's import job", func(t *testing.T) {
		owasp(t, "API1")
		res := apptest.Send(t, w.a.App, apptest.Request{Method: "POST", Path: "/api/v1/users/me/import?dry_run=true", Token: w.alice.Access,
			Body: "Date,Name,Year,Letterboxd URI\n2024-01-01,Alien,1979,https://boxd.it/x\n", Header: map[string]string{"Content-Type": "text/csv"}})
		apptest.AssertStatus(t, res, http.StatusAccepted)
		var q struct {
			JobID int64 `json:"job_id"`
		}
		res.JSON(t, &q)
		assertDenied(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID), w.bob.Access, ""))
		assertDenied(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID), w.admin.Access, ""))
		apptest.AssertStatus(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID), w.alice.Access, ""), http.StatusOK)
	})
	t.Run("another's export", func(t *testing.T) {
		owasp(t, "API1")
		res := w.do(t, "GET", "/api/v1/users/me/export", w.bob.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), "Perfect organism.") || strings.Contains(string(res.Body), w.alice.Email) {
			t.Errorf("bob's export holds alice's data: %s", res.Body)
		}
	})
	t.Run("hidden review of another", func(t *testing.T) {
		owasp(t, "API1")
		hidden := w.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie), w.bob.Access, `{"rating":2}`)
		apptest.AssertStatus(t, hidden, http.StatusCreated)
		id := idOf(t, hidden)
		apptest.AssertStatus(t, w.do(t, "PATCH", fmt.Sprintf("/api/v1/admin/reviews/%d/visibility", id), w.admin.Access, `{"hidden":true}`), http.StatusOK)
		apptest.AssertError(t, w.do(t, "GET", fmt.Sprintf("/api/v1/reviews/%d", id), w.alice.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
		apptest.AssertStatus(t, w.do(t, "GET", fmt.Sprintf("/api/v1/reviews/%d", id), w.bob.Access, ""), http.StatusOK)
	})
	t.Run("another's follow requests", func(t *testing.T) {
		owasp(t, "API1")
		carol := apptest.SignUp(t, w.a.App)
		apptest.AssertStatus(t, w.do(t, "PATCH", "/api/v1/users/me", carol.Access, `{"private":true}`), http.StatusOK)
		apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/users/%d/follow", carol.ID), w.bob.Access, ""), http.StatusOK)
		// alice can neither see nor answer carol's requests, nor read her lists.
		res := w.do(t, "GET", "/api/v1/users/me/follow-requests", w.alice.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), w.bob.Nickname) {
			t.Errorf("alice sees carol's requests: %s", res.Body)
		}
		assertDenied(t, w.do(t, "POST", fmt.Sprintf("/api/v1/users/me/follow-requests/%d/approve", w.bob.ID), w.alice.Access, ""))
		assertDenied(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d/followers", carol.ID), w.alice.Access, ""))
		assertDenied(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d/followers", carol.ID), w.bob.Access, ""))
		if body := string(w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d", carol.ID), "", "").Body); !strings.Contains(body, `"follower_count":0`) {
			t.Errorf("a pending follow counts: %s", body)
		}
	})
	t.Run("another's lists", func(t *testing.T) {
		owasp(t, "API1")
		unlisted := fmt.Sprintf("/api/v1/lists/%d", w.aliceList)
		res := w.do(t, "POST", "/api/v1/lists", w.alice.Access, `{"title":"Alice's secret list","visibility":"PRIVATE"}`)
		apptest.AssertStatus(t, res, http.StatusCreated)
		privID := idOf(t, res)
		priv := fmt.Sprintf("/api/v1/lists/%d", privID)
		apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("%s/items/%d", priv, w.movie), w.alice.Access, `{"note":"Mine."}`), http.StatusOK)
		// A private list does not exist for others, admins included; an
		// unlisted one is read-only for them.
		for _, tok := range []string{"", w.bob.Access, w.admin.Access} {
			apptest.AssertError(t, w.do(t, "GET", priv, tok, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
			apptest.AssertError(t, w.do(t, "GET", priv+"/items", tok, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
		}
		if body := string(w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d/lists", w.alice.ID), w.bob.Access, "").Body); strings.Contains(body, "Alice's") {
			t.Errorf("bob sees alice's private or unlisted list: %s", body)
		}
		for _, path := range []string{priv, unlisted} {
			for _, r := range []struct{ method, suffix, body string }{
				{"PATCH", "", `{"title":"hacked","visibility":"PUBLIC"}`},
				{"DELETE", "", ""},
				{"PUT", fmt.Sprintf("/items/%d", w.movie), `{"note":"hacked"}`},
				{"DELETE", fmt.Sprintf("/items/%d", w.movie), ""},
				{"PUT", "/order", fmt.Sprintf(`{"content_ids":[%d]}`, w.movie)},
			} {
				assertDenied(t, w.do(t, r.method, path+r.suffix, w.bob.Access, r.body))
			}
		}
		for _, id := range []int{privID, w.aliceList} {
			l := db.List.GetX(ctx, id)
			if !strings.HasPrefix(l.Title, "Alice's") || l.Visibility == "PUBLIC" || l.ItemCount != 1 {
				t.Errorf("alice's list changed: %+v", l)
			}
			if n := db.ListItem.Query().Where(listitem.ListID(id), listitem.Note("Mine.")).CountX(ctx); n != 1 {
				t.Errorf("alice's item changed: %d", n)
			}
		}
	})
	t.Run("blocked user's reviews", func(t *testing.T) {
		owasp(t, "API1")
		apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/users/%d/block", w.bob.ID), w.alice.Access, ""), http.StatusNoContent)
		defer w.do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d/block", w.bob.ID), w.alice.Access, "")
		assertDenied(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/users/%d/follow", w.alice.ID), w.bob.Access, ""))
		res := w.do(t, "GET", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie), w.bob.Access, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), "Perfect organism.") {
			t.Errorf("bob, blocked, sees alice's review: %s", res.Body)
		}
	})
	t.Run("another's diary", func(t *testing.T) {
		owasp(t, "API1")
		res := w.do(t, "POST", "/api/v1/users/me/diary", w.alice.Access, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","rating":9}`, w.movie))
		apptest.AssertStatus(t, res, http.StatusCreated)
		entry := fmt.Sprintf("/api/v1/users/me/diary/%d", idOf(t, res))
		assertDenied(t, w.do(t, "PATCH", entry, w.bob.Access, `{"rating":1}`))
		assertDenied(t, w.do(t, "DELETE", entry, w.bob.Access, ""))
		if body := string(w.do(t, "GET", "/api/v1/users/me/diary", w.bob.Access, "").Body); strings.Contains(body, "2026-11-01") {
			t.Errorf("bob sees alice's diary: %s", body)
		}
		// bob sees his own watched state of the content, not alice's.
		if body := string(w.do(t, "GET", fmt.Sprintf("/api/v1/contents/%d", w.movie), w.bob.Access, "").Body); !strings.Contains(body, `"watched":false`) {
			t.Errorf("bob's view of the content: %s", body)
		}
		// Nor can bob link alice's review to his own viewing.
		assertDenied(t, w.do(t, "POST", "/api/v1/users/me/diary", w.bob.Access,
			fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":%d}`, w.movie, w.review)))
		apptest.AssertStatus(t, w.do(t, "DELETE", entry, w.alice.Access, ""), http.StatusNoContent)
	})
	t.Run("another's blocks", func(t *testing.T) {
		owasp(t, "API1")
		apptest.AssertStatus(t, w.do(t, "PUT", fmt.Sprintf("/api/v1/users/%d/block", w.admin.ID), w.alice.Access, ""), http.StatusNoContent)
		defer w.do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d/block", w.admin.ID), w.alice.Access, "")
		if body := string(w.do(t, "GET", "/api/v1/users/me/blocks", w.bob.Access, "").Body); strings.Contains(body, w.admin.Nickname) {
			t.Errorf("bob sees alice's blocks: %s", body)
		}
	})
}

// TestOWASPAuthentication (API2): forged, expired and replayed tokens, and
// login throttling per account.
func TestOWASPAuthentication(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *config.Config) { c.RateLimit.LoginAccountIP = config.Rate{Requests: 3, Period: time.Minute} })
	me := func(token string) *apptest.Response { return w.do(t, "GET", "/api/v1/users/me", token, "") }
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The claims of alice's real token, to forge variations of it.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(w.alice.Access, claims); err != nil {
		t.Fatal(err)
	}
	secret := []byte(w.a.Config.Auth.JWTSecret)
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	for name, token := range map[string]string{
		"no token":          "",
		"garbage":           "not-a-jwt",
		"alg none":          sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims),
		"wrong secret":      sign(jwt.SigningMethodHS256, []byte("guessed"), with("role", "ADMIN")),
		"HS512":             sign(jwt.SigningMethodHS512, secret, claims),
		"expired":           sign(jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(-time.Minute).Unix())),
		"other audience":    sign(jwt.SigningMethodHS256, secret, with("aud", "someone-else")),
		"other issuer":      sign(jwt.SigningMethodHS256, secret, with("iss", "someone-else")),
		"unknown session":   sign(jwt.SigningMethodHS256, secret, with("sid", "not-a-session")),
		"tampered payload":  strings.Join([]string{strings.Split(w.alice.Access, ".")[0], strings.Split(sign(jwt.SigningMethodHS256, []byte("x"), with("sub", fmt.Sprint(w.bob.ID))), ".")[1], strings.Split(w.alice.Access, ".")[2]}, "."),
		"refresh as access": w.alice.Refresh,
	} {
		t.Run(name, func(t *testing.T) {
			owasp(t, "API2")
			assertUnauthorized(t, me(token))
		})
	}
	t.Run("refresh token reuse ends the session", func(t *testing.T) {
		owasp(t, "API2")
		acc := apptest.SignUp(t, w.a.App)
		res := w.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+acc.Refresh+`"}`)
		apptest.AssertStatus(t, res, http.StatusOK)
		var pair struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		res.JSON(t, &pair)
		// Rotated once more, the first token is past its grace window.
		res = w.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+pair.Refresh+`"}`)
		apptest.AssertStatus(t, res, http.StatusOK)
		res.JSON(t, &pair)
		assertUnauthorized(t, w.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+acc.Refresh+`"}`))
		assertUnauthorized(t, w.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+pair.Refresh+`"}`))
		assertUnauthorized(t, me(pair.Access))
	})
	t.Run("logged-out token", func(t *testing.T) {
		owasp(t, "API2")
		acc := apptest.SignUp(t, w.a.App)
		apptest.AssertStatus(t, w.do(t, "POST", "/api/v1/auth/logout", acc.Access, ""), http.StatusNoContent)
		assertUnauthorized(t, me(acc.Access))
	})
	t.Run("login throttled per account", func(t *testing.T) {
		owasp(t, "API2")
		acc := apptest.SignUp(t, w.a.App) // a successful login spends nothing
		for range 3 {
			apptest.AssertError(t, w.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+acc.Email+`","password":"wrong password 1"}`), http.StatusUnauthorized, "INVALID_CREDENTIALS")
		}
		// The right password no longer helps until the window passes.
		res := w.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+acc.Email+`","password":"`+acc.Password+`"}`)
		apptest.AssertError(t, res, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

// responseProperties walks a schema and collects its property names.
func responseProperties(reg huma.Registry, s *huma.Schema, seen map[*huma.Schema]bool, out map[string]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if s.Ref != "" {
		responseProperties(reg, reg.SchemaFromRef(s.Ref), seen, out)
	}
	for name, p := range s.Properties {
		out[name] = true
		responseProperties(reg, p, seen, out)
	}
	responseProperties(reg, s.Items, seen, out)
	for _, sub := range slices.Concat(s.OneOf, s.AnyOf, s.AllOf) {
		responseProperties(reg, sub, seen, out)
	}
}

// TestOWASPPropertyLevelAuthorization (API3): no response schema has a
// secret or internal field; only one's own profile carries an email; and
// fields a client may not set are refused.
func TestOWASPPropertyLevelAuthorization(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	t.Run("response schemas", func(t *testing.T) {
		owasp(t, "API3")
		oa := w.a.API.OpenAPI()
		reg := oa.Components.Schemas
		forbidden := []string{"password", "password_hash", "hash", "secret", "deleted_at", "jti", "token", "refresh_hash"}
		ownEmail := []string{"/api/v1/users/me", "/api/v1/users/me/export", "/api/v1/admin/users", "/api/v1/admin/users/{id}/role", "/api/v1/admin/users/{id}/status", "/api/v1/auth/signup",
			"/api/v1/auth/login", "/api/v1/auth/google", "/api/v1/auth/firebase", "/api/v1/auth/refresh"}
		walked := 0
		for path, item := range oa.Paths {
			for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
				if op == nil {
					continue
				}
				for status, r := range op.Responses {
					if !strings.HasPrefix(status, "2") {
						continue
					}
					for _, mt := range r.Content {
						props := map[string]bool{}
						responseProperties(reg, mt.Schema, map[*huma.Schema]bool{}, props)
						walked++
						for _, f := range forbidden {
							if props[f] {
								t.Errorf("%s %s: response has %q", op.Method, path, f)
							}
						}
						if props["email"] && !slices.Contains(ownEmail, path) {
							t.Errorf("%s %s: response has another user's email", op.Method, path)
						}
					}
				}
			}
		}
		if walked < 30 {
			t.Fatalf("walked only %d response schemas", walked)
		}
	})
	t.Run("public profile", func(t *testing.T) {
		owasp(t, "API3")
		res := w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d", w.alice.ID), "", "")
		apptest.AssertStatus(t, res, http.StatusOK)
		for _, leak := range []string{w.alice.Email, "password", "$2a$", "push_enabled", "role", "status"} {
			if strings.Contains(string(res.Body), leak) {
				t.Errorf("public profile shows %q: %s", leak, res.Body)
			}
		}
	})
	t.Run("no password hash anywhere", func(t *testing.T) {
		owasp(t, "API3")
		for _, p := range []string{"/api/v1/users/me", fmt.Sprintf("/api/v1/reviews/%d", w.review), fmt.Sprintf("/api/v1/reviews/%d/comments", w.review),
			"/api/v1/admin/users", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie)} {
			res := w.do(t, "GET", p, w.admin.Access, "")
			apptest.AssertStatus(t, res, http.StatusOK)
			if strings.Contains(string(res.Body), "$2a$") || strings.Contains(string(res.Body), "password") {
				t.Errorf("GET %s leaks a password field: %s", p, res.Body)
			}
		}
	})
	for name, c := range map[string]struct{ method, path, body string }{
		"role through profile":    {"PATCH", "/api/v1/users/me", `{"role":"ADMIN"}`},
		"status through profile":  {"PATCH", "/api/v1/users/me", `{"status":"ACTIVE","nickname":"bobby"}`},
		"email through profile":   {"PATCH", "/api/v1/users/me", `{"email":"new@example.com"}`},
		"author of a review":      {"POST", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie), `{"rating":5,"user_id":1}`},
		"counters of a review":    {"PATCH", fmt.Sprintf("/api/v1/reviews/%d", w.review), `{"like_count":1000}`},
		"hidden flag of a review": {"PATCH", fmt.Sprintf("/api/v1/reviews/%d", w.review), `{"hidden":false,"rating":3}`},
	} {
		t.Run("mass assignment: "+name, func(t *testing.T) {
			owasp(t, "API3")
			token := w.bob.Access
			if strings.Contains(c.path, "/reviews/") && c.method == "PATCH" {
				token = w.alice.Access
			}
			apptest.AssertError(t, w.do(t, c.method, c.path, token, c.body), http.StatusBadRequest, "VALIDATION_FAILED")
			bob := w.a.DB.Ent.User.GetX(ctx, w.bob.ID)
			if bob.Role != user.RoleUSER || bob.Email != w.bob.Email || bob.Nickname != w.bob.Nickname {
				t.Errorf("bob changed: %+v", bob)
			}
			if n := w.a.DB.Ent.Review.Query().Where(review.UserID(w.bob.ID)).CountX(ctx); n != 0 {
				t.Errorf("bob has %d reviews", n)
			}
			if r := w.a.DB.Ent.Review.GetX(ctx, w.review); r.Rating != 9 {
				t.Errorf("alice's review changed: %+v", r)
			}
		})
	}
}

// TestOWASPResourceConsumption (API4): every paged list caps its size,
// long search text and big bodies are refused, requests are rate limited,
// and a slow TMDB is cut off by a timeout.
func TestOWASPResourceConsumption(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	w := newWorld(t, func(c *config.Config) {
		c.TMDB.APIKey, c.TMDB.BaseURL, c.TMDB.CallTimeout, c.TMDB.MaxRetries = "test-key", slow.URL, 300*time.Millisecond, 0
		// Small, so the oversized body is sent whole before the server
		// answers 413 and closes the connection.
		c.HTTP.BodyLimit = 8192
	})
	paged := 0
	for path, item := range w.a.API.OpenAPI().Paths {
		op := item.Get
		if op == nil || !slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return p.Name == "size" }) {
			continue
		}
		paged++
		url := strings.NewReplacer("{id}", fmt.Sprint(w.review)).Replace(path)
		if strings.HasPrefix(path, "/api/v1/contents/{id}") {
			url = strings.NewReplacer("{id}", fmt.Sprint(w.movie)).Replace(path)
		} else if strings.HasPrefix(path, "/api/v1/users/{id}") {
			url = strings.NewReplacer("{id}", fmt.Sprint(w.alice.ID)).Replace(path)
		}
		t.Run("size cap "+path, func(t *testing.T) {
			owasp(t, "API4")
			res := w.do(t, "GET", url+"?size=101", w.admin.Access, "")
			apptest.AssertError(t, res, http.StatusBadRequest, "VALIDATION_FAILED")
			apptest.AssertStatus(t, w.do(t, "GET", url+"?size=100", w.admin.Access, ""), http.StatusOK)
		})
	}
	if paged < 8 {
		t.Fatalf("only %d paged lists found", paged)
	}
	t.Run("search text length", func(t *testing.T) {
		owasp(t, "API4")
		apptest.AssertError(t, w.do(t, "GET", "/api/v1/contents?q="+strings.Repeat("a", 201), "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
	})
	t.Run("body limit", func(t *testing.T) {
		owasp(t, "API4")
		// Over a real connection: the limit is the server's, before any handler.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = w.a.App.Listener(ln) }()
		t.Cleanup(func() { _ = ln.Close() })
		big := `{"rating":5,"body":"` + strings.Repeat("x", w.a.Config.HTTP.BodyLimit) + `"}`
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v1/contents/%d/reviews", ln.Addr(), w.movie), strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.bob.Access)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		apptest.AssertError(t, &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
		if n := w.a.DB.Ent.Review.Query().Where(review.UserID(w.bob.ID)).CountX(context.Background()); n != 0 {
			t.Error("the oversized review was stored")
		}
	})
	t.Run("slow TMDB is cut off", func(t *testing.T) {
		owasp(t, "API4")
		start := time.Now()
		apptest.AssertError(t, w.do(t, "GET", "/api/v1/tmdb/search?q=alien", w.bob.Access, ""), http.StatusGatewayTimeout, "UPSTREAM_TIMEOUT")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("answered after %s", d)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		owasp(t, "API4")
		limited := newWorld(t, func(c *config.Config) { c.RateLimit.Default = config.Rate{Requests: 60, Period: time.Minute} })
		var last *apptest.Response
		for range 60 {
			last = limited.do(t, "GET", "/api/v1/genres", "", "")
			if last.Status == http.StatusTooManyRequests {
				break
			}
		}
		apptest.AssertError(t, last, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
		if last.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

// TestOWASPFunctionLevelAuthorization (API5): every admin operation, as an
// anonymous caller (401) and as a user (403), changes nothing.
func TestOWASPFunctionLevelAuthorization(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	curation := []string{"POST /api/v1/contents", "PATCH /api/v1/contents/{id}", "DELETE /api/v1/contents/{id}",
		"POST /api/v1/genres", "PATCH /api/v1/genres/{id}", "DELETE /api/v1/genres/{id}"}
	bodies := map[string]string{"POST": `{"type":"movie","title":"Injected","name":"Injected","tmdb_id":550,"hidden":true}`,
		"PATCH": `{"title":"Injected","name":"Injected","role":"ADMIN","status":"BLOCKED","hidden":true}`}
	snapshot := func() string {
		users := w.a.DB.Ent.User.Query().Order(user.ByID()).AllX(ctx)
		contents := w.a.DB.Ent.Content.Query().Order(content.ByID()).AllX(ctx)
		var b strings.Builder
		for _, u := range users {
			fmt.Fprintf(&b, "u%d:%s:%s;", u.ID, u.Role, u.Status)
		}
		for _, c := range contents {
			fmt.Fprintf(&b, "c%d:%s;", c.ID, c.Title)
		}
		fmt.Fprintf(&b, "g%d;r%v", w.a.DB.Ent.Genre.Query().CountX(ctx), w.a.DB.Ent.Review.GetX(ctx, w.review).Hidden)
		return b.String()
	}
	before := snapshot()
	checked := 0
	for path, item := range w.a.API.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil || !strings.HasPrefix(path, "/api/v1/admin/") && !slices.Contains(curation, method+" "+path) {
				continue
			}
			checked++
			url := strings.NewReplacer("{id}", fmt.Sprint(w.review), "{job_id}", "1").Replace(path)
			if strings.Contains(path, "/users/") {
				url = strings.NewReplacer("{id}", fmt.Sprint(w.bob.ID)).Replace(path)
			} else if strings.HasPrefix(path, "/api/v1/contents") {
				url = strings.NewReplacer("{id}", fmt.Sprint(w.movie)).Replace(path)
			}
			t.Run(method+" "+path, func(t *testing.T) {
				owasp(t, "API5")
				apptest.AssertError(t, w.do(t, method, url, "", bodies[method]), http.StatusUnauthorized, "UNAUTHORIZED")
				apptest.AssertError(t, w.do(t, method, url, w.bob.Access, bodies[method]), http.StatusForbidden, "FORBIDDEN")
			})
		}
	}
	if checked < 15 {
		t.Fatalf("only %d admin operations found", checked)
	}
	if after := snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

// TestOWASPSensitiveFlows (API6): sign-up and reports are throttled; a
// review is reported once per user.
func TestOWASPSensitiveFlows(t *testing.T) {
	t.Parallel()
	t.Run("sign-up throttled per client", func(t *testing.T) {
		owasp(t, "API6")
		w := newWorld(t, func(c *config.Config) { c.RateLimit.Auth = config.Rate{Requests: 12, Period: time.Minute} })
		before := w.a.DB.Ent.User.Query().CountX(context.Background())
		var last *apptest.Response
		for i := range 12 {
			last = w.do(t, "POST", "/api/v1/auth/signup", "", fmt.Sprintf(`{"email":"bot%d@example.com","password":"correct horse battery","nickname":"bot%d"}`, i, i))
			if last.Status == http.StatusTooManyRequests {
				break
			}
		}
		apptest.AssertError(t, last, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
		if after := w.a.DB.Ent.User.Query().CountX(context.Background()); after-before >= 12 {
			t.Errorf("%d sign-ups went through", after-before)
		}
	})
	t.Run("reports throttled per client", func(t *testing.T) {
		owasp(t, "API6")
		w := newWorld(t, func(c *config.Config) { c.RateLimit.Report = config.Rate{Requests: 3, Period: time.Hour} })
		var ids []int
		for range 4 {
			acc := apptest.SignUp(t, w.a.App)
			res := w.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", w.movie), acc.Access, `{"rating":5}`)
			apptest.AssertStatus(t, res, http.StatusCreated)
			ids = append(ids, idOf(t, res))
		}
		for i, id := range ids {
			res := w.do(t, "POST", fmt.Sprintf("/api/v1/reviews/%d/reports", id), w.bob.Access, `{"reason":"spam"}`)
			if i < 3 {
				apptest.AssertStatus(t, res, http.StatusNoContent)
			} else {
				apptest.AssertError(t, res, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
			}
		}
		if n := w.a.DB.Ent.ReviewReport.Query().CountX(context.Background()); n != 3 {
			t.Errorf("%d reports stored, want 3", n)
		}
	})
	t.Run("one report per user and review", func(t *testing.T) {
		owasp(t, "API6")
		w := newWorld(t)
		apptest.AssertStatus(t, w.do(t, "POST", fmt.Sprintf("/api/v1/reviews/%d/reports", w.review), w.bob.Access, `{"reason":"spam"}`), http.StatusNoContent)
		apptest.AssertError(t, w.do(t, "POST", fmt.Sprintf("/api/v1/reviews/%d/reports", w.review), w.bob.Access, `{"reason":"spam again"}`), http.StatusConflict, "DUPLICATE_RESOURCE")
	})
}

// TestOWASPServerSideRequestForgery (API7): URLs users or admins give are
// stored, never fetched; no operation takes a URL to fetch.
func TestOWASPServerSideRequestForgery(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	trap := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(trap.Close)
	w := newWorld(t)
	t.Run("avatar URL is never fetched", func(t *testing.T) {
		owasp(t, "API7")
		apptest.AssertStatus(t, w.do(t, "PATCH", "/api/v1/users/me", w.bob.Access, `{"avatar_url":"`+trap.URL+`/avatar.png"}`), http.StatusOK)
		apptest.AssertStatus(t, w.do(t, "GET", fmt.Sprintf("/api/v1/users/%d", w.bob.ID), "", ""), http.StatusOK)
	})
	t.Run("internal avatar URLs refused", func(t *testing.T) {
		owasp(t, "API7")
		for _, u := range []string{"file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "javascript:alert(1)"} {
			apptest.AssertError(t, w.do(t, "PATCH", "/api/v1/users/me", w.bob.Access, `{"avatar_url":"`+u+`"}`), http.StatusBadRequest, "VALIDATION_FAILED")
		}
	})
	t.Run("image URLs of contents are never fetched", func(t *testing.T) {
		owasp(t, "API7")
		res := w.do(t, "POST", "/api/v1/contents", w.admin.Access, `{"type":"movie","title":"Trap","poster_url":"`+trap.URL+`/p.jpg"}`)
		if res.Status != http.StatusCreated && res.Status != http.StatusBadRequest {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
	})
	t.Run("no operation takes a URL to fetch", func(t *testing.T) {
		owasp(t, "API7")
		for path, item := range w.a.API.OpenAPI().Paths {
			for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
				if op == nil {
					continue
				}
				for _, p := range op.Parameters {
					if strings.Contains(strings.ToLower(p.Name), "url") || strings.Contains(strings.ToLower(p.Name), "callback") {
						t.Errorf("%s %s takes a URL parameter %q", op.Method, path, p.Name)
					}
				}
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Errorf("the server fetched a user-supplied URL %d times", n)
	}
}

// TestOWASPMisconfiguration (API8): CORS, security headers, no stack
// traces, no debug routes.
func TestOWASPMisconfiguration(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *config.Config) { c.HTTP.CORSOrigins = []string{"https://app.reelview.dev"} })
	send := func(t *testing.T, method, path, origin string) *apptest.Response {
		h := map[string]string{}
		if origin != "" {
			h["Origin"] = origin
		}
		return apptest.Send(t, w.a.App, apptest.Request{Method: method, Path: path, Header: h})
	}
	t.Run("CORS refuses unknown origins", func(t *testing.T) {
		owasp(t, "API8")
		if v := send(t, "GET", "/api/v1/genres", "https://evil.example").Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("unknown origin allowed: %q", v)
		}
		if v := send(t, "GET", "/api/v1/genres", "https://app.reelview.dev").Header.Get("Access-Control-Allow-Origin"); v != "https://app.reelview.dev" {
			t.Errorf("known origin: %q", v)
		}
	})
	t.Run("security headers on every answer", func(t *testing.T) {
		owasp(t, "API8")
		for _, p := range []string{"/api/v1/genres", "/api/v1/nope", "/api/v1/users/me", "/health"} {
			res := send(t, "GET", p, "")
			for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
				if res.Header.Get(h) == "" {
					t.Errorf("GET %s (%d): no %s", p, res.Status, h)
				}
			}
			if res.Header.Get("X-Powered-By") != "" || res.Header.Get("Server") != "" {
				t.Errorf("GET %s advertises the server: %v", p, res.Header)
			}
		}
	})
	t.Run("no debug routes", func(t *testing.T) {
		owasp(t, "API8")
		// /metrics included: the metrics have a listener of their own (METRICS_ADDR).
		for _, p := range []string{"/debug/pprof/", "/debug/vars", "/api/v1/debug", "/.env", "/api/v1/admin/debug", "/metrics"} {
			if res := send(t, "GET", p, ""); res.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d", p, res.Status)
			}
		}
	})
	t.Run("errors carry no internals", func(t *testing.T) {
		owasp(t, "API8")
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/api/v1/auth/login", `{"email":`},
			{"POST", "/api/v1/auth/login", `{"email":["x"],"password":{}}`},
			{"GET", "/api/v1/contents/9999999999999999999999", ""},
			{"GET", "/api/v1/contents?sort=title;DROP%20TABLE%20users", ""},
			{"PATCH", "/api/v1/reviews/abc", `{}`},
		} {
			res := w.do(t, r.method, r.path, w.bob.Access, r.body)
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %s = %d", r.method, r.path, res.Status)
			}
			for _, leak := range []string{"goroutine", ".go:", "runtime.", "sql:", "pq:", "SQLSTATE", "ent:", "panic"} {
				if strings.Contains(string(res.Body), leak) {
					t.Errorf("%s %s leaks %q: %s", r.method, r.path, leak, res.Body)
				}
			}
		}
	})
}

// TestOWASPInventory (API9): every served route is documented, and every
// operation documents its errors (the checks of main_test.go, filed here).
func TestOWASPInventory(t *testing.T) {
	t.Parallel()
	t.Run("routes match the OpenAPI document", func(t *testing.T) {
		owasp(t, "API9")
		TestRoutesMatchOpenAPI(t)
	})
	t.Run("every operation documents its errors", func(t *testing.T) {
		owasp(t, "API9")
		TestEveryOperationDocumentsErrors(t)
	})
	t.Run("one API version", func(t *testing.T) {
		owasp(t, "API9")
		srv := newServer(t)
		for path := range srv.API.OpenAPI().Paths {
			if strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, server.APIPrefix+"/") {
				t.Errorf("operation outside %s: %s", server.APIPrefix, path)
			}
		}
	})
}

// TestOWASPUnsafeConsumption (API10): what TMDB answers is bounded and
// validated before it reaches the catalog.
func TestOWASPUnsafeConsumption(t *testing.T) {
	t.Parallel()
	var answer atomic.Value
	tmdb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer.Load().(string))
	}))
	t.Cleanup(tmdb.Close)
	w := newWorld(t, func(c *config.Config) {
		c.TMDB.APIKey, c.TMDB.BaseURL, c.TMDB.MaxRetries, c.TMDB.MaxBodyBytes, c.TMDB.CacheTTL = "test-key", tmdb.URL, 0, 64<<10, 0
	})
	ctx := context.Background()
	count := func() int { return w.a.DB.Ent.Content.Query().CountX(ctx) }
	for name, body := range map[string]string{
		"oversized answer": `{"id":550,"title":"` + strings.Repeat("x", 70<<10) + `"}`,
		"wrong types":      `{"id":"550","title":12,"genres":"drama"}`,
		"not JSON":         `<html>502</html>`,
		"no title":         `{"id":550,"title":"","release_date":"1979-05-25"}`,
	} {
		t.Run(name, func(t *testing.T) {
			owasp(t, "API10")
			answer.Store(body)
			before := count()
			res := w.do(t, "POST", "/api/v1/admin/tmdb/import", w.admin.Access, `{"type":"movie","tmdb_id":550}`)
			apptest.AssertError(t, res, http.StatusBadGateway, "UPSTREAM_ERROR")
			if count() != before {
				t.Error("a bad TMDB answer reached the catalog")
			}
		})
	}
	t.Run("overlong fields are cut to the catalog's bounds", func(t *testing.T) {
		owasp(t, "API10")
		answer.Store(`{"id":551,"title":"` + strings.Repeat("T", 2000) + `","overview":"` + strings.Repeat("o", 20000) + `","release_date":"1979-05-25","genres":[]}`)
		res := w.do(t, "POST", "/api/v1/admin/tmdb/import", w.admin.Access, `{"type":"movie","tmdb_id":551}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
		for _, c := range w.a.DB.Ent.Content.Query().Where(content.TmdbID(551)).AllX(ctx) {
			if len([]rune(c.Title)) > 300 {
				t.Errorf("stored a %d-rune title", len([]rune(c.Title)))
			}
		}
	})
}
