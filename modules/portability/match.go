package portability

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/modules/tmdb"
)

// matcher finds the catalog title of each Ref: by type + TMDB id, by the
// Reelview id when it names the same title, else by title (or original
// title) and year, case-insensitively. With TMDB configured, titles the
// catalog lacks are looked up there and imported (not on a dry run, which
// only says they would be).
type matcher struct {
	db     *ent.Client
	tmdb   *tmdb.Service // nil without a TMDB key
	dryRun bool
	seen   map[Ref]match
}

// match is where a Ref led: a content, a title TMDB would add on a dry
// run (fromTMDB with no content), or nothing with a reason.
type match struct {
	contentID int
	fromTMDB  bool
	reason    string
}

func (m *matcher) find(ctx context.Context, ref Ref) (match, error) {
	if ref.Title == "" && ref.TmdbID == 0 {
		return match{}, nil
	}
	key := ref
	if r, ok := m.seen[key]; ok {
		return r, nil
	}
	r, err := m.lookup(ctx, ref)
	if err != nil {
		return match{}, err
	}
	m.seen[key] = r
	return r, nil
}

func (m *matcher) lookup(ctx context.Context, ref Ref) (match, error) {
	if ref.TmdbID != 0 && ref.Type != "" {
		id, err := m.db.Content.Query().Where(content.TypeEQ(content.Type(ref.Type)), content.TmdbID(ref.TmdbID)).OnlyID(ctx)
		if err == nil {
			return match{contentID: id}, nil
		}
		if !ent.IsNotFound(err) {
			return match{}, fmt.Errorf("portability: match: %w", err)
		}
	}
	if ref.ID != 0 && ref.Title != "" {
		c, err := m.db.Content.Get(ctx, ref.ID)
		if err == nil && strings.EqualFold(c.Title, ref.Title) && (ref.Type == "" || string(c.Type) == ref.Type) {
			return match{contentID: c.ID}, nil
		}
		if err != nil && !ent.IsNotFound(err) {
			return match{}, fmt.Errorf("portability: match: %w", err)
		}
	}
	reason := "not in the catalog"
	if ref.Title != "" {
		id, why, err := m.byTitle(ctx, ref)
		if err != nil || id != 0 {
			return match{contentID: id}, err
		}
		if why != "" {
			return match{reason: why}, nil
		}
	}
	if m.tmdb == nil {
		return match{reason: reason + " (TMDB is not configured on this server)"}, nil
	}
	return m.fromTMDB(ctx, ref)
}

// byTitle matches a title and year among the live contents; several
// matches of one year go to the most popular.
func (m *matcher) byTitle(ctx context.Context, ref Ref) (int, string, error) {
	q := m.db.Content.Query().Where(content.Or(content.TitleEqualFold(ref.Title), content.OriginalTitleEqualFold(ref.Title)))
	if ref.Type != "" {
		q = q.Where(content.TypeEQ(content.Type(ref.Type)))
	}
	rows, err := q.Order(ent.Desc(content.FieldPopularity), ent.Asc(content.FieldID)).Limit(50).All(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("portability: match: %w", err)
	}
	var hits []*ent.Content
	for _, c := range rows {
		if ref.Year == 0 || c.ReleaseDate != nil && c.ReleaseDate.Year() == ref.Year {
			hits = append(hits, c)
		}
	}
	switch {
	case len(hits) == 1 || len(hits) > 1 && ref.Year != 0:
		return hits[0].ID, "", nil
	case len(hits) > 1:
		return 0, "several titles of this name are in the catalog and the file gives no year", nil
	}
	return 0, "", nil
}

// fromTMDB looks the title up on TMDB and imports it into the catalog.
func (m *matcher) fromTMDB(ctx context.Context, ref Ref) (match, error) {
	typ := ref.Type
	if typ == "" {
		typ = "movie"
	}
	tmdbID := ref.TmdbID
	if tmdbID == 0 {
		results, _, err := m.tmdb.Search(ctx, typ, ref.Title, 1)
		if err != nil {
			return match{reason: "not in the catalog; TMDB search failed: " + clientMessage(err)}, nil
		}
		best := -1
		for i, r := range results {
			yearOK := ref.Year == 0 || strings.HasPrefix(r.ReleaseDate, fmt.Sprint(ref.Year))
			if !yearOK {
				continue
			}
			if strings.EqualFold(r.Title, ref.Title) {
				best = i
				break
			}
			if best < 0 && ref.Year != 0 {
				best = i
			}
		}
		if best < 0 {
			return match{reason: "not in the catalog nor found on TMDB"}, nil
		}
		if id := results[best].ContentID; id != nil {
			return match{contentID: *id}, nil
		}
		tmdbID = results[best].TmdbID
	}
	if m.dryRun {
		return match{fromTMDB: true}, nil
	}
	res, err := m.tmdb.Import(ctx, typ, tmdbID)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return match{reason: "not in the catalog; TMDB import failed: " + ae.Message}, nil
		}
		return match{}, err
	}
	return match{contentID: res.ContentID, fromTMDB: true}, nil
}

func clientMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return "internal error"
}
