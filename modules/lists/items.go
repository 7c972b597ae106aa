package lists

import (
	"context"
	"fmt"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/listitem"
)

// ItemChange is what PUT of an item sets; nil fields are left as they are
// (a new item without a position goes last, without a note has none).
type ItemChange struct {
	Position *int
	Note     *string
}

// PutItem adds a content to the viewer's list or changes its item;
// idempotent. A position inserts (or moves) the item there, shifting the
// others; beyond the end it goes last. Without a position a new item goes
// last and an existing one stays where it is. ErrNotFound, ErrNotOwner,
// ErrContentNotFound (unknown or deleted content), ErrListFull.
func (s *Service) PutItem(ctx context.Context, v Viewer, listID, contentID int, in ItemChange) (ListItem, error) {
	if _, err := s.owned(ctx, v, listID); err != nil {
		return ListItem{}, err
	}
	var it *ent.ListItem
	err := s.editItems(ctx, listID, func(tx *ent.Tx, n int) (int, bool, error) {
		live, err := tx.Content.Query().Where(content.ID(contentID)).Exist(ctx)
		if err != nil {
			return 0, false, fmt.Errorf("lists: content: %w", err)
		}
		if !live {
			return 0, false, ErrContentNotFound.WithMessage("content %d not found", contentID)
		}
		it, err = tx.ListItem.Query().Where(listitem.ListID(listID), listitem.ContentID(contentID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			if n >= MaxItems {
				return 0, false, ErrListFull
			}
			pos := n + 1
			if in.Position != nil && *in.Position < pos {
				pos = *in.Position
			}
			if err := shift(ctx, tx, listID, pos, n, +1); err != nil {
				return 0, false, err
			}
			c := tx.ListItem.Create().SetListID(listID).SetContentID(contentID).SetPosition(pos)
			if in.Note != nil {
				c.SetNote(*in.Note)
			}
			if it, err = c.Save(ctx); err != nil {
				return 0, false, fmt.Errorf("lists: add item: %w", err)
			}
			return n + 1, true, nil
		case err != nil:
			return 0, false, fmt.Errorf("lists: item: %w", err)
		}
		u, changed := tx.ListItem.UpdateOne(it), false
		if in.Position != nil && min(*in.Position, n) != it.Position {
			to := min(*in.Position, n)
			if to < it.Position {
				err = shift(ctx, tx, listID, to, it.Position-1, +1)
			} else {
				err = shift(ctx, tx, listID, it.Position+1, to, -1)
			}
			if err != nil {
				return 0, false, err
			}
			u.SetPosition(to)
			changed = true
		}
		if in.Note != nil && *in.Note != it.Note {
			u.SetNote(*in.Note)
			changed = true
		}
		if !changed {
			return n, false, nil
		}
		if it, err = u.Save(ctx); err != nil {
			return 0, false, fmt.Errorf("lists: update item: %w", err)
		}
		return n, true, nil
	})
	if err != nil {
		return ListItem{}, err
	}
	summaries, err := s.contents.Summaries(ctx, v.ID, []int{contentID})
	if err != nil {
		return ListItem{}, err
	}
	return ListItem{Position: it.Position, Note: it.Note, AddedAt: it.AddedAt.UTC(), Content: summaries[contentID]}, nil
}

// RemoveItem takes a content off the viewer's list and closes the gap;
// idempotent. ErrNotFound, ErrNotOwner.
func (s *Service) RemoveItem(ctx context.Context, v Viewer, listID, contentID int) error {
	if _, err := s.owned(ctx, v, listID); err != nil {
		return err
	}
	return s.editItems(ctx, listID, func(tx *ent.Tx, n int) (int, bool, error) {
		it, err := tx.ListItem.Query().Where(listitem.ListID(listID), listitem.ContentID(contentID)).Only(ctx)
		if ent.IsNotFound(err) {
			return n, false, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("lists: item: %w", err)
		}
		if err := tx.ListItem.DeleteOne(it).Exec(ctx); err != nil {
			return 0, false, fmt.Errorf("lists: remove item: %w", err)
		}
		return n - 1, true, shift(ctx, tx, listID, it.Position+1, n, -1)
	})
}

// Reorder puts the items of the viewer's list in the order of contentIDs,
// which must name every item exactly once (VALIDATION_FAILED otherwise,
// e.g. after a concurrent change: reload and try again). ErrNotFound,
// ErrNotOwner.
func (s *Service) Reorder(ctx context.Context, v Viewer, listID int, contentIDs []int) error {
	if _, err := s.owned(ctx, v, listID); err != nil {
		return err
	}
	return s.editItems(ctx, listID, func(tx *ent.Tx, n int) (int, bool, error) {
		rows, err := tx.ListItem.Query().Where(listitem.ListID(listID)).All(ctx)
		if err != nil {
			return 0, false, fmt.Errorf("lists: items: %w", err)
		}
		byContent := make(map[int]*ent.ListItem, len(rows))
		for _, r := range rows {
			byContent[r.ContentID] = r
		}
		seen := make(map[int]bool, len(contentIDs))
		for _, id := range contentIDs {
			if byContent[id] == nil || seen[id] {
				return 0, false, errNotPermutation(n)
			}
			seen[id] = true
		}
		if len(contentIDs) != n {
			return 0, false, errNotPermutation(n)
		}
		changed := false
		for i, id := range contentIDs {
			if r := byContent[id]; r.Position != i+1 {
				if err := tx.ListItem.UpdateOne(r).SetPosition(i + 1).Exec(ctx); err != nil {
					return 0, false, fmt.Errorf("lists: reorder: %w", err)
				}
				changed = true
			}
		}
		return n, changed, nil
	})
}

// editItems runs one change of a list's items in a transaction under the
// list's lock. Items of contents deleted from the catalog are dropped
// first and the positions closed up, so edit sees the live items, n of
// them, at positions 1..n. edit returns the new number of items and
// whether it changed anything; a change bumps the list's updated_at and
// sets item_count, in the same transaction.
func (s *Service) editItems(ctx context.Context, listID int, edit func(tx *ent.Tx, n int) (int, bool, error)) error {
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		l, err := s.lock(ctx, tx, listID)
		if err != nil {
			return err
		}
		purged, err := purgeDeleted(ctx, tx, listID)
		if err != nil {
			return err
		}
		n, err := tx.ListItem.Query().Where(listitem.ListID(listID)).Count(ctx)
		if err != nil {
			return fmt.Errorf("lists: count: %w", err)
		}
		n, changed, err := edit(tx, n)
		if err != nil {
			return err
		}
		if !changed && !purged && n == l.ItemCount {
			return nil
		}
		if err := tx.List.UpdateOneID(listID).SetItemCount(n).Exec(ctx); err != nil {
			return fmt.Errorf("lists: item count: %w", err)
		}
		return nil
	})
}

