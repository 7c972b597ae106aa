package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"time"

	jwtware "github.com/gofiber/contrib/jwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/config"
)

// Claims are the claims of an access token: sub (user id), role, sid
// (session id), jti, iat, exp, iss and aud.
type Claims struct {
	Role      string `json:"role"`
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies access tokens (HS256 JWTs).
type Tokens struct {
	cfg    config.Auth
	secret []byte
	verify fiber.Handler
	now    func() time.Time
}

const localToken = "auth_token"

// NewTokens returns the token issuer and verifier. Its secret is
// JWT_SECRET or, outside production, one generated and kept in DATA_DIR;
// the file is read (or written) when the application starts, so commands
// that only build the application (openapi) touch no file.
func NewTokens(lc fx.Lifecycle, c config.Config, log *zap.Logger) *Tokens {
	t := &Tokens{cfg: c.Auth, now: time.Now}
	lc.Append(fx.StartHook(func() error {
		secret, err := signingSecret(c, log)
		if err != nil {
			return err
		}
		t.setSecret(secret)
		return nil
	}))
	return t
}

// setSecret sets the signing secret. Verification runs gofiber/contrib/jwt
// with the algorithm pinned to HS256, so "alg: none" and any other
// algorithm are refused.
func (t *Tokens) setSecret(secret []byte) {
	t.secret = secret
	t.verify = jwtware.New(jwtware.Config{
		SigningKey:     jwtware.SigningKey{JWTAlg: jwtware.HS256, Key: t.secret},
		Claims:         &Claims{},
		ContextKey:     localToken,
		SuccessHandler: func(*fiber.Ctx) error { return nil },
		ErrorHandler:   func(_ *fiber.Ctx, err error) error { return err },
	})
}

// errNoSecret is the error of a Tokens used before the application started.
var errNoSecret = errors.New("auth: tokens used before start: no signing secret")

// AccessToken is a signed access token and when it expires.
type AccessToken struct {
	Token     string
	ExpiresIn time.Duration
	Claims    Claims
}

// Issue signs an access token for the user's session.
func (t *Tokens) Issue(userID int, role, sessionID string) (AccessToken, error) {
	if len(t.secret) == 0 {
		return AccessToken{}, errNoSecret
	}
	now := t.now().UTC()
	c := Claims{
		Role:      role,
		SessionID: sessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.Itoa(userID),
			ID:        randomID(16),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.cfg.AccessTokenTTL)),
			Issuer:    t.cfg.JWTIssuer,
			Audience:  jwt.ClaimStrings{t.cfg.JWTAudience},
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return AccessToken{}, err
	}
	return AccessToken{Token: s, ExpiresIn: t.cfg.AccessTokenTTL, Claims: c}, nil
}

// Verify checks the bearer token of the request: signature and algorithm,
// expiry, issuer, audience and the presence of every claim Reelview needs.
func (t *Tokens) Verify(c *fiber.Ctx) (*Claims, error) {
	if t.verify == nil {
		return nil, errNoSecret
	}
	if err := t.verify(c); err != nil {
		switch {
		case errors.Is(err, jwtware.ErrJWTMissingOrMalformed):
			return nil, ErrUnauthorized
		case errors.Is(err, jwt.ErrTokenExpired):
			return nil, ErrTokenExpired
		default:
			return nil, ErrTokenInvalid.Wrap(err)
		}
	}
	tok, ok := c.Locals(localToken).(*jwt.Token)
	if !ok {
		return nil, ErrTokenInvalid
	}
	claims, ok := tok.Claims.(*Claims)
	if !ok || claims.Issuer != t.cfg.JWTIssuer || !slices.Contains(claims.Audience, t.cfg.JWTAudience) ||
		claims.ID == "" || claims.SessionID == "" || claims.IssuedAt == nil || claims.ExpiresAt == nil {
		return nil, ErrTokenInvalid
	}
	if _, err := strconv.Atoi(claims.Subject); err != nil {
		return nil, ErrTokenInvalid
	}
	return claims, nil
}

// randomID returns n random bytes, base64url-encoded.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
