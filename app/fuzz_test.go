package main

// Fuzz targets over the whole application: every operation with a JSON
// request body and every operation with query parameters gets fuzzed input,
// sent by real signed-in users to real objects. The property: the answer is
// 2xx (or 3xx) or the API.md error body with a 4xx status; never a 5xx (a
// panic becomes a 500 in the recover middleware, so it fails too).
//
// A target groups a module's operations; the first fuzz argument picks the
// operation, and TestFuzzCoversEveryOperation fails when the OpenAPI document
// has a body or query operation no target sends to. Run one target with
//
//	go test -run '^$' -fuzz '^FuzzReviewsBody$' -fuzztime 30s ./app
//
// Seeds are f.Add calls below plus testdata/fuzz/<target>/; crashers the
// fuzzer writes there become regression tests of plain go test.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/config"
)

// fuzzOp is one operation of a fuzz target.
type fuzzOp struct {
	id, method string
	path       func(w *fuzzWorld) string
	token      func(w *fuzzWorld) string
	seeds      []string // valid and near-valid inputs
}

// fuzzWorld is the world of the OWASP suite plus accounts the auth targets
// may sign in as (carol) or change the password of (dave), a fake TMDB and
// social sign-in configured, so no operation answers 503 for lack of them.
type fuzzWorld struct {
	*world
	carol, dave apptest.Account
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	f.Helper()
	tmdb := newFuzzTMDB(f)
	w := newWorld(f, func(c *config.Config) {
		c.TMDB.APIKey, c.TMDB.BaseURL = "fuzz-key", tmdb.URL
		c.TMDB.RateLimit.Requests, c.TMDB.MaxRetries = 1_000_000, 0
		c.Google.ClientID, c.Google.JWKSURL = "reelview-fuzz.apps.googleusercontent.com", tmdb.URL+"/jwks"
		c.Firebase.ProjectID, c.Firebase.JWKSURL = "reelview-fuzz", tmdb.URL+"/jwks"
		c.RateLimit.LoginAccount.Requests = 1_000_000
		c.RateLimit.Report.Requests = 1_000_000
	})
	return &fuzzWorld{world: w, carol: apptest.SignUp(f, w.a.App), dave: apptest.SignUp(f, w.a.App)}
}

