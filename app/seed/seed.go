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

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/user"
	"golang.org/x/crypto/bcrypt"
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
	Genres   int
	Contents int
	Accounts int
}

// DemoPassword is the password of the demo accounts (USER role only: admins
// come from ADMIN_EMAIL / ADMIN_PASSWORD, never from a published password).
const DemoPassword = "reelview-demo-pass" //nolint:gosec // G101: a published demo password, by design

// DemoAccounts are the emails and nicknames of the demo accounts.
var DemoAccounts = [][2]string{{"ada@reelview.dev", "ada"}, {"grace@reelview.dev", "grace"}}

// Demo inserts the demo catalog unless the database already has contents. It
// runs in one transaction: either the whole catalog is there or none of it.
func Demo(ctx context.Context, client *ent.Client, bcryptCost int) (Result, error) {
	if n, err := client.Content.Query().Count(ctx); err != nil || n > 0 {
		return Result{}, err
	}
	var cfg tmdbConfiguration
	if err := read("configuration.json", &cfg); err != nil {
		return Result{}, err
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return Result{}, err
	}
	res, err := demoTx(ctx, tx, cfg.Images.SecureBaseURL)
	if err == nil {
		res.Accounts, err = demoAccounts(ctx, tx, bcryptCost)
	}
	if err != nil {
		_ = tx.Rollback()
		return Result{}, fmt.Errorf("seed: %w", err)
	}
	return res, tx.Commit()
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
	for _, file := range []string{"movie_popular_page1.json", "movie_top_rated_page1.json"} {
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
	seen := map[string]bool{}
	for i, t := range append(titles, tv) {
		typ, gtyp := content.TypeMovie, genre.TypeMovie
		if i == len(titles) {
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
	return res, nil
}

// demoAccounts creates the demo accounts that do not exist yet.
func demoAccounts(ctx context.Context, tx *ent.Tx, cost int) (int, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), cost)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range DemoAccounts {
		exists, err := tx.User.Query().Where(user.Or(user.Email(a[0]), user.Nickname(a[1]))).Exist(ctx)
		if err != nil {
			return n, err
		}
		if exists {
			continue
		}
		if err := tx.User.Create().SetEmail(a[0]).SetNickname(a[1]).SetPasswordHash(string(hash)).Exec(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
