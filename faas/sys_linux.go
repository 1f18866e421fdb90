package faas

import "syscall"

// sysProcAttr has the kernel kill an instance when the platform dies, so no
// instance outlives it, whoever kills the platform. Instances stay in the
// platform's process group, so a signal to the group reaches them too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
