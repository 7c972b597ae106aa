// Package seed fills a database with the demo data: the catalog bundled in
// demo/ (TMDB's genre lists, a few dozen movies and a TV show) and two demo
// accounts, so that a fresh embedded run has something to browse and
// someone to sign in as.
package seed

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
)

//go:embed demo/*.json
var demo embed.FS

type tmdbGenres struct {
	Genres []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"genres"`
}

type tmdbTitle struct {
	ID               int64   `json:"id"`
	MediaType        string  `json:"media_type"`
	Title            string  `json:"title"`
	Name             string  `json:"name"`
	OriginalTitle    string  `json:"original_title"`
	OriginalName     string  `json:"original_name"`
	Overview         string  `json:"overview"`
	ReleaseDate      string  `json:"release_date"`
	FirstAirDate     string  `json:"first_air_date"`
	OriginalLanguage string  `json:"original_language"`
	PosterPath       string  `json:"poster_path"`
	BackdropPath     string  `json:"backdrop_path"`
	Popularity       float64 `json:"popularity"`
	GenreIDs         []int64 `json:"genre_ids"`
	Genres           []struct {
		ID int64 `json:"id"`
	} `json:"genres"`
}

type tmdbConfiguration struct {
	Images struct {
		SecureBaseURL string `json:"secure_base_url"`
	} `json:"images"`
}

// Result counts what Demo inserted.
type Result struct {
	Genres, Contents, Accounts, Reviews, Likes, Comments int
	// Passwords holds the passwords Demo generated, by email: they are shown
	// once (logged or printed) and only their hashes are stored.
	Passwords map[string]string
}

// Options are the demo accounts' settings.
type Options struct {
	BcryptCost    int
	AdminPassword string // DEMO_ADMIN_PASSWORD; generated when empty
	UserPassword  string // DEMO_USER_PASSWORD; generated when empty
}

// Demo accounts: an admin and two users who can sign in, and a community of
// reviewers whose passwords nobody knows.
const (
	DemoAdminEmail = "admin@reelview.dev"
	communitySize  = 40
)

// DemoUserEmails are the two demo users who can sign in.
var DemoUserEmails = []string{"ada@reelview.dev", "grace@reelview.dev"}

// Demo inserts the demo data unless the database already has contents. It
// runs in one transaction: either all of it is there or none of it.
func Demo(ctx context.Context, client *ent.Client, o Options) (Result, error) {
	if n, err := client.Content.Query().Count(ctx); err != nil || n > 0 {
		return Result{}, err
	}
	var cfg tmdbConfiguration
	if err := read("configuration.json", &cfg); err != nil {
		return Result{}, err
	}
	var res Result
	err := database.WithTx(ctx, client, func(tx *ent.Tx) error {
		var err error
		if res, err = demoTx(ctx, tx, cfg.Images.SecureBaseURL); err != nil {
			return err
		}
		users, err := demoAccounts(ctx, tx, o, &res)
		if err != nil {
			return err
		}
		return demoCommunity(ctx, tx, users, &res)
	})
	if err != nil {
		return Result{}, fmt.Errorf("seed: %w", err)
	}
	return res, nil
}

func demoTx(ctx context.Context, tx *ent.Tx, imageBase string) (Result, error) {
	var res Result
	genres := map[genre.Type]map[int64]int{genre.TypeMovie: {}, genre.TypeTv: {}}
	for file, typ := range map[string]genre.Type{"genre_movie_list.json": genre.TypeMovie, "genre_tv_list.json": genre.TypeTv} {
		var list tmdbGenres
		if err := read(file, &list); err != nil {
			return res, err
		}
		for _, g := range list.Genres {
			row, err := tx.Genre.Create().SetType(typ).SetName(g.Name).SetTmdbID(g.ID).Save(ctx)
			if err != nil {
				return res, err
			}
			genres[typ][g.ID] = row.ID
			res.Genres++
		}
	}
	var titles []tmdbTitle
	for _, file := range []string{"movie_popular_page1.json", "movie_top_rated_page1.json", "search_movie_star_wars.json"} {
		var page struct{ Results []tmdbTitle }
		if err := read(file, &page); err != nil {
			return res, err
		}
		titles = append(titles, page.Results...)
	}
	var tv tmdbTitle
	if err := read("tv_1399_details.json", &tv); err != nil {
		return res, err
	}
	tv.MediaType = "tv"
	var trending struct{ Results []tmdbTitle }
	if err := read("trending_all_week_trimmed.json", &trending); err != nil {
		return res, err
	}
	titles = append(append(titles, tv), trending.Results...)
	seen := map[string]bool{}
	for _, t := range titles {
		if t.MediaType != "" && t.MediaType != "movie" && t.MediaType != "tv" {
			continue // people in trending
		}
		typ, gtyp := content.TypeMovie, genre.TypeMovie
		if t.MediaType == "tv" {
			typ, gtyp = content.TypeTv, genre.TypeTv
		}
		key := fmt.Sprint(typ, t.ID)
		if seen[key] {
			continue
		}
		seen[key] = true
		c := tx.Content.Create().
			SetType(typ).
			SetTitle(first(t.Title, t.Name)).
			SetOriginalTitle(first(t.OriginalTitle, t.OriginalName)).
			SetOverview(t.Overview).
			SetOriginalLanguage(t.OriginalLanguage).
			SetTmdbID(t.ID).
			SetPopularity(t.Popularity)
		if t.PosterPath != "" {
			c.SetPosterURL(imageBase + "w500" + t.PosterPath)
		}
		if t.BackdropPath != "" {
			c.SetBackdropURL(imageBase + "w1280" + t.BackdropPath)
		}
		if d, err := time.Parse(time.DateOnly, first(t.ReleaseDate, t.FirstAirDate)); err == nil {
			c.SetReleaseDate(d)
		}
		ids := t.GenreIDs
		for _, g := range t.Genres {
			ids = append(ids, g.ID)
		}
		for _, id := range ids {
			if gid, ok := genres[gtyp][id]; ok {
				c.AddGenreIDs(gid)
			}
		}
		if _, err := c.Save(ctx); err != nil {
			return res, fmt.Errorf("content %q: %w", first(t.Title, t.Name), err)
		}
		res.Contents++
	}
	n, err := generatedTitles(ctx, tx, genres, 220-res.Contents)
	res.Contents += n
	if err != nil {
		return res, err
	}
	return res, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func read(name string, v any) error {
	b, err := demo.ReadFile("demo/" + name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("demo/%s: %w", name, err)
	}
	return nil
}