// shift moves the items at positions from..to (inclusive) of a list by
// delta.
func shift(ctx context.Context, tx *ent.Tx, listID, from, to, delta int) error {
	if from > to {
		return nil
	}
	_, err := tx.ListItem.Update().
		Where(listitem.ListID(listID), listitem.PositionGTE(from), listitem.PositionLTE(to)).
		AddPosition(delta).Save(ctx)
	if err != nil {
		return fmt.Errorf("lists: shift: %w", err)
	}
	return nil
}

// purgeDeleted removes a list's items whose content was deleted from the
// catalog and renumbers the rest 1..n; it reports whether it removed any.
func purgeDeleted(ctx context.Context, tx *ent.Tx, listID int) (bool, error) {
	// Edge predicates see no interceptors: deleted contents are matched
	// explicitly.
	n, err := tx.ListItem.Delete().
		Where(listitem.ListID(listID), listitem.HasContentWith(content.DeletedAtNotNil())).Exec(ctx)
	if err != nil || n == 0 {
		return false, err
	}
	rows, err := tx.ListItem.Query().Where(listitem.ListID(listID)).
		Order(ent.Asc(listitem.FieldPosition), ent.Asc(listitem.FieldID)).All(ctx)
	if err != nil {
		return false, fmt.Errorf("lists: renumber: %w", err)
	}
	for i, r := range rows {
		if r.Position != i+1 {
			if err := tx.ListItem.UpdateOne(r).SetPosition(i + 1).Exec(ctx); err != nil {
				return false, fmt.Errorf("lists: renumber: %w", err)
			}
		}
	}
	return true, nil
}
