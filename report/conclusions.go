package report

import (
	"fmt"
	"strings"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// oneRun is how every conclusion from a single run ends.
const oneRun = " One run each: repeat it (-count) before calling a winner."

// summaryConclusion names the lowest and highest p99 over all requests.
func summaryConclusion(vs []results.VariantResult, names []string) string {
	if len(vs) < 2 {
		return ""
	}
	lo, hi := 0, 0
	for i, v := range vs {
		if v.Total.LatencyMs.P99 < vs[lo].Total.LatencyMs.P99 {
			lo = i
		}
		if v.Total.LatencyMs.P99 > vs[hi].Total.LatencyMs.P99 {
			hi = i
		}
	}
	if lo == hi {
		return ""
	}
	return fmt.Sprintf("Measured: the lowest p99 over all requests is %s's (%s ms), the highest %s's (%s ms).",
		names[lo], ms(vs[lo].Total.LatencyMs.P99), names[hi], ms(vs[hi].Total.LatencyMs.P99)) + oneRun
}

// burstConclusion says what idleness cost where cold starts happen, and
// how fast the others came back from zero.
func burstConclusion(vs []results.VariantResult, names []string) string {
	var parts []string
	for i, v := range vs {
		if len(v.Bursts) < 2 {
			continue
		}
		first, later := v.Bursts[0], v.Bursts[len(v.Bursts)-1]
		if first.ColdStarts > 0 || later.ColdStarts > 0 {
			parts = append(parts, fmt.Sprintf("%s met %s cold starts on a fresh deployment and %s after idling",
				names[i], percent(first.ColdShare), percent(later.ColdShare)))
		} else if v.ReadySec > 0 {
			parts = append(parts, fmt.Sprintf("%s had none, and was ready %.2f s after its deploy began", names[i], v.ReadySec))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Measured: " + strings.Join(parts, "; ") + "." + oneRun
}

// costConclusion names the cheapest variant at the measured rate and the
// break-even rates, all modeled.
func costConclusion(names []string, es []*cost.Estimate) string {
	best := -1
	for i, e := range es {
		if e != nil && (best < 0 || e.PerMillionUSD < es[best].PerMillionUSD) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Modeled: at the measured rate %s costs least, %s per million requests", names[best], usd(es[best].PerMillionUSD))
	for i, s := range es {
		if s == nil || s.Model != cost.Serverless {
			continue
		}
		for j, p := range es {
			if p == nil || p.Model != cost.Provisioned {
				continue
			}
			if rps, ok := cost.BreakEven(*s, *p); ok {
				fmt.Fprintf(&b, "; %s is cheaper than %s below %s req/s", names[i], names[j], rate(rps))
			}
		}
	}
	b.WriteString(".")
	return b.String()
}
