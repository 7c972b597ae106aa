package social

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the social operations.
type Handler struct {
	svc   *Service
	guard *auth.Guard
}

// NewHandler returns the social HTTP handler.
func NewHandler(svc *Service, g *auth.Guard) *Handler { return &Handler{svc: svc, guard: g} }

const cursorDoc = " Keyset pagination: `cursor` empty or absent for the first page, then the `next_cursor` of the previous answer (null on the last page)."

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Social")
	// Static paths before /users/{id}/…: the router tries routes in order.
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "get-feed", Method: http.MethodGet, Path: "/feed",
		Summary:     "My activity feed",
		Description: "Reviews, ratings, likes and public-list updates of the people the caller follows (approved follows), newest first; a list is one item at its last change (created, edited, items changed). Hidden and deleted reviews, reviews of deleted titles and anything by or about an account blocked either way are left out; an unfollow, a block or a hidden review shows on the next read. Each item's `kind` says what happened and which field holds its object; the set of kinds is open (new kinds may be added without a new API version), so clients skip items of a kind they do not know." + cursorDoc,
	}), h.feed)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-follow-requests", Method: http.MethodGet, Path: "/users/me/follow-requests",
		Summary:     "My pending follow requests",
		Description: "People waiting for the caller's approval to follow them (private accounts), newest first." + cursorDoc,
	}), h.requests)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-blocks", Method: http.MethodGet, Path: "/users/me/blocks",
		Summary:     "Accounts I blocked",
		Description: "The accounts the caller blocked, most recent block first. Deleted accounts are left out." + cursorDoc,
	}), h.blocks)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "approve-follow-request", Method: http.MethodPost, Path: "/users/me/follow-requests/{id}/approve",
		Summary:       "Approve a follow request",
		Description:   "Lets user `id` follow the caller. Approving someone who already follows is a no-op; no request from that user is 404.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.approve)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "deny-follow-request", Method: http.MethodPost, Path: "/users/me/follow-requests/{id}/deny",
		Summary:       "Deny a follow request",
		Description:   "Removes user `id`'s pending request to follow the caller; no pending request from that user is 404.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.deny)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "follow-user", Method: http.MethodPut, Path: "/users/{id}/follow",
		Summary:     "Follow a user",
		Description: "Follows a user; idempotent. A private account's follow starts `PENDING` until its owner approves it. Following oneself is 403, and so is following across a block (either way).",
		Errors:      []int{http.StatusNotFound},
	}), h.follow)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "unfollow-user", Method: http.MethodDelete, Path: "/users/{id}/follow",
		Summary:       "Unfollow a user",
		Description:   "Ends the caller's follow of a user, or withdraws a pending request; idempotent.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.unfollow)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-followers", Method: http.MethodGet, Path: "/users/{id}/followers",
		Summary:     "A user's followers",
		Description: "Accounts following the user (approved follows), newest first. A private account's lists are for itself and its approved followers (others: 403); across a block, 403." + cursorDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.followers)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-following", Method: http.MethodGet, Path: "/users/{id}/following",
		Summary:     "Whom a user follows",
		Description: "Accounts the user follows (approved follows), newest first. A private account's lists are for itself and its approved followers (others: 403); across a block, 403." + cursorDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.following)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "block-user", Method: http.MethodPut, Path: "/users/{id}/block",
		Summary:       "Block a user",
		Description:   "Blocks a user; idempotent. Follows between the two end, both ways; neither can follow the other, and neither sees the other's reviews and comments in lists or the feed. Blocking oneself is 403.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.block)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "unblock-user", Method: http.MethodDelete, Path: "/users/{id}/block",
		Summary:       "Unblock a user",
		Description:   "Lifts the caller's block of a user; idempotent. Follows ended by the block do not come back.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.unblock)
}

func me(ctx context.Context) int {
	p, _ := auth.Caller(ctx)
	return p.UserID // 0 for anonymous callers of optional routes
}

// UserParam is the path parameter of a user (exported so huma reads it
// when embedded).
type UserParam struct {
	ID int `path:"id" minimum:"1" example:"42" doc:"A user id."`
}

// PageQuery is the keyset page of a list (exported so huma reads it when
// embedded).
type PageQuery struct {
	Cursor string `query:"cursor" maxLength:"512" example:"" doc:"Empty for the first page, then the next_cursor of the previous answer."`
	Size   int    `query:"size" minimum:"1" maximum:"100" default:"20" example:"20" doc:"Items per page, 1–100."`
}

type userPageInput struct {
	UserParam
	PageQuery
}

type peopleOutput struct{ Body People }

type feedOutput struct{ Body Feed }

func (h *Handler) feed(ctx context.Context, in *PageQuery) (*feedOutput, error) {
	f, err := h.svc.Feed(ctx, me(ctx), in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &feedOutput{Body: f}, nil
}

func (h *Handler) requests(ctx context.Context, in *PageQuery) (*peopleOutput, error) {
	p, err := h.svc.Requests(ctx, me(ctx), in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &peopleOutput{Body: p}, nil
}

type blocksOutput struct{ Body BlockedPeople }

func (h *Handler) blocks(ctx context.Context, in *PageQuery) (*blocksOutput, error) {
	p, err := h.svc.Blocks(ctx, me(ctx), in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &blocksOutput{Body: p}, nil
}

func (h *Handler) approve(ctx context.Context, in *UserParam) (*struct{}, error) {
	return nil, h.svc.Approve(ctx, me(ctx), in.ID)
}

func (h *Handler) deny(ctx context.Context, in *UserParam) (*struct{}, error) {
	return nil, h.svc.Deny(ctx, me(ctx), in.ID)
}

type followOutput struct {
	Body struct {
		Status string `json:"status" enum:"ACTIVE,PENDING" example:"ACTIVE" doc:"ACTIVE: following; PENDING: waiting for a private account's approval."`
	}
}

func (h *Handler) follow(ctx context.Context, in *UserParam) (*followOutput, error) {
	status, err := h.svc.Follow(ctx, me(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &followOutput{}
	out.Body.Status = status
	return out, nil
}

func (h *Handler) unfollow(ctx context.Context, in *UserParam) (*struct{}, error) {
	return nil, h.svc.Unfollow(ctx, me(ctx), in.ID)
}

func (h *Handler) followers(ctx context.Context, in *userPageInput) (*peopleOutput, error) {
	p, err := h.svc.Followers(ctx, me(ctx), in.ID, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &peopleOutput{Body: p}, nil
}

func (h *Handler) following(ctx context.Context, in *userPageInput) (*peopleOutput, error) {
	p, err := h.svc.Following(ctx, me(ctx), in.ID, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &peopleOutput{Body: p}, nil
}

func (h *Handler) block(ctx context.Context, in *UserParam) (*struct{}, error) {
	return nil, h.svc.Block(ctx, me(ctx), in.ID)
}

func (h *Handler) unblock(ctx context.Context, in *UserParam) (*struct{}, error) {
	return nil, h.svc.Unblock(ctx, me(ctx), in.ID)
}
