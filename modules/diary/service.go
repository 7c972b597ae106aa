package diary

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/diaryentry"
	"github.com/reelview/reelview/ent/predicate"
)

// Service holds the rules of the watch diary.
type Service struct{ db *ent.Client }

// NewService returns the diary service.
func NewService(db *ent.Client) *Service { return &Service{db: db} }

// DiaryContent is the content of a diary entry.
type DiaryContent struct { //nolint:revive // the Go name is the OpenAPI schema name clients see
	ID          int     `json:"id" example:"550"`
	Type        string  `json:"type" enum:"movie,tv" example:"movie"`
	Title       string  `json:"title" example:"Fight Club"`
	ReleaseDate *string `json:"release_date" format:"date" nullable:"true" example:"1999-10-15" doc:"First release (movies) or first air date (TV)."`
	PosterURL   string  `json:"poster_url" example:"https://image.tmdb.org/t/p/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"`
}

// DiaryEntry is one viewing in a diary.
type DiaryEntry struct { //nolint:revive // the Go name is the OpenAPI schema name clients see
	ID        int          `json:"id" example:"12"`
	Content   DiaryContent `json:"content"`
	WatchedOn string       `json:"watched_on" format:"date" example:"2026-11-24" doc:"The day it was watched (a calendar day, no time of day)."`
	Rewatch   bool         `json:"rewatch" example:"false" doc:"Seen before."`
	Rating    *int         `json:"rating" nullable:"true" minimum:"1" maximum:"10" example:"8" doc:"Rating of this viewing, 1–10 like reviews; null when none."`
	ReviewID  *int         `json:"review_id" nullable:"true" example:"7" doc:"The caller's review of the content linked to this viewing; null when none or when that review was deleted."`
	CreatedAt time.Time    `json:"created_at" example:"2026-11-25T12:00:00Z"`
	UpdatedAt time.Time    `json:"updated_at" example:"2026-11-25T12:00:00Z"`
}

const dateLayout = time.DateOnly

func fromEnt(e *ent.DiaryEntry) DiaryEntry {
	out := DiaryEntry{ID: e.ID, WatchedOn: e.WatchedOn.UTC().Format(dateLayout), Rewatch: e.Rewatch,
		Rating: e.Rating, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
	if r := e.Edges.Review; r != nil { // loaded without deleted reviews
		id := r.ID
		out.ReviewID = &id
	}
	if c := e.Edges.Content; c != nil {
		out.Content = DiaryContent{ID: c.ID, Type: string(c.Type), Title: c.Title, PosterURL: c.PosterURL}
		if c.ReleaseDate != nil {
			d := c.ReleaseDate.UTC().Format(dateLayout)
			out.Content.ReleaseDate = &d
		}
	}
	return out
}

// NewEntry is a viewing to log. Rating and ReviewID are optional.
type NewEntry struct {
	ContentID int
	WatchedOn string // YYYY-MM-DD
	Rewatch   bool
	Rating    *int
	ReviewID  *int
}

// firstDay is the earliest watched_on accepted: no film was shown before.
var firstDay = time.Date(1870, 1, 1, 0, 0, 0, 0, time.UTC)

// parseDay reads a watched_on day. The latest day accepted is tomorrow
// (UTC), so that a viewer east of UTC can log tonight's film.
func parseDay(raw string, now time.Time) (time.Time, error) {
	d, err := time.Parse(dateLayout, raw)
	if err != nil {
		return time.Time{}, apperr.Validation("watched_on", "must be a date, YYYY-MM-DD")
	}
	today := now.UTC().Truncate(24 * time.Hour)
	if d.Before(firstDay) || d.After(today.AddDate(0, 0, 1)) {
		return time.Time{}, apperr.Validation("watched_on", "must be between 1870-01-01 and tomorrow")
	}
	return d, nil
}

func checkRating(r *int) error {
	if r != nil && (*r < 1 || *r > 10) {
		return apperr.Validation("rating", "must be 1 to 10")
	}
	return nil
}

// checkReview checks that reviewID is userID's live review of contentID.
// Someone else's hidden review is not found, as everywhere else.
func checkReview(ctx context.Context, tx *ent.Tx, userID, contentID, reviewID int) error {
	r, err := tx.Review.Get(ctx, reviewID) // deleted reviews are not found
	switch {
	case ent.IsNotFound(err), err == nil && r.UserID != userID && r.Hidden:
		return ErrReviewNotFound.WithMessage("review %d not found", reviewID)
	case err != nil:
		return fmt.Errorf("diary: review: %w", err)
	case r.UserID != userID:
		return ErrNotYourReview
	case r.ContentID != contentID:
		return ErrReviewOfOther
	}
	return nil
}

// InsertEntries logs viewings for userID inside tx, with the rules of
// POST /users/me/diary: a live content, a day from 1870 to tomorrow, a
// rating 1–10, and only the user's own live review of the same content.
// It is exported for the account import. It returns the new entries' ids.
// Errors: VALIDATION_FAILED, ErrContentNotFound, ErrReviewNotFound,
// ErrNotYourReview, ErrReviewOfOther.
func (s *Service) InsertEntries(ctx context.Context, tx *ent.Tx, userID int, in []NewEntry) ([]int, error) {
	ids := make([]int, 0, len(in))
	now := time.Now()
	for _, e := range in {
		day, err := parseDay(e.WatchedOn, now)
		if err != nil {
			return nil, err
		}
		if err := checkRating(e.Rating); err != nil {
			return nil, err
		}
		live, err := tx.Content.Query().Where(content.ID(e.ContentID)).Exist(ctx) // deleted: not live
		if err != nil {
			return nil, fmt.Errorf("diary: content: %w", err)
		}
		if !live {
			return nil, ErrContentNotFound.WithMessage("content %d not found", e.ContentID)
		}
		if e.ReviewID != nil {
			if err := checkReview(ctx, tx, userID, e.ContentID, *e.ReviewID); err != nil {
				return nil, err
			}
		}
		row, err := tx.DiaryEntry.Create().SetUserID(userID).SetContentID(e.ContentID).SetWatchedOn(day).
			SetRewatch(e.Rewatch).SetNillableRating(e.Rating).SetNillableReviewID(e.ReviewID).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("diary: insert: %w", err)
		}
		ids = append(ids, row.ID)
	}
	return ids, nil
}

