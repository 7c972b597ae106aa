package auth

import (
	"time"

	"github.com/reelview/reelview/ent"
)

// User is an account as its owner (or an admin) sees it.
type User struct {
	ID          int       `json:"id" example:"42"`
	Email       string    `json:"email" format:"email" example:"ada@example.com"`
	Nickname    string    `json:"nickname" example:"ada"`
	Bio         string    `json:"bio" example:"Sci-fi and slow cinema."`
	AvatarURL   string    `json:"avatar_url" example:"https://cdn.example.com/ada.png"`
	Role        string    `json:"role" enum:"USER,ADMIN" example:"USER"`
	Status      string    `json:"status" enum:"ACTIVE,BLOCKED" example:"ACTIVE"`
	PushEnabled bool      `json:"push_enabled" example:"true"`
	Private     bool      `json:"private" example:"false" doc:"New followers need approval."`
	CreatedAt   time.Time `json:"created_at" example:"2026-11-25T12:00:00Z"`
}

// UserFromEnt maps an ent user; the password hash never leaves the module.
func UserFromEnt(u *ent.User) User {
	return User{ID: u.ID, Email: u.Email, Nickname: u.Nickname, Bio: u.Bio, AvatarURL: u.AvatarURL,
		Role: string(u.Role), Status: string(u.Status), PushEnabled: u.PushEnabled, Private: u.Private, CreatedAt: u.CreatedAt.UTC()}
}
