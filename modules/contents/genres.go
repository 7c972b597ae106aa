package contents

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
)

// Genres lists the genres of one type ("movie" or "tv"), or all when typ is
// empty, ordered by type then name.
func (s *Service) Genres(ctx context.Context, typ string) ([]Genre, error) {
	q := s.db.Genre.Query()
	if typ != "" {
		q = q.Where(genre.TypeEQ(genre.Type(typ)))
	}
	rows, err := q.Order(ent.Asc(genre.FieldType), ent.Asc(genre.FieldName), ent.Asc(genre.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("contents: list genres: %w", err)
	}
	out := make([]Genre, len(rows))
	for i, g := range rows {
		out[i] = genreFromEnt(g)
	}
	return out, nil
}

func genreName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return "", apperr.Validation("name", "must be 1 to 100 characters long")
	}
	return name, nil
}

// CreateGenre adds a genre. Errors: VALIDATION_FAILED, ErrGenreExists.
func (s *Service) CreateGenre(ctx context.Context, typ, rawName string, tmdbID *int64) (Genre, error) {
	name, err := genreName(rawName)
	if err != nil {
		return Genre{}, err
	}
	g, err := s.db.Genre.Create().SetType(genre.Type(typ)).SetName(name).SetNillableTmdbID(tmdbID).Save(ctx)
	if sqlgraph.IsUniqueConstraintError(err) {
		return Genre{}, ErrGenreExists
	}
	if err != nil {
		return Genre{}, fmt.Errorf("contents: create genre: %w", err)
	}
	return genreFromEnt(g), nil
}

// UpdateGenre renames a genre or maps it to a TMDB genre id (0 unmaps it).
// Errors: ErrGenreNotFound, VALIDATION_FAILED, ErrGenreExists.
func (s *Service) UpdateGenre(ctx context.Context, id int, rawName *string, tmdbID *int64) (Genre, error) {
	u := s.db.Genre.UpdateOneID(id)
	if rawName != nil {
		name, err := genreName(*rawName)
		if err != nil {
			return Genre{}, err
		}
		u.SetName(name)
	}
	if tmdbID != nil {
		if *tmdbID == 0 {
			u.ClearTmdbID()
		} else {
			u.SetTmdbID(*tmdbID)
		}
	}
	g, err := u.Save(ctx)
	switch {
	case ent.IsNotFound(err):
		return Genre{}, ErrGenreNotFound
	case sqlgraph.IsUniqueConstraintError(err):
		return Genre{}, ErrGenreExists
	case err != nil:
		return Genre{}, fmt.Errorf("contents: update genre: %w", err)
	}
	s.cache.invalidateGenres(ctx) // details embed genre names
	return genreFromEnt(g), nil
}

// DeleteGenre deletes a genre no content uses (deleted contents included,
// so that restoring one loses nothing). Errors: ErrGenreNotFound,
// ErrGenreInUse.
func (s *Service) DeleteGenre(ctx context.Context, id int) error {
	used, err := s.db.Content.Query().Where(content.HasGenresWith(genre.ID(id))).
		Exist(skipSoftDelete(ctx))
	if err != nil {
		return fmt.Errorf("contents: delete genre: %w", err)
	}
	if used {
		return ErrGenreInUse
	}
	err = s.db.Genre.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return ErrGenreNotFound
	}
	if sqlgraph.IsForeignKeyConstraintError(err) {
		return ErrGenreInUse // a content took it meanwhile
	}
	if err != nil {
		return fmt.Errorf("contents: delete genre: %w", err)
	}
	return nil
}
