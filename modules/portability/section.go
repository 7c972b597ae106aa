package portability

import (
	"context"
	"encoding/json"
	"time"

	"go.uber.org/fx"

	"github.com/reelview/reelview/ent"
)

// Names of the sections of an export, and of the records of an import.
const (
	SectionReviews   = "reviews"
	SectionRatings   = "ratings"
	SectionBookmarks = "bookmarks"
	SectionDiary     = "diary"
	SectionLists     = "lists"
)

// Section is one kind of a user's data that is exported and imported: the
// reviews and ratings, the bookmarks, and (from their own modules) the diary
// and the lists. A module contributes one with AsSection.
type Section interface {
	// Name is the key of the section in the JSON export, the name of its
	// file in the CSV export (name + ".csv"), and the Section of the
	// records it imports.
	Name() string
	// Entry is a zero entry of the section's JSON export, of the type
	// Export writes: the OpenAPI document declares the section as an array
	// of that type, so every section exported is described.
	Entry() any
	// Export returns userID's entries: JSON is an array of objects, each
	// with a "content" Ref where it concerns a title (an import of the
	// document hands each object back as Record.Data); CSV is the same
	// entries as rows, header first.
	Export(ctx context.Context, userID int) (Exported, error)
	// Import writes records (already matched to catalog titles: ContentID)
	// inside tx, which the caller commits with every other section's writes,
	// or rolls back on a dry run or an error. An entry already present is
	// skipped and noted, so importing a file twice changes nothing. dryRun
	// asks to leave out side effects outside tx (tx is rolled back anyway).
	// Records come in chunks, in file order.
	Import(ctx context.Context, tx *ent.Tx, userID int, records []Record, dryRun bool) (SectionReport, error)
}

// Validator is implemented by sections that check their records when a
// file is uploaded, before anything is queued (a bad record is a 400 naming
// Record.Where). The common fields (rating, dates, body length) are checked
// for every section.
type Validator interface {
	Validate(r Record) error
}

// Whole is implemented by sections that import all their records in one
// call instead of chunks, because an entry depends on others (the items
// of one list).
type Whole interface {
	Whole() bool
}

// AsSection feeds a section constructor into the "portability" group.
func AsSection(ctor any) any {
	return fx.Annotate(ctor, fx.As(new(Section)), fx.ResultTags(`group:"portability"`))
}

// Exported is one section of a user's export.
type Exported struct {
	JSON any
	CSV  [][]string
}

// Ref identifies a title in a way another server, or another service, can
// match: the Reelview id (meaningful on the server that wrote it), type +
// TMDB id, and title + release year.
type Ref struct {
	ID     int    `json:"id,omitempty" example:"12" doc:"Reelview content id on the server that wrote the export."`
	Type   string `json:"type,omitempty" enum:"movie,tv" example:"movie"`
	TmdbID int64  `json:"tmdb_id,omitempty" example:"550"`
	Title  string `json:"title" example:"Fight Club"`
	Year   int    `json:"year,omitempty" example:"1999" doc:"Year of release (first air date for TV)."`
}

// Record is one entry of an import, whatever its source: a rating, a
// review, a bookmark, a diary entry or a list item. The parser fills what
// its source has; the matcher sets ContentID.
type Record struct {
	Section string `json:"section"`
	// Where is the entry in the uploaded file, for reports: "ratings.csv
	// line 4", "history[3]".
	Where     string     `json:"where"`
	Ref       Ref        `json:"ref"`
	Rating    int        `json:"rating,omitempty"` // 1–10; 0: none
	Body      string     `json:"body,omitempty"`
	Spoiler   bool       `json:"spoiler,omitempty"`
	Hidden    bool       `json:"hidden,omitempty"` // hidden by a moderator where it came from
	At        *time.Time `json:"at,omitempty"`     // when it was rated, reviewed, listed or logged
	WatchedOn string     `json:"watched_on,omitempty"`
	Rewatch   bool       `json:"rewatch,omitempty"`
	Tags      []string   `json:"tags,omitempty"`
	// Part is "season" or "episode" for an entry about a part of a show
	// (Trakt); Reelview rates and lists whole titles only.
	Part string `json:"part,omitempty"`
	// Data is the entry as a Reelview export wrote it, for sections whose
	// entries have more than the fields above (lists).
	Data json.RawMessage `json:"data,omitempty"`

	ContentID int `json:"-"` // the matched catalog title; 0 when Ref is empty
}

// Note is one entry of an import that was not written as it came, and why.
type Note struct {
	Where  string `json:"where" example:"ratings.csv line 4"`
	Title  string `json:"title" example:"Fight Club"`
	Year   int    `json:"year,omitempty" example:"1999"`
	Reason string `json:"reason" example:"already rated"`
}

// SectionReport is what an import did, or would do, with one section.
type SectionReport struct {
	Section   string `json:"section" example:"ratings"`
	Records   int    `json:"records" example:"120" doc:"Entries of this section in the file."`
	Imported  int    `json:"imported" example:"110" doc:"Entries written (a dry run: that would be written)."`
	Skipped   int    `json:"skipped" example:"8" doc:"Entries already present, or not importable here (see notes)."`
	Unmatched int    `json:"unmatched" example:"2" doc:"Entries whose title was not found in the catalog (nor on TMDB)."`
	Notes     []Note `json:"notes" doc:"Skipped and unmatched entries with the reason (at most 200 per section)."`
}

const maxNotes = 200

// Skip counts a skipped record with its reason.
func (r *SectionReport) Skip(rec Record, reason string) {
	r.Skipped++
	r.note(rec, reason)
}

func (r *SectionReport) note(rec Record, reason string) {
	if len(r.Notes) < maxNotes {
		r.Notes = append(r.Notes, Note{Where: rec.Where, Title: rec.Ref.Title, Year: rec.Ref.Year, Reason: reason})
	}
}

func (r *SectionReport) add(o SectionReport) {
	r.Imported += o.Imported
	r.Skipped += o.Skipped
	r.Unmatched += o.Unmatched
	for _, n := range o.Notes {
		if len(r.Notes) < maxNotes {
			r.Notes = append(r.Notes, n)
		}
	}
}
