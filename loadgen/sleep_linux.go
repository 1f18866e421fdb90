package loadgen

import (
	"syscall"
	"time"
)

// preciseSleep blocks the calling thread for d in the kernel (an hrtimer),
// bypassing the Go runtime's millisecond-resolution timers. d is at most
// coarseSlack, so the thread is never held long.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for {
		var left syscall.Timespec
		err := syscall.Nanosleep(&ts, &left)
		if err != syscall.EINTR {
			return
		}
		ts = left
	}
}
