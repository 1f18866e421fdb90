package report

import (
	"reflect"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestRepeatTable: three rounds on a host that slows by half in the
// second, alike for both variants. Each variant's p50 varies 25 %, the
// microservices' ratio to the monolith's not at all, and their second
// round, with errors the others had not, stood out; a variant run once
// and a modeled result have no row.
func TestRepeatTable(t *testing.T) {
	t.Parallel()
	var vs []results.VariantResult
	for i, host := range []float64{1, 1.5, 1} {
		vs = append(vs, roundResult("monolith", i+1, results.LabelMeasured, 0.6*host), roundResult("microservices", i+1, results.LabelMeasured, 1.2*host))
	}
	vs[3].Total.ErrorRate = 0.02 // the microservices' second round
	modeled := roundResult("hybrid", 0, results.LabelModeled, 1)
	modeled.Runtime = "simulated"
	vs = append(vs, roundResult("serverless", 1, results.LabelMeasured, 1), modeled)
	// CV of 1, 1.5, 1: sd 0.2887 over mean 1.1667.
	want := [][]string{
		{"monolith", "3", "0.700", "24.7 %", "not met", "—", "—"},
		{"microservices", "3", "1.40", "24.7 %", "not met", "0.0 %", "#2: 2.0 % errors (the others ≤ 0.0 %)"},
	}
	if got := repeatTable(vs, pairings(vs)).rows; !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	if rows := repeatTable(vs[:2], pairings(vs[:2])).rows; len(rows) != 0 {
		t.Errorf("one round: rows %q, want none", rows)
	}
}
