package report

import (
	"fmt"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// costIntro explains the cost tables, priced with the table from source.
func costIntro(source string) string {
	return "Every dollar figure here is **modeled**: measured usage (requests, CPU, memory, invocations, GB-seconds: " +
		"see Resources and Function platform above) priced with " + source + " (the default holds public list prices " +
		"of AWS Lambda, API Gateway, Fargate and a load balancer, each with its source and date; check current prices, " +
		"and override them with -pricing FILE). " + costModelIntro
}

// costModelIntro says how each kind of variant is priced.
const costModelIntro = "A variant on a function platform pays per use; the others pay for containers sized from their measured use " +
	"(twice the average cores, 1.5× the peak memory), billed by the hour and scaled in steps with traffic. " +
	"Per month is 730 hours at the given average request rate."

// costProfiles are the average request rates the monthly cost is shown at.
var costProfiles = []float64{1, 10, 100, 1000}

// estimates prices every result that has usage to price; results that
// cannot be priced (no resources measured) are skipped.
func estimates(vs []results.VariantResult, p cost.Pricing) []*cost.Estimate {
	out := make([]*cost.Estimate, len(vs))
	for i, v := range vs {
		if v.Resources == nil && v.Platform == nil {
			continue
		}
		var opts []cost.Option
		if v.Entry != "" {
			opts = append(opts, cost.WithEntry(v.Entry))
		}
		if e, err := cost.Of(v, p, opts...); err == nil {
			out[i] = &e
		}
	}
	return out
}

func costTable(vs []results.VariantResult, names []string, es []*cost.Estimate) table {
	header := []string{"variant", "model", "req/s (measured)", "$ per 1M requests", "$/month at the measured rate"}
	right := []bool{false, false, true, true, true}
	for _, r := range costProfiles {
		header = append(header, fmt.Sprintf("$/month at %s req/s", rate(r)))
		right = append(right, true)
	}
	t := table{header: header, right: right}
	for i, e := range es {
		if e == nil {
			continue
		}
		row := []string{names[i], string(e.Model), rate(e.RequestsPerSec), usd(e.PerMillionUSD), usd(e.MonthlyUSD)}
		for _, r := range costProfiles {
			row = append(row, usd(e.MonthlyAt(r)))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// breakEvenTable pairs every pay-per-use estimate with every provisioned
// one: the average request rate at which their monthly costs cross.
func breakEvenTable(names []string, es []*cost.Estimate) table {
	t := table{header: []string{"pay per use", "provisioned", "break-even req/s (modeled)", "below it, cheaper"}, right: []bool{false, false, true, false}}
	for i, s := range es {
		if s == nil || s.Model != cost.Serverless {
			continue
		}
		for j, p := range es {
			if p == nil || p.Model != cost.Provisioned {
				continue
			}
			be, cheaper := "never (in 0.001–1M req/s)", names[i]
			if rps, ok := cost.BreakEven(*s, *p); ok {
				be = rate(rps)
			}
			if s.MonthlyAt(0.001) > p.MonthlyAt(0.001) {
				cheaper = names[j]
			}
			t.rows = append(t.rows, []string{names[i], names[j], be, cheaper})
		}
	}
	return t
}

func usd(v float64) string {
	switch {
	case v >= 100:
		return "$" + thousands(int64(v+0.5))
	case v >= 1:
		return fmt.Sprintf("$%.2f", v)
	default:
		return fmt.Sprintf("$%.4f", v)
	}
}
