package lists

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/modules/portability"
)

// Section is the lists in account exports and imports (a Reelview
// export's "lists": one entry per item, each naming its list).
type Section struct{ svc *Service }

// NewSection returns the lists' export and import section.
func NewSection(svc *Service) *Section { return &Section{svc: svc} }

// ExportedListRef is the list an exported item belongs to.
type ExportedListRef struct {
	Key         int       `json:"key" example:"12" doc:"The list's id where it was exported: the entries of one list share it."`
	Title       string    `json:"title" example:"Best heist movies"`
	Description string    `json:"description" example:"Crews, vaults and one last job."`
	Visibility  string    `json:"visibility" example:"PUBLIC"`
	CreatedAt   time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
}

// ExportedListItem is one item of a list in an export, or an empty list (no
// content).
type ExportedListItem struct {
	List     ExportedListRef  `json:"list"`
	Content  *portability.Ref `json:"content,omitempty" doc:"The title; absent for an empty list."`
	Position int              `json:"position,omitempty" example:"1"`
	Note     string           `json:"note,omitempty" example:"The one with the vault."`
	AddedAt  *time.Time       `json:"added_at,omitempty" example:"2026-11-25T12:00:00Z"`
}

// Name implements portability.Section.
func (*Section) Name() string { return portability.SectionLists }

// Entry implements portability.Section.
func (*Section) Entry() any { return ExportedListItem{} }

// Whole implements portability.Whole: the items of a list are imported
// together.
func (*Section) Whole() bool { return true }

// Export lists every list of the user (all visibilities), item by item.
func (s *Section) Export(ctx context.Context, userID int) (portability.Exported, error) {
	ls, err := s.svc.Export(ctx, userID)
	if err != nil {
		return portability.Exported{}, err
	}
	ids := []int{}
	for _, l := range ls {
		for _, it := range l.Items {
			ids = append(ids, it.ContentID)
		}
	}
	refs := map[int]portability.Ref{}
	if len(ids) > 0 {
		cs, err := s.svc.db.Content.Query().Where(content.IDIn(ids...)).All(ctx)
		if err != nil {
			return portability.Exported{}, fmt.Errorf("lists: export: %w", err)
		}
		for _, c := range cs {
			refs[c.ID] = portability.RefOf(c)
		}
	}
	entries := []ExportedListItem{}
	rows := [][]string{append(append([]string{}, portability.RefColumns...),
		"list_key", "list_title", "list_description", "list_visibility", "list_created_at", "position", "note", "added_at")}
	for _, l := range ls {
		ref := ExportedListRef{Key: l.ID, Title: l.Title, Description: l.Description, Visibility: l.Visibility, CreatedAt: l.CreatedAt}
		listCells := []string{strconv.Itoa(ref.Key), ref.Title, ref.Description, ref.Visibility, portability.TimeCell(ref.CreatedAt)}
		if len(l.Items) == 0 {
			entries = append(entries, ExportedListItem{List: ref})
			rows = append(rows, append(append(portability.RefRow(portability.Ref{}), listCells...), "", "", ""))
		}
		for _, it := range l.Items {
			c, ok := refs[it.ContentID]
			if !ok {
				continue // deleted meanwhile
			}
			added := it.AddedAt
			entries = append(entries, ExportedListItem{List: ref, Content: &c, Position: it.Position, Note: it.Note, AddedAt: &added})
			rows = append(rows, append(append(portability.RefRow(c), listCells...),
				strconv.Itoa(it.Position), it.Note, portability.TimeCell(added)))
		}
	}
	return portability.Exported{JSON: entries, CSV: rows}, nil
}

// entryOf reads a record's list entry.
func entryOf(r portability.Record) (ExportedListItem, error) {
	var e ExportedListItem
	if err := json.Unmarshal(r.Data, &e); err != nil {
		return e, fmt.Errorf("not a list entry: %w", err)
	}
	if e.List.Key <= 0 {
		return e, errors.New("list.key must be a positive number")
	}
	return e, ImportedList{Title: e.List.Title, Description: e.List.Description, Visibility: e.List.Visibility,
		Items: []ImportedItem{{Note: e.Note}}}.validate()
}

// Validate refuses, at upload, an entry that is no list entry or whose
// list or note is out of bounds.
func (*Section) Validate(r portability.Record) error {
	if _, err := entryOf(r); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Details) > 0 {
			return fmt.Errorf("%s %s", ae.Details[0].Field, ae.Details[0].Reason)
		}
		return err
	}
	return nil
}

// Import creates each exported list with its items in their order. A list
// whose title one of the user's lists already has is skipped whole, so
// importing a file twice changes nothing; an item whose title is not in
// the catalog is left out (the job reports it unmatched).
func (s *Section) Import(ctx context.Context, tx *ent.Tx, userID int, records []portability.Record, _ bool) (portability.SectionReport, error) {
	var rep portability.SectionReport
	type group struct {
		in   ImportedList
		recs []portability.Record
	}
	var order []int
	groups := map[int]*group{}
	for _, rec := range records {
		e, err := entryOf(rec)
		if err != nil {
			rep.Skip(rec, err.Error())
			continue
		}
		g := groups[e.List.Key]
		if g == nil {
			g = &group{in: ImportedList{Title: e.List.Title, Description: e.List.Description, Visibility: e.List.Visibility}}
			groups[e.List.Key] = g
			order = append(order, e.List.Key)
		}
		g.recs = append(g.recs, rec)
		if rec.ContentID > 0 {
			g.in.Items = append(g.in.Items, ImportedItem{ContentID: rec.ContentID, Note: e.Note})
		}
	}
	for _, key := range order {
		g := groups[key]
		exists, err := tx.List.Query().Where(list.UserID(userID), list.Title(g.in.Title)).Exist(ctx)
		if err != nil {
			return rep, fmt.Errorf("lists: import: %w", err)
		}
		if exists {
			for _, rec := range g.recs {
				rep.Skip(rec, "you already have a list titled "+strconv.Quote(g.in.Title))
			}
			continue
		}
		res, err := s.svc.Import(ctx, tx, userID, g.in)
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind != apperr.Internal {
			for _, rec := range g.recs {
				rep.Skip(rec, ae.Error())
			}
			continue
		} else if err != nil {
			return rep, err
		}
		landed, err := tx.ListItem.Query().Where(listitem.ListID(res.ListID)).Select(listitem.FieldContentID).Ints(ctx)
		if err != nil {
			return rep, fmt.Errorf("lists: import: %w", err)
		}
		onList := make(map[int]bool, len(landed))
		for _, id := range landed {
			onList[id] = true
		}
		for _, rec := range g.recs {
			if rec.ContentID > 0 {
				if !onList[rec.ContentID] {
					rep.Skip(rec, "not in the catalog, or already on this list")
					continue
				}
				onList[rec.ContentID] = false // a repeat is the one skipped
			}
			rep.Imported++
		}
	}
	return rep, nil
}
