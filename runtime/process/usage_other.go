//go:build !linux

package process

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
)

// readGroupUsage is unsupported: only Linux shows a process group's CPU
// time and memory in /proc without cgo.
func readGroupUsage(context.Context, []int) (map[int]groupUsage, error) {
	return nil, fmt.Errorf("measuring processes' CPU and memory needs Linux's /proc; it is not supported on %s: %w", goruntime.GOOS, errors.ErrUnsupported)
}
