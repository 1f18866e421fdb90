//go:build !linux

package faas

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; instances
// stay in the platform's process group, so a signal to the group reaches
// them.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
