package notifications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/database"
	"github.com/reelview/reelview/config"
	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/device"
)

// ErrDeviceNotFound is a device id the caller has not registered.
var ErrDeviceNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Device not found.")

// Devices keeps the FCM registration tokens of users' devices.
type Devices struct {
	db  *ent.Client
	max int
}

// NewDevices returns the devices service.
func NewDevices(db *ent.Client, c config.Firebase) *Devices {
	return &Devices{db: db, max: c.MaxDevices}
}

// Device is a registered device. Clients address it by ID; its token is
// never shown whole.
type Device struct {
	ID           int       `json:"id" example:"42" doc:"The device's id, for DELETE /users/me/devices/{id}."`
	Platform     string    `json:"platform" enum:"android,ios,web" example:"android"`
	TokenSuffix  string    `json:"token_suffix" example:"…Xy9Z" doc:"The last characters of the token, to tell devices apart; the token itself is never echoed."`
	RegisteredAt time.Time `json:"registered_at" example:"2026-11-20T08:15:00Z"`
	LastSeenAt   time.Time `json:"last_seen_at" example:"2026-11-25T12:00:00Z"`
}

func fromEnt(d *ent.Device) Device {
	return Device{ID: d.ID, Platform: string(d.Platform), TokenSuffix: tokenSuffix(d.Token), RegisteredAt: d.CreatedAt.UTC(), LastSeenAt: d.LastSeenAt.UTC()}
}

// tokenSuffix shows the end of a token, never the whole of it: the one
// form in which a token appears in answers and logs.
func tokenSuffix(tok string) string {
	if len(tok) > 6 {
		return "…" + tok[len(tok)-6:]
	}
	return tok
}

// validToken accepts what FCM issues: printable ASCII without spaces,
// up to 4,096 characters.
func validToken(tok string) error {
	if len(tok) < 8 || len(tok) > 4096 || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return apperr.Validation("token", "must be an FCM registration token (8–4,096 printable characters, no spaces)")
	}
	return nil
}

// Register records a device of the user. It is idempotent and answers the
// same device (same ID) for the same token, so a client that kept only its
// token learns the ID again by registering it; a token already registered
// by another user moves to this one (the newest owner of a phone gets its
// pushes); beyond the per-user limit the least recently seen devices are
// dropped.
func (d *Devices) Register(ctx context.Context, userID int, token, platform string) (Device, error) {
	if err := validToken(token); err != nil {
		return Device{}, err
	}
	var out *ent.Device
	err := database.WithTx(ctx, d.db, func(tx *ent.Tx) error {
		now := time.Now().UTC().Truncate(time.Microsecond)
		err := tx.Device.Create().SetUserID(userID).SetToken(token).SetPlatform(device.Platform(platform)).
			SetLastSeenAt(now).
			OnConflictColumns(device.FieldToken).
			Update(func(u *ent.DeviceUpsert) {
				u.SetUserID(userID).SetPlatform(device.Platform(platform)).SetLastSeenAt(now).SetUpdatedAt(now)
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("notifications: register device: %w", err)
		}
		if out, err = tx.Device.Query().Where(device.Token(token)).Only(ctx); err != nil {
			return fmt.Errorf("notifications: register device: %w", err)
		}
		extra, err := tx.Device.Query().Where(device.UserID(userID)).
			Order(ent.Desc(device.FieldLastSeenAt), ent.Desc(device.FieldID)).Offset(d.max).IDs(ctx)
		if err != nil {
			return fmt.Errorf("notifications: device limit: %w", err)
		}
		if len(extra) > 0 {
			if _, err := tx.Device.Delete().Where(device.IDIn(extra...)).Exec(ctx); err != nil {
				return fmt.Errorf("notifications: device limit: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Device{}, err
	}
	return fromEnt(out), nil
}

// Forget deletes the user's device id; another user's device is
// ErrDeviceNotFound, like an unknown id.
func (d *Devices) Forget(ctx context.Context, userID, id int) error {
	n, err := d.db.Device.Delete().Where(device.ID(id), device.UserID(userID)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("notifications: forget device: %w", err)
	}
	if n == 0 {
		return ErrDeviceNotFound
	}
	return nil
}

// List returns the user's devices, most recently seen first.
func (d *Devices) List(ctx context.Context, userID int) ([]Device, error) {
	rows, err := d.db.Device.Query().Where(device.UserID(userID)).
		Order(ent.Desc(device.FieldLastSeenAt), ent.Desc(device.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("notifications: devices: %w", err)
	}
	out := make([]Device, len(rows))
	for i, r := range rows {
		out[i] = fromEnt(r)
	}
	return out, nil
}
