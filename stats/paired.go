package stats

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Ratio describes how one figure compares with another where they were
// measured in pairs, such as two variants' p50 latency in the same round
// of an interleaved benchmark: the ratio of each pair, and their
// geometric mean with a confidence interval.
//
// Pairing takes out whatever moved both members of a pair, such as a host
// that ran slower for a minute: two sets of repetitions whose intervals
// overlap can still differ, pair by pair, beyond doubt.
type Ratio struct {
	// N counts the pairs compared.
	N int
	// Ratios holds each pair's num/den, in the order given; pairs left
	// out (see Ignored) have none.
	Ratios []float64
	// Mean is the geometric mean of Ratios; Lo and Hi bound its
	// confidence interval at Level (Student's t on the ratios' logarithms,
	// n−1 degrees of freedom), and are Mean when N is 1.
	Mean, Lo, Hi float64
	// Level is the confidence level of [Lo, Hi], such as 0.95.
	Level float64
	// P is the two-sided p value of the paired t-test of the logarithms
	// against 0 (a ratio of 1); Significant is P < 1 − Level. With fewer
	// than two pairs P is 1.
	P           float64
	Significant bool
	// Ignored holds the indexes of pairs left out: a member not finite, or
	// not above zero (a ratio needs both).
	Ignored []int
}

// PairedRatio compares num with den pair by pair: num[i] and den[i] were
// measured together. The interval and the test work on the logarithms of
// the ratios, so that 2× and ½× are as far from 1 as each other and the
// interval stays above zero. Pairs beyond the shorter slice are left out
// and listed in Ignored. See WithLevel.
func PairedRatio(num, den []float64, opts ...Option) Ratio {
	c := newConfig(opts)
	r := Ratio{Level: c.level, P: 1}
	var logs []float64
	for i := range max(len(num), len(den)) {
		if i >= len(num) || i >= len(den) || !positive(num[i]) || !positive(den[i]) {
			r.Ignored = append(r.Ignored, i)
			continue
		}
		r.Ratios = append(r.Ratios, num[i]/den[i])
		logs = append(logs, math.Log(num[i]/den[i]))
	}
	r.N = len(logs)
	switch r.N {
	case 0:
		return r
	case 1:
		r.Mean, r.Lo, r.Hi = r.Ratios[0], r.Ratios[0], r.Ratios[0]
		return r
	}
	mean, variance := stat.MeanVariance(logs, nil)
	se := math.Sqrt(variance / float64(r.N))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(r.N - 1)}
	half := t.Quantile((1+c.level)/2) * se
	r.Mean, r.Lo, r.Hi = math.Exp(mean), math.Exp(mean-half), math.Exp(mean+half)
	switch {
	case se > 0:
		r.P = clamp01(2 * t.Survival(math.Abs(mean)/se))
	case mean != 0:
		r.P = 0 // every pair the same ratio, not 1
	}
	r.Significant = r.P < 1-c.level
	return r
}

// positive reports whether x is finite and above zero.
func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// Holm adjusts p values of tests made together (Holm–Bonferroni), so
// that comparing several variants with one reference keeps the chance of
// any false difference at alpha: the i-th smallest of m is multiplied by
// m − i + 1 (i from 1), raised to the largest adjusted value before it,
// and capped at 1; a p that is not a number counts as 1. The result is
// in the order of ps.
func Holm(ps []float64) []float64 {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(clamp01(ps[a]), clamp01(ps[b])) })
	out := make([]float64, len(ps))
	running := 0.0
	for rank, i := range order {
		running = max(running, min(1, float64(len(ps)-rank)*clamp01(ps[i])))
		out[i] = running
	}
	return out
}
