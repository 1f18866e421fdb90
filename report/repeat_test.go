package report

import (
	"reflect"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestRepeatTable: three rounds on a host that slows by half in the
// second, alike for both variants. Each variant's p50 varies 25 %, the
// microservices' ratio to the monolith's not at all; a variant run once
// and a modeled result have no row.
func TestRepeatTable(t *testing.T) {
	t.Parallel()
	var vs []results.VariantResult
	for i, host := range []float64{1, 1.5, 1} {
		vs = append(vs, roundResult("monolith", i+1, results.LabelMeasured, 0.6*host), roundResult("microservices", i+1, results.LabelMeasured, 1.2*host))
	}
	modeled := roundResult("hybrid", 0, results.LabelModeled, 1)
	modeled.Runtime = "simulated"
	vs = append(vs, roundResult("serverless", 1, results.LabelMeasured, 1), modeled)
	// CV of 1, 1.5, 1: sd 0.2887 over mean 1.1667.
	want := [][]string{
		{"monolith", "3", "0.700", "24.7 %", "not met", "—", "—"},
		{"microservices", "3", "1.40", "24.7 %", "not met", "0.0 %", "—"},
	}
	if got := repeatTable(vs, pairings(vs)).rows; !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	if rows := repeatTable(vs[:2], pairings(vs[:2])).rows; len(rows) != 0 {
		t.Errorf("one round: rows %q, want none", rows)
	}
}

// TestStandouts: a repetition stands out when its errors, dropped
// journeys or cold starts reach 5 times every other's, and a floor.
func TestStandouts(t *testing.T) {
	t.Parallel()
	rep := func(n int, errorRate float64, dropped, cold int64) results.VariantResult {
		v := roundResult("serverless", n, results.LabelMeasured, 1)
		v.Total.ErrorRate, v.Total.Dropped = errorRate, dropped
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
		{"alike in every round", []results.VariantResult{rep(1, 0.05, 0, 30), rep(2, 0.04, 0, 25), rep(3, 0.06, 0, 40)}, ""},
		{"under the floors", []results.VariantResult{rep(1, 0.009, 9, 9), rep(2, 0, 0, 0)}, ""},
		{"4 times the others is not 5", []results.VariantResult{rep(1, 0.04, 0, 0), rep(2, 0.01, 0, 0)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := standouts(tc.reps); got != tc.want {
				t.Errorf("standouts = %q, want %q", got, tc.want)
			}
		})
	}
}
