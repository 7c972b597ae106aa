package contents_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/schema"
	"github.com/reelview/reelview/modules/contents"
)

func TestBookmarksAreExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Popular"}, seedContent{typ: "movie", title: "Other"})
	path := fmt.Sprintf("/api/v1/contents/%d/bookmark", ids[0])
	count := func() int {
		c, err := e.DB.Ent.Content.Get(context.Background(), ids[0])
		if err != nil {
			t.Fatal(err)
		}
		return c.BookmarkCount
	}
	const users = 50
	accounts := make([]apptest.Account, users)
	for i := range accounts {
		accounts[i] = apptest.SignUp(t, e.App.App)
	}
	var wg sync.WaitGroup
	for _, acc := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", path, acc.Access, ""), http.StatusNoContent)
		}()
	}
	wg.Wait()
	if got := count(); got != users {
		t.Fatalf("bookmark_count %d after %d users bookmarked, want %d", got, users, users)
	}
	one := accounts[0]
	for _, method := range []string{"PUT", "DELETE"} {
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				apptest.AssertStatus(t, apptest.Do(t, e.App.App, method, path, one.Access, ""), http.StatusNoContent)
			}()
		}
		wg.Wait()
		want := users
		if method == "DELETE" {
			want = users - 1
		}
		if got := count(); got != want {
			t.Fatalf("after 20 concurrent %s by one user: bookmark_count %d, want %d", method, got, want)
		}
	}
	if n, _ := e.DB.Ent.Bookmark.Query().Count(context.Background()); n != users-1 {
		t.Errorf("%d bookmark rows, want %d", n, users-1)
	}
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PUT", "/api/v1/contents/999999/bookmark", one.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PUT", path, "", ""), 401, "UNAUTHORIZED")
}

func TestMyBookmarksNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "First"}, seedContent{typ: "movie", title: "Second"},
		seedContent{typ: "movie", title: "Third"})
	acc := apptest.SignUp(t, e.App.App)
	for _, id := range ids {
		apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", fmt.Sprintf("/api/v1/contents/%d/bookmark", id), acc.Access, ""), 204)
	}
	res := apptest.Do(t, e.App.App, "GET", "/api/v1/users/me/bookmarks?size=2", acc.Access, "")
	apptest.AssertStatus(t, res, 200)
	var p page
	res.JSON(t, &p)
	if got := strings.Join(titles(p), ","); got != "Third,Second" || p.TotalItems != 3 || !*p.Items[0].Bookmarked {
		t.Errorf("bookmarks: %s %+v", got, p)
	}
	// Another user's bookmarks are not mine.
	other := apptest.SignUp(t, e.App.App)
	res = apptest.Do(t, e.App.App, "GET", "/api/v1/users/me/bookmarks", other.Access, "")
	res.JSON(t, &p)
	if p.TotalItems != 0 {
		t.Errorf("another user sees %d bookmarks", p.TotalItems)
	}
}

func TestAdminCuration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := apptest.SignUpAdmin(t, e.App)
	user := apptest.SignUp(t, e.App.App)
	drama := seedGenre(t, e.DB.Ent, "movie", "Drama")
	tvGenre := seedGenre(t, e.DB.Ent, "tv", "Soap")
	ctx := context.Background()
	countContents := func() int {
		n, err := e.DB.Ent.Content.Query().Count(schema.SkipSoftDelete(ctx))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	body := fmt.Sprintf(`{"type":"movie","title":"Heat","release_date":"1995-12-15","genre_ids":[%d],"tmdb_id":949}`, drama)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/contents", "", body), 401, "UNAUTHORIZED")
	apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/contents", user.Access, body), 403, "FORBIDDEN")
	for _, bad := range []string{
		`{"type":"movie","title":""}`,
		`{"type":"movie","title":"` + strings.Repeat("t", 301) + `"}`,
		`{"type":"anime","title":"X"}`,
		`{"type":"movie","title":"X","release_date":"15/12/1995"}`,
		fmt.Sprintf(`{"type":"movie","title":"X","genre_ids":[%d]}`, tvGenre),
		`{"type":"movie","title":"X","poster_url":"http://insecure.example/p.jpg"}`,
		`{"type":"movie","title":"X","avg_rating":10}`,
	} {
		before := countContents()
		apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/contents", admin.Access, bad), 400, "VALIDATION_FAILED")
		if countContents() != before {
			t.Errorf("%s created a content", bad)
		}
	}
	res := apptest.Do(t, e.App.App, "POST", "/api/v1/contents", admin.Access, body)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var d item
	res.JSON(t, &d)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/contents", admin.Access, body), 409, "DUPLICATE_RESOURCE")

	path := fmt.Sprintf("/api/v1/contents/%d", d.ID)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PATCH", path, user.Access, `{"title":"Hacked"}`), 403, "FORBIDDEN")
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PATCH", path, admin.Access, `{"type":"tv"}`), 400, "VALIDATION_FAILED")
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PATCH", path, admin.Access, `{"title":"Heat (1995)","genre_ids":[]}`), 200)
	c, _ := e.DB.Ent.Content.Query().WithGenres().Only(ctx)
	if c.Title != "Heat (1995)" || len(c.Edges.Genres) != 0 || c.ReleaseDate == nil {
		t.Errorf("after patch: %+v", c)
	}

	apptest.AssertError(t, apptest.Do(t, e.App.App, "DELETE", path, user.Access, ""), 403, "FORBIDDEN")
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "DELETE", path, admin.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "DELETE", path, admin.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PATCH", path, admin.Access, `{"title":"Back"}`), 404, "RESOURCE_NOT_FOUND")
}

func TestSoftDeleteHidesContentEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := apptest.SignUpAdmin(t, e.App)
	acc := apptest.SignUp(t, e.App.App)
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Vanishing"}, seedContent{typ: "movie", title: "Staying"})
	path := fmt.Sprintf("/api/v1/contents/%d", ids[0])
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", path+"/bookmark", acc.Access, ""), 204)
	addReview(t, e, acc.ID, ids[0], 7)
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "GET", path, "", ""), 200) // now cached

	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "DELETE", path, admin.Access, ""), 204)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "GET", path, "", ""), 404, "RESOURCE_NOT_FOUND")
	if got := strings.Join(titles(list(t, e, "", "")), ","); got != "Staying" {
		t.Errorf("list: %s", got)
	}
	if p := list(t, e, "q=vanish", ""); p.TotalItems != 0 {
		t.Errorf("search still finds it")
	}
	var bm page
	apptest.Do(t, e.App.App, "GET", "/api/v1/users/me/bookmarks", acc.Access, "").JSON(t, &bm)
	if bm.TotalItems != 0 || len(bm.Items) != 0 {
		t.Errorf("bookmarks still list it: %+v", bm)
	}
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PUT", path+"/bookmark", acc.Access, ""), 404, "RESOURCE_NOT_FOUND")
	// Its reviews stay in the database.
	if n, _ := e.DB.Ent.Review.Query().Count(context.Background()); n != 1 {
		t.Errorf("%d reviews left, want 1", n)
	}
}

