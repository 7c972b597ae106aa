package social

import (
	"time"

	"github.com/reelview/reelview/app/server"
)

// cursor is the position after the last item of a keyset page: its time,
// its kind (the list, or the feed's event source) and id. Opaque to
// clients (base64 JSON).
type cursor struct {
	Time time.Time `json:"t"`
	Kind string    `json:"k"`
	ID   int       `json:"i"`
}

func (c cursor) encode() *string {
	s := server.EncodeCursor(c)
	return &s
}

// decodeCursor reads a cursor; kinds are the kinds this list issues.
func decodeCursor(raw string, kinds ...string) (*cursor, error) {
	if raw == "" {
		return nil, nil // the first page
	}
	var c cursor
	if server.DecodeCursor(raw, &c) != nil || c.ID <= 0 || c.Time.IsZero() {
		return nil, ErrBadCursor
	}
	for _, k := range kinds {
		if c.Kind == k {
			c.Time = c.Time.UTC()
			return &c, nil
		}
	}
	return nil, ErrBadCursor
}
