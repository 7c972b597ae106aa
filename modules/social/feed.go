package social

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/reviewlike"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/lists"
	"github.com/reelview/reelview/modules/reviews"
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

// feedSource is one table of feed events: rows by an actor (user_id) with
// an index on (user_id, at, id), which the feed reads per followee with a
// range scan (index-only when there is no where). Src names the source in
// the cursor and orders events of the same instant. A new event kind adds
// a source here and its case in loadFeed.
type feedSource struct {
	src, table string
	at         string // the event's time column
	where      string // rows that are events at all, or ""
}

// Event sources, in the cursor: "r" reviews, "l" likes, "t" lists.
const (
	srcReview = "r"
	srcLike   = "l"
	srcList   = "t"
)

var feedSources = []feedSource{
	{src: srcReview, table: "reviews", at: "created_at"},
	{src: srcLike, table: "review_likes", at: "created_at"},
	// A list is one event at its last change; the partial index on
	// (user_id, updated_at, id) of live lists serves it.
	{src: srcList, table: "lists", at: "updated_at", where: "e.deleted_at IS NULL AND e.visibility = 'PUBLIC'"},
}

func feedSrcs() []string {
	s := make([]string, len(feedSources))
	for i, f := range feedSources {
		s[i] = f.src
	}
	return s
}

// sourceBound is the keyset condition of one event source given the
// cursor (t, k, i) of the order (created_at DESC, source DESC, id DESC):
// created_at stays an index bound and the tie goes to the source and id.
func sourceBound(src, at string, c *cursor, since time.Time, args *[]any) string {
	if !since.IsZero() {
		*args = append(*args, since)
		return fmt.Sprintf("%s > $%d AND %s", at, len(*args), sourceBound(src, at, c, time.Time{}, args))
	}
	if c == nil {
		return "TRUE"
	}
	*args = append(*args, c.Time)
	t := fmt.Sprintf("$%d", len(*args))
	switch {
	case src < c.Kind:
		return fmt.Sprintf("%s <= %s", at, t)
	case src > c.Kind:
		return fmt.Sprintf("%s < %s", at, t)
	}
	*args = append(*args, c.ID)
	return fmt.Sprintf("%[1]s <= %[2]s AND (%[1]s < %[2]s OR e.id < $%[3]d)", at, t, len(*args))
}

