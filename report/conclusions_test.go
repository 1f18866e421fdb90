package report

import (
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestConclusionCaveats: a conclusion drawn from individual results says
// "one run" only when there was one, and points to the headline figures
// when the run repeated each variant.
func TestConclusionCaveats(t *testing.T) {
	results3 := func(set func(v *results.VariantResult, rep int)) []results.VariantResult {
		var vs []results.VariantResult
		for _, rep := range []int{1, 2, 3} {
			for _, variant := range []string{"monolith", "serverless"} {
				v := results.VariantResult{Variant: variant, Repetition: rep}
				set(&v, rep)
				vs = append(vs, v)
			}
		}
		return vs
	}
	spike := func(v *results.VariantResult, rep int) {
		v.Spike = &results.SpikeSummary{RecoverySec: float64(rep), RequestsDuring: 100}
	}
	ramp := func(v *results.VariantResult, rep int) {
		v.Ramp = &results.RampSummary{MaxRequestsPerSec: float64(100 * rep), StoppedBy: "latency knee"}
	}
	fault := func(v *results.VariantResult, rep int) {
		v.Fault = &results.FaultSummary{Kind: "crash", Capability: "cart", BlastRadius: 0.5}
	}
	conclusions := []struct {
		name string
		f    func(vs []results.VariantResult, names []string) string
		set  func(v *results.VariantResult, rep int)
	}{
		{"spike", spikeConclusion, spike},
		{"ramp", rampConclusion, ramp},
		{"fault", func(vs []results.VariantResult, names []string) string { return faultConclusion(vs, names, false) }, fault},
	}
	for _, c := range conclusions {
		t.Run(c.name, func(t *testing.T) {
			vs := results3(c.set)
			got := conclusion(c.f, vs)
			if strings.Contains(strings.ToLower(got), "one run") || !strings.Contains(got, "single repetitions") {
				t.Errorf("3 repetitions each: conclusion %q, want no \"one run\" and the repetitions' caveat", got)
			}
			single := vs[:2]
			for i := range single {
				single[i].Repetition = 0
			}
			if got := conclusion(c.f, single); !strings.Contains(strings.ToLower(got), "one run") {
				t.Errorf("one run each: conclusion %q, want it to say so", got)
			}
		})
	}
}

// conclusion calls f with the report's names for vs.
func conclusion(f func([]results.VariantResult, []string) string, vs []results.VariantResult) string {
	return f(vs, variantNames(vs))
}
