package reviews_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/comment"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/reviewlike"
)

// TestMixedWriteSoak runs 64 concurrent clients writing reviews, rating
// changes, deletions, likes, unlikes and comments for a fixed time
// (REELVIEW_SOAK, default 3s; the load figure uses 60s), then checks that no
// request failed with a 5xx and that every counter equals a recount.
func TestMixedWriteSoak(t *testing.T) {
	t.Parallel()
	duration := 3 * time.Second
	if v := os.Getenv("REELVIEW_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("REELVIEW_SOAK: %v", err)
		}
		duration = d
	}
	e := newEnv(t)
	const clients = 64
	movies := []int{e.content(t, "Soak A"), e.content(t, "Soak B"), e.content(t, "Soak C")}
	accounts := make([]apptest.Account, clients)
	for i := range accounts {
		accounts[i] = apptest.SignUp(t, e.App.App)
	}
	var (
		requests, fiveXX atomic.Int64
		reviewIDs        sync.Map // review id -> struct{}
		wg               sync.WaitGroup
	)
	deadline := time.Now().Add(duration)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := accounts[i]
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			pick := func() int {
				var ids []int
				reviewIDs.Range(func(k, _ any) bool {
					ids = append(ids, k.(int))
					return len(ids) < 50
				})
				if len(ids) == 0 {
					return 0
				}
				return ids[rng.IntN(len(ids))]
			}
			for time.Now().Before(deadline) {
				var res *apptest.Response
				movie := movies[rng.IntN(len(movies))]
				switch op := rng.IntN(10); {
				case op < 3:
					res = e.do(t, "POST", fmt.Sprintf("/contents/%d/reviews", movie), acc.Access,
						fmt.Sprintf(`{"rating":%d,"body":"soak"}`, 1+rng.IntN(10)))
					if res.Status == 201 {
						var r struct{ ID int }
						res.JSON(t, &r)
						reviewIDs.Store(r.ID, struct{}{})
					}
				case op < 4:
					res = e.do(t, "GET", "/users/me/reviews?size=1", acc.Access, "")
					var mine struct{ Items []struct{ ID int } }
					res.JSON(t, &mine)
					if len(mine.Items) > 0 {
						if rng.IntN(2) == 0 {
							res = e.do(t, "PATCH", fmt.Sprintf("/reviews/%d", mine.Items[0].ID), acc.Access,
								fmt.Sprintf(`{"rating":%d}`, 1+rng.IntN(10)))
						} else {
							res = e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", mine.Items[0].ID), acc.Access, "")
						}
					}
				case op < 7:
					if id := pick(); id > 0 {
						method := "PUT"
						if rng.IntN(3) == 0 {
							method = "DELETE"
						}
						res = e.do(t, method, fmt.Sprintf("/reviews/%d/like", id), acc.Access, "")
					}
				default:
					if id := pick(); id > 0 {
						res = e.do(t, "POST", fmt.Sprintf("/reviews/%d/comments", id), acc.Access, `{"body":"soak comment"}`)
					}
				}
				if res != nil {
					requests.Add(1)
					if res.Status >= 500 {
						fiveXX.Add(1)
						t.Errorf("5xx: %d %s", res.Status, res.Body)
					}
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests in %v from %d clients, %d 5xx", requests.Load(), duration, clients, fiveXX.Load())
	if fiveXX.Load() > 0 {
		t.Fatalf("%d requests failed with 5xx", fiveXX.Load())
	}
	assertCountersExact(t, e)
}

// assertCountersExact recounts every aggregate and counter from the rows.
func assertCountersExact(t *testing.T, e env) {
	t.Helper()
	ctx := context.Background()
	all, err := e.DB.Ent.Content.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		live, err := e.DB.Ent.Review.Query().Where(review.ContentID(c.ID), review.Hidden(false)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hist := make([]int, 10)
		sum := 0
		for _, r := range live {
			hist[r.Rating-1]++
			sum += r.Rating
		}
		if c.RatingCount != len(live) || c.ReviewCount != len(live) || c.RatingSum != int64(sum) || fmt.Sprint(c.RatingHistogram) != fmt.Sprint(hist) {
			t.Errorf("content %d: stored count %d sum %d hist %v; recount %d %d %v",
				c.ID, c.RatingCount, c.RatingSum, c.RatingHistogram, len(live), sum, hist)
		}
		for _, r := range live {
			likes, _ := e.DB.Ent.ReviewLike.Query().Where(reviewlike.ReviewID(r.ID)).Count(ctx)
			comments, _ := e.DB.Ent.Comment.Query().Where(comment.ReviewID(r.ID)).Count(ctx)
			if r.LikeCount != likes || r.CommentCount != comments {
				t.Errorf("review %d: like_count %d (recount %d), comment_count %d (recount %d)",
					r.ID, r.LikeCount, likes, r.CommentCount, comments)
			}
		}
	}
}
