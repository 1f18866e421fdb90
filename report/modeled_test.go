package report

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// simulated relabels the variants of run as archbench simulate writes its
// results: modeled, with resources from the simulator (no sampling
// interval), a sweep as ramp steps without CPU, pools that record no init
// latencies nor instances second by second, and no SQLite writers.
func simulated(run results.Run, which ...int) results.Run {
	for _, i := range which {
		v := &run.Variants[i]
		v.Label = results.LabelModeled
		v.Notes, v.Series, v.Writers = nil, nil, nil
		v.Ramp = &results.RampSummary{MaxRequestsPerSec: 100, StoppedBy: "a simulated sweep: every rate asked",
			Steps: []results.RampStep{{OfferedPerSec: 10, RequestsPerSec: 10}, {OfferedPerSec: 100, RequestsPerSec: 100}}}
		if v.Resources != nil {
			r := *v.Resources
			r.Source, r.Interval, r.Samples = "simulated", 0, 0
			v.Resources = &r
		}
		if v.Platform != nil {
			p := *v.Platform
			p.Functions = append([]results.PlatformFunction(nil), p.Functions...)
			for j := range p.Functions {
				p.Functions[j].InitMs = results.InitPercentiles{}
			}
			v.Platform = &p
		}
	}
	return run
}

// notMeasured are the phrases a simulated run's report may say measured
// in: what latency is measured from, the rule that labels hold, and
// denials.
var notMeasured = regexp.MustCompile(`latency is measured from|Every figure is measured unless labelled modeled|none measured|not measured`)

// TestSimulatedIntrosNotMeasured: the intros of a simulated run's report
// (function platform, resources, hops, summary, ramp) say modeled where a
// measured run's say measured, name no sampling interval, and claim no
// warmup the simulator left out; a mixed run's say both.
func TestSimulatedIntrosNotMeasured(t *testing.T) {
	t.Run("modeled", func(t *testing.T) {
		run := simulated(twoVariants(), 0, 1)
		md := render(t, run)
		var term bytes.Buffer
		if err := Terminal(&term, run); err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"REPORT.md": md, "terminal": term.String()} {
			if left := notMeasured.ReplaceAllString(text, ""); strings.Contains(strings.ToLower(left), "measured") {
				for _, line := range strings.Split(left, "\n") {
					if strings.Contains(strings.ToLower(line), "measured") {
						t.Errorf("%s of a simulated run says measured: %q", name, line)
					}
				}
			}
			for _, wrong := range []string{"every 0 ms", "warmup included"} {
				if strings.Contains(text, wrong) {
					t.Errorf("%s of a simulated run says %q", name, wrong)
				}
			}
		}
		for _, want := range []string{
			"Billed GB-s is computed from the modeled durations",
			"Δ p50 is the modeled median latency",
			"Modeled by the simulator, not sampled from a meter: one row per station",
			"CPU s is the time the simulator's stations were busy",
			"left empty: the simulator does not model them per step",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("simulated run's report lacks %q", want)
			}
		}
	})
	t.Run("measured", func(t *testing.T) {
		md := render(t, twoVariants())
		for _, want := range []string{
			"Billed GB-s is computed from the measured durations",
			"Δ p50 is the measured median latency",
			"Sampled from the runtime's meter (proc) right before the scenario, every 500 ms while it ran",
			"CPU s is the CPU time all the variant's replicas used while the scenario ran, the warmup included",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("measured run's report lacks %q", want)
			}
		}
	})
	t.Run("mixed", func(t *testing.T) {
		run := twoVariants()
		p := *run.Variants[1].Platform
		run.Variants[0].Platform = &p // both on a platform, one measured, one modeled
		md := render(t, simulated(run, 1))
		for _, want := range []string{
			"Billed GB-s is computed from the measured or modeled durations",
			"Δ p50 is the measured or modeled median latency",
			"Sampled from the runtime's meter (proc) right before the scenario, every 500 ms while it ran",
			"Rows marked [modeled] are the simulator's, not sampled from a meter",
			"rows marked [modeled] are the simulator's function pools",
		} {
			if !strings.Contains(md, want) {
				t.Errorf("mixed run's report lacks %q", want)
			}
		}
		if strings.Contains(md, "meter (proc, simulated)") {
			t.Errorf("mixed run's report names the simulator as a sampled meter")
		}
	})
}

// TestPlatformInitNotRecorded: a pool whose cold starts carry no init
// latencies (the simulator records none) shows a dash, not 0 ms.
func TestPlatformInitNotRecorded(t *testing.T) {
	run := simulated(twoVariants(), 1)
	for _, row := range platformTable(run.Variants, variantNames(run.Variants)).rows {
		if row[1] == "catalog" && (row[5] != none || row[6] != none) {
			t.Errorf("catalog, 30 cold starts without init latencies: init p50 %q, p99 %q, want %q", row[5], row[6], none)
		}
	}
}

// TestHeadlineCostNoteFollowsLabels: the headline cost figure's note says
// the usage priced was modeled in a simulated run, measured otherwise.
func TestHeadlineCostNoteFollowsLabels(t *testing.T) {
	for _, tt := range []struct {
		label, want string
	}{{results.LabelMeasured, "modeled: measured usage at list prices"}, {results.LabelModeled, "modeled: modeled usage at list prices"}} {
		run := twoVariants()
		for i := range run.Variants {
			run.Variants[i].Label = tt.label
		}
		n := 0
		for _, f := range headlineFigures(run, estimates(run.Variants, cost.Default())) {
			if f.Name != perMillion {
				continue
			}
			n++
			if !slices.Contains(f.Notes, tt.want) {
				t.Errorf("%s run, %s: cost notes %q, want %q", tt.label, f.Key.Variant, f.Notes, tt.want)
			}
		}
		if n == 0 {
			t.Errorf("%s run: no headline cost figure", tt.label)
		}
	}
}
