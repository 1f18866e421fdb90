//go:build !unix

package cputime

import "time"

// Process returns -1: process CPU time is not measured on this platform.
func Process() time.Duration { return -1 }
