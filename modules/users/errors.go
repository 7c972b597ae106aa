package users

import "github.com/reelview/reelview/app/apperr"

// Errors of the users module.
var (
	ErrNotFound        = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "User not found.")
	ErrWrongPassword   = apperr.Validation("current_password", "does not match your current password")
	ErrSelfDemotion    = apperr.New(apperr.Forbidden, "FORBIDDEN", "Admins cannot remove their own ADMIN role.")
	ErrSelfBlock       = apperr.New(apperr.Forbidden, "FORBIDDEN", "Admins cannot block their own account.")
	ErrSelfDeleteAdmin = apperr.New(apperr.Forbidden, "FORBIDDEN", "Admins cannot delete their own account here; use DELETE /users/me.")
)
