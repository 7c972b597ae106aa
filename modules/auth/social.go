package auth

import (
	"golang.org/x/text/unicode/norm"

	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v2"
	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/user"
)

// Errors of social sign-in.
var (
	ErrProviderDisabled = apperr.New(apperr.Invalid, "BAD_REQUEST", "This sign-in provider is not enabled on this server.")
	ErrUnverifiedEmail  = apperr.New(apperr.Forbidden, "FORBIDDEN", "Sign-in needs an ID token with a verified email address.")
	ErrIDTokenInvalid   = apperr.New(apperr.Unauthenticated, "TOKEN_INVALID", "The ID token is invalid, expired or not meant for this app.")
	ErrIDTokenExpired   = apperr.New(apperr.Unauthenticated, "TOKEN_EXPIRED", "The ID token has expired; get a fresh one from the provider.")
)

// Provider verifies ID tokens of one identity provider (Google Sign-In or
// Firebase Authentication): RS256 signatures against the provider's published
// keys (fetched from its JWKS URL, cached and refreshed in the background,
// refetched for an unknown key id), issuer, audience, expiry and issued-at.
type Provider struct {
	Name     string
	field    string // the user column that links accounts: google_sub or firebase_uid
	jwksURL  string
	audience string
	issuers  []string
	client   *http.Client

	mu   sync.Mutex
	jwks *keyfunc.JWKS
}

// IdentityClaims are the claims Reelview reads from an ID token.
type IdentityClaims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	jwt.RegisteredClaims
}

// Providers are the configured identity providers.
type Providers struct {
	Google   *Provider
	Firebase *Provider
}

// NewProviders returns the providers; one without its client id or project
// id is disabled.
func NewProviders(g config.Google, f config.Firebase) *Providers {
	client := &http.Client{Timeout: 10 * time.Second}
	return &Providers{
		Google: &Provider{Name: "google", field: user.FieldGoogleSub, jwksURL: g.JWKSURL, audience: g.ClientID,
			issuers: []string{"accounts.google.com", "https://accounts.google.com"}, client: client},
		Firebase: &Provider{Name: "firebase", field: user.FieldFirebaseUID, jwksURL: f.JWKSURL, audience: f.ProjectID,
			issuers: []string{"https://securetoken.google.com/" + f.ProjectID}, client: client},
	}
}

// close stops the background refresh of the providers' keys.
func (ps *Providers) close() {
	for _, p := range []*Provider{ps.Google, ps.Firebase} {
		p.mu.Lock()
		if p.jwks != nil {
			p.jwks.EndBackground()
		}
		p.mu.Unlock()
	}
}

// keys fetches the key set on first use; a failure is retried on the next
// sign-in rather than kept.
func (p *Provider) keys() (*keyfunc.JWKS, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.jwks != nil {
		return p.jwks, nil
	}
	jwks, err := keyfunc.Get(p.jwksURL, keyfunc.Options{
		Client:            p.client,
		RefreshInterval:   time.Hour,
		RefreshRateLimit:  time.Minute,
		RefreshTimeout:    10 * time.Second,
		RefreshUnknownKID: true,
	})
	if err != nil {
		return nil, apperr.ErrUpstream.WithMessage("The %s sign-in keys could not be fetched; try again later.", p.Name).Wrap(err)
	}
	p.jwks = jwks
	return jwks, nil
}

