package figures

import (
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestStandouts: a repetition stands out when its errors, dropped
// journeys or cold starts reach 5 times every other's, and a floor.
func TestStandouts(t *testing.T) {
	t.Parallel()
	rep := func(n int, errorRate float64, dropped, cold int64) results.VariantResult {
		v := results.VariantResult{Variant: "serverless", Repetition: n, Label: results.LabelMeasured,
			Total: results.OpStats{Count: 1000, ErrorRate: errorRate, Dropped: dropped}}
		if cold > 0 {
			v.ColdStarts = &results.ColdStarts{Count: cold}
		}
		return v
	}
	tests := []struct {
		name string
		reps []results.VariantResult
		want string
	}{
		{"a storm in the third round",
			[]results.VariantResult{rep(1, 0, 0, 0), rep(2, 0, 0, 1), rep(3, 0.093, 0, 192)},
			"#3: 9.3 % errors (the others ≤ 0.0 %), 192 cold starts (the others ≤ 1)"},
		{"a stall that dropped journeys",
			[]results.VariantResult{rep(1, 0, 40, 0), rep(2, 0, 0, 0), rep(3, 0, 2, 0)},
			"#1: 40 dropped (the others ≤ 2)"},
		{"two rounds apart", []results.VariantResult{rep(1, 0.2, 0, 0), rep(2, 0, 0, 50), rep(3, 0, 0, 0)},
			"#1: 20.0 % errors (the others ≤ 0.0 %); #2: 50 cold starts (the others ≤ 0)"},
		{"alike in every round", []results.VariantResult{rep(1, 0.05, 0, 30), rep(2, 0.04, 0, 25), rep(3, 0.06, 0, 40)}, ""},
		{"under the floors", []results.VariantResult{rep(1, 0.009, 9, 9), rep(2, 0, 0, 0)}, ""},
		{"4 times the others is not 5", []results.VariantResult{rep(1, 0.04, 0, 0), rep(2, 0.01, 0, 0)}, ""},
		{"one repetition has no others", []results.VariantResult{rep(1, 0.5, 100, 100)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, s := range Standouts(tc.reps) {
				got = append(got, s.String())
			}
			if s := strings.Join(got, "; "); s != tc.want {
				t.Errorf("standouts %q, want %q", s, tc.want)
			}
		})
	}
}
