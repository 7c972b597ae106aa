package auth

import (
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/reelview/reelview/config"
)

// BenchmarkVerifyToken is the in-process part of authentication alone:
// extracting and verifying the JWT (HS256, pinned) and its claims.
func BenchmarkVerifyToken(b *testing.B) {
	tokens := &Tokens{cfg: config.ForTest().Auth, now: time.Now}
	tokens.setSecret([]byte(randomID(32)))
	at, err := tokens.Issue(42, RoleUser, "c2Vzc2lvbi1pZC1vZi0xNg")
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New()
	var rc fasthttp.RequestCtx
	rc.Request.Header.Set("Authorization", "Bearer "+at.Token)
	c := app.AcquireCtx(&rc)
	defer app.ReleaseCtx(c)
	for b.Loop() {
		if _, err := tokens.Verify(c); err != nil {
			b.Fatal(err)
		}
	}
}
