package reviews

import (
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/reelview/reelview/app/server"
)

// cursor is the position after the last item of a keyset page: the sort
// value and id of that item. It is opaque to clients (base64 JSON) and tied
// to its list's order, so a cursor of another order is refused.
type cursor struct {
	Order string    `json:"o"`
	Time  time.Time `json:"t,omitempty"`
	N     int       `json:"n,omitempty"`
	ID    int       `json:"i"`
}

func (c cursor) encode() string { return server.EncodeCursor(c) }

func decodeCursor(raw, order string) (*cursor, error) {
	if raw == "" {
		return nil, nil // the first page
	}
	var c cursor
	if server.DecodeCursor(raw, &c) != nil || c.Order != order || c.ID <= 0 {
		return nil, ErrBadCursor
	}
	return &c, nil
}

// after is the keyset predicate "(col, id) beyond the cursor" in the list's
// direction; both dialects compare row values.
func (c *cursor) after(col string, value any, desc bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		cols := []string{s.C(col), s.C("id")}
		if desc {
			s.Where(sql.CompositeLT(cols, value, c.ID))
		} else {
			s.Where(sql.CompositeGT(cols, value, c.ID))
		}
	}
}

// Page is a list answered by page number or by cursor.
type Page struct {
	Items      []Review
	Total      int     // page mode
	NextCursor *string // cursor mode
}
