package tmdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/reelview/reelview/modules/contents"
)

// Service imports TMDB titles into the catalog and searches TMDB.
type Service struct {
	client   *Client
	contents *contents.Service
}

// NewService returns the TMDB service.
func NewService(c *Client, cs *contents.Service) *Service { return &Service{client: c, contents: cs} }

// ImportResult tells what an import did.
type ImportResult struct {
	ContentID int  `json:"content_id" example:"550"`
	Created   bool `json:"created" example:"true" doc:"False when the title was already in the catalog and was updated."`
}

// Import upserts one TMDB title ("movie" or "tv") with its genres, mapping
// TV fields onto the common shape (name → title, first_air_date →
// release_date, episode run time → runtime) and image paths to full URLs.
// Importing twice changes nothing but updated fields.
func (s *Service) Import(ctx context.Context, typ string, tmdbID int64) (ImportResult, error) {
	var (
		d   Details
		err error
	)
	if typ == "tv" {
		d, err = s.client.TV(ctx, tmdbID)
	} else {
		d, err = s.client.Movie(ctx, tmdbID)
	}
	if err != nil {
		return ImportResult{}, err
	}
	conf, err := s.client.Configuration(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	genres := make([]contents.ExternalGenre, len(d.Genres))
	for i, g := range d.Genres {
		genres[i] = contents.ExternalGenre{TmdbID: g.ID, Name: g.Name}
	}
	local, err := s.contents.UpsertGenres(ctx, typ, genres)
	if err != nil {
		return ImportResult{}, err
	}
	genreIDs := make([]int, 0, len(local))
	for _, g := range d.Genres {
		genreIDs = append(genreIDs, local[g.ID])
	}
	x := contents.External{
		Type: typ, TmdbID: d.ID, Title: d.DisplayTitle(), OriginalTitle: first(d.OriginalTitle, d.OriginalName),
		Overview: d.Overview, RuntimeMinutes: d.RuntimeMinutes(), OriginalLanguage: d.OriginalLanguage,
		PosterURL:   imageURL(conf, conf.Images.PosterSizes, "w500", d.PosterPath),
		BackdropURL: imageURL(conf, conf.Images.BackdropSizes, "w1280", d.BackdropPath),
		Popularity:  d.Popularity, GenreIDs: genreIDs,
	}
	if t, err := time.Parse(time.DateOnly, first(d.ReleaseDate, d.FirstAirDate)); err == nil {
		x.ReleaseDate = &t
	}
	if x.Title == "" {
		return ImportResult{}, ErrRejected.WithMessage("TMDB title %d has no title.", tmdbID)
	}
	id, created, err := s.contents.Upsert(ctx, x)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{ContentID: id, Created: created}, nil
}

// imageURL builds https://image.tmdb.org/t/p/<size><path>, with the wanted
// size when TMDB offers it, else "original".
func imageURL(conf Configuration, sizes []string, want string, path *string) string {
	if path == nil || *path == "" || conf.Images.SecureBaseURL == "" {
		return ""
	}
	size := "original"
	if slices.Contains(sizes, want) {
		size = want
	}
	return conf.Images.SecureBaseURL + size + *path
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// SyncGenres upserts TMDB's movie and TV genre lists into the catalog.
func (s *Service) SyncGenres(ctx context.Context) (int, error) {
	n := 0
	for _, typ := range []string{"movie", "tv"} {
		gs, err := s.client.Genres(ctx, typ)
		if err != nil {
			return n, err
		}
		ext := make([]contents.ExternalGenre, len(gs))
		for i, g := range gs {
			ext[i] = contents.ExternalGenre{TmdbID: g.ID, Name: g.Name}
		}
		if _, err := s.contents.UpsertGenres(ctx, typ, ext); err != nil {
			return n, err
		}
		n += len(gs)
	}
	return n, nil
}

// SearchResult is a TMDB title with its place in the local catalog.
type SearchResult struct {
	TmdbID      int64   `json:"tmdb_id" example:"11"`
	Type        string  `json:"type" enum:"movie,tv" example:"movie"`
	Title       string  `json:"title" example:"Star Wars"`
	ReleaseDate string  `json:"release_date" example:"1977-05-25"`
	Overview    string  `json:"overview" example:"Princess Leia is captured and held hostage by the evil Imperial forces…"`
	PosterURL   string  `json:"poster_url" example:"https://image.tmdb.org/t/p/w500/6FfCtAuVAW8XJjZ7eWeLibRLWTw.jpg"`
	Popularity  float64 `json:"popularity" example:"72.9"`
	InCatalog   bool    `json:"in_catalog" example:"true"`
	ContentID   *int    `json:"content_id" nullable:"true" example:"12" doc:"The local content, when imported."`
}

// Search searches TMDB and marks the results already in the catalog.
func (s *Service) Search(ctx context.Context, typ, q string, page int) ([]SearchResult, int, error) {
	p, err := s.client.Search(ctx, typ, q, page)
	if err != nil {
		return nil, 0, err
	}
	conf, err := s.client.Configuration(ctx)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(p.Results))
	for i, r := range p.Results {
		ids[i] = r.ID
	}
	local, err := s.contents.InCatalog(ctx, typ, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("tmdb: search: %w", err)
	}
	out := make([]SearchResult, len(p.Results))
	for i, r := range p.Results {
		out[i] = SearchResult{TmdbID: r.ID, Type: typ, Title: r.DisplayTitle(), ReleaseDate: first(r.ReleaseDate, r.FirstAirDate),
			Overview: r.Overview, PosterURL: imageURL(conf, conf.Images.PosterSizes, "w500", r.PosterPath),
			Popularity: r.Popularity}
		if id, ok := local[r.ID]; ok {
			out[i].InCatalog, out[i].ContentID = true, &id
		}
	}
	return out, p.TotalResults, nil
}
