package social_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social"
	"github.com/reelview/reelview/modules/users"
)

type env struct{ *apptest.App }

func newEnv(t testing.TB) env {
	t.Helper()
	return newEnvWith(t, apptest.Config(t))
}

// newEnvWith is newEnv with a configuration the test has adjusted.
func newEnvWith(t testing.TB, c config.Config) env {
	t.Helper()
	return env{apptest.NewWithConfig(t, c, auth.Module, users.Module, contents.Module, reviews.Module, social.Module, lists.Module)}
}

func (e env) do(t testing.TB, method, path, token, body string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, e.App.App, method, "/api/v1"+path, token, body)
}

func (e env) user(t testing.TB) apptest.Account {
	t.Helper()
	return apptest.SignUp(t, e.App.App)
}

func (e env) content(t testing.TB, title string) int {
	t.Helper()
	c, err := e.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle(title).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (e env) follow(t testing.TB, who apptest.Account, target int) string {
	t.Helper()
	res := e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", target), who.Access, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var out struct{ Status string }
	res.JSON(t, &out)
	return out.Status
}

type profile struct {
	Private        bool `json:"private"`
	FollowerCount  int  `json:"follower_count"`
	FollowingCount int  `json:"following_count"`
}

func (e env) profile(t testing.TB, id int) profile {
	t.Helper()
	res := e.do(t, "GET", fmt.Sprintf("/users/%d", id), "", "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var p profile
	res.JSON(t, &p)
	return p
}

type people struct {
	Items []struct {
		ID       int    `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (e env) people(t testing.TB, path, token string) people {
	t.Helper()
	res := e.do(t, "GET", path, token, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var p people
	res.JSON(t, &p)
	return p
}

func (e env) review(t testing.TB, who apptest.Account, contentID int, body string) int {
	t.Helper()
	res := e.do(t, "POST", fmt.Sprintf("/contents/%d/reviews", contentID), who.Access, fmt.Sprintf(`{"rating":7,"body":%q}`, body))
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r struct{ ID int }
	res.JSON(t, &r)
	return r.ID
}

func TestFollowIdempotentAndCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	for range 3 {
		if s := e.follow(t, bob, ada.ID); s != "ACTIVE" {
			t.Fatalf("status %q", s)
		}
	}
	if p := e.profile(t, ada.ID); p.FollowerCount != 1 || p.FollowingCount != 0 {
		t.Errorf("ada: %+v", p)
	}
	if p := e.profile(t, bob.ID); p.FollowerCount != 0 || p.FollowingCount != 1 {
		t.Errorf("bob: %+v", p)
	}
	f := e.people(t, fmt.Sprintf("/users/%d/followers", ada.ID), "")
	if len(f.Items) != 1 || f.Items[0].ID != bob.ID || f.NextCursor != nil {
		t.Errorf("followers: %+v", f)
	}
	g := e.people(t, fmt.Sprintf("/users/%d/following", bob.ID), "")
	if len(g.Items) != 1 || g.Items[0].ID != ada.ID {
		t.Errorf("following: %+v", g)
	}
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", bob.ID), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PUT", "/users/999999/follow", bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", ada.ID), "", ""), http.StatusUnauthorized, "UNAUTHORIZED")
	for range 2 {
		apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/follow", ada.ID), bob.Access, ""), http.StatusNoContent)
	}
	if p := e.profile(t, ada.ID); p.FollowerCount != 0 {
		t.Errorf("after unfollow: %+v", p)
	}
}

func TestFollowListsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	star := e.user(t)
	seen := map[int]bool{}
	for range 5 {
		e.follow(t, e.user(t), star.ID)
	}
	path := fmt.Sprintf("/users/%d/followers?size=2", star.ID)
	for pages := 0; ; pages++ {
		p := e.people(t, path, "")
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("%d twice", it.ID)
			}
			seen[it.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		path = fmt.Sprintf("/users/%d/followers?size=2&cursor=%s", star.ID, *p.NextCursor)
	}
	if len(seen) != 5 {
		t.Errorf("walked %d followers, want 5", len(seen))
	}
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/following?cursor=garbage", star.ID), "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
}

func TestConcurrentFollows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	star := e.user(t)
	fans := make([]apptest.Account, 8)
	for i := range fans {
		fans[i] = e.user(t)
	}
	var wg sync.WaitGroup
	for _, f := range fans {
		wg.Go(func() { e.follow(t, f, star.ID) })
	}
	// The same user 20 times at once: one follow.
	for range 20 {
		wg.Go(func() { e.follow(t, fans[0], star.ID) })
	}
	wg.Wait()
	if p := e.profile(t, star.ID); p.FollowerCount != len(fans) {
		t.Errorf("follower_count %d, want %d", p.FollowerCount, len(fans))
	}
	if p := e.profile(t, fans[0].ID); p.FollowingCount != 1 {
		t.Errorf("following_count %d, want 1", p.FollowingCount)
	}
}

func TestPrivateAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob, eve := e.user(t), e.user(t), e.user(t)
	res := e.do(t, "PATCH", "/users/me", ada.Access, `{"private":true}`)
	apptest.AssertStatus(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), `"private":true`) {
		t.Errorf("PATCH answer: %s", res.Body)
	}
	if s := e.follow(t, bob, ada.ID); s != "PENDING" {
		t.Fatalf("status %q, want PENDING", s)
	}
	if s := e.follow(t, bob, ada.ID); s != "PENDING" {
		t.Fatalf("again: %q", s)
	}
	e.follow(t, eve, ada.ID)
	if p := e.profile(t, ada.ID); !p.Private || p.FollowerCount != 0 {
		t.Errorf("profile: %+v", p)
	}
	// Only ada and her approved followers see her lists.
	for _, tok := range []string{"", bob.Access} {
		apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/followers", ada.ID), tok, ""), http.StatusForbidden, "FORBIDDEN")
	}
	r := e.people(t, "/users/me/follow-requests", ada.Access)
	if len(r.Items) != 2 {
		t.Fatalf("requests: %+v", r)
	}
	// Requests are ada's own: bob has none, and cannot approve for her.
	if r := e.people(t, "/users/me/follow-requests", bob.Access); len(r.Items) != 0 {
		t.Errorf("bob sees requests: %+v", r)
	}
	apptest.AssertError(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/approve", eve.ID), bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/approve", bob.ID), ada.Access, ""), http.StatusNoContent)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/approve", bob.ID), ada.Access, ""), http.StatusNoContent)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/deny", eve.ID), ada.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/deny", eve.ID), ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	if p := e.profile(t, ada.ID); p.FollowerCount != 1 {
		t.Errorf("after approval: %+v", p)
	}
	if f := e.people(t, fmt.Sprintf("/users/%d/followers", ada.ID), bob.Access); len(f.Items) != 1 || f.Items[0].ID != bob.ID {
		t.Errorf("bob, approved, sees: %+v", f)
	}
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/following", ada.ID), eve.Access, ""), http.StatusForbidden, "FORBIDDEN")
}

func TestBlock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob, cy := e.user(t), e.user(t), e.user(t)
	movie := e.content(t, "Alien")
	e.follow(t, ada, bob.ID)
	e.follow(t, bob, ada.ID)
	bobReview := e.review(t, bob, movie, "Bob's take")
	cyReview := e.review(t, cy, movie, "Cy's take")
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/reviews/%d/comments", cyReview), bob.Access, `{"body":"bob was here"}`), http.StatusCreated)
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/reviews/%d/comments", cyReview), ada.Access, `{"body":"ada was here"}`), http.StatusCreated)

	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", ada.ID), ada.Access, ""), http.StatusForbidden, "FORBIDDEN")
	for range 2 {
		apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", bob.ID), ada.Access, ""), http.StatusNoContent)
	}
	if p := e.profile(t, ada.ID); p.FollowerCount != 0 || p.FollowingCount != 0 {
		t.Errorf("follows survived the block: %+v", p)
	}
	// Neither can follow the other, nor see the other's lists.
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", ada.ID), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", bob.ID), ada.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/followers", ada.ID), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")

	// Reviews and comments are hidden both ways, and shown to others.
	lists := []string{fmt.Sprintf("/contents/%d/reviews", movie), "/reviews/latest", "/reviews/popular"}
	for _, path := range lists {
		if body := string(e.do(t, "GET", path, ada.Access, "").Body); strings.Contains(body, "Bob's take") {
			t.Errorf("ada sees bob's review in %s", path)
		}
		if body := string(e.do(t, "GET", path, cy.Access, "").Body); !strings.Contains(body, "Bob's take") {
			t.Errorf("cy misses bob's review in %s: %s", path, body)
		}
	}
	comments := fmt.Sprintf("/reviews/%d/comments", cyReview)
	if body := string(e.do(t, "GET", comments, ada.Access, "").Body); strings.Contains(body, "bob was here") || !strings.Contains(body, "ada was here") {
		t.Errorf("ada's view of comments: %s", body)
	}
	if body := string(e.do(t, "GET", comments, bob.Access, "").Body); strings.Contains(body, "ada was here") {
		t.Errorf("bob sees ada's comment: %s", body)
	}
	if body := string(e.do(t, "GET", comments, "", "").Body); !strings.Contains(body, "ada was here") || !strings.Contains(body, "bob was here") {
		t.Errorf("anonymous view of comments: %s", body)
	}
	// The review itself is not there for ada: no reading, liking or commenting.
	for _, r := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/reviews/%d", bobReview), ""},
		{"PUT", fmt.Sprintf("/reviews/%d/like", bobReview), ""},
		{"POST", fmt.Sprintf("/reviews/%d/comments", bobReview), `{"body":"hi"}`},
	} {
		apptest.AssertError(t, e.do(t, r.method, r.path, ada.Access, r.body), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	}
	apptest.AssertStatus(t, e.do(t, "GET", fmt.Sprintf("/reviews/%d", bobReview), cy.Access, ""), http.StatusOK)

	for range 2 {
		apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/block", bob.ID), ada.Access, ""), http.StatusNoContent)
	}
	if body := string(e.do(t, "GET", lists[0], ada.Access, "").Body); !strings.Contains(body, "Bob's take") {
		t.Errorf("after unblock ada still misses bob's review")
	}
	e.follow(t, bob, ada.ID)
}

type feed struct {
	Items []struct {
		Kind  string `json:"kind"`
		Actor struct {
			ID int `json:"id"`
		} `json:"actor"`
		Review struct {
			ID int `json:"id"`
		} `json:"review"`
		List struct {
			ID int `json:"id"`
		} `json:"list"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (e env) feed(t testing.TB, token, query string) feed {
	t.Helper()
	res := e.do(t, "GET", "/feed"+query, token, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var f feed
	res.JSON(t, &f)
	return f
}

func TestFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, ada, bob, stranger, admin := e.user(t), e.user(t), e.user(t), e.user(t), apptest.SignUpAdmin(t, e.App)
	movies := make([]int, 4)
	for i := range movies {
		movies[i] = e.content(t, fmt.Sprintf("Movie %d", i))
	}
	e.follow(t, me, ada.ID)
	e.follow(t, me, bob.ID)
	r1 := e.review(t, ada, movies[0], "great")            // REVIEW
	r2 := e.review(t, bob, movies[0], "")                 // RATING
	e.review(t, stranger, movies[1], "not followed")      // not in the feed
	hidden := e.review(t, ada, movies[1], "to be hidden") // hidden by a moderator
	deleted := e.review(t, bob, movies[1], "to be deleted")
	strangerReview := e.review(t, stranger, movies[2], "liked by ada")
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", strangerReview), ada.Access, ""), http.StatusNoContent) // LIKE
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/admin/reviews/%d/visibility", hidden), admin.Access, `{"hidden":true}`), http.StatusOK)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", deleted), bob.Access, ""), http.StatusNoContent)

	f := e.feed(t, me.Access, "")
	got := []string{}
	for _, it := range f.Items {
		got = append(got, fmt.Sprintf("%s:%d:%d", it.Kind, it.Actor.ID, it.Review.ID))
	}
	want := []string{fmt.Sprintf("LIKE:%d:%d", ada.ID, strangerReview), fmt.Sprintf("RATING:%d:%d", bob.ID, r2),
		fmt.Sprintf("REVIEW:%d:%d", ada.ID, r1)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("feed\n got %v\nwant %v", got, want)
	}
	// Page by page, the same order.
	var walked []string
	q := "?size=1"
	for {
		p := e.feed(t, me.Access, q)
		for _, it := range p.Items {
			walked = append(walked, fmt.Sprintf("%s:%d:%d", it.Kind, it.Actor.ID, it.Review.ID))
		}
		if p.NextCursor == nil {
			break
		}
		q = "?size=1&cursor=" + *p.NextCursor
	}
	if strings.Join(walked, " ") != strings.Join(want, " ") {
		t.Errorf("walked\n got %v\nwant %v", walked, want)
	}
	// Blocking the author of the liked review hides the like; pending
	// follows of a private account show nothing.
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", stranger.ID), me.Access, ""), http.StatusNoContent)
	if f := e.feed(t, me.Access, ""); len(f.Items) != 2 {
		t.Errorf("after blocking the liked review's author: %+v", f.Items)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"private":true}`), http.StatusOK)
	other := e.user(t)
	e.follow(t, other, ada.ID)
	if f := e.feed(t, other.Access, ""); len(f.Items) != 0 {
		t.Errorf("pending follower sees %+v", f.Items)
	}
	apptest.AssertError(t, e.do(t, "GET", "/feed", "", ""), http.StatusUnauthorized, "UNAUTHORIZED")
	apptest.AssertError(t, e.do(t, "GET", "/feed?cursor=xyz", me.Access, ""), http.StatusBadRequest, "VALIDATION_FAILED")
}

func TestMakingPublicApprovesRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob, eve := e.user(t), e.user(t), e.user(t)
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"private":true}`), http.StatusOK)
	for _, who := range []apptest.Account{bob, eve} {
		if s := e.follow(t, who, ada.ID); s != "PENDING" {
			t.Fatalf("status %q", s)
		}
	}
	// Another change of a private profile leaves the requests alone.
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"bio":"still private"}`), http.StatusOK)
	if r := e.people(t, "/users/me/follow-requests", ada.Access); len(r.Items) != 2 {
		t.Fatalf("requests: %+v", r)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"private":false}`), http.StatusOK)
	if r := e.people(t, "/users/me/follow-requests", ada.Access); len(r.Items) != 0 {
		t.Errorf("requests left: %+v", r)
	}
	if p := e.profile(t, ada.ID); p.Private || p.FollowerCount != 2 {
		t.Errorf("profile: %+v", p)
	}
	if s := e.follow(t, bob, ada.ID); s != "ACTIVE" {
		t.Errorf("bob's follow: %q", s)
	}
	// A refused change (nickname taken) changes nothing, requests included.
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"private":true}`), http.StatusOK)
	cy := e.user(t)
	e.follow(t, cy, ada.ID)
	res := e.do(t, "PATCH", "/users/me", ada.Access, fmt.Sprintf(`{"private":false,"nickname":%q}`, bob.Nickname))
	apptest.AssertError(t, res, http.StatusConflict, "DUPLICATE_RESOURCE")
	if p := e.profile(t, ada.ID); !p.Private || p.FollowerCount != 2 {
		t.Errorf("after a refused change: %+v", p)
	}
}

// A follow and a block of the same two accounts at once: whatever the
// order, no follow survives the block.
func TestFollowRacingBlock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	ctx := context.Background()
	for i := range 40 {
		var wg sync.WaitGroup
		follow := func(who apptest.Account, target int) {
			res := e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", target), who.Access, "")
			if res.Status != http.StatusOK && res.Status != http.StatusForbidden {
				t.Errorf("follow: %d %s", res.Status, res.Body)
			}
		}
		wg.Go(func() { follow(bob, ada.ID) })
		wg.Go(func() { follow(ada, bob.ID) })
		wg.Go(func() {
			apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", bob.ID), ada.Access, ""), http.StatusNoContent)
		})
		wg.Wait()
		n, err := e.DB.Ent.Follow.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("round %d: %d follows survived the block", i, n)
		}
		apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/block", bob.ID), ada.Access, ""), http.StatusNoContent)
	}
}

func TestBlocksList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	blocked := []apptest.Account{e.user(t), e.user(t), e.user(t)}
	for _, b := range blocked {
		apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", b.ID), ada.Access, ""), http.StatusNoContent)
	}
	// bob blocked ada: that is bob's list, not ada's.
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", ada.ID), bob.Access, ""), http.StatusNoContent)
	var walked []int
	path := "/users/me/blocks?size=2"
	for {
		p := e.people(t, path, ada.Access)
		for _, it := range p.Items {
			walked = append(walked, it.ID)
		}
		if p.NextCursor == nil {
			break
		}
		path = "/users/me/blocks?size=2&cursor=" + *p.NextCursor
	}
	want := []int{blocked[2].ID, blocked[1].ID, blocked[0].ID} // newest first
	if fmt.Sprint(walked) != fmt.Sprint(want) {
		t.Errorf("blocks %v, want %v", walked, want)
	}
	if p := e.people(t, "/users/me/blocks", bob.Access); len(p.Items) != 1 || p.Items[0].ID != ada.ID {
		t.Errorf("bob's blocks: %+v", p)
	}
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/block", blocked[1].ID), ada.Access, ""), http.StatusNoContent)
	if p := e.people(t, "/users/me/blocks", ada.Access); len(p.Items) != 2 {
		t.Errorf("after unblocking: %+v", p)
	}
	apptest.AssertError(t, e.do(t, "GET", "/users/me/blocks", "", ""), http.StatusUnauthorized, "UNAUTHORIZED")
	apptest.AssertError(t, e.do(t, "GET", "/users/me/blocks?cursor=garbage", ada.Access, ""), http.StatusBadRequest, "VALIDATION_FAILED")
}

// feedIDs lists the review ids of a whole feed, walked page by page.
func (e env) feedIDs(t testing.TB, token string, size int) []int {
	t.Helper()
	var ids []int
	q := fmt.Sprintf("?size=%d", size)
	for range 100 {
		p := e.feed(t, token, q)
		if len(p.Items) == 0 || len(p.Items) > size {
			t.Fatalf("a page of %d items (size %d)", len(p.Items), size)
		}
		for _, it := range p.Items {
			ids = append(ids, it.Review.ID)
		}
		if p.NextCursor == nil {
			return ids
		}
		if len(p.Items) != size {
			t.Fatalf("a short page of %d items before the last", len(p.Items))
		}
		q = fmt.Sprintf("?size=%d&cursor=%s", size, *p.NextCursor)
	}
	t.Fatal("the feed does not end")
	return nil
}

// TestFeedChangesAtOnce: an unfollow, a block (either way) and a hidden
// review change the next read of the feed; nothing waits for a job.
func TestFeedChangesAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, ada, bob, cy := e.user(t), e.user(t), e.user(t), e.user(t)
	m := e.content(t, "Feed at once")
	for _, u := range []apptest.Account{ada, bob, cy} {
		e.follow(t, me, u.ID)
	}
	ra, rb, rc := e.review(t, ada, m, "ada"), e.review(t, bob, m, "bob"), e.review(t, cy, m, "cy")
	if got := e.feedIDs(t, me.Access, 2); !slices.Equal(got, []int{rc, rb, ra}) {
		t.Fatalf("feed %v, want %v", got, []int{rc, rb, ra})
	}
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/follow", ada.ID), me.Access, ""), http.StatusNoContent)
	if got := e.feedIDs(t, me.Access, 2); !slices.Equal(got, []int{rc, rb}) {
		t.Errorf("after the unfollow: %v", got)
	}
	// bob blocks me: his review leaves my feed although I still follow…
	// the block ended the follow; a follow row left behind (as a block
	// racing a follow could) must not show him either.
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", me.ID), bob.Access, ""), http.StatusNoContent)
	if _, err := e.DB.SQL.Exec(`INSERT INTO follows (follower_id, followee_id, status, created_at) VALUES ($1, $2, 'ACTIVE', $3)`,
		me.ID, bob.ID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if got := e.feedIDs(t, me.Access, 2); !slices.Equal(got, []int{rc}) {
		t.Errorf("after bob's block: %v", got)
	}
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", rc), ada.Access, ""), http.StatusNoContent)
	admin := apptest.SignUpAdmin(t, e.App)
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/admin/reviews/%d/visibility", rc), admin.Access, `{"hidden":true}`), http.StatusOK)
	if f := e.feed(t, me.Access, ""); len(f.Items) != 0 || f.NextCursor != nil {
		t.Errorf("after hiding cy's review: %+v", f)
	}
	// ada's like of cy's review, now hidden, is not shown either, not even
	// to cy, who may still read her own hidden review.
	e.follow(t, cy, ada.ID)
	if got := e.feedIDs(t, cy.Access, 5); !slices.Equal(got, []int{ra}) { // ada's review, not her like
		t.Errorf("cy's feed with a like of her hidden review: %v", got)
	}
}

// TestFeedSkipsManyHidden: when more events than a page are hidden or
// deleted in a row, pages are still full and the walk still ends with
// every visible event once.
func TestFeedSkipsManyHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, ada := e.user(t), e.user(t)
	admin := apptest.SignUpAdmin(t, e.App)
	e.follow(t, me, ada.ID)
	var want []int
	for i := range 30 {
		r := e.review(t, ada, e.content(t, fmt.Sprintf("Many hidden %d", i)), "x")
		switch {
		case i >= 5 && i < 25 && i%2 == 0:
			apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/admin/reviews/%d/visibility", r), admin.Access, `{"hidden":true}`), http.StatusOK)
		case i >= 5 && i < 25:
			apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", r), ada.Access, ""), http.StatusNoContent)
		default:
			want = append([]int{r}, want...)
		}
	}
	for _, size := range []int{1, 3, 10} {
		if got := e.feedIDs(t, me.Access, size); !slices.Equal(got, want) {
			t.Errorf("size %d: %v, want %v", size, got, want)
		}
	}
}

// TestFeedListUpdates: a followee's public list is a LIST event at its last
// change (once, moving up when it changes); private and unlisted lists,
// deleted lists and lists made private are not shown, and a block removes
// them with the rest.
func TestFeedListUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, ada := e.user(t), e.user(t)
	e.follow(t, me, ada.ID)
	m1, m2 := e.content(t, "Listed one"), e.content(t, "Listed two")
	newList := func(title, visibility string) int {
		t.Helper()
		res := e.do(t, "POST", "/lists", ada.Access, fmt.Sprintf(`{"title":%q,"visibility":%q}`, title, visibility))
		apptest.AssertStatus(t, res, http.StatusCreated)
		var l struct{ ID int }
		res.JSON(t, &l)
		return l.ID
	}
	// kinds walks the whole feed: "LIST 7", "REVIEW 3"…
	kinds := func() []string {
		t.Helper()
		var out []string
		q := "?size=2"
		for range 50 {
			f := e.feed(t, me.Access, q)
			for _, it := range f.Items {
				id := it.Review.ID
				if it.Kind == "LIST" {
					id = it.List.ID
				}
				out = append(out, fmt.Sprintf("%s %d", it.Kind, id))
			}
			if f.NextCursor == nil {
				return out
			}
			q = "?size=2&cursor=" + *f.NextCursor
		}
		t.Fatal("the feed does not end")
		return nil
	}
	public := newList("Heists", "PUBLIC")
	newList("Secret", "PRIVATE")
	newList("By link", "UNLISTED")
	r := e.review(t, ada, m1, "a review after the lists")
	if got, want := kinds(), []string{fmt.Sprintf("REVIEW %d", r), fmt.Sprintf("LIST %d", public)}; !slices.Equal(got, want) {
		t.Fatalf("feed %v, want %v", got, want)
	}
	// A change moves the list up, still once.
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", public, m2), ada.Access, `{"note":"new"}`), http.StatusOK)
	if got, want := kinds(), []string{fmt.Sprintf("LIST %d", public), fmt.Sprintf("REVIEW %d", r)}; !slices.Equal(got, want) {
		t.Errorf("after an item was added: %v, want %v", got, want)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/lists/%d", public), ada.Access, `{"visibility":"PRIVATE"}`), http.StatusOK)
	if got, want := kinds(), []string{fmt.Sprintf("REVIEW %d", r)}; !slices.Equal(got, want) {
		t.Errorf("after the list was made private: %v, want %v", got, want)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/lists/%d", public), ada.Access, `{"visibility":"PUBLIC"}`), http.StatusOK)
	other := newList("Another", "PUBLIC")
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d", public), ada.Access, ""), http.StatusNoContent)
	if got, want := kinds(), []string{fmt.Sprintf("LIST %d", other), fmt.Sprintf("REVIEW %d", r)}; !slices.Equal(got, want) {
		t.Errorf("after a list was deleted: %v, want %v", got, want)
	}
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", me.ID), ada.Access, ""), http.StatusNoContent)
	if got := kinds(); len(got) != 0 {
		t.Errorf("after ada's block: %v", got)
	}
}
