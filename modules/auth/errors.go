package auth

import "github.com/reelview/reelview/app/apperr"

// Errors of the auth module.
var (
	ErrInvalidCredentials = apperr.New(apperr.Unauthenticated, "INVALID_CREDENTIALS", "The email or password is incorrect.")
	ErrAccountBlocked     = apperr.New(apperr.Forbidden, "ACCOUNT_BLOCKED", "This account is blocked.")
	ErrTokenExpired       = apperr.New(apperr.Unauthenticated, "TOKEN_EXPIRED", "The access token has expired; refresh it.")
	ErrTokenInvalid       = apperr.New(apperr.Unauthenticated, "TOKEN_INVALID", "The token is invalid or has been revoked.")
	ErrUnauthorized       = apperr.New(apperr.Unauthenticated, "UNAUTHORIZED", "Sign in and send the access token as 'Authorization: Bearer <token>'.")
	ErrForbidden          = apperr.New(apperr.Forbidden, "FORBIDDEN", "This operation needs the ADMIN role.")
	ErrEmailTaken         = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "An account with this email already exists.")
	ErrNicknameTaken      = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "This nickname is taken.")
	ErrSessionNotFound    = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Session not found.")
)
