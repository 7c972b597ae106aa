package portability_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/bookmark"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/diaryentry"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/diary"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/portability"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social"
	"github.com/reelview/reelview/modules/tmdb"
	"github.com/reelview/reelview/modules/users"
)

type env struct {
	*apptest.App
	admin apptest.Account
}

// newEnv starts the app with a fake TMDB when tmdbURL is set, and extra
// options (test sections).
func newEnv(t *testing.T, tmdbURL string, extra ...fx.Option) *env {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.Jobs.PollInterval = 20 * time.Millisecond
	cfg.RateLimit.Import.Requests = 1_000_000
	if tmdbURL != "" {
		cfg.TMDB.BaseURL, cfg.TMDB.APIKey, cfg.TMDB.MaxRetries = tmdbURL, "test-key", 0
		cfg.TMDB.CallTimeout = 30 * time.Second
	}
	mods := append([]fx.Option{auth.Module, users.Module, contents.Module, reviews.Module, tmdb.Module, portability.Module}, extra...)
	a := apptest.NewWithConfig(t, cfg, mods...)
	return &env{App: a, admin: apptest.SignUpAdmin(t, a)}
}

// movie creates a catalog title and returns its id.
func (e *env) title(t *testing.T, typ, title, released string, tmdbID int64) int {
	t.Helper()
	body := map[string]any{"type": typ, "title": title, "release_date": released}
	if tmdbID != 0 {
		body["tmdb_id"] = tmdbID
	}
	b, _ := json.Marshal(body)
	res := apptest.Do(t, e.App.App, "POST", "/api/v1/contents", e.admin.Access, string(b))
	apptest.AssertStatus(t, res, http.StatusCreated)
	var c struct {
		ID int `json:"id"`
	}
	res.JSON(t, &c)
	return c.ID
}

func (e *env) do(t *testing.T, method, path, token, body string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, e.App.App, method, path, token, body)
}

// upload sends a file as the raw body of an import.
func (e *env) upload(t *testing.T, token, query, contentType string, body []byte) *apptest.Response {
	t.Helper()
	return apptest.Send(t, e.App.App, apptest.Request{Method: "POST", Path: "/api/v1/users/me/import?" + query, Token: token,
		Body: string(body), Header: map[string]string{"Content-Type": contentType}})
}

type queued struct {
	JobID     int64  `json:"job_id"`
	StatusURL string `json:"status_url"`
	Source    string `json:"source"`
	Records   int    `json:"records"`
}

type status struct {
	State    string `json:"state"`
	Progress struct {
		Phase            string
		Total, Processed int
	} `json:"progress"`
	Report *struct {
		DryRun                       bool `json:"dry_run"`
		Imported, Skipped, Unmatched int
		TitlesAdded                  int `json:"titles_added"`
		Sections                     []portability.SectionReport
	} `json:"report"`
	LastError *string `json:"last_error"`
}

func (s status) section(name string) portability.SectionReport {
	if s.Report != nil {
		for _, r := range s.Report.Sections {
			if r.Section == name {
				return r
			}
		}
	}
	return portability.SectionReport{}
}

func (e *env) status(t *testing.T, token string, id int64) status {
	t.Helper()
	res := e.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", id), token, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var st status
	res.JSON(t, &st)
	return st
}

// importDone uploads a file and waits for its job to complete.
func (e *env) importDone(t *testing.T, token, query string, body []byte) status {
	t.Helper()
	res := e.upload(t, token, query, "application/octet-stream", body)
	apptest.AssertStatus(t, res, http.StatusAccepted)
	var q queued
	res.JSON(t, &q)
	if q.StatusURL != fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID) || res.Header.Get("Location") != q.StatusURL {
		t.Fatalf("queued: %+v, Location %q", q, res.Header.Get("Location"))
	}
	var st status
	apptest.Eventually(t, 20*time.Second, func() bool {
		st = e.status(t, token, q.JobID)
		return st.State == "completed" || st.State == "discarded"
	}, "import completed")
	if st.State != "completed" || st.Report == nil || st.Progress.Phase != "done" {
		t.Fatalf("import: %+v", st)
	}
	return st
}

// export fetches token's JSON export, checked against the OpenAPI document.
func (e *env) export(t *testing.T, token string) map[string]json.RawMessage {
	t.Helper()
	res := e.do(t, "GET", "/api/v1/users/me/export", token, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="reelview-export-`) {
		t.Fatalf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}
	e.assertDocumentedExport(t, res)
	var doc map[string]json.RawMessage
	res.JSON(t, &doc)
	return doc
}

// assertDocumentedExport fails unless the export answer is one the OpenAPI
// document of the running server declares: a documented content type and,
// for JSON, a body valid against its schema (which refuses undeclared
// properties).
func (e *env) assertDocumentedExport(t *testing.T, res *apptest.Response) {
	t.Helper()
	oapi := e.API.OpenAPI()
	op := oapi.Paths["/api/v1/users/me/export"].Get
	ctype := res.Header.Get("Content-Type")
	mt := op.Responses["200"].Content[ctype]
	if mt == nil {
		t.Fatalf("export: Content-Type %q is not documented", ctype)
	}
	if ctype != "application/json" {
		return
	}
	var v any
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("export: %v", err)
	}
	result := &huma.ValidateResult{}
	huma.Validate(oapi.Components.Schemas, mt.Schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeReadFromServer, v, result)
	for _, err := range result.Errors {
		t.Errorf("export does not match its schema: %v", err)
	}
}

