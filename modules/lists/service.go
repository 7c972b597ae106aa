package lists

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"
	"go.uber.org/fx"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/list"
	"github.com/reelview/reelview/ent/listitem"
	"github.com/reelview/reelview/ent/listlike"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

// Social tells who is blocked with whom and who follows whom. The social
// module implements it; without it, nobody is blocked and a private
// account's lists are for itself only.
type Social interface {
	// BlockedWith returns the accounts userID blocked and those that
	// blocked userID.
	BlockedWith(ctx context.Context, userID int) ([]int, error)
	// FollowsApproved reports whether follower follows followee (an
	// approved follow, not a pending request).
	FollowsApproved(ctx context.Context, follower, followee int) (bool, error)
}

// Service holds the rules of lists, their items and likes.
type Service struct {
	db       *ent.Client
	postgres bool
	contents *contents.Service
	social   Social
}

// Params are the dependencies of the service; Social is optional.
type Params struct {
	fx.In
	DB       *database.DB
	Contents *contents.Service
	Social   Social `optional:"true"`
}

// NewService returns the lists service.
func NewService(p Params) *Service {
	return &Service{db: p.DB.Ent, postgres: p.DB.Postgres(), contents: p.Contents, social: p.Social}
}

// Viewer is the caller: 0 for anonymous.
type Viewer struct {
	ID    int
	Admin bool
}

// ViewerFrom returns the caller of ctx.
func ViewerFrom(ctx context.Context) Viewer {
	p, _ := auth.Caller(ctx)
	return Viewer{ID: p.UserID, Admin: p.IsAdmin()}
}

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// liveOwner reports whether a list's owner (loaded with WithOwner, which
// skips deleted accounts) is a live, active account.
func liveOwner(u *ent.User) bool { return u != nil && u.Status == user.StatusACTIVE }

// mayFollowerSee reports whether viewer may see what owner shares with
// everyone: not across a block (either way), and for a private account
// only its approved followers. The owner itself always may.
func (s *Service) mayFollowerSee(ctx context.Context, viewer int, owner *ent.User) (blocked, allowed bool, err error) {
	if viewer == owner.ID {
		return false, true, nil
	}
	if viewer != 0 && s.social != nil {
		ids, err := s.social.BlockedWith(ctx, viewer)
		if err != nil {
			return false, false, fmt.Errorf("lists: blocks: %w", err)
		}
		if slices.Contains(ids, owner.ID) {
			return true, false, nil
		}
	}
	if !owner.Private {
		return false, true, nil
	}
	if viewer == 0 || s.social == nil {
		return false, false, nil
	}
	ok, err := s.social.FollowsApproved(ctx, viewer, owner.ID)
	if err != nil {
		return false, false, fmt.Errorf("lists: follows: %w", err)
	}
	return false, ok, nil
}

// load reads a live list with its owner; ErrNotFound.
func (s *Service) load(ctx context.Context, id int) (*ent.List, error) {
	l, err := s.db.List.Query().Where(list.ID(id)).WithOwner().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotFound.WithMessage("list %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lists: load: %w", err)
	}
	return l, nil
}

// canSee checks that the viewer may see the list; ErrNotFound otherwise,
// never ErrForbidden, so that a private list's existence does not leak.
// The owner sees its lists; others see public and unlisted lists of a live
// account they are not blocked with, and of a private account only if they
// follow it.
func (s *Service) canSee(ctx context.Context, v Viewer, l *ent.List) error {
	notFound := ErrNotFound.WithMessage("list %d not found", l.ID)
	if !liveOwner(l.Edges.Owner) {
		return notFound
	}
	if v.ID == l.UserID {
		return nil
	}
	if l.Visibility == list.VisibilityPRIVATE {
		return notFound
	}
	_, ok, err := s.mayFollowerSee(ctx, v.ID, l.Edges.Owner)
	if err != nil {
		return err
	}
	if !ok {
		return notFound
	}
	return nil
}

// visible loads a list the viewer may see; ErrNotFound.
func (s *Service) visible(ctx context.Context, v Viewer, id int) (*ent.List, error) {
	l, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return l, s.canSee(ctx, v, l)
}

// owned loads a list for a change by its owner: ErrNotFound when the
// viewer may not even see it, ErrNotOwner when they may see but not edit.
func (s *Service) owned(ctx context.Context, v Viewer, id int) (*ent.List, error) {
	l, err := s.visible(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if l.UserID != v.ID {
		return nil, ErrNotOwner
	}
	return l, nil
}

// lock re-reads a live list inside tx, locking its row on PostgreSQL
// (SQLite transactions are immediate, so writers already take turns):
// every change of a list's items runs under it, so positions stay 1..n
// and item_count exact under concurrent edits.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id int) (*ent.List, error) {
	q := tx.List.Query().Where(list.ID(id))
	var (
		l   *ent.List
		err error
	)
	if s.postgres {
		l, err = q.Modify(func(sel *sql.Selector) { sel.For(sql.LockNoKeyUpdate) }).Only(ctx)
	} else {
		l, err = q.Only(ctx)
	}
	if ent.IsNotFound(err) {
		return nil, ErrNotFound.WithMessage("list %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lists: lock: %w", err)
	}
	return l, nil
}

