package contents

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
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/bookmark"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/review"
)

// Service holds the catalog's business rules.
type Service struct {
	db       *ent.Client
	postgres bool
	cache    *detailCache
	watches  Watches
}

// Watches tells when a user last watched contents. The diary module
// implements it; without it, callers get no watched state.
type Watches interface {
	// LastWatched maps those of contentIDs that userID watched to the
	// latest day watched.
	LastWatched(ctx context.Context, userID int, contentIDs []int) (map[int]time.Time, error)
}

type watchesParams struct {
	fx.In
	Watches Watches `optional:"true"`
}

// useWatches hands the service the diary's Watches when the diary module
// is part of the app (an invoke, so the constructor stays as it is).
func useWatches(s *Service, p watchesParams) { s.watches = p.Watches }

// NewService returns the catalog service.
func NewService(db *database.DB, rdb *cache.Redis, c config.Contents) *Service {
	return &Service{db: db.Ent, postgres: db.Postgres(), cache: newDetailCache(rdb, c)}
}

// listenForInvalidations keeps this process's local detail cache in step
// with the other replicas' writes while the app runs.
func listenForInvalidations(lc fx.Lifecycle, s *Service, log *zap.Logger) {
	s.cache.listen(lc, log)
}

// Sort orders of content lists and the field each sorts by.
var sortFields = map[string]func(...sql.OrderTermOption) content.OrderOption{
	"popularity":   content.ByPopularity,
	"rating":       content.ByAvgRating,
	"release_date": content.ByReleaseDate,
	"title":        content.ByTitle,
	"review_count": content.ByReviewCount,
	"created_at":   content.ByCreatedAt,
}

// Filter selects and orders contents.
type Filter struct {
	Query     string // substring of title or original title, case-insensitive; % and _ literal
	Type      string
	GenreIDs  []int // contents having all of these genres
	YearFrom  int
	YearTo    int
	MinRating float64
	Sort      string // a key of sortFields
	Desc      bool
	server.PageParams
}

// List returns one page of live contents matching f, with their genres, and
// the total count. Ties are broken by id in the same direction, so pages
// never repeat or skip an item. viewer (0 for anonymous) gets its own state.
func (s *Service) List(ctx context.Context, f Filter, viewer int) ([]ContentSummary, int, error) {
	p, err := s.page(ctx, f, viewer)
	return p.items, p.total, err
}

// page is List with the encoding of the answer.
func (s *Service) page(ctx context.Context, f Filter, viewer int) (listPage, error) {
	pub, err := s.publicPage(ctx, f)
	if err != nil || viewer == 0 {
		return pub, err
	}
	// The caller's state goes on a copy: the cached items stay public.
	items := slices.Clone(pub.items)
	if err := s.addViewerState(ctx, viewer, items); err != nil {
		return listPage{}, err
	}
	return newListPage(items, f.PageParams, pub.total)
}

// publicPage returns the part of a page that is the same for every caller:
// from this process's memory when fresh, else from the database.
func (s *Service) publicPage(ctx context.Context, f Filter) (listPage, error) {
	key := listKey(f)
	if p, ok := s.cache.lists.get(key); ok {
		return p, nil
	}
	gen := s.cache.lists.gen()
	items, total, err := s.query(ctx, f)
	if err != nil {
		return listPage{}, err
	}
	p, err := newListPage(items, f.PageParams, total)
	if err != nil {
		return listPage{}, err
	}
	s.cache.lists.keep(key, gen, p)
	return p, nil
}

