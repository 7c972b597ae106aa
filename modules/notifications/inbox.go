package notifications

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"

	"github.com/reelview/reelview/app/jobs"
	"github.com/reelview/reelview/app/server"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/device"
	"github.com/reelview/reelview/ent/notification"
	"github.com/reelview/reelview/ent/user"
	"github.com/reelview/reelview/modules/reviews"
)

// Inbox keeps users' in-app notifications. It implements reviews.Events:
// a like or a comment and its notification are written in one transaction.
type Inbox struct {
	db          *ent.Client
	jobs        *jobs.Client
	maxAttempts int
}

// NewInbox returns the inbox.
func NewInbox(db *ent.Client, jobs *jobs.Client, c config.Firebase) *Inbox {
	return &Inbox{db: db, jobs: jobs, maxAttempts: c.MaxAttempts}
}

var _ reviews.Events = (*Inbox)(nil)

// likeQuietPeriod: like → unlike → like by the same person notifies once.
const likeQuietPeriod = 24 * time.Hour

// ReviewLiked implements reviews.Events.
func (in *Inbox) ReviewLiked(ctx context.Context, tx *ent.Tx, e reviews.Event) error {
	recent, err := tx.Notification.Query().Where(notification.UserID(e.AuthorID), notification.ActorID(e.ActorID),
		notification.ReviewID(e.ReviewID), notification.TypeEQ(notification.TypeREVIEW_LIKED),
		notification.CreatedAtGT(time.Now().Add(-likeQuietPeriod))).Exist(ctx)
	if err != nil || recent {
		return err
	}
	return in.add(ctx, tx, notification.TypeREVIEW_LIKED, e, "%s liked your review of %s.")
}

// ReviewCommented implements reviews.Events.
func (in *Inbox) ReviewCommented(ctx context.Context, tx *ent.Tx, e reviews.Event) error {
	return in.add(ctx, tx, notification.TypeREVIEW_COMMENTED, e, "%s commented on your review of %s: "+
		strings.ReplaceAll(e.Excerpt, "%", "%%"))
}

func (in *Inbox) add(ctx context.Context, tx *ent.Tx, typ notification.Type, e reviews.Event, format string) error {
	actor, err := tx.User.Get(ctx, e.ActorID)
	if err != nil {
		return fmt.Errorf("notifications: actor: %w", err)
	}
	c, err := tx.Content.Get(ctx, e.ContentID)
	if err != nil {
		return fmt.Errorf("notifications: content: %w", err)
	}
	text := []rune(fmt.Sprintf(format, actor.Nickname, c.Title))
	n, err := tx.Notification.Create().SetUserID(e.AuthorID).SetType(typ).SetActorID(e.ActorID).
		SetReviewID(e.ReviewID).SetContentID(e.ContentID).SetText(string(text[:min(len(text), 500)])).Save(ctx)
	if err != nil {
		return fmt.Errorf("notifications: add: %w", err)
	}
	return in.queuePush(ctx, tx, n)
}

// queuePush queues the notification's push job in the same transaction,
// when the recipient has push turned on and a device to send to.
func (in *Inbox) queuePush(ctx context.Context, tx *ent.Tx, n *ent.Notification) error {
	pushable, err := tx.Device.Query().
		Where(device.UserID(n.UserID), device.HasUserWith(user.PushEnabled(true))).Exist(ctx)
	if err != nil || !pushable {
		return err
	}
	sqlTx, ok := tx.SQLTx()
	if !ok {
		return errors.New("notifications: push job: the transaction is not a database/sql one")
	}
	_, err = in.jobs.InsertTx(ctx, sqlTx, PushArgs{NotificationID: n.ID}, &river.InsertOpts{MaxAttempts: in.maxAttempts})
	if err != nil {
		return fmt.Errorf("notifications: push job: %w", err)
	}
	return nil
}

