package tmdb_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/schema"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/tmdb"
)

func newApp(t *testing.T, f *fakeTMDB, key string) *apptest.App {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.TMDB.BaseURL, cfg.TMDB.APIKey = f.URL, key
	cfg.TMDB.CallTimeout, cfg.TMDB.MaxRetries = 2*time.Second, 1
	return apptest.NewWithConfig(t, cfg, auth.Module, contents.Module, tmdb.Module)
}

func TestImport(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := newApp(t, f, apiKey)
	admin := apptest.SignUpAdmin(t, a)
	user := apptest.SignUp(t, a.App)
	ctx := context.Background()
	post := func(token, body string) *apptest.Response {
		return apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/import", token, body)
	}
	apptest.AssertError(t, post("", `{"type":"movie","tmdb_id":550}`), 401, "UNAUTHORIZED")
	apptest.AssertError(t, post(user.Access, `{"type":"movie","tmdb_id":550}`), 403, "FORBIDDEN")
	apptest.AssertError(t, post(admin.Access, `{"type":"anime","tmdb_id":550}`), 400, "VALIDATION_FAILED")
	apptest.AssertError(t, post(admin.Access, `{"type":"movie","tmdb_id":0}`), 400, "VALIDATION_FAILED")
	apptest.AssertError(t, post(admin.Access, `{"type":"movie","tmdb_id":999}`), 404, "RESOURCE_NOT_FOUND")
	if n, _ := a.DB.Ent.Content.Query().Count(ctx); n != 0 {
		t.Fatalf("rejected imports created %d contents", n)
	}

	res := post(admin.Access, `{"type":"movie","tmdb_id":550}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var out struct {
		ContentID int  `json:"content_id"`
		Created   bool `json:"created"`
	}
	res.JSON(t, &out)
	c, err := a.DB.Ent.Content.Query().Where(content.ID(out.ContentID)).WithGenres().Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Fight Club" || c.TmdbID == nil || *c.TmdbID != 550 || c.ReleaseDate == nil ||
		c.ReleaseDate.Format(time.DateOnly) != "1999-10-15" || c.RuntimeMinutes == nil || *c.RuntimeMinutes != 139 ||
		!strings.HasPrefix(c.PosterURL, "https://image.tmdb.org/t/p/w500/") || len(c.Edges.Genres) == 0 {
		t.Fatalf("imported: %+v genres %d", c, len(c.Edges.Genres))
	}
	genresBefore, _ := a.DB.Ent.Genre.Query().Count(ctx)

	// Twice: the same content, nothing duplicated.
	res = post(admin.Access, `{"type":"movie","tmdb_id":550}`)
	apptest.AssertStatus(t, res, http.StatusOK)
	var again struct {
		ContentID int  `json:"content_id"`
		Created   bool `json:"created"`
	}
	res.JSON(t, &again)
	genresAfter, _ := a.DB.Ent.Genre.Query().Count(ctx)
	if n, _ := a.DB.Ent.Content.Query().Count(ctx); n != 1 || again.ContentID != out.ContentID || again.Created || genresAfter != genresBefore {
		t.Fatalf("second import: %d contents, %+v, genres %d → %d", n, again, genresBefore, genresAfter)
	}
	// Both answers are in the document, with the result as their body.
	for _, status := range []string{"201", "200"} {
		r := a.API.OpenAPI().Paths["/api/v1/admin/tmdb/import"].Post.Responses[status]
		if r == nil || r.Content["application/json"] == nil || r.Content["application/json"].Schema.Ref != "#/components/schemas/ImportResult" {
			t.Errorf("POST /admin/tmdb/import answers %s, which the document does not declare with its body", status)
		}
	}

	// A deleted content comes back on re-import.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/contents/"+itoa(out.ContentID), admin.Access, ""), 204)
	apptest.AssertStatus(t, post(admin.Access, `{"type":"movie","tmdb_id":550}`), http.StatusOK)
	if n, _ := a.DB.Ent.Content.Query().Count(schema.SkipSoftDelete(ctx)); n != 1 {
		t.Fatalf("%d rows after re-importing a deleted content", n)
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/contents/"+itoa(out.ContentID), "", ""), 200)

	// TV fields map onto the common shape.
	res = post(admin.Access, `{"type":"tv","tmdb_id":1399}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	res.JSON(t, &out)
	tv, _ := a.DB.Ent.Content.Get(ctx, out.ContentID)
	if tv.Type != content.TypeTv || tv.Title != "Game of Thrones" || tv.ReleaseDate == nil || tv.ReleaseDate.Year() != 2011 {
		t.Errorf("tv: %+v", tv)
	}
}

func TestSearchAndGenreSync(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := newApp(t, f, apiKey)
	admin := apptest.SignUpAdmin(t, a)
	user := apptest.SignUp(t, a.App)
	ctx := context.Background()
	local, err := a.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle("Star Wars").SetTmdbID(11).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/tmdb/search?q=star%20wars", "", ""), 401, "UNAUTHORIZED")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/tmdb/search", user.Access, ""), 400, "VALIDATION_FAILED")
	res := apptest.Do(t, a.App, "GET", "/api/v1/tmdb/search?q=star%20wars&type=movie", user.Access, "")
	apptest.AssertStatus(t, res, 200)
	var s struct {
		Items []struct {
			TmdbID    int64 `json:"tmdb_id"`
			InCatalog bool  `json:"in_catalog"`
			ContentID *int  `json:"content_id"`
		} `json:"items"`
	}
	res.JSON(t, &s)
	marked := 0
	for _, it := range s.Items {
		if it.InCatalog {
			marked++
			if it.TmdbID != 11 || it.ContentID == nil || *it.ContentID != local.ID {
				t.Errorf("wrongly marked: %+v", it)
			}
		}
	}
	if len(s.Items) == 0 || marked != 1 {
		t.Errorf("%d results, %d marked in catalog", len(s.Items), marked)
	}

	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/genres/sync", user.Access, ""), 403, "FORBIDDEN")
	for range 2 { // idempotent
		apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/genres/sync", admin.Access, ""), 200)
	}
	if n, _ := a.DB.Ent.Genre.Query().Count(ctx); n != 35 {
		t.Errorf("%d genres after syncing 19 movie and 16 TV genres", n)
	}
}

func TestNotConfigured(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := newApp(t, f, "")
	admin := apptest.SignUpAdmin(t, a)
	res := apptest.Do(t, a.App, "POST", "/api/v1/admin/tmdb/import", admin.Access, `{"type":"movie","tmdb_id":550}`)
	b := apptest.AssertError(t, res, 503, "SERVICE_UNAVAILABLE")
	if !strings.Contains(b.Message, "TMDB_API_KEY") {
		t.Errorf("message %q does not say how to configure TMDB", b.Message)
	}
	if f.hits.Load() != 0 {
		t.Error("TMDB called without credentials")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
