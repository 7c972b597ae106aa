package contents_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

var modules = []fx.Option{auth.Module, contents.Module}

type env struct {
	*apptest.App
	svc *contents.Service
}

func newEnv(t *testing.T) env {
	t.Helper()
	var svc *contents.Service
	a := apptest.New(t, append(modules, fx.Populate(&svc))...)
	return env{App: a, svc: svc}
}

type item struct {
	ID            int     `json:"id"`
	Title         string  `json:"title"`
	AvgRating     float64 `json:"avg_rating"`
	RatingCount   int     `json:"rating_count"`
	ReviewCount   int     `json:"review_count"`
	BookmarkCount int     `json:"bookmark_count"`
	Bookmarked    *bool   `json:"bookmarked"`
	MyRating      *int    `json:"my_rating"`
	Genres        []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"genres"`
	RatingHistogram []struct{ Rating, Count int } `json:"rating_histogram"`
}

type page struct {
	Items      []item `json:"items"`
	Page       int    `json:"page"`
	Size       int    `json:"size"`
	TotalItems int    `json:"total_items"`
	TotalPages int    `json:"total_pages"`
}

func list(t *testing.T, e env, query, token string) page {
	t.Helper()
	res := apptest.Do(t, e.App.App, "GET", "/api/v1/contents?"+query, token, "")
	apptest.AssertStatus(t, res, 200)
	var p page
	res.JSON(t, &p)
	return p
}

func titles(p page) []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.Title
	}
	return out
}

type seedContent struct {
	typ, title, original string
	year                 int
	popularity, rating   float64
	genres               []int
}

func seedContents(t testing.TB, db *ent.Client, items ...seedContent) []int {
	t.Helper()
	ids := make([]int, len(items))
	for i, s := range items {
		c := db.Content.Create().SetType(content.Type(s.typ)).SetTitle(s.title).SetOriginalTitle(s.original).
			SetPopularity(s.popularity).SetAvgRating(s.rating).AddGenreIDs(s.genres...)
		if s.year > 0 {
			c.SetReleaseDate(time.Date(s.year, 6, 1, 0, 0, 0, 0, time.UTC))
		}
		row, err := c.Save(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = row.ID
	}
	return ids
}

func seedGenre(t testing.TB, db *ent.Client, typ, name string) int {
	t.Helper()
	g, err := db.Genre.Create().SetType(genre.Type(typ)).SetName(name).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedContents(t, e.DB.Ent,
		seedContent{typ: "movie", title: "Parasite", original: "기생충", popularity: 5},
		seedContent{typ: "movie", title: "어벤져스: 엔드게임", original: "Avengers: Endgame", popularity: 4},
		seedContent{typ: "movie", title: "The Avengers", original: "The Avengers", popularity: 3},
		seedContent{typ: "movie", title: "100% Wolf", original: "100% Wolf", popularity: 2},
		seedContent{typ: "tv", title: "under_score", original: "", popularity: 1},
		seedContent{typ: "tv", title: "underXscore", original: "", popularity: 0},
	)
	for q, want := range map[string]string{
		"기생":        "Parasite",
		"엔드게임":      "어벤져스: 엔드게임",
		"AVENGERS":  "어벤져스: 엔드게임,The Avengers",
		"avengers:": "어벤져스: 엔드게임",
		"%":         "100% Wolf",
		"0% w":      "100% Wolf",
		"_":         "under_score",
		"der_sc":    "under_score",
		"nothing":   "",
	} {
		got := strings.Join(titles(list(t, e, "q="+url.QueryEscape(q), "")), ",")
		if got != want {
			t.Errorf("q=%q: %q, want %q", q, got, want)
		}
	}
}

func TestFiltersAndSorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drama := seedGenre(t, e.DB.Ent, "movie", "Drama")
	crime := seedGenre(t, e.DB.Ent, "movie", "Crime")
	seedContents(t, e.DB.Ent,
		seedContent{typ: "movie", title: "A", year: 1994, popularity: 10, rating: 9.1, genres: []int{drama, crime}},
		seedContent{typ: "movie", title: "B", year: 1999, popularity: 10, rating: 8.0, genres: []int{drama}},
		seedContent{typ: "movie", title: "C", year: 2008, popularity: 10, rating: 7.0, genres: []int{crime}},
		seedContent{typ: "tv", title: "D", year: 2011, popularity: 20, rating: 9.4},
		seedContent{typ: "movie", title: "E", popularity: 1},
	)
	for query, want := range map[string]string{
		"type=tv":                    "D",
		"type=movie&sort=title":      "A,B,C,E",
		"genre=" + fmt.Sprint(drama): "B,A", // popularity tie: higher id first
		fmt.Sprintf("genre=%d&genre=%d", drama, crime): "A",
		"year_from=1995&year_to=2008&sort=title":       "B,C",
		"year_from=2000&sort=title":                    "C,D",
		"min_rating=8&sort=rating":                     "D,A,B",
		"sort=rating&order=asc":                        "E,C,B,A,D",
		"sort=release_date":                            "D,C,B,A,E", // no date: last
		"sort=release_date&order=asc":                  "A,B,C,D,E",
		"sort=title&order=desc":                        "E,D,C,B,A",
		"sort=popularity":                              "D,C,B,A,E", // ties: by id, same direction
		"sort=popularity&order=asc":                    "E,A,B,C,D",
	} {
		if got := strings.Join(titles(list(t, e, query, "")), ","); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
	// Paging through ties never repeats or skips an item.
	var seen []string
	for p := 1; p <= 3; p++ {
		pg := list(t, e, fmt.Sprintf("sort=popularity&size=2&page=%d", p), "")
		if pg.TotalItems != 5 || pg.TotalPages != 3 || pg.Page != p || pg.Size != 2 {
			t.Errorf("page %d envelope: %+v", p, pg)
		}
		seen = append(seen, titles(pg)...)
	}
	if got := strings.Join(seen, ","); got != "D,C,B,A,E" {
		t.Errorf("pages: %s", got)
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for query, field := range map[string]string{
		"sort=budget":                   "sort",
		"order=sideways":                "order",
		"size=101":                      "size",
		"size=0":                        "size",
		"page=0":                        "page",
		"q=" + strings.Repeat("q", 201): "q",
		"year_from=2001&year_to=2000":   "year_from",
		"type=anime":                    "type",
		"min_rating=11":                 "min_rating",
		"genre=abc":                     "genre",
	} {
		res := apptest.Do(t, e.App.App, "GET", "/api/v1/contents?"+query, "", "")
		b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
		if len(b.Details) == 0 || !strings.HasPrefix(b.Details[0].Field, field) {
			t.Errorf("%s: details %+v, want field %s", query, b.Details, field)
		}
	}
}

func TestDetailAndViewerState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drama := seedGenre(t, e.DB.Ent, "movie", "Drama")
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Alien", genres: []int{drama}})
	acc := apptest.SignUp(t, e.App.App)
	path := fmt.Sprintf("/api/v1/contents/%d", ids[0])

	res := apptest.Do(t, e.App.App, "GET", path, "", "")
	apptest.AssertStatus(t, res, 200)
	var d item
	res.JSON(t, &d)
	if d.Title != "Alien" || len(d.Genres) != 1 || d.Genres[0].Name != "Drama" || len(d.RatingHistogram) != 10 ||
		d.Bookmarked != nil || d.MyRating != nil {
		t.Errorf("anonymous detail: %+v", d)
	}
	apptest.AssertStatus(t, apptest.Do(t, e.App.App, "PUT", path+"/bookmark", acc.Access, ""), http.StatusNoContent)
	addReview(t, e, acc.ID, ids[0], 8)
	res = apptest.Do(t, e.App.App, "GET", path, acc.Access, "")
	res.JSON(t, &d)
	if d.Bookmarked == nil || !*d.Bookmarked || d.MyRating == nil || *d.MyRating != 8 || d.BookmarkCount != 1 ||
		d.RatingCount != 1 || d.AvgRating != 8 || d.RatingHistogram[7].Count != 1 {
		t.Errorf("signed-in detail: %+v", d)
	}
	// The caller's state never leaks to others through the cache.
	other := apptest.SignUp(t, e.App.App)
	res = apptest.Do(t, e.App.App, "GET", path, other.Access, "")
	var od item
	res.JSON(t, &od)
	if od.Bookmarked == nil || *od.Bookmarked || od.MyRating != nil {
		t.Errorf("another caller sees: bookmarked=%v my_rating=%v", od.Bookmarked, od.MyRating)
	}
	res = apptest.Do(t, e.App.App, "GET", path, "", "")
	if strings.Contains(string(res.Body), "bookmarked") || strings.Contains(string(res.Body), "my_rating") {
		t.Errorf("anonymous detail carries caller fields: %s", res.Body)
	}
	apptest.AssertError(t, apptest.Do(t, e.App.App, "GET", "/api/v1/contents/999999", "", ""), 404, "RESOURCE_NOT_FOUND")
}

// addReview writes a review and its aggregates as the reviews module will:
// in one transaction, through ApplyReview.
func addReview(t *testing.T, e env, userID, contentID, rating int) {
	t.Helper()
	ctx := context.Background()
	tx, err := e.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Review.Create().SetUserID(userID).SetContentID(contentID).SetRating(rating).Save(ctx); err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	if err := e.svc.ApplyReview(ctx, tx, contentID, contents.ReviewChange{NewRating: rating}); err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestAggregatesStayExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := seedContents(t, e.DB.Ent, seedContent{typ: "movie", title: "Crowded"})
	const n = 20
	users := make([]int, n)
	for i := range users {
		u, err := e.DB.Ent.User.Create().SetEmail(fmt.Sprintf("r%d@example.com", i)).SetNickname(fmt.Sprintf("r%d", i)).Save(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u.ID
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addReview(t, e, users[i], ids[0], i%10+1)
		}()
	}
	wg.Wait()
	// One rating changes 10 → 1, one review is deleted (rating 2).
	ctx := context.Background()
	tx, _ := e.DB.Ent.Tx(ctx)
	if err := e.svc.ApplyReview(ctx, tx, ids[0], contents.ReviewChange{OldRating: 10, NewRating: 1}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ApplyReview(ctx, tx, ids[0], contents.ReviewChange{OldRating: 2}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	c, _ := e.DB.Ent.Content.Get(ctx, ids[0])
	// 20 ratings 1..10 twice (sum 110), then 10→1 (-9) and one 2 removed.
	if c.RatingCount != 19 || c.ReviewCount != 19 || c.RatingSum != 99 {
		t.Fatalf("count %d reviews %d sum %d, want 19 19 99", c.RatingCount, c.ReviewCount, c.RatingSum)
	}
	want := []int{3, 1, 2, 2, 2, 2, 2, 2, 2, 1}
	for i := range want {
		if c.RatingHistogram[i] != want[i] {
			t.Fatalf("histogram %v, want %v", c.RatingHistogram, want)
		}
	}
	var d item
	res := apptest.Do(t, e.App.App, "GET", fmt.Sprintf("/api/v1/contents/%d", ids[0]), "", "")
	res.JSON(t, &d)
	if d.AvgRating != 5.2 { // 99/19 = 5.21
		t.Errorf("avg_rating %v, want 5.2", d.AvgRating)
	}
}
