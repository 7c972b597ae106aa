package users

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the users operations.
type Handler struct {
	svc   *Service
	guard *auth.Guard
}

// NewHandler returns the users HTTP handler.
func NewHandler(svc *Service, g *auth.Guard) *Handler { return &Handler{svc: svc, guard: g} }

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Users")
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "get-me",
		Method:      http.MethodGet,
		Path:        "/users/me",
		Summary:     "My account",
		Description: "The caller's own account, including email, role and status.",
	}), h.me)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "update-me",
		Method:      http.MethodPatch,
		Path:        "/users/me",
		Summary:     "Change my profile",
		Description: "Changes nickname, bio, avatar_url, push_enabled or private; fields left out stay as they are. Email, role and status cannot be changed here: any other field is refused with 400 VALIDATION_FAILED and nothing changes.",
		Errors:      []int{http.StatusConflict},
	}), h.updateMe)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID:   "change-password",
		Method:        http.MethodPut,
		Path:          "/users/me/password",
		Summary:       "Change my password",
		Description:   "Replaces the password after checking the current one (a wrong one is a 400 VALIDATION_FAILED on `current_password`). Every other session of the account ends; this one stays signed in.\n\nNew password rules, as at sign-up, with this account's email address and nickname: " + auth.PasswordRules + ". A refused new password is a 400 VALIDATION_FAILED naming `new_password` and the rule; nothing changes.",
		DefaultStatus: http.StatusNoContent,
	}), h.changePassword)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID:   "delete-me",
		Method:        http.MethodDelete,
		Path:          "/users/me",
		Summary:       "Delete my account",
		Description:   "Deletes the caller's account (soft delete) and ends all its sessions. The email and nickname become free for new accounts.",
		DefaultStatus: http.StatusNoContent,
	}), h.deleteMe)
	server.Register(g, huma.Operation{
		OperationID: "get-user",
		Method:      http.MethodGet,
		Path:        "/users/{id}",
		Summary:     "Public profile",
		Description: "A user's public profile: nickname, bio, avatar, join date, number of reviews, whether the account is private, and its follower and following counts (count queries, always exact). Deleted accounts are 404.",
		Errors:      []int{http.StatusNotFound},
	}, h.profile)

	a := server.Group(api, "Admin: users")
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-list-users",
		Method:      http.MethodGet,
		Path:        "/admin/users",
		Summary:     "Search users",
		Description: "Searches accounts by a substring of email or nickname (`q`), compared folded (case and look-alike forms such as full-width letters do not matter), filters by role and status, sorts and paginates. Admins only.",
	}), h.list)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-set-user-status",
		Method:      http.MethodPatch,
		Path:        "/admin/users/{id}/status",
		Summary:     "Block or unblock a user",
		Description: "Sets ACTIVE or BLOCKED. A blocked user's sessions end at once: their tokens are refused from the next request and they cannot sign in. Admins cannot block themselves.",
		Errors:      []int{http.StatusNotFound},
	}), h.setStatus)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-set-user-role",
		Method:      http.MethodPatch,
		Path:        "/admin/users/{id}/role",
		Summary:     "Change a user's role",
		Description: "Sets USER or ADMIN. The user's sessions end, so the new role applies from their next request after signing in again. Admins cannot demote themselves.",
		Errors:      []int{http.StatusNotFound},
	}), h.setRole)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID:   "admin-delete-user",
		Method:        http.MethodDelete,
		Path:          "/admin/users/{id}",
		Summary:       "Delete a user",
		Description:   "Deletes an account (soft delete) and ends its sessions.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.adminDelete)
}

type userOutput struct{ Body auth.User }

func caller(ctx context.Context) auth.Principal {
	p, _ := auth.Caller(ctx) // the guard has run: always present
	return p
}

func (h *Handler) me(ctx context.Context, _ *struct{}) (*userOutput, error) {
	u, err := h.svc.Me(ctx, caller(ctx).UserID)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: u}, nil
}

type updateMeInput struct {
	Body struct {
		Nickname    *string `json:"nickname,omitempty" maxLength:"60" example:"ada" doc:"2–30 characters (also once folded), trimmed, single line, no invisible characters, unique regardless of case and of look-alike forms (ＡＤＡ is ada)."`
		Bio         *string `json:"bio,omitempty" text:"multiline" maxLength:"500" example:"Sci-fi and slow cinema."`
		AvatarURL   *string `json:"avatar_url,omitempty" maxLength:"2048" example:"https://cdn.example.com/ada.png" doc:"An https URL, or empty to remove. The server never fetches it."`
		PushEnabled *bool   `json:"push_enabled,omitempty" example:"true" doc:"Receive push notifications."`
		Private     *bool   `json:"private,omitempty" example:"false" doc:"A private account approves each new follower (GET /users/me/follow-requests)."`
	}
}

