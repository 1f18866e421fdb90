// Package runtime starts a variant's components somewhere (local processes
// now, containers later) and hands back where to reach them. Variants
// describe what to run as a Plan; a Runtime decides how. A variant never
// knows which runtime runs it.
package runtime

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Component is one program of a variant: a Go main package that speaks the
// component protocol of package runtime/component.
type Component struct {
	// Name is unique within a plan ("monolith", "psp", "cart").
	Name string
	// Package is the import path of the Go main package to build.
	Package string
	// Args are extra command-line flags for the program.
	Args []string
	// Env holds extra KEY=value environment entries.
	Env []string
	// Peers names the components this one calls. They are started first, and
	// their URLs are passed as -peer NAME=URL. An entry "ALIAS=NAME" passes
	// component NAME's URLs under the name ALIAS, for a program that expects
	// a peer by a role another component plays (-peer inventory=URL of the
	// hybrid's core).
	Peers []string
	// Replicas is how many copies to run; 0 means 1.
	Replicas int
	// SharedData gives every replica the same -data directory, for a store
	// that several processes may share (one SQLite file in WAL mode on one
	// host); otherwise each replica has a directory of its own.
	SharedData bool
}

// Plan is what a variant asks a runtime to run.
type Plan struct {
	// Variant names the variant, for labels and logs.
	Variant string
	// Components in any order; a runtime starts peers before their callers.
	Components []Component
	// Entry names the component whose URL is the variant's entry point.
	Entry string
	// CPUs, when > 0, is the CPU budget the plan's components share in a
	// runtime that enforces one (containers), instead of the runtime's
	// own; a runtime that enforces none ignores it.
	CPUs float64
}

// Validate checks that names are unique, peers exist, peers form no cycle,
// and the entry exists.
func (p Plan) Validate() error {
	byName := make(map[string]Component, len(p.Components))
	for _, c := range p.Components {
		if c.Name == "" || c.Package == "" {
			return fmt.Errorf("plan %s: component %q needs a name and a package", p.Variant, c.Name)
		}
		if _, dup := byName[c.Name]; dup {
			return fmt.Errorf("plan %s: component %q appears twice", p.Variant, c.Name)
		}
		if c.Replicas < 0 {
			return fmt.Errorf("plan %s: component %q: replicas must be >= 0, but is %d", p.Variant, c.Name, c.Replicas)
		}
		byName[c.Name] = c
	}
	if _, ok := byName[p.Entry]; !ok {
		return fmt.Errorf("plan %s: entry %q is not a component", p.Variant, p.Entry)
	}
	_, err := p.StartOrder()
	return err
}

// StartOrder returns the components ordered so that every component comes
// after its peers.
func (p Plan) StartOrder() ([]Component, error) {
	byName := make(map[string]Component, len(p.Components))
	for _, c := range p.Components {
		byName[c.Name] = c
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[string]int, len(p.Components))
	order := make([]Component, 0, len(p.Components))
	var visit func(name, from string) error
	visit = func(name, from string) error {
		c, ok := byName[name]
		if !ok {
			return fmt.Errorf("plan %s: component %q names unknown peer %q", p.Variant, from, name)
		}
		switch state[name] {
		case visiting:
			return fmt.Errorf("plan %s: peers form a cycle through %q", p.Variant, name)
		case done:
			return nil
		}
		state[name] = visiting
		for _, entry := range c.Peers {
			_, peer := PeerRef(entry)
			if err := visit(peer, name); err != nil {
				return err
			}
		}
		state[name] = done
		order = append(order, c)
		return nil
	}
	for _, c := range p.Components {
		if err := visit(c.Name, c.Name); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Runtime runs plans.
type Runtime interface {
	// Name is "process" or "docker", as recorded in results.
	Name() string
	// Deploy builds and starts every component of plan and returns once all
	// are ready. On error nothing it started is left running. The deployment
	// outlives ctx's deadline, but Deploy gives up when ctx is done.
	Deploy(ctx context.Context, plan Plan) (Deployment, error)
}

// Deployment is a running plan.
type Deployment interface {
	// EntryURL is the base URL of the plan's entry component, e.g.
	// "http://127.0.0.1:41234".
	EntryURL() string
	// URLs returns the base URLs of a component's replicas.
	URLs(component string) []string
	// Stop stops every component: a graceful signal, then a kill when ctx is
	// done. It is safe to call more than once.
	Stop(ctx context.Context) error
}

// ParseCounts parses per-component counts written "name=N,name=N", with N
// in 1..64, as flags give replicas or pre-warmed instances.
func ParseCounts(s string) (map[string]int, error) { return ParseCountsUpTo(s, 64) }

// ParseCountsUpTo is ParseCounts with N in 1..limit: a model of a system
// at cloud scale counts more replicas than this machine runs.
func ParseCountsUpTo(s string, limit int) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, n, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		count, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || name == "" || err != nil || count < 1 || count > limit {
			return nil, fmt.Errorf("want name=N with N in 1..%d, got %q", limit, part)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%q named twice", name)
		}
		out[name] = count
	}
	return out, nil
}

// FormatCounts writes counts as ParseCounts reads them, sorted by name.
func FormatCounts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, name+"="+strconv.Itoa(m[name]))
	}
	return strings.Join(parts, ",")
}

// Usage is what one replica of a component has used so far, as its runtime
// measures it: /proc for a process (its whole process group, children
// included), the engine's statistics for a container.
type Usage struct {
	// Component and Replica name the replica (Replica counts from 0).
	Component string
	Replica   int
	// CPU is the CPU time used since the replica started, user and system.
	CPU time.Duration
	// MemoryBytes is the memory in use now (resident set size for a
	// process; the cgroup's usage less page cache for a container).
	MemoryBytes uint64
	// CPULimit and MemoryLimitBytes are the replica's limits; 0 where none
	// is set (processes share the machine).
	CPULimit         float64
	MemoryLimitBytes uint64
}

// PeerRef splits a Component.Peers entry into the name the program knows
// the peer by and the component that plays it: "ALIAS=NAME", or "NAME" for
// both.
func PeerRef(entry string) (alias, component string) {
	if a, c, ok := strings.Cut(entry, "="); ok {
		return a, c
	}
	return entry, entry
}
