package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/usl"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// Ramp steps the offered rate up, Growth times per step, until the
// variant saturates, and says why it stopped: the latency knee (a step's
// p99 past the SLO, confirmed by repeating the step at the same rate),
// errors (more than 1 % of a step's requests), the
// variant falling behind (achieved throughput under 90 % of offered), or
// the generator's own limit (it started its iterations late or dropped
// them). It then fits the Universal Scalability Law to throughput against
// concurrency, measured per step by Little's law (concurrency = throughput
// × mean latency), the axis every variant shares whatever it can scale:
// σ is contention, κ coherency, and the fit predicts the peak. The fit is
// a model; the steps are measurements. Run in a Bench, a variant whose
// components report their SQLite writers has each step's writers too
// (results.RampStep.Writers), not only the whole run's, a replica that
// started again during a step marked in it.
type Ramp struct {
	// Start is the first step's journeys per second; each step offers
	// Growth times the one before, up to Steps steps (a repeat that
	// confirms a knee counts as a step).
	Start  float64
	Growth float64
	Steps  int
	// StepFor is each step's length; Warmup runs first, rising from nothing
	// to Start over its first half, then Start.
	StepFor time.Duration
	Warmup  time.Duration
	// SLO is the p99 latency past which a step is the knee.
	SLO time.Duration
	// Mix, Seed and MaxInFlight are as in Steady.
	Mix         string
	Seed        uint64
	MaxInFlight int
	// Capacities, when set, runs the whole ramp once per CPU budget, each
	// on a deployment whose containers share that many CPUs, and fits the
	// Universal Scalability Law to the most each carried against its
	// CPUs: scaling with allocated capacity, not only with load. It needs
	// a runtime that enforces a budget (-runtime docker).
	Capacities []float64
}

// RampProfile returns the ramp scenario's parameters for a profile.
func RampProfile(profile string) (Ramp, error) {
	r := Ramp{Start: 50, Growth: 2, Steps: 7, SLO: 100 * time.Millisecond, Mix: workload.DefaultMix, Seed: 1, MaxInFlight: 4096}
	switch profile {
	case "quick":
		r.StepFor, r.Warmup = 4*time.Second, 2*time.Second
	case "full":
		r.StepFor, r.Warmup, r.Growth, r.Steps = 30*time.Second, 20*time.Second, 1.5, 12
	default:
		return Ramp{}, fmt.Errorf("profile must be quick or full, but is %q", profile)
	}
	return r, nil
}

// Name is "ramp".
func (r Ramp) Name() string { return "ramp" }

// Validate reports every parameter out of range, each naming its field.
func (r Ramp) Validate() error {
	var errs []error
	if r.Start <= 0 || r.Start > 1e6 {
		errs = append(errs, fmt.Errorf("start must be in (0, 1000000] journeys/s, but is %g", r.Start))
	}
	if r.Growth <= 1 || r.Growth > 10 {
		errs = append(errs, fmt.Errorf("growth must be in (1, 10], but is %g", r.Growth))
	}
	if r.Steps < 3 || r.Steps > 50 {
		errs = append(errs, fmt.Errorf("steps must be 3..50, but is %d", r.Steps))
	}
	if r.StepFor < time.Second {
		errs = append(errs, fmt.Errorf("step-for must be at least 1s, but is %s", r.StepFor))
	}
	if r.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup must be >= 0, but is %s", r.Warmup))
	}
	if r.SLO <= 0 {
		errs = append(errs, fmt.Errorf("slo must be > 0, but is %s", r.SLO))
	}
	for i, c := range r.Capacities {
		if !(c > 0 && c <= 1024) {
			errs = append(errs, fmt.Errorf("capacities[%d] must be in (0, 1024] CPUs, but is %g", i, c))
		}
	}
	if n := len(r.Capacities); n > 0 && n < 3 {
		errs = append(errs, fmt.Errorf("capacities must list at least three CPU budgets to fit the law's three parameters across them, or none, but lists %d", n))
	}
	errs = append(errs, journeyErrors(r.Mix, r.MaxInFlight)...)
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (r Ramp) Params() map[string]any {
	p := map[string]any{
		"start_per_sec": r.Start, "growth": r.Growth, "steps": r.Steps, "step_sec": r.StepFor.Seconds(),
		"warmup_sec": r.Warmup.Seconds(), "slo_p99_ms": float64(r.SLO) / 1e6, "mix": r.Mix, "seed": r.Seed,
		"max_in_flight": r.MaxInFlight,
	}
	if len(r.Capacities) > 0 {
		p["capacities_cpus"] = r.Capacities
	}
	return p
}

