package tmdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/config"
)

// SyncArgs are the arguments of a TMDB list sync job.
type SyncArgs struct {
	List  string `json:"list" river:"unique" example:"popular"`
	Type  string `json:"type" river:"unique" example:"movie"`
	Pages int    `json:"pages" river:"unique" example:"5"`
}

// Kind implements river.JobArgs.
func (SyncArgs) Kind() string { return "tmdb_sync" }

// InsertOpts makes a sync unique while one with the same arguments is
// queued or running (a finished one may run again).
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// Progress is what a sync job has done so far. It lives in Redis, so any
// replica can report it and a retried job resumes after the last page done.
type Progress struct {
	PagesDone  int      `json:"pages_done" example:"2"`
	PagesTotal int      `json:"pages_total" example:"5"`
	Imported   int      `json:"imported" example:"31" doc:"Titles new to the catalog."`
	Updated    int      `json:"updated" example:"8" doc:"Titles already in the catalog, refreshed."`
	Failed     int      `json:"failed" example:"1"`
	Errors     []string `json:"errors" example:"[\"movie 12345: TMDB answered 404\"]" doc:"The last errors (at most 20)."`
}

// SyncWorker imports every title of some pages of a TMDB list.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	svc *Service
	rdb *cache.Redis
	log *zap.Logger
}

// Timeout lets a sync of many pages run longer than River's default minute.
func (w *SyncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return time.Hour }

func progressKey(rdb *cache.Redis, jobID int64) string {
	return rdb.Key("tmdb", "sync", strconv.FormatInt(jobID, 10))
}

func loadProgress(ctx context.Context, rdb *cache.Redis, jobID int64) (Progress, error) {
	var p Progress
	b, err := rdb.Get(ctx, progressKey(rdb, jobID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(b, &p)
}

func saveProgress(ctx context.Context, rdb *cache.Redis, jobID int64, p Progress) error {
	b, _ := json.Marshal(p)
	return rdb.Set(ctx, progressKey(rdb, jobID), b, 7*24*time.Hour).Err()
}

// Work imports the pages not done yet; every import is an idempotent
// upsert, so a job interrupted half-way and retried creates no duplicates.
func (w *SyncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	p, err := loadProgress(ctx, w.rdb, job.ID)
	if err != nil {
		return err
	}
	p.PagesTotal = job.Args.Pages
	for page := p.PagesDone + 1; page <= job.Args.Pages; page++ {
		list, err := w.svc.client.List(ctx, job.Args.List, job.Args.Type, page)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err) // retried by River with backoff
		}
		for _, t := range list.Results {
			typ := job.Args.Type
			if t.MediaType == "movie" || t.MediaType == "tv" {
				typ = t.MediaType
			}
			res, err := w.svc.Import(ctx, typ, t.ID)
			switch {
			case err != nil:
				p.Failed++
				p.Errors = append(p.Errors, fmt.Sprintf("%s %d: %s", typ, t.ID, clientMessage(err)))
				if len(p.Errors) > 20 {
					p.Errors = p.Errors[len(p.Errors)-20:]
				}
			case res.Created:
				p.Imported++
			default:
				p.Updated++
			}
		}
		p.PagesDone = page
		if err := saveProgress(ctx, w.rdb, job.ID, p); err != nil {
			return err
		}
		if page >= list.TotalPages {
			break
		}
	}
	w.log.Info("tmdb sync done", zap.Int64("job_id", job.ID), zap.Int("imported", p.Imported),
		zap.Int("updated", p.Updated), zap.Int("failed", p.Failed))
	return nil
}

func clientMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return "internal error"
}

// registration adds the sync worker, and the periodic sync when
// TMDB_SYNC_INTERVAL is set. River runs periodic jobs on its elected leader
// only, so one sync runs per interval however many replicas there are.
func registration(svc *Service, rdb *cache.Redis, c config.TMDB, log *zap.Logger) jobs.Registration {
	reg := jobs.Registration{Workers: func(ws *river.Workers) {
		river.AddWorker(ws, &SyncWorker{svc: svc, rdb: rdb, log: log})
	}}
	if c.SyncInterval > 0 {
		reg.Periodic = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(c.SyncInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return SyncArgs{List: "popular", Type: "movie", Pages: c.SyncPages}, nil
			},
			&river.PeriodicJobOpts{ID: "tmdb_sync_popular", RunOnStart: true},
		)}
	}
	return reg
}

// SyncStatus is the state of a sync job.
type SyncStatus struct {
	JobID      int64      `json:"job_id" example:"42"`
	State      string     `json:"state" example:"running" doc:"River's job state, such as available, running, retryable, completed or discarded."`
	Args       SyncArgs   `json:"args"`
	Attempt    int        `json:"attempt" example:"1"`
	CreatedAt  time.Time  `json:"created_at" example:"2026-11-25T12:00:00Z"`
	FinishedAt *time.Time `json:"finished_at" nullable:"true" example:"2026-11-25T12:01:30Z"`
	Progress   Progress   `json:"progress"`
	LastError  *string    `json:"last_error" nullable:"true" example:"TMDB answered 503"`
}

// ErrJobNotFound is a job id that is not a TMDB sync.
var ErrJobNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Sync job not found.")

// Syncs queues and reports TMDB sync jobs.
type Syncs struct {
	client *jobs.Client
	rdb    *cache.Redis
	tmdb   *Client
}

// NewSyncs returns the sync service.
func NewSyncs(client *jobs.Client, rdb *cache.Redis, tc *Client) *Syncs {
	return &Syncs{client: client, rdb: rdb, tmdb: tc}
}

// Queue queues a sync; the same sync already queued or running is returned
// instead of a second one.
func (s *Syncs) Queue(ctx context.Context, a SyncArgs) (int64, bool, error) {
	if !s.tmdb.Configured() {
		return 0, false, ErrNotConfigured
	}
	res, err := s.client.Insert(ctx, a, nil)
	if err != nil {
		return 0, false, fmt.Errorf("tmdb: queue sync: %w", err)
	}
	return res.Job.ID, res.UniqueSkippedAsDuplicate, nil
}

// Status reports a sync job.
func (s *Syncs) Status(ctx context.Context, id int64) (SyncStatus, error) {
	job, err := s.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) || err == nil && job.Kind != (SyncArgs{}).Kind() {
		return SyncStatus{}, ErrJobNotFound
	}
	if err != nil {
		return SyncStatus{}, fmt.Errorf("tmdb: sync status: %w", err)
	}
	var args SyncArgs
	_ = json.Unmarshal(job.EncodedArgs, &args)
	p, err := loadProgress(ctx, s.rdb, id)
	if err != nil {
		return SyncStatus{}, err
	}
	if p.PagesTotal == 0 {
		p.PagesTotal = args.Pages
	}
	st := SyncStatus{JobID: job.ID, State: string(job.State), Args: args, Attempt: job.Attempt,
		CreatedAt: job.CreatedAt.UTC(), FinishedAt: job.FinalizedAt, Progress: p}
	if n := len(job.Errors); n > 0 {
		msg := job.Errors[n-1].Error
		st.LastError = &msg
	}
	return st, nil
}
