// Package scenarios drives load at deployed variants and measures them. A
// Scenario runs against one deployment; Bench deploys each variant in turn,
// runs the scenario, audits the data and stops everything, and returns one
// results.Run holding every variant side by side.
//
// Each scenario is also a test, runnable with its parameters as flags:
//
//	go test ./scenarios -run Steady -args -variant=monolith -rate=300 -duration=30s
package scenarios

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// Scenario is one kind of measurement.
type Scenario interface {
	// Name is the scenario's name ("steady").
	Name() string
	// Params are the parameters as asked, recorded in results.json.
	Params() map[string]any
	// Run drives the variant at t and measures it. It blocks until the
	// measurement ends or ctx is done.
	Run(ctx context.Context, t Target) (results.VariantResult, error)
}

// Finisher is a scenario that derives its own figures from the whole
// result: Bench calls Finish once the platform's account and the resources
// are in, before the audit.
type Finisher interface {
	Finish(res *results.VariantResult)
}

// CPUMeter gives the CPU used from one instant to another by the
// deployment's replicas and by this process (the load generator); ok is
// false where the runtime's samples do not reach.
type CPUMeter func(from, to time.Time) (sut, generator time.Duration, ok bool)

// PhaseCPUSetter is a scenario whose results hold phases (the spike's
// windows, the ramp's steps): after Run, where the runtime reports usage,
// Bench calls SetPhaseCPU for it to set the CPU each phase used, so that
// a phase's CPU can be set against its throughput.
type PhaseCPUSetter interface {
	SetPhaseCPU(res *results.VariantResult, cpu CPUMeter)
}

// RunFinisher is a scenario that computes figures across its results once
// every variant has run (the ramp fits scalability across capacities).
type RunFinisher interface {
	FinishRun(run *results.Run)
}

// Varier is a scenario that runs a variant under several settings, each on
// a fresh deployment (the cold-start scenario varies the platform's
// keep-alive, say). Settings returns them for v, from the bench's env; none
// means v does not run at all (a fault in a capability v does not host).
type Varier interface {
	Settings(v variants.Variant, env variants.Env) []Setting
}

// Setting is one way to deploy a variant: a label for the results and the
// env to plan it with.
type Setting struct {
	Label string
	Env   variants.Env
	// CPUs, when > 0, is the CPU budget to deploy with, in a runtime that
	// enforces one (see runtime.Plan.CPUs).
	CPUs float64
}

// Target is the deployed variant a scenario runs against.
type Target struct {
	// BaseURL is the variant's entry URL.
	BaseURL string
	// Variant and Runtime name what runs and how, for the results.
	Variant, Runtime string
	// Repetition counts from 1.
	Repetition int
	// Progress reports the run's progress; nil reports nothing.
	Progress *Progress
	// Setting is the label of the setting the variant runs with (see
	// Varier), empty when the scenario varies none.
	Setting string
	// Deployment is the running variant, for scenarios that act on its
	// components (the fault scenario kills and restarts them).
	Deployment runtime.Deployment
	// Products is how many products the variant's catalog holds: the
	// journeys pick product IDs in 1..Products. Zero means
	// shop.DefaultCatalog.Count; otherwise it must be at least
	// workload.MinProducts (see CheckProducts).
	Products int
	// writers samples the variant's SQLite writers, for a scenario that
	// accounts for them phase by phase (the ramp, step by step); nil when
	// the variant has none to sample. Bench sets it.
	writers *writerSampler
}

// CheckProducts reports whether load can be aimed at a catalog of n
// products: the journeys read whole pages of the product list, so it must
// hold at least workload.MinProducts.
func CheckProducts(n int) error {
	if n < workload.MinProducts {
		return fmt.Errorf("a catalog of %d products is too small for the journeys: they read whole pages of the product list, so it must hold at least %d", n, workload.MinProducts)
	}
	return nil
}

// prepare is every scenario's start: it validates the scenario, builds the
// journey mix over t's catalog and a generator aimed at t, and warms up at
// rate for warmup (none when 0). The caller closes the generator's idle
// connections.
func prepare(ctx context.Context, t Target, sc interface{ Validate() error }, mixSpec string, seed uint64, maxInFlight int,
	rate float64, warmup time.Duration) (*loadgen.Generator, loadgen.Mix, int64, error) {
	if err := sc.Validate(); err != nil {
		return nil, nil, 0, err
	}
	var opts []workload.Option
	if t.Products != 0 {
		if err := CheckProducts(t.Products); err != nil {
			return nil, nil, 0, err
		}
		opts = append(opts, workload.WithProducts(t.Products))
	}
	mix, err := workload.Mix(mixSpec, opts...)
	if err != nil {
		return nil, nil, 0, err
	}
	gen := loadgen.New(t.BaseURL, loadgen.WithSeed(seed), loadgen.WithMaxInFlight(maxInFlight))
	warm, err := warmUp(ctx, gen, rate, warmup, mix, t.Progress)
	if err != nil {
		gen.CloseIdleConnections()
		return nil, nil, 0, err
	}
	// The writers' figures, like the latencies, leave the warm-up out, so
	// that writes per request of an operation can be read off them.
	t.writers.rebase(ctx)
	return gen, mix, warm, nil
}

// warmUp offers load for d and discards the results, so that connection
// set-up, caches, the Go runtime and a function platform's instance pool
// settle before measuring. The load rises linearly from nothing to rate
// over the first half of d and holds rate for the rest, as traffic comes to
// a service that opens. A step from no load to the full rate would start,
// on a function platform, an instance for nearly every request due while
// the first are still starting; on one machine every starting instance
// takes CPU from the others, so on a slow host the starts feed on each
// other until the account's concurrency limit throttles, and the measured
// window would begin with that pile of instances (and its memory and
// billing) rather than with the pool the rate needs.
//
// It returns how many requests the warm-up sent: the usage a run measures
// includes theirs.
func warmUp(ctx context.Context, gen *loadgen.Generator, rate float64, d time.Duration, mix loadgen.Mix, p *Progress) (int64, error) {
	if d <= 0 {
		return 0, ctx.Err()
	}
	warm := gen.Start(ctx, warmUpSchedule(rate, d), mix)
	p.Follow("warm-up", d, warm.Results(), nil)
	if err := warm.Err(); err != nil {
		return 0, fmt.Errorf("warm-up: %w", err)
	}
	return int64(min(warm.Stats().Requests, math.MaxInt64)), ctx.Err()
}

// warmUpSchedule is warmUp's load: from 0 to rate over the first half of d,
// then rate until d.
func warmUpSchedule(rate float64, d time.Duration) loadgen.RampingRate {
	return loadgen.RampingRate{Stages: []loadgen.Stage{{Duration: d / 2, Target: rate}, {Duration: d - d/2, Target: rate}}}
}

// journeyErrors checks the parameters every scenario shares, naming each.
func journeyErrors(mix string, maxInFlight int) []error {
	var errs []error
	if maxInFlight < 1 {
		errs = append(errs, fmt.Errorf("max-in-flight must be >= 1, but is %d", maxInFlight))
	}
	if _, err := workload.Mix(mix); err != nil {
		errs = append(errs, fmt.Errorf("mix: %w", err))
	}
	return errs
}
