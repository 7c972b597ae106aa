package auth

import "time"

// SetClock makes s read the time from now (tests of time windows).
func SetClock(s *Sessions, now func() time.Time) { s.now = now }
