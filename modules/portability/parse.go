package portability

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/app/textin"
)

// Sources of an import.
const (
	SourceLetterboxd = "letterboxd"
	SourceTrakt      = "trakt"
	SourceReelview   = "reelview"
)

// Limits of one import.
const (
	MaxRecords       = 20_000   // entries of one import
	maxUnzipped      = 32 << 20 // bytes of CSV in one ZIP, uncompressed
	maxZipFiles      = 200
	maxBodyRunes     = 10_000
	maxProblems      = 20 // problems listed in one 400
	exportFormatName = "reelview-export"
	exportVersion    = 1
)

// problems collects what is wrong with an uploaded file.
type problems []apperr.FieldError

func (p *problems) add(where, format string, args ...any) {
	if len(*p) < maxProblems {
		*p = append(*p, apperr.FieldError{Field: where, Reason: fmt.Sprintf(format, args...)})
	}
}

// ErrBadFile is an uploaded file that cannot be imported; its details name
// each problem's line (CSV) or entry (JSON) and the reason.
var ErrBadFile = apperr.New(apperr.Invalid, "VALIDATION_FAILED", "The file cannot be imported; nothing was queued.")

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return ErrBadFile.WithDetails(p...)
}

// Parse reads an uploaded file into records. source may be empty: a ZIP
// or CSV is a Letterboxd export, a JSON document with "format":
// "reelview-export" a Reelview export, any other JSON a Trakt export. It
// returns the source it read and every problem of the file at once.
func Parse(source string, body []byte) (string, []Record, error) {
	kind := sniff(body)
	detected := kind
	if kind == "json" {
		detected = SourceTrakt
		if isReelview(body) {
			detected = SourceReelview
		}
	} else if kind != "" {
		detected = SourceLetterboxd
	}
	if kind == "" {
		return source, nil, apperr.Validation("body", "is empty: send a Letterboxd CSV or ZIP, a Trakt JSON export or a Reelview JSON export")
	}
	if source != "" && source != detected && (source == SourceLetterboxd) != (detected == SourceLetterboxd) {
		return source, nil, apperr.Validation("source", fmt.Sprintf("is %s, but the file is a %s file", source, map[string]string{"zip": "ZIP", "csv": "CSV", "json": "JSON"}[kind]))
	}
	if source == "" {
		source = detected
	}
	var (
		recs []Record
		p    problems
	)
	switch {
	case kind == "zip":
		recs = parseLetterboxdZip(body, &p)
	case kind == "csv":
		recs = parseLetterboxdCSV("", body, &p)
	case source == SourceReelview:
		recs = parseReelview(body, &p)
	default:
		recs = parseTrakt(body, &p)
	}
	if len(p) == 0 && len(recs) > MaxRecords {
		p.add("body", "has %d entries; an import takes at most %d (split the file)", len(recs), MaxRecords)
	}
	for _, r := range recs {
		checkCommon(r, &p)
	}
	return source, recs, p.err()
}

// sniff tells a ZIP, JSON or CSV body apart by its first bytes.
func sniff(body []byte) string {
	if bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		return "zip"
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(t) == 0:
		return ""
	case t[0] == '{' || t[0] == '[':
		return "json"
	default:
		return "csv"
	}
}

func isReelview(body []byte) bool {
	var head struct {
		Format string `json:"format"`
	}
	_ = json.Unmarshal(body, &head)
	return head.Format == exportFormatName
}

// checkCommon checks the fields every section shares.
func checkCommon(r Record, p *problems) {
	if r.Rating != 0 && (r.Rating < 1 || r.Rating > 10) {
		p.add(r.Where, "rating %d is not 1–10", r.Rating)
	}
	if utf8.RuneCountInString(r.Body) > maxBodyRunes {
		p.add(r.Where, "review is longer than %d characters", maxBodyRunes)
	}
	if r.WatchedOn != "" {
		if _, err := time.Parse(time.DateOnly, r.WatchedOn); err != nil {
			p.add(r.Where, "watched date %q is not YYYY-MM-DD", r.WatchedOn)
		}
	}
}

// cleanText applies the API's text rules to an imported review: NFC,
// trimmed, line feeds and tabs but no other control characters.
func cleanText(s string) (string, error) {
	return textin.Text(s, `text:"multiline"`)
}

// Letterboxd's export files, told apart by their header.
var letterboxdFiles = map[string][]string{
	"watchlist": {"Date", "Name", "Year", "Letterboxd URI"},
	"ratings":   {"Date", "Name", "Year", "Letterboxd URI", "Rating"},
	"diary":     {"Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"},
	"reviews":   {"Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Review", "Tags", "Watched Date"},
}

