package portability

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/modules/auth"
)

// Handler serves the export and import operations.
type Handler struct {
	svc       *Service
	guard     *auth.Guard
	limiter   *server.RateLimiter
	bodyLimit int
}

// NewHandler returns the portability HTTP handler.
func NewHandler(svc *Service, g *auth.Guard, l *server.RateLimiter, c config.HTTP) *Handler {
	return &Handler{svc: svc, guard: g, limiter: l, bodyLimit: c.BodyLimit}
}

// Register implements server.Routes.
func (h *Handler) Register(api huma.API) {
	g := server.Group(api, "Import and export")
	binary := &huma.Schema{Type: "string", Format: "binary"}
	docSchema := documentSchema(api.OpenAPI().Components.Schemas, h.svc.sections)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "export-my-data", Method: http.MethodGet, Path: "/users/me/export",
		Summary: "Export my data",
		Description: "The caller's profile, reviews (with text), ratings (reviews without text) and bookmarks (and, where the server has them, diary and lists). " +
			"`format=json` (default) is one JSON document `{format:\"reelview-export\", version:1, exported_at, profile, <section>: [...]}`; " +
			"`format=csv` a ZIP (`application/zip`) of one CSV file per section plus profile.csv. " +
			"Every entry names its title by Reelview `content.id`, by `type` + `tmdb_id` and by `title` + `year`, so another server or service can match it. " +
			"The JSON document is what `POST /users/me/import?source=reelview` reads back. Titles deleted from the catalog are left out.",
		Responses: map[string]*huma.Response{"200": {
			Description: "The export, as an attachment.",
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: docSchema},
				"application/zip":  {Schema: binary},
			},
		}},
	}), h.export)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "import-my-data", Method: http.MethodPost, Path: "/users/me/import",
		Summary: "Import data from Letterboxd, Trakt or a Reelview export",
		Description: "Send the file as the raw request body (any content type; the body's first bytes tell the kind): " +
			"a **Letterboxd** CSV (`diary.csv`, `ratings.csv`, `reviews.csv` or `watchlist.csv`, told apart by their header) or the whole Letterboxd export ZIP; " +
			"a **Trakt** JSON export (an array of ratings, watchlist or history items, or an object holding several of them by name); " +
			"or a **Reelview** JSON export (`GET /users/me/export`). `source` is optional and checked against the file when given.\n\n" +
			"The whole file is checked first: a bad file is a 400 `VALIDATION_FAILED` whose `details` name each problem's place (`line 4` of a CSV, `ratings.csv line 4` in a ZIP, `history[3]` or `byte 120 (line 7)` of JSON) and the reason, and nothing is queued. " +
			"A good file is queued as a job (202 with `job_id` and `status_url`). The job matches each title to the catalog by type + TMDB id, else by title + year (case-insensitive); " +
			"with TMDB configured on the server, titles missing from the catalog are looked up on TMDB and imported into it, otherwise they are reported unmatched. " +
			"Then it writes every entry in one transaction: it fails or succeeds as a whole. Entries already present (a review or rating of the same title, a bookmark) are skipped and reported, so importing a file twice changes nothing; " +
			"a review of a title the caller only rated adds its text to that rating. Letterboxd ratings (0.5–5 stars) become 1–10; Trakt's are 1–10 already. " +
			"Diary entries (Letterboxd diary, Trakt history) and lists are imported where the server has them, and otherwise reported as skipped.\n\n" +
			"`dry_run=true` runs the same job and reports what would be imported, writing nothing (not even TMDB titles). " +
			"One import per user at a time: another one while it is queued or running is 409. " +
			"The body may be as large as the server's HTTP_BODY_LIMIT (1 MiB by default): send a large Letterboxd export as its ZIP (up to 32 MiB of CSV inside) or file by file. " +
			"At most 20,000 entries per import. Imports are throttled per client (RATE_LIMIT_IMPORT, 30 an hour by default).",
		// The file is read and checked by Parse, whatever its content type.
		DefaultStatus: http.StatusAccepted, MaxBodyBytes: int64(h.bodyLimit), SkipValidateBody: true,
		Errors:      []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests},
		Middlewares: huma.Middlewares{h.limiter.Middleware(api, server.PolicyImport)},
		RequestBody: &huma.RequestBody{Required: true, Description: "The export file, as it was downloaded.", Content: map[string]*huma.MediaType{
			"text/csv": {Schema: binary}, "application/zip": {Schema: binary},
			"application/json": {Schema: &huma.Schema{Description: "A Trakt or Reelview JSON export.", Examples: []any{[]any{map[string]any{
				"rated_at": "2014-09-01T09:10:11.000Z", "rating": 10, "type": "movie",
				"movie": map[string]any{"title": "Batman Begins", "year": 2005, "ids": map[string]any{"trakt": 1, "tmdb": 272}},
			}}}}},
		}},
	}), h.importData)
	server.Register(g, h.guard.User(api, huma.Operation{
		OperationID: "get-my-import", Method: http.MethodGet, Path: "/users/me/import/{job_id}",
		Summary: "State of one of my imports",
		Description: "The job's state, its progress (`phase`: queued, matching, writing, done; `processed` of `total`) and, once completed, the report: " +
			"counts per section of entries imported, skipped (already present, or not importable here) and unmatched, with notes naming each such entry and the reason. " +
			"A failed attempt wrote nothing and is retried (state `retryable`, `last_error`). Only the import's owner sees it: anyone else's job is 404. Jobs are kept at least a day.",
		Errors: []int{http.StatusNotFound},
	}), h.status)
}

