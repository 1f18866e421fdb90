package scenarios

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/variants"
)

// TestRampSaturated names the first limit a step hits, the generator's
// before the variant's.
func TestRampSaturated(t *testing.T) {
	r := Ramp{SLO: 100 * time.Millisecond}
	ok := results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, P99Ms: 20}
	tests := []struct {
		name string
		step func(results.RampStep) results.RampStep
		st   loadgen.Stats
		want string
	}{
		{"healthy", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 100}, ""},
		{"knee", func(s results.RampStep) results.RampStep { s.P99Ms = 150; return s }, loadgen.Stats{Scheduled: 100}, StopKnee},
		{"errors", func(s results.RampStep) results.RampStep { s.ErrorRate = 0.05; s.P99Ms = 150; return s }, loadgen.Stats{Scheduled: 100}, StopErrors},
		{"behind", func(s results.RampStep) results.RampStep { s.JourneysPerSec = 80; return s }, loadgen.Stats{Scheduled: 100}, StopBehind},
		{"generator drops", func(s results.RampStep) results.RampStep { s.Dropped = 3; return s }, loadgen.Stats{Scheduled: 100}, StopGenerator},
		{"generator late", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 100, Late: 6}, StopGenerator},
		{"a few late", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 200, Late: 5}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.saturated(tt.step(ok), tt.st); got != tt.want {
				t.Fatalf("saturated = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRampDecide stops at a knee or the generator's limit only when the
// repeated step confirms it, and at errors at once; at the last step, with
// none left to repeat it, it stops naming the reason as seen once rather
// than reporting a ramp that never saturated.
func TestRampDecide(t *testing.T) {
	tests := []struct {
		why        string
		repeated   bool
		last       bool
		stop       string
		wantRepeat bool
	}{
		{"", false, false, "", false},
		{"", true, false, "", false},
		{"", false, true, "", false},
		{StopKnee, false, false, "", true},
		{StopKnee, true, false, StopKnee, false},
		{StopKnee, false, true, StopKnee + unconfirmed, false},
		{StopKnee, true, true, StopKnee, false},
		{StopGenerator, false, false, "", true},
		{StopGenerator, true, false, StopGenerator, false},
		{StopGenerator, false, true, StopGenerator + unconfirmed, false},
		{StopErrors, false, false, StopErrors, false},
		{StopErrors, false, true, StopErrors, false},
		{StopBehind, true, false, StopBehind, false},
	}
	for _, tt := range tests {
		stop, repeat := decide(tt.why, tt.repeated, tt.last)
		if stop != tt.stop || repeat != tt.wantRepeat {
			t.Errorf("decide(%q, repeated %v, last %v) = %q, repeat %v; want %q, %v",
				tt.why, tt.repeated, tt.last, stop, repeat, tt.stop, tt.wantRepeat)
		}
	}
}

// TestFitUSLOnSteps fits steps made from a known law: the fit recovers a
// peak near the law's, labelled modeled.
func TestFitUSLOnSteps(t *testing.T) {
	const lambda, sigma, kappa = 400.0, 0.05, 0.01
	var steps []results.RampStep
	for _, n := range []float64{1, 2, 4, 6, 8, 12, 16} {
		x := lambda * n / (1 + sigma*(n-1) + kappa*n*(n-1))
		steps = append(steps, results.RampStep{RequestsPerSec: x, Concurrency: 3 * n})
	}
	fit := fitUSL(steps)
	if fit == nil || fit.Error != "" || fit.Label != results.LabelModeled {
		t.Fatalf("fit %+v", fit)
	}
	wantPeakN := 3 * 9.75 // sqrt((1-σ)/κ) units of 3
	if fit.PeakConcurrency < wantPeakN*0.9 || fit.PeakConcurrency > wantPeakN*1.1 || fit.Sigma > 0.08 {
		t.Fatalf("fit %+v: want a peak near concurrency %.1f and σ near %g", fit, wantPeakN, sigma)
	}
	if short := fitUSL(steps[:2]); short == nil || short.Error == "" {
		t.Fatalf("a fit from two steps: %+v, want an error", short)
	}
}

// TestRampCapacities runs once per CPU budget, refuses a runtime that
// enforces none, and fits the law across the budgets from a known one.
func TestRampCapacities(t *testing.T) {
	if s := (Ramp{}).Settings(variants.Variant{Name: "monolith"}, variants.Env{}); len(s) != 1 || s[0].CPUs != 0 || s[0].Label != "" {
		t.Fatalf("settings without capacities %+v, want the one default", s)
	}
	r := Ramp{Capacities: []float64{0.5, 1, 1.5, 2}}
	settings := r.Settings(variants.Variant{Name: "monolith"}, variants.Env{})
	if len(settings) != 4 || settings[1].Label != "1 CPUs" || settings[1].CPUs != 1 {
		t.Fatalf("settings %+v, want one per capacity with its CPUs", settings)
	}
	if _, err := r.Run(t.Context(), Target{Runtime: "process", Setting: "1 CPUs"}); err == nil || !strings.Contains(err.Error(), "-runtime docker") {
		t.Errorf("capacities on the process runtime: %v, want an error naming -runtime docker", err)
	}
	const lambda, sigma, kappa = 1000.0, 0.1, 0.02
	var run results.Run
	for _, c := range r.Capacities {
		n := c / 0.5
		x := lambda * n / (1 + sigma*(n-1) + kappa*n*(n-1))
		run.Variants = append(run.Variants, results.VariantResult{Variant: "monolith", Runtime: "docker", Setting: capacityLabel(c),
			Ramp: &results.RampSummary{CPUs: c, MaxRequestsPerSec: x}})
	}
	run.Variants = append(run.Variants, results.VariantResult{Variant: "serverless", Runtime: "docker", Ramp: &results.RampSummary{}})
	r.FinishRun(&run)
	for _, v := range run.Variants[:4] {
		f := v.Ramp.CapacityFit
		if f == nil || f.Error != "" || f.Label != results.LabelModeled || f.UnitCPUs != 0.5 {
			t.Fatalf("%s: capacity fit %+v, want a modeled fit in units of 0.5 CPUs", v.Setting, f)
		}
		if math.Abs(f.Sigma-sigma) > 0.03 || math.Abs(f.Kappa-kappa) > 0.01 {
			t.Errorf("%s: σ %.3f κ %.4f, want %g and %g", v.Setting, f.Sigma, f.Kappa, sigma, kappa)
		}
		// The law peaks at N = sqrt((1-σ)/κ) ≈ 6.7 units of 0.5 CPUs.
		if want := 0.5 * math.Sqrt((1-sigma)/kappa); math.Abs(f.PeakCPUs-want) > 0.3*want {
			t.Errorf("%s: peak at %.2f CPUs, want about %.2f", v.Setting, f.PeakCPUs, want)
		}
	}
	if run.Variants[4].Ramp.CapacityFit != nil {
		t.Error("a result without a capacity got a capacity fit")
	}
	if err := (Ramp{Start: 1, Growth: 2, Steps: 3, StepFor: time.Second, SLO: time.Second, Mix: "browse=1", MaxInFlight: 1, Capacities: []float64{1, 2}}).Validate(); err == nil || !strings.Contains(err.Error(), "capacities") {
		t.Errorf("two capacities: %v, want an error naming capacities", err)
	}
}
