package figures

import (
	"reflect"
	"testing"

	"github.com/archbench/archbench/results"
)

func TestPairByRound(t *testing.T) {
	result := func(variant, runtime string, rep int, p50 float64) results.VariantResult {
		return results.VariantResult{Variant: variant, Runtime: runtime, Repetition: rep, Label: results.LabelMeasured,
			Total: results.OpStats{Count: 100, LatencyMs: results.Percentiles{P50: p50, P99: 10 * p50}}}
	}
	modeled := result("monolith", "simulated", 0, 9)
	modeled.Label = results.LabelModeled
	noRequests := result("hybrid", "process", 2, 3)
	noRequests.Total.Count = 0
	run := results.Run{Variants: []results.VariantResult{
		// Round 2 before round 1: rounds pair by number, not place.
		result("monolith", "process", 2, 2), result("microservices", "process", 2, 8),
		result("monolith", "process", 1, 1), result("microservices", "process", 1, 3),
		result("hybrid", "process", 1, 2), noRequests, // one round with the figure: no pairs
		result("serverless", "process", 3, 5), // no round the monolith ran
		result("monolith", "docker", 1, 1),    // alone on its runtime
		modeled,
	}}
	got := PairByRound(run)
	want := []RoundPairs{
		{Key: Key{Variant: "microservices", Runtime: "process"}, Reference: "monolith", Name: P50, Rounds: []int{1, 2}, Num: []float64{3, 8}, Den: []float64{1, 2}, Rivals: 3},
		{Key: Key{Variant: "microservices", Runtime: "process"}, Reference: "monolith", Name: P99, Rounds: []int{1, 2}, Num: []float64{30, 80}, Den: []float64{10, 20}, Rivals: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PairByRound =\n%+v\nwant\n%+v", got, want)
	}
}
