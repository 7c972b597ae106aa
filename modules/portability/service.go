package portability

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/modules/contents"
	"github.com/reelview/reelview/modules/reviews"
	"github.com/reelview/reelview/modules/tmdb"
)

// Service exports a user's data and queues and reports imports.
type Service struct {
	*Runner
	jobs *jobs.Client
}

// NewService returns the service.
func NewService(r *Runner, j *jobs.Client) *Service { return &Service{Runner: r, jobs: j} }

// Runner holds the sections and runs imports (the job's side, which the
// River client depends on).
type Runner struct {
	db       *ent.Client
	rdb      *cache.Redis
	sections []Section // sorted by name
	tmdb     *tmdb.Service
	tmdbOK   func() bool
	log      *zap.Logger
}

// Params are the dependencies of the runner. The sections come from the
// "portability" group: this module's own and those other modules add.
type Params struct {
	fx.In
	DB         *database.DB
	Redis      *cache.Redis
	Reviews    *reviews.Service
	Contents   *contents.Service
	TMDB       *tmdb.Service `optional:"true"`
	TMDBClient *tmdb.Client  `optional:"true"`
	Sections   []Section     `group:"portability"`
	Log        *zap.Logger
}

// NewRunner returns the runner with the built-in sections (reviews,
// ratings, bookmarks) and those of the group.
func NewRunner(p Params) *Runner {
	secs := append([]Section{
		&reviewSection{name: SectionRatings, db: p.DB.Ent, reviews: p.Reviews},
		&reviewSection{name: SectionReviews, db: p.DB.Ent, reviews: p.Reviews},
		&bookmarkSection{db: p.DB.Ent, contents: p.Contents},
	}, p.Sections...)
	// Ratings before reviews: a Letterboxd review then adds its text to the
	// rating of the same title instead of being skipped.
	slices.SortStableFunc(secs, func(a, b Section) int { return strings.Compare(a.Name(), b.Name()) })
	s := &Runner{db: p.DB.Ent, rdb: p.Redis, sections: secs, log: p.Log, tmdbOK: func() bool { return false }}
	if p.TMDB != nil && p.TMDBClient != nil {
		s.tmdb, s.tmdbOK = p.TMDB, p.TMDBClient.Configured
	}
	return s
}

func (s *Runner) section(name string) Section {
	for _, sec := range s.sections {
		if sec.Name() == name {
			return sec
		}
	}
	return nil
}

