package lists

import (
	"strconv"
	"time"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/modules/contents"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Visibilities of a list.
const (
	Public   = "PUBLIC"
	Unlisted = "UNLISTED"
	Private  = "PRIVATE"
)

// Owner is the account a list belongs to.
type Owner struct {
	ID       int    `json:"id" example:"42"`
	Nickname string `json:"nickname" example:"ada"`
}

// List is a list as clients see it (without its items).
type List struct {
	ID          int       `json:"id" example:"12"`
	Owner       Owner     `json:"owner"`
	Title       string    `json:"title" example:"Best heist movies"`
	Description string    `json:"description" example:"Crews, vaults and one last job."`
	Visibility  string    `json:"visibility" enum:"PUBLIC,UNLISTED,PRIVATE" example:"PUBLIC" doc:"PUBLIC: anyone, and listed on the owner's profile; UNLISTED: anyone with the id, never listed for others; PRIVATE: the owner only."`
	ItemCount   int       `json:"item_count" example:"8" doc:"Titles on the list."`
	LikeCount   int       `json:"like_count" example:"31"`
	CreatedAt   time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
	UpdatedAt   time.Time `json:"updated_at" example:"2026-11-25T12:00:00Z" doc:"Last change of the title, description, visibility or items (likes do not count)."`
	LikedByMe   *bool     `json:"liked_by_me,omitempty" example:"false" doc:"Signed-in callers only."`
}

func fromEnt(l *ent.List) List {
	out := List{ID: l.ID, Title: l.Title, Description: l.Description, Visibility: string(l.Visibility),
		ItemCount: l.ItemCount, LikeCount: l.LikeCount, CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC()}
	out.Owner.ID = l.UserID
	if o := l.Edges.Owner; o != nil {
		out.Owner.Nickname = o.Nickname
	}
	return out
}

// Item is one title on a list.
type Item struct {
	Position int                     `json:"position" example:"1" doc:"1 for the first title; positions have no gaps."`
	Note     string                  `json:"note" example:"The one that started it all."`
	AddedAt  time.Time               `json:"added_at" example:"2026-11-25T12:00:00Z"`
	Content  contents.ContentSummary `json:"content"`
}

// Items is a keyset page of a list's items, in position order.
type Items struct {
	Items      []Item  `json:"items"`
	NextCursor *string `json:"next_cursor" example:"eyJrIjoiaXRlbXMiLCJpIjoxMiwicCI6MjB9" doc:"The cursor of the next page of items (GET /lists/{id}/items), null on the last."`
}

// Detail is a list with the first page of its items.
type Detail struct {
	List
	Items
}

// Page is a keyset page of lists.
type Page struct {
	Items      []List  `json:"items"`
	NextCursor *string `json:"next_cursor" example:"eyJrIjoidXNlciIsInQiOiIyMDI2LTExLTI1VDEyOjAwOjAwWiIsImkiOjEyfQ" doc:"The cursor of the next page, null on the last."`
}
