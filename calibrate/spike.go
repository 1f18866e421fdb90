package calibrate

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
	"github.com/archbench/archbench/simrun"
)

// SpikeCheck sets a model's prediction of a measured spike beside the
// measurement: the spike's phases, at the request rates measured in them,
// simulated second by second (simrun.Phases), and both read by one rule
// (results.SpikeOf). A calibration fits its load curve to the spike's
// base and burst, but nothing fits how the spike unfolds: the worst
// second's p99, the errors, the instances and cold starts, the recovery.
// This checks those. Every Modeled figure is modeled.
type SpikeCheck struct {
	// Variant names the variant; RunID the measured spike run.
	Variant string
	RunID   string
	// Phases are the measured spike's, in requests per second.
	Phases []sim.Phase
	// Measured and Modeled are the spike's figures, in requests per
	// second (the measured run counts its rates in journeys).
	Measured, Modeled results.SpikeSummary
	// ColdStarts counts the cold starts during the burst, measured and
	// modeled.
	MeasuredColdStarts, ModeledColdStarts int64
}

// CheckSpike simulates m through the measured spike of variant in run,
// its first repetition, and returns the check. It fails when run holds no
// spike of variant with a per-second series covering its three phases.
func CheckSpike(ctx context.Context, m sim.Model, run results.Run, variant string, opts ...Option) (SpikeCheck, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return SpikeCheck{}, fmt.Errorf("check spike of %s: %w", variant, err)
	}
	var v *results.VariantResult
	for i := range run.Variants {
		if r := &run.Variants[i]; r.Variant == variant && r.Spike != nil {
			v = r
			break
		}
	}
	if v == nil {
		return SpikeCheck{}, fmt.Errorf("check spike of %s: run %s has no spike of it", variant, run.ID)
	}
	sp := *v.Spike
	perIteration := 1.0
	if a := v.Achieved; a.Iterations > 0 && a.Requests > 0 {
		perIteration = float64(a.Requests) / float64(a.Iterations)
	}
	phases, err := spikePhases(v.Series, sp.StartSec, sp.EndSec, perIteration)
	if err != nil {
		return SpikeCheck{}, fmt.Errorf("check spike of %s in run %s: %w", variant, run.ID, err)
	}
	mv, _, err := simrun.Phases(ctx, m, phases, simrun.WithSeed(cfg.seed))
	if err != nil {
		return SpikeCheck{}, fmt.Errorf("check spike of %s: %w", variant, err)
	}
	c := SpikeCheck{Variant: variant, RunID: run.ID, Phases: phases,
		Measured: *results.SpikeOf(v.Series, phases[0].RatePerSec, phases[1].RatePerSec, sp.StartSec, sp.EndSec, sp.SLOMs),
		Modeled:  *results.SpikeOf(mv.Series, phases[0].RatePerSec, phases[1].RatePerSec, sp.StartSec, sp.EndSec, sp.SLOMs),
	}
	c.MeasuredColdStarts = coldStartsDuring(v.Series, sp.StartSec, sp.EndSec)
	c.ModeledColdStarts = coldStartsDuring(mv.Series, sp.StartSec, sp.EndSec)
	return c, nil
}

// spikePhases reads the phases of a measured spike off its series: the
// seconds before start, from start to end, and after, each at the mean
// request rate offered in it: the requests sent, and perIteration for
// each iteration the generator dropped, unable to send it (the scenario
// offered it; the model, without the generator's cap on requests in
// flight, gets it).
func spikePhases(series []results.Second, start, end int64, perIteration float64) ([]sim.Phase, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("no per-second series")
	}
	last := series[len(series)-1].T
	if !(start > 0 && end > start && last >= end) {
		return nil, fmt.Errorf("the series (seconds 0 to %d) does not cover a burst over seconds %d–%d with seconds before and after it", last, start, end)
	}
	var requests [3]float64
	for _, s := range series {
		i := 2
		switch {
		case s.T < start:
			i = 0
		case s.T < end:
			i = 1
		}
		requests[i] += float64(s.Requests) + perIteration*float64(s.Dropped)
	}
	secs := [3]int64{start, end - start, last + 1 - end}
	phases := make([]sim.Phase, 3)
	for i := range phases {
		phases[i] = sim.Phase{DurationSec: float64(secs[i]), RatePerSec: requests[i] / float64(secs[i])}
	}
	if err := simrun.ValidatePhases(phases); err != nil {
		return nil, err
	}
	return phases, nil
}

// coldStartsDuring counts the cold starts of series' seconds in [start, end).
func coldStartsDuring(series []results.Second, start, end int64) int64 {
	var n int64
	for _, s := range series {
		if s.T >= start && s.T < end {
			n += s.ColdStarts
		}
	}
	return n
}

// WriteSpikeChecks writes checks as a Markdown table, one row per
// variant, the measured figure beside the modeled one.
func WriteSpikeChecks(w io.Writer, checks ...SpikeCheck) error {
	var b strings.Builder
	b.WriteString("| variant | base → peak req/s | max p99 during ms, measured | modeled | errors during, measured | modeled | peak instances, measured | modeled | cold starts during, measured | modeled | recovery s, measured | modeled |\n")
	b.WriteString("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range checks {
		me, mo := c.Measured, c.Modeled
		fmt.Fprintf(&b, "| %s | %.0f → %.0f | %.3g | %.3g | %d | %d | %s | %s | %d | %d | %s | %s |\n",
			c.Variant, me.BaseRate, me.PeakRate, me.MaxP99MsDuring, mo.MaxP99MsDuring, me.ErrorsDuring, mo.ErrorsDuring,
			instancesCell(me.PeakInstances), instancesCell(mo.PeakInstances), c.MeasuredColdStarts, c.ModeledColdStarts,
			recoveryCell(me.RecoverySec), recoveryCell(mo.RecoverySec))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("calibrate: write spike checks: %w", err)
	}
	return nil
}

func instancesCell(n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprint(n)
}

func recoveryCell(sec float64) string {
	if sec < 0 {
		return "not recovered"
	}
	return fmt.Sprintf("%.0f", sec)
}

// SpikeMethod says what WriteSpikeChecks' table holds, for a report.
const SpikeMethod = "Each model simulated through the measured spike: its three phases at the request rates offered in them " +
	"(the requests sent, and those of the iterations the load generator dropped, unable to send them; dropped iterations are not among the measured errors), " +
	"after a warm-up rising to the base rate, read second by second by the spike scenario's own rule. " +
	"The calibration fits the models' load curves to the spike's base and burst; nothing fits how the spike unfolds, " +
	"which this checks: the worst second's p99 in the burst, its errors (throttles included), the instances and cold starts, " +
	"and the seconds until every second met the SLO again with no error. A second holds the requests sent in it, " +
	"measured or modeled, however late they ended."
