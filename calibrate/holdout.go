package calibrate

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// ValidateLeaveOneOut checks m against a ramp run one rate at a time: it
// fits m's load curve afresh to the ramp's own steps below saturation,
// and predicts each step with the curve through the other rates' steps
// only (leave one rate out; a step the ramp tried twice is one rate). The
// model's CPU demand and delay distributions stay as calibrated, in
// another run; what the ramp lends is the level of the delays at its
// other rates.
//
// Validate compares a model with a run it never saw, and so also with how
// far that run's measurements at one rate lie from the calibration
// run's; on a shared host that difference can exceed the model's own
// error (Summary.MaxP50ErrCalibrated). Here both come from one run, so
// the error is the model's: how well its CPU queue and its curve between
// and beyond measured rates predict a rate it was not given.
//
// Steps measured saturated are predicted with the curve through every
// step below saturation; the curve leaves out a step whose factor lies
// beyond 0.05 to 4, as in WithLoadPoints.
func ValidateLeaveOneOut(ctx context.Context, m sim.Model, against results.Run, variant string, opts ...Option) (Summary, error) {
	cfg, vs, err := validationInputs(m, against, variant, opts)
	if err != nil {
		return Summary{}, err
	}
	base := withLoadCurve(m, nil)
	s := Summary{Variant: variant, Model: m.Described(), RunID: against.ID, Scenario: against.Scenario, LeaveOneOut: true}
	var all []sim.LoadFactor
	for _, v := range vs {
		if v.Ramp == nil {
			return Summary{}, fmt.Errorf("calibrate: validate %q leaving one rate out: %s's result in run %s is not a ramp", m.Name, variant, against.ID)
		}
		ts, err := targetsOf(v)
		if err != nil {
			return Summary{}, fmt.Errorf("calibrate: validate against %s's result in run %s: %w", variant, against.ID, err)
		}
		// A factor per step below saturation, each found alone: a
		// step's factor does not depend on the others'.
		factors := make([]float64, len(ts))
		for i, t := range ts {
			if t.saturated {
				continue
			}
			f, _, err := factorAt(ctx, base, cfg, t.offered, t.meas.P50Ms)
			if err != nil {
				return Summary{}, fmt.Errorf("calibrate: fit the load curve at %s: %w", t.label, err)
			}
			if f >= minFactor && f <= maxFactor {
				factors[i] = f
				all = append(all, sim.LoadFactor{RatePerSec: round3(t.offered), Factor: round4(f)})
			}
		}
		for _, t := range ts {
			var curve []sim.LoadFactor
			for j, u := range ts {
				if factors[j] > 0 && (t.saturated || u.journeys != t.journeys) {
					curve = append(curve, sim.LoadFactor{RatePerSec: round3(u.offered), Factor: round4(factors[j])})
				}
			}
			p, err := predict(ctx, withLoadCurve(base, sortedCurve(curve)), t, cfg)
			if err != nil {
				return Summary{}, fmt.Errorf("calibrate: validate %q at %s: %w", m.Name, t.label, err)
			}
			s.Points = append(s.Points, p)
		}
	}
	all = sortedCurve(all)
	for _, f := range all {
		s.CalibratedAt = append(s.CalibratedAt, f.RatePerSec)
	}
	if len(all) > 0 {
		s.LoadCurve = "each step predicted with the curve through the other rates' steps of this run: " + describeCurve(all)
	}
	s.summarize()
	return s, nil
}

// sortedCurve sorts a load curve by rate and keeps one factor per rate,
// the first: sim requires rates to increase.
func sortedCurve(curve []sim.LoadFactor) []sim.LoadFactor {
	slices.SortStableFunc(curve, func(a, b sim.LoadFactor) int { return cmp.Compare(a.RatePerSec, b.RatePerSec) })
	return slices.CompactFunc(curve, func(a, b sim.LoadFactor) bool { return a.RatePerSec == b.RatePerSec })
}