func (h *Handler) updateMe(ctx context.Context, in *updateMeInput) (*userOutput, error) {
	u, err := h.svc.UpdateMe(ctx, caller(ctx).UserID, Patch{Nickname: in.Body.Nickname, Bio: in.Body.Bio,
		AvatarURL: in.Body.AvatarURL, PushEnabled: in.Body.PushEnabled, Private: in.Body.Private})
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: u}, nil
}

type passwordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" format:"password" maxLength:"1024" example:"correct horse battery staple"`
		NewPassword     string `json:"new_password" format:"password" maxLength:"72" example:"another long passphrase" doc:"8–72 bytes, neither repetitive, sequential, common nor built on the email address, the nickname or the service's name: see the rules in the operation description."`
	}
}

func (h *Handler) changePassword(ctx context.Context, in *passwordInput) (*struct{}, error) {
	return nil, h.svc.ChangePassword(ctx, caller(ctx), in.Body.CurrentPassword, in.Body.NewPassword)
}

func (h *Handler) deleteMe(ctx context.Context, _ *struct{}) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, caller(ctx).UserID)
}

// PublicProfile is what anyone may see of an account.
type PublicProfile struct {
	ID             int       `json:"id" example:"42"`
	Nickname       string    `json:"nickname" example:"ada"`
	Bio            string    `json:"bio" example:"Sci-fi and slow cinema."`
	AvatarURL      string    `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
	JoinedAt       time.Time `json:"joined_at" example:"2026-11-25T12:00:00Z"`
	ReviewCount    int       `json:"review_count" example:"12"`
	Private        bool      `json:"private" example:"false" doc:"Follows need the owner's approval."`
	FollowerCount  int       `json:"follower_count" example:"120" doc:"Approved followers with a live account."`
	FollowingCount int       `json:"following_count" example:"80" doc:"Accounts this one follows (approved follows)."`
}

type idInput struct {
	ID int `path:"id" minimum:"1" example:"42"`
}

type profileOutput struct{ Body PublicProfile }

func (h *Handler) profile(ctx context.Context, in *idInput) (*profileOutput, error) {
	p, err := h.svc.PublicProfile(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &profileOutput{Body: PublicProfile(p)}, nil
}

type listInput struct {
	Q      string `query:"q" maxLength:"200" example:"ada" doc:"Substring of email or nickname, compared folded (NFKC, lower case)."`
	Role   string `query:"role" enum:"USER,ADMIN"`
	Status string `query:"status" enum:"ACTIVE,BLOCKED"`
	Sort   string `query:"sort" enum:"created_at,email,nickname,last_login_at" default:"created_at"`
	Order  string `query:"order" enum:"asc,desc" default:"desc"`
	server.PageParams
}

type listOutput struct{ Body server.Page[auth.User] }

func (h *Handler) list(ctx context.Context, in *listInput) (*listOutput, error) {
	items, total, err := h.svc.List(ctx, Filter{Query: in.Q, Role: in.Role, Status: in.Status, Sort: in.Sort,
		Desc: in.Order == "desc", PageParams: in.PageParams})
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: server.NewPage(items, in.PageParams, total)}, nil
}

type statusInput struct {
	ID   int `path:"id" minimum:"1" example:"42"`
	Body struct {
		Status string `json:"status" enum:"ACTIVE,BLOCKED" example:"BLOCKED"`
	}
}

func (h *Handler) setStatus(ctx context.Context, in *statusInput) (*userOutput, error) {
	u, err := h.svc.SetStatus(ctx, caller(ctx), in.ID, in.Body.Status)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: u}, nil
}

type roleInput struct {
	ID   int `path:"id" minimum:"1" example:"42"`
	Body struct {
		Role string `json:"role" enum:"USER,ADMIN" example:"ADMIN"`
	}
}

func (h *Handler) setRole(ctx context.Context, in *roleInput) (*userOutput, error) {
	u, err := h.svc.SetRole(ctx, caller(ctx), in.ID, in.Body.Role)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: u}, nil
}

func (h *Handler) adminDelete(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.AdminDelete(ctx, caller(ctx), in.ID)
}
