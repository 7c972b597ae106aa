package lists

import (
	"github.com/reelview/reelview/app/apperr"
	"github.com/reelview/reelview/app/server"
)

// MaxItems is the most titles a list holds.
const MaxItems = 1000

// Errors of the lists module.
var (
	ErrNotFound        = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "List not found.")
	ErrUserNotFound    = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "User not found.")
	ErrContentNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Content not found.")
	ErrNotOwner        = apperr.New(apperr.Forbidden, "FORBIDDEN", "Only the list's owner can do this.")
	ErrNotOwnerOrAdmin = apperr.New(apperr.Forbidden, "FORBIDDEN", "Only the list's owner or an admin can do this.")
	ErrOwnList         = apperr.New(apperr.Forbidden, "FORBIDDEN", "You cannot like your own list.")
	ErrPrivateAccount  = apperr.New(apperr.Forbidden, "FORBIDDEN", "This account is private: only its approved followers see its lists.")
	// ErrListFull keeps to the codes of the API contract: a 400 whose
	// detail names the cause, rather than a code of its own.
	ErrListFull  = apperr.Validation("content_id", "the list is full: it holds at most 1,000 titles; remove one first")
	ErrBadCursor = server.ErrBadCursor
)

// errNotPermutation is a reorder that does not name every item once.
func errNotPermutation(items int) error {
	return apperr.Validation("content_ids",
		"must name every title of the list exactly once, in the new order (the list has "+itoa(items)+"); reload the list and try again")
}