func TestCacheInvalidationAndETags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := apptest.SignUpAdmin(t, e.App)
	drama := seedGenre(t, e.DB.Ent, "movie", "Drama")
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Before", genres: []int{drama}})
	path := fmt.Sprintf("/api/v1/contents/%d", ids[0])
	get := func(etag string) *apptest.Response {
		return apptest.Send(t, e.App.App, apptest.Request{Method: "GET", Path: path, Header: map[string]string{"If-None-Match": etag}})
	}
	res := get("")
	apptest.AssertStatus(t, res, 200)
	etag := res.Header.Get("ETag")
	if etag == "" || res.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("headers: %v", res.Header)
	}
	res = get(etag)
	if res.Status != http.StatusNotModified || len(res.Body) != 0 || res.Header.Get("Content-Type") != "" {
		t.Fatalf("If-None-Match: status %d, Content-Type %q, body %q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	// Each kind of change shows on the next GET and changes the ETag.
	for _, change := range []func(){
		func() {
			apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PATCH", path, admin.Access, `{"title":"After"}`), 200)
		},
		func() {
			apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PATCH", fmt.Sprintf("/api/v1/genres/%d", drama), admin.Access, `{"name":"Melodrama"}`), 200)
		},
		func() { addReview(t, e, admin.ID, ids[0], 9) },
		func() {
			apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", path+"/bookmark", admin.Access, ""), 204)
		},
	} {
		change()
		res = get(etag)
		apptest.AssertStatus(t, res, 200)
		if res.Header.Get("ETag") == etag {
			t.Fatal("ETag unchanged after a change")
		}
		etag = res.Header.Get("ETag")
	}
	var d item
	res.JSON(t, &d)
	if d.Title != "After" || d.Genres[0].Name != "Melodrama" || d.RatingCount != 1 || d.BookmarkCount != 1 {
		t.Errorf("stale detail: %+v", d)
	}
	// Lists have ETags too.
	lres := apptest.Do(t, e.App.App, "GET", "/api/v1/contents", "", "")
	lres2 := apptest.Send(t, e.App.App, apptest.Request{Method: "GET", Path: "/api/v1/contents",
		Header: map[string]string{"If-None-Match": lres.Header.Get("ETag")}})
	apptest.AssertStatus(t, lres2, http.StatusNotModified)
}

func TestGenresAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := apptest.SignUpAdmin(t, e.App)
	res := apptest.Do(t, e.App.App, "POST", "/api/v1/genres", admin.Access, `{"type":"movie","name":"Noir","tmdb_id":9999}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var g struct{ ID int }
	res.JSON(t, &g)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/genres", admin.Access, `{"type":"movie","name":"Noir"}`), 409, "DUPLICATE_RESOURCE")
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "POST", "/api/v1/genres", admin.Access, `{"type":"tv","name":"Noir"}`), http.StatusCreated)
	seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "The Third Man", genres: []int{g.ID}})
	gpath := fmt.Sprintf("/api/v1/genres/%d", g.ID)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "DELETE", gpath, admin.Access, ""), 409, "DUPLICATE_RESOURCE")
	unused := seedGenre(t, e.DB.Ent, "movie", "Unused")
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "DELETE", fmt.Sprintf("/api/v1/genres/%d", unused), admin.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "DELETE", fmt.Sprintf("/api/v1/genres/%d", unused), admin.Access, ""), 404, "RESOURCE_NOT_FOUND")
	var list struct{ Items []struct{ Name, Type string } }
	apptest.Do(t, e.App.App, "GET", "/api/v1/genres?type=movie", "", "").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "Noir" {
		t.Errorf("genres: %+v", list)
	}
	user := apptest.SignUp(t, e.App.App)
	apptest.AssertError(t, apptest.Do(t, e.App.App, "POST", "/api/v1/genres", user.Access, `{"type":"movie","name":"X"}`), 403, "FORBIDDEN")
	apptest.AssertError(t, apptest.Do(t, e.App.App, "PATCH", gpath, "", `{"name":"X"}`), 401, "UNAUTHORIZED")
}

// countingDriver counts the statements sent to the database.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

// TestListQueriesAreBounded: listing 100 contents with genres and the
// caller's state costs as many queries as listing 5.
func TestListQueriesAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drama := seedGenre(t, e.DB.Ent, "movie", "Drama")
	crime := seedGenre(t, e.DB.Ent, "movie", "Crime")
	var items []seedContent
	for i := range 100 {
		items = append(items, seedContent{typ: "movie", title: fmt.Sprintf("Film %03d", i), genres: []int{drama, crime}})
	}
	ids := seedContents(t, e.DB.Ent, items...)
	acc := apptest.SignUp(t, e.App.App)
	for _, id := range ids[:30] {
		apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", fmt.Sprintf("/api/v1/contents/%d/bookmark", id), acc.Access, ""), 204)
		addReview(t, e, acc.ID, id, 6)
	}

	var n atomic.Int64
	drv := countingDriver{Driver: entsql.OpenDB(e.DB.Dialect, e.DB.SQL), n: &n}
	counted := &database.DB{Dialect: e.DB.Dialect, SQL: e.DB.SQL, Ent: ent.NewClient(ent.Driver(drv))}
	cfg := e.Config.Contents
	cfg.ListCacheTTL = 0 // count the queries of a page read from the database
	svc := contents.NewService(counted, e.Redis, cfg)
	queries := func(size int) int64 {
		n.Store(0)
		got, total, err := svc.List(context.Background(), contents.Filter{Sort: "title",
			PageParams: server.PageParams{Page: 1, Size: size}}, acc.ID)
		if err != nil || len(got) != size || total != 100 || len(got[0].Genres) != 2 {
			t.Fatalf("list %d: %d items, total %d, err %v", size, len(got), total, err)
		}
		return n.Load()
	}
	queries(5) // the catalog total is counted once, then cached
	small, large := queries(5), queries(100)
	t.Logf("queries: %d for 5 items, %d for 100", small, large)
	if large != small || large > 6 {
		t.Errorf("queries grow with the list: %d for 5 items, %d for 100", small, large)
	}
}

// The catalog totals are cached in Redis; creating, renaming and deleting a
// content moves them at once.
func TestCatalogTotalFollowsCreateAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := apptest.SignUpAdmin(t, e.App)
	seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Alien"}, seedContent{typ: "tv", title: "Dark"})
	totals := func() [3]int {
		return [3]int{list(t, e, "", "").TotalItems, list(t, e, "type=movie", "").TotalItems,
			list(t, e, "q=e", "").TotalItems}
	}
	if got := totals(); got != [3]int{2, 1, 1} {
		t.Fatalf("totals before: %v", got)
	}
	_ = totals() // cached now
	res := apptest.Do(t, e.App.App, "POST", "/api/v1/contents", admin.Access, `{"type":"movie","title":"Heat"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var created struct{ ID int }
	res.JSON(t, &created)
	if got := totals(); got != [3]int{3, 2, 2} {
		t.Fatalf("totals after create: %v", got)
	}
	path := fmt.Sprintf("/api/v1/contents/%d", created.ID)
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PATCH", path, admin.Access, `{"title":"Ronin"}`), http.StatusOK)
	if got := totals(); got != [3]int{3, 2, 1} {
		t.Fatalf("totals after rename: %v", got)
	}
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "DELETE", path, admin.Access, ""), http.StatusNoContent)
	if got := totals(); got != [3]int{2, 1, 1} {
		t.Fatalf("totals after delete: %v", got)
	}
}
