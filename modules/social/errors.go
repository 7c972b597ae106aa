package social

import (
	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/server"
)

// Errors of the social module.
var (
	ErrUserNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "User not found.")
	ErrNoRequest    = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "No pending follow request from this user.")
	ErrSelf         = apperr.New(apperr.Forbidden, "FORBIDDEN", "You cannot follow or block yourself.")
	ErrBlocked      = apperr.New(apperr.Forbidden, "FORBIDDEN", "One of you has blocked the other.")
	ErrPrivate      = apperr.New(apperr.Forbidden, "FORBIDDEN", "This account is private: only its approved followers see whom it follows and who follows it.")
	ErrBadCursor    = server.ErrBadCursor
)
