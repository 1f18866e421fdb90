//go:build !unix

package loadgen

import "time"

// ProcessCPU returns -1: process CPU time is not measured on this
// platform.
func ProcessCPU() time.Duration { return -1 }