// The files of a Letterboxd ZIP that are imported; the others (profile,
// comments, likes, lists, watched) are left out.
var letterboxdZipFiles = map[string]string{
	"watchlist.csv": "watchlist", "ratings.csv": "ratings", "diary.csv": "diary", "reviews.csv": "reviews",
}

func parseLetterboxdZip(body []byte, p *problems) []Record {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		p.add("body", "is not a readable ZIP file: %v", err)
		return nil
	}
	if len(zr.File) > maxZipFiles {
		p.add("body", "ZIP holds %d files; at most %d", len(zr.File), maxZipFiles)
		return nil
	}
	// Read in a fixed order, so reports and line numbers are stable.
	files := slices.Clone(zr.File)
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	var (
		recs  []Record
		total int64
		found bool
	)
	// The export's own files are the shallowest ones with those names
	// (the ZIP may have a top folder); deleted/ratings.csv and the like are
	// not the user's current data.
	depth := func(f *zip.File) int { return strings.Count(strings.Trim(f.Name, "/"), "/") }
	top := -1
	for _, f := range files {
		if _, ok := letterboxdZipFiles[path.Base(f.Name)]; ok && (top < 0 || depth(f) < top) {
			top = depth(f)
		}
	}
	for _, f := range files {
		want, ok := letterboxdZipFiles[path.Base(f.Name)]
		if !ok || depth(f) != top {
			continue
		}
		found = true
		rc, err := f.Open()
		if err != nil {
			p.add(f.Name, "cannot be read: %v", err)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxUnzipped-total+1))
		_ = rc.Close()
		total += int64(len(b))
		if err != nil {
			p.add(f.Name, "cannot be read: %v", err)
			continue
		}
		if total > maxUnzipped {
			p.add("body", "ZIP unpacks to more than %d MiB of CSV", maxUnzipped>>20)
			return nil
		}
		before := len(*p)
		rs := parseLetterboxdCSV(path.Base(f.Name), b, p)
		if len(*p) == before && len(rs) > 0 && rs[0].Section != sectionOf(want) {
			p.add(f.Name+" line 1", "header is not the one of a Letterboxd %s file", want)
		}
		recs = append(recs, rs...)
	}
	if !found {
		p.add("body", "ZIP holds none of diary.csv, ratings.csv, reviews.csv, watchlist.csv")
	}
	return recs
}

func sectionOf(letterboxdFile string) string {
	switch letterboxdFile {
	case "watchlist":
		return SectionBookmarks
	case "diary":
		return SectionDiary
	case "reviews":
		return SectionReviews
	default:
		return SectionRatings
	}
}

// parseLetterboxdCSV reads one Letterboxd CSV file; name prefixes the line
// numbers of its problems when it came out of a ZIP.
func parseLetterboxdCSV(name string, body []byte, p *problems) []Record {
	at := func(line int) string {
		if name == "" {
			return "line " + strconv.Itoa(line)
		}
		return name + " line " + strconv.Itoa(line)
	}
	if !utf8.Valid(body) {
		p.add(at(1), "file is not UTF-8 text")
		return nil
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		p.add(at(1), "no CSV header: %v", csvReason(err))
		return nil
	}
	kind := ""
	for k, cols := range letterboxdFiles {
		if slices.Equal(header, cols) {
			kind = k
		}
	}
	if kind == "" {
		p.add(at(1), "header %q is not a Letterboxd diary, ratings, reviews or watchlist file", strings.Join(header, ","))
		return nil
	}
	col := map[string]int{}
	for i, c := range header {
		col[c] = i
	}
	var recs []Record
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			p.add(at(line), "%s", csvReason(err))
			if !errors.Is(err, csv.ErrFieldCount) {
				return recs // the reader cannot go on after broken quoting
			}
			continue
		}
		if len(recs) > MaxRecords {
			p.add(at(line), "more than %d entries", MaxRecords)
			return recs
		}
		get := func(c string) string { return strings.TrimSpace(row[col[c]]) }
		rec := Record{Section: sectionOf(kind), Where: at(line), Ref: Ref{Type: "movie", Title: get("Name")}}
		if rec.Ref.Title == "" {
			p.add(rec.Where, "Name is empty")
		}
		if y := get("Year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 1870 || n > 2200 {
				p.add(rec.Where, "Year %q is not a year", y)
			}
			rec.Ref.Year = n
		}
		if d := get("Date"); d != "" {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				p.add(rec.Where, "Date %q is not YYYY-MM-DD", d)
			} else {
				rec.At = &t
			}
		}
		if _, ok := col["Rating"]; ok {
			rec.Rating = letterboxdRating(get("Rating"), rec.Where, p)
			if kind == "ratings" && rec.Rating == 0 && get("Rating") == "" {
				p.add(rec.Where, "Rating is empty")
			}
		}
		if _, ok := col["Rewatch"]; ok {
			switch get("Rewatch") {
			case "Yes":
				rec.Rewatch = true
			case "", "No":
			default:
				p.add(rec.Where, "Rewatch %q is neither Yes nor empty", get("Rewatch"))
			}
		}
		if _, ok := col["Tags"]; ok && get("Tags") != "" {
			for _, t := range strings.Split(get("Tags"), ",") {
				if t = strings.TrimSpace(t); t != "" {
					rec.Tags = append(rec.Tags, t)
				}
			}
		}
		if _, ok := col["Watched Date"]; ok {
			rec.WatchedOn = get("Watched Date")
			if rec.WatchedOn == "" && kind == "diary" {
				p.add(rec.Where, "Watched Date is empty")
			}
		}
		if _, ok := col["Review"]; ok {
			body, err := cleanText(row[col["Review"]])
			if err != nil {
				p.add(rec.Where, "Review %v", err)
			}
			rec.Body = body
		}
		recs = append(recs, rec)
	}
	return recs
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return "wrong number of columns"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// letterboxdRating maps 0.5–5 stars in half steps to 1–10; empty is none.
func letterboxdRating(s, where string, p *problems) int {
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0.5 || f > 5 || f*2 != float64(int(f*2)) {
		p.add(where, "Rating %q is not 0.5–5 in steps of 0.5", s)
		return 0
	}
	return int(f * 2)
}

