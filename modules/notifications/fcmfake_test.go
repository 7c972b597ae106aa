package notifications_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fakeFCM is a local FCM HTTP v1 API and Google OAuth2 token endpoint. It
// answers with the recorded payloads of testdata/fcm, checks the service
// account's signed JWT and the bearer token of every send, and records what
// each device token received.
type fakeFCM struct {
	t       testing.TB
	srv     *httptest.Server
	key     *rsa.PrivateKey
	email   string
	project string

	mu        sync.Mutex
	expiresIn int                  // of the tokens it issues, in seconds
	tokens    map[string]time.Time // access token → expiry
	revoked   map[string]bool
	issued    int
	down      bool
	// script answers a send instead of the success, for the device token's
	// n-th send (1-based); status 0 means accept.
	script   func(deviceToken string, n int) (status int, header http.Header, body []byte)
	calls    map[string]int
	got      map[string][]string // device token → notification_id of each accepted send
	bodies   []map[string]any
	usedAuth []string
}

var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newFakeFCM(t testing.TB) *fakeFCM {
	f := &fakeFCM{t: t, key: rsaKey(), email: "push@reelview-test.iam.gserviceaccount.com", project: "reelview-test",
		expiresIn: 3600, tokens: map[string]time.Time{}, revoked: map[string]bool{}, calls: map[string]int{}, got: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", f.send)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// fixture reads a recorded payload.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fcm", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// credentialsFile writes a service-account key whose token_uri is the fake.
func (f *fakeFCM) credentialsFile() string { return f.credentialsFileWithKey(f.key) }

// credentialsFileWithKey writes one with another private key.
func (f *fakeFCM) credentialsFileWithKey(key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": f.project, "private_key_id": "key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": f.email, "client_id": "1", "token_uri": f.srv.URL + "/token",
	})
	p := filepath.Join(f.t.TempDir(), "service-account.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// token is the OAuth2 JWT-bearer grant: the assertion must be signed by the
// service account's key for the FCM scope and this endpoint.
func (f *fakeFCM) token(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.FormValue("assertion"), claims, func(*jwt.Token) (any, error) { return &f.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(f.srv.URL+"/token"), jwt.WithIssuer(f.email))
	if err != nil || claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(fixture(f.t, "oauth2_token_error_invalid_jwt_signature.json"))
		return
	}
	var answer map[string]any
	_ = json.Unmarshal(fixture(f.t, "oauth2_token_response_official_docs.json"), &answer)
	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("ya29.fake-%d", f.issued)
	f.tokens[tok] = time.Now().Add(time.Duration(f.expiresIn) * time.Second)
	answer["access_token"], answer["expires_in"], answer["scope"] = tok, f.expiresIn, claims["scope"]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (f *fakeFCM) send(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	var req struct {
		Message struct {
			Token        string            `json:"token"`
			Notification map[string]string `json:"notification"`
			Data         map[string]string `json:"data"` // FCM wants string values only
		} `json:"message"`
	}
	decodeErr := json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.usedAuth = append(f.usedAuth, auth)
	if exp, ok := f.tokens[auth]; !ok || time.Now().After(exp) || f.revoked[auth] {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":401,"message":"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.","status":"UNAUTHENTICATED"}}`))
		return
	}
	if r.PathValue("project") != f.project || decodeErr != nil || req.Message.Token == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(fixture(f.t, "error_400_missing_registration_token.json"))
		return
	}
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(fixture(f.t, "error_503_unavailable.json"))
		return
	}
	dev := req.Message.Token
	f.calls[dev]++
	if f.script != nil {
		if status, h, body := f.script(dev, f.calls[dev]); status != 0 {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
	}
	f.got[dev] = append(f.got[dev], req.Message.Data["notification_id"])
	var b map[string]any
	_ = json.Unmarshal(fixture(f.t, "send_response_success_official_docs.json"), &b)
	f.bodies = append(f.bodies, map[string]any{"token": dev, "notification": req.Message.Notification, "data": req.Message.Data})
	_, _ = w.Write(fixture(f.t, "send_response_success_official_docs.json"))
}

// received returns the notification ids the device token accepted.
func (f *fakeFCM) received(dev string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got[dev]...)
}

func (f *fakeFCM) callsTo(dev string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[dev]
}

func (f *fakeFCM) set(fn func(f *fakeFCM)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}
