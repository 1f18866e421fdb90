package process

import (
	"syscall"
	"unsafe"
)

// sysProcAttr puts a component in its own process group, so that the group
// can be signalled as a whole and a terminal's Ctrl-C reaches only the
// harness, and has the kernel SIGKILL it when the harness dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// From <linux/wait.h>; package syscall does not define them.
const (
	pPID    = 1
	wNOWAIT = 0x01000000
)

// waitExited blocks until the child pid has exited but leaves it unreaped
// (a zombie), so its PID and process group cannot be reused yet.
func waitExited(pid int) error {
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|wNOWAIT, 0, 0)
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		default:
			return errno
		}
	}
}
