package users_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/schema"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/users"
)

var modules = []fx.Option{auth.Module, users.Module}

func newApp(t *testing.T) *apptest.App { return apptest.New(t, modules...) }

func TestMe(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	res := apptest.Do(t, a.App, "GET", "/api/v1/users/me", acc.Access, "")
	apptest.AssertStatus(t, res, 200)
	var u map[string]any
	res.JSON(t, &u)
	if u["id"] != float64(acc.ID) || u["email"] != acc.Email || u["push_enabled"] != true {
		t.Errorf("me = %v", u)
	}
	if strings.Contains(string(res.Body), "password") {
		t.Error("password fields exposed")
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", "", ""), 401, "UNAUTHORIZED")
}

func TestPatchMe(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	other := apptest.SignUp(t, a.App)
	ctx := context.Background()
	before, _ := a.DB.Ent.User.Get(ctx, acc.ID)

	// Mass assignment: role, status, email, id and unknown fields are refused
	// and nothing changes.
	for _, body := range []string{
		`{"role":"ADMIN"}`, `{"status":"ACTIVE","bio":"x"}`, `{"email":"new@example.com"}`,
		`{"id":1}`, `{"password_hash":"x"}`, `{"nickname":"ok-name","is_admin":true}`,
	} {
		res := apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, body)
		apptest.AssertError(t, res, 400, "VALIDATION_FAILED")
		after, _ := a.DB.Ent.User.Get(ctx, acc.ID)
		if after.Role != before.Role || after.Email != before.Email || after.Status != before.Status ||
			after.Nickname != before.Nickname || after.Bio != before.Bio || after.PasswordHash != before.PasswordHash {
			t.Fatalf("%s changed the account", body)
		}
	}
	for _, tt := range []struct{ body, code, field string }{
		{`{"nickname":"x"}`, "VALIDATION_FAILED", "nickname"},
		{`{"avatar_url":"http://insecure.example/a.png"}`, "VALIDATION_FAILED", "avatar_url"},
		{`{"avatar_url":"javascript:alert(1)"}`, "VALIDATION_FAILED", "avatar_url"},
		{`{"bio":"` + strings.Repeat("b", 501) + `"}`, "VALIDATION_FAILED", "bio"},
		{fmt.Sprintf(`{"nickname":%q}`, other.Nickname), "DUPLICATE_RESOURCE", ""},
	} {
		status := 400
		if tt.code == "DUPLICATE_RESOURCE" {
			status = 409
		}
		apptest.AssertError(t, apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, tt.body), status, tt.code)
	}
	res := apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access,
		`{"nickname":" Grace ","bio":"Compilers.","avatar_url":"https://cdn.example.com/g.png","push_enabled":false}`)
	apptest.AssertStatus(t, res, 200)
	after, _ := a.DB.Ent.User.Get(ctx, acc.ID)
	if after.Nickname != "Grace" || after.Bio != "Compilers." || after.AvatarURL != "https://cdn.example.com/g.png" || after.PushEnabled {
		t.Errorf("after patch: %+v", after)
	}
	// Fields left out stay as they are.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", "/api/v1/users/me", acc.Access, `{"bio":"Still compilers."}`), 200)
	after, _ = a.DB.Ent.User.Get(ctx, acc.ID)
	if after.Nickname != "Grace" || after.AvatarURL == "" {
		t.Errorf("a partial patch cleared other fields: %+v", after)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	laptop, _ := apptest.Login(t, a.App, acc.Email, acc.Password)
	put := func(current, next string) *apptest.Response {
		return apptest.Do(t, a.App, "PUT", "/api/v1/users/me/password", acc.Access,
			fmt.Sprintf(`{"current_password":%q,"new_password":%q}`, current, next))
	}
	b := apptest.AssertError(t, put("not my password", "a brand new passphrase"), 400, "VALIDATION_FAILED")
	if b.Details[0].Field != "current_password" {
		t.Errorf("details = %+v", b.Details)
	}
	apptest.AssertError(t, put(acc.Password, "qwerty123"), 400, "VALIDATION_FAILED")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", laptop, ""), 200)

	apptest.AssertStatus(t, put(acc.Password, "a brand new passphrase"), http.StatusNoContent)
	// This session goes on; every other one ended at once.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", acc.Access, ""), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", laptop, ""), 401, "TOKEN_INVALID")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
		fmt.Sprintf(`{"email":%q,"password":%q}`, acc.Email, acc.Password)), 401, "INVALID_CREDENTIALS")
	apptest.Login(t, a.App, acc.Email, "a brand new passphrase")
}

func TestDeleteMe(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/users/me", acc.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", acc.Access, ""), 401, "TOKEN_INVALID")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
		fmt.Sprintf(`{"email":%q,"password":%q}`, acc.Email, acc.Password)), 401, "INVALID_CREDENTIALS")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", fmt.Sprintf("/api/v1/users/%d", acc.ID), "", ""), 404, "RESOURCE_NOT_FOUND")
	// Soft delete: the row stays; the email and nickname are free again.
	row, err := a.DB.Ent.User.Get(schema.SkipSoftDelete(context.Background()), acc.ID)
	if err != nil || row.DeletedAt == nil {
		t.Fatalf("row after delete: %+v, %v", row, err)
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/signup", "",
		fmt.Sprintf(`{"email":%q,"password":"a fine passphrase","nickname":%q}`, acc.Email, acc.Nickname)), http.StatusCreated)
}

