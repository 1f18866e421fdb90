package compare

import (
	"math"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/stats"
)

// RatioChange is how a variant's latency relative to the reference
// variant's, round by round (figures.PairByRound), moved from the old run
// to the new. Host speed that moved every variant of a round alike, as it
// does from one day or one VM to the next, leaves these ratios alone,
// where it moves every absolute figure: they tell whether the variants
// changed against each other.
type RatioChange struct {
	// Key is the variant's group, Reference the variant it is divided by,
	// Name the figure (figures.P50 or figures.P99).
	Key       figures.Key
	Reference string
	Name      string
	// Old and New are the ratios in each run: geometric means of the
	// rounds' ratios with their intervals (stats.PairedRatio).
	Old, New stats.Ratio
	// DeltaPct is the change of the ratio in percent of the old.
	DeltaPct float64
	// P is the p value of stats.Significant on the rounds' log ratios of
	// each run; Significant reports whether it is below alpha.
	P           float64
	Significant bool
	// Verdict sums the change up: lower is better.
	Verdict Verdict
}

// ratioChanges matches the round-by-round ratios of runs a and b by
// variant group, reference and figure, in a's order.
func ratioChanges(olds, news []figures.RoundPairs, opts []stats.Option) []RatioChange {
	var out []RatioChange
	for _, o := range olds {
		for _, n := range news {
			if n.Key != o.Key || n.Reference != o.Reference || n.Name != o.Name {
				continue
			}
			rc := RatioChange{Key: o.Key, Reference: o.Reference, Name: o.Name,
				Old: stats.PairedRatio(o.Num, o.Den, opts...), New: stats.PairedRatio(n.Num, n.Den, opts...)}
			rc.DeltaPct = (rc.New.Mean/rc.Old.Mean - 1) * 100
			rc.P, rc.Significant = stats.Significant(logs(rc.Old.Ratios), logs(rc.New.Ratios), opts...)
			rc.Verdict = verdict(min(rc.Old.N, rc.New.N), rc.Significant, rc.Old.Mean, rc.New.Mean, figures.LowerIsBetter)
			out = append(out, rc)
		}
	}
	return out
}

// logs returns the natural logarithms of xs.
func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}
