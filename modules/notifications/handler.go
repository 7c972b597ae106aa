package notifications

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the devices operations.
type Handler struct {
	devices *Devices
	inbox   *Inbox
	guard   *auth.Guard
}

// NewHandler returns the notifications HTTP handler.
func NewHandler(d *Devices, i *Inbox, g *auth.Guard) *Handler {
	return &Handler{devices: d, inbox: i, guard: g}
}

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Devices")
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "register-device", Method: http.MethodPost, Path: "/users/me/devices",
		Summary:     "Register a push device",
		Description: "Registers the FCM registration token of one of the caller's devices and answers the device with its `id`, the handle of every other device operation: the token is sent only in this body and never appears in a URL, an answer or the server's logs (answers show its last characters). Idempotent: the same token answers the same device and `id`, so an app that kept only its token (e.g. on sign-out) registers it again to learn the `id`, then deletes the device. A token registered by another account moves to the caller, keeping its `id` (the phone changed hands). Each account keeps at most FCM_MAX_DEVICES devices (10 by default): registering one more drops the least recently seen.",
	}), h.register)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-devices", Method: http.MethodGet, Path: "/users/me/devices",
		Summary:     "My push devices",
		Description: "The caller's registered devices (at most FCM_MAX_DEVICES), most recently seen first, with their `id`. Tokens are not echoed, only their last characters (`token_suffix`).",
	}), h.list)
	n := server.Group(api, "Notifications")
	server.Register(n, h.guard.User(api, huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/users/me/notifications",
		Summary:     "My notifications",
		Description: "The caller's in-app notifications (likes and comments on their reviews), newest first, by keyset cursor (`cursor` from `next_cursor`), with the number of unread ones. A like, unlike and like again by the same person within a day notifies once.",
	}), h.listNotifications)
	server.Register(n, h.guard.User(api, huma.Operation{
		OperationID: "mark-notifications-read", Method: http.MethodPost, Path: "/users/me/notifications/read",
		Summary:     "Mark notifications read",
		Description: "Marks the given notifications of the caller read, or all of them when `ids` is empty or absent. Ids of other accounts' notifications change nothing. Answers the unread count after.",
	}), h.markRead)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "forget-device", Method: http.MethodDelete, Path: "/users/me/devices/{id}",
		Summary:       "Forget a push device",
		Description:   "Stops pushes to one of the caller's devices (e.g. on sign-out), by the `id` that POST /users/me/devices and GET /users/me/devices answer; an app that kept only its token registers it again to learn the `id`. The id of another account's device answers 404, like an unknown one, and changes nothing. Device tokens never go in the URL.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.forget)
}

type registerInput struct {
	Body struct {
		Token    string `json:"token" minLength:"8" maxLength:"4096" example:"fcm-registration-token-of-the-device"`
		Platform string `json:"platform" enum:"android,ios,web" example:"android"`
	}
}

type deviceOutput struct{ Body Device }

func (h *Handler) register(ctx context.Context, in *registerInput) (*deviceOutput, error) {
	p, _ := auth.Caller(ctx)
	d, err := h.devices.Register(ctx, p.UserID, in.Body.Token, in.Body.Platform)
	if err != nil {
		return nil, err
	}
	return &deviceOutput{Body: d}, nil
}

type listOutput struct {
	Body struct {
		Items []Device `json:"items"`
	}
}

func (h *Handler) list(ctx context.Context, _ *struct{}) (*listOutput, error) {
	p, _ := auth.Caller(ctx)
	items, err := h.devices.List(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &listOutput{}
	out.Body.Items = items
	return out, nil
}

type forgetInput struct {
	ID int `path:"id" minimum:"1" example:"42" doc:"The device's id, from POST or GET /users/me/devices."`
}

func (h *Handler) forget(ctx context.Context, in *forgetInput) (*struct{}, error) {
	p, _ := auth.Caller(ctx)
	return nil, h.devices.Forget(ctx, p.UserID, in.ID)
}

type listNotificationsInput struct {
	Cursor string `query:"cursor" maxLength:"256"`
	Size   int    `query:"size" minimum:"1" maximum:"100" default:"20"`
}

type listNotificationsOutput struct{ Body Page }

func (h *Handler) listNotifications(ctx context.Context, in *listNotificationsInput) (*listNotificationsOutput, error) {
	p, _ := auth.Caller(ctx)
	page, err := h.inbox.List(ctx, p.UserID, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &listNotificationsOutput{Body: page}, nil
}

type markReadInput struct {
	Body struct {
		IDs []int `json:"ids,omitempty" maxItems:"500" example:"[17,18]" doc:"Notifications to mark read; empty or absent: all."`
	}
}

type markReadOutput struct {
	Body struct {
		UnreadCount int `json:"unread_count" example:"0"`
	}
}

func (h *Handler) markRead(ctx context.Context, in *markReadInput) (*markReadOutput, error) {
	p, _ := auth.Caller(ctx)
	n, err := h.inbox.MarkRead(ctx, p.UserID, in.Body.IDs)
	if err != nil {
		return nil, err
	}
	out := &markReadOutput{}
	out.Body.UnreadCount = n
	return out, nil
}
