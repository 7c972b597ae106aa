package lists

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/ent/user"
)

// Public returns, by id, those of the given lists anyone may see in a
// listing: PUBLIC, not deleted, of a live account (the feed's list
// events; whether the reader may see the owner at all is the caller's
// check).
func (s *Service) Public(ctx context.Context, ids []int) (map[int]List, error) {
	out := make(map[int]List, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.List.Query().Where(list.IDIn(ids...), list.VisibilityEQ(list.VisibilityPUBLIC),
		list.HasOwnerWith(user.DeletedAtIsNil(), user.StatusEQ(user.StatusACTIVE))).WithOwner().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("lists: public: %w", err)
	}
	for _, l := range rows {
		out[l.ID] = fromEnt(l)
	}
	return out, nil
}

// ExportedItem is one title of an exported list.
type ExportedItem struct {
	ContentID int       `json:"content_id"`
	Position  int       `json:"position"`
	Note      string    `json:"note"`
	AddedAt   time.Time `json:"added_at"`
}

// ExportedList is one of a user's lists with all its items, in position
// order.
type ExportedList struct {
	List
	Items []ExportedItem `json:"items"`
}

// Export returns all of userID's lists (every visibility), oldest first,
// each with its items in position order; titles deleted from the catalog
// are left out. For the export of a user's data.
func (s *Service) Export(ctx context.Context, userID int) ([]ExportedList, error) {
	rows, err := s.db.List.Query().Where(list.UserID(userID)).WithOwner().
		WithItems(func(q *ent.ListItemQuery) {
			q.Where(listitem.HasContentWith(content.DeletedAtIsNil())).
				Order(ent.Asc(listitem.FieldPosition), ent.Asc(listitem.FieldID))
		}).
		Order(ent.Asc(list.FieldCreatedAt), ent.Asc(list.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("lists: export: %w", err)
	}
	out := make([]ExportedList, len(rows))
	for i, l := range rows {
		out[i] = ExportedList{List: fromEnt(l), Items: make([]ExportedItem, len(l.Edges.Items))}
		for j, it := range l.Edges.Items {
			out[i].Items[j] = ExportedItem{ContentID: it.ContentID, Position: j + 1, Note: it.Note, AddedAt: it.AddedAt.UTC()}
		}
	}
	return out, nil
}

// ImportedList is a list to create with its items, in order.
type ImportedList struct {
	Title       string
	Description string
	Visibility  string // PUBLIC, UNLISTED or PRIVATE; empty: PUBLIC
	Items       []ImportedItem
}

// ImportedItem is one title of an imported list.
type ImportedItem struct {
	ContentID int
	Note      string
}

// ImportResult tells what Import made.
type ImportResult struct {
	ListID  int
	Skipped []int // content ids not in the catalog (unknown or deleted) or repeated
}

// Import creates a list of userID's with its items inside tx (the caller
// commits or rolls back with the rest of its import). Items keep their
// order; contents not in the catalog and repeats are skipped and reported.
// VALIDATION_FAILED for a title, description, note or visibility out of
// bounds, or more than MaxItems items.
func (s *Service) Import(ctx context.Context, tx *ent.Tx, userID int, in ImportedList) (ImportResult, error) {
	if err := in.validate(); err != nil {
		return ImportResult{}, err
	}
	ids := make([]int, len(in.Items))
	for i, it := range in.Items {
		ids[i] = it.ContentID
	}
	live, err := tx.Content.Query().Where(content.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("lists: import: %w", err)
	}
	ok := make(map[int]bool, len(live))
	for _, id := range live {
		ok[id] = true
	}
	var res ImportResult
	creates := make([]*ent.ListItemCreate, 0, len(in.Items))
	c := tx.List.Create().SetUserID(userID).SetTitle(in.Title).SetDescription(in.Description)
	if in.Visibility != "" {
		c.SetVisibility(list.Visibility(in.Visibility))
	}
	l, err := c.Save(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("lists: import: %w", err)
	}
	for _, it := range in.Items {
		if !ok[it.ContentID] {
			res.Skipped = append(res.Skipped, it.ContentID)
			continue
		}
		ok[it.ContentID] = false // a repeat is skipped
		creates = append(creates, tx.ListItem.Create().SetListID(l.ID).SetContentID(it.ContentID).
			SetPosition(len(creates)+1).SetNote(it.Note))
	}
	if len(creates) > 0 {
		if err := tx.ListItem.CreateBulk(creates...).Exec(ctx); err != nil {
			return ImportResult{}, fmt.Errorf("lists: import items: %w", err)
		}
		if err := tx.List.UpdateOneID(l.ID).SetItemCount(len(creates)).Exec(ctx); err != nil {
			return ImportResult{}, fmt.Errorf("lists: import: %w", err)
		}
	}
	res.ListID = l.ID
	return res, nil
}

func (in ImportedList) validate() error {
	switch {
	case in.Title == "" || utf8.RuneCountInString(in.Title) > 100:
		return apperr.Validation("title", "must be 1 to 100 characters")
	case utf8.RuneCountInString(in.Description) > 2000:
		return apperr.Validation("description", "must be at most 2,000 characters")
	case list.VisibilityValidator(list.Visibility(in.Visibility)) != nil && in.Visibility != "":
		return apperr.Validation("visibility", "must be PUBLIC, UNLISTED or PRIVATE")
	case len(in.Items) > MaxItems:
		return apperr.Validation("items", "a list holds at most 1,000 titles")
	}
	for _, it := range in.Items {
		if utf8.RuneCountInString(it.Note) > 500 {
			return apperr.Validation("note", "must be at most 500 characters")
		}
	}
	return nil
}
