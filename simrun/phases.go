package simrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// Bounds of a phased simulation.
const (
	// MaxPhases is the most phases a phased simulation takes.
	MaxPhases = 64
	// MaxPhaseRequests bounds the requests a phased simulation may offer,
	// its warm-up's included: about two minutes of simulating the
	// microservices model on this project's two-core machine.
	MaxPhaseRequests = 100_000_000
	// PhaseWarmupSec is how long a phased simulation warms up before it
	// measures, as the bench's spike scenario does: rising from nothing
	// to the first phase's rate over its first half (in warmupSteps
	// steps), then at that rate. Long enough for a pool's instances and
	// an autoscaler's replicas to settle; and rising, not jumping, to the
	// rate, so that a pool does not start an instance for every request
	// of its first cold-start time, which its keep-alive would carry
	// into the phases.
	PhaseWarmupSec = 10
	// warmupSteps is how many steps the warm-up rises in.
	warmupSteps = 10
)

// Phases simulates m through phases, one after another, after a warm-up
// (PhaseWarmupSec) rising to the first phase's rate, and returns the prediction
// as a modeled result whose per-second series covers the phases: what a
// spike, a ramp or an idle gap does at a scale this machine cannot offer,
// second by second. Every phase lasts a whole number of seconds, so each
// second of the series falls in one phase. WithRequests does not apply:
// the phases say how many requests arrive.
//
// The model's own phases and base rate are replaced; its bursts and fault
// windows keep their times, counted from the start of the first phase
// (the end of the warm-up), and a burst must fall within the phases.
//
// The series counts, in each second, the requests that arrived in it,
// those of them that failed or were turned away, and the cold starts begun
// in it, and gives the latency percentiles of those of its requests that
// completed: a request counts in the second it arrived, however late it
// ended, as a measured series puts it in the second it was sent.
func Phases(ctx context.Context, m sim.Model, phases []sim.Phase, opts ...Option) (results.VariantResult, sim.Result, error) {
	cfg := newConfig(opts)
	pm, err := phased(m, phases)
	if err != nil {
		return results.VariantResult{}, sim.Result{}, fmt.Errorf("simulate %s through phases: %w", m.Name, err)
	}
	r, err := sim.Run(ctx, pm, sim.WithSeed(cfg.seed))
	if err != nil {
		return results.VariantResult{}, sim.Result{}, fmt.Errorf("simulate %s through phases: %w", m.Name, err)
	}
	total, offered := phaseTotals(phases)
	v := Result(pm, r, offered/total)
	v.Series = phaseSeries(r, PhaseWarmupSec, int(total))
	v.Notes = append(v.Notes, "Simulated through phases, after a warm-up of "+fmt.Sprint(PhaseWarmupSec)+" s rising to the first one's rate: "+
		PhasesText(phases)+". The requested rate is their mean. "+
		"Each second of the series holds the requests that arrived in it, however late they ended, "+
		"as a measured series holds those sent in it.")
	return v, r, nil
}

// phased returns m set to run phases after the warm-up, or an error
// naming what is wrong with them.
func phased(m sim.Model, phases []sim.Phase) (sim.Model, error) {
	if err := ValidatePhases(phases); err != nil {
		return sim.Model{}, err
	}
	total, offered := phaseTotals(phases)
	w := float64(PhaseWarmupSec)
	if n := offered + phases[0].RatePerSec*w*3/4; n > MaxPhaseRequests {
		return sim.Model{}, fmt.Errorf("the phases and their warm-up offer %.0f requests, more than the %d a phased simulation may: shorten the phases or lower their rates",
			n, MaxPhaseRequests)
	}
	for i, b := range m.Arrivals.Bursts {
		if b.AtSec >= total {
			return sim.Model{}, fmt.Errorf("the model's arrivals.bursts[%d] comes at %g s, after the phases' end (%g s): its time counts from the first phase's start", i, b.AtSec, total)
		}
	}
	m.Arrivals.Phases = append(warmupPhases(phases[0].RatePerSec), phases...)
	// After the phases no request arrives (the run ends there); the base
	// rate sets the load curve of the requests that drain.
	m.Arrivals.RatePerSec = phases[len(phases)-1].RatePerSec
	m.Arrivals.Bursts = slices.Clone(m.Arrivals.Bursts)
	for i := range m.Arrivals.Bursts {
		m.Arrivals.Bursts[i].AtSec += w
	}
	m.Faults = slices.Clone(m.Faults)
	for i := range m.Faults {
		m.Faults[i].StartSec += w
		m.Faults[i].EndSec += w
	}
	m.WarmupSec, m.DurationSec = w, w+total
	return m, nil
}

