package reviews

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqlgraph"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/reviewlike"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/contents"
)

// Service holds the rules of reviews, likes, comments and reports.
type Service struct {
	db       *ent.Client
	postgres bool
	contents *contents.Service
	events   Events
	feed     Feed
	blocks   Blocks
	log      *zap.Logger
}

// Params are the dependencies of the service; Events is optional.
type Params struct {
	fx.In
	DB       *database.DB
	Contents *contents.Service
	Events   Events `optional:"true"`
	Feed     Feed   `optional:"true"`
	Blocks   Blocks `optional:"true"`
	Log      *zap.Logger
}

// NewService returns the reviews service.
func NewService(p Params) *Service {
	events := p.Events
	if events == nil {
		events = noEvents{}
	}
	var feed Feed = noFeed{}
	if p.Feed != nil {
		feed = p.Feed
	}
	return &Service{db: p.DB.Ent, postgres: p.DB.Postgres(), contents: p.Contents, events: events, feed: feed,
		blocks: p.Blocks, log: p.Log}
}

// blockedWith returns the accounts the viewer is blocked with, either way
// (none for anonymous viewers): their reviews and comments are hidden.
func (s *Service) blockedWith(ctx context.Context, v Viewer) ([]int, error) {
	if v.ID == 0 || s.blocks == nil {
		return nil, nil
	}
	ids, err := s.blocks.BlockedWith(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("reviews: blocks: %w", err)
	}
	return ids, nil
}

// blockedAuthor reports whether authorID is blocked with the viewer, either
// way: their reviews are then not found for each other.
func (s *Service) blockedAuthor(ctx context.Context, v Viewer, authorID int) (bool, error) {
	blocked, err := s.blockedWith(ctx, v)
	return slices.Contains(blocked, authorID), err
}

// Visible returns those of the given reviews the viewer may see (not
// deleted, hidden, of a deleted content or across a block), by id, with
// liked_by_me: the social feed's reviews.
func (s *Service) Visible(ctx context.Context, v Viewer, ids []int) (map[int]Review, error) {
	q := s.db.Review.Query().Where(review.IDIn(ids...), review.HasContentWith(content.DeletedAtIsNil()))
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return nil, err
	}
	if len(blocked) > 0 {
		q = q.Where(review.UserIDNotIn(blocked...))
	}
	rows, err := q.WithAuthor().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reviews: visible: %w", err)
	}
	items := make([]Review, 0, len(rows))
	for _, r := range rows {
		if visibleTo(r, v) {
			items = append(items, fromEnt(r))
		}
	}
	if err := s.addLikedByMe(ctx, v, items); err != nil {
		return nil, err
	}
	out := make(map[int]Review, len(items))
	for _, it := range items {
		out[it.ID] = it
	}
	return out, nil
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

// lockReview reads a live review of a live content inside tx, locking its
// row on PostgreSQL so concurrent edits, deletes and moderation of one
// review take turns.
func (s *Service) lockReview(ctx context.Context, tx *ent.Tx, id int) (*ent.Review, error) {
	q := tx.Review.Query().Where(review.ID(id), review.HasContentWith(content.DeletedAtIsNil()))
	var (
		r   *ent.Review
		err error
	)
	if s.postgres {
		r, err = q.Modify(func(sel *sql.Selector) { sel.For(sql.LockNoKeyUpdate) }).Only(ctx)
	} else {
		r, err = q.Only(ctx)
	}
	if ent.IsNotFound(err) {
		return nil, ErrNotFound.WithMessage("review %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reviews: load: %w", err)
	}
	return r, nil
}

// visibleTo reports whether v may see r: hidden reviews only to their
// author and admins.
func visibleTo(r *ent.Review, v Viewer) bool {
	return !r.Hidden || v.Admin || r.UserID == v.ID
}

// Input is a review as written.
type Input struct {
	Rating  *int
	Body    *string
	Spoiler *bool
	// CreatedAt, when set, dates a new review (imports keep the date a
	// review was written elsewhere); otherwise it is now.
	CreatedAt time.Time
}

func validate(in Input) error {
	if in.Rating != nil && (*in.Rating < 1 || *in.Rating > 10) {
		return apperr.Validation("rating", "must be an integer from 1 to 10")
	}
	if in.Body != nil && utf8.RuneCountInString(*in.Body) > 10000 {
		return apperr.Validation("body", "must be at most 10,000 characters")
	}
	return nil
}

// Create stores the viewer's review of a content and updates the content's
// aggregates in the same transaction. Errors: contents.ErrNotFound,
// ErrAlreadyReviewed (also for concurrent duplicates), VALIDATION_FAILED.
func (s *Service) Create(ctx context.Context, v Viewer, contentID int, in Input) (Review, error) {
	if err := validate(in); err != nil {
		return Review{}, err
	}
	var id int
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) (err error) {
		id, err = s.CreateTx(ctx, tx, v.ID, contentID, in)
		return err
	})
	if err != nil {
		return Review{}, err
	}
	return s.Get(ctx, v, id)
}

