package report

import (
	"cmp"
	"fmt"
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

// pairings compares each variant with the run's first, round by round
// (figures.PairByRound), testing the ratios of each figure and place
// together.
func pairings(vs []results.VariantResult) []pairing {
	var out []pairing
	rps := figures.PairByRound(results.Run{Variants: vs})
	for len(rps) > 0 {
		// The variants compared with one reference on one figure are
		// tested together: their p values are adjusted so.
		first := rps[0]
		n := 1
		for n < len(rps) && rps[n].Name == first.Name && rps[n].Key.Setting == first.Key.Setting && rps[n].Key.Runtime == first.Key.Runtime {
			n++
		}
		var ps []pairing
		for _, rp := range rps[:n] {
			if r := stats.PairedRatio(rp.Num, rp.Den); r.N >= 2 {
				ps = append(ps, pairing{figure: rp.Name, setting: rp.Key.Setting, runtime: rp.Key.Runtime, variant: rp.Key.Variant,
					reference: rp.Reference, ratio: r, p: r.P, rivals: rp.Rivals})
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
		rps = rps[n:]
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

// pairedTable sets out pairings, one row each: empty when there are none
// (no variant repeats).
func pairedTable(ps []pairing) table {
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
