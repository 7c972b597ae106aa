package notifications_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
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

// TestFCMConfiguration: a file that is not a service-account key is
// refused at start-up.
func TestFCMConfiguration(t *testing.T) {
	t.Parallel()
	c := config.ForTest().Firebase
	c.CredentialsFile = "testdata/fcm/send_response_success_official_docs.json"
	if _, err := notifications.NewFCM(c); err == nil {
		t.Fatal("a non-credentials file was accepted")
	}
}
