package reviews_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/users"
)

// recorder is an Events implementation that remembers what it got.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(kind string, e reviews.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("%s:%d->%d", kind, e.ActorID, e.AuthorID))
}

// The recorder notes events as they happen inside the transaction; the
// tests read it after the requests returned, when they have committed.
func (r *recorder) ReviewLiked(_ context.Context, _ *ent.Tx, e reviews.Event) error {
	r.add("liked", e)
	return nil
}

func (r *recorder) ReviewCommented(_ context.Context, _ *ent.Tx, e reviews.Event) error {
	r.add("commented", e)
	return nil
}
func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

type env struct {
	*apptest.App
	events *recorder
}

func newEnv(t *testing.T) env {
	t.Helper()
	rec := &recorder{}
	a := apptest.New(t, auth.Module, users.Module, contents.Module, reviews.Module,
		fx.Provide(func() reviews.Events { return rec }))
	return env{App: a, events: rec}
}

func (e env) content(t *testing.T, title string) int {
	t.Helper()
	c, err := e.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle(title).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (e env) do(t *testing.T, method, path, token, body string) *apptest.Response {
	t.Helper()
	return apptest.Do(t, e.App.App, method, "/api/v1"+path, token, body)
}

type reviewJSON struct {
	ID     int `json:"id"`
	Author struct {
		ID       *int   `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"author"`
	Rating       int   `json:"rating"`
	Hidden       bool  `json:"hidden"`
	Spoiler      bool  `json:"spoiler"`
	LikeCount    int   `json:"like_count"`
	CommentCount int   `json:"comment_count"`
	LikedByMe    *bool `json:"liked_by_me"`
}

func (e env) review(t *testing.T, token string, contentID, rating int) reviewJSON {
	t.Helper()
	res := e.do(t, "POST", fmt.Sprintf("/contents/%d/reviews", contentID), token, fmt.Sprintf(`{"rating":%d,"body":"ok"}`, rating))
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r reviewJSON
	res.JSON(t, &r)
	return r
}

func (e env) aggregates(t *testing.T, contentID int) *ent.Content {
	t.Helper()
	c, err := e.DB.Ent.Content.Get(context.Background(), contentID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e env) reviewCount(t *testing.T) int {
	t.Helper()
	n, err := e.DB.Ent.Review.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Alien")
	acc := apptest.SignUp(t, e.App.App)
	path := fmt.Sprintf("/contents/%d/reviews", movie)

	for _, tt := range []struct{ name, body, field string }{
		{"rating 0", `{"rating":0}`, "rating"},
		{"rating 11", `{"rating":11}`, "rating"},
		{"rating missing", `{"body":"no rating"}`, "rating"},
		{"rating not a number", `{"rating":"nine"}`, "rating"},
		{"body too long", `{"rating":5,"body":"` + strings.Repeat("가", 10001) + `"}`, "body"},
		{"unknown field", `{"rating":5,"like_count":999}`, "like_count"},
	} {
		res := e.do(t, "POST", path, acc.Access, tt.body)
		b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
		if len(b.Details) == 0 || b.Details[0].Field != tt.field {
			t.Errorf("%s: details %+v", tt.name, b.Details)
		}
		if e.reviewCount(t) != 0 || e.aggregates(t, movie).RatingCount != 0 {
			t.Fatalf("%s changed the database", tt.name)
		}
	}
	apptest.AssertError(t, e.do(t, "POST", path, "", `{"rating":5}`), 401, "UNAUTHORIZED")
	apptest.AssertError(t, e.do(t, "POST", "/contents/999999/reviews", acc.Access, `{"rating":5}`), 404, "RESOURCE_NOT_FOUND")

	res := e.do(t, "POST", path, acc.Access, `{"rating":9,"body":"  Perfect.  ","spoiler":true}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r reviewJSON
	res.JSON(t, &r)
	if r.Rating != 9 || !r.Spoiler || r.Author.ID == nil || *r.Author.ID != acc.ID {
		t.Errorf("review: %+v", r)
	}
	apptest.AssertError(t, e.do(t, "POST", path, acc.Access, `{"rating":3}`), 409, "DUPLICATE_RESOURCE")
	c := e.aggregates(t, movie)
	if c.RatingCount != 1 || c.ReviewCount != 1 || c.AvgRating != 9 || c.RatingHistogram[8] != 1 {
		t.Errorf("aggregates: %+v", c)
	}
}

func TestConcurrentReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Crowded")
	const n = 50
	accounts := make([]apptest.Account, n)
	for i := range accounts {
		accounts[i] = apptest.SignUp(t, e.App.App)
	}
	var wg sync.WaitGroup
	sum := 0
	for i, acc := range accounts {
		sum += i%10 + 1
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.review(t, acc.Access, movie, i%10+1)
		}()
	}
	wg.Wait()
	c := e.aggregates(t, movie)
	if c.RatingCount != n || c.ReviewCount != n || c.RatingSum != int64(sum) || c.AvgRating != float64(sum)/n {
		t.Fatalf("after %d concurrent reviews: count %d reviews %d sum %d avg %v", n, c.RatingCount, c.ReviewCount, c.RatingSum, c.AvgRating)
	}
	// One user posting the same review 10 times at once: exactly one 201.
	other := e.content(t, "Once")
	acc := accounts[0]
	statuses := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- e.do(t, "POST", fmt.Sprintf("/contents/%d/reviews", other), acc.Access, `{"rating":7}`).Status
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 1 || e.aggregates(t, other).RatingCount != 1 {
		t.Fatalf("%d created, rating_count %d; want 1 and 1", created, e.aggregates(t, other).RatingCount)
	}
}

func TestEditAndDeleteAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Heat")
	alice := apptest.SignUp(t, e.App.App)
	bob := apptest.SignUp(t, e.App.App)
	admin := apptest.SignUpAdmin(t, e.App)
	r := e.review(t, alice.Access, movie, 8)
	path := fmt.Sprintf("/reviews/%d", r.ID)

	apptest.AssertError(t, e.do(t, "PATCH", path, bob.Access, `{"rating":1}`), 403, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PATCH", path, admin.Access, `{"rating":1}`), 403, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "DELETE", path, bob.Access, ""), 403, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PATCH", path, alice.Access, `{"rating":12}`), 400, "VALIDATION_FAILED")
	if c := e.aggregates(t, movie); c.RatingSum != 8 {
		t.Fatalf("a refused edit changed the aggregates: %+v", c)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", path, alice.Access, `{"rating":4,"spoiler":true}`), 200)
	if c := e.aggregates(t, movie); c.RatingSum != 4 || c.RatingCount != 1 || c.RatingHistogram[3] != 1 || c.RatingHistogram[7] != 0 {
		t.Fatalf("after edit: %+v", c)
	}
	apptest.AssertStatus(t, e.do(t, "DELETE", path, admin.Access, ""), http.StatusNoContent)
	if c := e.aggregates(t, movie); c.RatingCount != 0 || c.ReviewCount != 0 || c.AvgRating != 0 {
		t.Fatalf("after delete: %+v", c)
	}
	apptest.AssertError(t, e.do(t, "GET", path, "", ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "DELETE", path, alice.Access, ""), 404, "RESOURCE_NOT_FOUND")
	// A deleted review frees the slot.
	e.review(t, alice.Access, movie, 6)

	// Concurrent edits and a delete of one review keep the aggregates exact.
	other := e.content(t, "Contested")
	rr := e.review(t, bob.Access, other, 5)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 5 {
				e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", rr.ID), bob.Access, "")
				return
			}
			e.do(t, "PATCH", fmt.Sprintf("/reviews/%d", rr.ID), bob.Access, fmt.Sprintf(`{"rating":%d}`, i+1))
		}()
	}
	wg.Wait()
	if c := e.aggregates(t, other); c.RatingCount != 0 || c.RatingSum != 0 || c.ReviewCount != 0 {
		t.Fatalf("after concurrent edits and a delete: %+v", c)
	}
}

func TestLikes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Liked")
	author := apptest.SignUp(t, e.App.App)
	r := e.review(t, author.Access, movie, 9)
	path := fmt.Sprintf("/reviews/%d/like", r.ID)
	apptest.AssertError(t, e.do(t, "PUT", path, author.Access, ""), 403, "FORBIDDEN")

	const n = 100
	fans := make([]apptest.Account, n)
	for i := range fans {
		fans[i] = apptest.SignUp(t, e.App.App)
	}
	var wg sync.WaitGroup
	for _, f := range fans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			apptest.AssertStatus(t, e.do(t, "PUT", path, f.Access, ""), http.StatusNoContent)
		}()
	}
	wg.Wait()
	likes := func() int {
		row, _ := e.DB.Ent.Review.Get(context.Background(), r.ID)
		return row.LikeCount
	}
	if got := likes(); got != n {
		t.Fatalf("like_count %d after %d concurrent likes", got, n)
	}
	for _, method := range []string{"PUT", "DELETE", "DELETE"} {
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				apptest.AssertStatus(t, e.do(t, method, path, fans[0].Access, ""), http.StatusNoContent)
			}()
		}
		wg.Wait()
	}
	if got := likes(); got != n-1 {
		t.Fatalf("like_count %d, want %d", got, n-1)
	}
	var got reviewJSON
	e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), fans[1].Access, "").JSON(t, &got)
	if got.LikedByMe == nil || !*got.LikedByMe || got.LikeCount != n-1 {
		t.Errorf("fan view: %+v", got)
	}
	got = reviewJSON{}
	e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), fans[0].Access, "").JSON(t, &got)
	if got.LikedByMe == nil || *got.LikedByMe {
		t.Errorf("unliker view: %+v", got)
	}
	if ev := e.events.list(); len(ev) != n {
		t.Errorf("%d like events, want %d (one per new like, none for repeats)", len(ev), n)
	}
	apptest.AssertError(t, e.do(t, "PUT", "/reviews/999999/like", fans[0].Access, ""), 404, "RESOURCE_NOT_FOUND")
}

func TestComments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Discussed")
	author := apptest.SignUp(t, e.App.App)
	bob := apptest.SignUp(t, e.App.App)
	admin := apptest.SignUpAdmin(t, e.App)
	r := e.review(t, author.Access, movie, 7)
	path := fmt.Sprintf("/reviews/%d/comments", r.ID)
	for _, bad := range []string{`{"body":""}`, `{"body":"   "}`, `{"body":"` + strings.Repeat("x", 2001) + `"}`, `{}`, `{"body":"x","review_id":1}`} {
		apptest.AssertError(t, e.do(t, "POST", path, bob.Access, bad), 400, "VALIDATION_FAILED")
		if n, _ := e.DB.Ent.Comment.Query().Count(context.Background()); n != 0 {
			t.Fatalf("%s created a comment", bad)
		}
	}
	for _, bad := range []string{`{"reason":""}`, `{"reason":"` + strings.Repeat("r", 2001) + `"}`} {
		apptest.AssertError(t, e.do(t, "POST", fmt.Sprintf("/reviews/%d/reports", r.ID), bob.Access, bad), 400, "VALIDATION_FAILED")
		if n, _ := e.DB.Ent.ReviewReport.Query().Count(context.Background()); n != 0 {
			t.Fatalf("%s created a report", bad)
		}
	}
	var ids []int
	for i, acc := range []apptest.Account{bob, author, bob} {
		res := e.do(t, "POST", path, acc.Access, fmt.Sprintf(`{"body":"comment %d"}`, i))
		apptest.AssertStatus(t, res, http.StatusCreated)
		var c struct{ ID int }
		res.JSON(t, &c)
		ids = append(ids, c.ID)
	}
	var list struct {
		Items []struct {
			ID   int    `json:"id"`
			Body string `json:"body"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
		TotalItems int     `json:"total_items"`
	}
	e.do(t, "GET", path+"?cursor=&size=2", "", "").JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].Body != "comment 0" || list.NextCursor == nil {
		t.Fatalf("first cursor page: %+v", list)
	}
	e.do(t, "GET", path+"?size=2&cursor="+*list.NextCursor, "", "").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Body != "comment 2" || list.NextCursor != nil {
		t.Fatalf("last cursor page: %+v", list)
	}
	apptest.AssertError(t, e.do(t, "DELETE", fmt.Sprintf("/comments/%d", ids[0]), author.Access, ""), 403, "FORBIDDEN")
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/comments/%d", ids[0]), bob.Access, ""), http.StatusNoContent)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/comments/%d", ids[2]), admin.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "DELETE", fmt.Sprintf("/comments/%d", ids[2]), admin.Access, ""), 404, "RESOURCE_NOT_FOUND")
	e.do(t, "GET", path, "", "").JSON(t, &list)
	var got reviewJSON
	e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), "", "").JSON(t, &got)
	if list.TotalItems != 1 || got.CommentCount != 1 {
		t.Errorf("after deletes: %d comments listed, comment_count %d", list.TotalItems, got.CommentCount)
	}
	// Bob's two comments notify the author; the author's own does not.
	if ev := e.events.list(); len(ev) != 2 || ev[0] != fmt.Sprintf("commented:%d->%d", bob.ID, author.ID) {
		t.Errorf("events: %v", ev)
	}
}

