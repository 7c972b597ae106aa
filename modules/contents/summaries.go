package contents

import (
	"context"
	"fmt"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
)

// Summaries returns the summaries of the live contents among ids, by id,
// with the viewer's own state (bookmarked, my_rating; viewer 0: none), for
// other modules' lists of contents. Deleted and unknown ids are absent.
func (s *Service) Summaries(ctx context.Context, viewer int, ids []int) (map[int]ContentSummary, error) {
	if len(ids) == 0 {
		return map[int]ContentSummary{}, nil
	}
	rows, err := s.db.Content.Query().Where(content.IDIn(ids...)).
		WithGenres(func(gq *ent.GenreQuery) { gq.Order(ent.Asc(genre.FieldName)) }).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("contents: summaries: %w", err)
	}
	items := make([]ContentSummary, len(rows))
	for i, c := range rows {
		items[i] = summaryFromEnt(c)
	}
	if err := s.addViewerState(ctx, viewer, items); err != nil {
		return nil, err
	}
	out := make(map[int]ContentSummary, len(items))
	for _, it := range items {
		out[it.ID] = it
	}
	return out, nil
}
