package report

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// repeatTarget is the project's target for how much repeated runs' p50
// may vary: a coefficient of variation of 5 %.
const repeatTarget = 0.05

// repeatIntro explains the repeatability table.
const repeatIntro = "How much each variant's p50 varied over its repetitions: the coefficient of variation (standard " +
	"deviation over mean), against the project's target of 5 %. \"p50 ÷ first variant's\" is the same for the variant's p50 " +
	"divided by the first variant's in the same round (see Paired by round): lower where the host drifted between " +
	"rounds, which moves every variant of a round alike. \"Stood out\" names a repetition whose errors, dropped " +
	"journeys or cold starts were at least 5 times any other repetition's (and at least 1 % of its requests, or 10): " +
	"a stall or a storm of cold starts in that round, which the CV includes and its report's tables show."

// repeatTable gives, for each measured variant group of vs with two
// repetitions or more, the CV of its p50 and, from paired (vs's
// pairings), of its round-by-round ratio to the first variant's. Empty
// when no group repeats.
func repeatTable(vs []results.VariantResult, paired []pairing) table {
	run := results.Run{Variants: vs}
	ratioCV := map[figures.Key]float64{}
	for _, p := range paired {
		if p.figure == figures.P50 {
			ratioCV[figures.Key{Variant: p.variant, Setting: p.setting, Runtime: p.runtime}] = stats.Summarise(p.ratio.Ratios).CV
		}
	}
	t := table{
		header: []string{"variant", "runs", "p50 mean ms", "p50 CV", "target ≤ 5 %", "p50 ÷ first variant's, CV", "stood out"},
		right:  []bool{false, true, true, true, false, true, false},
	}
	type repeated struct {
		key  figures.Key
		p50s []float64
		reps []results.VariantResult
	}
	var rs []repeated
	settings, runtimes := map[string]bool{}, map[string]bool{}
	for _, g := range figures.Groups(run) {
		r := repeated{key: g.Key}
		for _, v := range g.Results {
			if v.Label != results.LabelModeled && v.Total.Count > 0 {
				r.p50s = append(r.p50s, v.Total.LatencyMs.P50)
				r.reps = append(r.reps, v)
			}
		}
		if len(r.p50s) >= 2 {
			rs = append(rs, r)
			settings[g.Key.Setting], runtimes[g.Key.Runtime] = true, true
		}
	}
	for _, r := range rs {
		s := stats.Summarise(r.p50s)
		met := "met"
		if s.CV > repeatTarget {
			met = "not met"
		}
		ratio := none
		if cv, ok := ratioCV[r.key]; ok {
			ratio = pct(cv)
		}
		name := r.key.Variant
		if len(settings) > 1 {
			name += " · " + cmp.Or(r.key.Setting, "no setting")
		}
		if len(runtimes) > 1 {
			name += " (" + cmp.Or(r.key.Runtime, "?") + ")"
		}
		t.rows = append(t.rows, []string{name, fmt.Sprint(s.N), sig3(s.Mean), pct(s.CV), met, ratio, cmp.Or(standouts(r.reps), none)})
	}
	return t
}

// standouts names the repetitions among reps (one variant's) that stood
// out (figures.Standouts), "; "-separated; empty when none did.
func standouts(reps []results.VariantResult) string {
	var out []string
	for _, s := range figures.Standouts(reps) {
		out = append(out, s.String())
	}
	return strings.Join(out, "; ")
}

// pct formats a share as a percentage to one decimal: "8.6 %".
func pct(x float64) string {
	if math.IsNaN(x) {
		return none
	}
	return fmt.Sprintf("%.1f %%", 100*x)
}
