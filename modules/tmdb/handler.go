package tmdb

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the TMDB operations.
type Handler struct {
	svc   *Service
	syncs *Syncs
	guard *auth.Guard
}

// NewHandler returns the TMDB HTTP handler.
func NewHandler(svc *Service, syncs *Syncs, g *auth.Guard) *Handler {
	return &Handler{svc: svc, syncs: syncs, guard: g}
}

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "TMDB")
	upstream := []int{http.StatusBadGateway, http.StatusGatewayTimeout}
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "search-tmdb", Method: http.MethodGet, Path: "/tmdb/search",
		Summary:     "Search TMDB",
		Description: "Searches The Movie Database for titles of a type. Each result says whether it is already in the catalog (`in_catalog`, `content_id`). Answers are cached. 503 when the server has no TMDB credentials; 502/504 when TMDB fails.",
		Errors:      upstream,
	}), h.search)
	a := server.Group(api, "Admin: TMDB")
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-import-tmdb", Method: http.MethodPost, Path: "/admin/tmdb/import",
		Summary:     "Import a TMDB title",
		Description: "Imports (or refreshes) one movie or TV show with its genres. Idempotent by (type, tmdb_id): importing twice updates the same content; a deleted content is restored. 201 when the content was created, 200 when it existed. Admins only.",
		Errors:      append([]int{http.StatusNotFound}, upstream...),
		Responses: map[string]*huma.Response{"201": {
			Description: "Created: the title was not in the catalog.",
			Content: map[string]*huma.MediaType{"application/json": {
				Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ImportResult](), true, ""),
			}},
		}},
	}), h.importTitle)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-sync-tmdb", Method: http.MethodPost, Path: "/admin/tmdb/sync",
		Summary:       "Queue a sync of a TMDB list",
		Description:   "Queues a background job that imports every title of the first `pages` pages (20 titles each) of a TMDB list, and answers 202 with its id at once. While the same sync is queued or running, queueing it again returns that job (`duplicate: true`). `now_playing` exists for movies only. Follow it with GET /admin/tmdb/sync/{job_id}. Admins only.",
		DefaultStatus: http.StatusAccepted,
	}), h.queueSync)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-get-tmdb-sync", Method: http.MethodGet, Path: "/admin/tmdb/sync/{job_id}",
		Summary:     "State of a sync",
		Description: "The state of a sync job (queued, running, retrying, completed, discarded) with its progress: pages done of the total, titles imported, updated and failed, and the last errors. Admins only.",
		Errors:      []int{http.StatusNotFound},
	}), h.syncStatus)
	server.Register(a, h.guard.Admin(api, huma.Operation{
		OperationID: "admin-sync-tmdb-genres", Method: http.MethodPost, Path: "/admin/tmdb/genres/sync",
		Summary:     "Sync genres from TMDB",
		Description: "Creates or maps a local genre for every TMDB movie and TV genre. Admins only.",
		Errors:      upstream,
	}), h.syncGenres)
}

type searchInput struct {
	Q    string `query:"q" required:"true" minLength:"1" maxLength:"200" example:"star wars"`
	Type string `query:"type" enum:"movie,tv" default:"movie"`
	Page int    `query:"page" minimum:"1" maximum:"500" default:"1"`
}

type searchOutput struct {
	Body struct {
		Items        []SearchResult `json:"items"`
		Page         int            `json:"page" example:"1"`
		TotalResults int            `json:"total_results" example:"94"`
	}
}

func (h *Handler) search(ctx context.Context, in *searchInput) (*searchOutput, error) {
	items, total, err := h.svc.Search(ctx, in.Type, in.Q, in.Page)
	if err != nil {
		return nil, err
	}
	out := &searchOutput{}
	out.Body.Items, out.Body.Page, out.Body.TotalResults = items, in.Page, total
	if out.Body.Items == nil {
		out.Body.Items = []SearchResult{}
	}
	return out, nil
}

type importInput struct {
	Body struct {
		Type   string `json:"type" enum:"movie,tv" example:"movie"`
		TmdbID int64  `json:"tmdb_id" minimum:"1" example:"550"`
	}
}

type importOutput struct {
	Status int
	Body   ImportResult
}

func (h *Handler) importTitle(ctx context.Context, in *importInput) (*importOutput, error) {
	res, err := h.svc.Import(ctx, in.Body.Type, in.Body.TmdbID)
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return &importOutput{Status: status, Body: res}, nil
}

type syncGenresOutput struct {
	Body struct {
		Genres int `json:"genres" example:"35" doc:"TMDB genres synced (movie and TV)."`
	}
}

func (h *Handler) syncGenres(ctx context.Context, _ *struct{}) (*syncGenresOutput, error) {
	n, err := h.svc.SyncGenres(ctx)
	if err != nil {
		return nil, err
	}
	out := &syncGenresOutput{}
	out.Body.Genres = n
	return out, nil
}

type queueSyncInput struct {
	Body struct {
		List  string `json:"list" enum:"popular,top_rated,trending,now_playing" example:"popular"`
		Type  string `json:"type" enum:"movie,tv" example:"movie"`
		Pages int    `json:"pages" minimum:"1" maximum:"50" example:"5"`
	}
}

// Resolve checks the list exists for the type.
func (in *queueSyncInput) Resolve(huma.Context) []error {
	if in.Body.List == "now_playing" && in.Body.Type == "tv" {
		return []error{&huma.ErrorDetail{Location: "body.list", Message: "now_playing exists for movies only", Value: in.Body.List}}
	}
	return nil
}

type queueSyncOutput struct {
	Body struct {
		JobID     int64 `json:"job_id" example:"42"`
		Duplicate bool  `json:"duplicate" example:"false" doc:"The same sync was already queued or running: this is its id."`
	}
}

func (h *Handler) queueSync(ctx context.Context, in *queueSyncInput) (*queueSyncOutput, error) {
	id, dup, err := h.syncs.Queue(ctx, SyncArgs{List: in.Body.List, Type: in.Body.Type, Pages: in.Body.Pages})
	if err != nil {
		return nil, err
	}
	out := &queueSyncOutput{}
	out.Body.JobID, out.Body.Duplicate = id, dup
	return out, nil
}

type syncStatusInput struct {
	JobID int64 `path:"job_id" minimum:"1" example:"42"`
}

type syncStatusOutput struct{ Body SyncStatus }

func (h *Handler) syncStatus(ctx context.Context, in *syncStatusInput) (*syncStatusOutput, error) {
	st, err := h.syncs.Status(ctx, in.JobID)
	if err != nil {
		return nil, err
	}
	return &syncStatusOutput{Body: st}, nil
}
