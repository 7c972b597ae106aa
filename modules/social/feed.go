package social

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/social/inbox"
)

// Feed event kinds. The set is open: clients show the kinds they know and
// skip the others, so a new kind (e.g. list updates) is not a breaking
// change.
const (
	KindReview = "REVIEW" // a review with text
	KindRating = "RATING" // a rating without text
	KindLike   = "LIKE"   // a like of a review
	KindList   = "LIST"   // a public list created or changed
)

// Actor is who did what a feed item tells.
type Actor struct {
	ID        int    `json:"id" example:"42"`
	Nickname  string `json:"nickname" example:"ada"`
	AvatarURL string `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
}

// FeedItem is one event of the feed: someone the caller follows did
// something. Kind says what; the object it is about is in the field of its
// kind (review for REVIEW, RATING and LIKE), so a new kind adds a field
// and leaves the others as they are.
type FeedItem struct {
	Kind      string          `json:"kind" example:"REVIEW" doc:"What happened; an open set that grows, clients skip kinds they do not know. REVIEW: the actor reviewed a title (review); RATING: the actor rated a title without text (review); LIKE: the actor liked a review (review); LIST: the actor created or changed a public list, shown once at its last change (list)."`
	CreatedAt time.Time       `json:"created_at" example:"2026-11-25T12:00:00Z"`
	Actor     Actor           `json:"actor"`
	Review    *reviews.Review `json:"review,omitempty" doc:"The review of a REVIEW, RATING or LIKE event."`
	List      *lists.List     `json:"list,omitempty" doc:"The list of a LIST event."`
}

// Feed is a keyset page of the feed.
type Feed struct {
	Items      []FeedItem `json:"items"`
	NextCursor *string    `json:"next_cursor" example:"eyJ0IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJrIjoiciIsImkiOjd9" doc:"The cursor of the next page, null on the last."`
}

// Event sources, in the cursor and in the inbox: "r" reviews, "l" likes,
// "t" lists. A new event kind adds a source to package inbox, a case in
// loadFeed and a new optional field of FeedItem.
const (
	srcReview = inbox.Review
	srcLike   = inbox.Like
	srcList   = inbox.List
)

func feedSrcs() []string { return []string{srcReview, srcLike, srcList} }

// feedSQL selects the keys and actors of the next limit entries after
// cursor c of the caller's ($1) inbox, in the feed's order (created_at
// DESC, src DESC, id DESC): one backward range of the (recipient_id,
// created_at, src, event_id) index, whatever the number of people
// followed, with the liked review of each like (a left join on the likes'
// primary key, which cannot drop rows, so the plan stays that range
// whatever the statistics say). The actors are checked afterwards
// (followedActors) and the events' visibility after that (loadFeed), on
// the page's keys.
func feedSQL(c *cursor, limit int) (string, []any) {
	args := []any{0}
	bound := ""
	if c != nil {
		args = append(args, c.Time, c.Kind, c.ID)
		// created_at stays an index bound; the tie goes to src and id.
		bound = ` AND e.created_at <= $2 AND (e.created_at < $2 OR e.src < $3 OR e.src = $3 AND e.event_id < $4)`
	}
	args = append(args, limit)
	return `SELECT e.src, e.event_id, e.created_at, e.actor_id, l.review_id FROM feed_entries e
		LEFT JOIN review_likes l ON e.src = '` + srcLike + `' AND l.id = e.event_id WHERE e.recipient_id = $1` + bound +
		` ORDER BY e.created_at DESC, e.src DESC, e.event_id DESC LIMIT ` + fmt.Sprintf("$%d", len(args)), args
}

// Feed returns a page of the caller's feed: reviews, ratings and likes of
// the people they follow (approved follows), newest first. Hidden and
// deleted reviews, reviews of deleted contents and anything by or about
// someone blocked either way are left out.
func (s *Service) Feed(ctx context.Context, me int, raw string, size int) (Feed, error) {
	c, err := decodeCursor(raw, feedSrcs()...)
	if err != nil {
		return Feed{}, err
	}
	// Candidates come in batches a little larger than the page, as a few
	// may not be shown; the next batch starts after the last candidate.
	batch := size + 1 + size/4
	var items []feedEntry
	for after := c; len(items) <= size; {
		keys, err := s.feedKeys(ctx, me, after, batch)
		if err != nil {
			return Feed{}, err
		}
		followed, err := s.followedActors(ctx, me, keys)
		if err != nil {
			return Feed{}, err
		}
		page, err := s.loadFeed(ctx, me, keys, followed)
		if err != nil {
			return Feed{}, err
		}
		items = append(items, page...)
		if len(keys) < batch {
			break // no more events
		}
		after = &keys[len(keys)-1].key
	}
	f := Feed{Items: make([]FeedItem, 0, min(len(items), size))}
	for i, it := range items {
		if i == size {
			f.NextCursor = items[i-1].key.encode()
			break
		}
		f.Items = append(f.Items, it.FeedItem)
	}
	return f, nil
}

// feedKey is an inbox entry of a page: its key in the feed's order, its
// actor and, for a like still there, the liked review.
type feedKey struct {
	key         cursor
	actor       int
	likedReview int
}

// feedKeys reads the next limit entries after c (feedSQL).
func (s *Service) feedKeys(ctx context.Context, me int, c *cursor, limit int) ([]feedKey, error) {
	q, args := feedSQL(c, limit)
	args[0] = me
	rows, err := s.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	defer rows.Close()
	var keys []feedKey
	for rows.Next() {
		var k feedKey
		var at any
		var liked sql.NullInt64
		if err := rows.Scan(&k.key.Kind, &k.key.ID, &at, &k.actor, &liked); err != nil {
			return nil, fmt.Errorf("social: feed: %w", err)
		}
		if k.key.Time, err = timeOf(at); err != nil {
			return nil, fmt.Errorf("social: feed: %w", err)
		}
		k.likedReview = int(liked.Int64)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	return keys, nil
}

// followedActors returns the actors of keys me follows now, as shown in
// the feed: an approved follow of a live account, no block either way; one
// query on the unique indexes of follows, users and blocks. An entry whose actor is not (an
// account deleted since, a follow row a block left behind) is not shown,
// so nothing waits for the inbox to catch up.
func (s *Service) followedActors(ctx context.Context, me int, keys []feedKey) (map[int]Actor, error) {
	out := map[int]Actor{}
	if len(keys) == 0 {
		return out, nil
	}
	args := []any{me}
	marks := make([]string, 0, len(keys))
	seen := make(map[int]bool, len(keys))
	for _, k := range keys {
		if !seen[k.actor] {
			seen[k.actor] = true
			args = append(args, k.actor)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
	}
	// Only the generated placeholders ($2, $3, …) are concatenated; the
	// values go as arguments.
	//nolint:gosec // G202: placeholders only
	rows, err := s.sql.QueryContext(ctx, `SELECT u.id, u.nickname, u.avatar_url FROM follows fo JOIN users u ON u.id = fo.followee_id
		WHERE fo.follower_id = $1 AND fo.followee_id IN (`+strings.Join(marks, ", ")+`)
		AND fo.status = 'ACTIVE' AND u.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = fo.followee_id
			OR b.blocker_id = fo.followee_id AND b.blocked_id = $1)`, args...)
	if err != nil {
		return nil, fmt.Errorf("social: feed follows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Actor
		if err := rows.Scan(&a.ID, &a.Nickname, &a.AvatarURL); err != nil {
			return nil, fmt.Errorf("social: feed follows: %w", err)
		}
		out[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("social: feed follows: %w", err)
	}
	return out, nil
}

// timeOf reads a created_at of the feed's union: a time on PostgreSQL, the
// stored text on SQLite (a union's column has no declared type there).
func timeOf(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("created_at %v (%T)", v, v)
}

// feedEntry is a feed item and its key in the feed's order.
type feedEntry struct {
	FeedItem
	key cursor
}

// loadFeed turns a batch of entries into the feed items the caller may
// see, in order: the actor must be one of actors (followed now), a review
// visible to the caller (not deleted, of a live title, by no one blocked
// either way) and not hidden, even from its author (a like of the caller's
// own hidden review), a list public.
func (s *Service) loadFeed(ctx context.Context, me int, keys []feedKey, actors map[int]Actor) ([]feedEntry, error) {
	var reviewIDs, listIDs []int
	for _, k := range keys {
		if _, ok := actors[k.actor]; !ok {
			continue
		}
		switch k.key.Kind {
		case srcReview:
			reviewIDs = append(reviewIDs, k.key.ID)
		case srcLike:
			if k.likedReview != 0 {
				reviewIDs = append(reviewIDs, k.likedReview)
			}
		case srcList:
			listIDs = append(listIDs, k.key.ID)
		}
	}
	shownLists, err := s.lists.Public(ctx, listIDs)
	if err != nil {
		return nil, err
	}
	var revs map[int]reviews.Review
	if len(reviewIDs) > 0 {
		if revs, err = s.reviews.Visible(ctx, reviews.Viewer{ID: me}, reviewIDs); err != nil {
			return nil, err
		}
	}
	items := make([]feedEntry, 0, len(keys))
	for _, k := range keys {
		a, followed := actors[k.actor]
		if !followed {
			continue
		}
		var it FeedItem
		switch k.key.Kind {
		case srcList:
			l, ok := shownLists[k.key.ID]
			if !ok || l.Owner.ID != k.actor {
				continue // made private, deleted or its owner gone since
			}
			it = FeedItem{Kind: KindList, CreatedAt: l.UpdatedAt, Actor: a, List: &l}
		case srcReview:
			r, ok := revs[k.key.ID]
			if !ok || r.Hidden || r.Author.ID == nil || *r.Author.ID != k.actor {
				continue
			}
			it = FeedItem{Kind: KindReview, CreatedAt: r.CreatedAt, Review: &r, Actor: a}
			if strings.TrimSpace(r.Body) == "" {
				it.Kind = KindRating
			}
		case srcLike:
			r, ok := revs[k.likedReview]
			if k.likedReview == 0 || !ok || r.Hidden {
				continue // unliked since, or the review is not to be shown
			}
			it = FeedItem{Kind: KindLike, CreatedAt: k.key.Time, Actor: a, Review: &r}
		default:
			continue
		}
		items = append(items, feedEntry{FeedItem: it, key: k.key})
	}
	return items, nil
}
