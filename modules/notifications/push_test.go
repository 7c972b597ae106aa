package notifications_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/device"
	"github.com/reelview/reelview/ent/notification"
	"github.com/reelview/reelview/ent/pushdelivery"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/notifications"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

// pushEnv is the whole application sending pushes to a fake FCM.
type pushEnv struct {
	a     *apptest.App
	fcm   *fakeFCM
	river *jobs.Client
	inbox *notifications.Inbox
	movie int
}

// newPushEnv starts it; opts are added to the application (fx.Decorate…).
func newPushEnv(t *testing.T, opts ...fx.Option) *pushEnv {
	t.Helper()
	e := &pushEnv{fcm: newFakeFCM(t)}
	cfg := apptest.Config(t)
	cfg.Firebase.CredentialsFile = e.fcm.credentialsFile()
	cfg.Firebase.FCMEndpoint = e.fcm.srv.URL + "/v1"
	cfg.Firebase.RetryBackoff = 50 * time.Millisecond
	cfg.Firebase.QuotaBackoff = 300 * time.Millisecond
	cfg.Firebase.MaxAttempts = 10
	cfg.Jobs.PollInterval = 20 * time.Millisecond
	e.a = apptest.NewWithConfig(t, cfg, auth.Module, users.Module, contents.Module, reviews.Module, notifications.Module,
		fx.Populate(&e.river, &e.inbox), fx.Options(opts...))
	m, err := e.a.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle("Alien").Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.movie = m.ID
	return e
}

