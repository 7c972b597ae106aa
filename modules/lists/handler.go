package lists

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the lists operations.
type Handler struct {
	svc   *Service
	guard *auth.Guard
}

// NewHandler returns the lists HTTP handler.
func NewHandler(svc *Service, g *auth.Guard) *Handler { return &Handler{svc: svc, guard: g} }

const (
	cursorDoc = " Keyset pagination: `cursor` empty or absent for the first page, then the `next_cursor` of the previous answer (null on the last page)."
	seeDoc    = " Who sees a list: its owner always; others see PUBLIC and UNLISTED lists, unless the owner's account is private and they are not its approved followers, or one of them blocked the other. A PRIVATE list is the owner's alone. A list the caller may not see is 404 (never 403), so that its existence does not leak."
	ownerDoc  = " Only the list's owner may do this: another caller who can see the list gets 403, one who cannot gets 404."
	itemsDoc  = " Items come in position order (1, 2, … without gaps), each with the content's summary; titles removed from the catalog are left out (and dropped from the list, closing the gap, at its next change)."
)

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Lists")
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "create-list", Method: http.MethodPost, Path: "/lists",
		Summary:       "Create a list",
		Description:   "Creates a list of the caller's: a title (1–100 characters), an optional description (up to 2,000) and a visibility (`PUBLIC` by default, `UNLISTED` or `PRIVATE`). Add titles with PUT /lists/{id}/items/{content_id}.",
		DefaultStatus: http.StatusCreated,
	}), h.create)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "get-list", Method: http.MethodGet, Path: "/lists/{id}",
		Summary:     "One list with its first items",
		Description: "A list and the first `size` of its items; `next_cursor` pages on through GET /lists/{id}/items. Signed-in callers also get `liked_by_me` and each content's `bookmarked` / `my_rating`." + itemsDoc + seeDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.get)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-list-items", Method: http.MethodGet, Path: "/lists/{id}/items",
		Summary:     "Items of a list",
		Description: "A page of a list's items." + itemsDoc + cursorDoc + seeDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.items)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "update-list", Method: http.MethodPatch, Path: "/lists/{id}",
		Summary:     "Edit a list",
		Description: "Changes the title, description or visibility of the caller's list; absent fields stay as they are." + ownerDoc,
		Errors:      []int{http.StatusNotFound},
	}), h.update)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "delete-list", Method: http.MethodDelete, Path: "/lists/{id}",
		Summary:       "Delete a list",
		Description:   "Deletes a list (soft delete): its owner, or an admin. Another caller who can see the list gets 403, one who cannot gets 404.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.delete)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "put-list-item", Method: http.MethodPut, Path: "/lists/{id}/items/{content_id}",
		Summary: "Add or change a list item",
		Description: "Adds a content to the caller's list, or changes its item; idempotent (the same request twice leaves one item). " +
			"`position` inserts or moves the item there and shifts the others (beyond the end: last); without it a new item goes last and an existing one stays put. " +
			"`note` (up to 500 characters) replaces the item's note; absent, it stays. A list holds at most 1,000 titles: one more is 400 `VALIDATION_FAILED` on `content_id` (\"the list is full\"). " +
			"An unknown or deleted content is 404. Concurrent changes of one list take turns: positions stay 1..n and `item_count` exact." + ownerDoc,
		Errors: []int{http.StatusNotFound},
	}), h.putItem)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "delete-list-item", Method: http.MethodDelete, Path: "/lists/{id}/items/{content_id}",
		Summary:       "Remove a list item",
		Description:   "Takes a content off the caller's list and closes the gap in the positions; idempotent (a content not on the list is a no-op)." + ownerDoc,
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.deleteItem)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "reorder-list", Method: http.MethodPut, Path: "/lists/{id}/order",
		Summary: "Reorder a list",
		Description: "Puts the items of the caller's list in the order of `content_ids`, which must name every title now on the list exactly once; " +
			"otherwise (a missing, unknown or repeated id, e.g. after a concurrent change) it is 400 `VALIDATION_FAILED` on `content_ids` and nothing changes: reload the list and try again." + ownerDoc,
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.reorder)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "like-list", Method: http.MethodPut, Path: "/lists/{id}/like",
		Summary:       "Like a list",
		Description:   "Likes a list the caller can see; idempotent, and `like_count` stays exact under concurrent likes. Liking one's own list is 403.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.like)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "unlike-list", Method: http.MethodDelete, Path: "/lists/{id}/like",
		Summary:       "Unlike a list",
		Description:   "Removes the caller's like; idempotent. A like can be taken back even from a list the caller no longer sees.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), h.unlike)
	server.Register(g, h.guard.Optional(api, huma.Operation{
		OperationID: "list-user-lists", Method: http.MethodGet, Path: "/users/{id}/lists",
		Summary: "A user's lists",
		Description: "A user's lists, newest first: all of them for the user itself, only the PUBLIC ones for others. " +
			"A private account's lists are for itself and its approved followers (others: 403); across a block (either way) the user is 404." + cursorDoc,
		Errors: []int{http.StatusNotFound},
	}), h.userLists)
}

// IDParam is the path parameter of a list (exported so huma reads it when
// embedded).
type IDParam struct {
	ID int `path:"id" minimum:"1" example:"12" doc:"A list id."`
}

// SizeQuery is the page size of a list of items or lists.
type SizeQuery struct {
	Size int `query:"size" minimum:"1" maximum:"100" default:"20" example:"20" doc:"Items per page, 1–100."`
}

