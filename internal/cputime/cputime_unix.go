//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Process returns the user plus system CPU time this process has used so
// far (getrusage RUSAGE_SELF), or -1 if it cannot be read. Child processes
// are not counted.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
