package users_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/reelview/reelview/app/apptest"
)

// A nickname change to a look-alike of another account's nickname is taken
// (409), one with invisible characters invalid (400); nothing changes.
func TestPatchMeRefusesLookAlikeNicknames(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"ada@reelview.dev","password":"analytical engine 1843","nickname":"ada"}`), http.StatusCreated)
	acc := apptest.SignUp(t, a.App)
	for _, tt := range []struct {
		nickname string
		status   int
	}{
		{"ａｄａ", 409}, {"ADA", 409}, {"𝐚𝐝𝐚", 409}, {"ᴬᴰᴬ", 409},
		{"ad\u200da", 400}, {"ada\u3164", 400}, {"ada\ufe0f", 400}, {"\u2066ada", 400},
	} {
		t.Run(tt.nickname, func(t *testing.T) {
			res := apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, fmt.Sprintf(`{"nickname":%q}`, tt.nickname))
			if tt.status == 409 {
				apptest.AssertError(t, res, 409, "DUPLICATE_RESOURCE")
			} else {
				b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
				if len(b.Details) != 1 || b.Details[0].Field != "nickname" {
					t.Errorf("details = %+v", b.Details)
				}
			}
			u, err := a.DB.Ent.User.Get(ctx, acc.ID)
			if err != nil || u.Nickname != acc.Nickname {
				t.Errorf("nickname now %q (%v)", u.Nickname, err)
			}
		})
	}
	// One's own nickname in another form is fine: it is still one's own.
	res := apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, `{"nickname":"Ｇｒａｃｅ"}`)
	apptest.AssertStatus(t, res, 200)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, `{"nickname":"GRACE"}`), 200)
}

// The admin search finds an account by a look-alike of its name.
func TestAdminSearchFoldsLookAlikes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	admin := apptest.SignUpAdmin(t, a)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"lovelace@reelview.dev","password":"analytical engine 1843","nickname":"Countess Ada"}`), http.StatusCreated)
	for _, q := range []string{"ＡＤＡ", "countess ada", "ＬＯＶＥＬＡＣＥ", "Lovelace@"} {
		res := apptest.Do(t, a.App, "GET", "/api/v1/admin/users?q="+url.QueryEscape(q), admin.Access, "")
		apptest.AssertStatus(t, res, 200)
		var page struct {
			Items []struct{ Nickname string } `json:"items"`
		}
		res.JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].Nickname != "Countess Ada" {
			t.Errorf("q=%q: %+v", q, page.Items)
		}
	}
}