// jsonProblem describes a JSON syntax or type error with its byte offset and line.
func jsonProblem(body []byte, where string, err error, p *problems) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		p.add(fmt.Sprintf("%s byte %d (line %d)", where, se.Offset, lineAt(body, se.Offset)), "invalid JSON: %v", se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		p.add(where, "%s is a JSON %s, expected %s", field, te.Value, te.Type)
	default:
		p.add(where, "invalid JSON: %v", err)
	}
}

func lineAt(body []byte, offset int64) int {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	return bytes.Count(body[:offset], []byte("\n")) + 1
}

// traktItem is one entry of a Trakt export: a rating, a watchlist entry,
// a history entry or a watched title, told apart by their time field.
type traktItem struct {
	RatedAt       *time.Time  `json:"rated_at"`
	ListedAt      *time.Time  `json:"listed_at"`
	WatchedAt     *time.Time  `json:"watched_at"`
	LastWatchedAt *time.Time  `json:"last_watched_at"`
	Rating        *int        `json:"rating"`
	Type          string      `json:"type"`
	Movie         *traktTitle `json:"movie"`
	Show          *traktTitle `json:"show"`
	Episode       *traktTitle `json:"episode"`
	Season        *traktTitle `json:"season"`
}

type traktTitle struct {
	Title string `json:"title"`
	Year  *int   `json:"year"`
	IDs   struct {
		TMDB *int64 `json:"tmdb"`
	} `json:"ids"`
}

// traktSections are the arrays a Trakt export object may hold.
var traktSections = []string{"ratings", "watchlist", "history", "watched",
	"ratings-movies", "ratings-shows", "watchlist-movies", "watchlist-shows", "watched-movies", "watched-shows", "history-movies", "history-shows"}

func parseTrakt(body []byte, p *problems) []Record {
	if err := server.CheckJSON(body); err != nil {
		p.add("body", "invalid JSON: %v", err)
		return nil
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		jsonProblem(body, "body", err, p)
		return nil
	}
	if raw[0] == '[' {
		return traktArray(body, "", raw, p)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		jsonProblem(body, "body", err, p)
		return nil
	}
	var recs []Record
	found := false
	for _, name := range traktSections {
		if a, ok := obj[name]; ok {
			found = true
			recs = append(recs, traktArray(body, name, a, p)...)
		}
	}
	if !found {
		p.add("body", "is neither a Trakt export array nor an object with ratings, watchlist, history or watched arrays")
	}
	return recs
}

func traktArray(body []byte, name string, raw json.RawMessage, p *problems) []Record {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		jsonProblem(body, orBody(name), err, p)
		return nil
	}
	recs := make([]Record, 0, len(items))
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", name, i)
		var item traktItem
		if err := json.Unmarshal(it, &item); err != nil {
			jsonProblem(body, where, err, p)
			continue
		}
		rec, ok := traktRecord(item, where, p)
		if ok {
			recs = append(recs, rec)
		}
		if len(recs) > MaxRecords {
			p.add(where, "more than %d entries", MaxRecords)
			break
		}
	}
	return recs
}

func orBody(name string) string {
	if name == "" {
		return "body"
	}
	return name
}

