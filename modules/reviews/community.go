package reviews

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/comment"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/reviewreport"
)

// visibleReview loads a review the viewer may see, for likes, comments and
// reports: hidden and deleted ones, and those by the blocked accounts
// (s.blockedWith, read before any transaction, so that a transaction never
// waits for a second connection), are ErrNotFound.
func (s *Service) visibleReview(ctx context.Context, q *ent.ReviewClient, v Viewer, id int, blocked []int) (*ent.Review, error) {
	r, err := q.Query().Where(review.ID(id), review.HasContentWith(content.DeletedAtIsNil())).Only(ctx)
	if ent.IsNotFound(err) || err == nil && !visibleTo(r, v) {
		return nil, ErrNotFound.WithMessage("review %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reviews: load: %w", err)
	}
	if slices.Contains(blocked, r.UserID) {
		return nil, ErrNotFound.WithMessage("review %d not found", id)
	}
	return r, nil
}

// Like likes a review. Idempotent; like_count moves only when the unique
// (user, review) row was really inserted, in the same transaction, so it is
// exact under concurrency. Liking one's own review is ErrOwnReview.
func (s *Service) Like(ctx context.Context, v Viewer, id int) error {
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return err
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		r, err := s.visibleReview(ctx, tx.Review, v, id, blocked)
		if err != nil {
			return err
		}
		if r.UserID == v.ID {
			return ErrOwnReview
		}
		at := time.Now().UTC().Truncate(time.Microsecond)
		rows, err := tx.QueryContext(ctx, `INSERT INTO review_likes (user_id, review_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (user_id, review_id) DO NOTHING RETURNING id`, v.ID, id, at)
		if err != nil {
			return fmt.Errorf("reviews: like: %w", err)
		}
		likeID, liked, err := returnedID(rows)
		if err != nil {
			return fmt.Errorf("reviews: like: %w", err)
		}
		if !liked {
			return nil // already liked: nothing changes, nobody is told again
		}
		if err := tx.Review.UpdateOneID(id).AddLikeCount(1).Exec(ctx); err != nil {
			return err
		}
		if err := s.feed.ReviewLiked(ctx, tx, likeID, v.ID, at); err != nil {
			return err
		}
		// In the same transaction: the like and its notification exist
		// together or not at all.
		return s.events.ReviewLiked(ctx, tx, Event{ReviewID: id, ContentID: r.ContentID, AuthorID: r.UserID, ActorID: v.ID})
	})
}