// Verify checks an ID token and returns its claims.
func (p *Provider) Verify(token string) (*IdentityClaims, error) {
	if p.audience == "" {
		return nil, ErrProviderDisabled
	}
	jwks, err := p.keys()
	if err != nil {
		return nil, err
	}
	claims := &IdentityClaims{}
	_, err = jwt.ParseWithClaims(token, claims, jwks.Keyfunc,
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithAudience(p.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrIDTokenExpired
	case err != nil:
		return nil, ErrIDTokenInvalid.Wrap(err)
	}
	validIssuer := false
	for _, iss := range p.issuers {
		validIssuer = validIssuer || claims.Issuer == iss
	}
	if !validIssuer || claims.Subject == "" || len(claims.Subject) > 255 {
		return nil, ErrIDTokenInvalid
	}
	return claims, nil
}

// SocialLogin signs in with a provider's ID token: the account linked to the
// token's subject, else the account with the token's verified email (which
// gets linked), else a new account. An unverified email is never linked nor
// used to create an account.
func (s *Service) SocialLogin(ctx context.Context, p *Provider, idToken string, m Meta) (Pair, error) {
	claims, err := p.Verify(idToken)
	if err != nil {
		return Pair{}, err
	}
	linked := user.GoogleSub(claims.Subject)
	if p.field == user.FieldFirebaseUID {
		linked = user.FirebaseUID(claims.Subject)
	}
	u, err := s.db.User.Query().Where(linked).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return Pair{}, fmt.Errorf("auth: social login: %w", err)
	}
	if u == nil {
		u, err = s.linkOrCreate(ctx, p, claims)
		if err != nil {
			return Pair{}, err
		}
	}
	if u.Status == user.StatusBLOCKED {
		return Pair{}, ErrAccountBlocked
	}
	return s.start(ctx, u, m)
}

func (s *Service) linkOrCreate(ctx context.Context, p *Provider, c *IdentityClaims) (*ent.User, error) {
	if !c.EmailVerified || c.Email == "" {
		return nil, ErrUnverifiedEmail
	}
	email, err := NormalizeEmail("email", c.Email)
	if err != nil {
		return nil, ErrUnverifiedEmail
	}
	existing, err := s.db.User.Query().Where(user.Email(email)).Only(ctx)
	switch {
	case err == nil:
		upd := s.db.User.UpdateOne(existing)
		if p.field == user.FieldGoogleSub {
			upd.SetGoogleSub(c.Subject)
		} else {
			upd.SetFirebaseUID(c.Subject)
		}
		s.log.Info("account linked", zap.String("provider", p.Name), zap.Int("user_id", existing.ID))
		return upd.Save(ctx)
	case !ent.IsNotFound(err):
		return nil, fmt.Errorf("auth: social login: %w", err)
	}
	nick, err := s.freeNickname(ctx, c)
	if err != nil {
		return nil, err
	}
	create := s.db.User.Create().SetEmail(email).SetNickname(nick)
	if p.field == user.FieldGoogleSub {
		create.SetGoogleSub(c.Subject)
	} else {
		create.SetFirebaseUID(c.Subject)
	}
	u, err := create.Save(ctx)
	if err != nil {
		return nil, uniqueError(err)
	}
	return u, nil
}

var nickUnsafe = regexp.MustCompile(`[^\p{L}\p{N}_.-]+`)

// freeNickname derives a nickname from the token's name or email and makes
// it unique with a short suffix when needed. Invisible characters are
// dropped and a candidate must pass the rules of every nickname
// (ValidateNickname), so a provider's name is no way around them.
func (s *Service) freeNickname(ctx context.Context, c *IdentityClaims) (string, error) {
	clean := func(raw string) string {
		base := nickUnsafe.ReplaceAllString(strings.Map(func(r rune) rune {
			if textin.Invisible(r) {
				return -1
			}
			return r
		}, norm.NFC.String(strings.TrimSpace(raw))), "")
		if r := []rune(base); len(r) > 22 {
			base = string(r[:22])
		}
		if _, err := ValidateNickname("nickname", base); err != nil {
			return ""
		}
		return base
	}
	local, _, _ := strings.Cut(c.Email, "@")
	base := clean(c.Name)
	if base == "" {
		base = clean(local)
	}
	if base == "" {
		base = "viewer"
	}
	nick := base
	for range 5 {
		taken, err := s.db.User.Query().Where(user.NicknameKey(textin.Fold(nick))).Exist(ctx)
		if err != nil {
			return "", fmt.Errorf("auth: social login: %w", err)
		}
		if !taken {
			return nick, nil
		}
		nick = base + "-" + randomID(3)
	}
	return nick, nil
}
