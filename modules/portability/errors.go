package portability

import "github.com/reelview/reelview/app/apperr"

// Errors of the portability module.
var (
	ErrJobNotFound   = apperr.New(apperr.NotFound, "RESOURCE_NOT_FOUND", "Import job not found.")
	ErrImportRunning = apperr.New(apperr.Conflict, "DUPLICATE_RESOURCE", "An import of yours is still queued or running; wait for it to finish.")
)
