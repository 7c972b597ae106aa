package diary_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/diaryentry"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/diary"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

type env struct{ *apptest.App }

func newEnv(t testing.TB) env {
	t.Helper()
	return env{apptest.New(t, auth.Module, users.Module, contents.Module, reviews.Module, diary.Module)}
}

func (e env) do(t testing.TB, method, path, token, body string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, e.App.App, method, "/api/v1"+path, token, body)
}

func (e env) content(t testing.TB, title string) int {
	t.Helper()
	c, err := e.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle(title).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (e env) review(t testing.TB, who apptest.Account, contentID int) int {
	t.Helper()
	res := e.do(t, "POST", fmt.Sprintf("/contents/%d/reviews", contentID), who.Access, `{"rating":7,"body":"fine"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r struct{ ID int }
	res.JSON(t, &r)
	return r.ID
}

type entry struct {
	ID      int `json:"id"`
	Content struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
	} `json:"content"`
	WatchedOn string `json:"watched_on"`
	Rewatch   bool   `json:"rewatch"`
	Rating    *int   `json:"rating"`
	ReviewID  *int   `json:"review_id"`
}

func (e env) log(t testing.TB, who apptest.Account, body string) entry {
	t.Helper()
	res := e.do(t, "POST", "/users/me/diary", who.Access, body)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var out entry
	res.JSON(t, &out)
	return out
}

type page struct {
	Items      []entry `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (e env) diary(t testing.TB, who apptest.Account, query string) page {
	t.Helper()
	res := e.do(t, "GET", "/users/me/diary"+query, who.Access, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var p page
	res.JSON(t, &p)
	return p
}

func (e env) count(t testing.TB) int {
	t.Helper()
	n, err := e.DB.Ent.DiaryEntry.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLogAndList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := apptest.SignUp(t, e.App.App)
	alien, heat := e.content(t, "Alien"), e.content(t, "Heat")
	r := e.review(t, ada, alien)

	got := e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-10-31","rating":9,"review_id":%d}`, alien, r))
	if got.Content.ID != alien || got.Content.Title != "Alien" || got.WatchedOn != "2026-10-31" || got.Rewatch ||
		got.Rating == nil || *got.Rating != 9 || got.ReviewID == nil || *got.ReviewID != r {
		t.Errorf("logged: %+v", got)
	}
	// Rewatches are more entries of the same content.
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-02","rewatch":true}`, alien))
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-02"}`, heat))
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2025-01-15"}`, heat))

	all := e.diary(t, ada, "")
	want := []string{"2026-11-02 Heat", "2026-11-02 Alien", "2026-10-31 Alien", "2025-01-15 Heat"}
	if len(all.Items) != len(want) || all.NextCursor != nil {
		t.Fatalf("diary: %+v", all)
	}
	for i, it := range all.Items {
		if s := it.WatchedOn + " " + it.Content.Title; s != want[i] {
			t.Errorf("item %d: %s, want %s", i, s, want[i])
		}
	}
	// Walking by cursor gives the same order, each entry once.
	var walked []string
	q := "?size=1"
	for {
		p := e.diary(t, ada, q)
		for _, it := range p.Items {
			walked = append(walked, it.WatchedOn+" "+it.Content.Title)
		}
		if p.NextCursor == nil {
			break
		}
		q = "?size=1&cursor=" + *p.NextCursor
	}
	if fmt.Sprint(walked) != fmt.Sprint(want) {
		t.Errorf("walked %v, want %v", walked, want)
	}
	if p := e.diary(t, ada, "?month=2026-11"); len(p.Items) != 2 {
		t.Errorf("november: %+v", p)
	}
	if p := e.diary(t, ada, "?month=2025-01"); len(p.Items) != 1 || p.Items[0].Content.ID != heat {
		t.Errorf("january 2025: %+v", p)
	}
	if p := e.diary(t, ada, "?month=2024-01"); len(p.Items) != 0 || p.NextCursor != nil {
		t.Errorf("empty month: %+v", p)
	}
	for _, bad := range []string{"2026-13", "2026-1", "november", "2026-11-01"} {
		apptest.AssertError(t, e.do(t, "GET", "/users/me/diary?month="+bad, ada.Access, ""), http.StatusBadRequest, "VALIDATION_FAILED")
	}
	apptest.AssertError(t, e.do(t, "GET", "/users/me/diary?cursor=garbage", ada.Access, ""), http.StatusBadRequest, "VALIDATION_FAILED")
	// Another user's diary is their own; anonymous callers have none.
	if p := e.diary(t, apptest.SignUp(t, e.App.App), ""); len(p.Items) != 0 {
		t.Errorf("someone else sees %+v", p)
	}
	apptest.AssertError(t, e.do(t, "GET", "/users/me/diary", "", ""), http.StatusUnauthorized, "UNAUTHORIZED")

	// A deleted content leaves the diary.
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/contents/%d", heat), apptest.SignUpAdmin(t, e.App).Access, ""), http.StatusNoContent)
	if p := e.diary(t, ada, ""); len(p.Items) != 2 {
		t.Errorf("after deleting Heat: %+v", p)
	}
}

func TestLogRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	alien, heat := e.content(t, "Alien"), e.content(t, "Heat")
	adaOnHeat, bobOnAlien := e.review(t, ada, heat), e.review(t, bob, alien)
	deleted := e.review(t, ada, alien)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", deleted), ada.Access, ""), http.StatusNoContent)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	inTwoDays := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":%q}`, alien, tomorrow)) // time-zone slack
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"1870-01-01"}`, alien))
	before := e.count(t)

	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"day after tomorrow", fmt.Sprintf(`{"content_id":%d,"watched_on":%q}`, alien, inTwoDays), 400, "VALIDATION_FAILED"},
		{"before 1870", fmt.Sprintf(`{"content_id":%d,"watched_on":"1869-12-31"}`, alien), 400, "VALIDATION_FAILED"},
		{"not a date", fmt.Sprintf(`{"content_id":%d,"watched_on":"yesterday"}`, alien), 400, "VALIDATION_FAILED"},
		{"a time, not a day", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01T20:00:00Z"}`, alien), 400, "VALIDATION_FAILED"},
		{"no day", fmt.Sprintf(`{"content_id":%d}`, alien), 400, "VALIDATION_FAILED"},
		{"rating 0", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","rating":0}`, alien), 400, "VALIDATION_FAILED"},
		{"rating 11", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","rating":11}`, alien), 400, "VALIDATION_FAILED"},
		{"unknown content", `{"content_id":999999,"watched_on":"2026-11-01"}`, 404, "RESOURCE_NOT_FOUND"},
		{"someone else's review", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":%d}`, alien, bobOnAlien), 403, "FORBIDDEN"},
		{"review of another content", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":%d}`, alien, adaOnHeat), 400, "VALIDATION_FAILED"},
		{"deleted review", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":%d}`, alien, deleted), 404, "RESOURCE_NOT_FOUND"},
		{"unknown review", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":999999}`, alien), 404, "RESOURCE_NOT_FOUND"},
		{"unknown field", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","user_id":%d}`, alien, bob.ID), 400, "VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apptest.AssertError(t, e.do(t, "POST", "/users/me/diary", ada.Access, tt.body), tt.status, tt.code)
		})
	}
	apptest.AssertError(t, e.do(t, "POST", "/users/me/diary", "", fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01"}`, alien)),
		http.StatusUnauthorized, "UNAUTHORIZED")
	if n := e.count(t); n != before {
		t.Errorf("%d entries after refused requests, want %d", n, before)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	alien := e.content(t, "Alien")
	r := e.review(t, ada, alien)
	bobs := e.review(t, bob, alien)
	got := e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","rating":6}`, alien))
	path := fmt.Sprintf("/users/me/diary/%d", got.ID)

	res := e.do(t, "PATCH", path, ada.Access, fmt.Sprintf(`{"watched_on":"2026-11-03","rewatch":true,"review_id":%d}`, r))
	apptest.AssertStatus(t, res, http.StatusOK)
	var upd entry
	res.JSON(t, &upd)
	if upd.WatchedOn != "2026-11-03" || !upd.Rewatch || upd.Rating == nil || *upd.Rating != 6 || upd.ReviewID == nil || *upd.ReviewID != r {
		t.Errorf("patched: %+v", upd)
	}
	res = e.do(t, "PATCH", path, ada.Access, `{"rating":0,"review_id":0}`)
	apptest.AssertStatus(t, res, http.StatusOK)
	res.JSON(t, &upd)
	if upd.Rating != nil || upd.ReviewID != nil || upd.WatchedOn != "2026-11-03" {
		t.Errorf("cleared: %+v", upd)
	}
	// Bad changes and other people's entries change nothing.
	for _, c := range []struct {
		who    apptest.Account
		body   string
		status int
		code   string
	}{
		{ada, `{"watched_on":"1700-01-01"}`, 400, "VALIDATION_FAILED"},
		{ada, `{"rating":11}`, 400, "VALIDATION_FAILED"},
		{ada, fmt.Sprintf(`{"review_id":%d}`, bobs), 403, "FORBIDDEN"},
		{ada, `{"content_id":1}`, 400, "VALIDATION_FAILED"},
		{bob, `{"rating":1}`, 404, "RESOURCE_NOT_FOUND"},
	} {
		apptest.AssertError(t, e.do(t, "PATCH", path, c.who.Access, c.body), c.status, c.code)
	}
	row, err := e.DB.Ent.DiaryEntry.Get(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if row.WatchedOn.UTC().Format(time.DateOnly) != "2026-11-03" || row.Rating != nil || row.ReviewID != nil || !row.Rewatch {
		t.Errorf("row after refusals: %+v", row)
	}
	apptest.AssertError(t, e.do(t, "DELETE", path, bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertStatus(t, e.do(t, "DELETE", path, ada.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "DELETE", path, ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "PATCH", path, ada.Access, `{"rating":5}`), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	if n := e.count(t); n != 0 {
		t.Errorf("%d entries left", n)
	}
}

// A linked review that is deleted later shows as no review.
func TestDeletedReviewUnlinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := apptest.SignUp(t, e.App.App)
	alien := e.content(t, "Alien")
	r := e.review(t, ada, alien)
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01","review_id":%d}`, alien, r))
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", r), ada.Access, ""), http.StatusNoContent)
	if p := e.diary(t, ada, ""); len(p.Items) != 1 || p.Items[0].ReviewID != nil {
		t.Errorf("diary: %+v", p)
	}
}

type watchedState struct {
	ID            int     `json:"id"`
	Watched       *bool   `json:"watched"`
	LastWatchedOn *string `json:"last_watched_on"`
}

func TestWatchedState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := apptest.SignUp(t, e.App.App), apptest.SignUp(t, e.App.App)
	alien, heat := e.content(t, "Alien"), e.content(t, "Heat")
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-01"}`, alien))
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-20","rewatch":true}`, alien))
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-10-01"}`, alien))

	detail := func(token string, id int) watchedState {
		res := e.do(t, "GET", fmt.Sprintf("/contents/%d", id), token, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var w watchedState
		res.JSON(t, &w)
		return w
	}
	// Anonymous first, so the shared cache is filled without caller state.
	if w := detail("", alien); w.Watched != nil || w.LastWatchedOn != nil {
		t.Errorf("anonymous: %+v", w)
	}
	if w := detail(ada.Access, alien); w.Watched == nil || !*w.Watched || w.LastWatchedOn == nil || *w.LastWatchedOn != "2026-11-20" {
		t.Errorf("ada on alien: %+v", w)
	}
	if w := detail(ada.Access, heat); w.Watched == nil || *w.Watched || w.LastWatchedOn != nil {
		t.Errorf("ada on heat: %+v", w)
	}
	if w := detail(bob.Access, alien); w.Watched == nil || *w.Watched || w.LastWatchedOn != nil {
		t.Errorf("bob on alien: %+v", w)
	}
	if w := detail("", alien); w.Watched != nil || w.LastWatchedOn != nil {
		t.Errorf("anonymous after signed-in reads: %+v", w)
	}

	res := e.do(t, "GET", "/contents?sort=title&order=asc", ada.Access, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var list struct{ Items []watchedState }
	res.JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != alien || !*list.Items[0].Watched || *list.Items[0].LastWatchedOn != "2026-11-20" ||
		*list.Items[1].Watched || list.Items[1].LastWatchedOn != nil {
		t.Errorf("list: %+v", list.Items)
	}
	// Logging a viewing shows at once in the caller's view.
	e.log(t, ada, fmt.Sprintf(`{"content_id":%d,"watched_on":"2026-11-21"}`, heat))
	if w := detail(ada.Access, heat); !*w.Watched || *w.LastWatchedOn != "2026-11-21" {
		t.Errorf("ada on heat after logging: %+v", w)
	}
}

// The export and import helpers used by the account data export.
func TestExportImportHelpers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := apptest.SignUp(t, e.App.App)
	alien := e.content(t, "Alien")
	svc := diary.NewService(e.DB.Ent)
	ctx := context.Background()
	rating := 8
	tx, err := e.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := svc.InsertEntries(ctx, tx, ada.ID, []diary.NewEntry{
		{ContentID: alien, WatchedOn: "2020-02-02", Rating: &rating},
		{ContentID: alien, WatchedOn: "2021-03-03", Rewatch: true},
	})
	if err != nil || len(ids) != 2 {
		t.Fatalf("insert: %v %v", ids, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A bad entry refuses the batch; the caller rolls back.
	tx, err = e.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.InsertEntries(ctx, tx, ada.ID, []diary.NewEntry{{ContentID: alien, WatchedOn: "2020-02-02"}, {ContentID: 999999, WatchedOn: "2020-02-02"}}); err == nil {
		t.Error("unknown content accepted")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	all, err := svc.AllEntries(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].WatchedOn != "2020-02-02" || *all[0].Rating != 8 || !all[1].Rewatch || all[1].Content.Title != "Alien" {
		t.Errorf("export: %+v", all)
	}
	if n, _ := e.DB.Ent.DiaryEntry.Query().Where(diaryentry.UserID(ada.ID)).Count(ctx); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}
