package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/user"
)

const (
	googleClient    = "reelview-test.apps.googleusercontent.com"
	firebaseProject = "reelview-test"
)

// keyServer publishes an RSA public key as a JWKS, as Google does.
type keyServer struct {
	key *rsa.PrivateKey
	url string
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	t.Cleanup(srv.Close)
	return &keyServer{key: key, url: srv.URL}
}

func (k *keyServer) sign(t *testing.T, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func googleClaims(sub, email string, verified bool) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": "https://accounts.google.com", "aud": googleClient, "sub": sub,
		"email": email, "email_verified": verified, "name": "Ada Lovelace",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

func TestSocialLogin(t *testing.T) {
	t.Parallel()
	keys := newKeyServer(t)
	cfg := apptest.Config(t)
	cfg.Google.ClientID, cfg.Google.JWKSURL = googleClient, keys.url
	cfg.Firebase.ProjectID, cfg.Firebase.JWKSURL = firebaseProject, keys.url
	a := apptest.NewWithConfig(t, cfg, modules...)
	ctx := context.Background()
	post := func(path, token string) *apptest.Response {
		return apptest.Do(t, a.App, "POST", "/api/v1"+path, "", fmt.Sprintf(`{"id_token":%q}`, token))
	}

	// A new verified identity creates an account and signs it in.
	res := post("/auth/google", keys.sign(t, "k1", googleClaims("g-1", "Ada@Example.com", true)))
	apptest.AssertStatus(t, res, 200)
	var p pair
	res.JSON(t, &p)
	apptest.AssertStatus(t, me(t, a, p.AccessToken), 200)
	ada, err := a.DB.Ent.User.Query().Where(user.GoogleSub("g-1")).Only(ctx)
	if err != nil || ada.Email != "ada@example.com" || ada.PasswordHash != "" {
		t.Fatalf("created account: %+v, %v", ada, err)
	}
	// The same subject signs in to the same account.
	apptest.AssertStatus(t, post("/auth/google", keys.sign(t, "k1", googleClaims("g-1", "ada@example.com", true))), 200)
	if n, _ := a.DB.Ent.User.Query().Count(ctx); n != 1 {
		t.Fatalf("%d accounts, want 1", n)
	}

	// An existing password account with the verified email is linked.
	acc := apptest.SignUp(t, a.App)
	fb := jwt.MapClaims{"iss": "https://securetoken.google.com/" + firebaseProject, "aud": firebaseProject,
		"sub": "fb-uid-1", "email": acc.Email, "email_verified": true,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	apptest.AssertStatus(t, post("/auth/firebase", keys.sign(t, "k1", fb)), 200)
	linked, _ := a.DB.Ent.User.Get(ctx, acc.ID)
	if linked.FirebaseUID == nil || *linked.FirebaseUID != "fb-uid-1" {
		t.Errorf("account not linked: %+v", linked)
	}

	// An unverified email is never linked and creates nothing.
	before, _ := a.DB.Ent.User.Query().Count(ctx)
	apptest.AssertError(t, post("/auth/google", keys.sign(t, "k1", googleClaims("g-evil", acc.Email, false))), 403, "FORBIDDEN")
	apptest.AssertError(t, post("/auth/google", keys.sign(t, "k1", googleClaims("g-new", "new@example.com", false))), 403, "FORBIDDEN")
	after, _ := a.DB.Ent.User.Query().Count(ctx)
	if linked, _ := a.DB.Ent.User.Get(ctx, acc.ID); linked.GoogleSub != nil || after != before {
		t.Error("an unverified email was linked or created an account")
	}

	bad := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := googleClaims("g-1", "ada@example.com", true)
		change(c)
		return c
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	foreign := jwt.NewWithClaims(jwt.SigningMethodRS256, googleClaims("g-1", "ada@example.com", true))
	foreign.Header["kid"] = "k1"
	foreignSigned, _ := foreign.SignedString(other)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, googleClaims("g-1", "ada@example.com", true))
	hs.Header["kid"] = "k1"
	hsSigned, _ := hs.SignedString([]byte("guessable-secret-guessable-secret"))
	for _, tt := range []struct {
		name, token, code string
	}{
		{"expired", keys.sign(t, "k1", bad(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), "TOKEN_EXPIRED"},
		{"issued in the future", keys.sign(t, "k1", bad(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })), "TOKEN_INVALID"},
		{"wrong audience", keys.sign(t, "k1", bad(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), "TOKEN_INVALID"},
		{"wrong issuer", keys.sign(t, "k1", bad(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "TOKEN_INVALID"},
		{"unknown key id", keys.sign(t, "k9", googleClaims("g-1", "ada@example.com", true)), "TOKEN_INVALID"},
		{"signed by another key", foreignSigned, "TOKEN_INVALID"},
		{"HS256", hsSigned, "TOKEN_INVALID"},
		{"garbage", "not-a-token", "TOKEN_INVALID"},
		{"firebase token at google", keys.sign(t, "k1", fb), "TOKEN_INVALID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			apptest.AssertError(t, post("/auth/google", tt.token), 401, tt.code)
		})
	}

	// A blocked linked account stays blocked.
	if err := a.DB.Ent.User.UpdateOne(ada).SetStatus(user.StatusBLOCKED).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	apptest.AssertError(t, post("/auth/google", keys.sign(t, "k1", googleClaims("g-1", "ada@example.com", true))), 403, "ACCOUNT_BLOCKED")
}

func TestSocialLoginNotConfigured(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/google", "", `{"id_token":"x.y.z"}`)
	apptest.AssertError(t, res, 400, "BAD_REQUEST")
}

func TestSocialKeysUnreachable(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Google.ClientID = googleClient
	cfg.Google.JWKSURL = "http://127.0.0.1:1/certs" // nothing listens there
	a := apptest.NewWithConfig(t, cfg, modules...)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/google", "", `{"id_token":"x.y.z"}`)
	apptest.AssertError(t, res, 502, "UPSTREAM_ERROR")
}