// newFuzzTMDB answers every TMDB call with a recorded payload (any movie id
// is Fight Club, any TV id Game of Thrones) and serves an empty JWKS.
func newFuzzTMDB(f *testing.F) *httptest.Server {
	dir := filepath.Join("..", "modules", "tmdb", "testdata")
	fixed := map[string]string{
		"/configuration": "configuration.json", "/movie/popular": "movie_popular_page1.json",
		"/movie/top_rated": "movie_top_rated_page1.json", "/trending/movie/week": "trending_all_week_trimmed.json",
		"/trending/tv/week": "trending_all_week_trimmed.json", "/genre/movie/list": "genre_movie_list.json",
		"/genre/tv/list": "genre_tv_list.json",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := fixed[r.URL.Path]
		switch {
		case r.URL.Path == "/jwks":
			_, _ = io.WriteString(w, `{"keys":[]}`)
			return
		case ok:
		case strings.HasPrefix(r.URL.Path, "/search/"):
			name = "search_movie_star_wars.json"
		case strings.HasPrefix(r.URL.Path, "/movie/"):
			name = "movie_550_details.json"
		case strings.HasPrefix(r.URL.Path, "/tv/"):
			name = "tv_1399_details.json"
		default:
			name = "movie_popular_page1.json" // other lists
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	f.Cleanup(srv.Close)
	return srv
}

func fixed(p string) func(*fuzzWorld) string { return func(*fuzzWorld) string { return p } }
func noToken(*fuzzWorld) string              { return "" }
func alice(w *fuzzWorld) string              { return w.alice.Access }
func admin(w *fuzzWorld) string              { return w.admin.Access }
func reviewPath(suffix string) func(*fuzzWorld) string {
	return func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/reviews/%d%s", w.review, suffix) }
}
func moviePath(suffix string) func(*fuzzWorld) string {
	return func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/contents/%d%s", w.movie, suffix) }
}
func listPath(suffix string) func(*fuzzWorld) string {
	return func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/lists/%d%s", w.aliceList, suffix) }
}

// nasty are inputs every body target is seeded with: duplicate keys, huge
// numbers, deep nesting, wrong types, odd Unicode and control characters.
var nasty = []string{
	``, `null`, `[]`, `"x"`, `{`, `{}`, `{"a":1}{"b":2}`, `{"rating":8,"rating":9}`,
	`{"rating":1e309}`, `{"rating":-1e309}`, `{"rating":123456789012345678901234567890}`,
	`{"tmdb_id":9223372036854775808}`, `{"pages":1.5}`, `{"rating":"9"}`, `{"ids":{"0":1}}`,
	strings.Repeat(`[`, 10000) + strings.Repeat(`]`, 10000),
	`{"a":` + strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 501),
	`{"title":"\u0000","body":"\u0000","nickname":"\u0000\u0000","name":"\u0000","reason":"\u0000"}`,
	`{"title":"\ud800","body":"\udfff"}`, "{\"title\":\"\xff\xfe\"}",
	`{"title":"` + strings.Repeat("🎬", 300) + `","type":"movie"}`,
	`{"nickname":"` + strings.Repeat("😀", 30) + `"}`,
	`{"bio":"` + strings.Repeat("𝕏", 500) + `","avatar_url":"https://x/` + strings.Repeat("é", 2000) + `"}`,
	`{"name":"` + strings.Repeat("한", 100) + `","type":"tv"}`,
	`{"reason":"` + strings.Repeat("⚠️", 1000) + `"}`,
	`{"body":"` + strings.Repeat("e\u0301", 2000) + `","rating":5}`,
	`{"body":"line\r\nline\ttab\u0085\u2028\u202e"}`,
}

// oddValues replace, one at a time, each field of the valid seeds.
var oddValues = []any{
	"", " padded ", "a\\u0000b", "\\t\\r\\n\\u001b", "\\u202e\\ufeff", "e\\u0301",
	strings.Repeat("😀", 31), strings.Repeat("🎬", 301), strings.Repeat("x", 10001),
	-1, 1.5, 1e308, nil, []any{},
}

// fieldVariants are seed with each top-level field replaced by each odd value.
func fieldVariants(seed string) []string {
	var m map[string]any
	if json.Unmarshal([]byte(seed), &m) != nil {
		return nil
	}
	var out []string
	for k, orig := range m {
		for _, v := range oddValues {
			if s, ok := v.(string); ok {
				v, _ = strconv.Unquote(`"` + s + `"`)
			}
			m[k] = v
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
		m[k] = orig
	}
	return out
}

// bodyTargets lists, per fuzz target, the operations with a JSON body.
var bodyTargets = map[string][]fuzzOp{
	"FuzzAuthBody": {
		{"signup", "POST", fixed("/api/v1/auth/signup"), noToken, []string{
			`{"email":"fuzz@example.com","password":"correct horse battery","nickname":"fuzzer"}`,
			`{"email":"FUZZ@Example.com","password":"correct horse battery","nickname":"FUZZER"}`}},
		{"login", "POST", fixed("/api/v1/auth/login"), noToken, []string{
			`{"email":"$EMAIL","password":"$PASSWORD"}`, `{"email":"$EMAIL","password":"wrong password"}`}},
		{"refresh-token", "POST", fixed("/api/v1/auth/refresh"), noToken, []string{
			`{"refresh_token":"$REFRESH"}`, `{"refresh_token":"1.abc.def"}`}},
		{"login-google", "POST", fixed("/api/v1/auth/google"), noToken, []string{`{"id_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}`}},
		{"login-firebase", "POST", fixed("/api/v1/auth/firebase"), noToken, []string{`{"id_token":"a.b.c"}`}},
	},
	"FuzzUsersBody": {
		{"update-me", "PATCH", fixed("/api/v1/users/me"), alice, []string{
			`{"nickname":"alice-fuzz","bio":"Sci-fi.\nSlow cinema.","avatar_url":"https://cdn.example.com/a.png","push_enabled":true}`,
			`{"email":"x@example.com"}`}},
		{"change-password", "PUT", fixed("/api/v1/users/me/password"), func(w *fuzzWorld) string { return w.dave.Access }, []string{
			`{"current_password":"$CURRENT","new_password":"another long passphrase"}`}},
		{"register-device", "POST", fixed("/api/v1/users/me/devices"), alice, []string{`{"token":"fcm-token-0001","platform":"android"}`}},
		{"mark-notifications-read", "POST", fixed("/api/v1/users/me/notifications/read"), alice, []string{`{"ids":[1,2,3]}`, `{}`}},
		{"log-diary-entry", "POST", fixed("/api/v1/users/me/diary"), alice, []string{
			`{"content_id":1,"watched_on":"2026-11-01","rewatch":true,"rating":8}`, `{"content_id":1,"watched_on":"1870-01-01","review_id":1}`}},
		{"update-diary-entry", "PATCH", fixed("/api/v1/users/me/diary/1"), alice, []string{
			`{"watched_on":"2026-11-02","rewatch":false,"rating":0,"review_id":0}`}},
		{"import-my-data", "POST", fixed("/api/v1/users/me/import?dry_run=true"), func(w *fuzzWorld) string { return w.carol.Access }, []string{
			`[{"rated_at":"2014-09-01T09:10:11.000Z","rating":10,"type":"movie","movie":{"title":"Alien","year":1979,"ids":{"trakt":1,"tmdb":348}}}]`,
			`{"watchlist":[{"rank":1,"listed_at":"2020-01-01T00:00:00.000Z","type":"show","show":{"title":"X","year":2008,"ids":{"tmdb":1396}}}]}`,
			`{"format":"reelview-export","version":1,"ratings":[{"content":{"type":"movie","tmdb_id":348,"title":"Alien","year":1979},"rating":9}]}`,
			"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Alien,1979,u,4.5\n"}},
	},
	"FuzzContentsBody": {
		{"create-content", "POST", fixed("/api/v1/contents"), admin, []string{
			`{"type":"movie","title":"Heat","overview":"L.A.\ncrime","release_date":"1995-12-15","runtime_minutes":170,"genre_ids":[1],"popularity":1.5,"tmdb_id":949}`}},
		{"update-content", "PATCH", moviePath(""), admin, []string{`{"title":"Alien","release_date":"","poster_url":"https://x/p.jpg"}`}},
		{"create-genre", "POST", fixed("/api/v1/genres"), admin, []string{`{"type":"movie","name":"Noir","tmdb_id":80}`}},
		{"update-genre", "PATCH", func(w *fuzzWorld) string { return "/api/v1/genres/1" }, admin, []string{`{"name":"Drama","tmdb_id":0}`}},
	},
	"FuzzReviewsBody": {
		{"create-review", "POST", moviePath("/reviews"), func(w *fuzzWorld) string { return w.carol.Access }, []string{
			`{"rating":8,"body":"Tense.\n\nGreat.","spoiler":false}`}},
		{"update-review", "PATCH", reviewPath(""), alice, []string{`{"rating":7,"body":"Still good.","spoiler":true}`}},
		{"create-comment", "POST", reviewPath("/comments"), alice, []string{`{"body":"Agreed."}`}},
		{"report-review", "POST", reviewPath("/reports"), func(w *fuzzWorld) string { return w.carol.Access }, []string{`{"reason":"Spoils the ending."}`}},
	},
	"FuzzAdminBody": {
		{"admin-set-review-visibility", "PATCH", func(w *fuzzWorld) string {
			return fmt.Sprintf("/api/v1/admin/reviews/%d/visibility", w.review)
		}, admin, []string{`{"hidden":true}`, `{"hidden":false}`}},
		{"admin-import-tmdb", "POST", fixed("/api/v1/admin/tmdb/import"), admin, []string{`{"type":"movie","tmdb_id":550}`, `{"type":"tv","tmdb_id":1399}`}},
		{"admin-sync-tmdb", "POST", fixed("/api/v1/admin/tmdb/sync"), admin, []string{`{"list":"popular","type":"movie","pages":1}`}},
		{"admin-set-user-role", "PATCH", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/admin/users/%d/role", w.bob.ID) }, admin, []string{`{"role":"USER"}`}},
		{"admin-set-user-status", "PATCH", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/admin/users/%d/status", w.bob.ID) }, admin, []string{`{"status":"ACTIVE"}`}},
	},
	"FuzzListsBody": {
		{"create-list", "POST", fixed("/api/v1/lists"), alice, []string{
			`{"title":"Heists","description":"Crews.\nVaults.","visibility":"UNLISTED"}`, `{"title":"x","visibility":"public"}`}},
		{"update-list", "PATCH", listPath(""), alice, []string{`{"title":"Alice's picks","visibility":"PRIVATE"}`, `{"description":""}`}},
		{"put-list-item", "PUT", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/lists/%d/items/%d", w.aliceList, w.movie) }, alice, []string{
			`{"position":1,"note":"Mine."}`, `{}`, `{"position":1000}`}},
		{"reorder-list", "PUT", listPath("/order"), alice, []string{`{"content_ids":[]}`, `{"content_ids":[1,1]}`}},
	},
}

// queryTargets lists, per fuzz target, the operations with query parameters.
var queryTargets = map[string][]fuzzOp{
	"FuzzCatalogQuery": {
		{"list-contents", "GET", fixed("/api/v1/contents"), noToken, []string{
			"q=alien&type=movie&genre=1&year_from=1970&year_to=2000&min_rating=5&sort=rating&order=desc&page=1&size=20",
			"q=%00&page=0&size=1000&sort=nope", "year_from=-9223372036854775808&year_to=9223372036854775807&min_rating=NaN"}},
		{"list-genres", "GET", fixed("/api/v1/genres"), noToken, []string{"type=tv", "type=movie&type=tv"}},
		{"search-tmdb", "GET", fixed("/api/v1/tmdb/search"), alice, []string{"q=star+wars&type=movie&page=1", "q=&page=99999999999"}},
	},
	"FuzzReviewListQuery": {
		{"list-content-reviews", "GET", moviePath("/reviews"), alice, []string{"sort=latest&page=1&size=10", "cursor=&size=5", "cursor=%FF%FE"}},
		{"list-latest-reviews", "GET", fixed("/api/v1/reviews/latest"), noToken, []string{"cursor=", "page=2&size=100"}},
		{"list-popular-reviews", "GET", fixed("/api/v1/reviews/popular"), noToken, []string{"days=7&cursor=", "days=-1&page=1"}},
		{"list-comments", "GET", reviewPath("/comments"), noToken, []string{"cursor=&size=1", "page=1&size=1&cursor=x"}},
		{"list-my-reviews", "GET", fixed("/api/v1/users/me/reviews"), alice, []string{"cursor=", "page=1"}},
		{"list-user-reviews", "GET", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/users/%d/reviews", w.alice.ID) }, noToken, []string{"cursor=", "page=1&size=3"}},
	},
	"FuzzAccountQuery": {
		{"list-my-bookmarks", "GET", fixed("/api/v1/users/me/bookmarks"), alice, []string{"page=1&size=20"}},
		{"list-notifications", "GET", fixed("/api/v1/users/me/notifications"), alice, []string{"cursor=&size=10", "cursor=eyJ9"}},
		{"admin-list-users", "GET", fixed("/api/v1/admin/users"), admin, []string{
			"q=ada&role=USER&status=ACTIVE&sort=nickname&order=asc&page=1&size=20", "q=%25_%5C&sort=last_login_at"}},
		{"admin-list-reports", "GET", fixed("/api/v1/admin/reports"), admin, []string{"page=1&size=20"}},
		{"get-feed", "GET", fixed("/api/v1/feed"), alice, []string{"cursor=&size=20", "cursor=eyJ9&size=1"}},
		{"export-my-data", "GET", fixed("/api/v1/users/me/export"), alice, []string{"format=json", "format=csv", "format=xml"}},
		{"list-follow-requests", "GET", fixed("/api/v1/users/me/follow-requests"), alice, []string{"cursor=&size=10"}},
		{"list-followers", "GET", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/users/%d/followers", w.alice.ID) }, alice, []string{"cursor=&size=10"}},
		{"list-following", "GET", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/users/%d/following", w.bob.ID) }, alice, []string{"cursor=", "size=100"}},
		{"list-diary", "GET", fixed("/api/v1/users/me/diary"), alice, []string{"month=2026-11&cursor=&size=10", "month=2026-13", "cursor=eyJkIjoiMjAyNi0xMS0wMSIsImkiOjF9"}},
		{"list-blocks", "GET", fixed("/api/v1/users/me/blocks"), alice, []string{"cursor=&size=10"}},
	},
	"FuzzListsQuery": {
		{"get-list", "GET", listPath(""), alice, []string{"size=1", "size=100"}},
		{"list-list-items", "GET", listPath("/items"), alice, []string{"cursor=&size=1", "cursor=eyJrIjoiaXRlbXMiLCJpIjoxLCJwIjoxfQ"}},
		{"list-user-lists", "GET", func(w *fuzzWorld) string { return fmt.Sprintf("/api/v1/users/%d/lists", w.alice.ID) }, noToken, []string{"cursor=&size=10", "cursor=eyJ9"}},
	},
}

// fuzzBody fuzzes the JSON bodies of the operations of one target.
func fuzzBody(f *testing.F, name string) {
	ops := bodyTargets[name]
	for i, op := range ops {
		for _, s := range op.seeds {
			f.Add(uint8(i), s)
			for _, v := range fieldVariants(s) {
				f.Add(uint8(i), v)
			}
		}
	}
	for _, s := range nasty { // refused before any handler: one operation is enough
		f.Add(uint8(0), s)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, pick uint8, body string) {
		op := ops[int(pick)%len(ops)]
		body = strings.NewReplacer("$EMAIL", w.carol.Email, "$PASSWORD", w.carol.Password,
			"$CURRENT", w.dave.Password).Replace(body)
		if strings.Contains(body, "$REFRESH") {
			body = strings.ReplaceAll(body, "$REFRESH", w.freshRefresh(t))
		}
		res := fuzzSend(t, w, op.method, op.path(w), op.token(w), body, true)
		checkAnswer(t, op, body, res)
		if op.id == "create-review" && res.Status == http.StatusCreated {
			// Keep the content reviewable by carol for the next input.
			apptest.AssertStatus(t, w.do(t, "DELETE", fmt.Sprintf("/api/v1/reviews/%d", idOf(t, res)), w.carol.Access, ""), http.StatusNoContent)
		}
	})
}

// freshRefresh signs carol in again and returns the new refresh token ("" if
// an earlier input changed her password or blocked her).
func (w *fuzzWorld) freshRefresh(t *testing.T) string {
	res := w.do(t, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, w.carol.Email, w.carol.Password))
	var p struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(res.Body, &p)
	return p.RefreshToken
}

// fuzzQuery fuzzes the query strings of the operations of one target. The
// input is parsed leniently and encoded again, so every input is a valid URL
// with arbitrary parameter names and values.
func fuzzQuery(f *testing.F, name string) {
	ops := queryTargets[name]
	for i, op := range ops {
		for _, s := range op.seeds {
			f.Add(uint8(i), s)
		}
		f.Add(uint8(i), "page=1&page=2&size=&sort=&order=sideways&cursor=%00")
		f.Add(uint8(i), "size=1e9&page=-1&q="+url.QueryEscape(strings.Repeat("😀", 300)))
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, pick uint8, query string) {
		op := ops[int(pick)%len(ops)]
		values, _ := url.ParseQuery(query)
		path := op.path(w) + "?" + values.Encode()
		res := fuzzSend(t, w, op.method, path, op.token(w), "", false)
		checkAnswer(t, op, path, res)
	})
}

func fuzzSend(t *testing.T, w *fuzzWorld, method, path, token, body string, withBody bool) *apptest.Response {
	t.Helper()
	r := apptest.Request{Method: method, Path: path, Token: token, Body: body}
	if withBody {
		// An empty body is still sent as JSON: the operation decides
		// whether it needs one.
		r.Header = map[string]string{"Content-Type": "application/json"}
	}
	return apptest.Send(t, w.a.App, r)
}

// apiCodes are the codes API.md allows for each 4xx status.
var apiCodes = map[int][]string{
	400: {"BAD_REQUEST", "VALIDATION_FAILED"},
	401: {"UNAUTHORIZED", "TOKEN_EXPIRED", "TOKEN_INVALID", "INVALID_CREDENTIALS"},
	403: {"FORBIDDEN", "ACCOUNT_BLOCKED"},
	404: {"RESOURCE_NOT_FOUND"},
	405: {"METHOD_NOT_ALLOWED"},
	409: {"DUPLICATE_RESOURCE"},
	413: {"PAYLOAD_TOO_LARGE"},
	415: {"UNSUPPORTED_MEDIA_TYPE"},
	429: {"TOO_MANY_REQUESTS"},
}

// checkAnswer is the fuzz property: no 5xx, and every 4xx is the API.md
// error body with its status and one of the codes of that status.
func checkAnswer(t *testing.T, op fuzzOp, input string, res *apptest.Response) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("%s with %q: status %d: %s", op.id, input, res.Status, res.Body)
	}
	if res.Status < 400 {
		return
	}
	var raw map[string]json.RawMessage
	var b apptest.ErrorBody
	if json.Unmarshal(res.Body, &raw) != nil || len(raw) != 6 || json.Unmarshal(res.Body, &b) != nil {
		t.Fatalf("%s with %q: status %d without the error body: %s", op.id, input, res.Status, res.Body)
	}
	if b.Status != res.Status || !slices.Contains(apiCodes[res.Status], b.Code) || b.Message == "" {
		t.Fatalf("%s with %q: status %d with error body %s", op.id, input, res.Status, res.Body)
	}
	if (b.Code == "VALIDATION_FAILED") != (len(b.Details) > 0) {
		t.Fatalf("%s with %q: details must come with VALIDATION_FAILED only: %s", op.id, input, res.Body)
	}
}

func FuzzAuthBody(f *testing.F)        { fuzzBody(f, "FuzzAuthBody") }
func FuzzUsersBody(f *testing.F)       { fuzzBody(f, "FuzzUsersBody") }
func FuzzContentsBody(f *testing.F)    { fuzzBody(f, "FuzzContentsBody") }
func FuzzReviewsBody(f *testing.F)     { fuzzBody(f, "FuzzReviewsBody") }
func FuzzAdminBody(f *testing.F)       { fuzzBody(f, "FuzzAdminBody") }
func FuzzCatalogQuery(f *testing.F)    { fuzzQuery(f, "FuzzCatalogQuery") }
func FuzzReviewListQuery(f *testing.F) { fuzzQuery(f, "FuzzReviewListQuery") }
func FuzzAccountQuery(f *testing.F)    { fuzzQuery(f, "FuzzAccountQuery") }
func FuzzListsBody(f *testing.F)       { fuzzBody(f, "FuzzListsBody") }
func FuzzListsQuery(f *testing.F)      { fuzzQuery(f, "FuzzListsQuery") }

// TestFuzzCoversEveryOperation: the fuzz targets send to exactly the
// operations of the OpenAPI document that take a JSON body or query
// parameters, with the documented method and path.
func TestFuzzCoversEveryOperation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	want := map[string]string{} // id → "METHOD path" for body/query operations
	for path, item := range srv.API.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post,
			"PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			hasQuery := slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return p.In == "query" })
			if hasQuery || op.RequestBody != nil {
				want[op.OperationID] = method + " " + path
			}
		}
	}
	got := map[string]string{}
	for _, targets := range []map[string][]fuzzOp{bodyTargets, queryTargets} {
		for _, ops := range targets {
			for _, op := range ops {
				got[op.id] = op.method
			}
		}
	}
	for id, route := range want {
		method, _, _ := strings.Cut(route, " ")
		if got[id] != method {
			t.Errorf("%s (%s) has no fuzz target: add it to bodyTargets or queryTargets in fuzz_test.go", id, route)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("fuzz target operation %s is not a documented body or query operation", id)
		}
	}
}
