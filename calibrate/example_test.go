package calibrate

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// testRequests keeps the example tests fast under the race detector; the
// p99 of the whole mix is still stable to a few percent at this size.
const testRequests = 40_000

func loadRun(t *testing.T, scenario string) results.Run {
	t.Helper()
	run, err := results.Read(filepath.Join("..", "results", "example", scenario, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestExamples calibrates every variant from the example steady run and
// validates the model against the example ramp, which it was not
// calibrated on. It asserts what the method promises (a valid model that
// survives a round trip, that reproduces the run it came from, and
// throughput within Target below saturation) and logs the rest: p50 and
// p99 errors, the gap between the two measured runs, and the same with
// DemandCPU.
func TestExamples(t *testing.T) {
	steady, ramp := loadRun(t, "steady"), loadRun(t, "ramp")
	for _, variant := range []string{"monolith", "microservices", "serverless", "hybrid"} {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cal, err := FromRun(ctx, steady, variant, WithRequests(testRequests))
			if err != nil {
				t.Fatal(err)
			}
			if err := cal.Model.Validate(); err != nil {
				t.Fatalf("the calibrated model is not valid: %v", err)
			}
			var buf bytes.Buffer
			if err := cal.Model.Write(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := sim.Load(&buf)
			if err != nil {
				t.Fatalf("load the written model: %v", err)
			}
			if !reflect.DeepEqual(back, cal.Model) {
				t.Errorf("the model changed through Write and Load")
			}
			for _, o := range cal.Ops {
				if !near(o.Modeled.P50Ms, o.Measured.P50Ms, 0.05) {
					t.Errorf("%s: the model's p50 at the calibration rate is %g ms, want within 5 %% of the measured %g", o.Class, o.Modeled.P50Ms, o.Measured.P50Ms)
				}
			}

			sum, err := Validate(ctx, back, ramp, variant, WithRequests(testRequests))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Below == 0 {
				t.Errorf("no ramp step is below saturation: %s", sum.Verdict)
			}
			for _, p := range sum.Points {
				if p.Regime == RegimeBelow && math.Abs(p.Err.ThroughputPerSec) > Target {
					t.Errorf("%s: predicted %.0f req/s, measured %.0f: %+.0f %%, beyond the %.0f %% target", p.Label, p.Predicted.ThroughputPerSec, p.Measured.ThroughputPerSec, 100*p.Err.ThroughputPerSec, 100*Target)
				}
			}
			gap, err := MeasureGap(steady, ramp, variant)
			if err != nil {
				t.Fatal(err)
			}
			var md strings.Builder
			if err := WriteMarkdown(&md, sum); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(md.String(), "| ramp step 1 (50 journeys/s) |") {
				t.Errorf("the Markdown has no row for the first step:\n%s", md.String())
			}
			t.Logf("%s\nnotes: %q\n\n%s"+
				"The two measured runs at %.0f req/s, no model involved: steady p50 %.3g ms vs the ramp's %.3g (%+.0f %%), p99 %.3g vs %.3g (%+.0f %%). %s",
				cal.Explain(), cal.Notes, md.String(),
				gap.RatePerSec, gap.From.P50Ms, gap.Against.P50Ms, 100*gap.Err.P50Ms, gap.From.P99Ms, gap.Against.P99Ms, 100*gap.Err.P99Ms, gap.Note)

			if testing.Short() {
				return
			}
			cpu, err := FromRun(ctx, steady, variant, WithRequests(testRequests), WithDemand(DemandCPU))
			if err != nil {
				t.Fatal(err)
			}
			cpuSum, err := Validate(ctx, cpu.Model, ramp, variant, WithRequests(testRequests))
			if err != nil {
				t.Fatal(err)
			}
			md.Reset()
			if err := WriteMarkdown(&md, cpuSum); err != nil {
				t.Fatal(err)
			}
			t.Logf("For comparison, with DemandCPU:\n%s\n\n%s", cpu.Explain(), md.String())
		})
	}
}

// TestExamplesRefused checks that shaped runs are refused with a reason.
func TestExamplesRefused(t *testing.T) {
	ctx := context.Background()
	cold := loadRun(t, "coldstart")
	if _, err := FromRun(ctx, cold, "serverless"); err == nil || !strings.Contains(err.Error(), "WithSetting") {
		t.Errorf("error %v, want it to ask for one of the settings", err)
	}
	if _, err := FromRun(ctx, cold, "serverless", WithSetting("keep-alive 2s")); err == nil || !strings.Contains(err.Error(), "bursts is set") {
		t.Errorf("error %v, want a run of bursts refused", err)
	}
	steady := loadRun(t, "steady")
	if _, err := Validate(ctx, sim.Model{}, steady, "monolith"); err == nil {
		t.Error("an empty model validated")
	}
}
