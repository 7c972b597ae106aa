package diary

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the diary operations.
type Handler struct {
	svc   *Service
	guard *auth.Guard
}

// NewHandler returns the diary HTTP handler.
func NewHandler(svc *Service, g *auth.Guard) *Handler { return &Handler{svc: svc, guard: g} }

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Diary")
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "log-diary-entry", Method: http.MethodPost, Path: "/users/me/diary",
		Summary:       "Log a viewing",
		Description:   "Adds a viewing to the caller's watch diary: the content, the day it was watched (1870-01-01 to tomorrow, UTC, so that every time zone can log today), whether it was a rewatch, and optionally a rating (1–10, like reviews) and the caller's own review of the same content. A content may be logged any number of times. A review of someone else is 403, of another content 400, unknown or deleted 404.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusForbidden},
	}), h.log)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "list-diary", Method: http.MethodGet, Path: "/users/me/diary",
		Summary:     "My watch diary",
		Description: "The caller's viewings, newest day first (the same day: latest logged first). With `month` (YYYY-MM), only that month's. Viewings of deleted contents are left out. Keyset pagination: `cursor` empty or absent for the first page, then the `next_cursor` of the previous answer (null on the last page).",
	}), h.list)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "update-diary-entry", Method: http.MethodPatch, Path: "/users/me/diary/{id}",
		Summary:     "Edit a viewing",
		Description: "Changes the given fields of one of the caller's viewings; fields left out stay. `rating: 0` removes the rating and `review_id: 0` the review link. The content cannot change (delete the viewing and log another). Someone else's viewing is 404.",
		Errors:      []int{http.StatusNotFound, http.StatusForbidden},
	}), h.update)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "delete-diary-entry", Method: http.MethodDelete, Path: "/users/me/diary/{id}",
		Summary:       "Delete a viewing",
		Description:   "Removes one of the caller's viewings. Someone else's viewing is 404.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.delete)
}

func me(ctx context.Context) int {
	p, _ := auth.Caller(ctx)
	return p.UserID
}

type logInput struct {
	Body struct {
		ContentID int    `json:"content_id" minimum:"1" example:"550" doc:"The content watched."`
		WatchedOn string `json:"watched_on" format:"date" maxLength:"10" example:"2026-11-24" doc:"The day it was watched, YYYY-MM-DD, from 1870-01-01 to tomorrow (UTC)."`
		Rewatch   bool   `json:"rewatch,omitempty" example:"false" doc:"Seen before; default false."`
		Rating    *int   `json:"rating,omitempty" minimum:"1" maximum:"10" example:"8" doc:"Rating of this viewing, 1–10."`
		ReviewID  *int   `json:"review_id,omitempty" minimum:"1" example:"7" doc:"The caller's own review of the same content."`
	}
}

type entryOutput struct{ Body DiaryEntry }

func (h *Handler) log(ctx context.Context, in *logInput) (*entryOutput, error) {
	b := in.Body
	e, err := h.svc.Log(ctx, me(ctx), NewEntry{ContentID: b.ContentID, WatchedOn: b.WatchedOn, Rewatch: b.Rewatch,
		Rating: b.Rating, ReviewID: b.ReviewID})
	if err != nil {
		return nil, err
	}
	return &entryOutput{Body: e}, nil
}

type listInput struct {
	Month  string `query:"month" maxLength:"7" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" example:"2026-11" doc:"Only this month's viewings, YYYY-MM; absent for all."`
	Cursor string `query:"cursor" maxLength:"512" example:"" doc:"Empty for the first page, then the next_cursor of the previous answer."`
	Size   int    `query:"size" minimum:"1" maximum:"100" default:"20" example:"20" doc:"Items per page, 1–100."`
}

type pageOutput struct{ Body DiaryPage }

func (h *Handler) list(ctx context.Context, in *listInput) (*pageOutput, error) {
	p, err := h.svc.List(ctx, me(ctx), in.Month, in.Cursor, in.Size)
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}

// EntryParam is the path parameter of a diary entry (exported so huma reads
// it when embedded).
type EntryParam struct {
	ID int `path:"id" minimum:"1" example:"12" doc:"A diary entry id."`
}

type updateInput struct {
	EntryParam
	Body struct {
		WatchedOn *string `json:"watched_on,omitempty" format:"date" maxLength:"10" example:"2026-11-24" doc:"The day it was watched, YYYY-MM-DD, from 1870-01-01 to tomorrow (UTC)."`
		Rewatch   *bool   `json:"rewatch,omitempty" example:"true" doc:"Seen before."`
		Rating    *int    `json:"rating,omitempty" minimum:"0" maximum:"10" example:"9" doc:"Rating 1–10; 0 removes it."`
		ReviewID  *int    `json:"review_id,omitempty" minimum:"0" example:"7" doc:"The caller's own review of the entry's content; 0 removes the link."`
	}
}

func (h *Handler) update(ctx context.Context, in *updateInput) (*entryOutput, error) {
	b := in.Body
	e, err := h.svc.Update(ctx, me(ctx), in.ID, Change{WatchedOn: b.WatchedOn, Rewatch: b.Rewatch, Rating: b.Rating, ReviewID: b.ReviewID})
	if err != nil {
		return nil, err
	}
	return &entryOutput{Body: e}, nil
}

func (h *Handler) delete(ctx context.Context, in *EntryParam) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, me(ctx), in.ID)
}
