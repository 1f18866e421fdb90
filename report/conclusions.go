package report

import (
	"fmt"
	"strings"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// caveat is how a conclusion drawn from single results ends: with one run
// of each variant, a call to repeat it; with repetitions, a pointer to the
// headline figures, which compare the variants over all of them.
func caveat(vs []results.VariantResult) string {
	if repeated(vs) {
		return repeatedCaveat
	}
	return " One run each: repeat it (-count) before calling a winner."
}

// resultsWith returns the results of vs for which has is true, for the
// origin of one section's figures.
func resultsWith(vs []results.VariantResult, has func(results.VariantResult) bool) []results.VariantResult {
	var out []results.VariantResult
	for _, v := range vs {
		if has(v) {
			out = append(out, v)
		}
	}
	return out
}

// originTitle is origin with a capital letter, to open a conclusion.
func originTitle(vs []results.VariantResult) string {
	o := results.Origin(vs)
	return strings.ToUpper(o[:1]) + o[1:]
}

// repeatedCaveat ends a conclusion drawn from single results of a run that
// repeated them.
const repeatedCaveat = " These are single repetitions: the headline figures compare the variants over all of theirs."

// repeated reports whether the run repeated some variant (-count).
func repeated(vs []results.VariantResult) bool {
	for _, v := range vs {
		if v.Repetition > 1 {
			return true
		}
	}
	return false
}

// summaryConclusion names the lowest and highest p99 over all requests,
// among the results that have requests: one whose requests were all
// dropped or never sent has no p99 to compare.
func summaryConclusion(vs []results.VariantResult, names []string) string {
	lo, hi := -1, -1
	for i, v := range vs {
		if v.Total.Count == 0 {
			continue
		}
		if lo < 0 || v.Total.LatencyMs.P99 < vs[lo].Total.LatencyMs.P99 {
			lo = i
		}
		if hi < 0 || v.Total.LatencyMs.P99 > vs[hi].Total.LatencyMs.P99 {
			hi = i
		}
	}
	if lo == hi {
		return ""
	}
	return fmt.Sprintf("%s: the lowest p99 over all requests is %s's (%s ms), the highest %s's (%s ms).", originTitle(vs),
		names[lo], ms(vs[lo].Total.LatencyMs.P99), names[hi], ms(vs[hi].Total.LatencyMs.P99)) + caveat(vs)
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
	return originTitle(vs) + ": " + strings.Join(parts, "; ") + "." + caveat(vs)
}

// costConclusion names the cheapest variant at the rate it ran at (usage:
// measured, or modeled in a simulated run) and the break-even rates, all
// modeled.
func costConclusion(names []string, es []*cost.Estimate, usage string) string {
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
	fmt.Fprintf(&b, "Modeled: at the %s rate %s costs least, %s per million requests", usage, names[best], usd(es[best].PerMillionUSD))
	for i, s := range es {
		if s == nil || s.Model != cost.Serverless {
			continue
		}
		for j, p := range es {
			if p == nil || p.Model != cost.Provisioned {
				continue
			}
			if rps, ok := cost.BreakEven(*s, *p); ok {
				cheap, dear := names[i], names[j]
				if !cheaperBelow(s, p) {
					cheap, dear = dear, cheap
				}
				fmt.Fprintf(&b, "; %s is cheaper than %s below %s req/s", cheap, dear, rate(rps))
			}
		}
	}
	b.WriteString(".")
	return b.String()
}
