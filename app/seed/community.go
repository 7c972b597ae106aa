package seed

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/reelview/reelview/app/textin"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/content"
	"github.com/reelview/reelview/ent/genre"
	"github.com/reelview/reelview/ent/user"
)

// The generated part of the demo catalog: invented titles in English and
// Korean, so the catalog has more than 200 titles and search has something
// to find in both scripts. Deterministic: every seed makes the same data.
var (
	adjectives = []string{"Silent", "Last", "Crimson", "Hidden", "Broken", "Golden", "Midnight", "Distant",
		"Electric", "Forgotten", "Paper", "Winter", "Wild", "Hollow", "Northern", "Burning"}
	nouns = []string{"Harbor", "Orchard", "Signal", "Kingdom", "Lighthouse", "Archive", "Garden", "Frontier",
		"Echo", "Station", "River", "Mirror", "Circus", "Island", "Letter", "Parade"}
	koreanTitles = []string{"바람의 노래", "서울의 밤", "마지막 기차", "푸른 바다", "겨울 정원", "숨겨진 도시",
		"달빛 아래", "기억의 방", "붉은 우산", "작은 영웅", "비밀의 숲", "첫눈", "그 여름", "별의 시간",
		"검은 강", "오래된 편지"}
	overviews = []string{
		"A quiet drama about the people who keep a small town running after the factory closes.",
		"Two estranged siblings cross the country to return a stranger's lost letters.",
		"A detective with a perfect memory investigates the one night she cannot recall.",
		"An ensemble comedy set over one chaotic wedding weekend.",
		"A documentary-style portrait of a lighthouse keeper's last season.",
		"Rival chefs are forced to share a kitchen in a failing restaurant.",
	}
	reviewBodies = []string{
		"Slow to start, but the last act makes it all worth it.",
		"Gorgeous to look at and surprisingly funny.",
		"The performances carry a script that plays it too safe.",
		"I have thought about the ending every day since.",
		"Not for me: too long, and the twist is obvious from the first scene.",
		"A comfort watch. I put it on whenever it rains.",
		"The soundtrack alone is worth the ticket.",
		"",
	}
	comments = []string{"Completely agree.", "I liked it more than you did!", "The ending got me too.",
		"Which scene did you mean?", "Adding it to my list.", "Hard disagree, but fair points."}
)

func generatedTitles(ctx context.Context, tx *ent.Tx, genres map[genre.Type]map[int64]int, n int) (int, error) {
	rng := mrand.New(mrand.NewPCG(2026, 11)) //nolint:gosec // demo data, not security
	made := 0
	for i := 0; made < n && i < n*4; i++ {
		typ, gtyp := content.TypeMovie, genre.TypeMovie
		if i%3 == 0 {
			typ, gtyp = content.TypeTv, genre.TypeTv
		}
		title := fmt.Sprintf("The %s %s", adjectives[i%len(adjectives)], nouns[(i/len(adjectives)+i)%len(nouns)])
		original, lang := title, "en"
		if i%4 == 1 {
			k := i / 4 // every Korean title in turn, then numbered sequels
			title = koreanTitles[k%len(koreanTitles)]
			if k >= len(koreanTitles) {
				title = fmt.Sprintf("%s %d", title, k/len(koreanTitles)+1)
			}
			original, lang = title, "ko"
		}
		exists, err := tx.Content.Query().Where(content.TypeEQ(typ), content.Title(title)).Exist(ctx)
		if err != nil {
			return made, err
		}
		if exists {
			continue
		}
		var genreIDs []int
		for _, id := range genres[gtyp] {
			if rng.IntN(5) == 0 && len(genreIDs) < 3 {
				genreIDs = append(genreIDs, id)
			}
		}
		release := time.Date(1970+rng.IntN(56), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		err = tx.Content.Create().SetType(typ).SetTitle(title).SetOriginalTitle(original).
			SetOverview(overviews[rng.IntN(len(overviews))]).SetOriginalLanguage(lang).
			SetReleaseDate(release).SetPopularity(float64(rng.IntN(4000)) / 100).
			AddGenreIDs(genreIDs...).Exec(ctx)
		if err != nil {
			return made, fmt.Errorf("generated title %q: %w", title, err)
		}
		made++
	}
	return made, nil
}

// password returns the configured password or a new random one, recorded
// in the result so it can be shown once.
func password(configured, email string, res *Result) string {
	if configured != "" {
		return configured
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	p := base64.RawURLEncoding.EncodeToString(b)
	if res.Passwords == nil {
		res.Passwords = map[string]string{}
	}
	res.Passwords[email] = p
	return p
}

// demoAccounts creates the demo admin, the demo users and the community;
// it returns the ids of everyone who writes reviews (users and community).
func demoAccounts(ctx context.Context, tx *ent.Tx, o Options, res *Result) ([]int, error) {
	type account struct {
		email, nick, password string
		role                  user.Role
	}
	userPassword := password(o.UserPassword, DemoUserEmails[0]+", "+DemoUserEmails[1], res)
	adminPassword := password(o.AdminPassword, DemoAdminEmail, res)
	accounts := []account{
		{DemoAdminEmail, "reelview-admin", adminPassword, user.RoleADMIN},
		{DemoUserEmails[0], "ada", userPassword, user.RoleUSER},
		{DemoUserEmails[1], "grace", userPassword, user.RoleUSER},
	}
	// Community members cannot sign in: no password hash at all.
	for i := 1; i <= communitySize; i++ {
		accounts = append(accounts, account{fmt.Sprintf("viewer%02d@reelview.dev", i), fmt.Sprintf("viewer%02d", i), "", user.RoleUSER})
	}
	// The two bcrypt hashes run side by side: they are most of the seed's time.
	hashes := map[string]string{}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		herr error
	)
	for _, p := range []string{adminPassword, userPassword} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := bcrypt.GenerateFromPassword([]byte(p), o.BcryptCost)
			mu.Lock()
			defer mu.Unlock()
			hashes[p], herr = string(b), errors.Join(herr, err)
		}()
	}
	wg.Wait()
	if herr != nil {
		return nil, herr
	}
	var writers []int
	for _, a := range accounts {
		exists, err := tx.User.Query().Where(user.Or(user.Email(a.email), user.NicknameKey(textin.Fold(a.nick)))).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if exists {
			continue
		}
		c := tx.User.Create().SetEmail(a.email).SetNickname(a.nick).SetRole(a.role)
		if a.password != "" {
			c.SetPasswordHash(hashes[a.password])
		}
		u, err := c.Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.email, err)
		}
		res.Accounts++
		if a.role == user.RoleUSER {
			writers = append(writers, u.ID)
		}
	}
	return writers, nil
}

