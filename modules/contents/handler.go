package contents

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
)

// Handler serves the catalog's operations.
type Handler struct{ svc *Service }

// NewHandler returns the catalog's HTTP handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Genres")
	huma.Register(g, huma.Operation{
		OperationID: "list-genres",
		Method:      http.MethodGet,
		Path:        "/genres",
		Summary:     "List genres",
		Description: "All movie and TV genres of the catalog, ordered by type then name. Filter with `type`.",
	}, h.listGenres)
}

type listGenresInput struct {
	Type string `query:"type" enum:"movie,tv" doc:"Only genres of this type."`
}

type listGenresOutput struct {
	Body struct {
		Items []Genre `json:"items"`
	}
}

func (h *Handler) listGenres(ctx context.Context, in *listGenresInput) (*listGenresOutput, error) {
	items, err := h.svc.Genres(ctx, in.Type)
	if err != nil {
		return nil, err
	}
	out := &listGenresOutput{}
	out.Body.Items = items
	return out, nil
}