// NewList is what a list is made of (create and edit); nil fields are
// left as they are (edit) or default (create).
type NewList struct {
	Title       *string
	Description *string
	Visibility  *string
}

// Create makes a list owned by the viewer. Visibility defaults to PUBLIC.
func (s *Service) Create(ctx context.Context, v Viewer, in NewList) (List, error) {
	var title string
	if in.Title != nil {
		title = *in.Title
	}
	var id int
	// In a transaction: the list and its entries in the followers' feeds
	// (an ent hook of the social module) exist together or not at all.
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		c := tx.List.Create().SetUserID(v.ID).SetTitle(title)
		if in.Description != nil {
			c.SetDescription(*in.Description)
		}
		if in.Visibility != nil {
			c.SetVisibility(list.Visibility(*in.Visibility))
		}
		row, err := c.Save(ctx)
		if err != nil {
			return fmt.Errorf("lists: create: %w", err)
		}
		id = row.ID
		return nil
	})
	if err != nil {
		return List{}, err
	}
	return s.Get(ctx, v, id)
}

// Get returns a list the viewer may see, with liked_by_me. ErrNotFound.
func (s *Service) Get(ctx context.Context, v Viewer, id int) (List, error) {
	l, err := s.visible(ctx, v, id)
	if err != nil {
		return List{}, err
	}
	out := []List{fromEnt(l)}
	if err := s.addLikedByMe(ctx, v, out); err != nil {
		return List{}, err
	}
	return out[0], nil
}

// Detail returns a list the viewer may see with the first size items.
func (s *Service) Detail(ctx context.Context, v Viewer, id, size int) (ListDetail, error) {
	l, err := s.Get(ctx, v, id)
	if err != nil {
		return ListDetail{}, err
	}
	items, err := s.itemsAfter(ctx, v, id, 0, size)
	if err != nil {
		return ListDetail{}, err
	}
	return ListDetail{List: l, ListItems: items}, nil
}

// Update edits the viewer's own list (ErrNotOwner for others').
func (s *Service) Update(ctx context.Context, v Viewer, id int, in NewList) (List, error) {
	if _, err := s.owned(ctx, v, id); err != nil {
		return List{}, err
	}
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		if _, err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		u := tx.List.UpdateOneID(id)
		if in.Title != nil {
			u.SetTitle(*in.Title)
		}
		if in.Description != nil {
			u.SetDescription(*in.Description)
		}
		if in.Visibility != nil {
			u.SetVisibility(list.Visibility(*in.Visibility))
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("lists: update: %w", err)
		}
		return nil
	})
	if err != nil {
		return List{}, err
	}
	return s.Get(ctx, v, id)
}

// Delete soft-deletes a list: its owner's, or any list for an admin.
// ErrNotFound, ErrNotOwnerOrAdmin.
func (s *Service) Delete(ctx context.Context, v Viewer, id int) error {
	l, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if l.UserID != v.ID && !v.Admin {
		if err := s.canSee(ctx, v, l); err != nil {
			return err
		}
		return ErrNotOwnerOrAdmin
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		if _, err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.List.DeleteOneID(id).Exec(ctx); err != nil {
			return fmt.Errorf("lists: delete: %w", err)
		}
		return nil
	})
}

// addLikedByMe sets liked_by_me for a signed-in viewer in one query.
func (s *Service) addLikedByMe(ctx context.Context, v Viewer, items []List) error {
	if v.ID == 0 || len(items) == 0 {
		return nil
	}
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	liked, err := s.db.ListLike.Query().Where(listlike.UserID(v.ID), listlike.ListIDIn(ids...)).
		Select(listlike.FieldListID).Ints(ctx)
	if err != nil {
		return fmt.Errorf("lists: liked: %w", err)
	}
	for i := range items {
		b := slices.Contains(liked, items[i].ID)
		items[i].LikedByMe = &b
	}
	return nil
}