// Settings runs v once per capacity when Capacities are set, and once, with
// the bench's env, when not.
func (r Ramp) Settings(v variants.Variant, env variants.Env) []Setting {
	if len(r.Capacities) == 0 {
		return []Setting{{Env: env}}
	}
	var out []Setting
	for _, c := range r.Capacities {
		out = append(out, Setting{Label: capacityLabel(c), Env: env, CPUs: c})
	}
	return out
}

// capacityLabel names a capacity setting.
func capacityLabel(cpus float64) string { return fmt.Sprintf("%g CPUs", cpus) }

// FinishRun fits, per variant and runtime, the Universal Scalability Law
// to the most each capacity carried against its CPUs, and gives every
// result of the variant the fit.
func (r Ramp) FinishRun(run *results.Run) {
	if len(r.Capacities) < 2 {
		return
	}
	type key struct{ variant, runtime string }
	byKey := map[key][]int{}
	for i, v := range run.Variants {
		if v.Ramp != nil && v.Ramp.CPUs > 0 {
			k := key{v.Variant, v.Runtime}
			byKey[k] = append(byKey[k], i)
		}
	}
	for _, idx := range byKey {
		unit := math.Inf(1)
		for _, i := range idx {
			unit = math.Min(unit, run.Variants[i].Ramp.CPUs)
		}
		var pts []usl.Point
		for _, i := range idx {
			s := run.Variants[i].Ramp
			if s.MaxRequestsPerSec > 0 {
				pts = append(pts, usl.Point{N: s.CPUs / unit, X: s.MaxRequestsPerSec})
			}
		}
		fit := toFit(pts, 0)
		fit.UnitCPUs = unit
		if fit.Error == "" {
			if n := (usl.Model{Lambda: fit.Lambda, Sigma: fit.Sigma, Kappa: fit.Kappa}).PeakN(); !math.IsInf(n, 0) && !math.IsNaN(n) {
				fit.PeakCPUs = n * unit
			}
		}
		for _, i := range idx {
			f := *fit
			run.Variants[i].Ramp.CapacityFit = &f
		}
	}
}

// Saturation reasons.
const (
	StopKnee      = "latency knee"
	StopErrors    = "errors"
	StopBehind    = "throughput fell behind the offered load"
	StopGenerator = "the generator's limit"
	StopNone      = "not saturated within the steps"
)

