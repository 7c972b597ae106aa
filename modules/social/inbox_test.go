package social_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reelview/reelview/app/apptest"
)

// entries lists recipient's inbox rows as "src actor event", newest first.
func (e env) entries(t testing.TB, recipient int) []string {
	t.Helper()
	rows, err := e.DB.SQL.Query(`SELECT src, actor_id, event_id FROM feed_entries WHERE recipient_id = $1
		ORDER BY created_at DESC, src DESC, event_id DESC`, recipient)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var src string
		var actor, id int
		if err := rows.Scan(&src, &actor, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %d", src, actor, id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e env) likeID(t testing.TB, userID, reviewID int) int {
	t.Helper()
	var id int
	if err := e.DB.SQL.QueryRow(`SELECT id FROM review_likes WHERE user_id = $1 AND review_id = $2`, userID, reviewID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestFeedInbox follows the inbox rows through every write that changes
// them: a follow copies the followee's past events, new events fan out to
// approved followers only, an unlike, a deleted review and a list made
// private leave every inbox, an unfollow and a block empty the inbox of
// the other's events, an approved request and an account made public copy
// them.
func TestFeedInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, ada, bob, cy := e.user(t), e.user(t), e.user(t), e.user(t)
	m1, m2, m3 := e.content(t, "Inbox one"), e.content(t, "Inbox two"), e.content(t, "Inbox three")
	// Before any follow: ada's events reach no inbox.
	old := e.review(t, ada, m1, "before the follow")
	bobs := e.review(t, bob, m1, "bob's")
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", bobs), ada.Access, ""), http.StatusNoContent)
	oldLike := e.likeID(t, ada.ID, bobs)
	if got := e.entries(t, me.ID); len(got) != 0 {
		t.Fatalf("inbox before following: %v", got)
	}
	// The follow copies them, newest first.
	e.follow(t, me, ada.ID)
	want := []string{fmt.Sprintf("l %d %d", ada.ID, oldLike), fmt.Sprintf("r %d %d", ada.ID, old)}
	if got := e.entries(t, me.ID); !slices.Equal(got, want) {
		t.Fatalf("after the follow: %v, want %v", got, want)
	}
	// A second follow request changes nothing.
	e.follow(t, me, ada.ID)
	if got := e.entries(t, me.ID); !slices.Equal(got, want) {
		t.Fatalf("after following again: %v, want %v", got, want)
	}
	// New events fan out: to me (following ada), not to cy (not following).
	r2 := e.review(t, ada, m2, "")
	want = append([]string{fmt.Sprintf("r %d %d", ada.ID, r2)}, want...)
	if got := e.entries(t, me.ID); !slices.Equal(got, want) {
		t.Fatalf("after ada's rating: %v, want %v", got, want)
	}
	if got := e.entries(t, cy.ID); len(got) != 0 {
		t.Fatalf("cy's inbox: %v", got)
	}
	// An unlike and a deleted review leave the inbox.
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d/like", bobs), ada.Access, ""), http.StatusNoContent)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d", old), ada.Access, ""), http.StatusNoContent)
	want = []string{fmt.Sprintf("r %d %d", ada.ID, r2)}
	if got := e.entries(t, me.ID); !slices.Equal(got, want) {
		t.Fatalf("after the unlike and the deletion: %v, want %v", got, want)
	}
	// A public list is an entry that moves with its last change; made
	// private it leaves.
	res := e.do(t, "POST", "/lists", ada.Access, `{"title":"Inbox list"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var l struct{ ID int }
	res.JSON(t, &l)
	e.review(t, ada, m3, "after the list")
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, m1), ada.Access, `{}`), http.StatusOK)
	if got := e.entries(t, me.ID); len(got) != 3 || got[0] != fmt.Sprintf("t %d %d", ada.ID, l.ID) {
		t.Fatalf("after the list changed: %v", got)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/lists/%d", l.ID), ada.Access, `{"visibility":"UNLISTED"}`), http.StatusOK)
	if got := e.entries(t, me.ID); len(got) != 2 || slices.Contains(got, fmt.Sprintf("t %d %d", ada.ID, l.ID)) {
		t.Fatalf("after the list was unlisted: %v", got)
	}
	// An unfollow empties the inbox of ada's events.
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/follow", ada.ID), me.Access, ""), http.StatusNoContent)
	if got := e.entries(t, me.ID); len(got) != 0 {
		t.Fatalf("after the unfollow: %v", got)
	}
	// A block empties both inboxes of each other's events.
	e.follow(t, me, ada.ID)
	e.follow(t, ada, me.ID)
	mine := e.review(t, me, m3, "mine")
	if got := e.entries(t, ada.ID); !slices.Equal(got, []string{fmt.Sprintf("r %d %d", me.ID, mine)}) {
		t.Fatalf("ada's inbox: %v", got)
	}
	if got := e.entries(t, me.ID); len(got) != 2 {
		t.Fatalf("my inbox after following ada again: %v", got)
	}
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", me.ID), ada.Access, ""), http.StatusNoContent)
	if a, m := e.entries(t, ada.ID), e.entries(t, me.ID); len(a)+len(m) != 0 {
		t.Fatalf("after the block: ada's %v, mine %v", a, m)
	}
	// A private account: a request copies nothing, its approval does; the
	// account made public copies the other requests.
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", bob.Access, `{"private":true}`), http.StatusOK)
	if s := e.follow(t, me, bob.ID); s != "PENDING" {
		t.Fatalf("status %q", s)
	}
	if s := e.follow(t, cy, bob.ID); s != "PENDING" {
		t.Fatalf("status %q", s)
	}
	if got := e.entries(t, me.ID); len(got) != 0 {
		t.Fatalf("a pending request filled the inbox: %v", got)
	}
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/approve", me.ID), bob.Access, ""), http.StatusNoContent)
	if got := e.entries(t, me.ID); !slices.Equal(got, []string{fmt.Sprintf("r %d %d", bob.ID, bobs)}) {
		t.Fatalf("after the approval: %v", got)
	}
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", bob.Access, `{"private":false}`), http.StatusOK)
	if got := e.entries(t, cy.ID); !slices.Equal(got, []string{fmt.Sprintf("r %d %d", bob.ID, bobs)}) {
		t.Fatalf("after bob went public: %v", got)
	}
}

// TestFeedInboxConcurrent: people follow ada while she reviews and likes,
// all at once. Whatever the interleaving, each follower's inbox ends with
// every one of her events exactly once (a follow's copy and an event's
// fan-out never both miss, nor both write), and the feed shows them all.
func TestFeedInboxConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	const followers, events = 8, 8
	fans := make([]apptest.Account, followers)
	for i := range fans {
		fans[i] = e.user(t)
	}
	movies := make([]int, events)
	bobs := make([]int, events)
	for i := range movies {
		movies[i] = e.content(t, fmt.Sprintf("Concurrent %d", i))
		bobs[i] = e.review(t, bob, movies[i], "bob's")
	}
	var wg sync.WaitGroup
	for _, f := range fans {
		wg.Go(func() { e.follow(t, f, ada.ID) })
	}
	for i := range events {
		wg.Go(func() {
			if i%2 == 0 {
				e.review(t, ada, movies[i], "")
				return
			}
			apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", bobs[i]), ada.Access, ""), http.StatusNoContent)
		})
	}
	wg.Wait()
	ctx := context.Background()
	var adaEvents int
	if err := e.DB.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM reviews WHERE user_id = $1)
		+ (SELECT count(*) FROM review_likes WHERE user_id = $1)`, ada.ID).Scan(&adaEvents); err != nil {
		t.Fatal(err)
	}
	if adaEvents != events {
		t.Fatalf("ada has %d events, want %d", adaEvents, events)
	}
	for _, f := range fans {
		if got := e.entries(t, f.ID); len(got) != events {
			t.Errorf("follower %d: %d entries, want %d: %v", f.ID, len(got), events, got)
		}
		if got := e.feedIDs(t, f.Access, 3); len(got) != events {
			t.Errorf("follower %d: a feed of %d items, want %d", f.ID, len(got), events)
		}
	}
}

