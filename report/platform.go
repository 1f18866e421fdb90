package report

import (
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// platformIntro explains the function platform table, whose figures are
// the platform's meter (measured) or the simulator's function pools
// (modeled), as its rows' results are.
func platformIntro(vs []results.VariantResult) string {
	vs = resultsWith(vs, func(v results.VariantResult) bool { return v.Platform != nil })
	var b strings.Builder
	switch results.Origin(vs) {
	case results.LabelMeasured:
		b.WriteString(platformMeter + ". ")
	case results.LabelModeled:
		b.WriteString(platformModeled + ". ")
	default:
		b.WriteString(platformMeter + "; rows marked [modeled] are " + platformModeledRows + ". ")
	}
	b.WriteString("Invocations reached an instance; throttled ones (429, over a concurrency limit) did not. " +
		"Init is a cold start's initialisation, from launching an instance to its readiness. " +
		"Billed GB-s is computed from the " + results.Origin(vs) + " durations by Lambda's billing rule: " +
		"each invocation's duration, init included on a cold start, rounded up to 1 ms, times the function's memory (1 GB = 1024 MB); " +
		"no price is applied.")
	return b.String()
}

// How the function platform's figures came about: measured, from its
// meter, or modeled, by the simulator.
const (
	platformMeter = "From the function platform's own meter, over its life up to the end of the load: " +
		"the warmup included, unlike the tables above, which cover the measured window"
	platformModeledRows = "the simulator's function pools, over the same window as the tables above, its warm-up excluded"
	platformModeled     = "Modeled by the simulator's function pools, over the same window as the tables above, " +
		"the simulator's warm-up excluded"
)

// instancesIntro explains the instances-over-time table.
const instancesIntro = "The most instances of the platform that existed, over all functions, during each second of the measured window, " +
	"and the most of them busy serving at once, from the platform's meter. " +
	"A window longer than 30 s is cut into about 20 buckets, each showing its maximum."

// Bucketing of the instance series: up to maxUnbucketed seconds are shown
// one by one, longer series in about targetBuckets buckets.
const (
	maxUnbucketed = 30
	targetBuckets = 20
)

// hasPlatform reports whether some variant ran on a function platform.
func hasPlatform(vs []results.VariantResult) bool {
	for _, v := range vs {
		if v.Platform != nil {
			return true
		}
	}
	return false
}

// platformTable lists each platform variant's functions, then its total.
func platformTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "function", "memory MB", "invocations", "cold starts", "init p50 ms", "init p99 ms",
			"throttles", "errors", "dead letters", "peak instances", "billed GB-s"},
		right: []bool{false, false, true, true, true, true, true, true, true, true, true, true},
	}
	for i, v := range vs {
		p := v.Platform
		if p == nil {
			continue
		}
		for _, f := range p.Functions {
			initP50, initP99 := none, none
			if f.ColdStarts > 0 && (f.InitMs.P50 > 0 || f.InitMs.P99 > 0) { // the simulator does not record them
				initP50, initP99 = ms(f.InitMs.P50), ms(f.InitMs.P99)
			}
			t.rows = append(t.rows, []string{
				names[i], f.Name, strconv.Itoa(f.MemoryMB), thousands(f.Invocations), thousands(f.ColdStarts), initP50, initP99,
				thousands(f.Throttles), thousands(f.Errors), thousands(f.DeadLetters), strconv.Itoa(f.PeakInstances), sig3(f.GBSeconds),
			})
		}
		tot := p.Total
		t.rows = append(t.rows, []string{
			names[i], "(all functions)", none, thousands(tot.Invocations), thousands(tot.ColdStarts), none, none,
			thousands(tot.Throttles), thousands(tot.Errors), thousands(tot.DeadLetters), none, sig3(tot.GBSeconds),
		})
	}
	return t
}

// instancesTable shows, per platform variant, its instance count over the
// measured window: second by second, or the maximum per bucket when the
// window is long.
func instancesTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "window", "per", "peak instances", "peak busy", "instances over time", "busy over time"},
		right:  []bool{false, true, true, true, true, false, false},
	}
	for i, v := range vs {
		if v.Platform == nil || len(v.Series) == 0 {
			continue
		}
		inst := make([]int, len(v.Series))
		busy := make([]int, len(v.Series))
		for j, s := range v.Series {
			inst[j], busy[j] = s.Instances, s.BusyInstances
		}
		width := bucketWidth(len(v.Series))
		t.rows = append(t.rows, []string{
			names[i], seconds(float64(len(v.Series))), seconds(float64(width)),
			strconv.Itoa(maxOf(inst)), strconv.Itoa(maxOf(busy)),
			joinInts(bucketMax(inst, width)), joinInts(bucketMax(busy, width)),
		})
	}
	return t
}

// bucketWidth returns how many seconds one bucket of an n-second series
// spans: 1 up to maxUnbucketed seconds, else enough for about
// targetBuckets buckets.
func bucketWidth(n int) int {
	if n <= maxUnbucketed {
		return 1
	}
	return (n + targetBuckets - 1) / targetBuckets
}

// bucketMax returns the maximum of each run of width values of xs; the last
// bucket may be shorter.
func bucketMax(xs []int, width int) []int {
	var out []int
	for i := 0; i < len(xs); i += width {
		out = append(out, maxOf(xs[i:min(i+width, len(xs))]))
	}
	return out
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, " ")
}

// billed returns a variant's billed GB-seconds for the summary, or none
// without a platform.
func billed(v results.VariantResult) string {
	if v.Platform == nil {
		return none
	}
	return sig3(v.Platform.Total.GBSeconds)
}
