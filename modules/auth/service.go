package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/user"
)

// Service signs people up and in and manages their sessions.
type Service struct {
	db       *ent.Client
	hasher   *Hasher
	tokens   *Tokens
	sessions *Sessions
	limiter  *server.RateLimiter
	log      *zap.Logger
}

// NewService returns the auth service.
func NewService(db *ent.Client, h *Hasher, t *Tokens, s *Sessions, l *server.RateLimiter, log *zap.Logger) *Service {
	return &Service{db: db, hasher: h, tokens: t, sessions: s, limiter: l, log: log}
}

// Signup is the input of Signup.
type Signup struct {
	Email, Password, Nickname string
}

// Pair is a new access and refresh token.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// Signup creates an account. It returns VALIDATION_FAILED errors naming the
// field and rule, ErrEmailTaken or ErrNicknameTaken.
func (s *Service) Signup(ctx context.Context, in Signup) (User, error) {
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return User{}, err
	}
	nick, err := ValidateNickname("nickname", in.Nickname)
	if err != nil {
		return User{}, err
	}
	if err := ValidatePassword("password", in.Password, email, nick); err != nil {
		return User{}, err
	}
	// Friendly answers for the common case; the unique indexes decide races.
	if taken, err := s.db.User.Query().Where(user.Email(email)).Exist(ctx); err != nil {
		return User{}, fmt.Errorf("auth: signup: %w", err)
	} else if taken {
		return User{}, ErrEmailTaken
	}
	if taken, err := s.db.User.Query().Where(user.NicknameKey(textin.Fold(nick))).Exist(ctx); err != nil {
		return User{}, fmt.Errorf("auth: signup: %w", err)
	} else if taken {
		return User{}, ErrNicknameTaken
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	u, err := s.db.User.Create().SetEmail(email).SetNickname(nick).SetPasswordHash(hash).Save(ctx)
	if err != nil {
		return User{}, uniqueError(err)
	}
	return UserFromEnt(u), nil
}

// uniqueError turns a unique violation on users into the matching error.
func uniqueError(err error) error {
	if sqlgraph.IsUniqueConstraintError(err) {
		if strings.Contains(err.Error(), "nickname") {
			return ErrNicknameTaken
		}
		return ErrEmailTaken
	}
	return fmt.Errorf("auth: save user: %w", err)
}

// Login checks an email and password and starts a session. Unknown emails
// cost the same bcrypt work as wrong passwords; both are
// ErrInvalidCredentials. Blocked accounts get ErrAccountBlocked. Failed
// attempts are rate-limited across replicas per account and client IP and,
// more loosely, per account (takeLoginAttempt); a successful one costs
// nothing.
func (s *Service) Login(ctx context.Context, email, password string, m Meta) (Pair, error) {
	email = FoldEmail(email) // a look-alike of an address is that address
	refund, err := s.takeLoginAttempt(ctx, email, m.IP)
	if err != nil {
		return Pair{}, err
	}
	u, err := s.db.User.Query().Where(user.Email(email)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return Pair{}, fmt.Errorf("auth: login: %w", err)
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !s.hasher.Check(hash, password) || u == nil {
		return Pair{}, ErrInvalidCredentials // the attempt stays spent
	}
	refund()
	if u.Status == user.StatusBLOCKED {
		return Pair{}, ErrAccountBlocked
	}
	pair, err := s.start(ctx, u, m)
	if err != nil {
		return Pair{}, err
	}
	if err := s.db.User.UpdateOne(u).SetLastLoginAt(time.Now().UTC()).Exec(ctx); err != nil {
		s.log.Warn("login: last_login_at not saved", zap.Error(err))
	}
	return pair, nil
}

// takeLoginAttempt spends one attempt of the budget of (email, client IP)
// and one of the account-wide budget of email, before the password is
// checked, so that concurrent guesses cannot overrun either. A refused
// attempt spends neither and is answered before any password check, so a
// 429 says nothing about the password; its error carries the state of the
// policy that refused. The returned refund gives both back: the caller calls
// it when the password was right.
func (s *Service) takeLoginAttempt(ctx context.Context, email, ip string) (refund func(), err error) {
	pairKey := email + "|" + ip
	spent := []struct{ policy, key string }{
		{server.PolicyLoginAccountIP, pairKey},
		{server.PolicyLoginAccount, email},
	}
	giveBack := func(n int) {
		ctx := context.WithoutCancel(ctx) // a refund outlives a client that left
		for _, p := range spent[:n] {
			if err := s.limiter.Refund(ctx, p.policy, p.key); err != nil {
				s.log.Warn("login: attempt not refunded", zap.String("policy", p.policy), zap.Error(err))
			}
		}
	}
	for i, p := range spent {
		d, err := s.limiter.Take(ctx, p.policy, p.key)
		if err == nil {
			err = d.Err()
		}
		if err != nil {
			giveBack(i)
			return nil, err
		}
	}
	return func() { giveBack(len(spent)) }, nil
}

// start opens a session for u and issues its first token pair.
func (s *Service) start(ctx context.Context, u *ent.User, m Meta) (Pair, error) {
	sid, refresh, err := s.sessions.Create(ctx, u.ID, string(u.Role), m)
	if err != nil {
		return Pair{}, err
	}
	at, err := s.tokens.Issue(u.ID, string(u.Role), sid)
	if err != nil {
		return Pair{}, fmt.Errorf("auth: issue token: %w", err)
	}
	return Pair{AccessToken: at.Token, RefreshToken: refresh, ExpiresIn: at.ExpiresIn}, nil
}

// Refresh rotates a refresh token: the old one dies and a new pair of the
// same session is returned, with the account's current role. A token that
// was already rotated ends its whole session (reuse detection), unless it
// comes back within REFRESH_REUSE_GRACE of its rotation (another tab of the
// same client refreshing at the same time): that gets the same new pair.
// Errors: ErrTokenInvalid, ErrAccountBlocked.
func (s *Service) Refresh(ctx context.Context, refresh string, m Meta) (Pair, error) {
	uid, sid, nextRefresh, ok := NextRefreshToken(refresh)
	if !ok {
		return Pair{}, ErrTokenInvalid
	}
	// The account first: its role goes into the session with the rotation,
	// and the successor pair is complete before it is sealed and kept.
	u, err := s.db.User.Get(ctx, uid)
	if err != nil && !ent.IsNotFound(err) {
		return Pair{}, fmt.Errorf("auth: refresh: %w", err)
	}
	next := Successor{Refresh: nextRefresh}
	role := ""
	if u != nil {
		role = string(u.Role)
		at, err := s.tokens.Issue(u.ID, role, sid)
		if err != nil {
			return Pair{}, fmt.Errorf("auth: issue token: %w", err)
		}
		next.Access = at.Token
	}
	_, _, got, err := s.sessions.Rotate(ctx, refresh, role, next, m)
	switch {
	case errors.Is(err, errReuse):
		s.log.Warn("refresh token reused: session ended", zap.Int("user_id", uid), zap.String("session_id", sid))
		return Pair{}, ErrTokenInvalid
	case errors.Is(err, errNoMatch):
		return Pair{}, ErrTokenInvalid
	case err != nil:
		return Pair{}, err
	}
	if u == nil { // deleted meanwhile
		_, _ = s.sessions.End(ctx, uid, sid)
		return Pair{}, ErrTokenInvalid
	}
	if u.Status == user.StatusBLOCKED {
		_ = s.sessions.EndAll(ctx, uid, "")
		return Pair{}, ErrAccountBlocked
	}
	return Pair{AccessToken: got.Access, RefreshToken: got.Refresh, ExpiresIn: s.tokens.cfg.AccessTokenTTL}, nil
}

// Logout ends the caller's session and deny-lists its access token.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if _, err := s.sessions.End(ctx, p.UserID, p.SessionID); err != nil {
		return err
	}
	return s.sessions.Deny(ctx, p.TokenID, p.ExpiresAt)
}