// author signs up, registers the device tokens and reviews the movie.
func (e *pushEnv) author(t *testing.T, tokens ...string) (apptest.Account, int) {
	t.Helper()
	acc := apptest.SignUp(t, e.a.App)
	for _, tok := range tokens {
		res := apptest.Do(t, e.a.App, "POST", "/api/v1/users/me/devices", acc.Access, fmt.Sprintf(`{"token":%q,"platform":"android"}`, tok))
		apptest.AssertStatus(t, res, http.StatusOK)
	}
	res := apptest.Do(t, e.a.App, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", e.movie), acc.Access, `{"rating":8}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r struct{ ID int }
	res.JSON(t, &r)
	return acc, r.ID
}

func (e *pushEnv) like(t *testing.T, acc apptest.Account, reviewID int) {
	t.Helper()
	res := apptest.Do(t, e.a.App, "PUT", fmt.Sprintf("/api/v1/reviews/%d/like", reviewID), acc.Access, "")
	apptest.AssertStatus(t, res, http.StatusNoContent)
}

// notifications returns the ids of the user's notifications, oldest first.
func (e *pushEnv) notifications(t *testing.T, userID int) []int {
	t.Helper()
	ids, err := e.a.DB.Ent.Notification.Query().Where(notification.UserID(userID)).Order(ent.Asc(notification.FieldID)).IDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// jobs returns the push jobs by notification id.
func (e *pushEnv) jobs(t *testing.T) map[int]*rivertype.JobRow {
	t.Helper()
	res, err := e.river.JobList(context.Background(), river.NewJobListParams().Kinds(notifications.PushArgs{}.Kind()).First(10_000))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]*rivertype.JobRow{}
	for _, j := range res.Jobs {
		var args notifications.PushArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		out[args.NotificationID] = j
	}
	return out
}

// waitJobs waits until the notifications' push jobs are completed.
func (e *pushEnv) waitJobs(t *testing.T, ids ...int) map[int]*rivertype.JobRow {
	t.Helper()
	var js map[int]*rivertype.JobRow
	apptest.Eventually(t, 60*time.Second, func() bool {
		js = e.jobs(t)
		for _, id := range ids {
			if j := js[id]; j == nil || j.State != rivertype.JobStateCompleted {
				return false
			}
		}
		return true
	}, fmt.Sprintf("push jobs of notifications %v completed", ids))
	return js
}

func devicesOf(t *testing.T, e *pushEnv, userID int) []string {
	t.Helper()
	toks, err := e.a.DB.Ent.Device.Query().Where(device.UserID(userID)).Order(ent.Asc(device.FieldToken)).
		Select(device.FieldToken).Strings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func TestPushDelivery(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	ctx := context.Background()
	author, review := e.author(t, "device-phone-000001", "device-tablet-00001")
	fan := apptest.SignUp(t, e.a.App)
	e.like(t, fan, review)
	ids := e.notifications(t, author.ID)
	if len(ids) != 1 {
		t.Fatalf("notifications: %v", ids)
	}
	nid := strconv.Itoa(ids[0])
	js := e.waitJobs(t, ids[0])
	if j := js[ids[0]]; j.Attempt != 1 || len(j.Errors) != 0 {
		t.Errorf("job: attempt %d, errors %v", j.Attempt, j.Errors)
	}
	for _, dev := range []string{"device-phone-000001", "device-tablet-00001"} {
		if got := e.fcm.received(dev); !slices.Equal(got, []string{nid}) {
			t.Errorf("%s received %v, want [%s]", dev, got, nid)
		}
	}
	sent, _ := e.a.DB.Ent.PushDelivery.Query().Where(pushdelivery.NotificationID(ids[0]), pushdelivery.OutcomeEQ(pushdelivery.OutcomeSent)).Count(ctx)
	if sent != 2 {
		t.Errorf("push_deliveries sent = %d, want 2", sent)
	}
	// The message: a visible notification and string data for the app.
	e.fcm.mu.Lock()
	b := e.fcm.bodies[0]
	e.fcm.mu.Unlock()
	n := b["notification"].(map[string]string)
	d := b["data"].(map[string]string)
	if n["title"] != "Reelview" || !strings.Contains(n["body"], "liked your review of Alien") ||
		d["notification_id"] != nid || d["type"] != "REVIEW_LIKED" || d["review_id"] != strconv.Itoa(review) ||
		d["content_id"] != strconv.Itoa(e.movie) || d["actor_id"] != strconv.Itoa(fan.ID) {
		t.Errorf("message: %v", b)
	}

	// Push turned off: the inbox still gets it, no job is queued, nothing is sent.
	apptest.AssertStatus(t, apptest.Do(t, e.a.App, "PATCH", "/api/v1/users/me", author.Access, `{"push_enabled":false}`), http.StatusOK)
	other := apptest.SignUp(t, e.a.App)
	e.like(t, other, review)
	ids = e.notifications(t, author.ID)
	if len(ids) != 2 {
		t.Fatalf("notifications after push off: %v", ids)
	}
	if _, queued := e.jobs(t)[ids[1]]; queued {
		t.Error("a push job was queued for a user who turned push off")
	}
	// A recipient without devices gets no job either.
	lonely, lonelyReview := e.author(t)
	e.like(t, fan, lonelyReview)
	if got := e.notifications(t, lonely.ID); len(got) != 1 {
		t.Fatalf("lonely notifications: %v", got)
	} else if _, queued := e.jobs(t)[got[0]]; queued {
		t.Error("a push job was queued for a user without devices")
	}
	// Push turned off after the job was queued: the job sends nothing.
	apptest.AssertStatus(t, apptest.Do(t, e.a.App, "PATCH", "/api/v1/users/me", author.Access, `{"push_enabled":true}`), http.StatusOK)
	e.fcm.set(func(f *fakeFCM) { f.down = true })
	third := apptest.SignUp(t, e.a.App)
	e.like(t, third, review)
	ids = e.notifications(t, author.ID)
	apptest.Eventually(t, 10*time.Second, func() bool { j := e.jobs(t)[ids[2]]; return j != nil && len(j.Errors) > 0 }, "a failed attempt")
	apptest.AssertStatus(t, apptest.Do(t, e.a.App, "PATCH", "/api/v1/users/me", author.Access, `{"push_enabled":false}`), http.StatusOK)
	// FCM stays down: the job can only complete by finding nothing to send.
	e.waitJobs(t, ids[2])
	e.fcm.set(func(f *fakeFCM) { f.down = false })
	if got := e.fcm.received("device-phone-000001"); len(got) != 1 {
		t.Errorf("sent after push was turned off: %v", got)
	}
}

// TestPushErrorClasses plays each recorded FCM failure on the first send to
// one of two devices of a user, and checks the device table, the deliveries
// and the job's retries.
func TestPushErrorClasses(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	ctx := context.Background()
	type outcome int
	const (
		deleted outcome = iota + 1 // the device is forgotten, nothing more is sent to it
		dropped                    // the message is given up, the device kept
		retried                    // the job fails and is retried: the message arrives on attempt 2
		snoozed                    // the job waits without using an attempt: the message arrives
	)
	cases := []struct {
		name, fixture string
		status        int
		retryAfter    string
		want          outcome
		minGap        time.Duration // between the two sends of a retried message
	}{
		{"unregistered", "error_404_unregistered.json", 404, "", deleted, 0},
		{"invalid token", "error_400_invalid_argument_invalid_token.json", 400, "", deleted, 0},
		{"invalid token field", "error_400_invalid_argument_token_with_badrequest_detail.json", 400, "", deleted, 0},
		{"invalid token legacy body", "error_400_invalid_argument_legacy_errors_array_2019.json", 400, "", deleted, 0},
		{"sender id mismatch", "error_403_sender_id_mismatch.json", 403, "", deleted, 0},
		{"bad data value", "error_400_invalid_argument_data_value_type_official_docs.json", 400, "", dropped, 0},
		{"payload too large", "error_400_payload_too_large_no_details.json", 400, "", dropped, 0},
		{"missing recipient", "error_400_missing_registration_token.json", 400, "", dropped, 0},
		{"quota with retry-after", "error_429_quota_exceeded_rate_limit.json", 429, "1", snoozed, 900 * time.Millisecond},
		{"quota", "error_429_quota_exceeded_rate_limit.json", 429, "", snoozed, 280 * time.Millisecond},
		{"unavailable with retry-after", "error_503_unavailable.json", 503, "1", snoozed, 900 * time.Millisecond},
		{"unavailable", "error_503_unavailable.json", 503, "", retried, 35 * time.Millisecond},
		{"internal", "error_500_internal.json", 500, "", retried, 35 * time.Millisecond},
		{"bad gateway html", "error_502_bad_gateway_html_not_json.html", 502, "", retried, 35 * time.Millisecond},
	}
	var mu sync.Mutex
	sendTimes := map[string][]time.Time{}
	e.fcm.set(func(f *fakeFCM) {
		f.script = func(dev string, n int) (int, http.Header, []byte) {
			mu.Lock()
			sendTimes[dev] = append(sendTimes[dev], time.Now())
			mu.Unlock()
			i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(dev, "case-"), "-a"))
			if err != nil || n != 1 || !strings.HasSuffix(dev, "-a") {
				return 0, nil, nil
			}
			c := cases[i]
			h := http.Header{}
			if c.retryAfter != "" {
				h.Set("Retry-After", c.retryAfter)
			}
			return c.status, h, fixture(t, c.fixture)
		}
	})
	fan := apptest.SignUp(t, e.a.App)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bad, good := fmt.Sprintf("case-%02d-a", i), fmt.Sprintf("case-%02d-b", i)
			author, review := e.author(t, bad, good)
			e.like(t, fan, review)
			ids := e.notifications(t, author.ID)
			nid := strconv.Itoa(ids[0])
			j := e.waitJobs(t, ids[0])[ids[0]]
			var meta struct {
				Snoozes int `json:"snoozes"`
			}
			_ = json.Unmarshal(j.Metadata, &meta)

			// The other device always gets the message exactly once.
			if got := e.fcm.received(good); !slices.Equal(got, []string{nid}) {
				t.Errorf("healthy device received %v, want [%s]", got, nid)
			}
			devs := devicesOf(t, e, author.ID)
			var recorded []string
			for _, d := range e.a.DB.Ent.PushDelivery.Query().Where(pushdelivery.NotificationID(ids[0])).AllX(ctx) {
				recorded = append(recorded, string(d.Outcome))
			}
			slices.Sort(recorded)
			got := e.fcm.received(bad)
			switch c.want {
			case deleted, dropped:
				if e.fcm.callsTo(bad) != 1 || len(got) != 0 || j.Attempt != 1 || len(j.Errors) != 0 {
					t.Errorf("sends %d, received %v, attempt %d, errors %v: want one refused send, no retry", e.fcm.callsTo(bad), got, j.Attempt, j.Errors)
				}
				wantDevs, wantRecorded := []string{good}, []string{"sent"}
				if c.want == dropped {
					wantDevs, wantRecorded = []string{bad, good}, []string{"dropped", "sent"}
				}
				if !slices.Equal(devs, wantDevs) || !slices.Equal(recorded, wantRecorded) {
					t.Errorf("devices %v (want %v), deliveries %v (want %v)", devs, wantDevs, recorded, wantRecorded)
				}
			case retried, snoozed:
				wantAttempt, wantErrors, wantSnoozes := 2, 1, 0
				if c.want == snoozed {
					wantAttempt, wantErrors, wantSnoozes = 1, 0, 1
				}
				if !slices.Equal(got, []string{nid}) || e.fcm.callsTo(bad) != 2 || j.Attempt != wantAttempt ||
					len(j.Errors) != wantErrors || meta.Snoozes != wantSnoozes {
					t.Errorf("received %v after %d sends; attempt %d, errors %d, snoozes %d; want [%s] after 2, attempt %d, errors %d, snoozes %d",
						got, e.fcm.callsTo(bad), j.Attempt, len(j.Errors), meta.Snoozes, nid, wantAttempt, wantErrors, wantSnoozes)
				}
				if !slices.Equal(devs, []string{bad, good}) || !slices.Equal(recorded, []string{"sent", "sent"}) {
					t.Errorf("devices %v, deliveries %v", devs, recorded)
				}
				mu.Lock()
				times := sendTimes[bad]
				mu.Unlock()
				if len(times) == 2 && times[1].Sub(times[0]) < c.minGap {
					t.Errorf("retried after %s, want at least %s", times[1].Sub(times[0]), c.minGap)
				}
			}
		})
	}
}