// Run warms up, then offers each step in turn until one saturates.
func (r Ramp) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	var cpus float64
	if len(r.Capacities) > 0 {
		if t.Runtime == "process" {
			return results.VariantResult{}, errors.New("ramp capacities need a runtime that enforces a CPU budget: use -runtime docker")
		}
		for _, c := range r.Capacities {
			if t.Setting == capacityLabel(c) {
				cpus = c
			}
		}
	}
	gen, mix, warm, err := prepare(ctx, t, r, r.Mix, r.Seed, r.MaxInFlight, r.Start, r.Warmup)
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()
	all := newPhases()
	summary := &results.RampSummary{SLOMs: float64(r.SLO) / 1e6, StoppedBy: StopNone, CPUs: cpus}
	rate := r.Start
	repeated := false // this step repeats the one before, to confirm it saturated
	// With a variant's writers to sample, each step's are sampled at its
	// bounds, between the generator's runs: before its schedule starts and
	// once its last journey ended. A sample's time (all replicas at once)
	// delays the next step's start; it shifts nothing in a schedule, which
	// starts with its step. A step's second sample is the next one's first.
	// writerUsage sets each step's two samples against each other as it
	// does the whole run's, so that a replica that started again during a
	// step is marked Restarted in that step alone, counted from its
	// restart.
	var mark []replicaWriters
	var writerNotes stepNotes
	if t.writers != nil {
		mark = t.writers.sample(ctx)
	}
	for i := range r.Steps {
		if err := ctx.Err(); err != nil {
			return results.VariantResult{}, err
		}
		one := results.NewRecorder()
		at := all.begin()
		run := gen.Start(ctx, loadgen.ConstantRate{Rate: rate, Duration: r.StepFor}, mix)
		t.Progress.Follow(fmt.Sprintf("step %d/%d at %.0f/s", i+1, r.Steps, rate), r.StepFor, run.Results(), func(res loadgen.Result) {
			one.Add(res)
			all.add(at, res)
		})
		if err := run.Err(); err != nil {
			return results.VariantResult{}, fmt.Errorf("step %d: %w", i+1, err)
		}
		var writers []results.WriterUsage
		if t.writers != nil {
			after := t.writers.sample(ctx)
			var notes []string
			writers, notes = writerUsage(mark, after)
			writerNotes.add(i+1, notes)
			mark = after
		}
		st := run.Stats()
		all.end(st)
		s := one.Summary(results.Info{Variant: t.Variant, Requested: results.Load{Rate: rate, Duration: results.Duration(r.StepFor)}, Stats: st})
		step := results.RampStep{
			OfferedPerSec: rate, JourneysPerSec: s.Achieved.IterationsPerSec, RequestsPerSec: s.Achieved.RequestsPerSec,
			ErrorRate: s.Total.ErrorRate, Dropped: s.Achieved.Dropped, Late: s.Achieved.Late,
			P50Ms: s.Total.LatencyMs.P50, P99Ms: s.Total.LatencyMs.P99,
			Concurrency: s.Achieved.RequestsPerSec * s.Total.LatencyMs.Mean / 1000,
			StartedAt:   st.Start.Round(0), ElapsedSec: st.Elapsed.Seconds(),
			Writers: writers,
		}
		summary.Steps = append(summary.Steps, step)
		why := r.saturated(step, st)
		stop, repeat := decide(why, repeated, i == r.Steps-1)
		if stop != "" {
			summary.StoppedBy = stop
			break
		}
		if repeated = repeat; repeat {
			t.Progress.Printf("ramp %s: %s at %.0f/s (p99 %.1f ms, %d journeys late); repeating the step to confirm", t.Variant, why, rate, step.P99Ms, step.Late)
			continue
		}
		rate *= r.Growth
	}
	summary.MaxRequestsPerSec = 0
	for _, s := range summary.Steps {
		summary.MaxRequestsPerSec = math.Max(summary.MaxRequestsPerSec, s.RequestsPerSec)
	}
	summary.Fit = fitUSL(summary.Steps)
	res := all.summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested:      results.Load{Rate: r.Start, Duration: results.Duration(time.Duration(len(summary.Steps)) * r.StepFor), Warmup: results.Duration(r.Warmup)},
		WarmupRequests: warm,
	})
	res.Ramp = summary
	res.Notes = append(res.Notes, writerNotes.notes()...)
	return res, nil
}

// stepNotes gathers the notes on a ramp's writers sampled step by step
// (see writerUsage), each once with the steps it is about, so that a
// replica left out of every step is noted once, not once a step.
type stepNotes struct {
	order []string
	steps map[string][]int
}

// add records notes on step.
func (n *stepNotes) add(step int, notes []string) {
	for _, s := range notes {
		if n.steps == nil {
			n.steps = map[string][]int{}
		}
		if _, ok := n.steps[s]; !ok {
			n.order = append(n.order, s)
		}
		n.steps[s] = append(n.steps[s], step)
	}
}

// notes returns the notes in the order first seen, each naming its steps.
func (n *stepNotes) notes() []string {
	var out []string
	for _, s := range n.order {
		steps := n.steps[s]
		which := "step " + strconv.Itoa(steps[0])
		if len(steps) > 1 {
			nums := make([]string, len(steps))
			for i, st := range steps {
				nums[i] = strconv.Itoa(st)
			}
			which = "steps " + strings.Join(nums, ", ")
		}
		out = append(out, fmt.Sprintf("In the writer figures of ramp %s, each step standing for the scenario: %s", which, s))
	}
	return out
}