// CreateTx stores userID's review of a content inside the caller's
// transaction, with the aggregates, and returns its id: for writers that
// commit many changes at once (imports). The input must be valid (Create
// checks it). Errors: contents.ErrNotFound, ErrAlreadyReviewed.
func (s *Service) CreateTx(ctx context.Context, tx *ent.Tx, userID, contentID int, in Input) (int, error) {
	if in.Rating == nil {
		return 0, apperr.Validation("rating", "is required")
	}
	// Locks the content row first: every review write of one content
	// takes turns there, which keeps the aggregates exact.
	if err := s.contents.ApplyReview(ctx, tx, contentID, contents.ReviewChange{NewRating: *in.Rating}); err != nil {
		return 0, err
	}
	c := tx.Review.Create().SetUserID(userID).SetContentID(contentID).SetRating(*in.Rating)
	if in.Body != nil {
		c.SetBody(strings.TrimSpace(*in.Body))
	}
	if in.Spoiler != nil {
		c.SetSpoiler(*in.Spoiler)
	}
	if !in.CreatedAt.IsZero() {
		at := in.CreatedAt.UTC().Truncate(time.Microsecond) // PostgreSQL keeps microseconds
		c.SetCreatedAt(at).SetUpdatedAt(at)
	}
	r, err := c.Save(ctx)
	if sqlgraph.IsUniqueConstraintError(err) {
		return 0, ErrAlreadyReviewed
	}
	if err != nil {
		return 0, fmt.Errorf("reviews: create: %w", err)
	}
	if err := s.feed.ReviewPosted(ctx, tx, r); err != nil {
		return 0, err
	}
	return r.ID, nil
}

// Get returns one review. Hidden reviews exist only for their author and
// admins; reviews of deleted contents not at all. ErrNotFound.
func (s *Service) Get(ctx context.Context, v Viewer, id int) (Review, error) {
	r, err := s.db.Review.Query().Where(review.ID(id), review.HasContentWith(content.DeletedAtIsNil())).
		WithAuthor().Only(ctx)
	if ent.IsNotFound(err) || err == nil && !visibleTo(r, v) {
		return Review{}, ErrNotFound.WithMessage("review %d not found", id)
	}
	if err != nil {
		return Review{}, fmt.Errorf("reviews: get: %w", err)
	}
	blocked, err := s.blockedAuthor(ctx, v, r.UserID)
	if err != nil {
		return Review{}, err
	}
	if blocked {
		return Review{}, ErrNotFound.WithMessage("review %d not found", id)
	}
	items := []Review{fromEnt(r)}
	if err := s.addLikedByMe(ctx, v, items); err != nil {
		return Review{}, err
	}
	return items[0], nil
}

// Update changes the viewer's own review; a rating change moves the
// aggregates in the same transaction. Errors: ErrNotFound, ErrNotAuthor,
// VALIDATION_FAILED.
func (s *Service) Update(ctx context.Context, v Viewer, id int, in Input) (Review, error) {
	if err := validate(in); err != nil {
		return Review{}, err
	}
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error { return s.UpdateTx(ctx, tx, v, id, in) })
	if err != nil {
		return Review{}, err
	}
	return s.Get(ctx, v, id)
}

// UpdateTx is Update inside the caller's transaction (imports); the input
// must be valid. Errors: ErrNotFound, ErrNotAuthor.
func (s *Service) UpdateTx(ctx context.Context, tx *ent.Tx, v Viewer, id int, in Input) error {
	r, err := s.lockReview(ctx, tx, id)
	if err != nil {
		return err
	}
	if !visibleTo(r, v) {
		return ErrNotFound.WithMessage("review %d not found", id)
	}
	if r.UserID != v.ID {
		return ErrNotAuthor
	}
	u := tx.Review.UpdateOne(r)
	if in.Rating != nil && *in.Rating != r.Rating {
		if !r.Hidden {
			if err := s.contents.ApplyReview(ctx, tx, r.ContentID,
				contents.ReviewChange{OldRating: r.Rating, NewRating: *in.Rating}); err != nil {
				return err
			}
		}
		u.SetRating(*in.Rating)
	}
	if in.Body != nil {
		u.SetBody(strings.TrimSpace(*in.Body))
	}
	if in.Spoiler != nil {
		u.SetSpoiler(*in.Spoiler)
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("reviews: update: %w", err)
	}
	return nil
}

// Delete soft-deletes a review (its author or an admin) and takes it out of
// the aggregates. Errors: ErrNotFound, ErrNotAuthorOrAdmin.
func (s *Service) Delete(ctx context.Context, v Viewer, id int) error {
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		r, err := s.lockReview(ctx, tx, id)
		if err != nil {
			return err
		}
		if !visibleTo(r, v) {
			return ErrNotFound.WithMessage("review %d not found", id)
		}
		if r.UserID != v.ID && !v.Admin {
			return ErrNotAuthorOrAdmin
		}
		if !r.Hidden {
			if err := s.contents.ApplyReview(ctx, tx, r.ContentID, contents.ReviewChange{OldRating: r.Rating}); err != nil {
				return err
			}
		}
		if err := tx.Review.DeleteOne(r).Exec(ctx); err != nil {
			return fmt.Errorf("reviews: delete: %w", err)
		}
		return s.feed.ReviewRemoved(ctx, tx, r.ID)
	})
}

