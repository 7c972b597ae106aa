package reviews

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"
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

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(raw, order string) (*cursor, error) {
	if raw == "" {
		return nil, nil // the first page
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, ErrBadCursor
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Order != order || c.ID <= 0 {
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