// demoCommunity writes reviews, likes and comments by the demo users and
// sets every counter and aggregate to match them.
func demoCommunity(ctx context.Context, tx *ent.Tx, writers []int, res *Result) error {
	if len(writers) < 2 {
		return nil
	}
	rng := mrand.New(mrand.NewPCG(7, 42)) //nolint:gosec // demo data, not security
	all, err := tx.Content.Query().Order(ent.Asc(content.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, c := range all {
		hist := make([]int, 10)
		sum, count := 0, 0
		k := rng.IntN(5) // 0–4 reviews a title
		for _, w := range rng.Perm(len(writers))[:min(k, len(writers))] {
			rating := 1 + min(9, max(0, int(rng.NormFloat64()*1.8+7)))
			author := writers[w]
			created := now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
			// Plan likes and comments first, so the review is written with
			// its final counters in one statement.
			var likers, commenters []int
			for _, l := range rng.Perm(len(writers))[:rng.IntN(6)] {
				if writers[l] != author {
					likers = append(likers, writers[l])
				}
			}
			for range rng.IntN(3) {
				commenters = append(commenters, writers[rng.IntN(len(writers))])
			}
			r, err := tx.Review.Create().SetUserID(author).SetContentID(c.ID).SetRating(rating).
				SetBody(reviewBodies[rng.IntN(len(reviewBodies))]).SetSpoiler(rng.IntN(10) == 0).
				SetLikeCount(len(likers)).SetCommentCount(len(commenters)).
				SetCreatedAt(created).SetUpdatedAt(created).Save(ctx)
			if err != nil {
				return fmt.Errorf("review: %w", err)
			}
			res.Reviews++
			hist[rating-1]++
			sum += rating
			count++
			likes := make([]*ent.ReviewLikeCreate, len(likers))
			for i, u := range likers {
				likes[i] = tx.ReviewLike.Create().SetUserID(u).SetReviewID(r.ID)
			}
			notes := make([]*ent.CommentCreate, len(commenters))
			for i, u := range commenters {
				notes[i] = tx.Comment.Create().SetUserID(u).SetReviewID(r.ID).SetBody(comments[rng.IntN(len(comments))])
			}
			if err := tx.ReviewLike.CreateBulk(likes...).Exec(ctx); err != nil {
				return fmt.Errorf("likes: %w", err)
			}
			if err := tx.Comment.CreateBulk(notes...).Exec(ctx); err != nil {
				return fmt.Errorf("comments: %w", err)
			}
			res.Likes += len(likes)
			res.Comments += len(notes)
		}
		if count == 0 {
			continue
		}
		err := tx.Content.UpdateOne(c).SetRatingCount(count).SetRatingSum(int64(sum)).SetReviewCount(count).
			SetRatingHistogram(hist).SetAvgRating(float64(sum) / float64(count)).Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}