// Unlike removes the viewer's like; idempotent.
func (s *Service) Unlike(ctx context.Context, v Viewer, id int) error {
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		if _, err := s.visibleReview(ctx, tx.Review, v, id, nil); err != nil { // one's like goes, block or not
			return err
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM review_likes WHERE user_id = $1 AND review_id = $2 RETURNING id`, v.ID, id)
		if err != nil {
			return fmt.Errorf("reviews: unlike: %w", err)
		}
		likeID, unliked, err := returnedID(rows)
		if err != nil {
			return fmt.Errorf("reviews: unlike: %w", err)
		}
		if !unliked {
			return nil
		}
		if err := tx.Review.UpdateOneID(id).AddLikeCount(-1).Exec(ctx); err != nil {
			return err
		}
		return s.feed.LikeRemoved(ctx, tx, likeID)
	})
}

// CommentPage is a list of comments by page or cursor.
type CommentPage struct {
	Items      []Comment
	Total      int
	NextCursor *string
}

// Comments lists a visible review's comments, oldest first.
func (s *Service) Comments(ctx context.Context, v Viewer, reviewID int, cur *string, p server.PageParams) (CommentPage, error) {
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return CommentPage{}, err
	}
	if _, err := s.visibleReview(ctx, s.db.Review, v, reviewID, blocked); err != nil {
		return CommentPage{}, err
	}
	q := s.db.Comment.Query().Where(comment.ReviewID(reviewID))
	if len(blocked) > 0 {
		q = q.Where(comment.UserIDNotIn(blocked...))
	}
	var page CommentPage
	if cur == nil {
		total, err := q.Clone().Count(ctx)
		if err != nil {
			return CommentPage{}, fmt.Errorf("reviews: comments: %w", err)
		}
		page.Total = total
		q = q.Offset(p.Offset())
	} else {
		c, err := decodeCursor(*cur, "oldest")
		if err != nil {
			return CommentPage{}, err
		}
		if c != nil {
			q = q.Where(c.after(comment.FieldCreatedAt, c.Time, false))
		}
	}
	rows, err := q.Order(ent.Asc(comment.FieldCreatedAt), ent.Asc(comment.FieldID)).Limit(p.Size + 1).WithAuthor().All(ctx)
	if err != nil {
		return CommentPage{}, fmt.Errorf("reviews: comments: %w", err)
	}
	more := len(rows) > p.Size
	if more {
		rows = rows[:p.Size]
	}
	page.Items = make([]Comment, len(rows))
	for i, c := range rows {
		page.Items[i] = commentFromEnt(c)
	}
	if cur != nil && more {
		last := rows[len(rows)-1]
		next := cursor{Order: "oldest", Time: last.CreatedAt, ID: last.ID}.encode()
		page.NextCursor = &next
	}
	return page, nil
}

// AddComment comments on a visible review; comment_count moves in the same
// transaction. VALIDATION_FAILED for an empty or too long body.
func (s *Service) AddComment(ctx context.Context, v Viewer, reviewID int, body string) (Comment, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 2000 {
		return Comment{}, apperr.Validation("body", "must be 1 to 2,000 characters")
	}
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return Comment{}, err
	}
	var c *ent.Comment
	err = database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		r, err := s.visibleReview(ctx, tx.Review, v, reviewID, blocked)
		if err != nil {
			return err
		}
		if c, err = tx.Comment.Create().SetUserID(v.ID).SetReviewID(reviewID).SetBody(body).Save(ctx); err != nil {
			return fmt.Errorf("reviews: comment: %w", err)
		}
		if err := tx.Review.UpdateOneID(reviewID).AddCommentCount(1).Exec(ctx); err != nil {
			return err
		}
		if r.UserID == v.ID {
			return nil // no notification for one's own action
		}
		excerpt := []rune(body)
		return s.events.ReviewCommented(ctx, tx, Event{ReviewID: reviewID, ContentID: r.ContentID, AuthorID: r.UserID,
			ActorID: v.ID, CommentID: c.ID, Excerpt: string(excerpt[:min(len(excerpt), 80)])})
	})
	if err != nil {
		return Comment{}, err
	}
	full, err := s.db.Comment.Query().Where(comment.ID(c.ID)).WithAuthor().Only(ctx)
	if err != nil {
		return Comment{}, fmt.Errorf("reviews: comment: %w", err)
	}
	return commentFromEnt(full), nil
}

// DeleteComment soft-deletes a comment (its author or an admin).
// Errors: ErrCommentNotFound, ErrNotAuthorOrAdmin.
func (s *Service) DeleteComment(ctx context.Context, v Viewer, id int) error {
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		c, err := tx.Comment.Get(ctx, id)
		if ent.IsNotFound(err) {
			return ErrCommentNotFound
		}
		if err != nil {
			return fmt.Errorf("reviews: delete comment: %w", err)
		}
		if _, err := s.visibleReview(ctx, tx.Review, v, c.ReviewID, nil); err != nil { // one's comment goes, block or not
			return ErrCommentNotFound
		}
		if c.UserID != v.ID && !v.Admin {
			return ErrNotAuthorOrAdmin
		}
		n, err := tx.Comment.Delete().Where(comment.ID(id)).Exec(ctx) // soft: only a live row counts
		if err != nil {
			return fmt.Errorf("reviews: delete comment: %w", err)
		}
		if n == 1 {
			return tx.Review.UpdateOneID(c.ReviewID).AddCommentCount(-1).Exec(ctx)
		}
		return nil
	})
}

// Report reports a visible review to the moderators, once per user.
// Errors: ErrNotFound, ErrOwnReview, ErrAlreadyReported, VALIDATION_FAILED.
func (s *Service) Report(ctx context.Context, v Viewer, reviewID int, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 2000 {
		return apperr.Validation("reason", "must be 1 to 2,000 characters")
	}
	blocked, err := s.blockedWith(ctx, v)
	if err != nil {
		return err
	}
	return database.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		r, err := s.visibleReview(ctx, tx.Review, v, reviewID, blocked)
		if err != nil {
			return err
		}
		if r.UserID == v.ID {
			return ErrOwnReview
		}
		err = tx.ReviewReport.Create().SetUserID(v.ID).SetReviewID(reviewID).SetReason(reason).Exec(ctx)
		if sqlgraph.IsUniqueConstraintError(err) {
			return ErrAlreadyReported
		}
		if err != nil {
			return fmt.Errorf("reviews: report: %w", err)
		}
		return tx.Review.UpdateOneID(reviewID).AddReportCount(1).Exec(ctx)
	})
}

func (s *Service) resolveReports(ctx context.Context, tx *ent.Tx, reviewID int) error {
	return tx.ReviewReport.Update().
		Where(reviewreport.ReviewID(reviewID), reviewreport.StatusEQ(reviewreport.StatusOPEN)).
		SetStatus(reviewreport.StatusRESOLVED).SetResolvedAt(time.Now().UTC()).Exec(ctx)
}

// ReportedReview is a review with open reports, for moderators.
type ReportedReview struct {
	Review          Review    `json:"review"`
	OpenReports     int       `json:"open_reports" example:"3"`
	Reasons         []string  `json:"reasons" example:"[\"Spoiler without the spoiler flag\"]" doc:"The reasons of the open reports, newest first (at most 5)."`
	FirstReportedAt time.Time `json:"first_reported_at" example:"2026-11-24T09:30:00Z"`
	LastReportedAt  time.Time `json:"last_reported_at" example:"2026-11-25T12:00:00Z"`
}

// OpenReports lists reviews with open reports, most reported first, in four
// queries whatever the page size.
func (s *Service) OpenReports(ctx context.Context, p server.PageParams) ([]ReportedReview, int, error) {
	open := s.db.ReviewReport.Query().Where(reviewreport.StatusEQ(reviewreport.StatusOPEN),
		reviewreport.HasReviewWith(review.DeletedAtIsNil()))
	total, err := open.Clone().Select(reviewreport.FieldReviewID).Unique(true).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reviews: reports: %w", err)
	}
	var groups []struct {
		ReviewID int `json:"review_id"`
		Count    int `json:"count"`
	}
	err = open.Clone().Modify(func(sel *sql.Selector) {
		sel.Select(sel.C(reviewreport.FieldReviewID), sql.As(sql.Count("*"), "count")).
			GroupBy(sel.C(reviewreport.FieldReviewID)).
			OrderBy(sql.Desc("count"), sql.Asc(sel.C(reviewreport.FieldReviewID))).
			Offset(p.Offset()).Limit(p.Size)
	}).Scan(ctx, &groups)
	if err != nil {
		return nil, 0, fmt.Errorf("reviews: reports: %w", err)
	}
	ids := make([]int, len(groups))
	for i, g := range groups {
		ids[i] = g.ReviewID
	}
	rows, err := s.db.Review.Query().Where(review.IDIn(ids...)).WithAuthor().All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reviews: reports: %w", err)
	}
	reviews := make(map[int]*ent.Review, len(rows))
	for _, r := range rows {
		reviews[r.ID] = r
	}
	reports, err := s.db.ReviewReport.Query().Where(reviewreport.ReviewIDIn(ids...),
		reviewreport.StatusEQ(reviewreport.StatusOPEN)).
		Order(ent.Desc(reviewreport.FieldCreatedAt), ent.Desc(reviewreport.FieldID)).All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reviews: reports: %w", err)
	}
	byReview := map[int][]*ent.ReviewReport{}
	for _, rep := range reports {
		byReview[rep.ReviewID] = append(byReview[rep.ReviewID], rep)
	}
	out := make([]ReportedReview, 0, len(groups))
	for _, g := range groups {
		r, reps := reviews[g.ReviewID], byReview[g.ReviewID]
		if r == nil || len(reps) == 0 {
			continue // deleted meanwhile
		}
		item := ReportedReview{Review: fromEnt(r), OpenReports: g.Count, Reasons: []string{},
			LastReportedAt: reps[0].CreatedAt.UTC(), FirstReportedAt: reps[len(reps)-1].CreatedAt.UTC()}
		for _, rep := range reps[:min(5, len(reps))] {
			item.Reasons = append(item.Reasons, rep.Reason)
		}
		out = append(out, item)
	}
	return out, total, nil
}

// returnedID reads the id a statement's RETURNING id returned, if it
// wrote a row, and closes rows.
func returnedID(rows *stdsql.Rows) (id int, ok bool, err error) {
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return 0, false, err
		}
		ok = true
	}
	return id, ok, rows.Err()
}