// Profile is the account part of an export. It is not imported: the
// nickname is unique and chosen at sign-up.
type Profile struct {
	ID        int       `json:"id" example:"42"`
	Email     string    `json:"email" example:"ada@example.com"`
	Nickname  string    `json:"nickname" example:"ada"`
	Bio       string    `json:"bio" example:"Sci-fi and slow cinema."`
	AvatarURL string    `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
	Private   bool      `json:"private" example:"false"`
	CreatedAt time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
}

func (s *Service) profile(ctx context.Context, userID int) (Profile, error) {
	u, err := s.db.User.Get(ctx, userID)
	if err != nil {
		return Profile{}, fmt.Errorf("portability: profile: %w", err)
	}
	return Profile{ID: u.ID, Email: u.Email, Nickname: u.Nickname, Bio: u.Bio, AvatarURL: u.AvatarURL,
		Private: u.Private, CreatedAt: u.CreatedAt.UTC()}, nil
}

// ExportJSON returns the user's data as one JSON document: format, version,
// exported_at, profile, then one array per section.
func (s *Service) ExportJSON(ctx context.Context, userID int) ([]byte, error) {
	p, err := s.profile(ctx, userID)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"format": exportFormatName, "version": exportVersion,
		"exported_at": time.Now().UTC().Truncate(time.Second), "profile": p}
	for _, sec := range s.sections {
		e, err := sec.Export(ctx, userID)
		if err != nil {
			return nil, err
		}
		doc[sec.Name()] = e.JSON
	}
	return json.Marshal(doc)
}

// ExportZIP returns the user's data as a ZIP of CSV files: profile.csv and
// one file per section.
func (s *Service) ExportZIP(ctx context.Context, userID int) ([]byte, error) {
	p, err := s.profile(ctx, userID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct {
		name string
		rows [][]string
	}{{"profile.csv", [][]string{{"id", "email", "nickname", "bio", "avatar_url", "private", "created_at"},
		{strconv.Itoa(p.ID), p.Email, p.Nickname, p.Bio, p.AvatarURL, strconv.FormatBool(p.Private), TimeCell(p.CreatedAt)}}}}
	for _, sec := range s.sections {
		e, err := sec.Export(ctx, userID)
		if err != nil {
			return nil, err
		}
		files = append(files, struct {
			name string
			rows [][]string
		}{sec.Name() + ".csv", e.CSV})
	}
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Now().UTC()})
		if err != nil {
			return nil, err
		}
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(f.rows); err != nil {
			return nil, fmt.Errorf("portability: export csv: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Queued is an accepted import.
type Queued struct {
	JobID     int64  `json:"job_id" example:"42"`
	StatusURL string `json:"status_url" example:"/api/v1/users/me/import/42" doc:"Poll it for progress and, at the end, the report."`
	Source    string `json:"source" enum:"letterboxd,trakt,reelview" example:"letterboxd"`
	DryRun    bool   `json:"dry_run" example:"false"`
	Records   int    `json:"records" example:"120" doc:"Entries read from the file."`
}

// Queue checks the whole file and queues its import. A bad file is
// ErrBadFile (400) naming each problem's place and nothing is queued; a
// second import while one of the user's is queued or running is
// ErrImportRunning.
func (s *Service) Queue(ctx context.Context, userID int, source string, dryRun bool, body []byte) (Queued, error) {
	source, recs, err := Parse(source, body)
	if err != nil {
		return Queued{}, err
	}
	var p problems
	for _, r := range recs {
		if v, ok := s.section(r.Section).(Validator); ok {
			if err := v.Validate(r); err != nil {
				p.add(r.Where, "%s", clientMessage(err))
			}
		}
	}
	if err := p.err(); err != nil {
		return Queued{}, err
	}
	res, err := s.jobs.Insert(ctx, ImportArgs{UserID: userID, Source: source, DryRun: dryRun, Count: len(recs), Records: recs}, nil)
	if err != nil {
		return Queued{}, fmt.Errorf("portability: queue: %w", err)
	}
	if res.UniqueSkippedAsDuplicate {
		return Queued{}, ErrImportRunning.WithMessage("Your import %d is still queued or running; wait for it to finish.", res.Job.ID)
	}
	return Queued{JobID: res.Job.ID, StatusURL: fmt.Sprintf("/api/v1/users/me/import/%d", res.Job.ID),
		Source: source, DryRun: dryRun, Records: len(recs)}, nil
}

// ImportStatus is the state of an import job.
type ImportStatus struct {
	JobID      int64          `json:"job_id" example:"42"`
	State      string         `json:"state" example:"running" doc:"River's job state: available (queued), running, retryable (failed, will be retried), completed, discarded (failed for good) or cancelled."`
	Source     string         `json:"source" enum:"letterboxd,trakt,reelview" example:"letterboxd"`
	DryRun     bool           `json:"dry_run" example:"false"`
	Attempt    int            `json:"attempt" example:"1"`
	CreatedAt  time.Time      `json:"created_at" example:"2026-11-25T12:00:00Z"`
	FinishedAt *time.Time     `json:"finished_at" nullable:"true" example:"2026-11-25T12:01:30Z"`
	Progress   ImportProgress `json:"progress"`
	Report     *ImportReport  `json:"report,omitempty" doc:"What the import did (a dry run: would do); present once completed."`
	LastError  *string        `json:"last_error" nullable:"true" example:"internal error" doc:"Why the last attempt failed; nothing of a failed attempt was written."`
}

// Status reports one of the user's imports; anyone else's, or a job that
// is not an import, is ErrJobNotFound.
func (s *Service) Status(ctx context.Context, userID int, id int64) (ImportStatus, error) {
	job, err := s.jobs.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) || err == nil && job.Kind != (ImportArgs{}).Kind() {
		return ImportStatus{}, ErrJobNotFound
	}
	if err != nil {
		return ImportStatus{}, fmt.Errorf("portability: status: %w", err)
	}
	var args struct {
		UserID int    `json:"user_id"`
		Source string `json:"source"`
		DryRun bool   `json:"dry_run"`
		Count  int    `json:"count"`
	}
	_ = json.Unmarshal(job.EncodedArgs, &args)
	if args.UserID != userID {
		return ImportStatus{}, ErrJobNotFound
	}
	st := ImportStatus{JobID: job.ID, State: string(job.State), Source: args.Source, DryRun: args.DryRun, Attempt: job.Attempt,
		CreatedAt: job.CreatedAt.UTC(), FinishedAt: job.FinalizedAt, Progress: ImportProgress{Phase: "queued", Total: args.Count}}
	if n := len(job.Errors); n > 0 {
		msg := job.Errors[n-1].Error
		st.LastError = &msg
	}
	var saved savedState
	b, err := s.rdb.Get(ctx, stateKey(s.rdb, id)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
	case err != nil:
		return ImportStatus{}, fmt.Errorf("portability: status: %w", err)
	default:
		if err := json.Unmarshal(b, &saved); err == nil {
			st.Progress, st.Report = saved.Progress, saved.Report
		}
	}
	return st, nil
}