// TestFeedFanOutJob: with FEED_FANOUT_INLINE=2, an event of an account
// with five followers reaches the first two inboxes in its own transaction
// and the other three through the fan-out job, once each; a list changed
// again moves every entry to the new time; an unlike removes the like from
// all five, whether or not the job had run.
func TestFeedFanOutJob(t *testing.T) {
	t.Parallel()
	c := apptest.Config(t)
	c.Feed.FanOutInline = 2
	c.Jobs.PollInterval = 20 * time.Millisecond
	e := newEnvWith(t, c)
	ada, bob := e.user(t), e.user(t)
	fans := make([]apptest.Account, 5)
	for i := range fans {
		fans[i] = e.user(t)
		e.follow(t, fans[i], ada.ID)
	}
	slices.SortFunc(fans, func(a, b apptest.Account) int { return a.ID - b.ID })
	// waitFor polls until every fan's inbox is want(fan).
	waitFor := func(what string, want func(f apptest.Account) []string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			done := true
			for _, f := range fans {
				if !slices.Equal(e.entries(t, f.ID), want(f)) {
					done = false
				}
			}
			if done {
				return
			}
			if time.Now().After(deadline) {
				for _, f := range fans {
					t.Errorf("%s: fan %d: %v, want %v", what, f.ID, e.entries(t, f.ID), want(f))
				}
				t.FailNow()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	m := e.content(t, "Fan-out job")
	r := e.review(t, ada, m, "to five")
	reviewEntry := fmt.Sprintf("r %d %d", ada.ID, r)
	// The first two in follower order have it as the request returns.
	for _, f := range fans[:2] {
		if got := e.entries(t, f.ID); !slices.Equal(got, []string{reviewEntry}) {
			t.Errorf("fan %d right after the review: %v", f.ID, got)
		}
	}
	waitFor("the review", func(apptest.Account) []string { return []string{reviewEntry} })
	for _, f := range fans {
		if got := e.feedIDs(t, f.Access, 5); !slices.Equal(got, []int{r}) {
			t.Errorf("fan %d's feed: %v", f.ID, got)
		}
	}
	// A list, then a change of it: every entry ends at the change's time.
	res := e.do(t, "POST", "/lists", ada.Access, `{"title":"Fanned out"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var l struct{ ID int }
	res.JSON(t, &l)
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, m), ada.Access, `{}`), http.StatusOK)
	listEntry := fmt.Sprintf("t %d %d", ada.ID, l.ID)
	waitFor("the list", func(apptest.Account) []string { return []string{listEntry, reviewEntry} })
	// The first fan-out job may write the older time before the second
	// writes the newer one: wait for the second.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var stale int
		if err := e.DB.SQL.QueryRow(`SELECT count(*) FROM feed_entries f JOIN lists l ON l.id = f.event_id
			WHERE f.src = 't' AND f.created_at <> l.updated_at`).Scan(&stale); err != nil {
			t.Fatal(err)
		}
		if stale == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d list entries not at the list's last change", stale)
		}
	}
	// A like undone at once leaves no inbox, job or not.
	br := e.review(t, bob, m, "bob's")
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/reviews/%d/like", br), ada.Access, ""), http.StatusNoContent)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/reviews/%d/like", br), ada.Access, ""), http.StatusNoContent)
	time.Sleep(300 * time.Millisecond) // the job's turn
	waitFor("the unlike", func(apptest.Account) []string { return []string{listEntry, reviewEntry} })
}
