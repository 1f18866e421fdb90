package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// pairedIntro explains the paired table.
const pairedIntro = "Repetitions are interleaved: round k runs every variant once, one after another, so the variants " +
	"of one round met the same host. Each row divides a variant's figure by the reference's (the run's first variant) " +
	"in the same round; the ratio is their geometric mean with its 95 % confidence interval (Student's t on the " +
	"logarithms; each comparison's own), and the test a paired t-test of those logarithms against 0, its p value adjusted for the " +
	"variants compared on the same figure (Holm–Bonferroni): a difference is named at p < 0.05. Pairing takes out what moved every " +
	"variant of a round alike, such as a host running slower for a minute, so it can tell two variants apart where " +
	"the headline intervals overlap; drift within a round it cannot take out. Above 1: the figure is higher than " +
	"the reference's. To compare against another variant, list it first in -variants."

// pairedFigures are the figures the paired table compares, with how to
// read each out of a result.
var pairedFigures = []struct {
	name string
	of   func(results.VariantResult) float64
}{
	{figures.P50, func(v results.VariantResult) float64 { return v.Total.LatencyMs.P50 }},
	{figures.P99, func(v results.VariantResult) float64 { return v.Total.LatencyMs.P99 }},
}

// pairedTable compares each variant with the run's first, round by round:
// one row per figure and variant that shares two rounds at least with the
// reference on its runtime and setting. Modeled results, which have no
// rounds, are left out. Empty when no variant repeats.
func pairedTable(vs []results.VariantResult) table {
	type group struct{ setting, runtime string }
	type series struct {
		variant string
		byRound map[int]results.VariantResult
	}
	var groups []group
	members := map[group][]*series{}
	for _, v := range vs {
		if v.Label == results.LabelModeled || v.Repetition < 1 {
			continue
		}
		g := group{v.Setting, v.Runtime}
		if _, ok := members[g]; !ok {
			groups = append(groups, g)
		}
		i := slices.IndexFunc(members[g], func(s *series) bool { return s.variant == v.Variant })
		if i < 0 {
			members[g] = append(members[g], &series{variant: v.Variant, byRound: map[int]results.VariantResult{}})
			i = len(members[g]) - 1
		}
		members[g][i].byRound[v.Repetition] = v
	}
	settings, runtimes := map[string]bool{}, map[string]bool{}
	for _, g := range groups {
		settings[g.setting], runtimes[g.runtime] = true, true
	}
	t := table{
		header: []string{"figure", "variant", "against", "each round", "ratio (95 % CI)", "paired t-test"},
		right:  []bool{false, false, false, true, true, false},
	}
	for _, f := range pairedFigures {
		for _, g := range groups {
			ref := members[g][0]
			// The variants compared with one reference on one figure
			// are tested together: their p values are adjusted so.
			var (
				names []string
				rs    []stats.Ratio
			)
			for _, s := range members[g][1:] {
				var num, den []float64
				for _, round := range slices.Sorted(maps.Keys(s.byRound)) {
					if r, ok := ref.byRound[round]; ok {
						num, den = append(num, f.of(s.byRound[round])), append(den, f.of(r))
					}
				}
				if r := stats.PairedRatio(num, den); r.N >= 2 {
					names, rs = append(names, s.variant), append(rs, r)
				}
			}
			ps := make([]float64, len(rs))
			for i, r := range rs {
				ps[i] = r.P
			}
			for i, p := range stats.Holm(ps) {
				r := rs[i]
				name := names[i]
				if len(settings) > 1 {
					name += " · " + cmp.Or(g.setting, "no setting")
				}
				if len(runtimes) > 1 {
					name += " (" + cmp.Or(g.runtime, "?") + ")"
				}
				each := make([]string, len(r.Ratios))
				for j, x := range r.Ratios {
					each[j] = fmt.Sprintf("%.2f", x)
				}
				t.rows = append(t.rows, []string{f.name, name, ref.variant, strings.Join(each, ", "),
					fmt.Sprintf("%.2f (%.2f–%.2f)", r.Mean, r.Lo, r.Hi), pairedVerdict(r.Mean, p, r.Level)})
			}
		}
	}
	return t
}

// pairedVerdict says what the paired test found for a ratio whose
// adjusted p value is p: "higher, p = 0.018", "lower, p < 0.001" or "no
// difference shown, p = 0.41".
func pairedVerdict(ratio, p, level float64) string {
	ps := fmt.Sprintf("p = %.2g", p)
	if p < 0.001 {
		ps = "p < 0.001"
	}
	switch {
	case p >= 1-level:
		return "no difference shown, " + ps
	case ratio > 1:
		return "higher, " + ps
	default:
		return "lower, " + ps
	}
}
