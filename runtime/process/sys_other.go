//go:build unix && !linux

package process

import (
	"errors"
	"syscall"
)

// sysProcAttr puts a component in its own process group, so that the group
// can be signalled as a whole and a terminal's Ctrl-C reaches only the
// harness. Only Linux has a parent-death signal: elsewhere a component
// outlives a harness that is killed without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// waitExited is unsupported: without waitid's WNOWAIT the runtime cannot
// wait for an exit without reaping, so it signals process groups until the
// leader is reaped, on a best-effort basis.
func waitExited(int) error { return errors.ErrUnsupported }
