package report

import (
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestSpikeConclusion says who recovered fastest, or that none did, and
// counts failed requests apart from dropped iterations.
func TestSpikeConclusion(t *testing.T) {
	spiked := func(variant string, recovery float64, requests, errs, dropped int64) results.VariantResult {
		return results.VariantResult{Variant: variant, Spike: &results.SpikeSummary{
			RecoverySec: recovery, RequestsDuring: requests, ErrorsDuring: errs, DroppedDuring: dropped}}
	}
	tests := []struct {
		name      string
		vs        []results.VariantResult
		want, not []string
	}{
		{
			name: "one recovered fastest",
			vs:   []results.VariantResult{spiked("monolith", 2, 1000, 0, 0), spiked("serverless", 5, 1000, 10, 0)},
			want: []string{"monolith recovered fastest (2 s after the burst)", "serverless failed or dropped the most during it (10 of 1,000)"},
		},
		{
			name: "every variant alike",
			vs:   []results.VariantResult{spiked("monolith", 0, 1000, 0, 0), spiked("serverless", 0, 1000, 0, 0)},
			want: []string{"every variant recovered alike (0 s after the burst)", "no variant failed a request"},
		},
		{
			name: "none recovered",
			vs:   []results.VariantResult{spiked("monolith", -1, 1000, 5, 0), spiked("serverless", -1, 1000, 10, 0)},
			want: []string{"no variant recovered before the run ended"},
			not:  []string{"recovered alike", "not recovered s"},
		},
		{
			name: "dropped iterations are no requests",
			vs:   []results.VariantResult{spiked("monolith", 1, 1000, 0, 0), spiked("microservices", 3, 300, 20, 500)},
			want: []string{"microservices failed or dropped the most during it (20 of 300 requests failed; 500 iterations dropped)"},
			not:  []string{"520 of 300"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := make([]string, len(tt.vs))
			for i, v := range tt.vs {
				names[i] = v.Variant
			}
			got := spikeConclusion(tt.vs, names)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("conclusion %q lacks %q", got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("conclusion %q has %q", got, n)
				}
			}
		})
	}
}