// SetHidden hides or unhides a review (admins): a hidden review leaves the
// lists, feeds and aggregates, and comes back when unhidden. Hiding resolves
// its open reports.
func (s *Service) SetHidden(ctx context.Context, id int, hidden bool) (Review, error) {
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		r, err := s.lockReview(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Hidden == hidden {
			return nil
		}
		change := contents.ReviewChange{NewRating: r.Rating}
		if hidden {
			change = contents.ReviewChange{OldRating: r.Rating}
		}
		if err := s.contents.ApplyReview(ctx, tx, r.ContentID, change); err != nil {
			return err
		}
		if err := tx.Review.UpdateOne(r).SetHidden(hidden).Exec(ctx); err != nil {
			return fmt.Errorf("reviews: hide: %w", err)
		}
		if hidden {
			return s.resolveReports(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return Review{}, err
	}
	return s.Get(ctx, Viewer{Admin: true}, id)
}

// addLikedByMe sets liked_by_me for a signed-in viewer in one query.
func (s *Service) addLikedByMe(ctx context.Context, v Viewer, items []Review) error {
	if v.ID == 0 || len(items) == 0 {
		return nil
	}
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	liked, err := s.db.ReviewLike.Query().Where(reviewlike.UserID(v.ID), reviewlike.ReviewIDIn(ids...)).
		Select(reviewlike.FieldReviewID).Ints(ctx)
	if err != nil {
		return fmt.Errorf("reviews: liked by me: %w", err)
	}
	set := make(map[int]bool, len(liked))
	for _, id := range liked {
		set[id] = true
	}
	for i := range items {
		b := set[items[i].ID]
		items[i].LikedByMe = &b
	}
	return nil
}

// ListQuery selects one list of reviews.
type ListQuery struct {
	ContentID     int
	UserID        int
	IncludeHidden bool      // the author's own list
	Since         time.Time // popular: created since
	Order         string    // latest, likes, rating
	Cursor        *string   // nil: page mode
	server.PageParams
}

var orderColumn = map[string]string{"latest": review.FieldCreatedAt, "likes": review.FieldLikeCount, "rating": review.FieldRating}

// List returns a page of visible reviews, newest (or most liked, or best
// rated) first, ties by id, by page number or by keyset cursor.
func (s *Service) List(ctx context.Context, v Viewer, lq ListQuery) (Page, error) {
	q := s.db.Review.Query().Where(review.HasContentWith(content.DeletedAtIsNil()))
	if !lq.IncludeHidden {
		q = q.Where(review.Hidden(false))
	}
	if lq.ContentID > 0 {
		q = q.Where(review.ContentID(lq.ContentID))
	}
	if lq.UserID > 0 {
		q = q.Where(review.UserID(lq.UserID))
	}
	if !lq.Since.IsZero() {
		q = q.Where(review.CreatedAtGTE(lq.Since))
	}
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return Page{}, err
	}
	if len(blocked) > 0 {
		q = q.Where(review.UserIDNotIn(blocked...))
	}
	col := orderColumn[lq.Order]
	var page Page
	if lq.Cursor == nil {
		total, err := q.Clone().Count(ctx)
		if err != nil {
			return Page{}, fmt.Errorf("reviews: count: %w", err)
		}
		page.Total = total
		q = q.Offset(lq.Offset())
	} else {
		c, err := decodeCursor(*lq.Cursor, lq.Order)
		if err != nil {
			return Page{}, err
		}
		if c != nil {
			var value any = c.N
			if col == review.FieldCreatedAt {
				value = c.Time
			}
			q = q.Where(c.after(col, value, true))
		}
	}
	rows, err := q.Order(ent.Desc(col), ent.Desc(review.FieldID)).Limit(lq.Size + 1).WithAuthor().All(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("reviews: list: %w", err)
	}
	more := len(rows) > lq.Size
	if more {
		rows = rows[:lq.Size]
	}
	page.Items = make([]Review, len(rows))
	for i, r := range rows {
		page.Items[i] = fromEnt(r)
	}
	if lq.Cursor != nil && more {
		last := rows[len(rows)-1]
		c := cursor{Order: lq.Order, ID: last.ID}
		switch col {
		case review.FieldCreatedAt:
			c.Time = last.CreatedAt
		case review.FieldLikeCount:
			c.N = last.LikeCount
		default:
			c.N = last.Rating
		}
		next := c.encode()
		page.NextCursor = &next
	}
	return page, s.addLikedByMe(ctx, v, page.Items)
}
