package scenarios_test

import (
	"testing"
	"time"

	"github.com/archbench/archbench/scenarios"
)

// TestSpike runs a short spike on real processes against the monolith and
// the serverless variant: each result carries the spike's summary with a
// plausible burst, the serverless one its instances, and the audit passes.
func TestSpike(t *testing.T) {
	sp := scenarios.Spike{Base: 20, Factor: 5, Warmup: time.Second, Before: 2 * time.Second, During: 2 * time.Second,
		After: 3 * time.Second, SLO: 250 * time.Millisecond, Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith,serverless", sp)
	for _, v := range run.Variants {
		s := v.Spike
		if s == nil {
			t.Fatalf("%s: no spike summary", v.Variant)
		}
		// The burst starts 5x the base journeys for 2 s; each journey makes
		// 2 to 6 requests.
		if s.PeakRate != 100 || s.StartSec != 2 || s.EndSec != 4 || s.RequestsDuring < 2*200 || s.RequestsDuring > 6*200+50 {
			t.Errorf("%s: implausible spike %+v", v.Variant, s)
		}
		if w := v.Windows; len(w) != 3 || w[0].Name != scenarios.WindowBefore || w[1].Name != scenarios.WindowBurst || w[2].Name != scenarios.WindowAfter {
			t.Errorf("%s: windows %+v, want before, burst and after", v.Variant, w)
		} else if r := w[1].ThroughputPerSec / w[0].ThroughputPerSec; r < 3 || r > 8 || w[0].LatencyMs.P50 <= 0 || w[1].LatencyMs.P50 <= 0 {
			t.Errorf("%s: the burst carried %.1f× the base's requests/s (want about 5), p50s %g and %g ms",
				v.Variant, r, w[0].LatencyMs.P50, w[1].LatencyMs.P50)
		} else if w[1].CPUCores <= w[0].CPUCores || w[1].GeneratorCPUCores <= 0 || v.Total.CPUCores <= 0 {
			// The process runtime reports usage, so each phase has its CPU,
			// and five times the load takes more of it.
			t.Errorf("%s: cpu cores before %g, burst %g (generator %g), total %g; want the burst's above the base's, all > 0",
				v.Variant, w[0].CPUCores, w[1].CPUCores, w[1].GeneratorCPUCores, v.Total.CPUCores)
		}
		if s.RecoverySec < 0 {
			t.Errorf("%s: did not recover from a burst to 100 journeys/s: %+v", v.Variant, s)
		}
		if v.Variant == "serverless" && s.PeakInstances < 1 {
			t.Errorf("serverless: no instances during the burst: %+v", s)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s: audit did not pass: %+v", v.Variant, v.Audit)
		}
	}
}
