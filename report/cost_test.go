package report

import (
	"strings"
	"testing"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// TestCostConclusionCheaperSide: the conclusion names as cheaper below the
// break-even the estimate that is cheaper there, as the break-even table
// does, whichever of the two pays per use.
func TestCostConclusionCheaperSide(t *testing.T) {
	// Pay per use with a high fixed cost: dearer at low traffic.
	dearFixed := &cost.Estimate{Model: cost.Serverless, RequestsPerSec: 100, PerMillionUSD: 3,
		FixedUSDPerHour: 1, UsageUSDPerRequest: 1e-9}
	// Pay per use with no fixed cost: cheaper at low traffic.
	payPerUse := &cost.Estimate{Model: cost.Serverless, RequestsPerSec: 100, PerMillionUSD: 120,
		UsageUSDPerRequest: 1.2e-4}
	// Provisioned: one small task per request per second, behind a load
	// balancer.
	provisioned := &cost.Estimate{Model: cost.Provisioned, RequestsPerSec: 100, PerMillionUSD: 0.5,
		FixedUSDPerHour: 0.01, VCPUHourUSD: 0.1,
		Containers: []cost.Container{{Component: "monolith", VCPU: 1, CapacityRPS: 1}}}
	tests := []struct {
		name      string
		es        []*cost.Estimate
		names     []string
		want, not string
	}{
		{"provisioned cheaper below", []*cost.Estimate{dearFixed, provisioned}, []string{"hybrid", "monolith"},
			"monolith is cheaper than hybrid below", "hybrid is cheaper than monolith below"},
		{"pay per use cheaper below", []*cost.Estimate{payPerUse, provisioned}, []string{"serverless", "monolith"},
			"serverless is cheaper than monolith below", "monolith is cheaper than serverless below"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := breakEvenTable(tt.names, tt.es)
			if len(tab.rows) != 1 || tab.rows[0][2] == "never (in 0.001–1M req/s)" {
				t.Fatalf("break-even rows %q, want one crossing", tab.rows)
			}
			cheaper := tab.rows[0][3]
			got := costConclusion(tt.names, tt.es, results.LabelMeasured)
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
				t.Errorf("conclusion %q, want %q (the table says %s is cheaper below it)", got, tt.want, cheaper)
			}
			if !strings.HasPrefix(tt.want, cheaper+" ") {
				t.Errorf("table says %s is cheaper below the break-even, the test wants %q", cheaper, tt.want)
			}
		})
	}
}

// TestModeledRunNotCalledMeasured: in a run every figure of which is
// modeled (archbench simulate), the ramp and cost sections call none of
// its figures measured; in a measured run they still say measured.
func TestModeledRunNotCalledMeasured(t *testing.T) {
	claims := []string{"max req/s (measured)", "the steps are measured", "measured usage", "req/s (measured)",
		"at the measured rate", "from their measured use", "Measured: "}
	for _, label := range []string{results.LabelMeasured, results.LabelModeled} {
		t.Run(label, func(t *testing.T) {
			run := twoVariants()
			for i := range run.Variants {
				run.Variants[i].Label = label
				run.Variants[i].Ramp = &results.RampSummary{MaxRequestsPerSec: 100, StoppedBy: "latency knee",
					Steps: []results.RampStep{{OfferedPerSec: 10, RequestsPerSec: 100}}}
			}
			md := render(t, run)
			for _, c := range claims {
				if got := strings.Contains(md, c); got != (label == results.LabelMeasured) {
					t.Errorf("%s run: report has %q: %v", label, c, got)
				}
			}
			if label == results.LabelModeled {
				for _, want := range []string{"max req/s (modeled)", "the steps are modeled", "modeled usage", "req/s (modeled)", "at the modeled rate", "Modeled: the lowest p99"} {
					if !strings.Contains(md, want) {
						t.Errorf("modeled run: report lacks %q", want)
					}
				}
			}
		})
	}
}

// TestUSD: dollar amounts keep two significant digits at least, so that
// the cost per million requests of a variant run at a high rate does not
// round to nothing.
func TestUSD(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "$0.0000"},
		{0.000084, "$0.000084"},
		{0.00084, "$0.00084"},
		{0.00076, "$0.00076"},
		{0.0008, "$0.00080"},
		{0.008, "$0.0080"},
		{0.0336, "$0.0336"},
		{0.5, "$0.5000"},
		{1.22, "$1.22"},
		{99.5, "$99.50"},
		{1194.4, "$1,194"},
	}
	for _, tt := range tests {
		if got := usd(tt.v); got != tt.want {
			t.Errorf("usd(%g) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
