package diary

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/diaryentry"
	"github.com/reelview/reelview/modules/portability"
)

// Section is the diary in account exports and imports (Letterboxd's
// diary.csv, Trakt's history, a Reelview export's "diary").
type Section struct{ svc *Service }

// NewSection returns the diary's export and import section.
func NewSection(svc *Service) *Section { return &Section{svc: svc} }

// ExportedViewing is a viewing in an export.
type ExportedViewing struct {
	Content   portability.Ref `json:"content"`
	WatchedOn string          `json:"watched_on" example:"2026-11-24"`
	Rewatch   bool            `json:"rewatch" example:"false"`
	Rating    int             `json:"rating,omitempty" example:"8" doc:"1–10; absent when the viewing has none."`
	CreatedAt time.Time       `json:"created_at" example:"2026-11-25T12:00:00Z" doc:"When it was logged."`
}

// Name implements portability.Section.
func (*Section) Name() string { return portability.SectionDiary }

// Entry implements portability.Section.
func (*Section) Entry() any { return ExportedViewing{} }

// Export lists the user's viewings of titles still in the catalog, oldest
// day first.
func (s *Section) Export(ctx context.Context, userID int) (portability.Exported, error) {
	rows, err := s.svc.db.DiaryEntry.Query().
		Where(diaryentry.UserID(userID), diaryentry.HasContentWith(content.DeletedAtIsNil())).
		WithContent().Order(ent.Asc(diaryentry.FieldWatchedOn), ent.Asc(diaryentry.FieldID)).All(ctx)
	if err != nil {
		return portability.Exported{}, fmt.Errorf("diary: export: %w", err)
	}
	entries := make([]ExportedViewing, len(rows))
	csvRows := [][]string{append(append([]string{}, portability.RefColumns...), "watched_on", "rewatch", "rating", "created_at")}
	for i, r := range rows {
		e := ExportedViewing{Content: portability.RefOf(r.Edges.Content), WatchedOn: r.WatchedOn.UTC().Format(dateLayout),
			Rewatch: r.Rewatch, CreatedAt: r.CreatedAt.UTC()}
		rating := ""
		if r.Rating != nil {
			e.Rating, rating = *r.Rating, strconv.Itoa(*r.Rating)
		}
		entries[i] = e
		csvRows = append(csvRows, append(portability.RefRow(e.Content), e.WatchedOn, strconv.FormatBool(e.Rewatch), rating, portability.TimeCell(e.CreatedAt)))
	}
	return portability.Exported{JSON: entries, CSV: csvRows}, nil
}

// Validate refuses, at upload, a viewing without a valid day.
func (*Section) Validate(r portability.Record) error {
	if r.Part != "" {
		return nil // skipped at import: the diary logs whole titles
	}
	if _, err := parseDay(r.WatchedOn, time.Now()); err != nil {
		return fmt.Errorf("watched date %q: %s", r.WatchedOn, reason(err))
	}
	return nil
}

// Import logs the viewings the user has not logged yet: a viewing of the
// same title on the same day, as a rewatch or not, is taken to be the same
// one, so importing a file twice changes nothing.
func (s *Section) Import(ctx context.Context, tx *ent.Tx, userID int, records []portability.Record, _ bool) (portability.SectionReport, error) {
	var rep portability.SectionReport
	for _, rec := range records {
		if rec.Part != "" {
			rep.Skip(rec, "a viewing of a "+rec.Part+"; the diary logs whole titles")
			continue
		}
		day, err := time.Parse(dateLayout, rec.WatchedOn)
		if err != nil {
			rep.Skip(rec, "no valid watched date")
			continue
		}
		dup, err := tx.DiaryEntry.Query().Where(diaryentry.UserID(userID), diaryentry.ContentID(rec.ContentID),
			diaryentry.WatchedOn(day), diaryentry.Rewatch(rec.Rewatch)).Exist(ctx)
		if err != nil {
			return rep, fmt.Errorf("diary: import: %w", err)
		}
		if dup {
			rep.Skip(rec, "already in your diary")
			continue
		}
		e := NewEntry{ContentID: rec.ContentID, WatchedOn: rec.WatchedOn, Rewatch: rec.Rewatch}
		if rec.Rating > 0 {
			e.Rating = &rec.Rating
		}
		if _, err := s.svc.InsertEntries(ctx, tx, userID, []NewEntry{e}); err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
				return rep, err
			}
			rep.Skip(rec, reason(ae))
			continue
		}
		rep.Imported++
	}
	return rep, nil
}

// reason is what an import report says of a refused viewing.
func reason(err error) string {
	var ae *apperr.Error
	switch {
	case !errors.As(err, &ae):
		return err.Error()
	case len(ae.Details) > 0:
		return ae.Details[0].Field + " " + ae.Details[0].Reason
	}
	return ae.Message
}