// Log adds one viewing to userID's diary. Errors: those of InsertEntries.
func (s *Service) Log(ctx context.Context, userID int, in NewEntry) (DiaryEntry, error) {
	var ids []int
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) (err error) {
		ids, err = s.InsertEntries(ctx, tx, userID, []NewEntry{in})
		return err
	})
	if err != nil {
		return DiaryEntry{}, err
	}
	return s.get(ctx, userID, ids[0])
}

// entries is the query of userID's entries of live contents, with what a
// DiaryEntry shows.
func (s *Service) entries(userID int, where ...predicate.DiaryEntry) *ent.DiaryEntryQuery {
	// Edge predicates see no interceptors: exclude deleted contents explicitly.
	return s.db.DiaryEntry.Query().
		Where(diaryentry.UserID(userID), diaryentry.HasContentWith(content.DeletedAtIsNil())).Where(where...).
		WithContent().WithReview()
}

// get returns one of userID's entries; ErrNotFound for anyone else's.
func (s *Service) get(ctx context.Context, userID, id int) (DiaryEntry, error) {
	row, err := s.entries(userID, diaryentry.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return DiaryEntry{}, ErrNotFound.WithMessage("diary entry %d not found", id)
	}
	if err != nil {
		return DiaryEntry{}, fmt.Errorf("diary: get: %w", err)
	}
	return fromEnt(row), nil
}

// Change is a PATCH of an entry; nil fields stay. A rating or review id of
// 0 removes it.
type Change struct {
	WatchedOn *string
	Rewatch   *bool
	Rating    *int
	ReviewID  *int
}

// Update changes one of userID's entries. Errors: ErrNotFound (also for
// other users' entries), VALIDATION_FAILED, and the review errors of
// InsertEntries.
func (s *Service) Update(ctx context.Context, userID, id int, c Change) (DiaryEntry, error) {
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		row, err := tx.DiaryEntry.Query().Where(diaryentry.ID(id), diaryentry.UserID(userID)).Only(ctx)
		if ent.IsNotFound(err) {
			return ErrNotFound.WithMessage("diary entry %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("diary: update: %w", err)
		}
		upd := tx.DiaryEntry.UpdateOne(row)
		if c.WatchedOn != nil {
			day, err := parseDay(*c.WatchedOn, time.Now())
			if err != nil {
				return err
			}
			upd.SetWatchedOn(day)
		}
		if c.Rewatch != nil {
			upd.SetRewatch(*c.Rewatch)
		}
		switch {
		case c.Rating == nil:
		case *c.Rating == 0:
			upd.ClearRating()
		default:
			if err := checkRating(c.Rating); err != nil {
				return err
			}
			upd.SetRating(*c.Rating)
		}
		switch {
		case c.ReviewID == nil:
		case *c.ReviewID == 0:
			upd.ClearReviewID()
		default:
			if err := checkReview(ctx, tx, userID, row.ContentID, *c.ReviewID); err != nil {
				return err
			}
			upd.SetReviewID(*c.ReviewID)
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("diary: update: %w", err)
		}
		return nil
	})
	if err != nil {
		return DiaryEntry{}, err
	}
	return s.get(ctx, userID, id)
}