// PageQuery is a keyset page (exported so huma reads it when embedded).
type PageQuery struct {
	Cursor string `query:"cursor" maxLength:"512" example:"" doc:"Empty for the first page, then the next_cursor of the previous answer."`
	SizeQuery
}

type listFields struct {
	Title       *string `json:"title,omitempty" minLength:"1" maxLength:"100" example:"Best heist movies" doc:"1–100 characters."`
	Description *string `json:"description,omitempty" text:"multiline" maxLength:"2000" example:"Crews, vaults and one last job." doc:"Up to 2,000 characters."`
	Visibility  *string `json:"visibility,omitempty" enum:"PUBLIC,UNLISTED,PRIVATE" example:"PUBLIC" doc:"PUBLIC: anyone, listed on the owner's profile; UNLISTED: anyone with the id, never listed for others; PRIVATE: the owner only."`
}

type createListInput struct {
	Body struct {
		Title       string  `json:"title" minLength:"1" maxLength:"100" example:"Best heist movies" doc:"1–100 characters."`
		Description *string `json:"description,omitempty" text:"multiline" maxLength:"2000" example:"Crews, vaults and one last job." doc:"Up to 2,000 characters."`
		Visibility  *string `json:"visibility,omitempty" enum:"PUBLIC,UNLISTED,PRIVATE" default:"PUBLIC" example:"PUBLIC" doc:"PUBLIC (default): anyone, listed on the owner's profile; UNLISTED: anyone with the id, never listed for others; PRIVATE: the owner only."`
	}
}

type listOutput struct{ Body List }

func (h *Handler) create(ctx context.Context, in *createListInput) (*listOutput, error) {
	l, err := h.svc.Create(ctx, ViewerFrom(ctx), NewList{Title: &in.Body.Title, Description: in.Body.Description, Visibility: in.Body.Visibility})
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: l}, nil
}

type getListInput struct {
	IDParam
	SizeQuery
}

type detailOutput struct{ Body ListDetail }

func (h *Handler) get(ctx context.Context, in *getListInput) (*detailOutput, error) {
	d, err := h.svc.Detail(ctx, ViewerFrom(ctx), in.ID, in.Size)
	if err != nil {
		return nil, err
	}
	return &detailOutput{Body: d}, nil
}

type listItemsInput struct {
	IDParam
	PageQuery
}

type itemsOutput struct{ Body ListItems }

func (h *Handler) items(ctx context.Context, in *listItemsInput) (*itemsOutput, error) {
	items, err := h.svc.Items(ctx, ViewerFrom(ctx), in.ID, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &itemsOutput{Body: items}, nil
}

type updateListInput struct {
	IDParam
	Body listFields
}

func (h *Handler) update(ctx context.Context, in *updateListInput) (*listOutput, error) {
	l, err := h.svc.Update(ctx, ViewerFrom(ctx), in.ID, NewList(in.Body))
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: l}, nil
}

func (h *Handler) delete(ctx context.Context, in *IDParam) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, ViewerFrom(ctx), in.ID)
}

// ItemParams are the path parameters of a list item (exported so huma
// reads them when embedded).
type ItemParams struct {
	IDParam
	ContentID int `path:"content_id" minimum:"1" example:"550" doc:"A content id."`
}

type putListItemInput struct {
	ItemParams
	Body *struct {
		Position *int    `json:"position,omitempty" minimum:"1" maximum:"1000" example:"1" doc:"Where to put the item, 1 for first; beyond the end, last. Absent: a new item goes last, an existing one stays."`
		Note     *string `json:"note,omitempty" text:"multiline" maxLength:"500" example:"The one that started it all." doc:"Up to 500 characters; replaces the item's note. Absent: unchanged."`
	} `required:"false"`
}

type itemOutput struct{ Body ListItem }

func (h *Handler) putItem(ctx context.Context, in *putListItemInput) (*itemOutput, error) {
	var change ItemChange
	if in.Body != nil { // the body is optional: no body adds the item last
		change = ItemChange{Position: in.Body.Position, Note: in.Body.Note}
	}
	it, err := h.svc.PutItem(ctx, ViewerFrom(ctx), in.ID, in.ContentID, change)
	if err != nil {
		return nil, err
	}
	return &itemOutput{Body: it}, nil
}

func (h *Handler) deleteItem(ctx context.Context, in *ItemParams) (*struct{}, error) {
	return nil, h.svc.RemoveItem(ctx, ViewerFrom(ctx), in.ID, in.ContentID)
}

type reorderListInput struct {
	IDParam
	Body struct {
		ContentIDs []int `json:"content_ids" maxItems:"1000" example:"[550,680,13]" doc:"Every content id now on the list, once each, in the new order."`
	}
}

func (h *Handler) reorder(ctx context.Context, in *reorderListInput) (*struct{}, error) {
	return nil, h.svc.Reorder(ctx, ViewerFrom(ctx), in.ID, in.Body.ContentIDs)
}

func (h *Handler) like(ctx context.Context, in *IDParam) (*struct{}, error) {
	return nil, h.svc.Like(ctx, ViewerFrom(ctx), in.ID)
}

func (h *Handler) unlike(ctx context.Context, in *IDParam) (*struct{}, error) {
	return nil, h.svc.Unlike(ctx, ViewerFrom(ctx), in.ID)
}

type userListsInput struct {
	ID int `path:"id" minimum:"1" example:"42" doc:"A user id."`
	PageQuery
}

type pageOutput struct{ Body ListPage }

func (h *Handler) userLists(ctx context.Context, in *userListsInput) (*pageOutput, error) {
	p, err := h.svc.UserLists(ctx, ViewerFrom(ctx), in.ID, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}
