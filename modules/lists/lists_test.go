package lists_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social"
	"github.com/reelview/reelview/modules/users"
)

type env struct {
	*apptest.App
	svc *lists.Service
}

func newEnv(t testing.TB) env {
	t.Helper()
	var svc *lists.Service
	a := apptest.New(t, auth.Module, users.Module, contents.Module, reviews.Module, social.Module, lists.Module,
		fx.Populate(&svc))
	return env{a, svc}
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

type listBody struct {
	ID          int    `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Visibility  string `json:"visibility"`
	ItemCount   int    `json:"item_count"`
	LikeCount   int    `json:"like_count"`
	Owner       struct {
		ID       int    `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"owner"`
	UpdatedAt time.Time `json:"updated_at"`
	LikedByMe *bool     `json:"liked_by_me"`
	Items     []item    `json:"items"`
	Next      *string   `json:"next_cursor"`
}

type item struct {
	Position int    `json:"position"`
	Note     string `json:"note"`
	Content  struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
	} `json:"content"`
}

func (e env) create(t testing.TB, who apptest.Account, body string) listBody {
	t.Helper()
	res := e.do(t, "POST", "/lists", who.Access, body)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var l listBody
	res.JSON(t, &l)
	return l
}

func (e env) get(t testing.TB, id int, token string) listBody {
	t.Helper()
	res := e.do(t, "GET", fmt.Sprintf("/lists/%d?size=100", id), token, "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var l listBody
	res.JSON(t, &l)
	return l
}

func (e env) put(t testing.TB, who apptest.Account, listID, contentID int, body string) item {
	t.Helper()
	res := e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", listID, contentID), who.Access, body)
	apptest.AssertStatus(t, res, http.StatusOK)
	var it item
	res.JSON(t, &it)
	return it
}

// order returns the content ids of a list in position order, checking
// that the positions are 1..n and item_count is n.
func (e env) order(t testing.TB, who apptest.Account, id int) []int {
	t.Helper()
	l := e.get(t, id, who.Access)
	ids := make([]int, len(l.Items))
	for i, it := range l.Items {
		if it.Position != i+1 {
			t.Fatalf("positions not 1..n: %+v", l.Items)
		}
		ids[i] = it.Content.ID
	}
	if l.ItemCount != len(ids) {
		t.Fatalf("item_count %d, %d items", l.ItemCount, len(ids))
	}
	return ids
}

func (e env) dbList(t testing.TB, id int) *ent.List {
	t.Helper()
	l, err := e.DB.Ent.List.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCreateEditDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	admin := apptest.SignUpAdmin(t, e.App)

	l := e.create(t, ada, `{"title":"  Best heist movies ","description":"Crews and vaults.\nOne last job."}`)
	if l.Title != "Best heist movies" || l.Visibility != "PUBLIC" || l.Owner.ID != ada.ID || l.ItemCount != 0 || l.LikedByMe == nil || *l.LikedByMe {
		t.Errorf("created: %+v", l)
	}
	for _, tt := range []struct{ name, body, field string }{
		{"empty title", `{"title":"   "}`, "title"},
		{"long title", `{"title":"` + strings.Repeat("é", 101) + `"}`, "title"},
		{"long description", `{"title":"x","description":"` + strings.Repeat("a", 2001) + `"}`, "description"},
		{"bad visibility", `{"title":"x","visibility":"public"}`, "visibility"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := apptest.AssertError(t, e.do(t, "POST", "/lists", bob.Access, tt.body), http.StatusBadRequest, "VALIDATION_FAILED")
			if !strings.Contains(fmt.Sprint(b.Details), tt.field) {
				t.Errorf("details %v, want %s", b.Details, tt.field)
			}
		})
	}
	if n, _ := e.DB.Ent.List.Query().Where(list.UserID(bob.ID)).Count(context.Background()); n != 0 {
		t.Errorf("refused creates left %d lists", n)
	}
	apptest.AssertError(t, e.do(t, "POST", "/lists", "", `{"title":"x"}`), http.StatusUnauthorized, "UNAUTHORIZED")

	// Only the owner edits; absent fields stay.
	res := e.do(t, "PATCH", fmt.Sprintf("/lists/%d", l.ID), ada.Access, `{"visibility":"UNLISTED"}`)
	apptest.AssertStatus(t, res, http.StatusOK)
	var edited listBody
	res.JSON(t, &edited)
	if edited.Visibility != "UNLISTED" || edited.Title != "Best heist movies" || !edited.UpdatedAt.After(l.UpdatedAt) {
		t.Errorf("edited: %+v (before %v)", edited, l.UpdatedAt)
	}
	apptest.AssertError(t, e.do(t, "PATCH", fmt.Sprintf("/lists/%d", l.ID), bob.Access, `{"title":"mine"}`), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PATCH", fmt.Sprintf("/lists/%d", l.ID), ada.Access, `{"title":""}`), http.StatusBadRequest, "VALIDATION_FAILED")
	if got := e.dbList(t, l.ID); got.Title != "Best heist movies" || got.Visibility != list.VisibilityUNLISTED {
		t.Errorf("refused edits changed the list: %+v", got)
	}

	// Owner or admin deletes; others get 403, and it is gone for everyone.
	apptest.AssertError(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d", l.ID), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d", l.ID), admin.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", l.ID), ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d", l.ID), ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	mine := e.create(t, ada, `{"title":"Mine"}`)
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d", mine.ID), ada.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "GET", "/lists/999999", "", ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
}

func TestItemsPositionsAndNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	l := e.create(t, ada, `{"title":"Heists"}`)
	a, b, c, d := e.content(t, "Heat"), e.content(t, "Rififi"), e.content(t, "Thief"), e.content(t, "Inside Man")

	for _, id := range []int{a, b, c} {
		e.put(t, ada, l.ID, id, "")
	}
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{a, b, c}) {
		t.Fatalf("appended: %v", got)
	}
	before := e.dbList(t, l.ID).UpdatedAt
	// A position inserts and shifts; beyond the end appends.
	if it := e.put(t, ada, l.ID, d, `{"position":2,"note":"Spike Lee"}`); it.Position != 2 || it.Note != "Spike Lee" || it.Content.Title != "Inside Man" {
		t.Errorf("inserted: %+v", it)
	}
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{a, d, b, c}) {
		t.Fatalf("after insert: %v", got)
	}
	if !e.dbList(t, l.ID).UpdatedAt.After(before) {
		t.Error("an item change did not bump updated_at")
	}
	// Moves both ways; an existing item without a position stays put.
	e.put(t, ada, l.ID, a, `{"position":4}`)
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{d, b, c, a}) {
		t.Fatalf("moved down: %v", got)
	}
	e.put(t, ada, l.ID, c, `{"position":1}`)
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, d, b, a}) {
		t.Fatalf("moved up: %v", got)
	}
	e.put(t, ada, l.ID, b, `{"position":99}`)
	if it := e.put(t, ada, l.ID, b, `{"note":"French"}`); it.Position != 4 || it.Note != "French" {
		t.Errorf("note only: %+v", it)
	}
	// Idempotent: the same PUT again changes nothing, not even updated_at.
	stamp := e.dbList(t, l.ID).UpdatedAt
	for range 2 {
		if it := e.put(t, ada, l.ID, d, `{"position":2,"note":"Spike Lee"}`); it.Position != 2 {
			t.Errorf("repeat: %+v", it)
		}
	}
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, d, a, b}) {
		t.Fatalf("after repeats: %v", got)
	}
	if !e.dbList(t, l.ID).UpdatedAt.Equal(stamp) {
		t.Error("a no-op PUT bumped updated_at")
	}

	// Delete closes the gap; idempotent.
	for range 2 {
		apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d/items/%d", l.ID, d), ada.Access, ""), http.StatusNoContent)
	}
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, a, b}) {
		t.Fatalf("after delete: %v", got)
	}

	// Bad input: nothing changes.
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/999999", l.ID), ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, d), ada.Access, `{"position":0}`), http.StatusBadRequest, "VALIDATION_FAILED")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, d), ada.Access, `{"note":"`+strings.Repeat("n", 501)+`"}`), http.StatusBadRequest, "VALIDATION_FAILED")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, d), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d/items/%d", l.ID, a), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, a, b}) {
		t.Fatalf("refused writes changed the list: %v", got)
	}

	// A title deleted from the catalog leaves the items at once, and the
	// list (count and positions) at its next change; adding it is 404.
	if err := e.DB.Ent.Content.DeleteOneID(a).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, l.ID, ada.Access); len(got.Items) != 2 || got.Items[0].Content.ID != c || got.Items[1].Content.ID != b {
		t.Errorf("deleted title shown: %+v", got.Items)
	}
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, a), ada.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	e.put(t, ada, l.ID, d, "")
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, b, d}) {
		t.Fatalf("after purge: %v", got)
	}
}

func TestItemsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user(t)
	l := e.create(t, ada, `{"title":"Long"}`)
	var want []int
	for i := range 7 {
		id := e.content(t, fmt.Sprint("Film ", i))
		e.put(t, ada, l.ID, id, "")
		want = append(want, id)
	}
	res := e.do(t, "GET", fmt.Sprintf("/lists/%d?size=3", l.ID), "", "")
	apptest.AssertStatus(t, res, http.StatusOK)
	var first listBody
	res.JSON(t, &first)
	got := []int{}
	for _, it := range first.Items {
		got = append(got, it.Content.ID)
	}
	next := first.Next
	for pages := 0; next != nil; pages++ {
		if pages > 5 {
			t.Fatal("no end")
		}
		res := e.do(t, "GET", fmt.Sprintf("/lists/%d/items?size=3&cursor=%s", l.ID, *next), "", "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var p listBody
		res.JSON(t, &p)
		for _, it := range p.Items {
			got = append(got, it.Content.ID)
		}
		next = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d/items?cursor=garbage", l.ID), "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
	other := e.create(t, ada, `{"title":"Other"}`)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d/items?cursor=%s", other.ID, *first.Next), "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
}

func TestReorder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	l := e.create(t, ada, `{"title":"Ranked"}`)
	a, b, c := e.content(t, "A"), e.content(t, "B"), e.content(t, "C")
	for _, id := range []int{a, b, c} {
		e.put(t, ada, l.ID, id, "")
	}
	path := fmt.Sprintf("/lists/%d/order", l.ID)
	apptest.AssertStatus(t, e.do(t, "PUT", path, ada.Access, fmt.Sprintf(`{"content_ids":[%d,%d,%d]}`, c, a, b)), http.StatusNoContent)
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, a, b}) {
		t.Fatalf("reordered: %v", got)
	}
	for name, body := range map[string]string{
		"missing":  fmt.Sprintf(`{"content_ids":[%d,%d]}`, a, b),
		"repeated": fmt.Sprintf(`{"content_ids":[%d,%d,%d]}`, a, a, b),
		"unknown":  fmt.Sprintf(`{"content_ids":[%d,%d,%d,999999]}`, a, b, c),
		"absent":   `{}`,
	} {
		b := apptest.AssertError(t, e.do(t, "PUT", path, ada.Access, body), http.StatusBadRequest, "VALIDATION_FAILED")
		if name != "absent" && !strings.Contains(fmt.Sprint(b.Details), "content_ids") {
			t.Errorf("%s: details %v", name, b.Details)
		}
	}
	apptest.AssertError(t, e.do(t, "PUT", path, bob.Access, fmt.Sprintf(`{"content_ids":[%d,%d,%d]}`, a, b, c)), http.StatusForbidden, "FORBIDDEN")
	if got := e.order(t, ada, l.ID); !slices.Equal(got, []int{c, a, b}) {
		t.Fatalf("refused reorders changed the list: %v", got)
	}
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	movie := e.content(t, "Heat")
	e.create(t, ada, `{"title":"Public"}`)
	unl := e.create(t, ada, `{"title":"Unlisted","visibility":"UNLISTED"}`)
	priv := e.create(t, ada, `{"title":"Private","visibility":"PRIVATE"}`)

	// Private: 404 to everyone but the owner, on every operation.
	for _, tok := range []string{"", bob.Access} {
		for _, r := range [][2]string{{"GET", ""}, {"GET", "/items"}} {
			apptest.AssertError(t, e.do(t, r[0], fmt.Sprintf("/lists/%d%s", priv.ID, r[1]), tok, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
		}
	}
	for _, r := range []struct{ method, path, body string }{
		{"PATCH", "", `{"title":"x"}`}, {"DELETE", "", ""},
		{"PUT", fmt.Sprintf("/items/%d", movie), ""}, {"DELETE", fmt.Sprintf("/items/%d", movie), ""},
		{"PUT", "/order", `{"content_ids":[]}`}, {"PUT", "/like", ""}, {"DELETE", "/like", ""},
	} {
		apptest.AssertError(t, e.do(t, r.method, fmt.Sprintf("/lists/%d%s", priv.ID, r.path), bob.Access, r.body), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	}
	if got := e.get(t, priv.ID, ada.Access); got.Title != "Private" {
		t.Errorf("owner: %+v", got)
	}
	// Unlisted: anyone with the id.
	if got := e.get(t, unl.ID, ""); got.Title != "Unlisted" {
		t.Errorf("unlisted: %+v", got)
	}
	// The profile lists public lists to others, all to the owner.
	titles := func(token string) []string {
		res := e.do(t, "GET", fmt.Sprintf("/users/%d/lists", ada.ID), token, "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var p struct{ Items []listBody }
		res.JSON(t, &p)
		var out []string
		for _, l := range p.Items {
			out = append(out, l.Title)
		}
		return out
	}
	if got := titles(""); !slices.Equal(got, []string{"Public"}) {
		t.Errorf("anonymous sees %v", got)
	}
	if got := titles(bob.Access); !slices.Equal(got, []string{"Public"}) {
		t.Errorf("bob sees %v", got)
	}
	if got := titles(ada.Access); !slices.Equal(got, []string{"Private", "Unlisted", "Public"}) {
		t.Errorf("ada sees %v", got)
	}
	apptest.AssertError(t, e.do(t, "GET", "/users/999999/lists", "", ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/lists?cursor=x", ada.ID), "", ""), http.StatusBadRequest, "VALIDATION_FAILED")
}

func TestUserListsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user(t)
	var want []int
	for i := range 5 {
		want = append([]int{e.create(t, ada, fmt.Sprintf(`{"title":"L%d"}`, i)).ID}, want...)
	}
	var got []int
	path := fmt.Sprintf("/users/%d/lists?size=2", ada.ID)
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("no end")
		}
		res := e.do(t, "GET", path, "", "")
		apptest.AssertStatus(t, res, http.StatusOK)
		var p struct {
			Items []listBody
			Next  *string `json:"next_cursor"`
		}
		res.JSON(t, &p)
		for _, l := range p.Items {
			got = append(got, l.ID)
		}
		if p.Next == nil {
			break
		}
		path = fmt.Sprintf("/users/%d/lists?size=2&cursor=%s", ada.ID, *p.Next)
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}
}

func TestPrivateAccountsAndBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob, eve := e.user(t), e.user(t), e.user(t)
	l := e.create(t, ada, `{"title":"Ada's","visibility":"UNLISTED"}`)
	apptest.AssertStatus(t, e.do(t, "PATCH", "/users/me", ada.Access, `{"private":true}`), http.StatusOK)

	// A private account's lists: only itself and approved followers.
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", l.ID), bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", l.ID), "", ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/lists", ada.ID), bob.Access, ""), http.StatusForbidden, "FORBIDDEN")
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/follow", ada.ID), bob.Access, ""), http.StatusOK)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", l.ID), bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND") // pending
	apptest.AssertStatus(t, e.do(t, "POST", fmt.Sprintf("/users/me/follow-requests/%d/approve", bob.ID), ada.Access, ""), http.StatusNoContent)
	if got := e.get(t, l.ID, bob.Access); got.Title != "Ada's" {
		t.Errorf("approved follower: %+v", got)
	}
	apptest.AssertStatus(t, e.do(t, "GET", fmt.Sprintf("/users/%d/lists", ada.ID), bob.Access, ""), http.StatusOK)
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), bob.Access, ""), http.StatusNoContent)

	// Blocks, either way: 404 to each other, and the profile's lists too.
	pub := e.create(t, eve, `{"title":"Eve's"}`)
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", bob.ID), eve.Access, ""), http.StatusNoContent)
	for _, c := range []struct {
		who apptest.Account
		id  int
		own apptest.Account
	}{{bob, pub.ID, eve}} {
		apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", c.id), c.who.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
		apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", c.id), c.who.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
		apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/lists", c.own.ID), c.who.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	}
	bobs := e.create(t, bob, `{"title":"Bob's"}`)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", bobs.ID), eve.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/users/%d/lists", bob.ID), eve.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	// Bob blocks ada: he can still take back his like of her list.
	apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/users/%d/block", ada.ID), bob.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, e.do(t, "GET", fmt.Sprintf("/lists/%d", l.ID), bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d/like", l.ID), bob.Access, ""), http.StatusNoContent)
	if got := e.dbList(t, l.ID); got.LikeCount != 0 {
		t.Errorf("like_count %d after unlike", got.LikeCount)
	}
	// Unblocked: visible again.
	apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/users/%d/block", bob.ID), eve.Access, ""), http.StatusNoContent)
	e.get(t, pub.ID, bob.Access)
}

func TestLikes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, bob := e.user(t), e.user(t)
	l := e.create(t, ada, `{"title":"Likeable"}`)
	stamp := e.dbList(t, l.ID).UpdatedAt
	apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), ada.Access, ""), http.StatusForbidden, "FORBIDDEN")
	for range 2 {
		apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), bob.Access, ""), http.StatusNoContent)
	}
	got := e.get(t, l.ID, bob.Access)
	if got.LikeCount != 1 || got.LikedByMe == nil || !*got.LikedByMe {
		t.Errorf("liked: %+v", got)
	}
	if got := e.get(t, l.ID, ""); got.LikedByMe != nil {
		t.Errorf("anonymous liked_by_me: %+v", got)
	}
	if !e.dbList(t, l.ID).UpdatedAt.Equal(stamp) {
		t.Error("a like bumped updated_at")
	}
	for range 2 {
		apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d/like", l.ID), bob.Access, ""), http.StatusNoContent)
	}
	if got := e.get(t, l.ID, bob.Access); got.LikeCount != 0 || *got.LikedByMe {
		t.Errorf("unliked: %+v", got)
	}
	apptest.AssertError(t, e.do(t, "PUT", "/lists/999999/like", bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, e.do(t, "DELETE", "/lists/999999/like", bob.Access, ""), http.StatusNotFound, "RESOURCE_NOT_FOUND")
}

func TestConcurrentEdits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user(t)
	l := e.create(t, ada, `{"title":"Busy"}`)
	const n = 12
	ids := make([]int, n)
	for i := range ids {
		ids[i] = e.content(t, fmt.Sprint("Film ", i))
	}
	fans := make([]apptest.Account, n)
	for i := range fans {
		fans[i] = e.user(t)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { // different items, half of them inserted at the top
			body := ""
			if i%2 == 0 {
				body = `{"position":1}`
			}
			e.put(t, ada, l.ID, ids[i], body)
		})
		wg.Go(func() { // the same item, many times
			e.put(t, ada, l.ID, ids[0], "")
		})
		wg.Go(func() {
			apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), fans[i].Access, ""), http.StatusNoContent)
		})
		wg.Go(func() { // and once more: still one like each
			apptest.AssertStatus(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/like", l.ID), fans[i].Access, ""), http.StatusNoContent)
		})
	}
	wg.Wait()
	got := e.order(t, ada, l.ID) // positions 1..n and item_count exact
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		t.Errorf("items %v, want %v", got, ids)
	}
	if row := e.dbList(t, l.ID); row.ItemCount != n || row.LikeCount != n {
		t.Errorf("item_count %d like_count %d, want %d", row.ItemCount, row.LikeCount, n)
	}
	if c, _ := e.DB.Ent.ListLike.Query().Count(context.Background()); c != n {
		t.Errorf("%d like rows", c)
	}

	// Concurrent removals close the gaps exactly.
	for i := range n / 2 {
		wg.Go(func() {
			apptest.AssertStatus(t, e.do(t, "DELETE", fmt.Sprintf("/lists/%d/items/%d", l.ID, ids[i]), ada.Access, ""), http.StatusNoContent)
		})
	}
	wg.Wait()
	if got := e.order(t, ada, l.ID); len(got) != n-n/2 {
		t.Errorf("after removals: %v", got)
	}
}

func TestListFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user(t)
	l := e.create(t, ada, `{"title":"Everything"}`)
	ctx := context.Background()
	creates := make([]*ent.ContentCreate, lists.MaxItems+1)
	for i := range creates {
		creates[i] = e.DB.Ent.Content.Create().SetType(content.TypeMovie).SetTitle(fmt.Sprint("T", i))
	}
	var cs []*ent.Content
	for chunk := range slices.Chunk(creates, 200) {
		part, err := e.DB.Ent.Content.CreateBulk(chunk...).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, part...)
	}
	items := make([]*ent.ListItemCreate, lists.MaxItems-1)
	for i := range items {
		items[i] = e.DB.Ent.ListItem.Create().SetListID(l.ID).SetContentID(cs[i].ID).SetPosition(i + 1)
	}
	for chunk := range slices.Chunk(items, 200) {
		if err := e.DB.Ent.ListItem.CreateBulk(chunk...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.put(t, ada, l.ID, cs[lists.MaxItems-1].ID, "")
	b := apptest.AssertError(t, e.do(t, "PUT", fmt.Sprintf("/lists/%d/items/%d", l.ID, cs[lists.MaxItems].ID), ada.Access, ""), http.StatusBadRequest, "VALIDATION_FAILED")
	if !strings.Contains(fmt.Sprint(b.Details), "the list is full") {
		t.Errorf("details %v", b.Details)
	}
	e.put(t, ada, l.ID, cs[0].ID, `{"position":1000,"note":"still editable"}`)
	if n, _ := e.DB.Ent.ListItem.Query().Where(listitem.ListID(l.ID)).Count(ctx); n != lists.MaxItems || e.dbList(t, l.ID).ItemCount != n {
		t.Errorf("%d items, item_count %d", n, e.dbList(t, l.ID).ItemCount)
	}
}

func TestExportsForFeedAndTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ada, bob := e.user(t), e.user(t)
	a, b := e.content(t, "A"), e.content(t, "B")
	first := e.create(t, ada, `{"title":"First"}`)
	e.create(t, ada, `{"title":"Hidden","visibility":"PRIVATE"}`)
	second := e.create(t, bob, `{"title":"Second"}`)
	e.put(t, ada, first.ID, a, `{"note":"n"}`) // first is now the most recently updated
	// Public keeps the PUBLIC lists of live accounts (the feed's list events).
	cy := e.user(t)
	unlisted := e.create(t, cy, `{"title":"Unlisted","visibility":"UNLISTED"}`)
	cys := e.create(t, cy, `{"title":"Cy's"}`)
	ids := []int{first.ID, second.ID, unlisted.ID, cys.ID, 999999}
	shown, err := e.svc.Public(ctx, ids)
	if err != nil || len(shown) != 3 || shown[first.ID].Title != "First" || shown[second.ID].ID != second.ID || shown[cys.ID].ID != cys.ID {
		t.Fatalf("public: %+v %v", shown, err)
	}
	admin := apptest.SignUpAdmin(t, e.App)
	apptest.AssertStatus(t, e.do(t, "PATCH", fmt.Sprintf("/admin/users/%d/status", cy.ID), admin.Access, `{"status":"BLOCKED"}`), http.StatusOK)
	if shown, err := e.svc.Public(ctx, ids); err != nil || len(shown) != 2 || shown[cys.ID].ID != 0 {
		t.Errorf("public with cy blocked by an admin: %+v %v", shown, err)
	}

	ex, err := e.svc.Export(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 || ex[0].ID != first.ID || len(ex[0].Items) != 1 || ex[0].Items[0].ContentID != a || ex[0].Items[0].Note != "n" {
		t.Fatalf("export: %+v", ex)
	}
	tx, err := e.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Import(ctx, tx, bob.ID, lists.ImportedList{Title: "Imported", Visibility: "UNLISTED",
		Items: []lists.ImportedItem{{ContentID: b, Note: "x"}, {ContentID: 999999}, {ContentID: a}, {ContentID: b}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Skipped, []int{999999, b}) {
		t.Errorf("skipped %v", res.Skipped)
	}
	if got := e.order(t, bob, res.ListID); !slices.Equal(got, []int{b, a}) {
		t.Errorf("imported items %v", got)
	}
	tx, err = e.DB.Ent.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // nothing to roll back
	if _, err := e.svc.Import(ctx, tx, bob.ID, lists.ImportedList{Title: ""}); err == nil {
		t.Error("an empty title was imported")
	}
}
