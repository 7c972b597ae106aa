package reviews

import (
	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/server"
)

// Errors of the reviews module.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Review not found.")
	ErrCommentNotFound  = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Comment not found.")
	ErrAlreadyReviewed  = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "You already reviewed this title; edit your review instead.")
	ErrAlreadyReported  = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "You already reported this review.")
	ErrNotAuthor        = apperr.New(apperr.Forbidden, "FORBIDDEN", "Only the author can do this.")
	ErrNotAuthorOrAdmin = apperr.New(apperr.Forbidden, "FORBIDDEN", "Only the author or an admin can do this.")
	ErrOwnReview        = apperr.New(apperr.Forbidden, "FORBIDDEN", "You cannot like or report your own review.")
	ErrBadCursor        = server.ErrBadCursor
)
