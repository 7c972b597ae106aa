package contents_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

func detailOf(t *testing.T, a *apptest.App, path, token string) (item, *apptest.Response) {
	t.Helper()
	res := apptest.Do(t, a.App, "GET", path, token, "")
	apptest.AssertStatus(t, res, 200)
	var d item
	res.JSON(t, &d)
	return d, res
}

// eventually polls cond until it holds, failing the test at the deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLocalCacheServesWarmDetail: a warm detail comes from the process's
// memory, not from Redis or the database, and only for the local TTL.
func TestLocalCacheServesWarmDetail(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Contents.LocalCacheTTL = 500 * time.Millisecond
	a := apptest.NewWithConfig(t, cfg, modules...)
	ids := seedContents(t, a.DB.Ent, seedContent{typ: "movie", title: "Heat"})
	path := fmt.Sprintf("/api/v1/contents/%d", ids[0])
	_, warm := detailOf(t, a, path, "")

	// Change the row behind the service's back and drop the Redis entry:
	// only the local tier still has the old title.
	ctx := context.Background()
	if err := a.DB.Ent.Content.UpdateOneID(ids[0]).SetTitle("Heat (1995)").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Redis.Del(ctx, a.Redis.Key("content", fmt.Sprint(ids[0]))).Err(); err != nil {
		t.Fatal(err)
	}
	d, res := detailOf(t, a, path, "")
	if d.Title != "Heat" || string(res.Body) != string(warm.Body) || res.Header.Get("ETag") != warm.Header.Get("ETag") {
		t.Fatalf("not served from the local cache: title %q, ETag %s then %s",
			d.Title, warm.Header.Get("ETag"), res.Header.Get("ETag"))
	}
	// Without any invalidation, the TTL bounds how long it stays.
	start := time.Now()
	eventually(t, "the change after the local TTL", func() bool {
		d, _ := detailOf(t, a, path, "")
		return d.Title == "Heat (1995)"
	})
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("stale for %s, local TTL %s", waited, cfg.Contents.LocalCacheTTL)
	}
}

// TestLocalCacheAcrossReplicas runs two app instances on one database and
// one Redis, with a local TTL far longer than the test: every change made
// through one replica shows at once there, and on the other through the
// invalidation channel.
func TestLocalCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	mods := []fx.Option{auth.Module, users.Module, contents.Module, reviews.Module}
	cfgA := apptest.Config(t)
	cfgA.Contents.LocalCacheTTL = time.Minute
	cfgB := apptest.Config(t)
	cfgB.Database, cfgB.DataDir, cfgB.Redis = cfgA.Database, cfgA.DataDir, cfgA.Redis
	cfgB.Auth.JWTSecret = cfgA.Auth.JWTSecret // one deployment signs with one secret
	cfgB.Contents = cfgA.Contents
	a := apptest.NewWithConfig(t, cfgA, mods...)
	b := apptest.NewWithConfig(t, cfgB, mods...)

	drama := seedGenre(t, a.DB.Ent, "movie", "Drama")
	ids := seedContents(t, a.DB.Ent, seedContent{typ: "movie", title: "Ran", genres: []int{drama}})
	path := fmt.Sprintf("/api/v1/contents/%d", ids[0])
	admin := apptest.SignUpAdmin(t, a)
	fan := apptest.SignUp(t, a.App)
	detailOf(t, a, path, "") // both replicas warm
	detailOf(t, b, path, "")
	onB := func(what string, cond func(d item) bool) {
		t.Helper()
		eventually(t, what+" on the other replica", func() bool { d, _ := detailOf(t, b, path, ""); return cond(d) })
	}

	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", path, admin.Access, `{"title":"Ran (1985)"}`), 200)
	if d, _ := detailOf(t, a, path, ""); d.Title != "Ran (1985)" {
		t.Fatalf("same replica after PATCH: title %q", d.Title)
	}
	onB("PATCH", func(d item) bool { return d.Title == "Ran (1985)" })

	res := apptest.Do(t, a.App, "POST", path+"/reviews", fan.Access, `{"rating":7}`)
	apptest.AssertStatus(t, res, 201)
	if d, _ := detailOf(t, a, path, ""); d.AvgRating != 7 || d.RatingCount != 1 {
		t.Fatalf("same replica after a review: avg_rating %v, rating_count %d", d.AvgRating, d.RatingCount)
	}
	onB("review", func(d item) bool { return d.AvgRating == 7 && d.RatingCount == 1 })

	genrePath := fmt.Sprintf("/api/v1/genres/%d", drama)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", genrePath, admin.Access, `{"name":"Jidaigeki"}`), 200)
	onB("genre rename", func(d item) bool { return len(d.Genres) == 1 && d.Genres[0].Name == "Jidaigeki" })

	// The fan's own fields reach the fan only, on either replica.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PUT", path+"/bookmark", fan.Access, ""), 204)
	for _, r := range []*apptest.App{a, b} {
		if d, _ := detailOf(t, r, path, fan.Access); d.Bookmarked == nil || !*d.Bookmarked || d.MyRating == nil || *d.MyRating != 7 {
			t.Errorf("the fan's own view: bookmarked %v, my_rating %v", d.Bookmarked, d.MyRating)
		}
		other := apptest.SignUp(t, r.App)
		if d, _ := detailOf(t, r, path, other.Access); d.Bookmarked == nil || *d.Bookmarked || d.MyRating != nil {
			t.Errorf("another caller sees bookmarked %v, my_rating %v", d.Bookmarked, d.MyRating)
		}
		if _, res := detailOf(t, r, path, ""); strings.Contains(string(res.Body), "bookmarked") ||
			strings.Contains(string(res.Body), "my_rating") {
			t.Errorf("anonymous detail carries caller fields: %s", res.Body)
		}
	}

	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", path, admin.Access, ""), 204)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", path, "", ""), 404, "RESOURCE_NOT_FOUND")
	eventually(t, "the delete on the other replica", func() bool {
		return apptest.Do(t, b.App, "GET", path, "", "").Status == 404
	})
}

