package seed_test

import (
	"context"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/seed"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/modules/auth"
)

func TestDemoSeedsOnceAndAccountsSignIn(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, auth.Module)
	ctx := context.Background()
	res, err := seed.Demo(ctx, a.DB.Ent, a.Config.Auth.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	if res.Genres != 35 || res.Contents < 40 || res.Accounts != 2 {
		t.Fatalf("seeded %+v", res)
	}
	again, err := seed.Demo(ctx, a.DB.Ent, a.Config.Auth.BcryptCost)
	if err != nil || again != (seed.Result{}) {
		t.Fatalf("second run: %+v, %v; want nothing inserted", again, err)
	}
	if n, _ := a.DB.Ent.Content.Query().Count(ctx); n != res.Contents {
		t.Errorf("%d contents in the database, seeded %d", n, res.Contents)
	}
	apptest.Login(t, a.App, seed.DemoAccounts[0][0], seed.DemoPassword)
	withGenres, err := a.DB.Ent.Content.Query().Where(content.HasGenres()).Count(ctx)
	if err != nil || withGenres < res.Contents-2 {
		t.Errorf("%d of %d contents have genres (%v)", withGenres, res.Contents, err)
	}
}