// UserLists lists a user's lists, newest first: all of them for the user
// itself, the public ones for others. Across a block the user is
// ErrUserNotFound; a private account's lists are for its approved
// followers (others: ErrPrivateAccount).
func (s *Service) UserLists(ctx context.Context, v Viewer, userID int, raw string, size int) (ListPage, error) {
	owner, err := s.db.User.Query().Where(user.ID(userID), user.StatusEQ(user.StatusACTIVE)).Only(ctx)
	if ent.IsNotFound(err) {
		return ListPage{}, ErrUserNotFound.WithMessage("user %d not found", userID)
	}
	if err != nil {
		return ListPage{}, fmt.Errorf("lists: owner: %w", err)
	}
	blocked, ok, err := s.mayFollowerSee(ctx, v.ID, owner)
	switch {
	case err != nil:
		return ListPage{}, err
	case blocked:
		return ListPage{}, ErrUserNotFound.WithMessage("user %d not found", userID)
	case !ok:
		return ListPage{}, ErrPrivateAccount
	}
	c, err := decodeCursor(raw, kindUser)
	if err != nil {
		return ListPage{}, err
	}
	q := s.db.List.Query().Where(list.UserID(userID))
	if v.ID != userID {
		q = q.Where(list.VisibilityEQ(list.VisibilityPUBLIC))
	}
	if c != nil {
		q = q.Where(func(sel *sql.Selector) {
			sel.Where(sql.CompositeLT([]string{sel.C(list.FieldCreatedAt), sel.C(list.FieldID)}, c.Time, c.ID))
		})
	}
	rows, err := q.Order(ent.Desc(list.FieldCreatedAt), ent.Desc(list.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return ListPage{}, fmt.Errorf("lists: user lists: %w", err)
	}
	p := ListPage{Items: make([]List, 0, min(len(rows), size))}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		p.NextCursor = cursor{Kind: kindUser, Time: last.CreatedAt.UTC(), ID: last.ID}.encode()
	}
	for _, l := range rows {
		l.Edges.Owner = owner
		p.Items = append(p.Items, fromEnt(l))
	}
	return p, s.addLikedByMe(ctx, v, p.Items)
}

// Like likes a list the viewer may see; idempotent. like_count moves only
// when the unique (list, user) row was really inserted, in the same
// transaction, so it is exact under concurrency. ErrOwnList, ErrNotFound.
func (s *Service) Like(ctx context.Context, v Viewer, id int) error {
	l, err := s.visible(ctx, v, id)
	if err != nil {
		return err
	}
	if l.UserID == v.ID {
		return ErrOwnList
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO list_likes (list_id, user_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (list_id, user_id) DO NOTHING`, id, v.ID, nowUTC())
		if err != nil {
			return fmt.Errorf("lists: like: %w", err)
		}
		return addLikes(ctx, tx, id, res)
	})
}

// Unlike removes the viewer's like; idempotent. One's like of a list that
// has since become invisible to one can still be taken back; otherwise an
// invisible list is ErrNotFound.
func (s *Service) Unlike(ctx context.Context, v Viewer, id int) error {
	if _, err := s.visible(ctx, v, id); err != nil {
		liked, qerr := s.db.ListLike.Query().Where(listlike.ListID(id), listlike.UserID(v.ID)).Exist(ctx)
		if qerr != nil {
			return fmt.Errorf("lists: unlike: %w", qerr)
		}
		if !liked {
			return err
		}
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM list_likes WHERE list_id = $1 AND user_id = $2`, id, v.ID)
		if err != nil {
			return fmt.Errorf("lists: unlike: %w", err)
		}
		return addLikes(ctx, tx, id, res, -1)
	})
}

// addLikes moves like_count by delta (default +1) when the statement
// changed a row. It is plain SQL so that updated_at, which tells of
// changes to the list itself, stays as it is.
func addLikes(ctx context.Context, tx *ent.Tx, id int, res interface{ RowsAffected() (int64, error) }, delta ...int) error {
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return err
	}
	d := 1
	if len(delta) > 0 {
		d = delta[0]
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lists SET like_count = like_count + $1 WHERE id = $2`, d, id); err != nil {
		return fmt.Errorf("lists: like count: %w", err)
	}
	return nil
}

// Items returns a page of a visible list's items after the cursor.
func (s *Service) Items(ctx context.Context, v Viewer, id int, raw string, size int) (ListItems, error) {
	if _, err := s.visible(ctx, v, id); err != nil {
		return ListItems{}, err
	}
	c, err := decodeCursor(raw, kindItems)
	if err != nil {
		return ListItems{}, err
	}
	after := 0
	if c != nil {
		if c.ID != id {
			return ListItems{}, ErrBadCursor
		}
		after = c.Pos
	}
	return s.itemsAfter(ctx, v, id, after, size)
}

// itemsAfter reads the items of list id after position after, in order,
// with their content summaries; titles removed from the catalog are left
// out.
func (s *Service) itemsAfter(ctx context.Context, v Viewer, id, after, size int) (ListItems, error) {
	rows, err := s.db.ListItem.Query().
		Where(listitem.ListID(id), listitem.PositionGT(after), listitem.HasContentWith(content.DeletedAtIsNil())).
		Order(ent.Asc(listitem.FieldPosition), ent.Asc(listitem.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return ListItems{}, fmt.Errorf("lists: items: %w", err)
	}
	out := ListItems{Items: make([]ListItem, 0, min(len(rows), size))}
	if len(rows) > size {
		rows = rows[:size]
		out.NextCursor = cursor{Kind: kindItems, ID: id, Pos: rows[len(rows)-1].Position}.encode()
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ContentID
	}
	summaries, err := s.contents.Summaries(ctx, v.ID, ids)
	if err != nil {
		return ListItems{}, err
	}
	for _, r := range rows {
		if c, ok := summaries[r.ContentID]; ok {
			out.Items = append(out.Items, ListItem{Position: r.Position, Note: r.Note, AddedAt: r.AddedAt.UTC(), Content: c})
		}
	}
	return out, nil
}
