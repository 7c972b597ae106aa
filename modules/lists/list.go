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

// ListOwner is the account a list belongs to.
type ListOwner struct {
	ID       int    `json:"id" example:"42"`
	Nickname string `json:"nickname" example:"ada"`
}

// List is a list as clients see it (without its items).
type List struct {
	ID          int       `json:"id" example:"12"`
	Owner       ListOwner `json:"owner"`
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

// ListItem is one title on a list.
type ListItem struct {
	Position int                     `json:"position" example:"1" doc:"1 for the first title; positions have no gaps."`
	Note     string                  `json:"note" example:"The one that started it all."`
	AddedAt  time.Time               `json:"added_at" example:"2026-11-25T12:00:00Z"`
	Content  contents.ContentSummary `json:"content"`
}

// ListItems is a keyset page of a list's items, in position order.
type ListItems struct {
	Items      []ListItem `json:"items"`
	NextCursor *string    `json:"next_cursor" example:"eyJrIjoiaXRlbXMiLCJpIjoxMiwicCI6MjB9" doc:"The cursor of the next page of items (GET /lists/{id}/items), null on the last."`
}

// ListDetail is a list with the first page of its items.
type ListDetail struct {
	List
	ListItems
}

// ListPage is a keyset page of lists.
type ListPage struct {
	Items      []List  `json:"items"`
	NextCursor *string `json:"next_cursor" example:"eyJrIjoidXNlciIsInQiOiIyMDI2LTExLTI1VDEyOjAwOjAwWiIsImkiOjEyfQ" doc:"The cursor of the next page, null on the last."`
}
