package contents

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the catalog's operations.
type Handler struct {
	svc   *Service
	guard *auth.Guard
}

// NewHandler returns the catalog's HTTP handler.
func NewHandler(svc *Service, g *auth.Guard) *Handler { return &Handler{svc: svc, guard: g} }

const revalidate = "private, no-cache" // cacheable, but ask first (ETag)

// notModified documents the bodyless 304 of a conditional GET; huma adds the
// 200 and the error responses.
func notModified() map[string]*huma.Response {
	return map[string]*huma.Response{"304": {
		Description: "Not Modified: the If-None-Match ETag is current; no body.",
		Headers: map[string]*huma.Param{
			"ETag":          {Description: "The current entity tag.", Schema: &huma.Schema{Type: huma.TypeString}},
			"Cache-Control": {Description: "private, no-cache", Schema: &huma.Schema{Type: huma.TypeString}},
		},
	}}
}

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	c := server.Group(api, "Contents")
	server.Register(c, h.guard.Optional(api, huma.Operation{
		OperationID: "list-contents",
		Method:      http.MethodGet,
		Path:        "/contents",
		Summary:     "Search and browse the catalog",
		Responses:   notModified(),
		Description: "Lists live contents. `q` matches a case-insensitive substring of the title or original title (any script; `%` and `_` match themselves). `genre` may repeat (`genre=18&genre=35`): contents must have all of them. `year_from`/`year_to` bound the release year, `min_rating` the average rating. Sorts by `sort` (default popularity) in `order` (default desc, asc for title); ties are ordered by id so pages never overlap. Signed-in callers also get `bookmarked`, `my_rating`, `watched` and `last_watched_on` (from their watch diary). Answers carry an ETag; send it back in If-None-Match to get 304 when nothing changed.",
	}), h.list)
	server.Register(c, h.guard.Optional(api, huma.Operation{
		OperationID: "get-content",
		Method:      http.MethodGet,
		Path:        "/contents/{id}",
		Summary:     "Content detail",
		Responses:   notModified(),
		Description: "A live content with its genres, rating aggregates (avg_rating with one decimal, rating_count, a 1–10 histogram), review_count, bookmark_count, TMDB id and image URLs. Signed-in callers also get `bookmarked`, `my_rating`, `watched` and `last_watched_on` (from their watch diary). Unknown and deleted ids are 404. Answers carry an ETag (304 on If-None-Match).",
		Errors:      []int{http.StatusNotFound},
	}), h.get)
	server.Register(c, h.guard.Admin(api, huma.Operation{
		OperationID:   "create-content",
		Method:        http.MethodPost,
		Path:          "/contents",
		Summary:       "Add a content",
		Description:   "Adds a movie or TV show by hand (imports from TMDB use POST /admin/tmdb/import). Admins only.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusConflict},
	}), h.create)
	server.Register(c, h.guard.Admin(api, huma.Operation{
		OperationID: "update-content",
		Method:      http.MethodPatch,
		Path:        "/contents/{id}",
		Summary:     "Edit a content",
		Description: "Changes the given fields; `genre_ids` replaces the genres; an empty `release_date` clears it. The type cannot change. Admins only.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}), h.update)
	server.Register(c, h.guard.Admin(api, huma.Operation{
		OperationID:   "delete-content",
		Method:        http.MethodDelete,
		Path:          "/contents/{id}",
		Summary:       "Delete a content",
		Description:   "Soft delete: the content leaves lists, search and counts at once; its reviews and bookmarks stay in the database. Admins only.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.delete)

	b := server.Group(api, "Bookmarks")
	server.Register(b, h.guard.User(api, huma.Operation{
		OperationID:   "bookmark-content",
		Method:        http.MethodPut,
		Path:          "/contents/{id}/bookmark",
		Summary:       "Bookmark a content",
		Description:   "Puts the content on the caller's watchlist. Idempotent: bookmarking twice keeps one bookmark.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.bookmark)
	server.Register(b, h.guard.User(api, huma.Operation{
		OperationID:   "unbookmark-content",
		Method:        http.MethodDelete,
		Path:          "/contents/{id}/bookmark",
		Summary:       "Remove a bookmark",
		Description:   "Takes the content off the caller's watchlist. Idempotent.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound},
	}), h.unbookmark)
	server.Register(b, h.guard.User(api, huma.Operation{
		OperationID: "list-my-bookmarks",
		Method:      http.MethodGet,
		Path:        "/users/me/bookmarks",
		Summary:     "My bookmarks",
		Description: "The caller's bookmarked contents, most recently bookmarked first. Deleted contents are left out.",
	}), h.bookmarks)

	g := server.Group(api, "Genres")
	server.Register(g, huma.Operation{
		OperationID: "list-genres",
		Method:      http.MethodGet,
		Path:        "/genres",
		Summary:     "List genres",
		Description: "All movie and TV genres of the catalog, ordered by type then name. Filter with `type`.",
	}, h.listGenres)
	server.Register(g, h.guard.Admin(api, huma.Operation{
		OperationID:   "create-genre",
		Method:        http.MethodPost,
		Path:          "/genres",
		Summary:       "Create a genre",
		Description:   "Adds a movie or TV genre, optionally mapped to a TMDB genre id. Names are unique per type. Admins only.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusConflict},
	}), h.createGenre)
	server.Register(g, h.guard.Admin(api, huma.Operation{
		OperationID: "update-genre",
		Method:      http.MethodPatch,
		Path:        "/genres/{id}",
		Summary:     "Rename or map a genre",
		Description: "Renames a genre and/or maps it to a TMDB genre id (0 removes the mapping). Admins only.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}), h.updateGenre)
	server.Register(g, h.guard.Admin(api, huma.Operation{
		OperationID:   "delete-genre",
		Method:        http.MethodDelete,
		Path:          "/genres/{id}",
		Summary:       "Delete a genre",
		Description:   "Deletes a genre no content uses; one in use is 409. Admins only.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound, http.StatusConflict},
	}), h.deleteGenre)
}

func viewer(ctx context.Context) int {
	p, _ := auth.Caller(ctx)
	return p.UserID // 0 when anonymous
}

type listInput struct {
	Q           string  `query:"q" maxLength:"200" example:"어벤져스" doc:"Substring of the title or original title, case-insensitive."`
	Type        string  `query:"type" enum:"movie,tv"`
	Genre       []int   `query:"genre,explode" maxItems:"10" doc:"Genre id; repeat for several (all must match)."`
	YearFrom    int     `query:"year_from" minimum:"1870" maximum:"2100" example:"1990"`
	YearTo      int     `query:"year_to" minimum:"1870" maximum:"2100" example:"1999"`
	MinRating   float64 `query:"min_rating" minimum:"0" maximum:"10" example:"7.5"`
	Sort        string  `query:"sort" enum:"popularity,rating,release_date,title,review_count,created_at" default:"popularity"`
	Order       string  `query:"order" enum:"asc,desc" doc:"Default desc, or asc when sorting by title."`
	IfNoneMatch string  `header:"If-None-Match" maxLength:"8192"`
	server.PageParams
}

// Resolve checks rules that span parameters.
func (in *listInput) Resolve(huma.Context) []error {
	if in.YearFrom > 0 && in.YearTo > 0 && in.YearFrom > in.YearTo {
		return []error{&huma.ErrorDetail{Location: "query.year_from", Message: "must not be after year_to", Value: in.YearFrom}}
	}
	return nil
}

type listOutput struct {
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Status       int
	Body         *pageBody
}

// pageBody is a page of contents sent from the encoding the service made
// (server.PreEncoded); the OpenAPI document shows it as the page.
type pageBody struct {
	server.Page[ContentSummary]
	encoded []byte
}

// Schema implements huma.SchemaProvider.
func (*pageBody) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[server.Page[ContentSummary]](), true, "")
}

// EncodedJSON implements server.PreEncoded.
func (b *pageBody) EncodedJSON() []byte { return b.encoded }

func (h *Handler) list(ctx context.Context, in *listInput) (*listOutput, error) {
	desc := in.Order == "desc" || in.Order == "" && in.Sort != "title"
	p, err := h.svc.page(ctx, Filter{Query: in.Q, Type: in.Type, GenreIDs: in.Genre,
		YearFrom: in.YearFrom, YearTo: in.YearTo, MinRating: in.MinRating, Sort: in.Sort, Desc: desc,
		PageParams: in.PageParams}, viewer(ctx))
	if err != nil {
		return nil, err
	}
	etag := p.etag
	out := &listOutput{ETag: etag, CacheControl: revalidate, Status: http.StatusOK,
		Body: &pageBody{Page: server.NewPage(p.items, in.PageParams, p.total), encoded: p.encoded}}
	if server.NotModified(in.IfNoneMatch, etag) {
		out.Status, out.Body = http.StatusNotModified, nil
	}
	return out, nil
}

type idInput struct {
	ID int `path:"id" minimum:"1" example:"550"`
}

type getInput struct {
	ID          int    `path:"id" minimum:"1" example:"550"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"8192"`
}

type detailOutput struct {
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Status       int
	Body         *detailBody
}

// detailBody is a ContentDetail sent from the encoding the service made
// (server.PreEncoded); the OpenAPI document shows it as ContentDetail.
type detailBody struct {
	ContentDetail
	encoded []byte
}

// Schema implements huma.SchemaProvider.
func (*detailBody) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[ContentDetail](), true, "")
}

// EncodedJSON implements server.PreEncoded.
func (b *detailBody) EncodedJSON() []byte { return b.encoded }

func (h *Handler) get(ctx context.Context, in *getInput) (*detailOutput, error) {
	v, err := h.svc.detail(ctx, in.ID, viewer(ctx))
	if err != nil {
		return nil, err
	}
	out := &detailOutput{ETag: v.etag, CacheControl: revalidate, Status: http.StatusOK,
		Body: &detailBody{ContentDetail: v.detail, encoded: v.encoded}}
	if server.NotModified(in.IfNoneMatch, v.etag) {
		out.Status, out.Body = http.StatusNotModified, nil
	}
	return out, nil
}

// ContentFields are the writable fields of a content.
type ContentFields struct {
	Title            *string  `json:"title,omitempty" maxLength:"300" example:"Fight Club"`
	OriginalTitle    *string  `json:"original_title,omitempty" maxLength:"300" example:"Fight Club"`
	Overview         *string  `json:"overview,omitempty" text:"multiline" maxLength:"20000" example:"A ticking-time-bomb insomniac and a slippery soap salesman…"`
	ReleaseDate      *string  `json:"release_date,omitempty" maxLength:"10" example:"1999-10-15" doc:"YYYY-MM-DD; empty to clear."`
	RuntimeMinutes   *int     `json:"runtime_minutes,omitempty" minimum:"0" maximum:"100000" example:"139"`
	OriginalLanguage *string  `json:"original_language,omitempty" maxLength:"16" example:"en"`
	PosterURL        *string  `json:"poster_url,omitempty" maxLength:"2048" example:"https://image.tmdb.org/t/p/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg" doc:"An https URL or empty."`
	BackdropURL      *string  `json:"backdrop_url,omitempty" maxLength:"2048" example:"https://image.tmdb.org/t/p/w1280/hZkgoQYus5vegHoetLkCJzb17zJ.jpg" doc:"An https URL or empty."`
	TmdbID           *int64   `json:"tmdb_id,omitempty" minimum:"1" example:"550"`
	Popularity       *float64 `json:"popularity,omitempty" minimum:"0" example:"61.4"`
	GenreIDs         *[]int   `json:"genre_ids,omitempty" maxItems:"20" example:"[18]" doc:"Ids of genres of the content's type."`
}

func (f ContentFields) input(typ *string) Input {
	return Input{Type: typ, Title: f.Title, OriginalTitle: f.OriginalTitle, Overview: f.Overview,
		ReleaseDate: f.ReleaseDate, RuntimeMinutes: f.RuntimeMinutes, OriginalLanguage: f.OriginalLanguage,
		PosterURL: f.PosterURL, BackdropURL: f.BackdropURL, TmdbID: f.TmdbID, Popularity: f.Popularity,
		GenreIDs: f.GenreIDs}
}

type createInput struct {
	Body struct {
		Type  string `json:"type" enum:"movie,tv" example:"movie"`
		Title string `json:"title" minLength:"1" maxLength:"300" example:"Fight Club"`
		ContentFields
	}
}

type contentOutput struct{ Body ContentDetail }

func (h *Handler) create(ctx context.Context, in *createInput) (*contentOutput, error) {
	fields := in.Body.ContentFields
	fields.Title = &in.Body.Title
	d, err := h.svc.Create(ctx, fields.input(&in.Body.Type))
	if err != nil {
		return nil, err
	}
	return &contentOutput{Body: d}, nil
}

type updateInput struct {
	ID   int `path:"id" minimum:"1" example:"550"`
	Body ContentFields
}

func (h *Handler) update(ctx context.Context, in *updateInput) (*contentOutput, error) {
	d, err := h.svc.Update(ctx, in.ID, in.Body.input(nil))
	if err != nil {
		return nil, err
	}
	return &contentOutput{Body: d}, nil
}

func (h *Handler) delete(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, in.ID)
}

func (h *Handler) bookmark(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Bookmark(ctx, viewer(ctx), in.ID)
}

func (h *Handler) unbookmark(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.Unbookmark(ctx, viewer(ctx), in.ID)
}

type bookmarksOutput struct {
	Body server.Page[BookmarkedSummary]
}

func (h *Handler) bookmarks(ctx context.Context, in *server.PageParams) (*bookmarksOutput, error) {
	items, total, err := h.svc.Bookmarks(ctx, viewer(ctx), *in)
	if err != nil {
		return nil, err
	}
	return &bookmarksOutput{Body: server.NewPage(items, *in, total)}, nil
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

type createGenreInput struct {
	Body struct {
		Type   string `json:"type" enum:"movie,tv" example:"movie"`
		Name   string `json:"name" minLength:"1" maxLength:"100" example:"Drama"`
		TmdbID *int64 `json:"tmdb_id,omitempty" minimum:"1" example:"18"`
	}
}

type genreOutput struct{ Body Genre }

func (h *Handler) createGenre(ctx context.Context, in *createGenreInput) (*genreOutput, error) {
	g, err := h.svc.CreateGenre(ctx, in.Body.Type, in.Body.Name, in.Body.TmdbID)
	if err != nil {
		return nil, err
	}
	return &genreOutput{Body: g}, nil
}

type updateGenreInput struct {
	ID   int `path:"id" minimum:"1" example:"18"`
	Body struct {
		Name   *string `json:"name,omitempty" minLength:"1" maxLength:"100" example:"Drama"`
		TmdbID *int64  `json:"tmdb_id,omitempty" minimum:"0" example:"18" doc:"0 removes the mapping."`
	}
}

func (h *Handler) updateGenre(ctx context.Context, in *updateGenreInput) (*genreOutput, error) {
	g, err := h.svc.UpdateGenre(ctx, in.ID, in.Body.Name, in.Body.TmdbID)
	if err != nil {
		return nil, err
	}
	return &genreOutput{Body: g}, nil
}

func (h *Handler) deleteGenre(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, h.svc.DeleteGenre(ctx, in.ID)
}
