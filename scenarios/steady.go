package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/workload"
)

// Steady offers a fixed open-loop rate of user journeys for a duration after
// a warm-up, and measures latency, throughput and errors per operation. It is
// the baseline every other scenario is read against.
type Steady struct {
	// Rate is the journeys started per second (each journey makes 2 to 6
	// requests; see package workload).
	Rate float64
	// Warmup runs before measuring, rising from nothing to Rate over its
	// first half and holding Rate for the rest; its results are discarded,
	// so connection set-up, caches, the Go runtime and a function platform's
	// instances settle first.
	Warmup time.Duration
	// Duration is how long the measured part lasts.
	Duration time.Duration
	// Mix is the journey mix, e.g. "browse=70,add-to-cart=20,checkout=10".
	Mix string
	// Seed makes the journeys' choices repeatable.
	Seed uint64
	// MaxInFlight caps concurrent journeys; journeys due beyond it are
	// dropped and counted, never delayed.
	MaxInFlight int
	// Runs is how many times each variant runs when the bench is not told
	// (see Repeated): the headline figures' confidence intervals come from
	// the repetitions. 0 means 1.
	Runs int
}

// Repetitions is Runs, at least 1.
func (s Steady) Repetitions() int { return max(s.Runs, 1) }

// SteadyProfile returns the steady scenario's parameters for a profile:
// "quick" (short, for make bench and tests) or "full" (long enough for
// stable tails).
func SteadyProfile(profile string) (Steady, error) {
	s := Steady{Rate: 150, Mix: workload.DefaultMix, Seed: 1, MaxInFlight: 1024}
	switch profile {
	case "quick":
		// Three short runs rather than one long one: the figures get
		// confidence intervals for about the same time.
		s.Warmup, s.Duration, s.Runs = 2*time.Second, 6*time.Second, 3
	case "full":
		s.Warmup, s.Duration, s.Runs = 30*time.Second, 2*time.Minute, 5
	default:
		return Steady{}, fmt.Errorf("profile must be quick or full, but is %q", profile)
	}
	return s, nil
}

// Name is "steady".
func (s Steady) Name() string { return "steady" }

// Validate reports every parameter out of range, each naming its flag.
func (s Steady) Validate() error {
	var errs []error
	if s.Rate <= 0 || s.Rate > 1e6 {
		errs = append(errs, fmt.Errorf("rate must be in (0, 1000000] journeys/s, but is %g", s.Rate))
	}
	if s.Runs < 0 || s.Runs > 100 {
		errs = append(errs, fmt.Errorf("runs must be 0..100, but is %d", s.Runs))
	}
	if s.Duration < time.Second {
		errs = append(errs, fmt.Errorf("duration must be at least 1s, but is %s", s.Duration))
	}
	if s.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup must be >= 0, but is %s", s.Warmup))
	}
	errs = append(errs, journeyErrors(s.Mix, s.MaxInFlight)...)
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (s Steady) Params() map[string]any {
	return map[string]any{
		"rate_per_sec": s.Rate, "warmup_sec": s.Warmup.Seconds(), "duration_sec": s.Duration.Seconds(),
		"mix": s.Mix, "seed": s.Seed, "max_in_flight": s.MaxInFlight, "runs": s.Runs,
	}
}

// Run warms up, then measures.
func (s Steady) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	gen, mix, warm, err := prepare(ctx, t, s, s.Mix, s.Seed, s.MaxInFlight, s.Rate, s.Warmup)
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()

	rec := results.NewRecorder()
	run := gen.Start(ctx, loadgen.ConstantRate{Rate: s.Rate, Duration: s.Duration}, mix)
	t.Progress.Follow("measure", s.Duration, run.Results(), rec.Add)
	if err := run.Err(); err != nil {
		return results.VariantResult{}, fmt.Errorf("measure: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return results.VariantResult{}, err
	}
	// The warm-up ran as its own attack, so these stats cover exactly the
	// measured window.
	return rec.Summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested:      results.Load{Rate: s.Rate, Duration: results.Duration(s.Duration), Warmup: results.Duration(s.Warmup)},
		WarmupRequests: warm,
		Stats:          run.Stats(),
	}), nil
}
