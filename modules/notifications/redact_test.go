package notifications_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
)

// fcmToken is a registration token shaped like FCM's (about 160 characters).
func fcmToken(device string) string {
	return device + ":APA91bH" + strings.Repeat("k3_xQ9-Lw", 16) + device
}

// quoting is the recorded FCM answer with the device token quoted in its
// message, as a hostile or changed push service might answer.
func quoting(t *testing.T, fixtureName, token string) []byte {
	t.Helper()
	var b map[string]map[string]any
	if err := json.Unmarshal(fixture(t, fixtureName), &b); err != nil {
		t.Fatal(err)
	}
	b["error"]["message"] = fmt.Sprintf("%v (registration token %s)", b["error"]["message"], token)
	out, _ := json.Marshal(b)
	return out
}

// TestPushTokenNeverLogged follows device tokens through registering,
// pushing and forgetting, with the FCM sender (whose answers quote the token:
// a retry, a dropped message, a dead token) and with the logging sender
// (no FCM_CREDENTIALS_FILE), and through an old client that still puts its
// token in the URL. No log line of any level, and no error River keeps with
// the job, holds a whole token.
func TestPushTokenNeverLogged(t *testing.T) {
	t.Parallel()
	for _, sender := range []string{"fcm", "log"} {
		t.Run(sender, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zapcore.DebugLevel)
			opts := []fx.Option{fx.Decorate(func(*zap.Logger) *zap.Logger { return zap.New(core) })}
			if sender == "log" {
				opts = append(opts, fx.Decorate(func(c config.Firebase) config.Firebase { c.CredentialsFile = ""; return c }))
			}
			e := newPushEnv(t, opts...)
			retried, dropped, dead := fcmToken("retried"), fcmToken("dropped"), fcmToken("dead")
			tokens := []string{retried, dropped, dead}
			e.fcm.set(func(f *fakeFCM) {
				f.script = func(dev string, n int) (int, http.Header, []byte) {
					switch {
					case dev == retried && n == 1:
						return http.StatusServiceUnavailable, nil, quoting(t, "error_503_unavailable.json", dev)
					case dev == dropped:
						return http.StatusBadRequest, nil, quoting(t, "error_400_invalid_argument_data_value_type_official_docs.json", dev)
					case dev == dead:
						return http.StatusNotFound, nil, quoting(t, "error_404_unregistered.json", dev)
					}
					return 0, nil, nil
				}
			})
			author, review := e.author(t, tokens...)
			e.like(t, apptest.SignUp(t, e.a.App), review)
			ids := e.notifications(t, author.ID)
			if len(ids) != 1 {
				t.Fatalf("notifications: %v", ids)
			}
			job := e.waitJobs(t, ids[0])[ids[0]]

			// The old client: its token in the path, refused and not echoed.
			res := apptest.Do(t, e.a.App, "DELETE", "/api/v1/users/me/devices/"+retried, author.Access, "")
			apptest.AssertError(t, res, http.StatusBadRequest, "VALIDATION_FAILED")
			if strings.Contains(string(res.Body), retried) {
				t.Errorf("the error answer quotes the token: %s", res.Body)
			}
			// The client of today: registers again to learn the id, deletes by id.
			res = apptest.Do(t, e.a.App, "POST", "/api/v1/users/me/devices", author.Access, fmt.Sprintf(`{"token":%q,"platform":"ios"}`, retried))
			apptest.AssertStatus(t, res, http.StatusOK)
			res = apptest.Do(t, e.a.App, "DELETE", fmt.Sprintf("/api/v1/users/me/devices/%d", deviceID(t, res)), author.Access, "")
			apptest.AssertStatus(t, res, http.StatusNoContent)
			want := []string{dropped} // FCM: the dead token is forgotten
			if sender == "log" {
				want = []string{dead, dropped} // ordered by token
			}
			if left := devicesOf(t, e, author.ID); !slices.Equal(left, want) {
				t.Errorf("%d devices left, want %d", len(left), len(want))
			}

			// The checks below must have something to look at.
			if sender == "fcm" {
				if e.fcm.callsTo(retried) != 2 || len(job.Errors) == 0 {
					t.Fatalf("the retried device got %d sends, job errors %v: the scenario did not run", e.fcm.callsTo(retried), job.Errors)
				}
				if logs.FilterMessageSnippet("no longer valid").Len() != 1 || logs.FilterMessageSnippet("not retried").Len() != 1 {
					t.Error("the dead token and the dropped message were not logged")
				}
			} else if n := logs.FilterMessageSnippet("push not sent").Len(); n != len(tokens) {
				t.Errorf("the logging sender logged %d pushes, want %d", n, len(tokens))
			}
			if logs.FilterMessage("request").Len() < 6 {
				t.Fatalf("only %d access-log lines", logs.FilterMessage("request").Len())
			}
			for _, entry := range logs.All() {
				line := entry.LoggerName + " " + entry.Message + " " + fmt.Sprint(entry.ContextMap())
				for _, tok := range tokens {
					if strings.Contains(line, tok) {
						t.Errorf("a log line holds a whole device token: %s", line)
					}
				}
			}
			for _, je := range job.Errors {
				for _, tok := range tokens {
					if strings.Contains(je.Error, tok) {
						t.Errorf("the push job's stored error holds a whole device token: %s", je.Error)
					}
				}
			}
		})
	}
}
