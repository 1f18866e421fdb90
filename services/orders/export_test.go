package orders

import "time"

// SetStaleAfter shortens how long a lost saga's order waits to be recovered.
func SetStaleAfter(s *Service, d time.Duration) { s.staleAfter = d }
