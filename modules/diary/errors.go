package diary

import (
	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/server"
)

// Errors of the diary module.
var (
	ErrNotFound        = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Diary entry not found.")
	ErrContentNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Content not found.")
	ErrReviewNotFound  = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Review not found.")
	ErrNotYourReview   = apperr.New(apperr.Forbidden, "FORBIDDEN", "A diary entry can link only your own review.")
	ErrReviewOfOther   = apperr.Validation("review_id", "is a review of another content than the entry's")
	ErrBadCursor       = server.ErrBadCursor
)
