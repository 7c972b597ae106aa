package contents

import (
	"context"
	"fmt"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/genre"
)

// Service holds the catalog's business rules.
type Service struct {
	db *ent.Client
}

// NewService returns the catalog service.
func NewService(db *ent.Client) *Service { return &Service{db: db} }

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
