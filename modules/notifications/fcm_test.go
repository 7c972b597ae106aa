package notifications_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/modules/notifications"
)

func fcmConfig(f *fakeFCM) config.Firebase {
	c := config.ForTest().Firebase
	c.CredentialsFile = f.credentialsFile()
	c.FCMEndpoint = f.srv.URL + "/v1"
	return c
}

// TestFCMAccessToken: the OAuth2 access token is fetched once, reused until
// shortly before it expires, then replaced; a token FCM refuses (401) is
// replaced and the send tried once more.
func TestFCMAccessToken(t *testing.T) {
	t.Parallel()
	f := newFakeFCM(t)
	// golang.org/x/oauth2 refreshes 10 s before expiry: 11 s tokens are
	// reused for one second.
	f.set(func(f *fakeFCM) { f.expiresIn = 11 })
	s, err := notifications.NewFCM(fcmConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func() {
		t.Helper()
		if err := s.Send(ctx, notifications.Message{Token: "device-token-1", Title: "t", Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	f.mu.Lock()
	if f.issued != 1 || !slices.Equal(f.usedAuth, []string{"ya29.fake-1", "ya29.fake-1"}) {
		t.Errorf("issued %d, used %v: want one token used twice", f.issued, f.usedAuth)
	}
	f.mu.Unlock()

	time.Sleep(1100 * time.Millisecond) // the token is now about to expire
	send()
	f.mu.Lock()
	if f.issued != 2 || f.usedAuth[2] != "ya29.fake-2" {
		t.Errorf("after expiry: issued %d, used %v", f.issued, f.usedAuth)
	}
	// Revoked on the server side: FCM answers 401, the sender fetches a new
	// token and the same send succeeds.
	f.expiresIn = 3600
	f.revoked["ya29.fake-2"] = true
	f.mu.Unlock()
	send()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued != 3 || !slices.Equal(f.usedAuth[3:], []string{"ya29.fake-2", "ya29.fake-3"}) || len(f.got["device-token-1"]) != 4 {
		t.Errorf("after a 401: issued %d, used %v, accepted %d", f.issued, f.usedAuth, len(f.got["device-token-1"]))
	}
}

// TestFCMBadCredentials: a key the token endpoint refuses makes every send a
// retryable failure that never reaches FCM.
func TestFCMBadCredentials(t *testing.T) {
	t.Parallel()
	f := newFakeFCM(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c := fcmConfig(f)
	c.CredentialsFile = f.credentialsFileWithKey(other) // not the key the endpoint knows
	s, err := notifications.NewFCM(c)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notifications.Message{Token: "device-token-1", Title: "t", Body: "b"})
	var se *notifications.SendError
	if !errors.As(err, &se) || se.Failure != notifications.Retry || se.Code != "OAUTH2" {
		t.Fatalf("send with a refused key: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.usedAuth) != 0 {
		t.Errorf("FCM was called without a token: %v", f.usedAuth)
	}
}

// TestFCMConfiguration: a file that is not a usable service-account key is
// refused at start-up, each with an error saying what is wrong.
func TestFCMConfiguration(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	key := func(fields map[string]string) string {
		b, _ := json.Marshal(fields)
		p := filepath.Join(t.TempDir(), "key.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	account := func(change map[string]string) string {
		fields := map[string]string{"type": "service_account", "project_id": "reelview-test",
			"private_key": pkcs8(rsaKey), "client_email": "fcm@reelview-test.iam.gserviceaccount.com"}
		for k, v := range change {
			if v == "" {
				delete(fields, k)
			} else {
				fields[k] = v
			}
		}
		return key(fields)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"a recorded FCM answer", "testdata/fcm/send_response_success_official_docs.json", "not a service-account key"},
		{"not JSON", "testdata/fcm/README.md", "not a service-account key"},
		{"a user's credentials", account(map[string]string{"type": "authorized_user"}), "not a service-account key"},
		{"no client_email", account(map[string]string{"client_email": ""}), "not a service-account key"},
		{"a private key that is not PEM", account(map[string]string{"private_key": "secret"}), "private_key: not a PEM block"},
		{"an ECDSA private key", account(map[string]string{"private_key": pkcs8(ecKey)}), "private_key: not an RSA private key"},
		{"no project", account(map[string]string{"project_id": ""}), "no project"},
	} {
		c := config.ForTest().Firebase
		c.CredentialsFile, c.ProjectID = tc.file, ""
		_, err := notifications.NewFCM(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	c := config.ForTest().Firebase
	c.CredentialsFile, c.ProjectID = account(nil), ""
	if _, err := notifications.NewFCM(c); err != nil {
		t.Errorf("a PKCS#8 RSA service-account key was refused: %v", err)
	}
	c.CredentialsFile = account(map[string]string{"private_key": string(pem.EncodeToMemory(
		&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))})
	if _, err := notifications.NewFCM(c); err != nil {
		t.Errorf("a PKCS#1 RSA service-account key was refused: %v", err)
	}
}
