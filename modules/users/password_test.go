package users_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
)

// A new password follows the sign-up rules, with the account's own email
// address and nickname as context; a refused one changes nothing.
func TestChangePasswordPolicy(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	res := apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		`{"email":"grace.hopper@example.com","password":"a fine first passphrase","nickname":"Amazing Grace"}`)
	apptest.AssertStatus(t, res, http.StatusCreated)
	current := "a fine first passphrase"
	access, _ := apptest.Login(t, a.App, "grace.hopper@example.com", current)
	for _, tt := range []struct {
		password string
		ok       bool
	}{
		{"        ", false},
		{"aaaaaaaa", false},
		{"abcabcabc", false},
		{"12345678", false},
		{"87654321", false},
		{"abcdefgh", false},
		{"iloveyou", false},
		{"ReelView2026", false},
		{"grace.hopper", false},
		{"hopper2026!", false},
		{"amazing grace!", false},
		{"COBOL compilers since 1959", true},
		{"nanoseconds of wire 11.8in", true},
	} {
		t.Run(tt.password, func(t *testing.T) {
			before, _ := a.DB.Ent.User.Query().Only(ctx)
			res := apptest.Do(t, a.App, "PUT", "/api/v1/users/me/password", access,
				fmt.Sprintf(`{"current_password":%q,"new_password":%q}`, current, tt.password))
			after, _ := a.DB.Ent.User.Query().Only(ctx)
			if tt.ok {
				apptest.AssertStatus(t, res, http.StatusNoContent)
				current = tt.password
				return
			}
			b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
			if len(b.Details) != 1 || b.Details[0].Field != "new_password" {
				t.Errorf("details = %+v, want one on new_password", b.Details)
			}
			if after.PasswordHash != before.PasswordHash || after.PasswordChangedAt != nil && before.PasswordChangedAt == nil {
				t.Error("a refused new password was stored")
			}
		})
	}
}

// bcrypt reads 72 bytes: the current password of 72 bytes followed by
// anything is wrong, and nothing changes.
func TestChangePasswordRefusesCurrentPast72Bytes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	password := "an engine of seventy-two bytes, " + strings.Repeat("0123456789", 4)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		fmt.Sprintf(`{"email":"long@example.com","password":%q,"nickname":"long"}`, password)), http.StatusCreated)
	access, _ := apptest.Login(t, a.App, "long@example.com", password)
	before, _ := a.DB.Ent.User.Query().Only(ctx)
	res := apptest.Do(t, a.App, "PUT", "/api/v1/users/me/password", access,
		fmt.Sprintf(`{"current_password":%q,"new_password":"a brand new passphrase"}`, password+"suffix"))
	b := apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
	if b.Details[0].Field != "current_password" {
		t.Errorf("details = %+v", b.Details)
	}
	after, _ := a.DB.Ent.User.Query().Only(ctx)
	if after.PasswordHash != before.PasswordHash {
		t.Error("the password changed")
	}
	apptest.Login(t, a.App, "long@example.com", password)
}
