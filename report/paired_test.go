package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// roundResult is a measured (or modeled, by label) result of variant in
// round rep on the process runtime, with a p50 and a p99 four times it.
func roundResult(variant string, rep int, label string, p50 float64) results.VariantResult {
	return results.VariantResult{Variant: variant, Runtime: "process", Repetition: rep, Label: label,
		Total: results.OpStats{Count: 1000, LatencyMs: results.Percentiles{P50: p50, P99: 4 * p50}}}
}

// TestPairedTable runs two variants through three rounds on a host whose
// speed moves from round to round (×1, ×1.5, ×0.8): each variant's
// repetitions spread so much that the headline's intervals overlap, but
// round by round the microservices take twice the monolith's time, which
// the paired table must say, and a difference no round shows it must not.
func TestPairedTable(t *testing.T) {
	t.Parallel()
	var run results.Run
	for i, host := range []float64{1, 1.5, 0.8} {
		rep := i + 1
		run.Variants = append(run.Variants,
			roundResult("monolith", rep, results.LabelMeasured, 0.6*host),
			roundResult("microservices", rep, results.LabelMeasured, 1.2*host*(1+0.02*float64(i-1))),
			// Either side of the monolith from round to round.
			roundResult("hybrid", rep, results.LabelMeasured, 0.6*host*[]float64{0.9, 1.1, 1}[i]))
	}
	for _, row := range headlineTable(headlineFigures(run, make([]*cost.Estimate, len(run.Variants)))).rows {
		if strings.HasPrefix(row[0], "p50 latency") && row[len(row)-1] != "none: intervals overlap" {
			t.Fatalf("headline p50 %q: the test wants intervals that overlap", row)
		}
	}
	// Paired, the monolith beats the microservices but not the hybrid:
	// no winner yet. Without the hybrid, the monolith.
	for _, tc := range []struct {
		name string
		vs   []results.VariantResult
		want string
	}{
		{"the hybrid as fast", run.Variants, "none: intervals overlap"},
		{"the microservices alone", slices.DeleteFunc(slices.Clone(run.Variants), func(v results.VariantResult) bool { return v.Variant == "hybrid" }),
			"monolith, paired by round"},
	} {
		r := results.Run{Variants: tc.vs}
		for _, row := range headlineTable(headlineFigures(r, make([]*cost.Estimate, len(r.Variants))), pairings(r.Variants)...).rows {
			if strings.HasPrefix(row[0], "p50 latency") && row[len(row)-1] != tc.want {
				t.Errorf("%s: headline p50 winner %q, want %q", tc.name, row[len(row)-1], tc.want)
			}
		}
	}
	// Neither a variant run once nor a modeled result has rounds to pair.
	modeled := roundResult("microservices", 0, results.LabelModeled, 1)
	modeled.Runtime = "simulated"
	run.Variants = append(run.Variants, roundResult("serverless", 1, results.LabelMeasured, 1), modeled)

	tab := pairedTable(pairings(run.Variants))
	got := map[string][]string{}
	for _, row := range tab.rows {
		got[row[0]+" "+row[1]] = row
		if row[2] != "monolith" {
			t.Errorf("row %q: want every variant against the run's first, the monolith", row)
		}
	}
	if len(tab.rows) != 4 {
		t.Fatalf("rows %q: want p50 and p99 of the microservices and the hybrid", tab.rows)
	}
	micro := got["p50 latency microservices"]
	if micro == nil || micro[3] != "1.96, 2.00, 2.04" || !strings.HasPrefix(micro[4], "2.00 (") || !strings.HasPrefix(micro[5], "higher, p ") {
		t.Errorf("microservices p50 %q: want ratios 1.96, 2.00, 2.04, about 2, higher", micro)
	}
	if hybrid := got["p50 latency hybrid"]; hybrid == nil || !strings.HasPrefix(hybrid[5], "no difference shown") {
		t.Errorf("hybrid p50 %q: want no difference shown", hybrid)
	}

	var term bytes.Buffer
	if err := Terminal(&term, run); err != nil {
		t.Fatal(err)
	}
	if md := render(t, run); !strings.Contains(md, "## Paired by round (measured)") || !strings.Contains(term.String(), "Paired by round (measured)") {
		t.Errorf("the paired table is missing from the Markdown report or the terminal's")
	}

	single := results.Run{Variants: slices.Clone(run.Variants[:2])}
	if rows := pairedTable(pairings(single.Variants)).rows; len(rows) != 0 {
		t.Errorf("one round: rows %q, want none", rows)
	}
}

func TestPairedVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ratio, p float64
		want     string
	}{
		{2, 0.018, "higher, p = 0.018"},
		{0.5, 0.0004, "lower, p < 0.001"},
		{2, 0.06, "no difference shown, p = 0.06"},
		{0.9, 0.41, "no difference shown, p = 0.41"},
	}
	for _, tc := range tests {
		if got := pairedVerdict(pairing{ratio: stats.Ratio{Mean: tc.ratio, Level: 0.95}, p: tc.p}); got != tc.want {
			t.Errorf("pairedVerdict(%g, %g) = %q, want %q", tc.ratio, tc.p, got, tc.want)
		}
	}
}