type entry struct {
	Content   portability.Ref `json:"content"`
	Rating    int             `json:"rating"`
	Body      string          `json:"body"`
	Spoiler   bool            `json:"spoiler"`
	CreatedAt time.Time       `json:"created_at"`
	Bookmark  time.Time       `json:"bookmarked_at"`
}

func entries(t *testing.T, doc map[string]json.RawMessage, section string) []entry {
	t.Helper()
	var es []entry
	if err := json.Unmarshal(doc[section], &es); err != nil {
		t.Fatalf("%s: %v (%s)", section, err, doc[section])
	}
	return es
}

// userState is everything of a user an import may write, and the titles' aggregates.
func (e *env) userState(t *testing.T, userID int) string {
	t.Helper()
	ctx := context.Background()
	rs, err := e.DB.Ent.Review.Query().Where(review.UserID(userID)).Order(ent.Asc(review.FieldContentID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := e.DB.Ent.Bookmark.Query().Where(bookmark.UserID(userID)).Order(ent.Asc(bookmark.FieldContentID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := e.DB.Ent.Content.Query().Order(ent.Asc(content.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "review %d %d %q %v\n", r.ContentID, r.Rating, r.Body, r.Spoiler)
	}
	for _, x := range bs {
		fmt.Fprintf(&b, "bookmark %d\n", x.ContentID)
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "content %d %q %d %d %v %d %d\n", c.ID, c.Title, c.RatingCount, c.RatingSum, c.RatingHistogram, c.ReviewCount, c.BookmarkCount)
	}
	return b.String()
}

func (e *env) jobCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'portability_import'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	fight := e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	got := e.title(t, "tv", "Game of Thrones", "2011-04-17", 1399)
	local := e.title(t, "movie", "Home Movie", "2020-01-01", 0)
	alice, bob := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", fight), alice.Access,
		`{"rating":9,"body":"The twist still lands.\nTwice.","spoiler":true}`), http.StatusCreated)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", got), alice.Access, `{"rating":7}`), http.StatusCreated)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", local), alice.Access, `{"rating":4}`), http.StatusCreated)
	for _, id := range []int{local, fight} {
		apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/api/v1/contents/%d/bookmark", id), alice.Access, ""), http.StatusNoContent)
	}

	src := e.export(t, alice.Access)
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Profile struct {
			Nickname string `json:"nickname"`
		} `json:"profile"`
	}
	raw, _ := json.Marshal(src)
	_ = json.Unmarshal(raw, &head)
	if head.Format != "reelview-export" || head.Version != 1 || head.Profile.Nickname != alice.Nickname {
		t.Fatalf("export head: %+v", head)
	}
	rv := entries(t, src, "reviews")
	if len(rv) != 1 || rv[0].Content != (portability.Ref{ID: fight, Type: "movie", TmdbID: 550, Title: "Fight Club", Year: 1999}) ||
		rv[0].Body != "The twist still lands.\nTwice." || !rv[0].Spoiler || len(entries(t, src, "ratings")) != 2 || len(entries(t, src, "bookmarks")) != 2 {
		t.Fatalf("export: %s", raw)
	}

	before := e.userState(t, bob.ID)
	st := e.importDone(t, bob.Access, "source=reelview", raw)
	if st.Report.Imported != 5 || st.Report.Skipped != 0 || st.Report.Unmatched != 0 {
		t.Fatalf("report: %+v", st.Report)
	}
	dst := e.export(t, bob.Access)
	for _, sec := range []string{"reviews", "ratings", "bookmarks"} {
		a, b := entries(t, src, sec), entries(t, dst, sec)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s differ after the round trip:\n%v\n%v", sec, a, b)
		}
	}
	after := e.userState(t, bob.ID)
	if after == before {
		t.Fatal("import wrote nothing")
	}
	c, _ := e.DB.Ent.Content.Get(context.Background(), fight)
	if c.RatingCount != 2 || c.RatingSum != 18 || c.ReviewCount != 2 || c.BookmarkCount != 2 || c.RatingHistogram[8] != 2 {
		t.Fatalf("aggregates of the imported title: %+v", c)
	}

	// Twice: nothing changes, everything is reported as already present.
	st = e.importDone(t, bob.Access, "", raw)
	if st.Report.Imported != 0 || st.Report.Skipped != 5 || e.userState(t, bob.ID) != after {
		t.Fatalf("second import: %+v", st.Report)
	}
	if n := st.section("ratings"); n.Skipped != 2 || len(n.Notes) != 2 || n.Notes[0].Reason == "" || n.Notes[0].Where != "ratings[0]" {
		t.Fatalf("ratings report: %+v", n)
	}

	// The CSV export: a ZIP with one file per section, rows in step with the JSON.
	res := e.do(t, "GET", "/api/v1/users/me/export?format=csv", alice.Access, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	if res.Header.Get("Content-Type") != "application/zip" || !strings.HasSuffix(res.Header.Get("Content-Disposition"), `.zip"`) {
		t.Fatalf("csv export headers: %v", res.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][][]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		rs, err := csv.NewReader(rc).ReadAll()
		_ = rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		rows[f.Name] = rs
	}
	if len(rows["profile.csv"]) != 2 || len(rows["reviews.csv"]) != 2 || len(rows["ratings.csv"]) != 3 || len(rows["bookmarks.csv"]) != 3 ||
		strings.Join(rows["reviews.csv"][0], ",") != "content_id,type,tmdb_id,title,year,rating,body,spoiler,hidden,created_at,updated_at" ||
		rows["reviews.csv"][1][3] != "Fight Club" || rows["reviews.csv"][1][6] != "The twist still lands.\nTwice." {
		t.Fatalf("csv export: %v", rows)
	}
	apptest.AssertError(t, e.do(t, "GET", "/api/v1/users/me/export?format=xml", alice.Access, ""), 400, "VALIDATION_FAILED")
	apptest.AssertError(t, e.do(t, "GET", "/api/v1/users/me/export", "", ""), 401, "UNAUTHORIZED")
}

