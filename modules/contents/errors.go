package contents

import "github.com/reelview/reelview/app/apperr"

// Errors of the contents module.
var (
	ErrNotFound      = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Content not found.")
	ErrGenreNotFound = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Genre not found.")
	ErrGenreInUse    = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "The genre is in use by contents; remove it from them first.")
	ErrGenreExists   = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "A genre of this type with this name or TMDB id already exists.")
	ErrTmdbIDTaken   = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "A content of this type with this TMDB id already exists.")
)
