package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/workload"
)

// Spike offers a base rate, then a sudden burst of Factor times the base
// for a short window, then the base again, all open-loop, and measures how
// each variant weathers it: errors and throttles during the burst, its
// latency, and how long after the burst the p99 takes to come back under
// the SLO and stay there. Serverless variants show their instances over
// time; the others their queueing.
type Spike struct {
	// Base is the journeys started per second outside the burst.
	Base float64
	// Factor multiplies Base during the burst (5 to 10 in the textbook
	// spike; any value above 1 here).
	Factor float64
	// Warmup runs before measuring, discarded: rising from nothing to Base
	// over its first half, then Base.
	Warmup time.Duration
	// Before, During and After are the measured windows: base rate, burst,
	// base rate again.
	Before, During, After time.Duration
	// SLO is the per-second p99 latency the variant must come back under.
	SLO time.Duration
	// Mix, Seed and MaxInFlight are as in Steady.
	Mix         string
	Seed        uint64
	MaxInFlight int
}

// SpikeProfile returns the spike scenario's parameters for a profile.
func SpikeProfile(profile string) (Spike, error) {
	s := Spike{Base: 50, Factor: 8, SLO: 50 * time.Millisecond, Mix: workload.DefaultMix, Seed: 1, MaxInFlight: 2048}
	switch profile {
	case "quick":
		s.Warmup, s.Before, s.During, s.After = 2*time.Second, 4*time.Second, 5*time.Second, 8*time.Second
	case "full":
		s.Warmup, s.Before, s.During, s.After = 30*time.Second, 30*time.Second, 30*time.Second, 90*time.Second
	default:
		return Spike{}, fmt.Errorf("profile must be quick or full, but is %q", profile)
	}
	return s, nil
}

// Name is "spike".
func (s Spike) Name() string { return "spike" }

// Validate reports every parameter out of range, each naming its field.
func (s Spike) Validate() error {
	var errs []error
	if s.Base <= 0 || s.Base > 1e6 {
		errs = append(errs, fmt.Errorf("base must be in (0, 1000000] journeys/s, but is %g", s.Base))
	}
	if s.Factor <= 1 || s.Factor > 100 {
		errs = append(errs, fmt.Errorf("factor must be in (1, 100], but is %g", s.Factor))
	}
	for name, d := range map[string]time.Duration{"before": s.Before, "during": s.During, "after": s.After} {
		if d < time.Second {
			errs = append(errs, fmt.Errorf("%s must be at least 1s, but is %s", name, d))
		}
	}
	if s.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup must be >= 0, but is %s", s.Warmup))
	}
	if s.SLO <= 0 {
		errs = append(errs, fmt.Errorf("slo must be > 0, but is %s", s.SLO))
	}
	errs = append(errs, journeyErrors(s.Mix, s.MaxInFlight)...)
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (s Spike) Params() map[string]any {
	return map[string]any{
		"base_per_sec": s.Base, "factor": s.Factor, "warmup_sec": s.Warmup.Seconds(),
		"before_sec": s.Before.Seconds(), "during_sec": s.During.Seconds(), "after_sec": s.After.Seconds(),
		"slo_p99_ms": float64(s.SLO) / 1e6, "mix": s.Mix, "seed": s.Seed, "max_in_flight": s.MaxInFlight,
	}
}

// schedule is the measured part: base, a jump to the burst, the burst, a
// jump back, base.
func (s Spike) schedule() loadgen.RampingRate {
	peak := s.Base * s.Factor
	return loadgen.RampingRate{StartRate: s.Base, Stages: []loadgen.Stage{
		{Duration: s.Before, Target: s.Base},
		{Duration: 0, Target: peak},
		{Duration: s.During, Target: peak},
		{Duration: 0, Target: s.Base},
		{Duration: s.After, Target: s.Base},
	}}
}

// Names of the spike's windows (see results.VariantResult.Windows).
const (
	WindowBefore = "before"
	WindowBurst  = "burst"
	WindowAfter  = "after"
)

// settle is how much of a phase after a change of rate its window leaves
// out: the burst's first second opens connections and starts instances,
// the first second after it drains the backlog. A phase as short as
// settle keeps its whole window.
const settle = time.Second

// windows are the spike's three phases, for the recorder to summarise
// apart: the base rate before the burst, the burst, the base rate after;
// the two after a change of rate without their first second (settle), so
// each is as near a steady state as the phase allows.
func (s Spike) windows() []results.Window {
	start, end := s.Before, s.Before+s.During
	skip := func(d time.Duration) time.Duration {
		if d > settle {
			return settle
		}
		return 0
	}
	return []results.Window{
		{Name: WindowBefore, From: 0, To: start},
		{Name: WindowBurst, From: start + skip(s.During), To: end},
		{Name: WindowAfter, From: end + skip(s.After), To: end + s.After},
	}
}

// SetPhaseCPU sets the CPU each of the spike's windows used.
func (s Spike) SetPhaseCPU(res *results.VariantResult, cpu CPUMeter) {
	ws := s.windows()
	for i := range res.Windows {
		var spans [][2]time.Duration
		for _, w := range ws {
			if w.Name == res.Windows[i].Name {
				spans = append(spans, [2]time.Duration{w.From, w.To})
			}
		}
		w := &res.Windows[i]
		w.CPUCores, w.GeneratorCPUCores = phaseCores(cpu, res.StartedAt, res.Achieved.Elapsed.Std(), spans)
	}
}

// Run warms up at the base rate, then runs the spike and summarises it.
func (s Spike) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	gen, mix, warm, err := prepare(ctx, t, s, s.Mix, s.Seed, s.MaxInFlight, s.Base, s.Warmup)
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()
	sched := s.schedule()
	total := sched.End()
	rec := results.NewRecorder(results.WithWindows(s.windows()...))
	run := gen.Start(ctx, sched, mix)
	t.Progress.Follow("spike", total, run.Results(), rec.Add)
	if err := run.Err(); err != nil {
		return results.VariantResult{}, fmt.Errorf("spike: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return results.VariantResult{}, err
	}
	mean := (s.Base*(s.Before+s.After).Seconds() + s.Base*s.Factor*s.During.Seconds()) / total.Seconds()
	res := rec.Summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested:      results.Load{Rate: mean, Duration: results.Duration(total), Warmup: results.Duration(s.Warmup)},
		WarmupRequests: warm,
		Stats:          run.Stats(),
	})
	res.Spike = s.Summarise(res.Series)
	return res, nil
}

// Finish summarises the spike again once the series holds the platform's
// instance counts, which arrive after Run.
func (s Spike) Finish(res *results.VariantResult) { res.Spike = s.Summarise(res.Series) }

// Summarise reads the spike's figures off the per-second series
// (results.SpikeOf).
func (s Spike) Summarise(series []results.Second) *results.SpikeSummary {
	return results.SpikeOf(series, s.Base, s.Base*s.Factor, int64(s.Before/time.Second), int64((s.Before+s.During)/time.Second), float64(s.SLO)/1e6)
}
