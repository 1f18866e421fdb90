package process

import (
	"context"
	"fmt"
	"time"

	"github.com/archbench/archbench/runtime"
)

// groupUsage is what the processes of one process group have used.
type groupUsage struct {
	// cpu is user and system CPU time, of the live processes and of the
	// children they have reaped.
	cpu time.Duration
	// rssBytes is the resident memory of the live processes.
	rssBytes uint64
	// procs counts the live processes (zombies included).
	procs int
}

// Usage reports what each running replica has used so far, in start order.
// A replica is its whole process group: its process and every process it
// started without leaving the group (the function platform's instances).
// CPU is user plus system time of the group's live processes and of the
// children they have reaped, so a child's time is not lost when it exits;
// MemoryBytes is the group's resident set size now. Processes have no
// limits, so CPULimit and MemoryLimitBytes are 0. Replicas that have exited
// are left out.
//
// It reads /proc on Linux and returns an error matching
// errors.ErrUnsupported elsewhere. One call scans every process on the
// host once, which takes a few milliseconds of the harness's CPU.
func (d *Deployment) Usage(ctx context.Context) ([]runtime.Usage, error) {
	d.mu.Lock()
	var live []*proc
	for _, g := range d.groups {
		for _, p := range g {
			if !p.hasExited() {
				live = append(live, p)
			}
		}
	}
	d.mu.Unlock()
	if len(live) == 0 {
		return nil, nil
	}
	pgids := make([]int, len(live))
	for i, p := range live {
		pgids[i] = p.pid
	}
	groups, err := readGroupUsage(ctx, pgids)
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", d.plan.Variant, err)
	}
	out := make([]runtime.Usage, 0, len(live))
	for _, p := range live {
		g, ok := groups[p.pid]
		if !ok || g.procs == 0 || p.hasExited() {
			continue // exited since the list was taken
		}
		out = append(out, runtime.Usage{Component: p.component, Replica: p.replica, CPU: g.cpu, MemoryBytes: g.rssBytes})
	}
	return out, nil
}

// UsageSource names the meter behind Usage, as results record it: "proc",
// the kernel's per-process accounting.
func (d *Deployment) UsageSource() string { return "proc" }
