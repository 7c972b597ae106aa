package contents

import (
	"math"
	"time"

	"github.com/reelview/reelview/ent"
)

// GenreRef is a genre as listed on a content.
type GenreRef struct {
	ID   int    `json:"id" example:"18"`
	Name string `json:"name" example:"Drama"`
}

// ContentSummary is a content in a list.
type ContentSummary struct {
	ID            int        `json:"id" example:"550"`
	Type          string     `json:"type" enum:"movie,tv" example:"movie"`
	Title         string     `json:"title" example:"Fight Club"`
	OriginalTitle string     `json:"original_title" example:"Fight Club"`
	ReleaseDate   *string    `json:"release_date" format:"date" nullable:"true" example:"1999-10-15" doc:"First release (movies) or first air date (TV)."`
	PosterURL     string     `json:"poster_url" example:"https://image.tmdb.org/t/p/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"`
	Popularity    float64    `json:"popularity" example:"61.4"`
	AvgRating     float64    `json:"avg_rating" example:"8.4" doc:"Average of the ratings (1–10), one decimal; 0 without ratings."`
	RatingCount   int        `json:"rating_count" example:"1200"`
	ReviewCount   int        `json:"review_count" example:"1200"`
	BookmarkCount int        `json:"bookmark_count" example:"310"`
	Genres        []GenreRef `json:"genres"`
	CreatedAt     time.Time  `json:"created_at" example:"2026-11-25T12:00:00Z"`
	// The caller's own state: only for signed-in callers, never cached.
	Bookmarked *bool `json:"bookmarked,omitempty" example:"true" doc:"Signed-in callers only: whether the caller bookmarked it."`
	MyRating   *int  `json:"my_rating,omitempty" example:"9" doc:"Signed-in callers only: the caller's rating, absent when none."`
	Watched    *bool `json:"watched,omitempty" example:"true" doc:"Signed-in callers only: whether the caller logged it in their watch diary."`
	// LastWatchedOn is absent, not null, when never watched: like my_rating.
	LastWatchedOn *string `json:"last_watched_on,omitempty" format:"date" example:"2026-11-24" doc:"Signed-in callers only: the latest day the caller's diary logs it, absent when never."`
}

// HistogramBar counts the ratings of one value.
type HistogramBar struct {
	Rating int `json:"rating" minimum:"1" maximum:"10" example:"8"`
	Count  int `json:"count" example:"420"`
}

// ContentDetail is a content with everything about it.
type ContentDetail struct {
	ContentSummary
	Overview         string         `json:"overview" example:"A ticking-time-bomb insomniac and a slippery soap salesman…"`
	BackdropURL      string         `json:"backdrop_url" example:"https://image.tmdb.org/t/p/w1280/hZkgoQYus5vegHoetLkCJzb17zJ.jpg"`
	RuntimeMinutes   *int           `json:"runtime_minutes" nullable:"true" example:"139"`
	OriginalLanguage string         `json:"original_language" example:"en"`
	TmdbID           *int64         `json:"tmdb_id" nullable:"true" example:"550"`
	RatingHistogram  []HistogramBar `json:"rating_histogram" doc:"Number of ratings of each value 1–10."`
	UpdatedAt        time.Time      `json:"updated_at" example:"2026-11-25T12:00:00Z"`
}

func roundRating(avg float64) float64 { return math.Round(avg*10) / 10 }

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

func summaryFromEnt(c *ent.Content) ContentSummary {
	genres := make([]GenreRef, 0, len(c.Edges.Genres))
	for _, g := range c.Edges.Genres {
		genres = append(genres, GenreRef{ID: g.ID, Name: g.Name})
	}
	return ContentSummary{
		ID: c.ID, Type: string(c.Type), Title: c.Title, OriginalTitle: c.OriginalTitle,
		ReleaseDate: dateString(c.ReleaseDate), PosterURL: c.PosterURL, Popularity: c.Popularity,
		AvgRating: roundRating(c.AvgRating), RatingCount: c.RatingCount, ReviewCount: c.ReviewCount,
		BookmarkCount: c.BookmarkCount, Genres: genres, CreatedAt: c.CreatedAt.UTC(),
	}
}

func detailFromEnt(c *ent.Content) ContentDetail {
	hist := make([]HistogramBar, 10)
	for i := range hist {
		hist[i].Rating = i + 1
		if i < len(c.RatingHistogram) {
			hist[i].Count = c.RatingHistogram[i]
		}
	}
	return ContentDetail{
		ContentSummary: summaryFromEnt(c), Overview: c.Overview, BackdropURL: c.BackdropURL,
		RuntimeMinutes: c.RuntimeMinutes, OriginalLanguage: c.OriginalLanguage, TmdbID: c.TmdbID,
		RatingHistogram: hist, UpdatedAt: c.UpdatedAt.UTC(),
	}
}
