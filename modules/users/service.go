package users

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
)

// Service holds the profile and user-management rules.
type Service struct {
	db      *ent.Client
	auth    *auth.Service
	hasher  *auth.Hasher
	follows Follows
	// accounts caches GET /users/me; nil when ACCOUNT_CACHE_TTL is 0.
	accounts *accountCache
}

// Follows counts a user's followers and the accounts they follow, and
// approves pending follow requests. The social module implements it;
// without it, profiles show zero.
type Follows interface {
	Counts(ctx context.Context, userID int) (followers, following int, err error)
	// ApprovePending approves every pending request to follow userID,
	// inside tx.
	ApprovePending(ctx context.Context, tx *ent.Tx, userID int) error
}

// Params are the dependencies of the service; Follows is optional.
type Params struct {
	fx.In
	DB      *ent.Client
	Auth    *auth.Service
	Hasher  *auth.Hasher
	Follows Follows `optional:"true"`
	// Accounts is nil when ACCOUNT_CACHE_TTL is 0.
	Accounts *accountCache
}

// NewService returns the users service.
func NewService(p Params) *Service {
	return &Service{db: p.DB, auth: p.Auth, hasher: p.Hasher, follows: p.Follows, accounts: p.Accounts}
}

func (s *Service) get(ctx context.Context, id int) (*ent.User, error) {
	u, err := s.db.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("users: get: %w", err)
	}
	return u, nil
}

// Me returns the caller's own account.
func (s *Service) Me(ctx context.Context, id int) (auth.User, error) {
	var gen uint64
	if s.accounts != nil {
		u, ok, g := s.accounts.get(id)
		if ok {
			return u, nil
		}
		gen = g
	}
	u, err := s.get(ctx, id)
	if err != nil {
		return auth.User{}, err
	}
	out := auth.UserFromEnt(u)
	if s.accounts != nil {
		s.accounts.keep(gen, out)
	}
	return out, nil
}

// Patch is a change of one's own profile; nil fields stay as they are.
type Patch struct {
	Nickname    *string
	Bio         *string
	AvatarURL   *string
	PushEnabled *bool
	Private     *bool
}

// UpdateMe changes the caller's profile. Making the account public
// approves its pending follow requests in the same transaction. Errors:
// VALIDATION_FAILED, auth.ErrNicknameTaken.
func (s *Service) UpdateMe(ctx context.Context, id int, p Patch) (auth.User, error) {
	var u *ent.User
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) (err error) {
		if u, err = s.updateMe(ctx, tx, id, p); err != nil {
			return err
		}
		if p.Private != nil && !*p.Private && s.follows != nil {
			return s.follows.ApprovePending(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return auth.User{}, err
	}
	return auth.UserFromEnt(u), nil
}

func (s *Service) updateMe(ctx context.Context, tx *ent.Tx, id int, p Patch) (*ent.User, error) {
	upd := tx.User.UpdateOneID(id)
	if p.Nickname != nil {
		nick, err := auth.ValidateNickname("nickname", *p.Nickname)
		if err != nil {
			return nil, err
		}
		taken, err := tx.User.Query().Where(user.NicknameKey(textin.Fold(nick)), user.IDNEQ(id)).Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("users: update: %w", err)
		}
		if taken {
			return nil, auth.ErrNicknameTaken
		}
		upd.SetNickname(nick)
	}
	if p.Bio != nil {
		upd.SetBio(strings.TrimSpace(*p.Bio))
	}
	if p.AvatarURL != nil {
		if err := validateAvatar(*p.AvatarURL); err != nil {
			return nil, err
		}
		upd.SetAvatarURL(*p.AvatarURL)
	}
	if p.PushEnabled != nil {
		upd.SetPushEnabled(*p.PushEnabled)
	}
	if p.Private != nil {
		upd.SetPrivate(*p.Private)
	}
	u, err := upd.Save(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, ErrNotFound
	case ent.IsConstraintError(err):
		return nil, auth.ErrNicknameTaken
	case err != nil:
		return nil, fmt.Errorf("users: update: %w", err)
	}
	return u, nil
}

// validateAvatar accepts an https URL (never fetched by the server) or "" to
// remove the avatar.
func validateAvatar(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return apperr.Validation("avatar_url", "must be an https URL of at most 2048 characters, or empty")
	}
	return nil
}

// ChangePassword replaces the caller's password and ends every other session
// of the account. Errors: ErrWrongPassword, VALIDATION_FAILED.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, current, next string) error {
	u, err := s.get(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !s.hasher.Check(u.PasswordHash, current) {
		return ErrWrongPassword
	}
	if err := auth.ValidatePassword("new_password", next, u.Email, u.Nickname); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.db.User.UpdateOne(u).SetPasswordHash(hash).SetPasswordChangedAt(time.Now().UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("users: change password: %w", err)
	}
	return s.auth.EndSessions(ctx, p.UserID, p.SessionID)
}

