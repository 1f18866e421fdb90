//go:build !unix

package loadgen

import "time"

// cpuTime reports that process CPU time is not measured on this platform.
func cpuTime() time.Duration { return -1 }
