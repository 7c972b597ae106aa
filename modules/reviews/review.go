package reviews

import (
	"time"

	"github.com/reelview/reelview/ent"
	"github.com/reelview/reelview/ent/user"
)

// Author is who wrote a review or comment. Blocked and deleted accounts show
// as a neutral author (id null, nickname "Former member"): their words stay,
// their identity does not.
type Author struct {
	ID       *int   `json:"id" nullable:"true" example:"42"`
	Nickname string `json:"nickname" example:"ada"`
}

const formerMember = "Former member"

func authorOf(u *ent.User) Author {
	if u == nil || u.Status == user.StatusBLOCKED || u.DeletedAt != nil {
		return Author{Nickname: formerMember}
	}
	id := u.ID
	return Author{ID: &id, Nickname: u.Nickname}
}

// Review is a review as clients see it.
type Review struct {
	ID           int       `json:"id" example:"7"`
	ContentID    int       `json:"content_id" example:"550"`
	Author       Author    `json:"author"`
	Rating       int       `json:"rating" minimum:"1" maximum:"10" example:"9"`
	Body         string    `json:"body" example:"The twist still lands."`
	Spoiler      bool      `json:"spoiler" example:"false" doc:"The body reveals the plot: clients should hide it until asked."`
	Hidden       bool      `json:"hidden" example:"false" doc:"Hidden by a moderator: only its author and admins see it."`
	LikeCount    int       `json:"like_count" example:"12"`
	CommentCount int       `json:"comment_count" example:"3"`
	CreatedAt    time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
	UpdatedAt    time.Time `json:"updated_at" example:"2026-11-25T12:00:00Z"`
	LikedByMe    *bool     `json:"liked_by_me,omitempty" example:"true" doc:"Signed-in callers only."`
}

func fromEnt(r *ent.Review) Review {
	return Review{ID: r.ID, ContentID: r.ContentID, Author: authorOf(r.Edges.Author), Rating: r.Rating,
		Body: r.Body, Spoiler: r.Spoiler, Hidden: r.Hidden, LikeCount: r.LikeCount, CommentCount: r.CommentCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Comment is a reply to a review.
type Comment struct {
	ID        int       `json:"id" example:"31"`
	ReviewID  int       `json:"review_id" example:"7"`
	Author    Author    `json:"author"`
	Body      string    `json:"body" example:"Agreed, the ending is perfect."`
	CreatedAt time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
}

func commentFromEnt(c *ent.Comment) Comment {
	return Comment{ID: c.ID, ReviewID: c.ReviewID, Author: authorOf(c.Edges.Author), Body: c.Body,
		CreatedAt: c.CreatedAt.UTC()}
}
