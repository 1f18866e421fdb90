//go:build !linux

package loadgen

import "time"

// preciseSleep sleeps for d; where no precise sleep is wired up it is the Go
// runtime's timer.
func preciseSleep(d time.Duration) { time.Sleep(d) }
