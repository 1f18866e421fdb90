package calibrate

import (
	"context"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

func TestValidateLeaveOneOut(t *testing.T) {
	ramp := func(step2P50 float64) results.Run {
		return toyRamp("ramp-loo",
			results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 100, P50Ms: 2.6, P99Ms: 8},
			results.RampStep{OfferedPerSec: 200, JourneysPerSec: 200, RequestsPerSec: 200, P50Ms: step2P50, P99Ms: 8},
			results.RampStep{OfferedPerSec: 400, JourneysPerSec: 400, RequestsPerSec: 400, P50Ms: 2.2, P99Ms: 8},
			results.RampStep{OfferedPerSec: 400, JourneysPerSec: 400, RequestsPerSec: 400, P50Ms: 2.0, P99Ms: 8}, // the same rate again
			results.RampStep{OfferedPerSec: 800, JourneysPerSec: 800, RequestsPerSec: 800, P50Ms: 2.4, P99Ms: 9},
			results.RampStep{OfferedPerSec: 1000, JourneysPerSec: 1000, RequestsPerSec: 1000, ErrorRate: 0.05, P50Ms: 50, P99Ms: 500},
		)
	}
	ctx := context.Background()
	m := toyModel(t)
	s, err := ValidateLeaveOneOut(ctx, m, ramp(2.4), "toy", WithRequests(10_000))
	if err != nil {
		t.Fatal(err)
	}
	if !s.LeaveOneOut || len(s.Points) != 6 || s.Below != 5 || s.HeldOut != s.Below {
		t.Fatalf("leave one out %v, %d points, %d below saturation, %d held out; want 6 points, 5 below, every one held out",
			s.LeaveOneOut, len(s.Points), s.Below, s.HeldOut)
	}
	if len(s.CalibratedAt) != 4 || !strings.Contains(s.LoadCurve, "other rates' steps") {
		t.Errorf("calibrated at %v, curve %q; want the four rates below saturation, and the curve said to be leave-one-out", s.CalibratedAt, s.LoadCurve)
	}
	// Two tries at one rate are one rate: neither is in the other's
	// curve, so both get the same prediction.
	if s.Points[2].Predicted.P50Ms != s.Points[3].Predicted.P50Ms {
		t.Errorf("steps 3 and 4, one rate: p50 %g and %g modeled, want the same", s.Points[2].Predicted.P50Ms, s.Points[3].Predicted.P50Ms)
	}
	if s.Points[5].Regime != RegimeSaturated && s.Points[5].Regime != RegimeMissed {
		t.Errorf("step 6: %s, want the measurement saturated", s.Points[5].Regime)
	}

	// A step's own measurement never enters its prediction; it moves
	// its neighbours' predictions.
	s2, err := ValidateLeaveOneOut(ctx, m, ramp(4.0), "toy", WithRequests(10_000))
	if err != nil {
		t.Fatal(err)
	}
	if s2.Points[1].Predicted.P50Ms != s.Points[1].Predicted.P50Ms {
		t.Errorf("step 2 predicted %g ms with its measurement at 2.4 ms, %g ms at 4 ms: want its own measurement left out",
			s.Points[1].Predicted.P50Ms, s2.Points[1].Predicted.P50Ms)
	}
	if !(s2.Points[0].Predicted.P50Ms > 1.2*s.Points[0].Predicted.P50Ms) {
		t.Errorf("step 1 predicted %g ms, then %g ms with step 2's measurement up by 67 %%: want it to follow step 2's",
			s.Points[0].Predicted.P50Ms, s2.Points[0].Predicted.P50Ms)
	}

	var b strings.Builder
	if err := WriteMarkdown(&b, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "### toy, one rate held out at a time (modeled against measured run ramp-loo)") {
		t.Errorf("markdown does not say the points were held out one rate at a time:\n%s", b.String())
	}

	steady := results.Run{ID: "steady", Variants: []results.VariantResult{toy()}}
	if _, err := ValidateLeaveOneOut(ctx, m, steady, "toy"); err == nil || !strings.Contains(err.Error(), "not a ramp") {
		t.Errorf("error %v, want a steady run refused as not a ramp", err)
	}
}

func TestWriteOverview(t *testing.T) {
	cross := Summary{Variant: "mono", Below: 3, HeldOut: 2, MaxP50ErrHeldOut: 0.12, MaxP50ErrCalibrated: 0.3, MaxThroughputErr: 0.004}
	loo := Summary{Variant: "mono", LeaveOneOut: true, Below: 3, HeldOut: 3, MaxP50ErrHeldOut: 0.2, MaxThroughputErr: 0.004, TrustedUpToPerSec: 500}
	none := Summary{Variant: "srv"}
	// Within the target where it does not saturate, but it saturates
	// where the measurement did not: not met.
	early := Summary{Variant: "hyb", Below: 2, HeldOut: 2, MaxP50ErrHeldOut: 0.11, MaxThroughputErr: 0.005, Early: 1, TrustedUpToPerSec: 1000}
	earlyOnly := Summary{Variant: "hyb", LeaveOneOut: true, Early: 2}
	// Either side of the target by less than a percent: the tenths say
	// which side.
	justOver := Summary{Variant: "over", Below: 2, HeldOut: 2, MaxP50ErrHeldOut: 0.154, MaxThroughputErr: 0.002}
	justUnder := Summary{Variant: "under", Below: 2, HeldOut: 2, MaxP50ErrHeldOut: 0.146, MaxThroughputErr: 0.002}
	var b strings.Builder
	if err := WriteOverview(&b, cross, loo, none, early, earlyOnly, justOver, justUnder); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| mono | against a run it was not calibrated on | 2 | 12.0 % | 0.4 % | 30 % | met | — |",
		"| mono | one rate of that run held out at a time | 3 | 20.0 % | 0.4 % | — | not met | 500 |",
		"| srv | against a run it was not calibrated on | 0 | — | 0.0 % | — | no point to judge | — |",
		"| hyb | against a run it was not calibrated on | 2 | 11.0 %; saturates early at 1 | 0.5 % | — | not met | 1000 |",
		"| hyb | one rate of that run held out at a time | 0 | saturates early at 2 | 0.0 % | — | not met | — |",
		"| over | against a run it was not calibrated on | 2 | 15.4 % | 0.2 % | — | not met | — |",
		"| under | against a run it was not calibrated on | 2 | 14.6 % | 0.2 % | — | met | — |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("overview lacks the row\n%s\nin\n%s", want, b.String())
		}
	}
}
