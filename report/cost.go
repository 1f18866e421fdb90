package report

import (
	"fmt"
	"math"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// costIntro explains the cost tables, priced with the table from source;
// usage says how the usage priced came about (see pricedOrigin).
func costIntro(source, usage string) string {
	return "Every dollar figure here is **modeled**: " + usage + " usage (requests, CPU, memory, invocations, GB-seconds: " +
		"see Resources and Function platform above) priced with " + source + " (the default holds public list prices " +
		"of AWS Lambda, API Gateway, Fargate and a load balancer, each with its source and date; check current prices, " +
		"and override them with -pricing FILE). " + fmt.Sprintf(costModelIntro, usage)
}

// costModelIntro says how each kind of variant is priced, from usage
// measured or modeled.
const costModelIntro = "A variant on a function platform pays per use; the others pay for containers sized from their %s use " +
	"(twice the average cores, 1.5× the peak memory), billed by the hour and scaled in steps with traffic. " +
	"Per month is 730 hours at the given average request rate."

// pricedOrigin says how the usage of the results es prices came about:
// measured, or modeled in a simulated run (see origin).
func pricedOrigin(vs []results.VariantResult, es []*cost.Estimate) string {
	var priced []results.VariantResult
	for i, e := range es {
		if e != nil {
			priced = append(priced, vs[i])
		}
	}
	return results.Origin(priced)
}

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
	o := pricedOrigin(vs, es)
	header := []string{"variant", "model", "req/s (" + o + ")", "$ per 1M requests", "$/month at the " + o + " rate"}
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
			if !cheaperBelow(s, p) {
				cheaper = names[j]
			}
			t.rows = append(t.rows, []string{names[i], names[j], be, cheaper})
		}
	}
	return t
}

// cheaperBelow reports whether the pay-per-use estimate s costs no more
// than the provisioned p at the bottom of the range BreakEven searches:
// below their break-even, s is the cheaper one.
func cheaperBelow(s, p *cost.Estimate) bool {
	return s.MonthlyAt(0.001) <= p.MonthlyAt(0.001)
}

// usd formats a dollar amount: whole dollars from $100, cents from $1,
// four decimals below, and two significant digits at least below $0.001,
// where four decimals would round a cost per million requests at a high
// rate to nothing. The format is chosen after rounding ($99.999 is $100).
func usd(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return none
	}
	return "$" + rounded(v, func(v float64) int {
		switch {
		case v >= 100:
			return 0
		case v >= 1:
			return 2
		case v > 0 && v < 0.001:
			return min(1-int(math.Floor(math.Log10(v))), 12)
		}
		return 4
	})
}
