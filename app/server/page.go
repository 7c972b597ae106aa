package server

// PageParams are the page and size query parameters of every paginated
// list (API.md): out-of-range values are a 400, never a silent default.
type PageParams struct {
	Page int `query:"page" minimum:"1" default:"1" example:"1" doc:"Page number, from 1."`
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
