package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/users"
)

var modules = []fx.Option{auth.Module, users.Module}

func newApp(t *testing.T) *apptest.App { return apptest.New(t, modules...) }

func userCount(t *testing.T, a *apptest.App) int {
	t.Helper()
	n, err := a.DB.Ent.User.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignup(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"  Ada.Lovelace@Example.COM ","password":"analytical engine 1843","nickname":"ada"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var u map[string]any
	res.JSON(t, &u)
	if u["email"] != "ada.lovelace@example.com" || u["role"] != "USER" || u["status"] != "ACTIVE" || u["nickname"] != "ada" {
		t.Errorf("user = %v", u)
	}
	for k := range u {
		if strings.Contains(k, "password") || strings.Contains(k, "hash") {
			t.Errorf("response exposes %q", k)
		}
	}
	row, err := a.DB.Ent.User.Query().Where(user.Email("ada.lovelace@example.com")).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(row.PasswordHash, "$2a$") || strings.Contains(row.PasswordHash, "analytical") {
		t.Errorf("password not stored as a bcrypt hash: %q", row.PasswordHash)
	}
	apptest.Login(t, a.App, "ADA.LOVELACE@example.com", "analytical engine 1843")
}

func TestSignupRejectsBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"taken@example.com","password":"a fine passphrase","nickname":"taken"}`), http.StatusCreated)
	body := func(email, password, nick string) string {
		return fmt.Sprintf(`{"email":%q,"password":%q,"nickname":%q}`, email, password, nick)
	}
	tests := []struct {
		name, body, code, field string
		status                  int
	}{
		{"malformed email", body("not-an-email", "a fine passphrase", "nick1"), "VALIDATION_FAILED", "email", 400},
		{"email with display name", body("Ada <ada@example.com>", "a fine passphrase", "nick2"), "VALIDATION_FAILED", "email", 400},
		{"email without dotted domain", body("ada@localhost", "a fine passphrase", "nick3"), "VALIDATION_FAILED", "email", 400},
		{"password of 7 bytes", body("a1@example.com", "1234567", "nick4"), "VALIDATION_FAILED", "password", 400},
		{"password of 73 bytes", body("a2@example.com", strings.Repeat("x", 73), "nick5"), "VALIDATION_FAILED", "password", 400},
		{"common password", body("a3@example.com", "iloveyou", "nick6"), "VALIDATION_FAILED", "password", 400},
		{"common password, other case", body("a4@example.com", "Password1", "nick7"), "VALIDATION_FAILED", "password", 400},
		{"nickname of 1 character", body("a5@example.com", "a fine passphrase", "x"), "VALIDATION_FAILED", "nickname", 400},
		{"nickname of 31 characters", body("a6@example.com", "a fine passphrase", strings.Repeat("가", 31)), "VALIDATION_FAILED", "nickname", 400},
		{"nickname with control characters", `{"email":"a7@example.com","password":"a fine passphrase","nickname":"ni\u0007ck"}`, "VALIDATION_FAILED", "nickname", 400},
		{"missing nickname", `{"email":"a8@example.com","password":"a fine passphrase"}`, "VALIDATION_FAILED", "nickname", 400},
		{"unknown field", `{"email":"a9@example.com","password":"a fine passphrase","nickname":"nick9","role":"ADMIN"}`, "VALIDATION_FAILED", "role", 400},
		{"malformed JSON", `{"email":`, "BAD_REQUEST", "", 400},
		{"duplicate email in other case", body("TAKEN@Example.com", "a fine passphrase", "nick10"), "DUPLICATE_RESOURCE", "", 409},
		{"duplicate nickname", body("a11@example.com", "a fine passphrase", "taken"), "DUPLICATE_RESOURCE", "", 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := userCount(t, a)
			res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "", tt.body)
			b := apptest.AssertError(t, res, tt.status, tt.code)
			if tt.field != "" && (len(b.Details) == 0 || !strings.Contains(b.Details[0].Field, tt.field)) {
				t.Errorf("details = %+v, want field %q", b.Details, tt.field)
			}
			if after := userCount(t, a); after != before {
				t.Errorf("users: %d before, %d after a rejected sign-up", before, after)
			}
		})
	}
}

func TestConcurrentSignupWithOneEmail(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
				fmt.Sprintf(`{"email":"race@example.com","password":"a fine passphrase","nickname":"racer%d"}`, i))
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	if statuses[0] != http.StatusCreated || statuses[1] != http.StatusConflict || statuses[n-1] != http.StatusConflict {
		t.Fatalf("statuses %v, want one 201 and the rest 409", statuses)
	}
	if got, _ := a.DB.Ent.User.Query().Where(user.Email("race@example.com")).Count(context.Background()); got != 1 {
		t.Fatalf("%d accounts with one email", got)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
		fmt.Sprintf(`{"email":%q,"password":%q}`, acc.Email, acc.Password))
	apptest.AssertStatus(t, res, 200)
	var p map[string]any
	res.JSON(t, &p)
	if p["token_type"] != "Bearer" || p["expires_in"] != float64(1800) || p["access_token"] == "" || p["refresh_token"] == "" {
		t.Errorf("pair = %v", p)
	}
	login := func(email, password string) *apptest.Response {
		return apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	}
	wrong := apptest.AssertError(t, login(acc.Email, "wrong password!"), 401, "INVALID_CREDENTIALS")
	unknown := apptest.AssertError(t, login("nobody@example.com", acc.Password), 401, "INVALID_CREDENTIALS")
	if wrong.Message != unknown.Message {
		t.Errorf("messages differ: %q vs %q", wrong.Message, unknown.Message)
	}
	if err := a.DB.Ent.User.UpdateOneID(acc.ID).SetStatus(user.StatusBLOCKED).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	apptest.AssertError(t, login(acc.Email, acc.Password), 403, "ACCOUNT_BLOCKED")
	// A blocked account with a wrong password learns nothing more.
	apptest.AssertError(t, login(acc.Email, "wrong password!"), 401, "INVALID_CREDENTIALS")
}

// TestLoginHasNoTimingOracle compares the fastest login with an unknown
// email and with a wrong password, at a realistic bcrypt cost (interleaved,
// so other load on the machine weighs on both). Both do the same bcrypt
// work; without the dummy hash an unknown email would answer about a
// hundred times faster. The fastest of each is the least disturbed by the
// machine, and must be within a factor of 1.5 of the other.
func TestLoginHasNoTimingOracle(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Auth.BcryptCost = 10
	cfg.RateLimit.LoginAccount.Requests = 1000
	cfg.RateLimit.LoginAccountIP.Requests = 1000
	a := apptest.NewWithConfig(t, cfg, modules...)
	acc := apptest.SignUp(t, a.App)
	const samples = 11
	var unknown, wrong []time.Duration
	for i := range samples {
		for _, email := range []string{fmt.Sprintf("ghost%d@example.com", i), acc.Email} {
			start := time.Now()
			res := apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
				fmt.Sprintf(`{"email":%q,"password":"not the password"}`, email))
			d := time.Since(start)
			apptest.AssertError(t, res, 401, "INVALID_CREDENTIALS")
			if email == acc.Email {
				wrong = append(wrong, d)
			} else {
				unknown = append(unknown, d)
			}
		}
	}
	slices.Sort(unknown)
	slices.Sort(wrong)
	mu, mw := unknown[0], wrong[0]
	ratio := float64(mu) / float64(mw)
	t.Logf("fastest unknown email %v, wrong password %v, ratio %.2f (medians %v, %v)", mu, mw, ratio, unknown[samples/2], wrong[samples/2])
	if ratio < 1/1.5 || ratio > 1.5 {
		t.Errorf("timing oracle: fastest %v (unknown email) vs %v (wrong password)", mu, mw)
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	secret := []byte(a.Config.Auth.JWTSecret)
	// The real token's claims, to forge variants of it.
	parsed, _, err := jwt.NewParser().ParseUnverified(acc.Access, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	valid := parsed.Claims.(jwt.MapClaims)
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for key, val := range valid {
			c[key] = val
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	parts := strings.Split(acc.Access, ".")
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid)

	tests := []struct {
		name, header, code string
	}{
		{"valid token", "Bearer " + acc.Access, ""},
		{"no header", "", "UNAUTHORIZED"},
		{"other scheme", "Basic " + acc.Access, "UNAUTHORIZED"},
		{"garbled", "Bearer not.a.jwt", "TOKEN_INVALID"},
		{"random string", "Bearer abcdef", "TOKEN_INVALID"},
		{"expired", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(-time.Minute).Unix())), "TOKEN_EXPIRED"},
		{"wrong signature", "Bearer " + parts[0] + "." + parts[1] + ".c2lnbmF0dXJl", "TOKEN_INVALID"},
		{"other secret", "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), valid), "TOKEN_INVALID"},
		{"wrong issuer", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("iss", "evil")), "TOKEN_INVALID"},
		{"wrong audience", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("aud", "other-api")), "TOKEN_INVALID"},
		{"alg none", "Bearer " + none, "TOKEN_INVALID"},
		{"alg HS512", "Bearer " + sign(t, jwt.SigningMethodHS512, secret, valid), "TOKEN_INVALID"},
		{"alg RS256", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey, valid), "TOKEN_INVALID"},
		{"no session id", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("sid", nil)), "TOKEN_INVALID"},
		{"other session id", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("sid", "AAAAAAAAAAAAAAAAAAAAAA")), "TOKEN_INVALID"},
		{"other user", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with("sub", strconv.Itoa(acc.ID+1000))), "TOKEN_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := apptest.Request{Method: "GET", Path: "/api/v1/users/me", Header: map[string]string{}}
			if tt.header != "" {
				req.Header["Authorization"] = tt.header
			}
			res := apptest.Send(t, a.App, req)
			switch tt.code {
			case "":
				apptest.AssertStatus(t, res, 200)
			default:
				apptest.AssertError(t, res, 401, tt.code)
			}
		})
	}
}