func listOn(t *testing.T, a *apptest.App, query, token string) (page, *apptest.Response) {
	t.Helper()
	res := apptest.Do(t, a.App, "GET", "/api/v1/contents?"+query, token, "")
	apptest.AssertStatus(t, res, 200)
	var p page
	res.JSON(t, &p)
	return p, res
}

// TestListCacheServesWarmPage: a warm list page comes from the process's
// memory, for no longer than CONTENT_LIST_CACHE_TTL when nothing tells the
// process of a change (a write behind the service's back, or a lost
// invalidation message).
func TestListCacheServesWarmPage(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Contents.ListCacheTTL = 500 * time.Millisecond
	a := apptest.NewWithConfig(t, cfg, modules...)
	ids := seedContents(t, a.DB.Ent, seedContent{typ: "movie", title: "Alien", popularity: 2},
		seedContent{typ: "movie", title: "Aliens", popularity: 1})
	const query = "sort=popularity&size=20"
	_, warm := listOn(t, a, query, "")

	ctx := context.Background()
	if err := a.DB.Ent.Content.UpdateOneID(ids[0]).SetTitle("Alien (1979)").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	p, res := listOn(t, a, query, "")
	if p.Items[0].Title != "Alien" || string(res.Body) != string(warm.Body) ||
		res.Header.Get("ETag") != warm.Header.Get("ETag") {
		t.Fatalf("not served from memory: %v, ETag %s then %s", titles(p), warm.Header.Get("ETag"), res.Header.Get("ETag"))
	}
	// The query string's spelling does not matter: the same page, same entry.
	if _, res := listOn(t, a, "size=20&order=desc", ""); string(res.Body) != string(warm.Body) {
		t.Errorf("the same page spelled otherwise missed the cache: %s", res.Body)
	}
	eventually(t, "the change after the TTL", func() bool {
		p, _ := listOn(t, a, query, "")
		return p.Items[0].Title == "Alien (1979)"
	})
	if waited := time.Since(changed); waited > cfg.Contents.ListCacheTTL+time.Second {
		t.Errorf("stale for %s, TTL %s", waited, cfg.Contents.ListCacheTTL)
	}
}