// SetPhaseCPU sets the CPU each step used.
func (r Ramp) SetPhaseCPU(res *results.VariantResult, cpu CPUMeter) {
	if res.Ramp == nil {
		return
	}
	for i := range res.Ramp.Steps {
		s := &res.Ramp.Steps[i]
		length := time.Duration(s.ElapsedSec * float64(time.Second))
		s.CPUCores, s.GeneratorCPUCores = phaseCores(cpu, s.StartedAt, 0, [][2]time.Duration{{0, length}})
	}
}

// unconfirmed qualifies a knee or the generator's limit seen at the last
// step, which no step is left to repeat.
const unconfirmed = " at the last step, seen once (no step left to confirm it)"

// decide says what the ramp does after a step that saturated for why (""
// when it did not), given whether that step repeated one and whether it
// was the last: stop for a reason, or repeat the rate. One unlucky window
// (a GC pause, a noisy neighbour on a shared machine, a burst of function
// cold starts taking the generator's CPU) can put one step's p99 over the
// SLO or start a few of its journeys late, so a knee or the generator's
// limit counts only when the repeated step shows it again; errors stop at
// once. Seen at the last step, it is reported as seen once, not dropped:
// the ramp did not end unsaturated.
func decide(why string, repeated, last bool) (stop string, repeat bool) {
	if (why == StopKnee || why == StopGenerator) && !repeated {
		if last {
			return why + unconfirmed, false
		}
		return "", true
	}
	return why, false
}

// lateShare is the share of a step's journeys that must start late for
// the generator to count as the limit. A generator that cannot keep up is
// late for most of them; at 50 journeys/s one 30 ms stall of a shared
// machine makes a couple late, which is 1 % of a 4 s step.
const lateShare = 0.05

// saturated says why a step saturated the variant, or "" if it did not.
// The generator's limit is checked first: a late or dropping generator
// makes every other figure of the step suspect.
func (r Ramp) saturated(s results.RampStep, st loadgen.Stats) string {
	switch {
	case s.Dropped > 0 && s.P99Ms < float64(r.SLO)/1e6 && s.ErrorRate < 0.01:
		return StopGenerator
	case float64(st.Late) > lateShare*float64(st.Scheduled) && s.P99Ms < float64(r.SLO)/1e6:
		return StopGenerator
	case s.ErrorRate > 0.01:
		return StopErrors
	case s.P99Ms > float64(r.SLO)/1e6:
		return StopKnee
	case s.JourneysPerSec < 0.9*s.OfferedPerSec:
		return StopBehind
	}
	return ""
}

// fitUSL fits the law to the steps' throughput against concurrency, or
// returns nil with fewer than three usable steps or no fit. Concurrency is
// scaled so that the first step is one unit, since the law counts from 1.
func fitUSL(steps []results.RampStep) *results.USLFit {
	var pts []usl.Point
	base := 0.0
	for _, s := range steps {
		if s.Concurrency <= 0 || s.RequestsPerSec <= 0 {
			continue
		}
		if base == 0 {
			base = s.Concurrency
		}
		pts = append(pts, usl.Point{N: s.Concurrency / base, X: s.RequestsPerSec})
	}
	return toFit(pts, base)
}

// toFit fits the law to points and reports it, labelled modeled; unit is
// the concurrency one unit of N stands for (0 when N counts something
// else). A failed fit says why in Error.
func toFit(pts []usl.Point, unit float64) *results.USLFit {
	fit, err := usl.Fit(pts)
	if err != nil {
		return &results.USLFit{Error: err.Error()}
	}
	m := fit.Model
	out := &results.USLFit{
		Label: results.LabelModeled, Lambda: m.Lambda, Sigma: m.Sigma, Kappa: m.Kappa,
		UnitConcurrency: unit, Residual: fit.Residual, R2: fit.R2,
		PeakConcurrency: m.PeakN() * unit, PeakRequestsPerSec: m.PeakThroughput(),
	}
	if math.IsInf(out.PeakConcurrency, 0) || math.IsInf(out.PeakRequestsPerSec, 0) || unit == 0 {
		out.PeakConcurrency = 0
	}
	if math.IsInf(out.PeakRequestsPerSec, 0) {
		out.PeakRequestsPerSec = 0 // unbounded: no peak within the model
	}
	return out
}
