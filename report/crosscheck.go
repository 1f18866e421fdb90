package report

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// crossCheckIntro says what the cross-check is and how the generators
// differ in what they measure.
const crossCheckIntro = "The same deployment, driven right after its run by a second, independent load generator, " +
	"[k6](https://k6.io) (pinned in go.mod as a Go tool), with the same journeys, mix and open-loop arrival rate; " +
	"neither generator's requests are in the other's figures. Where the two agree, neither generator is skewing the results. " +
	"They do not measure quite the same thing: archbench times a journey's first request from when it was due, so a " +
	"late start counts against the system (no coordinated omission); k6 times every request from when it was sent, and " +
	"its http_req_duration leaves out waiting for and opening a connection. Both drop a journey that finds every " +
	"worker (k6: virtual user) busy, and count it. k6's random choices follow the same distributions but are not " +
	"the same draws, and its summary has no per-second series or status counts. Gen CPU µs/req is each generator's own " +
	"CPU time over the requests it sent, what it took from the machine the system under test shares: archbench's over its " +
	"measured run; k6's over its whole process, warm-up and start-up (compiling the script, starting virtual users) included, " +
	"a fixed cost that weighs more on a short run."

// crossCheckTable sets each cross-checked result beside its cross-check.
func crossCheckTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "generator", "journeys/s", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "dropped", "gen CPU µs/req"},
		right:  []bool{false, false, true, true, true, true, true, true, true, true, true},
	}
	row := func(name string, v results.VariantResult) []string {
		return []string{name, cmp.Or(v.Generator.Name, "archbench"), rate(v.Achieved.IterationsPerSec), strconv.FormatInt(v.Total.Count, 10),
			ms(v.Total.LatencyMs.P50), ms(v.Total.LatencyMs.P90), ms(v.Total.LatencyMs.P99), ms(v.Total.LatencyMs.Max),
			percent(v.Total.ErrorRate), strconv.FormatInt(v.Achieved.Dropped, 10), strconv.FormatFloat(v.Generator.CPUMicrosPerRequest, 'f', 0, 64)}
	}
	for i, v := range vs {
		if v.CrossCheck == nil {
			continue
		}
		t.rows = append(t.rows, row(names[i], v), row(names[i], *v.CrossCheck))
	}
	return t
}

// crossCheckConclusion compares the generators' figures, from the numbers.
func crossCheckConclusion(vs []results.VariantResult, names []string) string {
	var parts []string
	for i, v := range vs {
		c := v.CrossCheck
		if c == nil || v.Total.LatencyMs.P50 <= 0 || c.Total.Count == 0 {
			continue
		}
		other := cmp.Or(c.Generator.Name, "the second generator")
		s := fmt.Sprintf("on %s, %s measured p50 %s ms and p99 %s ms against archbench's %s and %s (%s and %s)",
			names[i], other, ms(c.Total.LatencyMs.P50), ms(c.Total.LatencyMs.P99), ms(v.Total.LatencyMs.P50), ms(v.Total.LatencyMs.P99),
			delta(c.Total.LatencyMs.P50, v.Total.LatencyMs.P50), delta(c.Total.LatencyMs.P99, v.Total.LatencyMs.P99))
		if a, b := v.Generator.CPUMicrosPerRequest, c.Generator.CPUMicrosPerRequest; a > 0 && b > 0 {
			s += fmt.Sprintf(", and spent %.0f µs of CPU per request against archbench's %.0f (%.1f×)", b, a, b/a)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Measured: " + strings.Join(parts, "; ") + "."
}

// delta formats how much got differs from base, as a signed percentage.
func delta(got, base float64) string {
	if base == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%+.0f %%", 100*(got-base)/base)
}