// Delete soft-deletes an account and ends all its sessions. Its email and
// nickname become free for new accounts; its reviews stay, shown as by a
// deleted account.
func (s *Service) Delete(ctx context.Context, id int) error {
	err := s.db.User.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("users: delete: %w", err)
	}
	return s.auth.EndSessions(ctx, id, "")
}

// Profile is a public profile.
type Profile struct {
	ID             int
	Nickname       string
	Bio            string
	AvatarURL      string
	JoinedAt       time.Time
	ReviewCount    int
	Private        bool
	FollowerCount  int
	FollowingCount int
}

// PublicProfile returns the public profile of a live account.
func (s *Service) PublicProfile(ctx context.Context, id int) (Profile, error) {
	u, err := s.get(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	// The same visibility as the reviews module's public lists: not hidden,
	// not deleted (interceptor), of a live content.
	n, err := s.db.Review.Query().Where(review.UserID(id), review.Hidden(false),
		review.HasContentWith(content.DeletedAtIsNil())).Count(ctx)
	if err != nil {
		return Profile{}, fmt.Errorf("users: profile: %w", err)
	}
	p := Profile{ID: u.ID, Nickname: u.Nickname, Bio: u.Bio, AvatarURL: u.AvatarURL,
		JoinedAt: u.CreatedAt.UTC(), ReviewCount: n, Private: u.Private}
	if s.follows != nil {
		if p.FollowerCount, p.FollowingCount, err = s.follows.Counts(ctx, id); err != nil {
			return Profile{}, err
		}
	}
	return p, nil
}

// Filter selects users for the admin list.
type Filter struct {
	Query  string // substring of email or nickname, case-insensitive
	Role   string
	Status string
	Sort   string // created_at, email, nickname, last_login_at
	Desc   bool
	server.PageParams
}

// List returns one page of users matching f, and the total count.
func (s *Service) List(ctx context.Context, f Filter) ([]auth.User, int, error) {
	q := s.db.User.Query()
	if f.Query != "" {
		// Emails are stored folded and nicknames have a folded key
		// (textin.Fold), so a look-alike of a name (full-width letters,
		// other case) finds it. ent escapes % and _, so they match literally.
		key := textin.Fold(f.Query)
		q = q.Where(user.Or(user.EmailContains(key), user.NicknameKeyContains(key), user.NicknameContainsFold(f.Query)))
	}
	if f.Role != "" {
		q = q.Where(user.RoleEQ(user.Role(f.Role)))
	}
	if f.Status != "" {
		q = q.Where(user.StatusEQ(user.Status(f.Status)))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("users: list: %w", err)
	}
	order := ent.Asc
	if f.Desc {
		order = ent.Desc
	}
	sortField := map[string]string{"created_at": user.FieldCreatedAt, "email": user.FieldEmail,
		"nickname": user.FieldNickname, "last_login_at": user.FieldLastLoginAt}[f.Sort]
	rows, err := q.Order(order(sortField), order(user.FieldID)).Offset(f.Offset()).Limit(f.Size).All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("users: list: %w", err)
	}
	out := make([]auth.User, len(rows))
	for i, u := range rows {
		out[i] = auth.UserFromEnt(u)
	}
	return out, total, nil
}

// SetStatus blocks or unblocks a user; a blocked user's sessions end at once.
func (s *Service) SetStatus(ctx context.Context, admin auth.Principal, id int, status string) (auth.User, error) {
	if id == admin.UserID && status == string(user.StatusBLOCKED) {
		return auth.User{}, ErrSelfBlock
	}
	u, err := s.db.User.UpdateOneID(id).SetStatus(user.Status(status)).Save(ctx)
	if ent.IsNotFound(err) {
		return auth.User{}, ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("users: set status: %w", err)
	}
	if status == string(user.StatusBLOCKED) {
		if err := s.auth.EndSessions(ctx, id, ""); err != nil {
			return auth.User{}, err
		}
	}
	return auth.UserFromEnt(u), nil
}

// SetRole changes a user's role. The user's sessions end, so the new role
// applies from the very next request (after signing in again).
func (s *Service) SetRole(ctx context.Context, admin auth.Principal, id int, role string) (auth.User, error) {
	if id == admin.UserID && role != auth.RoleAdmin {
		return auth.User{}, ErrSelfDemotion
	}
	before, err := s.get(ctx, id)
	if err != nil {
		return auth.User{}, err
	}
	if string(before.Role) == role {
		return auth.UserFromEnt(before), nil
	}
	u, err := s.db.User.UpdateOne(before).SetRole(user.Role(role)).Save(ctx)
	if err != nil {
		return auth.User{}, fmt.Errorf("users: set role: %w", err)
	}
	if err := s.auth.EndSessions(ctx, id, ""); err != nil {
		return auth.User{}, err
	}
	return auth.UserFromEnt(u), nil
}

// AdminDelete soft-deletes another user's account.
func (s *Service) AdminDelete(ctx context.Context, admin auth.Principal, id int) error {
	if id == admin.UserID {
		return ErrSelfDeleteAdmin
	}
	return s.Delete(ctx, id)
}
