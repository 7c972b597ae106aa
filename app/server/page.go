package server

import (
	"encoding/base64"
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"github.com/reelview/reelview/app/apperr"
)

// PageParams are the page and size query parameters of every paginated
// list (API.md): out-of-range values are a 400, never a silent default.
type PageParams struct {
	Page int `query:"page" minimum:"1" maximum:"1000000" default:"1" example:"1" doc:"Page number, 1 to 1,000,000 (past that, use the cursor where a list has one)."`
	Size int `query:"size" minimum:"1" maximum:"100" default:"20" example:"20" doc:"Items per page, 1–100."`
}

// Offset is the number of items before the page.
func (p PageParams) Offset() int { return (p.Page - 1) * p.Size }

// Page is the body of a paginated list.
type Page[T any] struct {
	Items      []T `json:"items"`
	Page       int `json:"page" example:"1"`
	Size       int `json:"size" example:"20"`
	TotalItems int `json:"total_items" example:"57"`
	TotalPages int `json:"total_pages" example:"3"`
}

// NewPage builds a page body from its items and the total count.
func NewPage[T any](items []T, p PageParams, total int) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Page: p.Page, Size: p.Size, TotalItems: total,
		TotalPages: (total + p.Size - 1) / p.Size}
}

// CursorParam is the cursor parameter of lists that also paginate by keyset.
// Present tells whether it was sent at all: an empty cursor asks for the
// first page in cursor mode.
type CursorParam struct {
	Cursor  string `query:"cursor" maxLength:"512" doc:"Keyset pagination: empty for the first page, then the next_cursor of the previous answer."`
	present bool
}

// Resolve notes whether the cursor parameter was sent (huma.Resolver).
func (p *CursorParam) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	p.present = u.Query().Has("cursor")
	return nil
}

// Value is the cursor, or nil in page mode.
func (p *CursorParam) Value() *string {
	if !p.present {
		return nil
	}
	return &p.Cursor
}

// List is a list answered by page number or by keyset cursor. It marshals
// to exactly the envelope of its mode (API.md): {items, page, size,
// total_items, total_pages} or {items, next_cursor}.
type List[T any] struct {
	Items      []T     `json:"items"`
	Page       *int    `json:"page,omitempty" example:"1" doc:"Page mode only."`
	Size       *int    `json:"size,omitempty" example:"20" doc:"Page mode only."`
	TotalItems *int    `json:"total_items,omitempty" example:"57" doc:"Page mode only."`
	TotalPages *int    `json:"total_pages,omitempty" example:"3" doc:"Page mode only."`
	NextCursor *string `json:"next_cursor,omitempty" nullable:"true" example:"eyJ2IjoiMjAyNi0xMS0yNVQxMjowMDowMFoiLCJpZCI6N30" doc:"Cursor mode only: the cursor of the next page, null on the last."`
	cursorMode bool
}

// NewList builds the list of the mode c asks for.
func NewList[T any](items []T, c *CursorParam, p PageParams, total int, next *string) List[T] {
	if items == nil {
		items = []T{}
	}
	if c.Value() != nil {
		return List[T]{Items: items, NextCursor: next, cursorMode: true}
	}
	pg := NewPage(items, p, total)
	return List[T]{Items: items, Page: &pg.Page, Size: &pg.Size, TotalItems: &pg.TotalItems, TotalPages: &pg.TotalPages}
}

// MarshalJSON writes the envelope of the list's mode.
func (l List[T]) MarshalJSON() ([]byte, error) {
	if l.cursorMode {
		return json.Marshal(struct {
			Items      []T     `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}{l.Items, l.NextCursor})
	}
	type plain List[T]
	return json.Marshal(plain(l))
}

// ErrBadCursor is a cursor the list did not issue.
var ErrBadCursor = apperr.Validation("cursor", "is not a cursor of this list; start again without it")

// EncodeCursor makes a keyset position (a small struct) an opaque cursor:
// base64url of its JSON.
func EncodeCursor(position any) string {
	b, _ := json.Marshal(position)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor of EncodeCursor into position; ErrBadCursor
// when raw is not one. The caller checks the position's own fields.
func DecodeCursor(raw string, position any) error {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, position) != nil {
		return ErrBadCursor
	}
	return nil
}