// query reads one page of f and its total.
func (s *Service) query(ctx context.Context, f Filter) ([]ContentSummary, int, error) {
	q := s.db.Content.Query()
	if f.Query != "" {
		q = q.Where(content.Or(content.TitleContainsFold(f.Query), content.OriginalTitleContainsFold(f.Query)))
	}
	if f.Type != "" {
		q = q.Where(content.TypeEQ(content.Type(f.Type)))
	}
	for _, g := range f.GenreIDs {
		q = q.Where(content.HasGenresWith(genre.ID(g)))
	}
	if f.YearFrom > 0 {
		q = q.Where(content.ReleaseDateGTE(time.Date(f.YearFrom, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	if f.YearTo > 0 {
		q = q.Where(content.ReleaseDateLT(time.Date(f.YearTo+1, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	if f.MinRating > 0 {
		q = q.Where(content.AvgRatingGTE(f.MinRating))
	}
	total, err := s.total(ctx, f, q.Clone().Count)
	if err != nil {
		return nil, 0, fmt.Errorf("contents: count: %w", err)
	}
	dir := sql.OrderAsc()
	if f.Desc {
		dir = sql.OrderDesc()
	}
	// NULLS LAST only where a NULL can be: on the NOT NULL sort keys it would
	// keep PostgreSQL from walking their (key, id) index backwards.
	opts := []sql.OrderTermOption{dir}
	if f.Sort == "release_date" {
		opts = append(opts, sql.OrderNullsLast())
	}
	rows, err := q.
		Order(sortFields[f.Sort](opts...), content.ByID(dir)).
		WithGenres(func(gq *ent.GenreQuery) { gq.Order(ent.Asc(genre.FieldName)) }).
		Offset(f.Offset()).Limit(f.Size).All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("contents: list: %w", err)
	}
	out := make([]ContentSummary, len(rows))
	for i, c := range rows {
		out[i] = summaryFromEnt(c)
	}
	return out, total, nil
}

// addViewerState sets bookmarked, my_rating and the watched state for
// viewer in three queries,
// whatever the number of items.
func (s *Service) addViewerState(ctx context.Context, viewer int, items []ContentSummary) error {
	if viewer == 0 || len(items) == 0 {
		return nil
	}
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	marks, err := s.db.Bookmark.Query().Where(bookmark.UserID(viewer), bookmark.ContentIDIn(ids...)).
		Select(bookmark.FieldContentID).Ints(ctx)
	if err != nil {
		return fmt.Errorf("contents: viewer bookmarks: %w", err)
	}
	var ratings []struct {
		ContentID int `json:"content_id"`
		Rating    int `json:"rating"`
	}
	err = s.db.Review.Query().Where(review.UserID(viewer), review.ContentIDIn(ids...)).
		Select(review.FieldContentID, review.FieldRating).Scan(ctx, &ratings)
	if err != nil {
		return fmt.Errorf("contents: viewer ratings: %w", err)
	}
	marked := make(map[int]bool, len(marks))
	for _, id := range marks {
		marked[id] = true
	}
	rated := make(map[int]int, len(ratings))
	for _, r := range ratings {
		rated[r.ContentID] = r.Rating
	}
	for i := range items {
		b := marked[items[i].ID]
		items[i].Bookmarked = &b
		if r, ok := rated[items[i].ID]; ok {
			items[i].MyRating = &r
		}
	}
	return s.addWatched(ctx, viewer, ids, items)
}

// addWatched sets watched and last_watched_on from the diary, in one query.
func (s *Service) addWatched(ctx context.Context, viewer int, ids []int, items []ContentSummary) error {
	if s.watches == nil {
		return nil
	}
	last, err := s.watches.LastWatched(ctx, viewer, ids)
	if err != nil {
		return err
	}
	for i := range items {
		d, ok := last[items[i].ID]
		items[i].Watched = &ok
		if ok {
			items[i].LastWatchedOn = dateString(&d)
		}
	}
	return nil
}

// Get returns a live content's detail, from the cache when it is fresh.
// ErrNotFound for unknown and deleted ids.
func (s *Service) Get(ctx context.Context, id, viewer int) (ContentDetail, error) {
	v, err := s.detail(ctx, id, viewer)
	return v.detail, err
}

// view is a detail as one caller sees it, with its JSON encoding and ETag.
// The anonymous view is encoded once per cache fill, not per request.
type view struct {
	detail  ContentDetail
	encoded []byte
	etag    string
}

func newView(d ContentDetail) (view, error) {
	b, etag, err := server.Encode(d)
	return view{detail: d, encoded: b, etag: etag}, err
}

// detail is Get with the encoding of the answer.
func (s *Service) detail(ctx context.Context, id, viewer int) (view, error) {
	pub, err := s.public(ctx, id)
	if err != nil || viewer == 0 {
		return pub, err
	}
	out := pub.detail
	items := []ContentSummary{out.ContentSummary}
	if err := s.addViewerState(ctx, viewer, items); err != nil {
		return view{}, err
	}
	out.ContentSummary = items[0]
	return newView(out)
}

// public returns the part of a detail that is the same for every caller:
// from this process's memory, else from Redis, else from the database.
func (s *Service) public(ctx context.Context, id int) (view, error) {
	if v, ok := s.cache.fromLocal(id); ok {
		return v, nil
	}
	gen := s.cache.generation.Load()
	d, stamp := s.cache.get(ctx, id)
	if d == nil {
		c, err := s.db.Content.Query().Where(content.ID(id)).
			WithGenres(func(gq *ent.GenreQuery) { gq.Order(ent.Asc(genre.FieldName)) }).Only(ctx)
		if ent.IsNotFound(err) {
			return view{}, ErrNotFound.WithMessage("content %d not found", id)
		}
		if err != nil {
			return view{}, fmt.Errorf("contents: get: %w", err)
		}
		fresh := detailFromEnt(c)
		s.cache.set(ctx, id, stamp, fresh)
		d = &fresh
	}
	return s.cache.keep(id, gen, *d)
}

// Input is a content written by an admin; nil fields are left as they are
// (on create: empty).
type Input struct {
	Type             *string
	Title            *string
	OriginalTitle    *string
	Overview         *string
	ReleaseDate      *string // YYYY-MM-DD, "" to clear
	RuntimeMinutes   *int
	OriginalLanguage *string
	PosterURL        *string
	BackdropURL      *string
	TmdbID           *int64
	Popularity       *float64
	GenreIDs         *[]int
}

type contentMutation interface {
	SetTitle(string)
	SetOriginalTitle(string)
	SetOverview(string)
	SetReleaseDate(time.Time)
	ClearReleaseDate()
	SetRuntimeMinutes(int)
	SetOriginalLanguage(string)
	SetPosterURL(string)
	SetBackdropURL(string)
	SetTmdbID(int64)
	SetPopularity(float64)
}

// apply validates in and copies it onto m; it returns the genre ids to set.
func apply(m contentMutation, in Input) error {
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if n := utf8.RuneCountInString(t); n < 1 || n > 300 {
			return apperr.Validation("title", "must be 1 to 300 characters long")
		}
		m.SetTitle(t)
	}
	if in.OriginalTitle != nil {
		m.SetOriginalTitle(strings.TrimSpace(*in.OriginalTitle))
	}
	if in.Overview != nil {
		m.SetOverview(*in.Overview)
	}
	if in.ReleaseDate != nil {
		if *in.ReleaseDate == "" {
			m.ClearReleaseDate()
		} else {
			d, err := time.Parse(time.DateOnly, *in.ReleaseDate)
			if err != nil {
				return apperr.Validation("release_date", "must be a date such as 1999-10-15")
			}
			m.SetReleaseDate(d)
		}
	}
	if in.RuntimeMinutes != nil {
		m.SetRuntimeMinutes(*in.RuntimeMinutes)
	}
	if in.OriginalLanguage != nil {
		m.SetOriginalLanguage(*in.OriginalLanguage)
	}
	for field, v := range map[string]*string{"poster_url": in.PosterURL, "backdrop_url": in.BackdropURL} {
		if v != nil && *v != "" && !strings.HasPrefix(*v, "https://") {
			return apperr.Validation(field, "must be an https URL or empty")
		}
	}
	if in.PosterURL != nil {
		m.SetPosterURL(*in.PosterURL)
	}
	if in.BackdropURL != nil {
		m.SetBackdropURL(*in.BackdropURL)
	}
	if in.TmdbID != nil {
		m.SetTmdbID(*in.TmdbID)
	}
	if in.Popularity != nil {
		m.SetPopularity(*in.Popularity)
	}
	return nil
}

// checkGenres verifies the genre ids exist and fit the content type.
func (s *Service) checkGenres(ctx context.Context, typ string, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := s.db.Genre.Query().Where(genre.IDIn(ids...), genre.TypeEQ(genre.Type(typ))).Count(ctx)
	if err != nil {
		return fmt.Errorf("contents: genres: %w", err)
	}
	if n != len(uniq(ids)) {
		return apperr.Validation("genre_ids", "must be ids of existing "+typ+" genres")
	}
	return nil
}

func uniq(ids []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Create adds a content by hand. Errors: VALIDATION_FAILED, ErrTmdbIDTaken.
func (s *Service) Create(ctx context.Context, in Input) (ContentDetail, error) {
	if in.Type == nil || in.Title == nil {
		return ContentDetail{}, apperr.Validation("title", "type and title are required")
	}
	c := s.db.Content.Create().SetType(content.Type(*in.Type))
	if err := apply(c.Mutation(), in); err != nil {
		return ContentDetail{}, err
	}
	if in.GenreIDs != nil {
		if err := s.checkGenres(ctx, *in.Type, *in.GenreIDs); err != nil {
			return ContentDetail{}, err
		}
		c.AddGenreIDs(uniq(*in.GenreIDs)...)
	}
	row, err := c.Save(ctx)
	if sqlgraph.IsUniqueConstraintError(err) {
		return ContentDetail{}, ErrTmdbIDTaken
	}
	if err != nil {
		return ContentDetail{}, fmt.Errorf("contents: create: %w", err)
	}
	s.catalogChanged(ctx)
	return s.Get(ctx, row.ID, 0)
}

// Update changes a live content. Errors: ErrNotFound, VALIDATION_FAILED,
// ErrTmdbIDTaken.
func (s *Service) Update(ctx context.Context, id int, in Input) (ContentDetail, error) {
	cur, err := s.db.Content.Get(ctx, id)
	if ent.IsNotFound(err) {
		return ContentDetail{}, ErrNotFound.WithMessage("content %d not found", id)
	}
	if err != nil {
		return ContentDetail{}, fmt.Errorf("contents: update: %w", err)
	}
	if in.Type != nil && *in.Type != string(cur.Type) {
		return ContentDetail{}, apperr.Validation("type", "cannot be changed")
	}
	u := s.db.Content.UpdateOne(cur)
	if err := apply(u.Mutation(), in); err != nil {
		return ContentDetail{}, err
	}
	if in.GenreIDs != nil {
		if err := s.checkGenres(ctx, string(cur.Type), *in.GenreIDs); err != nil {
			return ContentDetail{}, err
		}
		u.ClearGenres().AddGenreIDs(uniq(*in.GenreIDs)...)
	}
	err = u.Exec(ctx)
	if sqlgraph.IsUniqueConstraintError(err) {
		return ContentDetail{}, ErrTmdbIDTaken
	}
	if err != nil {
		return ContentDetail{}, fmt.Errorf("contents: update: %w", err)
	}
	s.cache.invalidate(ctx, id)
	s.catalogChanged(ctx) // title, date or genres may move it into or out of a filter
	return s.Get(ctx, id, 0)
}

// Delete soft-deletes a content: it leaves lists, search and counts; its
// reviews and bookmarks stay in the database.
func (s *Service) Delete(ctx context.Context, id int) error {
	err := s.db.Content.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return ErrNotFound.WithMessage("content %d not found", id)
	}
	if err != nil {
		return fmt.Errorf("contents: delete: %w", err)
	}
	s.cache.invalidate(ctx, id)
	s.catalogChanged(ctx)
	return nil
}

// ReviewChange is one review write as the aggregates see it: the rating
// before (0 when the review did not count) and after (0 when it no longer
// counts).
type ReviewChange struct {
	OldRating int
	NewRating int
}

// ApplyReview updates a content's avg_rating, rating_count, rating_sum,
// histogram and review_count inside the caller's transaction, with the row
// locked, so the numbers stay exact under concurrent writes. The cached
// detail is invalidated when tx commits. ErrNotFound for a deleted content.
func (s *Service) ApplyReview(ctx context.Context, tx *ent.Tx, contentID int, ch ReviewChange) error {
	q := tx.Content.Query().Where(content.ID(contentID))
	var (
		c   *ent.Content
		err error
	)
	if s.postgres {
		// FOR NO KEY UPDATE, not FOR UPDATE: inserting a review takes a KEY
		// SHARE lock on its content (the foreign key), which FOR UPDATE would
		// wait on, deadlocking two concurrent reviews of one content.
		c, err = q.Modify(func(sel *sql.Selector) { sel.For(sql.LockNoKeyUpdate) }).Only(ctx)
	} else {
		c, err = q.Only(ctx) // SQLite transactions are serialized already
	}
	if ent.IsNotFound(err) {
		return ErrNotFound.WithMessage("content %d not found", contentID)
	}
	if err != nil {
		return fmt.Errorf("contents: lock content: %w", err)
	}
	hist := make([]int, 10)
	copy(hist, c.RatingHistogram)
	count, sum, reviews := c.RatingCount, c.RatingSum, c.ReviewCount
	if ch.OldRating >= 1 && ch.OldRating <= 10 {
		hist[ch.OldRating-1]--
		count--
		sum -= int64(ch.OldRating)
		reviews--
	}
	if ch.NewRating >= 1 && ch.NewRating <= 10 {
		hist[ch.NewRating-1]++
		count++
		sum += int64(ch.NewRating)
		reviews++
	}
	avg := 0.0
	if count > 0 {
		avg = float64(sum) / float64(count)
	}
	err = tx.Content.UpdateOne(c).SetRatingHistogram(hist).SetRatingCount(count).SetRatingSum(sum).
		SetReviewCount(reviews).SetAvgRating(avg).Exec(ctx)
	if err != nil {
		return fmt.Errorf("contents: update aggregates: %w", err)
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
	return nil
}
