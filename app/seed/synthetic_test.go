package seed_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/app/seed"
)

func TestSyntheticOnPostgres(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	ctx := context.Background()
	if !apptest.Postgres() {
		err := seed.Synthetic(ctx, a.DB.SQL, false, seed.DefaultVolumes, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
			t.Fatalf("embedded: err = %v, want a clear 'needs PostgreSQL'", err)
		}
		return
	}
	var out bytes.Buffer
	v := seed.Volumes{Contents: 10_000, Users: 2_000, Reviews: 8_000, Likes: 15_000, Follows: 3_000}
	if err := seed.Synthetic(ctx, a.DB.SQL, true, v, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"contents", "users", "reviews", "likes", "follows", "feed inboxes", "100%", "done in"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
	counts := map[string]int{}
	for _, table := range []string{"contents", "users", "reviews", "review_likes", "follows"} {
		var n int
		if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	if counts["contents"] != v.Contents || counts["users"] != v.Users || counts["reviews"] != v.Reviews || counts["review_likes"] != v.Likes ||
		counts["follows"] != v.Follows {
		t.Fatalf("counts %v", counts)
	}
	var mismatched int
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM (SELECT follower_id FROM follows GROUP BY follower_id
		HAVING count(*) <> $1 OR bool_or(follower_id = followee_id)) x`, seed.FollowsEach).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Fatalf("%d followers without exactly %d follows of others (%v)", mismatched, seed.FollowsEach, err)
	}
	// Every approved follower's inbox holds each of the followee's reviews
	// and likes, once, at the event's time.
	var entries, events int
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM feed_entries`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.SQL.QueryRow(`SELECT (SELECT count(*) FROM follows f JOIN reviews r ON r.user_id = f.followee_id)
		+ (SELECT count(*) FROM follows f JOIN review_likes l ON l.user_id = f.followee_id)`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM feed_entries e WHERE NOT EXISTS
		(SELECT 1 FROM follows f WHERE f.follower_id = e.recipient_id AND f.followee_id = e.actor_id)
		OR e.src = 'r' AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.id = e.event_id AND r.user_id = e.actor_id AND r.created_at = e.created_at)
		OR e.src = 'l' AND NOT EXISTS (SELECT 1 FROM review_likes l WHERE l.id = e.event_id AND l.user_id = e.actor_id AND l.created_at = e.created_at)
		OR e.src NOT IN ('r', 'l')`).Scan(&mismatched); err != nil {
		t.Fatal(err)
	}
	if events == 0 || entries != events || mismatched != 0 {
		t.Fatalf("feed inboxes: %d entries (%d do not match a follow and an event), want %d", entries, mismatched, events)
	}
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM contents c WHERE c.rating_count <>
		(SELECT count(*) FROM reviews r WHERE r.content_id = c.id)`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Fatalf("%d contents with a wrong rating_count (%v)", mismatched, err)
	}
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM reviews r WHERE r.like_count <>
		(SELECT count(*) FROM review_likes l WHERE l.review_id = r.id)`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Fatalf("%d reviews with a wrong like_count (%v)", mismatched, err)
	}
}
