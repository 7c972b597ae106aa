package lists

import (
	"time"

	"github.com/reelview/reelview/app/server"
)

// Cursor kinds, which tie a cursor to its list.
const (
	kindUser  = "user"  // a user's lists: (created_at, id)
	kindItems = "items" // a list's items: the list id and a position
)

// cursor is the position after the last item of a keyset page. Opaque to
// clients (base64 JSON).
type cursor struct {
	Kind string    `json:"k"`
	Time time.Time `json:"t,omitzero"`
	ID   int       `json:"i"`
	Pos  int       `json:"p,omitempty"`
}

func (c cursor) encode() *string {
	s := server.EncodeCursor(c)
	return &s
}

// decodeCursor reads a cursor of the given kind; nil for the first page.
func decodeCursor(raw, kind string) (*cursor, error) {
	if raw == "" {
		return nil, nil
	}
	var c cursor
	if server.DecodeCursor(raw, &c) != nil || c.Kind != kind || c.ID <= 0 ||
		kind == kindUser && c.Time.IsZero() || kind == kindItems && c.Pos <= 0 {
		return nil, ErrBadCursor
	}
	c.Time = c.Time.UTC()
	return &c, nil
}