const (
	lbRatings   = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Fight Club,1999,https://boxd.it/2a,4.5\n2024-01-03,game of thrones,2011,https://boxd.it/x,3\n2024-01-04,Alien,1979,https://boxd.it/a,0.5\n"
	lbReviews   = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n2024-01-05,Fight Club,1999,https://boxd.it/r1,4.5,Yes,\"Rule one.\nRule two.\",\"cult, rewatch\",2024-01-04\n2024-01-06,Heat,1995,https://boxd.it/r2,5,,\"Best shootout.\",,2024-01-05\n"
	lbWatchlist = "Date,Name,Year,Letterboxd URI\n2024-02-01,Alien,1979,https://boxd.it/w1\n2024-02-01,Unknown Film,2001,https://boxd.it/w2\n"
	lbDiary     = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2024-01-05,Fight Club,1999,https://boxd.it/d1,4.5,Yes,cult,2024-01-04\n"
)

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLetterboxd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	fight := e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	e.title(t, "tv", "Game of Thrones", "2011-04-17", 1399) // a show: Letterboxd titles are movies
	alien := e.title(t, "movie", "Alien", "1979-05-25", 348)
	heat := e.title(t, "movie", "HEAT", "1995-12-15", 949)
	ctx := context.Background()

	t.Run("files one by one", func(t *testing.T) {
		t.Parallel()
		u := apptest.SignUp(t, e.App.App)
		st := e.importDone(t, u.Access, "source=letterboxd", []byte(lbRatings))
		r := st.section("ratings")
		if r.Records != 3 || r.Imported != 2 || r.Unmatched != 1 || r.Notes[0].Title != "game of thrones" {
			t.Fatalf("ratings: %+v", st.Report)
		}
		fc, err := e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(fight)).Only(ctx)
		if err != nil || fc.Rating != 9 || fc.Body != "" || fc.CreatedAt.Format(time.DateOnly) != "2024-01-02" {
			t.Fatalf("Fight Club rating: %+v %v", fc, err)
		}
		if a, _ := e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(alien)).Only(ctx); a == nil || a.Rating != 1 {
			t.Fatalf("Alien rating: %+v", a)
		}
		// The review adds its text to the rating of the same title; Heat is new.
		st = e.importDone(t, u.Access, "", []byte(lbReviews))
		if r := st.section("reviews"); r.Imported != 2 || r.Skipped != 0 {
			t.Fatalf("reviews: %+v", st.Report)
		}
		fc, _ = e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(fight)).Only(ctx)
		h, _ := e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(heat)).Only(ctx)
		if fc.Body != "Rule one.\nRule two." || fc.Rating != 9 || h == nil || h.Rating != 10 || h.Body != "Best shootout." {
			t.Fatalf("reviews written: %+v %+v", fc, h)
		}
		st = e.importDone(t, u.Access, "", []byte(lbWatchlist))
		if r := st.section("bookmarks"); r.Imported != 1 || r.Unmatched != 1 || !strings.Contains(r.Notes[0].Reason, "TMDB is not configured") {
			t.Fatalf("watchlist: %+v", st.Report)
		}
		st = e.importDone(t, u.Access, "", []byte(lbDiary))
		if r := st.section("diary"); r.Records != 1 || r.Skipped != 1 || r.Notes[0].Reason != "this server does not import diary" {
			t.Fatalf("diary: %+v", st.Report)
		}
	})
	t.Run("whole ZIP", func(t *testing.T) {
		t.Parallel()
		u := apptest.SignUp(t, e.App.App)
		z := zipOf(t, map[string]string{"ratings.csv": lbRatings, "reviews.csv": lbReviews, "watchlist.csv": lbWatchlist,
			"diary.csv": lbDiary, "profile.csv": "Date Joined,Username\n", "lists/best.csv": "x\n", "watched.csv": lbWatchlist,
			"deleted/ratings.csv": "not,a,letterboxd,file\n"})
		st := e.importDone(t, u.Access, "", z)
		if st.Report.Imported != 5 || st.section("ratings").Imported != 2 || st.section("reviews").Imported != 2 || st.section("bookmarks").Imported != 1 {
			t.Fatalf("zip: %+v", st.Report)
		}
		if n, _ := e.DB.Ent.Review.Query().Where(review.UserID(u.ID)).Count(ctx); n != 3 {
			t.Fatalf("%d reviews", n)
		}
	})
	t.Cleanup(func() { // the aggregates are those of the reviews written
		n, _ := e.DB.Ent.Review.Query().Where(review.ContentID(fight)).Count(ctx)
		c, _ := e.DB.Ent.Content.Get(ctx, fight)
		if n != 2 || c.RatingCount != n || c.ReviewCount != n || c.RatingSum != 18 || c.RatingHistogram[8] != 2 {
			t.Errorf("aggregates of %d reviews: %+v", n, c)
		}
	})
}