// Notification is an inbox entry.
type Notification struct {
	ID        int        `json:"id" example:"17"`
	Type      string     `json:"type" enum:"REVIEW_LIKED,REVIEW_COMMENTED" example:"REVIEW_LIKED"`
	ActorID   *int       `json:"actor_id" nullable:"true" example:"42"`
	ReviewID  *int       `json:"review_id" nullable:"true" example:"7"`
	ContentID *int       `json:"content_id" nullable:"true" example:"550"`
	Text      string     `json:"text" example:"ada liked your review of Alien."`
	Read      bool       `json:"read" example:"true"`
	CreatedAt time.Time  `json:"created_at" example:"2026-11-25T11:58:00Z"`
	ReadAt    *time.Time `json:"read_at,omitempty" example:"2026-11-25T12:00:00Z"`
}

// Page is a page of the inbox.
type Page struct {
	Items       []Notification `json:"items"`
	NextCursor  *string        `json:"next_cursor" example:"eyJ2IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJpZCI6MTd9" doc:"The cursor of the next page, null on the last."`
	UnreadCount int            `json:"unread_count" example:"3"`
}

// ErrBadCursor is a cursor this list did not issue.
var ErrBadCursor = server.ErrBadCursor

// List returns a page of the user's notifications, newest first, with the
// number of unread ones.
func (in *Inbox) List(ctx context.Context, userID int, cursor string, size int) (Page, error) {
	q := in.db.Notification.Query().Where(notification.UserID(userID))
	if cursor != "" {
		at, id, ok := decodeCursor(cursor)
		if !ok {
			return Page{}, ErrBadCursor
		}
		q = q.Where(func(s *sql.Selector) {
			s.Where(sql.CompositeLT([]string{s.C(notification.FieldCreatedAt), s.C(notification.FieldID)}, at, id))
		})
	}
	rows, err := q.Order(ent.Desc(notification.FieldCreatedAt), ent.Desc(notification.FieldID)).Limit(size + 1).All(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("notifications: list: %w", err)
	}
	unread, err := in.db.Notification.Query().Where(notification.UserID(userID), notification.ReadAtIsNil()).Count(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("notifications: unread: %w", err)
	}
	p := Page{Items: []Notification{}, UnreadCount: unread}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		next := encodeCursor(last.CreatedAt, last.ID)
		p.NextCursor = &next
	}
	for _, n := range rows {
		p.Items = append(p.Items, Notification{ID: n.ID, Type: string(n.Type), ActorID: n.ActorID, ReviewID: n.ReviewID,
			ContentID: n.ContentID, Text: n.Text, Read: n.ReadAt != nil, CreatedAt: n.CreatedAt.UTC(), ReadAt: n.ReadAt})
	}
	return p, nil
}

// MarkRead marks the user's notifications read: the given ids, or all when
// ids is empty. Ids of other users' notifications change nothing. It
// returns the unread count after.
func (in *Inbox) MarkRead(ctx context.Context, userID int, ids []int) (int, error) {
	u := in.db.Notification.Update().Where(notification.UserID(userID), notification.ReadAtIsNil())
	if len(ids) > 0 {
		u = u.Where(notification.IDIn(ids...))
	}
	if err := u.SetReadAt(time.Now().UTC().Truncate(time.Microsecond)).Exec(ctx); err != nil {
		return 0, fmt.Errorf("notifications: mark read: %w", err)
	}
	return in.db.Notification.Query().Where(notification.UserID(userID), notification.ReadAtIsNil()).Count(ctx)
}

// inboxCursor is the position after the last notification of a page.
type inboxCursor struct {
	Time time.Time `json:"t"`
	ID   int       `json:"i"`
}

func encodeCursor(at time.Time, id int) string { return server.EncodeCursor(inboxCursor{at, id}) }

func decodeCursor(raw string) (time.Time, int, bool) {
	var c inboxCursor
	if server.DecodeCursor(raw, &c) != nil || c.ID <= 0 || c.Time.IsZero() {
		return time.Time{}, 0, false
	}
	return c.Time.UTC(), c.ID, true
}
