package contents

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/schema"
)

// ExternalGenre is a genre of an outside catalog (TMDB).
type ExternalGenre struct {
	TmdbID int64
	Name   string
}

// UpsertGenres makes sure a local genre exists for each TMDB genre of a type
// (matched by TMDB id, then by name, which gets mapped) and returns the
// local id of each TMDB id.
func (s *Service) UpsertGenres(ctx context.Context, typ string, genres []ExternalGenre) (map[int64]int, error) {
	ids := make(map[int64]int, len(genres))
	for _, g := range genres {
		g.Name = clip(g.Name, 100)
		row, err := s.db.Genre.Query().Where(genre.TypeEQ(genre.Type(typ)),
			genre.Or(genre.TmdbID(g.TmdbID), genre.Name(g.Name))).First(ctx)
		switch {
		case ent.IsNotFound(err):
			row, err = s.db.Genre.Create().SetType(genre.Type(typ)).SetName(g.Name).SetTmdbID(g.TmdbID).Save(ctx)
		case err == nil && (row.TmdbID == nil || *row.TmdbID != g.TmdbID):
			row, err = s.db.Genre.UpdateOne(row).SetTmdbID(g.TmdbID).Save(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("contents: upsert genre %q: %w", g.Name, err)
		}
		ids[g.TmdbID] = row.ID
	}
	return ids, nil
}

// External is a title of an outside catalog, in the catalog's shape.
type External struct {
	Type             string
	TmdbID           int64
	Title            string
	OriginalTitle    string
	Overview         string
	ReleaseDate      *time.Time
	RuntimeMinutes   *int
	OriginalLanguage string
	PosterURL        string
	BackdropURL      string
	Popularity       float64
	GenreIDs         []int // local ids
}

// bounded fits an outside title into the catalog's column bounds: texts are
// cut (on a character boundary), image URLs too long to be real are dropped.
func (x External) bounded() External {
	x.Title, x.OriginalTitle = clip(x.Title, 300), clip(x.OriginalTitle, 300)
	x.Overview, x.OriginalLanguage = clip(x.Overview, 20000), clip(x.OriginalLanguage, 16)
	if len(x.PosterURL) > 2048 {
		x.PosterURL = ""
	}
	if len(x.BackdropURL) > 2048 {
		x.BackdropURL = ""
	}
	return x
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Upsert creates or updates the content of (type, tmdb_id), restoring it if
// it was deleted; running it twice with the same data changes nothing but
// updated_at. It reports whether the content was created.
func (s *Service) Upsert(ctx context.Context, x External) (id int, created bool, err error) {
	x = x.bounded()
	id, created, err = s.upsert(ctx, x)
	if sqlgraph.IsUniqueConstraintError(err) {
		// A concurrent import created it first: update that row instead.
		id, created, err = s.upsert(ctx, x)
	}
	return id, created, err
}

func (s *Service) upsert(ctx context.Context, x External) (id int, created bool, err error) {
	err = database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		q := tx.Content.Query().Where(content.TypeEQ(content.Type(x.Type)), content.TmdbID(x.TmdbID))
		if s.postgres {
			q = q.ForUpdate()
		}
		cur, err := q.Only(schema.SkipSoftDelete(ctx))
		switch {
		case ent.IsNotFound(err):
			row, err := tx.Content.Create().SetType(content.Type(x.Type)).SetTmdbID(x.TmdbID).SetTitle(x.Title).
				SetOriginalTitle(x.OriginalTitle).SetOverview(x.Overview).SetNillableReleaseDate(x.ReleaseDate).
				SetNillableRuntimeMinutes(x.RuntimeMinutes).SetOriginalLanguage(x.OriginalLanguage).
				SetPosterURL(x.PosterURL).SetBackdropURL(x.BackdropURL).SetPopularity(x.Popularity).
				AddGenreIDs(x.GenreIDs...).SetTmdbSyncedAt(time.Now().UTC()).Save(ctx)
			if err != nil {
				return fmt.Errorf("contents: upsert: %w", err) // %w keeps a unique violation visible
			}
			id, created = row.ID, true
			return nil
		case err != nil:
			return fmt.Errorf("contents: upsert: %w", err)
		}
		u := tx.Content.UpdateOne(cur).SetTitle(x.Title).SetOriginalTitle(x.OriginalTitle).
			SetOverview(x.Overview).SetOriginalLanguage(x.OriginalLanguage).SetPosterURL(x.PosterURL).
			SetBackdropURL(x.BackdropURL).SetPopularity(x.Popularity).ClearGenres().AddGenreIDs(x.GenreIDs...).
			SetTmdbSyncedAt(time.Now().UTC()).ClearDeletedAt()
		if x.ReleaseDate != nil {
			u.SetReleaseDate(*x.ReleaseDate)
		} else {
			u.ClearReleaseDate()
		}
		if x.RuntimeMinutes != nil {
			u.SetRuntimeMinutes(*x.RuntimeMinutes)
		} else {
			u.ClearRuntimeMinutes()
		}
		if err := u.Exec(schema.SkipSoftDelete(ctx)); err != nil {
			return fmt.Errorf("contents: upsert: %w", err)
		}
		id = cur.ID
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	s.cache.invalidate(ctx, id)
	s.catalogChanged(ctx) // created, restored or updated
	return id, created, nil
}

// InCatalog returns the local ids of the given TMDB ids of a type (live
// contents only).
func (s *Service) InCatalog(ctx context.Context, typ string, tmdbIDs []int64) (map[int64]int, error) {
	var rows []struct {
		ID     int   `json:"id"`
		TmdbID int64 `json:"tmdb_id"`
	}
	err := s.db.Content.Query().Where(content.TypeEQ(content.Type(typ)), content.TmdbIDIn(tmdbIDs...)).
		Select(content.FieldID, content.FieldTmdbID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("contents: in catalog: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.TmdbID] = r.ID
	}
	return out, nil
}
