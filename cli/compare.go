package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/archbench/archbench/compare"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

const compareHelp = `
Sets two runs side by side, figure by figure (p50, p99, throughput, error
rate, and each scenario's own: max throughput, blast radius, recovery time,
cold-start p99, ready time), and says which changed significantly. Each
figure has one sample per repetition (bench -count N), and a change is
significant when Welch's t-test (two-sided) puts it below alpha; with
fewer than two repetitions on a side nothing can be called, and the
verdict says "n too small". OLD and NEW are run folders or results.json
files, such as results/latest.

Then, where both runs repeated their variants, it compares each variant's
p50 and p99 divided by the first variant's in the same round, old against
new (the test on the ratios' logarithms). A faster or slower host moves
every absolute figure between two runs; these ratios move only when the
variants changed against each other.

Its notes say how the runs differ beyond their figures (scenario, profile,
machine, parameters), and name any repetition that stood out from its
variant's others in either run (errors, dropped journeys or cold starts
five times every other repetition's: a stall, or a storm of cold starts),
which may be what moved a figure.

With -benchfmt, prints one run (the only argument) in the Go benchmark
format instead, one line per repetition, for benchstat:

  archbench compare -benchfmt results/RUN_A > old.txt
  archbench compare -benchfmt results/RUN_B > new.txt
  go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt`

func runCompare(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "compare", "[flags] OLD NEW  |  -benchfmt RUN", compareHelp)
	benchfmt := fs.Bool("benchfmt", false, "print the one run given in the Go benchmark format (for benchstat)")
	alpha := fs.Float64("alpha", 0.05, "significance level of the test, in (0, 0.5]")
	mannWhitney := fs.Bool("mann-whitney", false, "use the Mann-Whitney U test instead of Welch's t-test (needs 4+\nrepetitions a side to ever call a change)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed it with the usage
	}
	paths := fs.Args()
	switch {
	case *benchfmt && len(paths) != 1:
		return badFlag(fs, fmt.Errorf("-benchfmt takes one run, but %d were given", len(paths)))
	case !*benchfmt && len(paths) != 2:
		return badFlag(fs, fmt.Errorf("want two runs, OLD and NEW, but %d were given", len(paths)))
	case !(*alpha > 0 && *alpha <= 0.5):
		return badFlag(fs, fmt.Errorf("-alpha must be in (0, 0.5], but is %g", *alpha))
	}
	var runs []results.Run
	for _, p := range paths {
		run, err := results.Read(p)
		if err != nil {
			return badFlag(fs, err)
		}
		runs = append(runs, run)
	}
	if *benchfmt {
		return compare.WriteBenchfmt(env.Stdout, runs[0])
	}
	opts := []stats.Option{stats.WithLevel(1 - *alpha)}
	if *mannWhitney {
		opts = append(opts, stats.WithTest(stats.MannWhitney))
	}
	return compare.Compare(runs[0], runs[1], opts...).WriteText(env.Stdout)
}
