package auth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
)

// passwordCases are new passwords for the account ada.lovelace@example.com
// with the nickname "Countess": accepted (ok) or refused.
var passwordCases = []struct {
	password string
	ok       bool
}{
	{"analytical engine 1843", true},
	{"Tr0ub4dor&3 horse", true},
	{"ada's engine notes", true}, // a context word, and enough besides it
	{"reelview but with a lot more", true},
	{"12345678a quite long", true},
	{strings.Repeat("z", 71) + "y", false},
	{"        ", false},
	{"\t \t \t \t ", false},
	{"aaaaaaaa", false},
	{"aaaaaaab", false},
	{"abcabcabc", false},
	{"abababab", false},
	{"12345678", false},
	{"abcdefgh", false},
	{"87654321", false},
	{"zyxwvuts", false},
	{"1234abcd", false},
	{"aaaa1234", false},
	{"56789012", false},
	{"ABCDEFGHIJ", false},
	{"iloveyou", false},
	{"Password1", false},
	{"reelview", false},
	{"ReelView2026", false},
	{"reelview!!", false},
	{"ada.lovelace", false},
	{"lovelace99", false},
	{"Countess1", false},
	{"countess123456", false},
	{"lovelace-ada!", false},
	{"ｒｅｅｌｖｉｅｗ-9Zq", false}, // full-width letters
	{"Reel View 99!z", false},
	{"REEL_VIEW_77q", false},
	{"love-lace-9Zq!", false},
	{"ｌｏｖｅｌａｃｅ９９", false},
	{"1234567", false},
	{strings.Repeat("x", 60) + "abcdefghijklm", false}, // 73 bytes
}

func TestSignupPasswordPolicy(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for i, tt := range passwordCases {
		t.Run(fmt.Sprintf("%d %q", i, tt.password), func(t *testing.T) {
			email := fmt.Sprintf("ada.lovelace+%d@example.com", i)
			if !tt.ok {
				// The same account context for every refused case; nothing
				// is created, so the address stays free.
				email = "ada.lovelace@example.com"
			}
			before := userCount(t, a)
			res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
				fmt.Sprintf(`{"email":%q,"password":%q,"nickname":"Countess%d"}`, email, tt.password, i))
			if tt.ok {
				apptest.AssertStatus(t, res, http.StatusCreated)
				if userCount(t, a) != before+1 {
					t.Error("accepted, but no account stored")
				}
				return
			}
			b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
			if len(b.Details) != 1 || b.Details[0].Field != "password" || b.Details[0].Reason == "" {
				t.Errorf("details = %+v, want one on password", b.Details)
			}
			if after := userCount(t, a); after != before {
				t.Errorf("users: %d before, %d after a refused sign-up", before, after)
			}
		})
	}
}

// The nickname counts as context even when it has no letters in common with
// the email address.
func TestSignupPasswordContextOfNickname(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"someone@example.com","password":"Stardust#2026","nickname":"stardust"}`)
	b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
	if b.Details[0].Field != "password" {
		t.Errorf("details = %+v", b.Details)
	}
	if userCount(t, a) != 0 {
		t.Error("an account was created")
	}
}

// bcrypt reads 72 bytes: a password of 72 bytes followed by anything must
// not sign in, and must be refused as fast as a wrong one.
func TestLoginRefusesPasswordsPast72Bytes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	password := "an engine of seventy-two bytes, " + strings.Repeat("0123456789", 4) // 72 bytes
	if len(password) != 72 {
		t.Fatalf("%d bytes", len(password))
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		fmt.Sprintf(`{"email":"long@example.com","password":%q,"nickname":"long"}`, password)), http.StatusCreated)
	for _, suffix := range []string{"x", "0123456789", strings.Repeat("!", 900)} {
		res := apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
			fmt.Sprintf(`{"email":"long@example.com","password":%q}`, password+suffix))
		apptest.AssertError(t, res, 401, "INVALID_CREDENTIALS")
	}
	apptest.Login(t, a.App, "long@example.com", password)
}