// TestPushSameTransaction: the notification and its push job commit or roll
// back with the event that caused them.
func TestPushSameTransaction(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	ctx := context.Background()
	author, review := e.author(t, "device-atomic-00001")
	fan := apptest.SignUp(t, e.a.App)
	ev := reviews.Event{ReviewID: review, ContentID: e.movie, AuthorID: author.ID, ActorID: fan.ID}
	failed := errors.New("the like failed after its notification was written")
	err := database.WithTx(ctx, e.a.DB.Ent, func(tx *ent.Tx) error {
		if err := e.inbox.ReviewLiked(ctx, tx, ev); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	if ids, js := e.notifications(t, author.ID), e.jobs(t); len(ids) != 0 || len(js) != 0 {
		t.Fatalf("rolled back, yet notifications %v and jobs %v remain", ids, js)
	}
	if err := database.WithTx(ctx, e.a.DB.Ent, func(tx *ent.Tx) error { return e.inbox.ReviewLiked(ctx, tx, ev) }); err != nil {
		t.Fatal(err)
	}
	ids := e.notifications(t, author.ID)
	if len(ids) != 1 {
		t.Fatalf("committed notifications: %v", ids)
	}
	e.waitJobs(t, ids[0])
	if got := e.fcm.received("device-atomic-00001"); !slices.Equal(got, []string{strconv.Itoa(ids[0])}) {
		t.Errorf("received %v", got)
	}
}

// TestPushOutage: FCM answers 503 for a while; the jobs retry and every
// message arrives once when it is back.
func TestPushOutage(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	devs := []string{"outage-device-1", "outage-device-2", "outage-device-3"}
	author, review := e.author(t, devs...)
	e.fcm.set(func(f *fakeFCM) { f.down = true })
	for range 5 {
		e.like(t, apptest.SignUp(t, e.a.App), review)
	}
	ids := e.notifications(t, author.ID)
	if len(ids) != 5 {
		t.Fatalf("notifications: %v", ids)
	}
	apptest.Eventually(t, 20*time.Second, func() bool {
		js := e.jobs(t)
		for _, id := range ids {
			if j := js[id]; j == nil || len(j.Errors) < 2 {
				return false
			}
		}
		return true
	}, "two failed attempts of every push job")
	e.fcm.set(func(f *fakeFCM) { f.down = false })
	e.waitJobs(t, ids...)
	var want []string
	for _, id := range ids {
		want = append(want, strconv.Itoa(id))
	}
	for _, dev := range devs {
		got := e.fcm.received(dev)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s received %v, want each of %v once", dev, got, want)
		}
	}
}

// TestPushFanOut: 200 notifications to users with three devices each, with
// one send in five failing at first; every device receives each of its
// notifications exactly once.
func TestPushFanOut(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	e.fcm.set(func(f *fakeFCM) {
		f.script = func(dev string, n int) (int, http.Header, []byte) {
			h := fnv.New32a()
			fmt.Fprintf(h, "%s/%d", dev, n)
			if h.Sum32()%5 == 0 {
				return http.StatusServiceUnavailable, nil, fixture(t, "error_503_unavailable.json")
			}
			return 0, nil, nil
		}
	})
	type author struct {
		acc    apptest.Account
		review int
		devs   []string
	}
	authors := make([]author, 20)
	for i := range authors {
		devs := []string{fmt.Sprintf("fan-%02d-phone", i), fmt.Sprintf("fan-%02d-tablet", i), fmt.Sprintf("fan-%02d-web-app", i)}
		acc, review := e.author(t, devs...)
		authors[i] = author{acc, review, devs}
	}
	likers := make([]apptest.Account, 10)
	for i := range likers {
		likers[i] = apptest.SignUp(t, e.a.App)
	}
	// Two likers at a time: the point is the fan-out of the pushes, while
	// the jobs of the first likes already run beside the later ones.
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			for _, l := range likers[i*len(likers)/2 : (i+1)*len(likers)/2] {
				for _, a := range authors {
					e.like(t, l, a.review)
				}
			}
		})
	}
	wg.Wait()
	var all []int
	for _, a := range authors {
		ids := e.notifications(t, a.acc.ID)
		if len(ids) != len(likers) {
			t.Fatalf("author %d has %d notifications, want %d", a.acc.ID, len(ids), len(likers))
		}
		all = append(all, ids...)
	}
	if len(all) != 200 {
		t.Fatalf("%d notifications, want 200", len(all))
	}
	e.waitJobs(t, all...)
	total := 0
	for _, a := range authors {
		var want []string
		for _, id := range e.notifications(t, a.acc.ID) {
			want = append(want, strconv.Itoa(id))
		}
		slices.Sort(want)
		for _, dev := range a.devs {
			got := e.fcm.received(dev)
			total += len(got)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s received %v, want each of %v exactly once", dev, got, want)
			}
		}
	}
	if total != 600 {
		t.Errorf("%d messages accepted, want 600", total)
	}
}

// TestPruneDeliveries: the prune job deletes the delivery records older than
// PUSH_DELIVERY_RETENTION and keeps the recent ones.
func TestPruneDeliveries(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t)
	ctx := context.Background()
	retention := e.a.Config.Firebase.DeliveryRetention
	for i, age := range []time.Duration{retention + time.Hour, 2 * retention, retention - time.Hour, time.Minute} {
		if _, err := e.a.DB.Ent.PushDelivery.Create().SetNotificationID(1000 + i).SetDeviceID(1).
			SetOutcome(pushdelivery.OutcomeSent).SetCreatedAt(time.Now().Add(-age)).Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.river.Insert(ctx, notifications.PruneArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, 20*time.Second, func() bool {
		n, err := e.a.DB.Ent.PushDelivery.Query().Count(ctx)
		return err == nil && n == 2
	}, "the two old delivery records pruned")
	left, err := e.a.DB.Ent.PushDelivery.Query().Order(ent.Asc(pushdelivery.FieldNotificationID)).
		Select(pushdelivery.FieldNotificationID).Ints(ctx)
	if err != nil || len(left) != 2 || left[0] != 1002 || left[1] != 1003 {
		t.Fatalf("kept %v (%v), want the recent 1002 and 1003", left, err)
	}
}
