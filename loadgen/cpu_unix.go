//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// ProcessCPU returns the user plus system CPU time this process has used
// so far (getrusage RUSAGE_SELF), or -1 if it cannot be read: the load
// generator's, with anything else the process runs.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
