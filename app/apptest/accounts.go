package apptest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/reelview/reelview/ent/user"
)

// Account is a test user signed up and signed in through the API.
type Account struct {
	ID                        int
	Email, Password, Nickname string
	Access, Refresh           string
}

var accountSeq atomic.Int64

// SignUp creates a fresh account through POST /auth/signup and signs it in.
func SignUp(t testing.TB, app *fiber.App) Account {
	t.Helper()
	n := accountSeq.Add(1)
	a := Account{
		Email:    fmt.Sprintf("user%d-%s@example.com", n, randHex(6)),
		Password: "correct horse battery " + randHex(4),
		Nickname: fmt.Sprintf("user%d-%s", n, randHex(4)),
	}
	res := Do(t, app, "POST", "/api/v1/auth/signup", "",
		fmt.Sprintf(`{"email":%q,"password":%q,"nickname":%q}`, a.Email, a.Password, a.Nickname))
	AssertStatus(t, res, http.StatusCreated)
	var u struct{ ID int }
	res.JSON(t, &u)
	a.ID = u.ID
	a.Access, a.Refresh = Login(t, app, a.Email, a.Password)
	return a
}

// Login signs in through POST /auth/login and returns the token pair.
func Login(t testing.TB, app *fiber.App, email, password string) (access, refresh string) {
	t.Helper()
	res := Do(t, app, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	AssertStatus(t, res, http.StatusOK)
	var p struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	res.JSON(t, &p)
	return p.AccessToken, p.RefreshToken
}

// SignUpAdmin creates an account, gives it the ADMIN role in the database
// and signs it in again so its token carries the role.
func SignUpAdmin(t testing.TB, a *App) Account {
	t.Helper()
	acc := SignUp(t, a.App)
	if err := a.DB.Ent.User.UpdateOneID(acc.ID).SetRole(user.RoleADMIN).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	acc.Access, acc.Refresh = Login(t, a.App, acc.Email, acc.Password)
	return acc
}
