package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/archbench/archbench/results"
)

// hopsIntro explains the hop table, whose latencies are measured, or
// modeled in a simulated run (see origin).
func hopsIntro(vs []results.VariantResult) string {
	return fmt.Sprintf(hopsIntroFormat, results.Origin(resultsWith(vs, func(v results.VariantResult) bool { return v.Hops != nil })))
}

// hopsIntroFormat is hopsIntro's text, %s saying how the latencies came
// about.
const hopsIntroFormat = "Hops are the network hops between a variant's own components that one request makes, " +
	"as its design declares them (the client's hop and the payment provider's, common to all variants, are not counted). " +
	"Δ p50 is the %s median latency minus that of the variant with the fewest hops for the operation, " +
	"averaged over repetitions; per extra hop divides it by the extra hops. " +
	"It carries everything a hop brings (network, encoding, the receiving service's own work), " +
	"so it bounds pure transport cost from above; `go test -bench Hop ./services/gateway` isolates one hop."

// hopGroup is one variant (in one runtime, at one setting) with its
// repetitions pooled.
type hopGroup struct {
	name    string
	setting string
	hops    map[string]int
	p50     map[string][]float64
}

// hopTable sets each operation's hop count against its median latency
// (measured, or modeled), for the variants that declare hop counts. It is empty unless two
// such variants differ in hops for some operation.
func hopTable(vs []results.VariantResult) table {
	t := table{
		header: []string{"operation", "variant", "hops", "p50 ms", "Δ p50 ms", "per extra hop µs"},
		right:  []bool{false, false, true, true, true, true},
	}
	var groups []*hopGroup
	for _, v := range vs {
		if v.Hops == nil {
			continue
		}
		name := cmp.Or(v.Variant, "(unnamed)")
		if v.Runtime != "" && slices.ContainsFunc(vs, func(o results.VariantResult) bool { return o.Runtime != v.Runtime }) {
			name += " (" + v.Runtime + ")"
		}
		if slices.ContainsFunc(vs, func(o results.VariantResult) bool { return o.Setting != v.Setting }) {
			name += ", " + cmp.Or(v.Setting, "no setting")
		}
		i := slices.IndexFunc(groups, func(g *hopGroup) bool { return g.name == name })
		if i < 0 {
			groups = append(groups, &hopGroup{name: name, setting: v.Setting, hops: v.Hops, p50: map[string][]float64{}})
			i = len(groups) - 1
		}
		for _, o := range v.Operations {
			if o.Count > 0 {
				groups[i].p50[o.Name] = append(groups[i].p50[o.Name], o.LatencyMs.P50)
			}
		}
	}
	var ops []string
	for _, g := range groups {
		for op := range g.p50 {
			if _, ok := g.hops[op]; ok && !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
	}
	slices.Sort(ops)
	// Variants are compared at one setting (a fault case, a CPU budget):
	// latencies under different conditions are not a hop's cost.
	var settings []string
	for _, g := range groups {
		if !slices.Contains(settings, g.setting) {
			settings = append(settings, g.setting)
		}
	}
	differ := false
	for _, op := range ops {
		for _, setting := range settings {
			if hopRows(&t, groups, op, setting) {
				differ = true
			}
		}
	}
	if !differ {
		t.rows = nil
	}
	return t
}

// hopRows adds to t the rows of op among the groups at setting, and
// reports whether two of them differ in hops.
func hopRows(t *table, groups []*hopGroup, op, setting string) bool {
	differ := false
	var base *hopGroup
	var in []*hopGroup
	for _, g := range groups {
		if _, ok := g.p50[op]; !ok || g.setting != setting {
			continue
		}
		in = append(in, g)
		if base == nil || g.hops[op] < base.hops[op] {
			base = g
		}
	}
	if len(in) < 2 {
		return false
	}
	baseP50 := mean(base.p50[op])
	for _, g := range in {
		p50 := mean(g.p50[op])
		delta, perHop := "baseline", none
		if g != base {
			delta = ms(p50 - baseP50)
			if extra := g.hops[op] - base.hops[op]; extra > 0 {
				differ = true
				perHop = thousands(int64(math.Round(1000 * (p50 - baseP50) / float64(extra))))
			}
		}
		t.rows = append(t.rows, []string{op, g.name, fmt.Sprint(g.hops[op]), ms(p50), delta, perHop})
	}
	return differ
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
