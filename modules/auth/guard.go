package auth

import (
	"context"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/reelview/reelview/app/server"
)

// Roles.
const (
	RoleUser  = "USER"
	RoleAdmin = "ADMIN"
)

// Principal is the verified caller of a request.
type Principal struct {
	UserID    int
	Role      string
	SessionID string
	TokenID   string
	ExpiresAt time.Time
}

// IsAdmin reports whether the caller has the ADMIN role.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

type principalKey struct{}

// Caller returns the signed-in caller of the request, if any.
func Caller(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Guard authenticates requests: every operation that needs a caller is
// declared through it, so the OpenAPI security requirement and the check
// can never disagree.
type Guard struct {
	tokens   *Tokens
	sessions *Sessions
}

// NewGuard returns the guard.
func NewGuard(t *Tokens, s *Sessions) *Guard { return &Guard{tokens: t, sessions: s} }

var bearer = []map[string][]string{{server.BearerAuth: {}}}

// User declares op as needing a signed-in caller of any role.
func (g *Guard) User(api huma.API, op huma.Operation) huma.Operation {
	op.Security = bearer
	op.Middlewares = append(huma.Middlewares{g.middleware(api, false, "")}, op.Middlewares...)
	return op
}

// Admin declares op as needing a caller with the ADMIN role: anonymous
// callers get 401, users 403.
func (g *Guard) Admin(api huma.API, op huma.Operation) huma.Operation {
	op.Security = bearer
	op.Middlewares = append(huma.Middlewares{g.middleware(api, false, RoleAdmin)}, op.Middlewares...)
	return op
}

// Optional declares op as public, with the caller's own state added when a
// valid token is sent; an invalid token is still an error.
func (g *Guard) Optional(api huma.API, op huma.Operation) huma.Operation {
	op.Security = []map[string][]string{{}, {server.BearerAuth: {}}}
	op.Middlewares = append(huma.Middlewares{g.middleware(api, true, "")}, op.Middlewares...)
	return op
}

func (g *Guard) middleware(api huma.API, optional bool, role string) func(huma.Context, func(huma.Context)) {
	return func(hc huma.Context, next func(huma.Context)) {
		if optional && hc.Header("Authorization") == "" {
			next(hc)
			return
		}
		p, err := g.authenticate(hc)
		if err == nil && role != "" && p.Role != role {
			err = ErrForbidden
		}
		if err != nil {
			_ = huma.WriteErr(api, hc, 0, "", err)
			return
		}
		next(huma.WithValue(hc, principalKey{}, p))
	}
}

// authenticate verifies the token, then checks in Redis that its session is
// alive and its jti not deny-listed, so logout, blocking, deletion, password
// and role changes take effect on the very next request. The caller's role
// is the one the server gave the session, never the token's claim alone: a
// token claiming another role than its session's is refused, and a session
// started before roles were kept counts as USER until its next refresh.
func (g *Guard) authenticate(hc huma.Context) (Principal, error) {
	claims, err := g.tokens.Verify(humafiber.Unwrap(hc))
	if err != nil {
		return Principal{}, err
	}
	uid, _ := strconv.Atoi(claims.Subject)
	role, ok, err := g.sessions.Active(hc.Context(), uid, claims.SessionID, claims.ID)
	if err != nil {
		return Principal{}, err // Redis down: 503, never an unrevocable pass
	}
	switch {
	case !ok:
		return Principal{}, ErrTokenInvalid
	case role == "":
		role = RoleUser
	case role != claims.Role:
		return Principal{}, ErrTokenInvalid
	}
	return Principal{UserID: uid, Role: role, SessionID: claims.SessionID,
		TokenID: claims.ID, ExpiresAt: claims.ExpiresAt.Time}, nil
}