// TestListCacheAcrossReplicas: with a list TTL far longer than the test,
// every catalog write through one replica shows in the lists of both at
// once (the other through the invalidation channel), and a caller's own
// fields never reach another caller.
func TestListCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	mods := []fx.Option{auth.Module, users.Module, contents.Module, reviews.Module}
	cfgA := apptest.Config(t)
	cfgA.Contents.ListCacheTTL = time.Minute
	cfgB := apptest.Config(t)
	cfgB.Database, cfgB.DataDir, cfgB.Redis = cfgA.Database, cfgA.DataDir, cfgA.Redis
	cfgB.Auth.JWTSecret = cfgA.Auth.JWTSecret // one deployment signs with one secret
	cfgB.Contents = cfgA.Contents
	a := apptest.NewWithConfig(t, cfgA, mods...)
	b := apptest.NewWithConfig(t, cfgB, mods...)

	drama := seedGenre(t, a.DB.Ent, "movie", "Drama")
	ids := seedContents(t, a.DB.Ent,
		seedContent{typ: "movie", title: "Ikiru", popularity: 2, genres: []int{drama}},
		seedContent{typ: "movie", title: "Ran", popularity: 1, genres: []int{drama}})
	admin := apptest.SignUpAdmin(t, a)
	fan := apptest.SignUp(t, a.App)
	const byRating = "sort=rating"
	const byPopularity = "sort=popularity"
	both := func(what, query string, cond func(p page) bool) {
		t.Helper()
		if p, _ := listOn(t, a, query, ""); !cond(p) {
			t.Fatalf("%s: the writing replica still lists %v (total %d)", what, titles(p), p.TotalItems)
		}
		eventually(t, what+" on the other replica", func() bool { p, _ := listOn(t, b, query, ""); return cond(p) })
	}
	for _, r := range []*apptest.App{a, b} { // warm both
		listOn(t, r, byRating, "")
		listOn(t, r, byPopularity, "")
	}

	path := fmt.Sprintf("/api/v1/contents/%d", ids[1])
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", path, admin.Access, `{"title":"Ran (1985)","popularity":3}`), 200)
	both("PATCH", byPopularity, func(p page) bool { return p.Items[0].Title == "Ran (1985)" })

	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", path+"/reviews", fan.Access, `{"rating":9}`), 201)
	both("review", byRating, func(p page) bool { return p.Items[0].ID == ids[1] && p.Items[0].AvgRating == 9 })

	genrePath := fmt.Sprintf("/api/v1/genres/%d", drama)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", genrePath, admin.Access, `{"name":"Jidaigeki"}`), 200)
	both("genre rename", byPopularity, func(p page) bool { return p.Items[0].Genres[0].Name == "Jidaigeki" })

	res := apptest.Do(t, a.App, "POST", "/api/v1/contents", admin.Access,
		`{"type":"movie","title":"Kagemusha","popularity":10}`)
	apptest.AssertStatus(t, res, 201)
	both("create", byPopularity, func(p page) bool { return p.TotalItems == 3 && p.Items[0].Title == "Kagemusha" })

	// Caller fields: the fan's bookmark and rating reach the fan only, on
	// either replica, whichever caller filled the cache first.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PUT", path+"/bookmark", fan.Access, ""), 204)
	other := apptest.SignUp(t, a.App)
	for _, r := range []*apptest.App{a, b} {
		eventually(t, "the fan's own state", func() bool {
			p, _ := listOn(t, r, byRating, fan.Access)
			it := p.Items[0]
			return it.ID == ids[1] && it.Bookmarked != nil && *it.Bookmarked && it.MyRating != nil && *it.MyRating == 9
		})
		if p, _ := listOn(t, r, byRating, other.Access); p.Items[0].Bookmarked == nil || *p.Items[0].Bookmarked ||
			p.Items[0].MyRating != nil {
			t.Errorf("another caller sees bookmarked %v, my_rating %v", p.Items[0].Bookmarked, p.Items[0].MyRating)
		}
		if _, res := listOn(t, r, byRating, ""); strings.Contains(string(res.Body), "bookmarked") ||
			strings.Contains(string(res.Body), "my_rating") {
			t.Errorf("anonymous page carries caller fields: %s", res.Body)
		}
	}

	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", path, admin.Access, ""), 204)
	both("delete", byPopularity, func(p page) bool { return p.TotalItems == 2 && p.Items[1].ID != ids[1] })
}
