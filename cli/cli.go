// Package cli is the archbench command line: subcommands that run
// benchmarks, drive load at any server, and serve a variant by hand. The
// command in cmd/archbench only calls Main, so every subcommand can be tested
// in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a subcommand may touch besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"bench", "run a scenario over variants and write a comparison report", runBench},
		{"compare", "set two runs side by side and say which figures changed significantly", runCompare},
		{"report", "write a run's report and charts again from its results.json, with this version", runReport},
		{"simulate", "predict an architecture beyond this machine with the calibrated simulator (modeled)", runSimulate},
		{"k6", "export a scenario's load as a k6 script, for a second opinion on the figures", runK6},
		{"clean", "remove containers, networks and volumes that killed runs left behind", runClean},
		{"load", "drive open-loop load at any running server (a shop or a single URL)", runLoad},
		{"serve", "start a variant and keep it running until Ctrl-C, to explore it by hand", runServe},
		{"variants", "list the architecture variants", runVariants},
	}
}

const overview = `archbench measures the same online shop built as different architectures
(monolith, microservices, serverless, hybrid) under the same open-loop load,
and writes comparison reports.

Usage:
  archbench <command> [flags]

Commands:
%s
Run 'archbench <command> -h' for the command's flags.

Quick start:
  archbench bench                       # steady scenario, every variant, quick profile
  archbench serve -variant monolith     # then: archbench load -target http://127.0.0.1:PORT
`

func usage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, overview, b.String())
}

// Main runs the command line args (without the program name) and returns the
// process exit code: 0 on success, 1 when the work failed, 2 for bad usage.
// ctx ends the work early (the caller cancels it on Ctrl-C).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			return Main(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(stderr, "archbench %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "archbench: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// newFlags returns a flag set for a subcommand whose usage message shows
// synopsis and description above the flags.
func newFlags(env *Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: archbench %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag error into errUsage (the flag package
// has already printed it with the usage) and rejecting stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "archbench %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// requireDirs rejects an empty value of the named directory flags: an
// empty -out would write run folders into the current directory.
func requireDirs(fs *flag.FlagSet, names ...string) error {
	for _, name := range names {
		if f := fs.Lookup(name); f != nil && strings.TrimSpace(f.Value.String()) == "" {
			return badFlag(fs, fmt.Errorf("-%s must name a directory, but is empty", name))
		}
	}
	return nil
}

// badFlag reports an invalid flag value: it names the flag, prints the
// usage, and returns errUsage.
func badFlag(fs *flag.FlagSet, err error) error {
	fmt.Fprintf(fs.Output(), "archbench %s: %v\n", fs.Name(), err)
	return errUsage
}
