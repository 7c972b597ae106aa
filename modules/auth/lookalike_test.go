package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/user"
)

// subject is the user id an access token is for.
func subject(t *testing.T, access string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(access, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Sub string }
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Sub
}

// Emails and nicknames that look like an existing one (other case,
// full-width or mathematical letters, compatibility forms) are that one:
// 409. Invisible characters are refused: 400. Nothing is created.
func TestSignupRefusesLookAlikes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"ada@reelview.dev","password":"analytical engine 1843","nickname":"ada"}`), http.StatusCreated)
	for _, tt := range []struct {
		name, email, nickname string
		status                int
		field                 string
	}{
		{"full-width email", "ａｄａ@reelview.dev", "fresh1", 409, ""},
		{"full-width domain", "ada@ｒｅｅｌｖｉｅｗ.ｄｅｖ", "fresh2", 409, ""},
		{"upper-case email", "ADA@ReelView.dev", "fresh3", 409, ""},
		{"mathematical letters in email", "𝐚𝐝𝐚@reelview.dev", "fresh4", 409, ""},
		{"zero-width joiner in email", "ad\u200da@reelview.dev", "fresh5", 400, "email"},
		{"zero-width space in email", "\u200bada@reelview.dev", "fresh6", 400, "email"},
		{"soft hyphen in email", "ad\u00ada@reelview.dev", "fresh7", 400, "email"},
		{"direction override in email", "\u202eada@reelview.dev", "fresh8", 400, "email"},
		{"full-width nickname", "new1@reelview.dev", "ａｄａ", 409, ""},
		{"upper-case nickname", "new2@reelview.dev", "ADA", 409, ""},
		{"superscript nickname", "new3@reelview.dev", "ᴬᴰᴬ", 409, ""},
		{"mathematical nickname", "new4@reelview.dev", "𝒶𝒹𝒶", 409, ""},
		{"zero-width joiner in nickname", "new5@reelview.dev", "ad\u200da", 400, "nickname"},
		{"zero-width non-joiner in nickname", "new6@reelview.dev", "a\u200cda", 400, "nickname"},
		{"word joiner in nickname", "new7@reelview.dev", "ada\u2060", 400, "nickname"},
		{"Hangul filler in nickname", "new8@reelview.dev", "ada\u3164", 400, "nickname"},
		{"variation selector in nickname", "new9@reelview.dev", "ada\ufe0f", 400, "nickname"},
		{"byte order mark in nickname", "new10@reelview.dev", "\ufeffada", 400, "nickname"},
		{"ligature spelled out past 30", "new11@reelview.dev", strings.Repeat("a", 29) + "ﬃ", 400, "nickname"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := userCount(t, a)
			res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
				fmt.Sprintf(`{"email":%q,"password":"a fine passphrase","nickname":%q}`, tt.email, tt.nickname))
			if tt.status == 409 {
				apptest.AssertError(t, res, 409, "DUPLICATE_RESOURCE")
			} else {
				b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
				if len(b.Details) != 1 || b.Details[0].Field != tt.field {
					t.Errorf("details = %+v, want one on %s", b.Details, tt.field)
				}
			}
			if after := userCount(t, a); after != before {
				t.Errorf("users: %d before, %d after", before, after)
			}
		})
	}
	// Distinct names are still distinct.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"adah@reelview.dev","password":"a fine passphrase","nickname":"Ada Byron"}`), http.StatusCreated)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"byron@reelview.dev","password":"a fine passphrase","nickname":"ada  byron"}`)
	apptest.AssertError(t, res, 409, "DUPLICATE_RESOURCE") // runs of spaces collapse
}

// Login folds the address the same way: a look-alike of an account's email
// signs in to that account, never to another, and a wrong password fails
// the same way.
func TestLoginFoldsLookAlikeEmails(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"ada@reelview.dev","password":"analytical engine 1843","nickname":"ada"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	var u struct{ ID int }
	res.JSON(t, &u)
	for _, email := range []string{"ａｄａ@reelview.dev", "ADA@reelview.dev", "ad\u200da@reelview.dev", "𝐚𝐝𝐚@ｒｅｅｌｖｉｅｗ.dev"} {
		access, _ := apptest.Login(t, a.App, email, "analytical engine 1843")
		if got := subject(t, access); got != fmt.Sprint(u.ID) {
			t.Errorf("login as %q signed in user %s, want %d", email, got, u.ID)
		}
		res := apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":"wrong password!"}`, email))
		apptest.AssertError(t, res, 401, "INVALID_CREDENTIALS")
	}
	if n := userCount(t, a); n != 1 {
		t.Errorf("%d accounts", n)
	}
}

// Social sign-in folds the token's email too: a full-width form of an
// existing address links that account; an address with invisible
// characters creates nothing; a name with them gives a nickname without.
func TestSocialSignInLookAlikes(t *testing.T) {
	t.Parallel()
	keys := newKeyServer(t)
	cfg := apptest.Config(t)
	cfg.Google.ClientID, cfg.Google.JWKSURL = googleClient, keys.url
	a := apptest.NewWithConfig(t, cfg, modules...)
	ctx := context.Background()
	acc := apptest.SignUp(t, a.App)
	post := func(sub, email, name string) *apptest.Response {
		c := googleClaims(sub, email, true)
		c["name"] = name
		return apptest.Do(t, a.App, "POST", "/api/v1/auth/google", "", fmt.Sprintf(`{"id_token":%q}`, keys.sign(t, "k1", c)))
	}
	wide := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r - '!' + '！'
		}
		return r
	}, acc.Email)
	res := post("g-wide", wide, "Someone")
	apptest.AssertStatus(t, res, 200)
	var p pair
	res.JSON(t, &p)
	if got := subject(t, p.AccessToken); got != fmt.Sprint(acc.ID) {
		t.Errorf("the full-width address signed in user %s, want %d", got, acc.ID)
	}
	before := userCount(t, a)
	apptest.AssertError(t, post("g-zwj", "ad\u200da@example.com", "Ada"), 403, "FORBIDDEN")
	if userCount(t, a) != before {
		t.Error("an address with an invisible character created an account")
	}
	apptest.AssertStatus(t, post("g-name", "new-person@example.com", "Gr\u200dace\u3164"), 200)
	u, err := a.DB.Ent.User.Query().Where(user.GoogleSub("g-name")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Nickname != "Grace" || u.NicknameKey != "grace" {
		t.Errorf("nickname %q, key %q; want Grace, grace", u.Nickname, u.NicknameKey)
	}
}
