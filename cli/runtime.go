package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/container"
	"github.com/archbench/archbench/runtime/process"
)

// runtimeFlags choose where variants run, and the containers' budget.
type runtimeFlags struct {
	name     string
	cpus     float64
	memoryMB int64
}

func runtimeFlagsOn(fs *flag.FlagSet) *runtimeFlags {
	f := &runtimeFlags{}
	fs.StringVar(&f.name, "runtime", "process", "where variants run: process (local processes), docker (containers, one\nnetwork per run, under an equal resource budget), or auto (docker when an engine\nanswers, else process)")
	fs.Float64Var(&f.cpus, "cpus", container.DefaultBudget.CPUs, "docker: CPU cores that each variant's containers share, split equally")
	fs.Int64Var(&f.memoryMB, "memory-mb", container.DefaultBudget.MemoryBytes>>20, "docker: memory in MiB that each variant's containers share, split equally")
	return f
}

func (f *runtimeFlags) validate() error {
	switch {
	case f.name != "process" && f.name != "docker" && f.name != "auto":
		return fmt.Errorf("-runtime must be process, docker or auto, but is %q", f.name)
	case f.cpus <= 0 || f.cpus > 1024:
		return fmt.Errorf("-cpus must be in (0, 1024], but is %g", f.cpus)
	case f.memoryMB < 64 || f.memoryMB > 1<<20:
		return fmt.Errorf("-memory-mb must be 64..1048576, but is %d", f.memoryMB)
	}
	return nil
}

// open starts the chosen runtime. note says which runs and why, and what
// budget the variants share, for the run's record; close releases it.
func (f *runtimeFlags) open(ctx context.Context, log *slog.Logger, progress io.Writer) (rt runtime.Runtime, close func() error, note string, err error) {
	name := f.name
	why := "asked for"
	if name == "auto" {
		if aerr := container.Available(ctx); aerr == nil {
			name, why = "docker", "auto: a Docker engine answers"
		} else {
			name, why = "process", fmt.Sprintf("auto: no Docker engine answers (%v)", aerr)
		}
		fmt.Fprintf(progress, "runtime %s (%s)\n", name, why)
	}
	if name == "process" {
		p := process.New(process.WithLogger(log))
		return p, p.Close, fmt.Sprintf("Runtime process (%s): variants ran one at a time as local processes, each with the whole machine, so every variant had the same resource budget.", why), nil
	}
	budget := container.Budget{CPUs: f.cpus, MemoryBytes: f.memoryMB << 20}
	c, err := container.New(ctx, container.WithLogger(log), container.WithBudget(budget))
	if err != nil {
		return nil, nil, "", err
	}
	return c, c.Close, fmt.Sprintf("Runtime docker (%s): variants ran one at a time, each in containers on a network of its own, sharing a budget of %g CPUs and %d MiB split equally over its containers and enforced with container limits; the payment provider ran outside the budget (%g CPUs, %d MiB).",
		why, budget.CPUs, f.memoryMB, container.External.CPUs, container.External.MemoryBytes>>20), nil
}

const cleanHelp = `
Removes every container, network and volume that archbench created and did
not remove: what a harness killed before it could stop its deployments left
behind. Everything archbench creates carries the label archbench.managed=true.
Images are kept: they are the build cache (docker image prune --filter
label=archbench.managed=true removes them).`

func runClean(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "clean", "", cleanHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	removed, err := container.CleanAll(ctx)
	fmt.Fprintf(env.Stdout, "removed %d containers, %d networks, %d volumes\n", removed.Containers, removed.Networks, removed.Volumes)
	return err
}