func traktRecord(item traktItem, where string, p *problems) (Record, bool) {
	rec := Record{Where: where}
	var t *traktTitle
	switch item.Type {
	case "movie":
		t, rec.Ref.Type = item.Movie, "movie"
	case "show":
		t, rec.Ref.Type = item.Show, "tv"
	case "season", "episode":
		// Reelview rates and lists whole titles; the section notes these.
		t, rec.Ref.Type = item.Show, "tv"
	case "":
		switch {
		case item.Movie != nil:
			t, rec.Ref.Type = item.Movie, "movie"
		case item.Show != nil:
			t, rec.Ref.Type = item.Show, "tv"
		}
	default:
		p.add(where, "type %q is not movie, show, season or episode", item.Type)
		return rec, false
	}
	if t == nil {
		p.add(where, "has no %s object", map[bool]string{true: "movie", false: "show"}[rec.Ref.Type == "movie"])
		return rec, false
	}
	rec.Ref.Title = strings.TrimSpace(t.Title)
	if t.Year != nil {
		rec.Ref.Year = *t.Year
	}
	if t.IDs.TMDB != nil {
		rec.Ref.TmdbID = *t.IDs.TMDB
	}
	if rec.Ref.Title == "" && rec.Ref.TmdbID == 0 {
		p.add(where, "has neither a title nor a TMDB id")
	}
	partial := item.Type == "season" || item.Type == "episode"
	switch {
	case item.RatedAt != nil:
		rec.Section, rec.At = SectionRatings, item.RatedAt
		if item.Rating == nil {
			p.add(where, "rating is missing")
		} else {
			rec.Rating = *item.Rating
		}
	case item.ListedAt != nil:
		rec.Section, rec.At = SectionBookmarks, item.ListedAt
	case item.WatchedAt != nil || item.LastWatchedAt != nil:
		at := item.WatchedAt
		if at == nil {
			at = item.LastWatchedAt
		}
		rec.Section, rec.At = SectionDiary, at
		rec.WatchedOn = at.UTC().Format(time.DateOnly)
	default:
		p.add(where, "has none of rated_at, listed_at, watched_at, last_watched_at")
		return rec, false
	}
	if partial {
		rec.Part = item.Type
	}
	return rec, true
}

// exportEntry is the common shape of an entry of a Reelview export.
type exportEntry struct {
	Content    *Ref       `json:"content"`
	Rating     int        `json:"rating"`
	Body       string     `json:"body"`
	Spoiler    bool       `json:"spoiler"`
	Hidden     bool       `json:"hidden"`
	CreatedAt  *time.Time `json:"created_at"`
	Bookmarked *time.Time `json:"bookmarked_at"`
	WatchedOn  string     `json:"watched_on"`
	Rewatch    bool       `json:"rewatch"`
}

func parseReelview(body []byte, p *problems) []Record {
	if err := server.CheckJSON(body); err != nil {
		p.add("body", "invalid JSON: %v", err)
		return nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		jsonProblem(body, "body", err, p)
		return nil
	}
	var version int
	if err := json.Unmarshal(doc["version"], &version); err != nil || version != exportVersion {
		p.add("version", "must be %d", exportVersion)
		return nil
	}
	names := make([]string, 0, len(doc))
	for k := range doc {
		switch k {
		case "format", "version", "exported_at", "profile":
		default:
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var recs []Record
	for _, name := range names {
		var items []json.RawMessage
		if err := json.Unmarshal(doc[name], &items); err != nil {
			jsonProblem(body, name, err, p)
			continue
		}
		for i, it := range items {
			where := fmt.Sprintf("%s[%d]", name, i)
			var e exportEntry
			if err := json.Unmarshal(it, &e); err != nil {
				jsonProblem(body, where, err, p)
				continue
			}
			rec := Record{Section: name, Where: where, Rating: e.Rating, Spoiler: e.Spoiler, Hidden: e.Hidden,
				At: e.CreatedAt, WatchedOn: e.WatchedOn, Rewatch: e.Rewatch, Data: it}
			if e.Bookmarked != nil {
				rec.At = e.Bookmarked
			}
			if e.Content != nil {
				rec.Ref = *e.Content
				if rec.Ref.Type != "" && rec.Ref.Type != "movie" && rec.Ref.Type != "tv" {
					p.add(where+".content.type", "must be movie or tv")
				}
				if rec.Ref.Title == "" && rec.Ref.TmdbID == 0 {
					p.add(where+".content", "has neither a title nor a TMDB id")
				}
			}
			b, err := cleanText(e.Body)
			if err != nil {
				p.add(where+".body", "%v", err)
			}
			rec.Body = b
			if len(recs) >= MaxRecords {
				p.add(where, "more than %d entries", MaxRecords)
				return recs
			}
			recs = append(recs, rec)
		}
	}
	return recs
}
