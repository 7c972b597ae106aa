package notifications_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/notifications"
	"github.com/reelview/reelview/modules/reviews"
)

type inboxPage struct {
	Items []struct {
		ID       int    `json:"id"`
		Type     string `json:"type"`
		ActorID  *int   `json:"actor_id"`
		ReviewID *int   `json:"review_id"`
		Text     string `json:"text"`
		Read     bool   `json:"read"`
	} `json:"items"`
	NextCursor  *string `json:"next_cursor"`
	UnreadCount int     `json:"unread_count"`
}

func TestInbox(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, auth.Module, contents.Module, reviews.Module, notifications.Module)
	ctx := context.Background()
	movie, err := a.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle("Alien").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	author := apptest.SignUp(t, a.App)
	bob := apptest.SignUp(t, a.App)
	carol := apptest.SignUp(t, a.App)
	res := apptest.Do(t, a.App, "POST", fmt.Sprintf("/api/v1/contents/%d/reviews", movie.ID), author.Access, `{"rating":9}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var r struct{ ID int }
	res.JSON(t, &r)
	like := func(acc apptest.Account, method string) {
		apptest.AssertStatus(t, apptest.Do(t, a.App, method, fmt.Sprintf("/api/v1/reviews/%d/like", r.ID), acc.Access, ""), http.StatusNoContent)
	}
	inbox := func(acc apptest.Account, query string) inboxPage {
		res := apptest.Do(t, a.App, "GET", "/api/v1/users/me/notifications"+query, acc.Access, "")
		apptest.AssertStatus(t, res, 200)
		var p inboxPage
		res.JSON(t, &p)
		return p
	}

	like(bob, "PUT")
	like(bob, "DELETE")
	like(bob, "PUT") // within a day: no second notification
	like(carol, "PUT")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", fmt.Sprintf("/api/v1/reviews/%d/comments", r.ID), bob.Access, `{"body":"So tense!"}`), http.StatusCreated)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", fmt.Sprintf("/api/v1/reviews/%d/comments", r.ID), author.Access, `{"body":"Thanks"}`), http.StatusCreated)

	p := inbox(author, "")
	if len(p.Items) != 3 || p.UnreadCount != 3 || p.NextCursor != nil {
		t.Fatalf("inbox: %+v", p)
	}
	if p.Items[0].Type != "REVIEW_COMMENTED" || !strings.Contains(p.Items[0].Text, "So tense!") ||
		!strings.Contains(p.Items[1].Text, "liked your review of Alien") || *p.Items[2].ActorID != bob.ID {
		t.Errorf("items (newest first): %+v", p.Items)
	}
	// Nobody else sees them, and nobody else can mark them read.
	if other := inbox(bob, ""); len(other.Items) != 0 || other.UnreadCount != 0 {
		t.Errorf("bob's inbox: %+v", other)
	}
	res = apptest.Do(t, a.App, "POST", "/api/v1/users/me/notifications/read", bob.Access, fmt.Sprintf(`{"ids":[%d]}`, p.Items[0].ID))
	apptest.AssertStatus(t, res, 200)
	if inbox(author, "").UnreadCount != 3 {
		t.Fatal("another user marked the author's notification read")
	}
	// Cursor pages.
	first := inbox(author, "?size=2")
	if len(first.Items) != 2 || first.NextCursor == nil {
		t.Fatalf("first page: %+v", first)
	}
	second := inbox(author, "?size=2&cursor="+*first.NextCursor)
	if len(second.Items) != 1 || second.NextCursor != nil || second.Items[0].ID != p.Items[2].ID {
		t.Fatalf("second page: %+v", second)
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me/notifications?cursor=bogus", author.Access, ""), 400, "VALIDATION_FAILED")
	// Mark one, then all.
	var after struct {
		UnreadCount int `json:"unread_count"`
	}
	apptest.Do(t, a.App, "POST", "/api/v1/users/me/notifications/read", author.Access, fmt.Sprintf(`{"ids":[%d]}`, p.Items[0].ID)).JSON(t, &after)
	if after.UnreadCount != 2 {
		t.Errorf("unread after marking one: %d", after.UnreadCount)
	}
	apptest.Do(t, a.App, "POST", "/api/v1/users/me/notifications/read", author.Access, `{}`).JSON(t, &after)
	if after.UnreadCount != 0 || !inbox(author, "").Items[2].Read {
		t.Errorf("unread after marking all: %d", after.UnreadCount)
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me/notifications", "", ""), 401, "UNAUTHORIZED")
}
