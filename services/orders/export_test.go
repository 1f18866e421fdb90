package orders

import "time"

// SetStaleAfter shortens how long a lost saga's order waits to be recovered.
func SetStaleAfter(s *Service, d time.Duration) { s.staleAfter = d }

// SetWriteWait shortens how long the saga waits for the database's writer.
func SetWriteWait(s *Service, d time.Duration) { s.writeWait = d }