type exportInput struct {
	Format string `query:"format" enum:"json,csv" default:"json" example:"json" doc:"json: one JSON document; csv: a ZIP of CSV files."`
}

type exportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (h *Handler) export(ctx context.Context, in *exportInput) (*exportOutput, error) {
	p, _ := auth.Caller(ctx)
	stamp := time.Now().UTC().Format("2006-01-02")
	out := &exportOutput{}
	var err error
	if in.Format == "csv" {
		out.Body, err = h.svc.ExportZIP(ctx, p.UserID)
		out.ContentType = "application/zip"
		out.ContentDisposition = fmt.Sprintf(`attachment; filename="reelview-export-%s.zip"`, stamp)
	} else {
		out.Body, err = h.svc.ExportJSON(ctx, p.UserID)
		out.ContentType = "application/json"
		out.ContentDisposition = fmt.Sprintf(`attachment; filename="reelview-export-%s.json"`, stamp)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

type importInput struct {
	Source  string `query:"source" enum:"letterboxd,trakt,reelview" example:"letterboxd" doc:"Where the file comes from; optional (told from the file), checked when given."`
	DryRun  bool   `query:"dry_run" example:"false" doc:"Report what would be imported; write nothing."`
	RawBody []byte
}

type importOutput struct {
	Location string `header:"Location" example:"/api/v1/users/me/import/42"`
	Body     Queued
}

func (h *Handler) importData(ctx context.Context, in *importInput) (*importOutput, error) {
	p, _ := auth.Caller(ctx)
	q, err := h.svc.Queue(ctx, p.UserID, in.Source, in.DryRun, in.RawBody)
	if err != nil {
		return nil, err
	}
	return &importOutput{Location: q.StatusURL, Body: q}, nil
}

type statusInput struct {
	JobID int64 `path:"job_id" minimum:"1" example:"42" doc:"The job_id the import answered."`
}

type statusOutput struct{ Body ImportStatus }

func (h *Handler) status(ctx context.Context, in *statusInput) (*statusOutput, error) {
	p, _ := auth.Caller(ctx)
	st, err := h.svc.Status(ctx, p.UserID, in.JobID)
	if err != nil {
		return nil, err
	}
	return &statusOutput{Body: st}, nil
}

// Document is the head of the JSON export, for the OpenAPI document. Each
// section of the server sits beside these fields, as an array of its
// entries (documentSchema).
type Document struct {
	Format     string    `json:"format" enum:"reelview-export" example:"reelview-export" doc:"Always reelview-export."`
	Version    int       `json:"version" example:"1" doc:"Version of this format."`
	ExportedAt time.Time `json:"exported_at" example:"2026-11-25T12:00:00Z"`
	Profile    Profile   `json:"profile"`
}

var reflectDocument = reflect.TypeFor[Document]()

// documentSchema registers the schema of the JSON export and returns a
// reference to it: Document's fields, then one array per section the
// server has (ExportJSON writes every one), typed by the section's Entry.
// A section another module adds is thereby declared as soon as it is
// exported, and the document keeps refusing properties it does not name.
func documentSchema(r huma.Registry, sections []Section) *huma.Schema {
	doc := r.Schema(reflectDocument, false, "")
	for _, sec := range sections {
		doc.Properties[sec.Name()] = &huma.Schema{
			Type:        huma.TypeArray,
			Description: "The " + sec.Name() + " section: one entry per item.",
			Items:       r.Schema(reflect.TypeOf(sec.Entry()), true, ""),
		}
		doc.Required = append(doc.Required, sec.Name())
	}
	doc.PrecomputeMessages()
	return r.Schema(reflectDocument, true, "")
}
