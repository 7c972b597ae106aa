package social

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/reviewlike"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/reviews"
)

// Feed event kinds.
const (
	KindReview = "REVIEW" // a review with text
	KindRating = "RATING" // a rating without text
	KindLike   = "LIKE"   // a like of a review
)

// Event sources, which order events of the same instant (and go into the
// cursor): "r" reviews, "l" likes.
const (
	srcReview = "r"
	srcLike   = "l"
)

// Actor is who did what a feed item tells.
type Actor struct {
	ID        int    `json:"id" example:"42"`
	Nickname  string `json:"nickname" example:"ada"`
	AvatarURL string `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
}

// FeedItem is one event of the feed: someone the caller follows reviewed
// or rated a content, or liked a review.
type FeedItem struct {
	Kind      string         `json:"kind" enum:"REVIEW,RATING,LIKE" example:"REVIEW" doc:"REVIEW: a review with text; RATING: a rating without text; LIKE: the actor liked the review."`
	CreatedAt time.Time      `json:"created_at" example:"2026-11-25T12:00:00Z"`
	Actor     Actor          `json:"actor"`
	Review    reviews.Review `json:"review"`
}

// Feed is a keyset page of the feed.
type Feed struct {
	Items      []FeedItem `json:"items"`
	NextCursor *string    `json:"next_cursor" example:"eyJ0IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJrIjoiciIsImkiOjd9" doc:"The cursor of the next page, null on the last."`
}

// feedKey is one event of a page before it is loaded.
type feedKey struct {
	src string
	id  int
}

// sourceBound is the keyset condition of one event source given the
// cursor (t, k, i) of the order (created_at DESC, source DESC, id DESC):
// created_at stays an index bound and the tie goes to the source and id.
func sourceBound(src, alias string, c *cursor, since time.Time, args *[]any) string {
	if !since.IsZero() {
		*args = append(*args, since)
		return fmt.Sprintf("%s.created_at > $%d AND %s", alias, len(*args), sourceBound(src, alias, c, time.Time{}, args))
	}
	if c == nil {
		return "TRUE"
	}
	*args = append(*args, c.Time)
	t := fmt.Sprintf("$%d", len(*args))
	switch {
	case src < c.Kind:
		return fmt.Sprintf("%s.created_at <= %s", alias, t)
	case src > c.Kind:
		return fmt.Sprintf("%s.created_at < %s", alias, t)
	}
	*args = append(*args, c.ID)
	return fmt.Sprintf("%[1]s.created_at <= %[2]s AND (%[1]s.created_at < %[2]s OR %[1]s.id < $%[3]d)", alias, t, len(*args))
}

// feedSQL selects the keys of one feed page: the newest reviews of the
// people the caller follows ($1) and their likes of reviews, newest
// first. Each source is read per followee with an index range scan of
// (user_id, created_at, id), limited to the page size: on PostgreSQL by a
// LATERAL join, so the cost is (followees × page size), not the followees'
// whole history. A non-zero since bounds both sources from below, which
// turns each range scan into a few index entries (see Feed). SQLite has no
// LATERAL: it reads the same through user_id IN (…), which is correct and
// fine for the embedded mode.
func feedSQL(postgres bool, c *cursor, since time.Time, limit int) (string, []any) {
	args := []any{0}
	rBound := sourceBound(srcReview, "r", c, since, &args)
	lBound := sourceBound(srcLike, "l", c, since, &args)
	args = append(args, limit)
	lim := fmt.Sprintf("$%d", len(args))
	visible := `r.deleted_at IS NULL AND r.hidden = FALSE
		AND EXISTS (SELECT 1 FROM contents ct WHERE ct.id = r.content_id AND ct.deleted_at IS NULL)`
	reviewsOf := `SELECT 'r' AS src, r.id, r.created_at FROM reviews r
		WHERE r.user_id %s AND ` + rBound + ` AND ` + visible + `
		ORDER BY r.created_at DESC, r.id DESC LIMIT ` + lim
	likesOf := `SELECT 'l' AS src, l.id, l.created_at FROM review_likes l JOIN reviews r ON r.id = l.review_id
		WHERE l.user_id %s AND ` + lBound + ` AND ` + visible + `
		AND r.user_id NOT IN (SELECT uid FROM hide)
		ORDER BY l.created_at DESC, l.id DESC LIMIT ` + lim
	var events string
	if postgres {
		events = fmt.Sprintf(`SELECT x.* FROM f CROSS JOIN LATERAL (%s) x
			UNION ALL SELECT y.* FROM f CROSS JOIN LATERAL (%s) y`,
			fmt.Sprintf(reviewsOf, "= f.uid"), fmt.Sprintf(likesOf, "= f.uid"))
	} else {
		in := "IN (SELECT uid FROM f)"
		events = fmt.Sprintf(`SELECT * FROM (%s) UNION ALL SELECT * FROM (%s)`,
			fmt.Sprintf(reviewsOf, in), fmt.Sprintf(likesOf, in))
	}
	q := `WITH hide AS (SELECT blocked_id AS uid FROM blocks WHERE blocker_id = $1
			UNION SELECT blocker_id FROM blocks WHERE blocked_id = $1),
		f AS (SELECT fo.followee_id AS uid FROM follows fo JOIN users u ON u.id = fo.followee_id
			WHERE fo.follower_id = $1 AND fo.status = 'ACTIVE' AND u.deleted_at IS NULL
			AND fo.followee_id NOT IN (SELECT uid FROM hide))
		SELECT e.src, e.id FROM (` + events + `) e
		ORDER BY e.created_at DESC, e.src DESC, e.id DESC LIMIT ` + lim
	if !postgres {
		q = strings.ReplaceAll(q, "TRUE", "1")
	}
	return q, args
}

// Feed returns a page of the caller's feed: reviews, ratings and likes of
// the people they follow (approved follows), newest first. Hidden and
// deleted reviews, reviews of deleted contents and anything by or about
// someone blocked either way are left out.
func (s *Service) Feed(ctx context.Context, me int, raw string, size int) (Feed, error) {
	c, err := decodeCursor(raw, srcReview, srcLike)
	if err != nil {
		return Feed{}, err
	}
	// Recent windows first: when a window before the cursor (or now) holds
	// a full page, that page is the true one, and each followee's range
	// scan reads a few entries instead of a page. Otherwise widen, and at
	// last read without a window.
	ref := time.Now().UTC()
	if c != nil {
		ref = c.Time
	}
	var keys []feedKey
	for _, w := range feedWindows(s.postgres) {
		since := time.Time{}
		if w > 0 {
			since = ref.Add(-w)
		}
		if keys, err = s.feedKeys(ctx, me, c, since, size+1); err != nil {
			return Feed{}, err
		}
		if len(keys) > size {
			break
		}
	}
	more := len(keys) > size
	if more {
		keys = keys[:size]
	}
	items, last, err := s.loadFeed(ctx, me, keys)
	if err != nil {
		return Feed{}, err
	}
	f := Feed{Items: items}
	if more && last.ID != 0 {
		f.NextCursor = last.encode()
	}
	return f, nil
}

// feedWindows are the windows Feed tries, the last one (0) unbounded. On
// SQLite, without LATERAL, a window saves nothing.
func feedWindows(postgres bool) []time.Duration {
	if !postgres {
		return []time.Duration{0}
	}
	return []time.Duration{6 * time.Hour, 7 * 24 * time.Hour, 0}
}

// feedKeys reads the keys of one feed page.
func (s *Service) feedKeys(ctx context.Context, me int, c *cursor, since time.Time, limit int) ([]feedKey, error) {
	q, args := feedSQL(s.postgres, c, since, limit)
	args[0] = me
	rows, err := s.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	defer rows.Close()
	var keys []feedKey
	for rows.Next() {
		var k feedKey
		if err := rows.Scan(&k.src, &k.id); err != nil {
			return nil, fmt.Errorf("social: feed: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	return keys, nil
}

// loadFeed turns a page of keys into feed items, in order, and returns the
// cursor of the last key.
func (s *Service) loadFeed(ctx context.Context, me int, keys []feedKey) ([]FeedItem, cursor, error) {
	var reviewIDs, likeIDs []int
	for _, k := range keys {
		if k.src == srcReview {
			reviewIDs = append(reviewIDs, k.id)
		} else {
			likeIDs = append(likeIDs, k.id)
		}
	}
	likes, err := s.db.ReviewLike.Query().Where(reviewlike.IDIn(likeIDs...)).All(ctx)
	if err != nil {
		return nil, cursor{}, fmt.Errorf("social: feed likes: %w", err)
	}
	likeByID := make(map[int]*ent.ReviewLike, len(likes))
	actorIDs := []int{}
	for _, l := range likes {
		likeByID[l.ID] = l
		reviewIDs = append(reviewIDs, l.ReviewID)
		actorIDs = append(actorIDs, l.UserID)
	}
	revs, err := s.reviews.Visible(ctx, reviews.Viewer{ID: me}, reviewIDs)
	if err != nil {
		return nil, cursor{}, err
	}
	for _, r := range revs {
		if r.Author.ID != nil {
			actorIDs = append(actorIDs, *r.Author.ID)
		}
	}
	actors, err := s.db.User.Query().Where(user.IDIn(actorIDs...)).All(ctx)
	if err != nil {
		return nil, cursor{}, fmt.Errorf("social: feed actors: %w", err)
	}
	actorByID := make(map[int]Actor, len(actors))
	for _, u := range actors {
		actorByID[u.ID] = Actor{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
	}
	items := make([]FeedItem, 0, len(keys))
	var last cursor
	for _, k := range keys {
		var it FeedItem
		if k.src == srcReview {
			r, ok := revs[k.id]
			if !ok || r.Author.ID == nil {
				continue // gone between the two queries
			}
			it = FeedItem{Kind: KindReview, CreatedAt: r.CreatedAt, Review: r, Actor: actorByID[*r.Author.ID]}
			if strings.TrimSpace(r.Body) == "" {
				it.Kind = KindRating
			}
		} else {
			l := likeByID[k.id]
			if l == nil {
				continue
			}
			r, ok := revs[l.ReviewID]
			a, okA := actorByID[l.UserID]
			if !ok || !okA {
				continue
			}
			it = FeedItem{Kind: KindLike, CreatedAt: l.CreatedAt.UTC(), Actor: a, Review: r}
		}
		items = append(items, it)
		last = cursor{Time: it.CreatedAt, Kind: k.src, ID: k.id}
	}
	return items, last, nil
}
