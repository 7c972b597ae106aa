package contents

import (
	"context"
	"fmt"
	"time"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/bookmark"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/schema"
)

func skipSoftDelete(ctx context.Context) context.Context { return schema.SkipSoftDelete(ctx) }

// Bookmark puts a live content on the user's watchlist. It is idempotent,
// and bookmark_count stays exact under concurrency: the counter moves only
// when the unique (user, content) row was really inserted, in the same
// transaction. ErrNotFound for unknown or deleted contents.
func (s *Service) Bookmark(ctx context.Context, userID, contentID int) error {
	return s.bookmarkTx(ctx, contentID, func(tx *ent.Tx) (int64, error) {
		return insertBookmark(ctx, tx, userID, contentID, time.Now())
	}, +1)
}

func insertBookmark(ctx context.Context, tx *ent.Tx, userID, contentID int, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO bookmarks (user_id, content_id, created_at)
		VALUES ($1, $2, $3) ON CONFLICT (user_id, content_id) DO NOTHING`,
		userID, contentID, at.UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// BookmarkTx is Bookmark inside the caller's transaction, for writers that
// commit many changes at once (imports): at is the bookmark's time (zero:
// now). It reports whether the bookmark is new. ErrNotFound for unknown or
// deleted contents.
func (s *Service) BookmarkTx(ctx context.Context, tx *ent.Tx, userID, contentID int, at time.Time) (bool, error) {
	if at.IsZero() {
		at = time.Now()
	}
	n, err := s.changeBookmark(ctx, tx, contentID, func(tx *ent.Tx) (int64, error) {
		return insertBookmark(ctx, tx, userID, contentID, at)
	}, +1)
	if err != nil || n != 1 {
		return false, err
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				s.cache.invalidate(ctx, contentID)
			}
			return err
		})
	})
	return true, nil
}

// Unbookmark removes a content from the user's watchlist; idempotent.
func (s *Service) Unbookmark(ctx context.Context, userID, contentID int) error {
	return s.bookmarkTx(ctx, contentID, func(tx *ent.Tx) (int64, error) {
		n, err := tx.Bookmark.Delete().Where(bookmark.UserID(userID), bookmark.ContentID(contentID)).Exec(ctx)
		return int64(n), err
	}, -1)
}

func (s *Service) bookmarkTx(ctx context.Context, contentID int, change func(*ent.Tx) (int64, error), delta int) error {
	var n int64
	err := database.WithTx(ctx, s.db, func(tx *ent.Tx) (err error) {
		n, err = s.changeBookmark(ctx, tx, contentID, change, delta)
		return err
	})
	if err != nil {
		return err
	}
	if n == 1 {
		s.cache.invalidate(ctx, contentID)
	}
	return nil
}

// changeBookmark applies change in tx and moves bookmark_count by delta
// when it changed one row.
func (s *Service) changeBookmark(ctx context.Context, tx *ent.Tx, contentID int, change func(*ent.Tx) (int64, error), delta int) (int64, error) {
	exists, err := tx.Content.Query().Where(content.ID(contentID)).Exist(ctx)
	if err != nil {
		return 0, fmt.Errorf("contents: bookmark: %w", err)
	}
	if !exists {
		return 0, ErrNotFound.WithMessage("content %d not found", contentID)
	}
	n, err := change(tx)
	if err != nil {
		return 0, fmt.Errorf("contents: bookmark: %w", err)
	}
	if n == 1 {
		if err := tx.Content.UpdateOneID(contentID).AddBookmarkCount(delta).Exec(ctx); err != nil {
			return 0, fmt.Errorf("contents: bookmark count: %w", err)
		}
	}
	return n, nil
}

// BookmarkedSummary is a content on a watchlist.
type BookmarkedSummary struct {
	ContentSummary
	BookmarkedAt time.Time `json:"bookmarked_at" example:"2026-11-25T12:00:00Z"`
}

// Bookmarks lists the user's bookmarked live contents, newest bookmark first.
func (s *Service) Bookmarks(ctx context.Context, userID int, p server.PageParams) ([]BookmarkedSummary, int, error) {
	// Edge predicates see no interceptors: exclude deleted contents explicitly.
	q := s.db.Bookmark.Query().Where(bookmark.UserID(userID), bookmark.HasContentWith(content.DeletedAtIsNil()))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("contents: bookmarks: %w", err)
	}
	rows, err := q.Order(ent.Desc(bookmark.FieldCreatedAt), ent.Desc(bookmark.FieldID)).
		WithContent(func(cq *ent.ContentQuery) {
			cq.WithGenres(func(gq *ent.GenreQuery) { gq.Order(ent.Asc(genre.FieldName)) })
		}).
		Offset(p.Offset()).Limit(p.Size).All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("contents: bookmarks: %w", err)
	}
	summaries := make([]ContentSummary, 0, len(rows))
	for _, b := range rows {
		summaries = append(summaries, summaryFromEnt(b.Edges.Content))
	}
	if err := s.addViewerState(ctx, userID, summaries); err != nil {
		return nil, 0, err
	}
	out := make([]BookmarkedSummary, len(rows))
	for i, b := range rows {
		out[i] = BookmarkedSummary{ContentSummary: summaries[i], BookmarkedAt: b.CreatedAt.UTC()}
	}
	return out, total, nil
}