// Delete removes one of userID's entries. ErrNotFound (also for other
// users' entries).
func (s *Service) Delete(ctx context.Context, userID, id int) error {
	n, err := s.db.DiaryEntry.Delete().Where(diaryentry.ID(id), diaryentry.UserID(userID)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("diary: delete: %w", err)
	}
	if n == 0 {
		return ErrNotFound.WithMessage("diary entry %d not found", id)
	}
	return nil
}

// DiaryPage is a keyset page of a diary.
type DiaryPage struct { //nolint:revive // the Go name is the OpenAPI schema name clients see
	Items      []DiaryEntry `json:"items"`
	NextCursor *string      `json:"next_cursor" example:"eyJkIjoiMjAyNi0xMS0yNCIsImkiOjEyfQ" doc:"The cursor of the next page, null on the last."`
}

// cursor is the position after the last entry of a page.
type cursor struct {
	Day string `json:"d"`
	ID  int    `json:"i"`
}

// List returns userID's diary newest day first (ties: latest logged
// first), by keyset cursor. A non-empty month (YYYY-MM) keeps the entries
// of that month. Errors: VALIDATION_FAILED (month), ErrBadCursor.
func (s *Service) List(ctx context.Context, userID int, month, raw string, size int) (DiaryPage, error) {
	var where []predicate.DiaryEntry
	if month != "" {
		first, err := time.Parse("2006-01", month)
		if err != nil {
			return DiaryPage{}, apperr.Validation("month", "must be a month, YYYY-MM")
		}
		where = append(where, diaryentry.WatchedOnGTE(first), diaryentry.WatchedOnLT(first.AddDate(0, 1, 0)))
	}
	if raw != "" {
		var c cursor
		if server.DecodeCursor(raw, &c) != nil || c.ID <= 0 {
			return DiaryPage{}, ErrBadCursor
		}
		day, err := time.Parse(dateLayout, c.Day)
		if err != nil {
			return DiaryPage{}, ErrBadCursor
		}
		where = append(where, func(sel *entsql.Selector) {
			sel.Where(entsql.CompositeLT([]string{sel.C(diaryentry.FieldWatchedOn), sel.C(diaryentry.FieldID)}, day, c.ID))
		})
	}
	rows, err := s.entries(userID, where...).
		Order(ent.Desc(diaryentry.FieldWatchedOn), ent.Desc(diaryentry.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return DiaryPage{}, fmt.Errorf("diary: list: %w", err)
	}
	p := DiaryPage{Items: make([]DiaryEntry, 0, min(len(rows), size))}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		next := server.EncodeCursor(cursor{Day: last.WatchedOn.UTC().Format(dateLayout), ID: last.ID})
		p.NextCursor = &next
	}
	for _, r := range rows {
		p.Items = append(p.Items, fromEnt(r))
	}
	return p, nil
}

// AllEntries returns every entry of userID's diary, oldest first, deleted
// contents included (for the account export).
func (s *Service) AllEntries(ctx context.Context, userID int) ([]DiaryEntry, error) {
	rows, err := s.db.DiaryEntry.Query().Where(diaryentry.UserID(userID)).
		WithContent().WithReview().
		Order(ent.Asc(diaryentry.FieldWatchedOn), ent.Asc(diaryentry.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("diary: export: %w", err)
	}
	out := make([]DiaryEntry, len(rows))
	for i, r := range rows {
		out[i] = fromEnt(r)
		out[i].Content.ID = r.ContentID // also when the content was deleted (not loaded)
	}
	return out, nil
}

// Watches answers the contents module's question: did a user watch these
// contents, and when last (contents.Watches).
type Watches struct{ db *ent.Client }

// NewWatches returns the watched-state reader.
func NewWatches(db *ent.Client) *Watches { return &Watches{db: db} }

// LastWatched returns, for those of contentIDs that userID logged in the
// diary, the latest day watched. One query on the (user_id, content_id,
// watched_on) index.
func (w *Watches) LastWatched(ctx context.Context, userID int, contentIDs []int) (map[int]time.Time, error) {
	var rows []struct {
		ContentID int       `json:"content_id"`
		WatchedOn time.Time `json:"watched_on"`
	}
	err := w.db.DiaryEntry.Query().Where(diaryentry.UserID(userID), diaryentry.ContentIDIn(contentIDs...)).
		Select(diaryentry.FieldContentID, diaryentry.FieldWatchedOn).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("diary: watched: %w", err)
	}
	last := make(map[int]time.Time, len(rows))
	for _, r := range rows {
		if d, ok := last[r.ContentID]; !ok || r.WatchedOn.After(d) {
			last[r.ContentID] = r.WatchedOn.UTC()
		}
	}
	return last, nil
}