const traktRatings = `[
 {"rated_at":"2014-09-01T09:10:11.000Z","rating":10,"type":"movie","movie":{"title":"Batman Begins","year":2005,"ids":{"trakt":1,"slug":"batman-begins-2005","imdb":"tt0372784","tmdb":272}}},
 {"rated_at":"2015-01-01T00:00:00.000Z","rating":8,"type":"show","show":{"title":"Breaking Bad","year":2008,"ids":{"trakt":2,"tmdb":1396}}},
 {"rated_at":"2015-01-02T00:00:00.000Z","rating":6,"type":"episode","episode":{"title":"Pilot"},"show":{"title":"Breaking Bad","year":2008,"ids":{"tmdb":1396}}}
]`

func TestTrakt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	batman := e.title(t, "movie", "Some Other Title", "2005-06-15", 272) // matched by TMDB id, not title
	bb := e.title(t, "tv", "Breaking Bad", "2008-01-20", 1396)
	ctx := context.Background()
	u := apptest.SignUp(t, e.App.App)
	st := e.importDone(t, u.Access, "source=trakt", []byte(traktRatings))
	if r := st.section("ratings"); r.Imported != 2 || r.Skipped != 1 || !strings.Contains(r.Notes[0].Reason, "episode") {
		t.Fatalf("trakt ratings: %+v", st.Report)
	}
	b, _ := e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(batman)).Only(ctx)
	s, _ := e.DB.Ent.Review.Query().Where(review.UserID(u.ID), review.ContentID(bb)).Only(ctx)
	if b == nil || b.Rating != 10 || s == nil || s.Rating != 8 {
		t.Fatalf("trakt reviews: %+v %+v", b, s)
	}
	obj := `{"watchlist":[{"rank":1,"listed_at":"2020-01-01T00:00:00.000Z","notes":null,"type":"show","show":{"title":"Breaking Bad","year":2008,"ids":{"tmdb":1396}}}],
		"history":[{"id":1,"watched_at":"2021-03-04T22:00:00.000Z","action":"watch","type":"movie","movie":{"title":"Batman Begins","year":2005,"ids":{"tmdb":272}}}]}`
	st = e.importDone(t, u.Access, "", []byte(obj))
	if st.section("bookmarks").Imported != 1 || st.section("diary").Skipped != 1 {
		t.Fatalf("trakt object: %+v", st.Report)
	}
	if ok, _ := e.DB.Ent.Bookmark.Query().Where(bookmark.UserID(u.ID), bookmark.ContentID(bb)).Exist(ctx); !ok {
		t.Fatal("watchlist not bookmarked")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	e.title(t, "movie", "Alien", "1979-05-25", 348)
	u := apptest.SignUp(t, e.App.App)
	before := e.userState(t, u.ID)
	z := zipOf(t, map[string]string{"ratings.csv": lbRatings, "reviews.csv": lbReviews, "watchlist.csv": lbWatchlist})
	st := e.importDone(t, u.Access, "dry_run=true", z)
	if !st.Report.DryRun || st.section("ratings").Imported != 2 || st.section("reviews").Imported != 1 || st.section("bookmarks").Imported != 1 {
		t.Fatalf("dry run report: %+v", st.Report)
	}
	if after := e.userState(t, u.ID); after != before {
		t.Fatalf("dry run wrote:\n%s\n%s", before, after)
	}
	// The real import does what the dry run said.
	imported := e.importDone(t, u.Access, "", z)
	if fmt.Sprint(imported.Report.Sections) != fmt.Sprint(st.Report.Sections) {
		t.Fatalf("dry run %+v\nimport %+v", st.Report.Sections, imported.Report.Sections)
	}
}

func TestMalformedFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	u := apptest.SignUp(t, e.App.App)
	before := e.userState(t, u.ID)
	tests := []struct {
		name, query, body string
		field, reason     string
	}{
		{"bad header", "", "Date,Title,Year\n2024-01-01,Fight Club,1999\n", "line 1", "is not a Letterboxd"},
		{"bad rating", "", "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Fight Club,1999,u,4.5\n2024-01-01,Fight Club,1999,u,4.3\n", "line 3", "Rating \"4.3\""},
		{"rating out of range", "", "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Fight Club,1999,u,6\n", "line 2", "0.5–5"},
		{"bad date", "", "Date,Name,Year,Letterboxd URI\n2024-13-01,Fight Club,1999,u\n", "line 2", "Date \"2024-13-01\""},
		{"bad watched date", "", lbDiary[:strings.Index(lbDiary, "\n")+1] + "2024-01-05,Fight Club,1999,u,4,,,05/01/2024\n", "line 2", "watched date"},
		{"wrong column count", "", "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Fight Club,1999,u,4\n2024-01-01,Fight Club,1999\n", "line 3", "wrong number of columns"},
		{"broken quotes", "", "Date,Name,Year,Letterboxd URI\n2024-01-01,\"Fight Club,1999,u\n", "line 2", "quote"},
		{"bad year", "", "Date,Name,Year,Letterboxd URI\n2024-01-01,Fight Club,199x,u\n", "line 2", "Year"},
		{"bad rewatch", "", lbDiary[:strings.Index(lbDiary, "\n")+1] + "2024-01-05,Fight Club,1999,u,4,Maybe,,2024-01-05\n", "line 2", "Rewatch"},
		{"invalid JSON", "", "[{\"rated_at\":\"2014-09-01T09:10:11.000Z\",\n\"rating\":10,,}]", "body", "invalid JSON"},
		{"duplicate key", "", `[{"rating":1,"rating":2}]`, "body", "duplicate key"},
		{"wrong type", "", `[{"rated_at":"2014-09-01T09:10:11.000Z","rating":"ten","type":"movie","movie":{"title":"X","year":2005}}]`, "[0]", "rating is a JSON string"},
		{"unknown item", "", `[{"type":"movie","movie":{"title":"X"}}]`, "[0]", "has none of"},
		{"trakt rating 11", "", `[{"rated_at":"2014-09-01T09:10:11.000Z","rating":11,"type":"movie","movie":{"title":"X","year":2005}}]`, "[0]", "rating 11"},
		{"bad object", "", `{"foo":[]}`, "body", "neither"},
		{"reelview version", "", `{"format":"reelview-export","version":2}`, "version", "must be 1"},
		{"reelview wrong type", "", `{"format":"reelview-export","version":1,"ratings":[{"content":{"title":"X"},"rating":"9"}]}`, "ratings[0]", "rating is a JSON string"},
		{"reelview bad title type", "", `{"format":"reelview-export","version":1,"ratings":[{"content":{"title":"X","type":"anime"},"rating":9}]}`, "ratings[0].content.type", "movie or tv"},
		{"blank", "", " \n ", "body", "is empty"},
		{"source mismatch", "source=trakt", lbRatings, "source", "CSV"},
		{"bad zip", "", "PK\x03\x04garbage", "body", "ZIP"},
		{"zip without files", "", string(zipOf(t, map[string]string{"profile.csv": "a\n"})), "body", "none of"},
		{"zip with a bad file", "", string(zipOf(t, map[string]string{"ratings.csv": lbRatings, "watchlist.csv": "Date,Name\n"})), "watchlist.csv line 1", "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.upload(t, u.Access, tt.query, "text/csv", []byte(tt.body))
			b := apptest.AssertError(t, res, http.StatusBadRequest, "VALIDATION_FAILED")
			for _, d := range b.Details {
				if strings.Contains(d.Field, tt.field) && strings.Contains(d.Reason, tt.reason) {
					return
				}
			}
			t.Fatalf("want a detail %q: %q, got %s", tt.field, tt.reason, res.Body)
		})
	}
	apptest.AssertError(t, e.upload(t, u.Access, "", "text/csv", nil), http.StatusBadRequest, "BAD_REQUEST")
	t.Cleanup(func() {
		if n := e.jobCount(t); n != 0 {
			t.Errorf("bad files queued %d jobs", n)
		}
		if after := e.userState(t, u.ID); after != before {
			t.Errorf("bad files wrote:\n%s", after)
		}
	})
}

