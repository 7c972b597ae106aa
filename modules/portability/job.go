package portability

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/cache"
	"github.com/reelview/reelview/app/jobs"
)

// ImportArgs are the arguments of an import job: the records of the
// checked file, so the job needs nothing else and survives restarts.
type ImportArgs struct {
	UserID  int      `json:"user_id" river:"unique"`
	Source  string   `json:"source"`
	DryRun  bool     `json:"dry_run"`
	Count   int      `json:"count"`
	Records []Record `json:"records"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "portability_import" }

// InsertOpts allows one import per user while it is queued or running
// (by user_id only): a second one is refused until the first ends.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// ImportProgress is how far an import is.
type ImportProgress struct {
	Phase     string `json:"phase" enum:"queued,matching,writing,done" example:"matching" doc:"queued; matching titles to the catalog (and TMDB); writing, in one transaction; done."`
	Total     int    `json:"total" example:"120" doc:"Entries of the file."`
	Processed int    `json:"processed" example:"45" doc:"Entries of this phase done."`
}

// ImportReport is what an import did, or on a dry run would do.
type ImportReport struct {
	DryRun       bool            `json:"dry_run" example:"false"`
	Imported     int             `json:"imported" example:"110"`
	Skipped      int             `json:"skipped" example:"8"`
	Unmatched    int             `json:"unmatched" example:"2"`
	TitlesAdded  int             `json:"titles_added" example:"3" doc:"Titles imported into the catalog from TMDB to match entries (a dry run: that would be)."`
	Sections     []SectionReport `json:"sections"`
	FinishedAtUT time.Time       `json:"finished_at" example:"2026-11-25T12:01:30Z"`
}

// savedState is the progress and report of a job, in Redis so that every
// replica can answer the status of any job.
type savedState struct {
	Progress ImportProgress `json:"progress"`
	Report   *ImportReport  `json:"report,omitempty"`
}

func stateKey(rdb *cache.Redis, jobID int64) string {
	return rdb.Key("import", strconv.FormatInt(jobID, 10))
}

// chunk is how many records a section imports per call, and how often
// progress is saved.
const chunk = 100

// ImportWorker runs imports.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	runner *runnerRef
}

// runnerRef hands the runner to the worker once the graph is built: the
// runner needs the reviews service, which (through notifications) needs the
// River client, which needs the worker.
type runnerRef struct{ r *Runner }

// Timeout lets a large import with TMDB lookups run past River's minute.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 30 * time.Minute }

// Work matches the records to catalog titles, then writes every section in
// one transaction: an error anywhere rolls all of it back (River retries
// the job from the start), and a dry run always rolls back.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	s := w.runner.r
	a := job.Args
	st := savedState{Progress: ImportProgress{Phase: "matching", Total: len(a.Records)}}
	save := func() error {
		b, _ := json.Marshal(st)
		return s.rdb.Set(ctx, stateKey(s.rdb, job.ID), b, 7*24*time.Hour).Err()
	}
	if err := save(); err != nil {
		return err
	}
	m := &matcher{db: s.db, dryRun: a.DryRun, seen: map[Ref]match{}}
	if s.tmdbOK() {
		m.tmdb = s.tmdb
	}
	reports := map[string]*SectionReport{}
	var order []string
	bySection := map[string][]Record{}
	rep := &ImportReport{DryRun: a.DryRun}
	added := map[Ref]bool{}
	for i, rec := range a.Records {
		sr := reports[rec.Section]
		if sr == nil {
			sr = &SectionReport{Section: rec.Section, Notes: []Note{}}
			reports[rec.Section] = sr
			order = append(order, rec.Section)
		}
		sr.Records++
		res, err := m.find(ctx, rec.Ref)
		if err != nil {
			return err
		}
		switch {
		case res.reason != "":
			sr.Unmatched++
			sr.note(rec, res.reason)
		case res.fromTMDB && res.contentID == 0: // a dry run
			added[rec.Ref] = true
			if s.section(rec.Section) == nil {
				sr.Skip(rec, "this server does not import "+rec.Section)
			} else {
				sr.Imported++
				sr.note(rec, "title would be imported from TMDB first")
			}
		default:
			if res.fromTMDB {
				added[rec.Ref] = true
			}
			rec.ContentID = res.contentID
			bySection[rec.Section] = append(bySection[rec.Section], rec)
		}
		if (i+1)%chunk == 0 {
			st.Progress.Processed = i + 1
			if err := save(); err != nil {
				return err
			}
		}
	}
	rep.TitlesAdded = len(added)
	st.Progress = ImportProgress{Phase: "writing", Total: len(a.Records), Processed: 0}
	if err := save(); err != nil {
		return err
	}
	done := 0
	for _, r := range reports {
		done += r.Unmatched + r.Imported + r.Skipped
	}
	tx, err := s.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("portability: begin: %w", err)
	}
	err = func() error {
		for _, name := range order {
			recs := bySection[name]
			sec := s.section(name)
			if sec == nil {
				for _, rec := range recs {
					reports[name].Skip(rec, "this server does not import "+name)
				}
				done += len(recs)
				continue
			}
			size := chunk
			if w, ok := sec.(Whole); ok && w.Whole() {
				size = max(len(recs), 1)
			}
			for start := 0; start < len(recs); start += size {
				part := recs[start:min(start+size, len(recs))]
				r, err := sec.Import(ctx, tx, a.UserID, part, a.DryRun)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				reports[name].add(r)
				done += len(part)
				st.Progress.Processed = done
				if err := save(); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	if err != nil || a.DryRun {
		_ = tx.Rollback()
		if err != nil {
			return err
		}
	} else if err := tx.Commit(); err != nil {
		return fmt.Errorf("portability: commit: %w", err)
	}
	for _, name := range order {
		r := reports[name]
		rep.Imported += r.Imported
		rep.Skipped += r.Skipped
		rep.Unmatched += r.Unmatched
		rep.Sections = append(rep.Sections, *r)
	}
	if rep.Sections == nil {
		rep.Sections = []SectionReport{}
	}
	rep.FinishedAtUT = time.Now().UTC()
	st.Progress = ImportProgress{Phase: "done", Total: len(a.Records), Processed: len(a.Records)}
	st.Report = rep
	s.log.Info("import done", zap.Int64("job_id", job.ID), zap.Int("user_id", a.UserID), zap.Bool("dry_run", a.DryRun),
		zap.Int("imported", rep.Imported), zap.Int("skipped", rep.Skipped), zap.Int("unmatched", rep.Unmatched))
	return save()
}

func registration(ref *runnerRef) jobs.Registration {
	return jobs.Registration{Workers: func(ws *river.Workers) {
		river.AddWorker(ws, &ImportWorker{runner: ref})
	}}
}
