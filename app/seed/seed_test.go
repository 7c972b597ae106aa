package seed_test

import (
	"context"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/seed"
	"github.com/reelview/reelview/ent/comment"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/reviewlike"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/users"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, auth.Module, users.Module)
	ctx := context.Background()
	res, err := seed.Demo(ctx, a.DB.Ent, seed.Options{BcryptCost: a.Config.Auth.BcryptCost, AdminPassword: "an admin passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Genres != 35 || res.Contents < 200 || res.Accounts != 43 || res.Reviews < 200 || res.Likes < 200 || res.Comments < 100 {
		t.Fatalf("seeded %+v", res)
	}
	// The configured admin password is used; the users' one is generated
	// and reported once.
	if _, ok := res.Passwords[seed.DemoAdminEmail]; ok || len(res.Passwords) != 1 {
		t.Errorf("generated passwords: %v", res.Passwords)
	}
	var userPassword string
	for _, p := range res.Passwords {
		userPassword = p
	}
	admin, _ := apptest.Login(t, a.App, seed.DemoAdminEmail, "an admin passphrase")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", admin, ""), 200)
	for _, email := range seed.DemoUserEmails {
		apptest.Login(t, a.App, email, userPassword)
	}

	// Idempotent.
	again, err := seed.Demo(ctx, a.DB.Ent, seed.Options{BcryptCost: 4})
	if err != nil || again.Contents != 0 || again.Accounts != 0 {
		t.Fatalf("second run: %+v, %v; want nothing inserted", again, err)
	}
	// Korean titles are there to search.
	if n, _ := a.DB.Ent.Content.Query().Where(content.OriginalLanguage("ko")).Count(ctx); n < 20 {
		t.Errorf("%d Korean titles", n)
	}
	// Every counter and aggregate matches the rows.
	all, _ := a.DB.Ent.Content.Query().All(ctx)
	for _, c := range all {
		rs, _ := a.DB.Ent.Review.Query().Where(review.ContentID(c.ID)).All(ctx)
		sum := 0
		for _, r := range rs {
			sum += r.Rating
			likes, _ := a.DB.Ent.ReviewLike.Query().Where(reviewlike.ReviewID(r.ID)).Count(ctx)
			comments, _ := a.DB.Ent.Comment.Query().Where(comment.ReviewID(r.ID)).Count(ctx)
			if likes != r.LikeCount || comments != r.CommentCount {
				t.Fatalf("review %d: like_count %d/%d comment_count %d/%d", r.ID, r.LikeCount, likes, r.CommentCount, comments)
			}
		}
		if c.RatingCount != len(rs) || c.ReviewCount != len(rs) || c.RatingSum != int64(sum) {
			t.Fatalf("content %d: %d/%d ratings, sum %d/%d", c.ID, c.RatingCount, len(rs), c.RatingSum, sum)
		}
	}
}