// ParsePhases reads phases written as DURATION:RATE pairs separated by
// commas, such as "30s:1000,5s:10000,30s:1000" (30 s at 1,000 req/s,
// then 5 s at 10,000, then 30 s at 1,000): each duration as Go writes one
// (30s, 2m), a whole number of seconds; each rate in requests per second,
// 0 for an idle gap. A bad pair is an error naming it, and the phases are
// validated as ValidatePhases does.
func ParsePhases(s string) ([]sim.Phase, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no phases: want DURATION:RATE pairs, such as 30s:1000,5s:10000,30s:1000")
	}
	fields := strings.Split(s, ",")
	if len(fields) > MaxPhases {
		return nil, fmt.Errorf("%d phases, at most %d", len(fields), MaxPhases)
	}
	var (
		out  []sim.Phase
		errs []error
	)
	for i, f := range fields {
		d, r, ok := strings.Cut(strings.TrimSpace(f), ":")
		if !ok {
			errs = append(errs, fmt.Errorf("phase %d is %q: want DURATION:RATE, such as 30s:1000", i+1, f))
			continue
		}
		dur, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			errs = append(errs, fmt.Errorf("phase %d's duration %q is not a duration such as 30s or 2m", i+1, d))
			continue
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("phase %d's rate %q is not a number of requests per second", i+1, r))
			continue
		}
		out = append(out, sim.Phase{DurationSec: dur.Seconds(), RatePerSec: rate})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ValidatePhases(out); err != nil {
		return nil, err
	}
	return out, nil
}

// warmupPhases rise from nothing to rate over the first half of
// PhaseWarmupSec, in warmupSteps steps, and hold rate over the second.
func warmupPhases(rate float64) []sim.Phase {
	half := float64(PhaseWarmupSec) / 2
	out := make([]sim.Phase, 0, warmupSteps+1)
	for i := 1; i <= warmupSteps; i++ {
		out = append(out, sim.Phase{DurationSec: half / warmupSteps, RatePerSec: rate * float64(i) / warmupSteps})
	}
	return append(out, sim.Phase{DurationSec: half, RatePerSec: rate})
}

// ValidatePhases reports every problem with phases, each naming the
// phase (from 1) and the values it may take; nil when Phases can
// simulate them.
func ValidatePhases(phases []sim.Phase) error {
	if len(phases) == 0 {
		return fmt.Errorf("no phases")
	}
	if len(phases) > MaxPhases {
		return fmt.Errorf("%d phases, at most %d", len(phases), MaxPhases)
	}
	var (
		problems []string
		total    float64
		busy     bool
	)
	for i, p := range phases {
		if !(p.DurationSec >= 1 && p.DurationSec == math.Trunc(p.DurationSec)) {
			problems = append(problems, fmt.Sprintf("phase %d's duration must be a whole number of seconds, at least 1, but is %g s", i+1, p.DurationSec))
		}
		if !(p.RatePerSec >= 0 && p.RatePerSec <= 1e7) {
			problems = append(problems, fmt.Sprintf("phase %d's rate must be 0 to 10000000 requests/s, but is %g", i+1, p.RatePerSec))
		}
		total += p.DurationSec
		busy = busy || p.RatePerSec > 0
	}
	if !busy {
		problems = append(problems, "every phase's rate is 0: at least one must offer requests")
	}
	if total+PhaseWarmupSec > sim.MaxDurationSec {
		problems = append(problems, fmt.Sprintf("the phases last %g s, more than the simulator's %d s with the warm-up", total, sim.MaxDurationSec-PhaseWarmupSec))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// phaseTotals returns how long phases last, in seconds, and how many
// requests they offer on average.
func phaseTotals(phases []sim.Phase) (sec, requests float64) {
	for _, p := range phases {
		sec += p.DurationSec
		requests += p.DurationSec * p.RatePerSec
	}
	return sec, requests
}

// PhasesText describes phases as "30 s at 1,000 req/s, then 5 s at
// 10,000 req/s".
func PhasesText(phases []sim.Phase) string {
	parts := make([]string, len(phases))
	for i, p := range phases {
		parts[i] = fmt.Sprintf("%g s at %s req/s", p.DurationSec, rateText(p.RatePerSec))
	}
	return strings.Join(parts, ", then ")
}

// rateText writes a rate with thousands separators, and up to three
// decimals below 1,000.
func rateText(r float64) string {
	if r < 1000 {
		return fmt.Sprint(math.Round(r*1000) / 1000)
	}
	s := fmt.Sprintf("%.0f", r)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// phaseSeries expresses the seconds of r from warmup on, n of them, as a
// measured run's series: T counts from the first phase's start.
func phaseSeries(r sim.Result, warmup, n int) []results.Second {
	out := make([]results.Second, 0, n)
	for _, s := range r.Seconds {
		if s.Second < warmup || s.Second >= warmup+n {
			continue
		}
		out = append(out, results.Second{
			T: int64(s.Second - warmup), Requests: s.Arrivals, Errors: s.Failed + s.Rejected,
			ColdStarts: s.ColdStarts, P50Ms: s.P50Ms, P99Ms: s.P99Ms, Instances: s.Instances, BusyInstances: s.BusyInstances,
		})
	}
	return out
}
