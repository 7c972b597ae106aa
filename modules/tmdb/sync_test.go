package tmdb_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/tmdb"
)

type syncStatus struct {
	JobID    int64  `json:"job_id"`
	State    string `json:"state"`
	Attempt  int    `json:"attempt"`
	Progress struct {
		PagesDone  int      `json:"pages_done"`
		PagesTotal int      `json:"pages_total"`
		Imported   int      `json:"imported"`
		Updated    int      `json:"updated"`
		Failed     int      `json:"failed"`
		Errors     []string `json:"errors"`
	} `json:"progress"`
}

func waitFor(t *testing.T, a *apptest.App, token string, id int64, state string, within time.Duration) syncStatus {
	t.Helper()
	deadline := time.Now().Add(within)
	var st syncStatus
	for time.Now().Before(deadline) {
		res := apptest.Do(t, a.App, "GET", fmt.Sprintf("/api/v1/admin/tmdb/sync/%d", id), token, "")
		apptest.AssertStatus(t, res, 200)
		res.JSON(t, &st)
		if st.State == state {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("job %d: state %s after %v, want %s (%+v)", id, st.State, within, state, st)
	return st
}

func TestSyncJob(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	// Page 2 fails twice (the job is retried), then answers page 1 again:
	// the retried job must not import page 1 twice.
	var page2 atomic.Int64
	f.override("/movie/popular", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" && page2.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		b := fixture(t, "movie_popular_page1.json")
		_, _ = w.Write(b)
	})
	a := newApp(t, f, apiKey)
	admin := apptest.SignUpAdmin(t, a)
	user := apptest.SignUp(t, a.App)
	body := `{"list":"popular","type":"movie","pages":2}`
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/sync", user.Access, body), 403, "FORBIDDEN")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/sync", admin.Access, `{"list":"now_playing","type":"tv","pages":1}`), 400, "VALIDATION_FAILED")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/sync", admin.Access, `{"list":"popular","type":"movie","pages":0}`), 400, "VALIDATION_FAILED")

	res := apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/sync", admin.Access, body)
	apptest.AssertStatus(t, res, http.StatusAccepted)
	var q struct {
		JobID     int64 `json:"job_id"`
		Duplicate bool  `json:"duplicate"`
	}
	res.JSON(t, &q)
	res = apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/sync", admin.Access, body)
	var dup struct {
		JobID     int64 `json:"job_id"`
		Duplicate bool  `json:"duplicate"`
	}
	res.JSON(t, &dup)
	if !dup.Duplicate || dup.JobID != q.JobID {
		t.Errorf("second queue: %+v, want the same job %d", dup, q.JobID)
	}

	st := waitFor(t, a, admin.Access, q.JobID, "completed", 60*time.Second)
	n, _ := a.DB.Ent.Content.Query().Count(context.Background())
	// Page 2 answers with page 1's titles: all already imported.
	if st.Progress.PagesDone != 2 || st.Progress.PagesTotal != 2 || st.Progress.Imported != 20 ||
		st.Progress.Updated != 20 || st.Progress.Failed != 0 || st.Attempt < 2 || n != 20 {
		t.Errorf("status %+v, %d contents; want 2/2 pages, 20 imported, 20 updated, a retry, 20 contents", st, n)
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/tmdb/sync/999999", admin.Access, ""), 404, "RESOURCE_NOT_FOUND")
}

func TestPeriodicSyncRunsOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	cfgA := apptest.Config(t)
	cfgA.TMDB.BaseURL, cfgA.TMDB.APIKey = f.URL, apiKey
	cfgA.TMDB.SyncInterval, cfgA.TMDB.SyncPages = time.Hour, 1
	cfgB := cfgA // same database, Redis and settings: two replicas
	a := apptest.NewWithConfig(t, cfgA, auth.Module, contents.Module, tmdb.Module)
	apptest.NewWithConfig(t, cfgB, auth.Module, contents.Module, tmdb.Module)
	count := func() int {
		var n int
		if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'tmdb_sync'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for count() == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // the other replica had time to enqueue too
	if n := count(); n != 1 {
		t.Fatalf("%d periodic sync jobs from two replicas, want 1", n)
	}
}