// LogoutAll ends every session of the caller.
func (s *Service) LogoutAll(ctx context.Context, p Principal) error {
	if err := s.sessions.EndAll(ctx, p.UserID, ""); err != nil {
		return err
	}
	return s.sessions.Deny(ctx, p.TokenID, p.ExpiresAt)
}

// Sessions lists the caller's sessions.
func (s *Service) Sessions(ctx context.Context, p Principal) ([]Session, error) {
	return s.sessions.List(ctx, p.UserID)
}

// EndSession ends one of the caller's sessions; another user's session id
// is ErrSessionNotFound, as is an unknown one.
func (s *Service) EndSession(ctx context.Context, p Principal, sid string) error {
	ok, err := s.sessions.End(ctx, p.UserID, sid)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSessionNotFound
	}
	return nil
}

// EndSessions ends every session of uid except keep ("" for all). Other
// modules call it when an account is blocked, deleted, demoted or changes
// its password: the access tokens of those sessions fail on their next use.
func (s *Service) EndSessions(ctx context.Context, uid int, keep string) error {
	return s.sessions.EndAll(ctx, uid, keep)
}

// EnsureAdmin makes sure the account of ADMIN_EMAIL exists, is active and has
// the ADMIN role. A new account gets ADMIN_PASSWORD; an existing one keeps
// its password.
func (s *Service) EnsureAdmin(ctx context.Context, c config.Auth) error {
	if c.AdminEmail == "" {
		return nil
	}
	email, err := NormalizeEmail("ADMIN_EMAIL", c.AdminEmail)
	if err != nil {
		return fmt.Errorf("ADMIN_EMAIL: not a valid email address")
	}
	// The same rules as every new password, checked at every start so that a
	// weak value is found before it is ever used.
	if err := ValidatePassword("ADMIN_PASSWORD", c.AdminPassword, email, "admin"); err != nil {
		return fmt.Errorf("ADMIN_PASSWORD: %s", Reason(err))
	}
	u, err := s.db.User.Query().Where(user.Email(email)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		hash, err := s.hasher.Hash(ctx, c.AdminPassword)
		if err != nil {
			return err
		}
		nick := "admin"
		if n, _ := s.db.User.Query().Where(user.NicknameKey(textin.Fold(nick))).Count(ctx); n > 0 {
			nick = "admin-" + randomID(3)
		}
		_, err = s.db.User.Create().SetEmail(email).SetNickname(nick).SetPasswordHash(hash).
			SetRole(user.RoleADMIN).Save(ctx)
		if err != nil && !sqlgraph.IsUniqueConstraintError(err) { // another replica won the race
			return fmt.Errorf("auth: create admin: %w", err)
		}
		s.log.Info("admin account created", zap.String("email", email))
		return nil
	case err != nil:
		return fmt.Errorf("auth: ensure admin: %w", err)
	case u.Role != user.RoleADMIN || u.Status != user.StatusACTIVE:
		return s.db.User.UpdateOne(u).SetRole(user.RoleADMIN).SetStatus(user.StatusACTIVE).Exec(ctx)
	}
	return nil
}