// feedSQL selects the keys of the newest events after cursor c of the
// people the caller ($1) follows: approved follows of live accounts, no
// one blocked either way. It reads keys only: each source per followee
// with an index-only range scan of (user_id, created_at, id) limited to
// limit rows — on PostgreSQL by a LATERAL join, so the cost is (followees ×
// sources) index probes, not the followees' whole history — and merges
// them. Whether an event may be shown (hidden or deleted reviews, deleted
// titles, likes of a blocked person's review) is checked afterwards on the
// few keys of the page (loadFeed), not on every candidate. A non-zero
// since bounds the scans from below, which leaves a few index entries per
// followee (see feedCandidates). SQLite has no LATERAL: it reads the same
// through user_id IN (…), which is correct and fine for the embedded mode.
func feedSQL(postgres bool, c *cursor, since time.Time, limit int) (string, []any) {
	args := []any{0}
	var parts []string
	for _, s := range feedSources {
		at := "e." + s.at
		bound := sourceBound(s.src, at, c, since, &args)
		if s.where != "" {
			bound += " AND " + s.where
		}
		args = append(args, limit)
		of := `SELECT '` + s.src + `' AS src, e.id, ` + at + ` AS created_at FROM ` + s.table + ` e WHERE e.user_id %s AND ` + bound +
			fmt.Sprintf(` ORDER BY %[1]s DESC, e.id DESC LIMIT $%[2]d`, at, len(args))
		if postgres {
			parts = append(parts, `SELECT x.* FROM f CROSS JOIN LATERAL (`+fmt.Sprintf(of, "= f.uid")+`) x`)
		} else {
			parts = append(parts, `SELECT * FROM (`+fmt.Sprintf(of, "IN (SELECT uid FROM f)")+`)`)
		}
	}
	q := `WITH f AS (SELECT fo.followee_id AS uid FROM follows fo JOIN users u ON u.id = fo.followee_id
			WHERE fo.follower_id = $1 AND fo.status = 'ACTIVE' AND u.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = fo.followee_id
				OR b.blocker_id = fo.followee_id AND b.blocked_id = $1))
		SELECT ev.src, ev.id, ev.created_at FROM (` + strings.Join(parts, " UNION ALL ") + `) ev
		ORDER BY ev.created_at DESC, ev.src DESC, ev.id DESC LIMIT ` + fmt.Sprintf("$%d", len(args))
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
	c, err := decodeCursor(raw, feedSrcs()...)
	if err != nil {
		return Feed{}, err
	}
	// Candidates come in batches a little larger than the page, as a few
	// may not be shown; the next batch starts after the last candidate.
	batch := size + 1 + size/4
	var items []feedEntry
	for after := c; len(items) <= size; {
		keys, err := s.feedCandidates(ctx, me, after, batch)
		if err != nil {
			return Feed{}, err
		}
		page, err := s.loadFeed(ctx, me, keys)
		if err != nil {
			return Feed{}, err
		}
		items = append(items, page...)
		if len(keys) < batch {
			break // no more events
		}
		after = &keys[len(keys)-1]
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

// feedWindows are the windows feedCandidates tries, the last one (0)
// unbounded. On SQLite, without LATERAL, a window saves nothing.
func feedWindows(postgres bool) []time.Duration {
	if !postgres {
		return []time.Duration{0}
	}
	return []time.Duration{6 * time.Hour, 7 * 24 * time.Hour, 0}
}

// feedCandidates reads the keys of the next limit events after c. Recent
// windows first: when the window before the cursor (or now) holds limit
// events, they are the true ones, and each followee's range scan reads a
// few index entries instead of limit. Otherwise widen, and at last read
// without a window.
func (s *Service) feedCandidates(ctx context.Context, me int, c *cursor, limit int) ([]cursor, error) {
	ref := time.Now().UTC()
	if c != nil {
		ref = c.Time
	}
	var keys []cursor
	for _, w := range feedWindows(s.postgres) {
		since := time.Time{}
		if w > 0 {
			since = ref.Add(-w)
		}
		var err error
		if keys, err = s.feedKeys(ctx, me, c, since, limit); err != nil || len(keys) == limit {
			return keys, err
		}
	}
	return keys, nil
}

// feedKeys runs feedSQL.
func (s *Service) feedKeys(ctx context.Context, me int, c *cursor, since time.Time, limit int) ([]cursor, error) {
	q, args := feedSQL(s.postgres, c, since, limit)
	args[0] = me
	rows, err := s.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	defer rows.Close()
	var keys []cursor
	for rows.Next() {
		var k cursor
		var at any
		if err := rows.Scan(&k.Kind, &k.ID, &at); err != nil {
			return nil, fmt.Errorf("social: feed: %w", err)
		}
		if k.Time, err = timeOf(at); err != nil {
			return nil, fmt.Errorf("social: feed: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("social: feed: %w", err)
	}
	return keys, nil
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

// loadFeed turns candidate keys into the feed items the caller may see, in
// order: a review must be visible to the caller (not deleted, of a live
// title, by no one blocked either way) and not hidden, even from its
// author (a like of the caller's own hidden review).
func (s *Service) loadFeed(ctx context.Context, me int, keys []cursor) ([]feedEntry, error) {
	var reviewIDs, likeIDs, listIDs []int
	for _, k := range keys {
		switch k.Kind {
		case srcReview:
			reviewIDs = append(reviewIDs, k.ID)
		case srcLike:
			likeIDs = append(likeIDs, k.ID)
		case srcList:
			listIDs = append(listIDs, k.ID)
		}
	}
	shownLists, err := s.lists.Public(ctx, listIDs)
	if err != nil {
		return nil, err
	}
	likes, err := s.db.ReviewLike.Query().Where(reviewlike.IDIn(likeIDs...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("social: feed likes: %w", err)
	}
	likeByID := make(map[int]*ent.ReviewLike, len(likes))
	actorIDs := []int{}
	for _, l := range shownLists {
		actorIDs = append(actorIDs, l.Owner.ID)
	}
	for _, l := range likes {
		likeByID[l.ID] = l
		reviewIDs = append(reviewIDs, l.ReviewID)
		actorIDs = append(actorIDs, l.UserID)
	}
	revs, err := s.reviews.Visible(ctx, reviews.Viewer{ID: me}, reviewIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range revs {
		if r.Author.ID != nil {
			actorIDs = append(actorIDs, *r.Author.ID)
		}
	}
	actors, err := s.db.User.Query().Where(user.IDIn(actorIDs...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("social: feed actors: %w", err)
	}
	actorByID := make(map[int]Actor, len(actors))
	for _, u := range actors {
		actorByID[u.ID] = Actor{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
	}
	items := make([]feedEntry, 0, len(keys))
	for _, k := range keys {
		var it FeedItem
		switch k.Kind {
		case srcList:
			l, ok := shownLists[k.ID]
			a, okA := actorByID[l.Owner.ID]
			if !ok || !okA {
				continue // made private, deleted or its owner gone between the two queries
			}
			it = FeedItem{Kind: KindList, CreatedAt: l.UpdatedAt, Actor: a, List: &l}
		case srcReview:
			r, ok := revs[k.ID]
			if !ok || r.Hidden || r.Author.ID == nil {
				continue
			}
			it = FeedItem{Kind: KindReview, CreatedAt: r.CreatedAt, Review: &r, Actor: actorByID[*r.Author.ID]}
			if strings.TrimSpace(r.Body) == "" {
				it.Kind = KindRating
			}
		default:
			l := likeByID[k.ID]
			if l == nil {
				continue // unliked between the two queries
			}
			r, ok := revs[l.ReviewID]
			a, okA := actorByID[l.UserID]
			if !ok || r.Hidden || !okA {
				continue
			}
			it = FeedItem{Kind: KindLike, CreatedAt: l.CreatedAt.UTC(), Actor: a, Review: &r}
		}
		items = append(items, feedEntry{FeedItem: it, key: k})
	}
	return items, nil
}
