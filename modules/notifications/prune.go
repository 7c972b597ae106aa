package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/pushdelivery"
)

// PruneArgs is the periodic job that forgets push deliveries older than
// PUSH_DELIVERY_RETENTION. A delivery row only has to outlive the retries
// of its push job (FCM_MAX_ATTEMPTS, each at most an hour apart), after
// which nothing reads it again.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "prune_push_deliveries" }

// pruneInterval is how often the deliveries are pruned.
const pruneInterval = time.Hour

// PruneWorker deletes old push_deliveries rows.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	db        *ent.Client
	retention time.Duration
	log       *zap.Logger
}

// Work deletes the deliveries recorded before now − retention.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	n, err := w.db.PushDelivery.Delete().
		Where(pushdelivery.CreatedAtLT(time.Now().Add(-w.retention))).Exec(ctx)
	if err != nil {
		return fmt.Errorf("push: prune deliveries: %w", err)
	}
	if n > 0 {
		w.log.Info("pruned push deliveries", zap.Int("deleted", n), zap.Duration("retention", w.retention))
	}
	return nil
}

// pruneRegistration adds the prune worker and its hourly run (River runs
// periodic jobs on its elected leader only: one prune per hour in all).
func pruneRegistration(db *ent.Client, c config.Firebase, log *zap.Logger) jobs.Registration {
	w := &PruneWorker{db: db, retention: c.DeliveryRetention, log: log.Named("push")}
	return jobs.Registration{
		Workers: func(ws *river.Workers) { river.AddWorker(ws, w) },
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(pruneInterval),
			func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
			&river.PeriodicJobOpts{ID: "prune_push_deliveries", RunOnStart: true},
		)},
	}
}