func TestModeration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Controversial")
	author := apptest.SignUp(t, e.App.App)
	bob := apptest.SignUp(t, e.App.App)
	carol := apptest.SignUp(t, e.App.App)
	admin := apptest.SignUpAdmin(t, e.App)
	r := e.review(t, author.Access, movie, 2)
	keep := e.review(t, bob.Access, movie, 10)
	reports := fmt.Sprintf("/reviews/%d/reports", r.ID)

	apptest.AssertError(t, e.do(t, "POST", reports, author.Access, `{"reason":"me"}`), 403, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "POST", reports, bob.Access, `{"reason":""}`), 400, "VALIDATION_FAILED")
	apptest.AssertStatus(t, e.do(t, "POST", reports, bob.Access, `{"reason":"spoilers"}`), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "POST", reports, bob.Access, `{"reason":"again"}`), 409, "DUPLICATE_RESOURCE")
	apptest.AssertStatus(t, e.do(t, "POST", reports, carol.Access, `{"reason":"rude"}`), http.StatusNoContent)

	apptest.AssertError(t, e.do(t, "GET", "/admin/reports", bob.Access, ""), 403, "FORBIDDEN")
	var rep struct {
		Items []struct {
			Review      reviewJSON `json:"review"`
			OpenReports int        `json:"open_reports"`
			Reasons     []string   `json:"reasons"`
		} `json:"items"`
		TotalItems int `json:"total_items"`
	}
	res := e.do(t, "GET", "/admin/reports", admin.Access, "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &rep)
	if rep.TotalItems != 1 || rep.Items[0].Review.ID != r.ID || rep.Items[0].OpenReports != 2 || len(rep.Items[0].Reasons) != 2 {
		t.Fatalf("reports: %+v", rep)
	}
	// A second reported review comes after the more reported one.
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/reviews/%d/reports", keep.ID), carol.Access, `{"reason":"off-topic"}`), http.StatusNoContent)
	e.do(t, "GET", "/admin/reports", admin.Access, "").JSON(t, &rep)
	if rep.TotalItems != 2 || rep.Items[0].Review.ID != r.ID || rep.Items[1].Review.ID != keep.ID ||
		rep.Items[1].OpenReports != 1 || rep.Items[1].Reasons[0] != "off-topic" {
		t.Fatalf("two reported reviews: %+v", rep)
	}

	vis := fmt.Sprintf("/admin/reviews/%d/visibility", r.ID)
	apptest.AssertError(t, e.do(t, "PATCH", vis, author.Access, `{"hidden":false}`), 403, "FORBIDDEN")
	apptest.AssertStatus(t, e.do(t, "PATCH", vis, admin.Access, `{"hidden":true}`), 200)
	if c := e.aggregates(t, movie); c.RatingCount != 1 || c.RatingSum != 10 || c.ReviewCount != 1 {
		t.Errorf("hidden review still in the aggregates: %+v", c)
	}
	// Visible to its author and admins only, absent from every list.
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), bob.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), "", ""), 404, "RESOURCE_NOT_FOUND")
	var own reviewJSON
	e.do(t, "GET", fmt.Sprintf("/reviews/%d", r.ID), author.Access, "").JSON(t, &own)
	if !own.Hidden {
		t.Error("the author does not see the hidden flag")
	}
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", r.ID), bob.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "POST", fmt.Sprintf("/reviews/%d/comments", r.ID), bob.Access, `{"body":"hi"}`), 404, "RESOURCE_NOT_FOUND")
	for _, list := range []string{fmt.Sprintf("/contents/%d/reviews", movie), "/reviews/latest", "/reviews/popular",
		fmt.Sprintf("/users/%d/reviews", author.ID)} {
		body := string(e.do(t, "GET", list, admin.Access, "").Body)
		if strings.Contains(body, fmt.Sprintf(`"id":%d,`, r.ID)) {
			t.Errorf("%s lists the hidden review", list)
		}
		if list != fmt.Sprintf("/users/%d/reviews", author.ID) && !strings.Contains(body, fmt.Sprintf(`"id":%d,`, keep.ID)) {
			t.Errorf("%s lacks the visible review", list)
		}
	}
	if body := string(e.do(t, "GET", "/users/me/reviews", author.Access, "").Body); !strings.Contains(body, fmt.Sprintf(`"id":%d,`, r.ID)) {
		t.Error("the author's own list lacks the hidden review")
	}
	res = e.do(t, "GET", "/admin/reports", admin.Access, "")
	rep.Items = nil
	res.JSON(t, &rep)
	if rep.TotalItems != 1 || rep.Items[0].Review.ID != keep.ID {
		t.Errorf("hiding did not resolve the hidden review's reports: %+v", rep)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", vis, admin.Access, `{"hidden":false}`), 200)
	if c := e.aggregates(t, movie); c.RatingCount != 2 || c.RatingSum != 12 {
		t.Errorf("unhidden review not back in the aggregates: %+v", c)
	}
}

