package schema_test

import (
	"context"
	"testing"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/review"
	"github.com/reelview/reelview/ent/schema"
)

// TestDataRulesAreEnforcedByTheDatabase checks, on SQLite and on PostgreSQL,
// that the unique constraints and checks of API.md's data rules hold at the
// database level, whatever the application code does.
func TestDataRulesAreEnforcedByTheDatabase(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	db := a.DB.Ent
	ctx := context.Background()

	user := func(email, nick string) (*ent.User, error) {
		return db.User.Create().SetEmail(email).SetNickname(nick).SetPasswordHash("x").Save(ctx)
	}
	alice, err := user("alice@example.com", "alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := user("bob@example.com", "bob")
	if err != nil {
		t.Fatal(err)
	}
	movie, err := db.Content.Create().SetType(content.TypeMovie).SetTitle("Alien").SetTmdbID(348).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := db.Review.Create().SetUserID(alice.ID).SetContentID(movie.ID).SetRating(9).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}

	mustViolate := func(name string, err error) {
		t.Helper()
		if !sqlgraph.IsConstraintError(err) {
			t.Errorf("%s: err = %v, want a constraint violation", name, err)
		}
	}
	_, err = user("alice@example.com", "alice2")
	mustViolate("same email", err)
	_, err = user("ALICE@example.com", "alice3")
	mustViolate("upper-case email (stored lower-case only)", err)
	_, err = user("carol@example.com", "alice")
	mustViolate("same nickname", err)
	_, err = db.Content.Create().SetType(content.TypeMovie).SetTitle("Alien again").SetTmdbID(348).Save(ctx)
	mustViolate("same (type, tmdb_id)", err)
	_, err = db.Review.Create().SetUserID(alice.ID).SetContentID(movie.ID).SetRating(3).Save(ctx)
	mustViolate("second review of the same content", err)
	_, err = db.ReviewLike.Create().SetUserID(bob.ID).SetReviewID(rev.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ReviewLike.Create().SetUserID(bob.ID).SetReviewID(rev.ID).Save(ctx)
	mustViolate("second like", err)
	_, err = db.Bookmark.Create().SetUserID(bob.ID).SetContentID(movie.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Bookmark.Create().SetUserID(bob.ID).SetContentID(movie.ID).Save(ctx)
	mustViolate("second bookmark", err)
	_, err = db.ReviewReport.Create().SetUserID(bob.ID).SetReviewID(rev.ID).SetReason("spam").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ReviewReport.Create().SetUserID(bob.ID).SetReviewID(rev.ID).SetReason("spam again").Save(ctx)
	mustViolate("second report", err)
	_, err = db.Genre.Create().SetType(genre.TypeMovie).SetName("Drama").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Genre.Create().SetType(genre.TypeMovie).SetName("Drama").Save(ctx)
	mustViolate("same genre name and type", err)
	// The same name is a different genre for TV.
	if _, err = db.Genre.Create().SetType(genre.TypeTv).SetName("Drama").Save(ctx); err != nil {
		t.Errorf("tv genre with a movie genre's name: %v", err)
	}
	// A hand-made content (no tmdb_id) never collides.
	for range 2 {
		if _, err := db.Content.Create().SetType(content.TypeMovie).SetTitle("Home video").Save(ctx); err != nil {
			t.Errorf("two contents without tmdb_id: %v", err)
		}
	}

	// Soft delete: a deleted review disappears from queries, stays in the
	// table, and frees the slot for a new review.
	if err := db.Review.DeleteOne(rev).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Review.Query().Where(review.ContentID(movie.ID)).Count(ctx); n != 0 {
		t.Errorf("soft-deleted review still listed (%d)", n)
	}
	if n, _ := db.Review.Query().Where(review.ContentID(movie.ID)).Count(schema.SkipSoftDelete(ctx)); n != 1 {
		t.Errorf("soft-deleted review gone from the table (%d rows)", n)
	}
	if _, err := db.Review.Create().SetUserID(alice.ID).SetContentID(movie.ID).SetRating(5).Save(ctx); err != nil {
		t.Errorf("new review after deleting the old one: %v", err)
	}
	// A deleted account frees its email and nickname.
	if err := db.User.DeleteOne(bob).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := user("bob@example.com", "bob"); err != nil {
		t.Errorf("sign-up with a deleted account's email: %v", err)
	}
	// Ratings out of 1–10 are refused before the database.
	if _, err := db.Review.Create().SetUserID(bob.ID).SetContentID(movie.ID).SetRating(11).Save(ctx); err == nil {
		t.Error("rating 11 accepted")
	}
}
