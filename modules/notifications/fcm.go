package notifications

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/reelview/reelview/config"
)

// Message is one push to one device.
type Message struct {
	Token string
	Title string
	Body  string
	// Data reaches the app beside the visible notification; FCM wants
	// string values only.
	Data map[string]string
}

// Sender delivers a push to one device. It returns nil when the push service
// accepted the message, and a *SendError saying what to do otherwise.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Failure says what a failed send means for the device and the message.
type Failure int

// The failure classes of FCM's answers.
const (
	// Retry: the service could not take the message now (5xx, network, an
	// expired credential): try again later.
	Retry Failure = iota + 1
	// Quota: the project's sending quota is exhausted (429): try again
	// later, not before a minute unless FCM says when.
	Quota
	// BadToken: the registration token is no longer valid (UNREGISTERED,
	// INVALID_ARGUMENT about the token, SENDER_ID_MISMATCH): forget the device.
	BadToken
	// Drop: FCM refused this message for good (another 4xx): never retried.
	Drop
)

// SendError is a send that FCM did not accept.
type SendError struct {
	Failure Failure
	// Status is the HTTP status, 0 when no answer came.
	Status int
	// Code is FCM's errorCode, else the canonical status, else the HTTP one.
	Code    string
	Message string
	// RetryAfter is the wait FCM asked for (Retry-After), 0 when it did not.
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	return fmt.Sprintf("fcm: %d %s: %s", e.Status, e.Code, e.Message)
}

// fcmScope is the OAuth2 scope of the FCM HTTP v1 API.
const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// maxAnswer bounds what is read of an FCM answer.
const maxAnswer = 64 << 10

// FCM sends through the FCM HTTP v1 API (projects/{id}/messages:send) with a
// service account's OAuth2 access token, fetched by golang.org/x/oauth2 and
// cached until shortly before it expires.
type FCM struct {
	sendURL string
	client  *http.Client
	// signer makes the token requests: the service account and its key.
	signer *jwt.Config
	// tokenCtx carries the HTTP client of token requests.
	tokenCtx context.Context

	mu     sync.Mutex
	tokens oauth2.TokenSource
}

// NewFCM reads the service-account file named by c.CredentialsFile. The
// project is FIREBASE_PROJECT_ID, else the file's project_id.
func NewFCM(c config.Firebase) (*FCM, error) {
	creds, err := os.ReadFile(c.CredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("fcm: read FCM_CREDENTIALS_FILE: %w", err)
	}
	client := &http.Client{Timeout: c.SendTimeout}
	fileProject, signer, err := parseServiceAccount(creds)
	if err != nil {
		return nil, err
	}
	project := cmp.Or(c.ProjectID, fileProject)
	if project == "" {
		return nil, errors.New("fcm: no project: set FIREBASE_PROJECT_ID or use a service-account file with project_id")
	}
	f := &FCM{client: client, signer: signer, tokenCtx: context.WithValue(context.Background(), oauth2.HTTPClient, client)}
	f.tokens = signer.TokenSource(f.tokenCtx)
	f.sendURL = strings.TrimSuffix(c.FCMEndpoint, "/") + "/projects/" + url.PathEscape(project) + "/messages:send"
	return f, nil
}

// serviceAccount is the part of a Google service-account key file that
// signs token requests (the JWT bearer grant of RFC 7523).
type serviceAccount struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// googleTokenURL is Google's OAuth2 token endpoint, for key files without
// token_uri.
const googleTokenURL = "https://oauth2.googleapis.com/token" //nolint:gosec // G101: a public URL, not a credential

// parseServiceAccount reads a service-account key file: its project and
// the configuration that signs token requests. Its token sources cache each
// access token until shortly before it expires.
func parseServiceAccount(b []byte) (project string, signer *jwt.Config, err error) {
	var sa serviceAccount
	if err := json.Unmarshal(b, &sa); err != nil {
		return "", nil, fmt.Errorf("fcm: FCM_CREDENTIALS_FILE is not a service-account key: %w", err)
	}
	if sa.Type != "service_account" || sa.ClientEmail == "" {
		return "", nil, errors.New("fcm: FCM_CREDENTIALS_FILE is not a service-account key (type service_account with client_email)")
	}
	if err := checkPrivateKey(sa.PrivateKey); err != nil {
		return "", nil, fmt.Errorf("fcm: FCM_CREDENTIALS_FILE: private_key: %w", err)
	}
	return sa.ProjectID, &jwt.Config{Email: sa.ClientEmail, PrivateKey: []byte(sa.PrivateKey), PrivateKeyID: sa.PrivateKeyID,
		Scopes: []string{fcmScope}, TokenURL: cmp.Or(sa.TokenURI, googleTokenURL)}, nil
}

