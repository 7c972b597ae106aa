package notifications

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/device"
	"github.com/reelview/reelview/ent/pushdelivery"
	"github.com/reelview/reelview/ent/user"
)

// PushArgs is the push job of one notification: it sends it to every device
// of the recipient. It is inserted in the transaction that writes the
// notification, so there is never one without the other.
type PushArgs struct {
	NotificationID int `json:"notification_id"`
}

// Kind implements river.JobArgs.
func (PushArgs) Kind() string { return "push_notification" }

// maxRetryDelay caps the backoff between two attempts of a push job.
const maxRetryDelay = time.Hour

// PushWorker delivers notifications to devices, at least once: a device
// that accepted a notification has a push_deliveries row, the idempotency
// key, and a retried job skips it.
type PushWorker struct {
	river.WorkerDefaults[PushArgs]
	db     *ent.Client
	sender Sender
	cfg    config.Firebase
	log    *zap.Logger
}

// NewPushWorker returns the push worker.
func NewPushWorker(db *ent.Client, sender Sender, cfg config.Firebase, log *zap.Logger) *PushWorker {
	return &PushWorker{db: db, sender: sender, cfg: cfg, log: log.Named("push")}
}

// pushRegistration adds the push worker to River.
func pushRegistration(w *PushWorker) jobs.Registration {
	return jobs.Registration{Workers: func(ws *river.Workers) { river.AddWorker(ws, w) }}
}

// Timeout bounds one run: every device of the user, each with a token
// refresh and a second try.
func (w *PushWorker) Timeout(*river.Job[PushArgs]) time.Duration {
	return time.Duration(2*w.cfg.MaxDevices+1) * w.cfg.SendTimeout
}

// NextRetry backs off exponentially from FCM_RETRY_BACKOFF, with jitter.
func (w *PushWorker) NextRetry(j *river.Job[PushArgs]) time.Time {
	return time.Now().Add(backoff(w.cfg.RetryBackoff, j.Attempt))
}

// backoff is base·2^(attempt-1), capped at maxRetryDelay, ±20%.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, maxRetryDelay)
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1)) //nolint:gosec // jitter, not security
}

// Work sends the notification to the devices that have not got it yet.
func (w *PushWorker) Work(ctx context.Context, j *river.Job[PushArgs]) error {
	n, err := w.db.Notification.Get(ctx, j.Args.NotificationID)
	if ent.IsNotFound(err) {
		return nil // the account and its inbox are gone
	} else if err != nil {
		return fmt.Errorf("push: notification: %w", err)
	}
	devices, err := w.db.Device.Query().
		Where(device.UserID(n.UserID), device.HasUserWith(user.PushEnabled(true), user.StatusEQ(user.StatusACTIVE))).
		Order(ent.Asc(device.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("push: devices: %w", err)
	}
	done, err := w.db.PushDelivery.Query().Where(pushdelivery.NotificationID(n.ID)).
		Select(pushdelivery.FieldDeviceID).Ints(ctx)
	if err != nil {
		return fmt.Errorf("push: deliveries: %w", err)
	}
	skip := make(map[int]bool, len(done))
	for _, id := range done {
		skip[id] = true
	}
	var (
		pending int
		wait    time.Duration
		last    error
	)
	for _, d := range devices {
		if skip[d.ID] {
			continue
		}
		err := w.sender.Send(ctx, message(n, d.Token))
		var se *SendError
		if err != nil {
			se = redactToken(err, d.Token)
			err = se
		}
		log := w.log.With(zap.Int("notification_id", n.ID), zap.Int("device_id", d.ID), zap.Error(err))
		switch {
		case err == nil:
			if err := w.record(ctx, n.ID, d.ID, pushdelivery.OutcomeSent); err != nil {
				return err
			}
		case se.Failure == BadToken:
			log.Info("push: device token is no longer valid; device forgotten")
			if _, err := w.db.Device.Delete().Where(device.ID(d.ID), device.Token(d.Token)).Exec(ctx); err != nil {
				return fmt.Errorf("push: forget device: %w", err)
			}
		case se.Failure == Drop:
			log.Warn("push: FCM refused the message; not retried")
			if err := w.record(ctx, n.ID, d.ID, pushdelivery.OutcomeDropped); err != nil {
				return err
			}
		default:
			pending++
			last = err
			wait = max(wait, se.RetryAfter)
			if se.Failure == Quota && se.RetryAfter == 0 {
				wait = max(wait, w.cfg.QuotaBackoff)
			}
		}
	}
	if pending == 0 {
		return nil
	}
	w.log.Info("push: will retry", zap.Int("notification_id", n.ID), zap.Int("devices", pending),
		zap.Int("attempt", j.Attempt), zap.Duration("wait", wait), zap.Error(last))
	// A wait FCM asked for does not use up an attempt, but only so many times.
	var meta struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(j.Metadata, &meta)
	if wait > 0 && meta.Snoozes < w.cfg.MaxAttempts {
		return river.JobSnooze(min(wait, maxRetryDelay))
	}
	return fmt.Errorf("push: %d device(s) to retry: %w", pending, last)
}

// redactToken is a failed send as it may be logged and kept in the job's
// errors: the push service's answer may quote the device token, which only
// ever appears as its last characters. An error that is not a *SendError is
// retried.
func redactToken(err error, token string) *SendError {
	se := &SendError{Failure: Retry, Message: err.Error()}
	var sent *SendError
	if errors.As(err, &sent) {
		*se = *sent
	}
	if token != "" {
		se.Code = strings.ReplaceAll(se.Code, token, tokenSuffix(token))
		se.Message = strings.ReplaceAll(se.Message, token, tokenSuffix(token))
	}
	return se
}

// record writes the idempotency key of a device's delivery.
func (w *PushWorker) record(ctx context.Context, notificationID, deviceID int, outcome pushdelivery.Outcome) error {
	err := w.db.PushDelivery.Create().SetNotificationID(notificationID).SetDeviceID(deviceID).SetOutcome(outcome).
		OnConflictColumns(pushdelivery.FieldNotificationID, pushdelivery.FieldDeviceID).DoNothing().Exec(ctx)
	// Already recorded: an upsert that did nothing returns no id.
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("push: record delivery: %w", err)
	}
	return nil
}

// message is the push of a notification.
func message(n *ent.Notification, token string) Message {
	data := map[string]string{"notification_id": strconv.Itoa(n.ID), "type": string(n.Type)}
	for k, v := range map[string]*int{"actor_id": n.ActorID, "review_id": n.ReviewID, "content_id": n.ContentID} {
		if v != nil {
			data[k] = strconv.Itoa(*v)
		}
	}
	return Message{Token: token, Title: "Reelview", Body: n.Text, Data: data}
}