// fakeTMDB answers with recorded payloads: Fight Club for movie 550, the
// "star wars" search for every search, 404 otherwise.
func fakeTMDB(t *testing.T) *httptest.Server {
	t.Helper()
	dir := filepath.Join("..", "tmdb", "testdata")
	files := map[string]string{"/configuration": "configuration.json", "/movie/550": "movie_550_details.json",
		"/search/movie": "search_movie_star_wars.json", "/genre/movie/list": "genre_movie_list.json"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[r.URL.Path]
		if !ok {
			name = "error_404_not_found.json"
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestUnmatchedWithTMDB(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeTMDB(t).URL)
	u := apptest.SignUp(t, e.App.App)
	file := `[{"rated_at":"2014-09-01T09:10:11.000Z","rating":9,"type":"movie","movie":{"title":"Fight Club","year":1999,"ids":{"tmdb":550}}},
	 {"rated_at":"2014-09-01T09:10:11.000Z","rating":5,"type":"movie","movie":{"title":"Nothing Like It","year":1990,"ids":{"tmdb":999999}}},
	 {"rated_at":"2014-09-01T09:10:11.000Z","rating":5,"type":"movie","movie":{"title":"Unfindable","year":1950}}]`
	ctx := context.Background()

	dry := e.importDone(t, u.Access, "dry_run=true", []byte(file))
	if n, _ := e.DB.Ent.Content.Query().Count(ctx); n != 0 || dry.Report.TitlesAdded != 2 || dry.section("ratings").Imported != 2 {
		t.Fatalf("dry run: %d contents, %+v", n, dry.Report)
	}
	st := e.importDone(t, u.Access, "", []byte(file))
	r := st.section("ratings")
	if r.Imported != 1 || r.Unmatched != 2 || st.Report.TitlesAdded != 1 {
		t.Fatalf("report: %+v", st.Report)
	}
	c, err := e.DB.Ent.Content.Query().Where(content.TmdbID(550)).Only(ctx)
	if err != nil || c.Title != "Fight Club" || c.RatingCount != 1 {
		t.Fatalf("imported title: %+v %v", c, err)
	}
	reasons := fmt.Sprint(r.Notes)
	if !strings.Contains(reasons, "TMDB import failed") || !strings.Contains(reasons, "nor found on TMDB") {
		t.Fatalf("notes: %s", reasons)
	}
}

// echo is a test section, as another module would add: it counts what it
// gets and keeps the entries' own fields (Data).
type echo struct {
	mu   sync.Mutex
	data []string
}

// echoEntry is what the echo section exports.
type echoEntry struct {
	Name  string `json:"name" example:"Noir"`
	Items []int  `json:"items"`
}

func (g *echo) Name() string { return "echo" }
func (g *echo) Entry() any   { return echoEntry{} }
func (g *echo) Export(context.Context, int) (portability.Exported, error) {
	return portability.Exported{JSON: []echoEntry{{Name: "Noir", Items: []int{1, 2}}}, CSV: [][]string{{"x"}}}, nil
}

func (g *echo) Import(_ context.Context, _ *ent.Tx, _ int, recs []portability.Record, _ bool) (portability.SectionReport, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range recs {
		g.data = append(g.data, string(r.Data))
	}
	return portability.SectionReport{Imported: len(recs)}, nil
}

// failing is a test section that fails after the others wrote.
type failing struct{}

func (failing) Name() string { return "zz-failing" }
func (failing) Entry() any   { return echoEntry{} }
func (failing) Export(context.Context, int) (portability.Exported, error) {
	return portability.Exported{JSON: []any{}, CSV: [][]string{{"x"}}}, nil
}

func (failing) Import(context.Context, *ent.Tx, int, []portability.Record, bool) (portability.SectionReport, error) {
	return portability.SectionReport{}, errors.New("disk on fire")
}

func TestRunningImport(t *testing.T) {
	t.Parallel()
	// TMDB holds the first title's details until released: the import stays
	// in its matching phase, outside any transaction.
	release, entered := make(chan struct{}), make(chan struct{})
	var once, enter sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	fake := fakeTMDB(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/movie/550" {
			enter.Do(func() { close(entered) })
			<-release
		}
		res, err := http.Get(fake.URL + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer res.Body.Close()
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(slow.Close)
	ec := &echo{}
	e := newEnv(t, slow.URL, fx.Provide(portability.AsSection(func() *echo { return ec })))
	alice, bob := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	doc := `{"format":"reelview-export","version":1,"echo":[{"name":"Noir","items":[1,2]},{}],
		"ratings":[{"content":{"type":"movie","tmdb_id":550,"title":"Fight Club","year":1999},"rating":8}]}`
	res := e.upload(t, alice.Access, "", "application/json", []byte(doc))
	apptest.AssertStatus(t, res, http.StatusAccepted)
	var q queued
	res.JSON(t, &q)
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the import never asked TMDB")
	}
	st := e.status(t, alice.Access, q.JobID)
	if st.State != "running" || st.Progress.Phase != "matching" || st.Progress.Total != 3 || st.Report != nil {
		t.Fatalf("running import: %+v", st)
	}
	// Other imports of alice's while it runs: all 409.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.upload(t, alice.Access, "", "text/csv", []byte(lbRatings)).Status
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusConflict {
			t.Fatalf("second imports while one runs: %v", codes)
		}
	}
	// Someone else's job is not found.
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID), bob.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", "/api/v1/users/me/import/999999", alice.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/api/v1/users/me/import/%d", q.JobID), "", ""), 401, "UNAUTHORIZED")
	once.Do(func() { close(release) })
	var done status
	apptest.Eventually(t, 20*time.Second, func() bool {
		done = e.status(t, alice.Access, q.JobID)
		return done.State == "completed"
	}, "import completed")
	if done.section("echo").Imported != 2 || done.section("ratings").Imported != 1 || done.Report.TitlesAdded != 1 {
		t.Fatalf("report: %+v", done.Report)
	}
	var first struct {
		Name  string `json:"name"`
		Items []int  `json:"items"`
	}
	if len(ec.data) != 2 || json.Unmarshal([]byte(ec.data[0]), &first) != nil || first.Name != "Noir" || len(first.Items) != 2 {
		t.Fatalf("the section got %q", ec.data)
	}
	// Once it is done, the next import is accepted.
	e.importDone(t, alice.Access, "", []byte(lbRatings))
}

func TestFailedImportWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", fx.Provide(portability.AsSection(func() failing { return failing{} })))
	e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	e.title(t, "movie", "Alien", "1979-05-25", 348)
	u := apptest.SignUp(t, e.App.App)
	before := e.userState(t, u.ID)
	doc := `{"format":"reelview-export","version":1,
		"ratings":[{"content":{"type":"movie","tmdb_id":550,"title":"Fight Club","year":1999},"rating":8}],
		"bookmarks":[{"content":{"type":"movie","tmdb_id":348,"title":"Alien","year":1979}}],
		"zz-failing":[{}]}`
	res := e.upload(t, u.Access, "", "application/json", []byte(doc))
	apptest.AssertStatus(t, res, http.StatusAccepted)
	var q queued
	res.JSON(t, &q)
	var st status
	apptest.Eventually(t, 20*time.Second, func() bool {
		st = e.status(t, u.Access, q.JobID)
		return st.LastError != nil
	}, "the import failed")
	if st.State == "completed" || st.Report != nil || !strings.Contains(*st.LastError, "disk on fire") {
		t.Fatalf("failed import: %+v", st)
	}
	if after := e.userState(t, u.ID); after != before {
		t.Fatalf("a failed import wrote:\n%s\n%s", before, after)
	}
}