// checkPrivateKey refuses at start-up a key the token requests could not
// sign with: a PEM block holding an RSA key, PKCS#8 or PKCS#1.
func checkPrivateKey(s string) error {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return errors.New("not a PEM block")
	}
	if _, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		if _, ok := k.(*rsa.PrivateKey); ok {
			return nil
		}
	}
	return errors.New("not an RSA private key")
}

// token returns the cached access token, fetching a new one when it is
// about to expire.
func (f *FCM) token() (string, error) {
	f.mu.Lock()
	ts := f.tokens
	f.mu.Unlock()
	t, err := ts.Token()
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// dropToken forgets a token FCM refused, unless another send already
// replaced it.
func (f *FCM) dropToken(refused string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, err := f.tokens.Token(); err == nil && t.AccessToken != refused {
		return
	}
	f.tokens = f.signer.TokenSource(f.tokenCtx)
}

type fcmRequest struct {
	Message fcmMessage `json:"message"`
}

type fcmMessage struct {
	Token        string            `json:"token"`
	Notification fcmNotification   `json:"notification"`
	Data         map[string]string `json:"data,omitempty"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Send implements Sender. An access token FCM refuses (401) is replaced and
// the send tried once more.
func (f *FCM) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(fcmRequest{Message: fcmMessage{Token: m.Token,
		Notification: fcmNotification{Title: m.Title, Body: m.Body}, Data: m.Data}})
	if err != nil {
		return &SendError{Failure: Drop, Code: "ENCODE", Message: err.Error()}
	}
	for try := 1; ; try++ {
		tok, err := f.token()
		if err != nil {
			return &SendError{Failure: Retry, Code: "OAUTH2", Message: err.Error()}
		}
		err = f.post(ctx, tok, body)
		var se *SendError
		if try == 1 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			f.dropToken(tok)
			continue
		}
		return err
	}
}

func (f *FCM) post(ctx context.Context, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.sendURL, bytes.NewReader(body))
	if err != nil {
		return &SendError{Failure: Drop, Code: "REQUEST", Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := f.client.Do(req)
	if err != nil {
		return &SendError{Failure: Retry, Code: "NETWORK", Message: err.Error()}
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil && res.StatusCode/100 != 2 {
		return &SendError{Failure: Retry, Status: res.StatusCode, Code: "NETWORK", Message: err.Error()}
	}
	return classify(res.StatusCode, res.Header, answer)
}

// fcmError is FCM's error envelope (google.rpc.Status). details may be
// missing or in any order, and a 502 may come as HTML.
type fcmError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			ErrorCode       string `json:"errorCode"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// classify turns an FCM answer into nil (accepted) or a *SendError.
func classify(status int, h http.Header, body []byte) error {
	if status/100 == 2 {
		return nil
	}
	var env fcmError
	_ = json.Unmarshal(body, &env) // not JSON (a 502 page): the status decides
	e := &SendError{Status: status, RetryAfter: retryAfter(h.Get("Retry-After")),
		Code:    cmp.Or(env.Error.Status, strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))),
		Message: cmp.Or(env.Error.Message, http.StatusText(status))}
	// A token problem shows as a field violation on message.token, or, in
	// answers without one, as the message about the registration token.
	tokenField, otherField := false, false
	for _, d := range env.Error.Details {
		if strings.HasSuffix(d.Type, "google.firebase.fcm.v1.FcmError") && d.ErrorCode != "" {
			e.Code = d.ErrorCode
		}
		for _, v := range d.FieldViolations {
			if v.Field == "message.token" {
				tokenField = true
			} else {
				otherField = true
			}
		}
	}
	aboutToken := tokenField || (!otherField && strings.Contains(strings.ToLower(e.Message), "registration token"))
	switch {
	case e.Code == "UNREGISTERED" || status == http.StatusNotFound, e.Code == "SENDER_ID_MISMATCH",
		status == http.StatusBadRequest && aboutToken:
		e.Failure = BadToken
	case status == http.StatusTooManyRequests:
		e.Failure = Quota
	case status >= 500, status == http.StatusUnauthorized, status == http.StatusRequestTimeout:
		e.Failure = Retry
	default:
		e.Failure = Drop
	}
	return e
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// LogSender stands in for FCM when no credentials are configured: it logs
// the pushes it would send and reports them delivered.
type LogSender struct{ Log *zap.Logger }

// Send implements Sender.
func (s LogSender) Send(_ context.Context, m Message) error {
	s.Log.Info("push not sent: FCM_CREDENTIALS_FILE is not set",
		zap.String("token_suffix", tokenSuffix(m.Token)), zap.String("title", m.Title), zap.String("body", m.Body))
	return nil
}

// NewSender returns the FCM sender when FCM_CREDENTIALS_FILE is set, else
// the logging sender.
func NewSender(c config.Firebase, log *zap.Logger) (Sender, error) {
	if c.CredentialsFile == "" {
		log.Info("push notifications are logged, not sent: FCM_CREDENTIALS_FILE is not set")
		return LogSender{Log: log}, nil
	}
	return NewFCM(c)
}