func TestListsAndCursors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Busy")
	var want []int
	for i := range 25 {
		acc := apptest.SignUp(t, e.App.App)
		r := e.review(t, acc.Access, movie, i%10+1)
		want = append([]int{r.ID}, want...) // newest first
	}
	walk := func(query string) []int {
		var ids []int
		cursor := ""
		for range 10 {
			var page struct {
				Items      []reviewJSON `json:"items"`
				NextCursor *string      `json:"next_cursor"`
			}
			res := e.do(t, "GET", fmt.Sprintf("/contents/%d/reviews?size=10&cursor=%s%s", movie, cursor, query), "", "")
			apptest.AssertStatus(t, res, 200)
			res.JSON(t, &page)
			for _, r := range page.Items {
				ids = append(ids, r.ID)
			}
			if page.NextCursor == nil {
				return ids
			}
			cursor = *page.NextCursor
		}
		t.Fatal("cursor walk does not end")
		return nil
	}
	if got := walk(""); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("latest by cursor: %v, want %v", got, want)
	}
	byRating := walk("&sort=rating")
	if len(byRating) != 25 {
		t.Errorf("rating walk: %d items", len(byRating))
	}
	var pg struct {
		Items      []reviewJSON `json:"items"`
		TotalItems int          `json:"total_items"`
		TotalPages int          `json:"total_pages"`
	}
	res := e.do(t, "GET", fmt.Sprintf("/contents/%d/reviews?size=10&page=3", movie), "", "")
	res.JSON(t, &pg)
	if pg.TotalItems != 25 || pg.TotalPages != 3 || len(pg.Items) != 5 || pg.Items[4].ID != want[24] {
		t.Errorf("page mode: %+v", pg)
	}
	if strings.Contains(string(res.Body), "next_cursor") {
		t.Error("page mode answers next_cursor")
	}
	for _, bad := range []string{"cursor=garbage", "sort=stars", "size=101", "page=0"} {
		apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/contents/%d/reviews?%s", movie, bad), "", ""), 400, "VALIDATION_FAILED")
	}
	// A cursor of one order is refused by another.
	var first struct {
		NextCursor *string `json:"next_cursor"`
	}
	e.do(t, "GET", fmt.Sprintf("/contents/%d/reviews?size=5&cursor=", movie), "", "").JSON(t, &first)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/contents/%d/reviews?sort=likes&cursor=%s", movie, *first.NextCursor), "", ""), 400, "VALIDATION_FAILED")
}

func TestFormerMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	movie := e.content(t, "Old")
	blocked := apptest.SignUp(t, e.App.App)
	gone := apptest.SignUp(t, e.App.App)
	r1 := e.review(t, blocked.Access, movie, 5)
	r2 := e.review(t, gone.Access, movie, 6)
	ctx := context.Background()
	if err := e.DB.Ent.User.UpdateOneID(blocked.ID).SetStatus(user.StatusBLOCKED).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	apptest.AssertStatus(t, e.do(t, "DELETE", "/users/me", gone.Access, ""), http.StatusNoContent)
	for _, id := range []int{r1.ID, r2.ID} {
		var r reviewJSON
		res := e.do(t, "GET", fmt.Sprintf("/reviews/%d", id), "", "")
		apptest.AssertStatus(t, res, 200)
		res.JSON(t, &r)
		if r.Author.ID != nil || r.Author.Nickname != "Former member" {
			t.Errorf("review %d author: %+v", id, r.Author)
		}
	}
	if c := e.aggregates(t, movie); c.RatingCount != 2 {
		t.Errorf("former members' ratings left the aggregates: %+v", c)
	}
}
