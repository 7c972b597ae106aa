package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
)

// Handler serves the auth operations.
type Handler struct {
	svc       *Service
	guard     *Guard
	limiter   *server.RateLimiter
	providers *Providers
}

// NewHandler returns the auth HTTP handler.
func NewHandler(svc *Service, g *Guard, l *server.RateLimiter, p *Providers) *Handler {
	return &Handler{svc: svc, guard: g, limiter: l, providers: p}
}

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Auth")
	throttled := huma.Middlewares{h.limiter.Middleware(api, server.PolicyAuth)}

	server.Register(g, huma.Operation{
		OperationID:   "signup",
		Method:        http.MethodPost,
		Path:          "/auth/signup",
		Summary:       "Create an account",
		Description:   "Creates an account with an email, a password, and a nickname of 2–30 characters. Emails and nicknames are compared in their folded form (Unicode NFKC and lower case, as the PRECIS Nickname profile of RFC 8266 compares; for nicknames runs of spaces count as one), so a name that only looks like a taken one (other case, full-width or mathematical letters, ligatures) is a 409 DUPLICATE_RESOURCE; the email is stored in that form. Invisible characters (zero-width spaces and joiners, direction marks, variation selectors, fillers) are refused in both with 400 VALIDATION_FAILED. Sign in afterwards with POST /auth/login. Rate-limited per client IP.\n\nPassword rules: " + PasswordRules + ". A refused password is a 400 VALIDATION_FAILED naming `password` and the rule.",
		DefaultStatus: http.StatusCreated,
		Middlewares:   throttled,
		Errors:        []int{http.StatusConflict},
	}, h.signup)
	server.Register(g, huma.Operation{
		OperationID: "login",
		Method:      http.MethodPost,
		Path:        "/auth/login",
		Summary:     "Sign in",
		Description: "Exchanges an email and password for an access token (a JWT, sent as `Authorization: Bearer <token>`, valid 30 minutes by default) and a refresh token (valid 7 days, single use: see POST /auth/refresh). The email is looked up in its folded form (NFKC, lower case, invisible characters dropped), so a look-alike of an address signs in to that account and never to another. A wrong email and a wrong password get the same 401 INVALID_CREDENTIALS; a blocked account gets 403 ACCOUNT_BLOCKED. Requests are rate-limited per client IP. Failed attempts (only those: a successful login costs nothing) are limited per account and client IP (RATE_LIMIT_LOGIN_ACCOUNT_IP, 10 per 15 minutes by default) and, more loosely, per account from any IP (RATE_LIMIT_LOGIN_ACCOUNT, 100 per hour): past either, the login answers 429 TOO_MANY_REQUESTS before checking the password, with Retry-After and RateLimit-Limit / -Remaining / -Reset of the limit that refused.",
		Middlewares: throttled,
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden},
	}, h.login)
	server.Register(g, huma.Operation{
		OperationID: "refresh-token",
		Method:      http.MethodPost,
		Path:        "/auth/refresh",
		Summary:     "Refresh the token pair",
		Description: "Exchanges a refresh token for a new access and refresh token of the same session, with the account's current role. The presented refresh token dies. Within REFRESH_REUSE_GRACE (5 seconds by default) of its exchange, presenting it again (two tabs refreshing at once) answers the same new pair, so every tab goes on with one session. Presenting it after that window, or presenting an older refresh token, ends the whole session (the token was probably stolen) and answers 401 TOKEN_INVALID; the newest tokens of the session die too.",
		Middlewares: throttled,
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden},
	}, h.refresh)
	for _, p := range []struct {
		provider      *Provider
		id, path, who string
	}{
		{h.providers.Google, "login-google", "/auth/google", "Google Sign-In (audience GOOGLE_CLIENT_ID)"},
		{h.providers.Firebase, "login-firebase", "/auth/firebase", "Firebase Authentication (project FIREBASE_PROJECT_ID)"},
	} {
		provider := p.provider
		server.Register(g, huma.Operation{
			OperationID: p.id,
			Method:      http.MethodPost,
			Path:        p.path,
			Summary:     "Sign in with " + strings.SplitN(p.who, " (", 2)[0],
			Description: "Exchanges an ID token of " + p.who + " for the same token pair as POST /auth/login. The token's signature (RS256, the provider's published keys), issuer, audience, expiry and issue time are checked. The account linked to the token's subject is signed in; otherwise the account with the token's verified email is linked and signed in; otherwise a new account is created. An unverified email is never linked (403 FORBIDDEN). A server without the provider configured answers 400.",
			Middlewares: throttled,
			Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusBadGateway, http.StatusConflict},
		}, func(ctx context.Context, in *idTokenInput) (*pairOutput, error) {
			pair, err := h.svc.SocialLogin(ctx, provider, in.Body.IDToken, Meta{UserAgent: in.UserAgent, IP: server.ClientIPFromContext(ctx)})
			if err != nil {
				return nil, err
			}
			return pairOut(pair), nil
		})
	}
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID:   "logout",
		Method:        http.MethodPost,
		Path:          "/auth/logout",
		Summary:       "Sign out",
		Description:   "Ends the caller's session at once: its refresh token dies and the access token used for this call is refused from now on.",
		DefaultStatus: http.StatusNoContent,
	}), h.logout)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID:   "logout-all",
		Method:        http.MethodPost,
		Path:          "/auth/logout-all",
		Summary:       "Sign out everywhere",
		Description:   "Ends every session of the caller, on every device.",
		DefaultStatus: http.StatusNoContent,
	}), h.logoutAll)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-sessions",
		Method:      http.MethodGet,
		Path:        "/auth/sessions",
		Summary:     "List my sessions",
		Description: "The caller's active sessions, most recently used first, with the one of this request marked `current`.",
	}), h.listSessions)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID:   "end-session",
		Method:        http.MethodDelete,
		Path:          "/auth/sessions/{id}",
		Summary:       "End one of my sessions",
		Description:   "Ends one of the caller's sessions (e.g. a lost phone). Another user's session id answers 404, like an unknown one.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.endSession)
}

type signupInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ada@example.com" doc:"Stored folded (NFKC, lower case); no invisible characters."`
		Password string `json:"password" format:"password" maxLength:"72" example:"correct horse battery staple" doc:"8–72 bytes, neither repetitive, sequential, common nor built on the email address, the nickname or the service's name: see the rules in the operation description."`
		Nickname string `json:"nickname" maxLength:"60" example:"ada" doc:"2–30 characters (also once folded), trimmed, single line, no invisible characters, unique regardless of case and of look-alike forms."`
	}
}

type userOutput struct{ Body User }

func (h *Handler) signup(ctx context.Context, in *signupInput) (*userOutput, error) {
	u, err := h.svc.Signup(ctx, Signup{Email: in.Body.Email, Password: in.Body.Password, Nickname: in.Body.Nickname})
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: u}, nil
}

// TokenPair is the answer of login and refresh.
type TokenPair struct {
	AccessToken  string `json:"access_token" example:"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2ln"`
	RefreshToken string `json:"refresh_token" example:"42.VGhpc0lzQVNlc3Npb24.cmFuZG9tLXNlY3JldC1vZi0yNTYtYml0cy1iYXNlNjR1cmw"`
	TokenType    string `json:"token_type" enum:"Bearer" example:"Bearer"`
	ExpiresIn    int    `json:"expires_in" example:"1800" doc:"Seconds until the access token expires."`
}

type pairOutput struct{ Body TokenPair }

func pairOut(p Pair) *pairOutput {
	return &pairOutput{Body: TokenPair{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken,
		TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn / time.Second)}}
}

type loginInput struct {
	UserAgent string `header:"User-Agent" maxLength:"8192"`
	Body      struct {
		Email    string `json:"email" maxLength:"254" example:"ada@example.com"`
		Password string `json:"password" format:"password" maxLength:"1024" example:"correct horse battery staple"`
	}
}

func (h *Handler) login(ctx context.Context, in *loginInput) (*pairOutput, error) {
	p, err := h.svc.Login(ctx, in.Body.Email, in.Body.Password, Meta{UserAgent: in.UserAgent, IP: server.ClientIPFromContext(ctx)})
	if err != nil {
		return nil, err
	}
	return pairOut(p), nil
}

type refreshInput struct {
	UserAgent string `header:"User-Agent" maxLength:"8192"`
	Body      struct {
		RefreshToken string `json:"refresh_token" maxLength:"256" example:"42.VGhpc0lzQVNlc3Npb24.cmFuZG9tLXNlY3JldC1vZi0yNTYtYml0cy1iYXNlNjR1cmw"`
	}
}

func (h *Handler) refresh(ctx context.Context, in *refreshInput) (*pairOutput, error) {
	p, err := h.svc.Refresh(ctx, in.Body.RefreshToken, Meta{UserAgent: in.UserAgent, IP: server.ClientIPFromContext(ctx)})
	if err != nil {
		return nil, err
	}
	return pairOut(p), nil
}

type idTokenInput struct {
	UserAgent string `header:"User-Agent" maxLength:"8192"`
	Body      struct {
		IDToken string `json:"id_token" minLength:"1" maxLength:"8192" example:"eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiIxMTAxNjk0ODQ0NzQzODYyNzYzMzQifQ.c2ln" doc:"The ID token the provider's client SDK returned."`
	}
}

func (h *Handler) logout(ctx context.Context, _ *struct{}) (*struct{}, error) {
	p, _ := Caller(ctx)
	return nil, h.svc.Logout(ctx, p)
}

func (h *Handler) logoutAll(ctx context.Context, _ *struct{}) (*struct{}, error) {
	p, _ := Caller(ctx)
	return nil, h.svc.LogoutAll(ctx, p)
}

// SessionView is one session in GET /auth/sessions.
type SessionView struct {
	ID         string    `json:"id" example:"VGhpc0lzQVNlc3Npb24"`
	CreatedAt  time.Time `json:"created_at" example:"2026-11-20T08:15:00Z"`
	LastUsedAt time.Time `json:"last_used_at" example:"2026-11-25T12:00:00Z"`
	UserAgent  string    `json:"user_agent" example:"Reelview/2.3 (iPhone; iOS 18.1)"`
	IP         string    `json:"ip" example:"203.0.113.7"`
	Current    bool      `json:"current" example:"true" doc:"The session of this request."`
}

type sessionsOutput struct {
	Body struct {
		Items []SessionView `json:"items"`
	}
}

func (h *Handler) listSessions(ctx context.Context, _ *struct{}) (*sessionsOutput, error) {
	p, _ := Caller(ctx)
	list, err := h.svc.Sessions(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &sessionsOutput{}
	out.Body.Items = make([]SessionView, len(list))
	for i, s := range list {
		out.Body.Items[i] = SessionView{ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt,
			UserAgent: s.UserAgent, IP: s.IP, Current: s.ID == p.SessionID}
	}
	return out, nil
}

type sessionInput struct {
	ID string `path:"id" maxLength:"64" example:"VGhpc0lzQVNlc3Npb24" doc:"A session id from GET /auth/sessions."`
}

func (h *Handler) endSession(ctx context.Context, in *sessionInput) (*struct{}, error) {
	p, _ := Caller(ctx)
	return nil, h.svc.EndSession(ctx, p, in.ID)
}