// TestExportMatchesItsSchema: the JSON export of an empty account and of an
// account with entries in every section (the built-in ones, the diary and
// the lists, and a section added by another module) is valid against the
// schema the OpenAPI document declares, which names every section and
// refuses anything else; the CSV export has a documented content type.
func TestExportMatchesItsSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", social.Module, lists.Module, diary.Module,
		fx.Provide(portability.AsSection(func() *echo { return &echo{} })))
	doc := e.API.OpenAPI().Components.Schemas.Map()["Document"]
	for _, name := range []string{"format", "version", "exported_at", "profile",
		"bookmarks", "diary", "echo", "lists", "ratings", "reviews"} {
		if doc.Properties[name] == nil || !slices.Contains(doc.Required, name) {
			t.Errorf("the Document schema does not declare %q as required", name)
		}
	}
	if doc.AdditionalProperties != false {
		t.Errorf("the Document schema allows undeclared properties: %v", doc.AdditionalProperties)
	}

	alice := apptest.SignUp(t, e.App.App)
	e.export(t, alice.Access) // nothing in any section yet

	fight := e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	alien := e.title(t, "movie", "Alien", "1979-05-25", 0)
	for _, r := range []struct{ path, body string }{
		{fmt.Sprintf("/api/v1/contents/%d/reviews", fight), `{"rating":9,"body":"The twist still lands.","spoiler":true}`},
		{fmt.Sprintf("/api/v1/contents/%d/reviews", alien), `{"rating":7}`},
		{"/api/v1/users/me/diary", fmt.Sprintf(`{"content_id":%d,"watched_on":"2024-01-04","rewatch":true,"rating":9}`, fight)},
		{"/api/v1/users/me/diary", fmt.Sprintf(`{"content_id":%d,"watched_on":"2024-01-05"}`, alien)},
		{"/api/v1/lists", `{"title":"Empty","visibility":"PRIVATE"}`},
	} {
		apptest.AssertStatus(t, e.do(t, "POST", r.path, alice.Access, r.body), http.StatusCreated)
	}
	res := e.do(t, "POST", "/api/v1/lists", alice.Access, `{"title":"Heists","description":"One last job.","visibility":"PUBLIC"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var heists struct{ ID int }
	res.JSON(t, &heists)
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/api/v1/lists/%d/items/%d", heists.ID, fight), alice.Access, `{"note":"the vault"}`), http.StatusOK)
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/api/v1/contents/%d/bookmark", alien), alice.Access, ""), http.StatusNoContent)

	full := e.export(t, alice.Access)
	for _, name := range []string{"bookmarks", "diary", "echo", "lists", "ratings", "reviews"} {
		var es []json.RawMessage
		if err := json.Unmarshal(full[name], &es); err != nil || len(es) == 0 {
			t.Errorf("section %s has no entries to check: %s", name, full[name])
		}
	}

	res = e.do(t, "GET", "/api/v1/users/me/export?format=csv", alice.Access, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	e.assertDocumentedExport(t, res)
}

// TestRoundTripDiaryAndLists: with the diary and lists modules, their
// sections travel too: export → import into a fresh account → the same
// viewings and the same lists (titles, visibility, items in order, notes);
// a second import changes nothing; Letterboxd's diary.csv lands in the
// diary.
func TestRoundTripDiaryAndLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", social.Module, lists.Module, diary.Module)
	ctx := context.Background()
	fight := e.title(t, "movie", "Fight Club", "1999-10-15", 550)
	got := e.title(t, "tv", "Game of Thrones", "2011-04-17", 1399)
	local := e.title(t, "movie", "Home Movie", "2020-01-01", 0)
	alice, bob, carol := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	for _, body := range []string{
		fmt.Sprintf(`{"content_id":%d,"watched_on":"2024-01-04","rewatch":false,"rating":9}`, fight),
		fmt.Sprintf(`{"content_id":%d,"watched_on":"2024-02-01","rewatch":true}`, got),
		fmt.Sprintf(`{"content_id":%d,"watched_on":"2024-02-01","rewatch":false,"rating":3}`, local),
	} {
		apptest.AssertStatus(t, e.do(t, "POST", "/api/v1/users/me/diary", alice.Access, body), http.StatusCreated)
	}
	newList := func(body string) int {
		res := e.do(t, "POST", "/api/v1/lists", alice.Access, body)
		apptest.AssertStatus(t, res, http.StatusCreated)
		var l struct{ ID int }
		res.JSON(t, &l)
		return l.ID
	}
	heists := newList(`{"title":"Heists","description":"One last job.","visibility":"UNLISTED"}`)
	newList(`{"title":"Empty","visibility":"PRIVATE"}`)
	for _, it := range []struct {
		id   int
		body string
	}{{local, `{"note":"home"}`}, {got, `{}`}, {fight, `{"position":1,"note":"first"}`}} {
		apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/api/v1/lists/%d/items/%d", heists, it.id), alice.Access, it.body), http.StatusOK)
	}

	type viewing struct {
		Content   portability.Ref `json:"content"`
		WatchedOn string          `json:"watched_on"`
		Rewatch   bool            `json:"rewatch"`
		Rating    int             `json:"rating"`
	}
	type item struct {
		List struct {
			Title, Description, Visibility string
		} `json:"list"`
		Content  portability.Ref `json:"content"`
		Position int             `json:"position"`
		Note     string          `json:"note"`
	}
	read := func(doc map[string]json.RawMessage) ([]viewing, []item) {
		t.Helper()
		var vs []viewing
		var is []item
		if err := json.Unmarshal(doc["diary"], &vs); err != nil {
			t.Fatalf("diary: %v (%s)", err, doc["diary"])
		}
		if err := json.Unmarshal(doc["lists"], &is); err != nil {
			t.Fatalf("lists: %v (%s)", err, doc["lists"])
		}
		return vs, is
	}
	src := e.export(t, alice.Access)
	vs, is := read(src)
	if len(vs) != 3 || vs[0].Content.ID != fight || vs[0].Rating != 9 || !vs[1].Rewatch || vs[1].Content.ID != got {
		t.Fatalf("exported diary: %+v", vs)
	}
	if len(is) != 4 || is[0].List.Title != "Heists" || is[0].Content.ID != fight || is[0].Note != "first" || is[1].Content.ID != local ||
		is[3].List.Title != "Empty" || is[3].Content != (portability.Ref{}) {
		t.Fatalf("exported lists: %+v", is)
	}
	raw, _ := json.Marshal(src)
	st := e.importDone(t, bob.Access, "source=reelview", raw)
	if d, l := st.section("diary"), st.section("lists"); d.Imported != 3 || l.Imported != 4 || d.Skipped+l.Skipped+d.Unmatched+l.Unmatched != 0 {
		t.Fatalf("report: diary %+v, lists %+v", d, l)
	}
	dvs, dis := read(e.export(t, bob.Access))
	if fmt.Sprint(dvs) != fmt.Sprint(vs) || fmt.Sprint(dis) != fmt.Sprint(is) {
		t.Errorf("after the round trip:\n%+v\n%+v\nwant\n%+v\n%+v", dvs, dis, vs, is)
	}
	count := func() (int, int, int) {
		d, _ := e.DB.Ent.DiaryEntry.Query().Where(diaryentry.UserID(bob.ID)).Count(ctx)
		l, _ := e.DB.Ent.List.Query().Where(list.UserID(bob.ID)).Count(ctx)
		i, _ := e.DB.Ent.ListItem.Query().Where(listitem.HasListWith(list.UserID(bob.ID))).Count(ctx)
		return d, l, i
	}
	if d, l, i := count(); d != 3 || l != 2 || i != 3 {
		t.Fatalf("bob has %d viewings, %d lists, %d items", d, l, i)
	}
	st = e.importDone(t, bob.Access, "", raw)
	if d, l := st.section("diary"), st.section("lists"); d.Imported+l.Imported != 0 || d.Skipped != 3 || l.Skipped != 4 {
		t.Fatalf("second import: diary %+v, lists %+v", d, l)
	}
	if d, l, i := count(); d != 3 || l != 2 || i != 3 {
		t.Fatalf("after a second import bob has %d viewings, %d lists, %d items", d, l, i)
	}

	st = e.importDone(t, carol.Access, "", []byte(lbDiary))
	if d := st.section("diary"); d.Imported != 1 {
		t.Fatalf("letterboxd diary: %+v", d)
	}
	ds, err := e.DB.Ent.DiaryEntry.Query().Where(diaryentry.UserID(carol.ID)).All(ctx)
	if err != nil || len(ds) != 1 || ds[0].ContentID != fight || ds[0].WatchedOn.Format(time.DateOnly) != "2024-01-04" ||
		!ds[0].Rewatch || ds[0].Rating == nil || *ds[0].Rating != 9 {
		t.Fatalf("carol's diary: %+v %v", ds, err)
	}

	// A list entry out of bounds is refused at upload, naming it.
	bad := `{"format":"reelview-export","version":1,"lists":[{"list":{"key":1,"title":""},"content":{"type":"movie","tmdb_id":550,"title":"Fight Club","year":1999}}]}`
	b := apptest.AssertError(t, e.upload(t, carol.Access, "", "application/json", []byte(bad)), http.StatusBadRequest, "VALIDATION_FAILED")
	if !strings.Contains(fmt.Sprint(b.Details), "lists[0]") {
		t.Errorf("details %v", b.Details)
	}
}
