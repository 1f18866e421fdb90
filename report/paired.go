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

// pairing is one variant compared with the reference, round by round, on
// one figure, in one group of results (a setting on a runtime).
type pairing struct {
	figure, setting, runtime string
	variant, reference       string
	ratio                    stats.Ratio
	// p is the ratio's p value adjusted for the other variants compared
	// with the same reference on the same figure (Holm).
	p float64
	// rivals counts the variants of the group besides the reference,
	// paired or not (one that ran once has no pairing).
	rivals int
}

// pairings compares each variant with the run's first, round by round: a
// pairing per figure and variant that shares two rounds at least with the
// reference on its runtime and setting. Modeled results, which have no
// rounds, are left out.
func pairings(vs []results.VariantResult) []pairing {
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
	var out []pairing
	for _, f := range pairedFigures {
		for _, g := range groups {
			ref := members[g][0]
			// The variants compared with one reference on one figure
			// are tested together: their p values are adjusted so.
			var ps []pairing
			for _, s := range members[g][1:] {
				var num, den []float64
				for _, round := range slices.Sorted(maps.Keys(s.byRound)) {
					if r, ok := ref.byRound[round]; ok {
						num, den = append(num, f.of(s.byRound[round])), append(den, f.of(r))
					}
				}
				if r := stats.PairedRatio(num, den); r.N >= 2 {
					ps = append(ps, pairing{figure: f.name, setting: g.setting, runtime: g.runtime, variant: s.variant,
						reference: ref.variant, ratio: r, p: r.P, rivals: len(members[g]) - 1})
				}
			}
			raw := make([]float64, len(ps))
			for i := range ps {
				raw[i] = ps[i].p
			}
			for i, p := range stats.Holm(raw) {
				ps[i].p = p
			}
			out = append(out, ps...)
		}
	}
	return out
}

// significant reports whether the pairing tells its variant apart from
// the reference.
func (p pairing) significant() bool { return p.p < 1-p.ratio.Level }

// pairedBest returns the reference of the pairings of figure (lower is
// better) in the group of setting and runtime when every other variant of
// the group was paired with it and found higher: the best, round by
// round, where the headline's intervals may not tell.
func pairedBest(ps []pairing, figure, setting, runtime string) (string, bool) {
	var ref string
	n, rivals := 0, -1
	for _, p := range ps {
		if p.figure != figure || p.setting != setting || p.runtime != runtime {
			continue
		}
		if !p.significant() || p.ratio.Mean <= 1 {
			return "", false
		}
		ref, rivals = p.reference, p.rivals
		n++
	}
	return ref, n > 0 && n == rivals
}

// pairedTable sets out the pairings of vs, one row each: empty when no
// variant repeats.
func pairedTable(vs []results.VariantResult) table {
	ps := pairings(vs)
	settings, runtimes := map[string]bool{}, map[string]bool{}
	for _, p := range ps {
		settings[p.setting], runtimes[p.runtime] = true, true
	}
	t := table{
		header: []string{"figure", "variant", "against", "each round", "ratio (95 % CI)", "paired t-test"},
		right:  []bool{false, false, false, true, true, false},
	}
	for _, p := range ps {
		name := p.variant
		if len(settings) > 1 {
			name += " · " + cmp.Or(p.setting, "no setting")
		}
		if len(runtimes) > 1 {
			name += " (" + cmp.Or(p.runtime, "?") + ")"
		}
		each := make([]string, len(p.ratio.Ratios))
		for j, x := range p.ratio.Ratios {
			each[j] = fmt.Sprintf("%.2f", x)
		}
		t.rows = append(t.rows, []string{p.figure, name, p.reference, strings.Join(each, ", "),
			fmt.Sprintf("%.2f (%.2f–%.2f)", p.ratio.Mean, p.ratio.Lo, p.ratio.Hi), pairedVerdict(p)})
	}
	return t
}

// pairedVerdict says what the paired test found: "higher, p = 0.018",
// "lower, p < 0.001" or "no difference shown, p = 0.41".
func pairedVerdict(p pairing) string {
	ps := fmt.Sprintf("p = %.2g", p.p)
	if p.p < 0.001 {
		ps = "p < 0.001"
	}
	switch {
	case !p.significant():
		return "no difference shown, " + ps
	case p.ratio.Mean > 1:
		return "higher, " + ps
	default:
		return "lower, " + ps
	}
}
