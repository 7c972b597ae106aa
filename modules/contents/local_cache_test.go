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
