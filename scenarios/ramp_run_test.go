package scenarios_test

import (
	"testing"
	"time"

	"github.com/archbench/archbench/scenarios"
)

// TestRamp runs a short ramp on real processes: every step is recorded with
// plausible figures, its SQLite writers too where the variant reports
// them, the ramp says why it stopped, the scalability fit is there
// (labelled modeled), and the audit passes.
func TestRamp(t *testing.T) {
	r := scenarios.Ramp{Start: 20, Growth: 2, Steps: 3, StepFor: time.Second, SLO: time.Second,
		Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith", r)
	for _, v := range run.Variants {
		rp := v.Ramp
		if rp == nil || len(rp.Steps) == 0 || rp.StoppedBy == "" {
			t.Fatalf("%s: ramp %+v", v.Variant, rp)
		}
		for i, s := range rp.Steps {
			// The process runtime reports usage: each step has its CPU.
			if want := 20 * float64(int(1)<<i); s.OfferedPerSec != want || s.RequestsPerSec <= 0 || s.P99Ms <= 0 || s.Concurrency <= 0 ||
				s.CPUCores <= 0 || s.GeneratorCPUCores <= 0 || s.StartedAt.IsZero() {
				t.Errorf("%s step %d: %+v, want %g offered and measured figures", v.Variant, i+1, s, want)
			}
		}
		// Its components report their SQLite writers: each step has its
		// own, and the load wrote.
		if len(v.Writers) > 0 {
			wrote := false
			for i, s := range rp.Steps {
				if len(s.Writers) == 0 {
					t.Errorf("%s step %d: no writers, though the run has %d", v.Variant, i+1, len(v.Writers))
				}
				for _, w := range s.Writers {
					wrote = wrote || w.Writes > 0
				}
			}
			if !wrote {
				t.Errorf("%s: no step wrote to a database", v.Variant)
			}
		}
		if len(rp.Steps) == 3 && (rp.Fit == nil || rp.Fit.Label != "modeled") {
			t.Errorf("%s: three steps but no modeled fit: %+v", v.Variant, rp.Fit)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s: audit did not pass", v.Variant)
		}
	}
}
