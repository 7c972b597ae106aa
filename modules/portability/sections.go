package portability

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/bookmark"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/reviews"
)

// RefOf is the Ref of a catalog title.
func RefOf(c *ent.Content) Ref {
	r := Ref{ID: c.ID, Type: string(c.Type), Title: c.Title}
	if c.TmdbID != nil {
		r.TmdbID = *c.TmdbID
	}
	if c.ReleaseDate != nil {
		r.Year = c.ReleaseDate.Year()
	}
	return r
}

// RefColumns are the CSV columns of a Ref, first in every section's file.
var RefColumns = []string{"content_id", "type", "tmdb_id", "title", "year"}

// RefRow is a Ref as the RefColumns of a CSV row.
func RefRow(r Ref) []string {
	tmdbID, year := "", ""
	if r.TmdbID != 0 {
		tmdbID = strconv.FormatInt(r.TmdbID, 10)
	}
	if r.Year != 0 {
		year = strconv.Itoa(r.Year)
	}
	return []string{strconv.Itoa(r.ID), r.Type, tmdbID, r.Title, year}
}

// TimeCell is a time in a CSV cell (RFC 3339, UTC).
func TimeCell(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// reviewSection exports and imports reviews: "reviews" are those with a
// text, "ratings" those without (in Reelview a rating is a review with no
// text). Both write through the reviews service, so the titles' aggregates
// stay exact.
type reviewSection struct {
	name    string
	db      *ent.Client
	reviews *reviews.Service
}

// ReviewEntry is a review or rating in an export.
type ReviewEntry struct {
	Content   Ref       `json:"content"`
	Rating    int       `json:"rating" minimum:"1" maximum:"10" example:"9" doc:"1–10 (clients show 0.5–5 stars)."`
	Body      string    `json:"body,omitempty" example:"The twist still lands." doc:"The review's text (reviews only)."`
	Spoiler   bool      `json:"spoiler" example:"false"`
	Hidden    bool      `json:"hidden" example:"false" doc:"Hidden by a moderator; an import skips it."`
	CreatedAt time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
	UpdatedAt time.Time `json:"updated_at" example:"2026-11-25T12:00:00Z"`
}

func (s *reviewSection) Name() string { return s.name }

func (*reviewSection) Entry() any { return ReviewEntry{} }

func (s *reviewSection) Export(ctx context.Context, userID int) (Exported, error) {
	q := s.db.Review.Query().Where(review.UserID(userID), review.HasContentWith(content.DeletedAtIsNil()))
	if s.name == SectionReviews {
		q = q.Where(review.BodyNEQ(""))
	} else {
		q = q.Where(review.Body(""))
	}
	rows, err := q.Order(ent.Asc(review.FieldCreatedAt), ent.Asc(review.FieldID)).WithContent().All(ctx)
	if err != nil {
		return Exported{}, fmt.Errorf("portability: export %s: %w", s.name, err)
	}
	entries := make([]ReviewEntry, len(rows))
	header := append(append([]string{}, RefColumns...), "rating")
	if s.name == SectionReviews {
		header = append(header, "body", "spoiler")
	}
	header = append(header, "hidden", "created_at", "updated_at")
	csvRows := [][]string{header}
	for i, r := range rows {
		e := ReviewEntry{Content: RefOf(r.Edges.Content), Rating: r.Rating, Body: r.Body, Spoiler: r.Spoiler,
			Hidden: r.Hidden, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		entries[i] = e
		row := append(RefRow(e.Content), strconv.Itoa(e.Rating))
		if s.name == SectionReviews {
			row = append(row, e.Body, strconv.FormatBool(e.Spoiler))
		}
		csvRows = append(csvRows, append(row, strconv.FormatBool(e.Hidden), TimeCell(e.CreatedAt), TimeCell(e.UpdatedAt)))
	}
	return Exported{JSON: entries, CSV: csvRows}, nil
}

// Import creates the reviews the user does not have yet. A review of a
// title the user only rated adds its text to that rating; any other review
// or rating of a title already reviewed is skipped.
func (s *reviewSection) Import(ctx context.Context, tx *ent.Tx, userID int, records []Record, _ bool) (SectionReport, error) {
	var rep SectionReport
	for _, rec := range records {
		switch {
		case rec.Part != "":
			rep.Skip(rec, "a rating of a "+rec.Part+"; Reelview rates whole titles")
			continue
		case rec.Rating == 0:
			rep.Skip(rec, "no rating; a Reelview review needs one")
			continue
		case rec.Hidden:
			rep.Skip(rec, "hidden by a moderator where it was exported")
			continue
		}
		existing, err := tx.Review.Query().Where(review.UserID(userID), review.ContentID(rec.ContentID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return rep, fmt.Errorf("portability: reviews: %w", err)
		case existing.Body == "" && rec.Body != "":
			body, spoiler := rec.Body, rec.Spoiler
			if err := s.reviews.UpdateTx(ctx, tx, reviews.Viewer{ID: userID}, existing.ID,
				reviews.Input{Body: &body, Spoiler: &spoiler}); err != nil {
				return rep, err
			}
			rep.Imported++
			rep.note(rec, "text added to your rating of this title")
			continue
		default:
			rep.Skip(rec, "you already rated or reviewed this title")
			continue
		}
		in := reviews.Input{Rating: &rec.Rating}
		if rec.Body != "" {
			in.Body, in.Spoiler = &rec.Body, &rec.Spoiler
		}
		if rec.At != nil {
			in.CreatedAt = *rec.At // keeps the review's place in the lists, sorted by date
		}
		if _, err := s.reviews.CreateTx(ctx, tx, userID, rec.ContentID, in); err != nil {
			return rep, err
		}
		rep.Imported++
	}
	return rep, nil
}

// bookmarkSection is the watchlist: Letterboxd's watchlist.csv, Trakt's
// watchlist.
type bookmarkSection struct {
	db       *ent.Client
	contents *contents.Service
}

// BookmarkEntry is a bookmark in an export.
type BookmarkEntry struct {
	Content      Ref       `json:"content"`
	BookmarkedAt time.Time `json:"bookmarked_at" example:"2026-11-25T12:00:00Z"`
}

func (s *bookmarkSection) Name() string { return SectionBookmarks }

func (*bookmarkSection) Entry() any { return BookmarkEntry{} }

func (s *bookmarkSection) Export(ctx context.Context, userID int) (Exported, error) {
	rows, err := s.db.Bookmark.Query().Where(bookmark.UserID(userID), bookmark.HasContentWith(content.DeletedAtIsNil())).
		Order(ent.Asc(bookmark.FieldCreatedAt), ent.Asc(bookmark.FieldID)).WithContent().All(ctx)
	if err != nil {
		return Exported{}, fmt.Errorf("portability: export bookmarks: %w", err)
	}
	entries := make([]BookmarkEntry, len(rows))
	csvRows := [][]string{append(append([]string{}, RefColumns...), "bookmarked_at")}
	for i, b := range rows {
		entries[i] = BookmarkEntry{Content: RefOf(b.Edges.Content), BookmarkedAt: b.CreatedAt.UTC()}
		csvRows = append(csvRows, append(RefRow(entries[i].Content), TimeCell(entries[i].BookmarkedAt)))
	}
	return Exported{JSON: entries, CSV: csvRows}, nil
}

func (s *bookmarkSection) Import(ctx context.Context, tx *ent.Tx, userID int, records []Record, _ bool) (SectionReport, error) {
	var rep SectionReport
	for _, rec := range records {
		if rec.Part != "" {
			rep.Skip(rec, "a "+rec.Part+"; Reelview bookmarks whole titles")
			continue
		}
		var at time.Time
		if rec.At != nil {
			at = *rec.At
		}
		added, err := s.contents.BookmarkTx(ctx, tx, userID, rec.ContentID, at)
		if err != nil {
			return rep, err
		}
		if added {
			rep.Imported++
		} else {
			rep.Skip(rec, "already bookmarked")
		}
	}
	return rep, nil
}
