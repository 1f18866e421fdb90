package simrun

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

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
	// PhaseWarmupSec is how long a phased simulation runs at its first
	// phase's rate before it measures: long enough for a pool's
	// instances and an autoscaler's replicas to settle at that rate.
	PhaseWarmupSec = 10
)

// Phases simulates m through phases, one after another, after a warm-up
// of PhaseWarmupSec at the first phase's rate, and returns the prediction
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
// the ones that failed or were turned away in it, the cold starts begun
// in it, and the latency percentiles of the requests that ended in it:
// the second a request ended, as a dashboard draws it, where a measured
// series puts a request in the second it was sent. The two differ only
// for requests that wait longer than a second.
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
	v.Notes = append(v.Notes, "Simulated through phases, after a warm-up of "+fmt.Sprint(PhaseWarmupSec)+" s at the first one's rate: "+
		PhasesText(phases)+". The requested rate is their mean. "+
		"Each second of the series counts the requests that arrived and the ones that failed or were turned away in it, "+
		"and the latency of the requests that ended in it (a measured series: of those sent in it).")
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
	if n := offered + phases[0].RatePerSec*w; n > MaxPhaseRequests {
		return sim.Model{}, fmt.Errorf("the phases and their warm-up offer %.0f requests, more than the %d a phased simulation may: shorten the phases or lower their rates",
			n, MaxPhaseRequests)
	}
	for i, b := range m.Arrivals.Bursts {
		if b.AtSec >= total {
			return sim.Model{}, fmt.Errorf("the model's arrivals.bursts[%d] comes at %g s, after the phases' end (%g s): its time counts from the first phase's start", i, b.AtSec, total)
		}
	}
	m.Arrivals.Phases = append([]sim.Phase{{DurationSec: w, RatePerSec: phases[0].RatePerSec}}, phases...)
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
			ColdStarts: s.ColdStarts, P50Ms: s.P50Ms, P99Ms: s.P99Ms, Instances: s.Instances,
		})
	}
	return out
}