func TestPublicProfile(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := apptest.SignUp(t, a.App)
	res := apptest.Do(t, a.App, "GET", fmt.Sprintf("/api/v1/users/%d", acc.ID), "", "")
	apptest.AssertStatus(t, res, 200)
	var p map[string]any
	res.JSON(t, &p)
	if p["nickname"] != acc.Nickname || p["review_count"] != float64(0) || p["joined_at"] == nil {
		t.Errorf("profile = %v", p)
	}
	for _, private := range []string{"email", "role", "status", "push_enabled"} {
		if _, ok := p[private]; ok {
			t.Errorf("public profile exposes %q", private)
		}
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/999999", "", ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/abc", "", ""), 400, "VALIDATION_FAILED")
}

func TestAdminRoutesNeedAdmin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := apptest.SignUp(t, a.App)
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/admin/users", ""},
		{"PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", u.ID), `{"status":"BLOCKED"}`},
		{"PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", u.ID), `{"role":"ADMIN"}`},
		{"DELETE", fmt.Sprintf("/api/v1/admin/users/%d", u.ID), ""},
	}
	for _, r := range routes {
		apptest.AssertError(t, apptest.Do(t, a.App, r.method, r.path, "", r.body), 401, "UNAUTHORIZED")
		apptest.AssertError(t, apptest.Do(t, a.App, r.method, r.path, u.Access, r.body), 403, "FORBIDDEN")
	}
	row, _ := a.DB.Ent.User.Get(context.Background(), u.ID)
	if row.Role != user.RoleUSER || row.Status != user.StatusACTIVE {
		t.Errorf("a refused admin call changed the user: %+v", row)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	admin := apptest.SignUpAdmin(t, a)
	alice := apptest.SignUp(t, a.App)
	bob := apptest.SignUp(t, a.App)
	ctx := context.Background()

	var page struct {
		Items []struct {
			ID    int    `json:"id"`
			Email string `json:"email"`
		} `json:"items"`
		Page, Size int
		TotalItems int `json:"total_items"`
		TotalPages int `json:"total_pages"`
	}
	res := apptest.Do(t, a.App, "GET", "/api/v1/admin/users?q="+strings.ToUpper(alice.Nickname[:8])+"&size=1", admin.Access, "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &page)
	if page.TotalItems != 1 || page.Items[0].ID != alice.ID {
		t.Errorf("search: %+v", page)
	}
	res = apptest.Do(t, a.App, "GET", "/api/v1/admin/users?role=USER&sort=email&order=asc&size=1&page=2", admin.Access, "")
	apptest.AssertStatus(t, res, 200)
	res.JSON(t, &page)
	if page.TotalItems != 2 || page.TotalPages != 2 || len(page.Items) != 1 || page.Page != 2 {
		t.Errorf("filter + pagination: %+v", page)
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users?q=%25", admin.Access, ""), 200)
	for _, bad := range []string{"?size=101", "?page=0", "?sort=password_hash", "?order=sideways", "?role=ROOT"} {
		apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users"+bad, admin.Access, ""), 400, "VALIDATION_FAILED")
	}

	// Blocking takes effect on the very next request.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", alice.ID), admin.Access, `{"status":"BLOCKED"}`), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", alice.Access, ""), 401, "TOKEN_INVALID")
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/auth/login", "",
		fmt.Sprintf(`{"email":%q,"password":%q}`, alice.Email, alice.Password)), 403, "ACCOUNT_BLOCKED")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", alice.ID), admin.Access, `{"status":"ACTIVE"}`), 200)
	apptest.Login(t, a.App, alice.Email, alice.Password)

	// A role change too: Bob's old token stops; signed in again he is an admin.
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", bob.ID), admin.Access, `{"role":"ADMIN"}`), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/users/me", bob.Access, ""), 401, "TOKEN_INVALID")
	bobAdmin, _ := apptest.Login(t, a.App, bob.Email, bob.Password)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", bobAdmin, ""), 200)
	apptest.AssertStatus(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", bob.ID), admin.Access, `{"role":"USER"}`), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", "/api/v1/admin/users", bobAdmin, ""), 401, "TOKEN_INVALID")

	// Admins cannot lock themselves out.
	apptest.AssertError(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/role", admin.ID), admin.Access, `{"role":"USER"}`), 403, "FORBIDDEN")
	apptest.AssertError(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", admin.ID), admin.Access, `{"status":"BLOCKED"}`), 403, "FORBIDDEN")
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d", admin.ID), admin.Access, ""), 403, "FORBIDDEN")
	row, _ := a.DB.Ent.User.Get(ctx, admin.ID)
	if row.Role != user.RoleADMIN || row.Status != user.StatusACTIVE {
		t.Errorf("admin changed itself: %+v", row)
	}

	apptest.AssertError(t, apptest.Do(t, a.App, "PATCH", "/api/v1/admin/users/999999/status", admin.Access, `{"status":"BLOCKED"}`), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, a.App, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d/status", bob.ID), admin.Access, `{"status":"DELETED"}`), 400, "VALIDATION_FAILED")
	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d", bob.ID), admin.Access, ""), http.StatusNoContent)
	apptest.AssertError(t, apptest.Do(t, a.App, "GET", fmt.Sprintf("/api/v1/users/%d", bob.ID), "", ""), 404, "RESOURCE_NOT_FOUND")
}
