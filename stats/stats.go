// Package stats summarises repeated measurements of one figure, such as the
// p99 latency of five repetitions of the same variant: their mean, spread,
// a confidence interval for the mean, and the outliers among them; and it
// tells whether two such sets of measurements differ significantly.
//
// It is written for the few repetitions a benchmark run affords (often 3 to
// 10), so it says what it cannot conclude: one measurement has no interval,
// and fewer than two on either side is never a significant difference.
// Values that are not finite (NaN, ±Inf) are left out of every computation
// and their indexes reported.
package stats

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Method says how a Summary's confidence interval was computed.
type Method string

// Methods of a confidence interval.
const (
	// MethodT is Student's t interval: Mean ± t(n−1) × StdDev/√n. It
	// assumes the mean is roughly normally distributed.
	MethodT Method = "t"
	// MethodBootstrap is the percentile bootstrap: the central Level share
	// of the means of resamples drawn with replacement. It assumes nothing
	// about the distribution, but needs more than a handful of values to
	// cover well (with 5 it is too narrow).
	MethodBootstrap Method = "bootstrap"
	// MethodSingle marks a single measurement: there is no interval, and
	// Lo = Hi = Mean.
	MethodSingle Method = "single"
	// MethodNone marks no measurement at all: every figure is 0.
	MethodNone Method = "none"
)

// Summary describes repeated measurements of one figure.
type Summary struct {
	// N counts the finite measurements summarised.
	N int
	// Mean is their arithmetic mean.
	Mean float64
	// StdDev is their sample standard deviation (n−1 in the denominator);
	// 0 for fewer than two.
	StdDev float64
	// CV is the coefficient of variation, StdDev/|Mean|: the spread
	// relative to the size of the figure; 0 when Mean is 0.
	CV float64
	// Lo and Hi bound the confidence interval for the mean at Level; both
	// are Mean when N is 1 (no interval) and 0 when N is 0.
	Lo, Hi float64
	// Level is the confidence level of [Lo, Hi], such as 0.95.
	Level float64
	// Method says how [Lo, Hi] was computed.
	Method Method
	// Outliers holds the indexes (into the measurements given) of values
	// outside the outlier rule's fences. They are reported, never dropped:
	// every figure above includes them.
	Outliers []int
	// Ignored holds the indexes of values that were not finite (NaN, ±Inf)
	// and are in none of the figures above.
	Ignored []int
}

// HalfWidth returns the larger distance from Mean to either end of the
// interval: Mean ± HalfWidth covers [Lo, Hi]. It is 0 without an interval.
func (s Summary) HalfWidth() float64 {
	return max(s.Hi-s.Mean, s.Mean-s.Lo, 0)
}

// String formats s for people, saying when there is no interval:
// "12.3 ± 1.2 (95% CI, t, n=5)", "12.3 (n=1, no interval)".
func (s Summary) String() string {
	switch s.Method {
	case MethodNone, "":
		return "no data (n=0)"
	case MethodSingle:
		return fmt.Sprintf("%.4g (n=1, no interval)", s.Mean)
	}
	return fmt.Sprintf("%.4g ± %.3g (%.4g%% CI %.4g…%.4g, %s, n=%d)",
		s.Mean, s.HalfWidth(), s.Level*100, s.Lo, s.Hi, s.Method, s.N)
}

// OutlierRule picks how Summarise flags outliers.
type OutlierRule int

// Outlier rules.
const (
	// Tukey flags values beyond Tukey's fences, 1.5 × IQR below the first
	// or above the third quartile (quartiles interpolated linearly, as R's
	// default type 7).
	Tukey OutlierRule = iota
	// MAD flags values whose modified z-score, 0.6745 × |x − median| / MAD,
	// exceeds 3.5 (Iglewicz and Hoaglin). When more than half the values
	// are equal the MAD is 0; the mean absolute deviation from the median,
	// times 1.2533, stands in for it then.
	MAD
)

// Test picks how Significant compares two sets of measurements.
type Test int

// Significance tests.
const (
	// Welch is Welch's unequal-variances t-test, two-sided. It is the
	// default: with the 3 to 5 repetitions a run usually has it can detect
	// a clear shift, where Mann–Whitney cannot (see MannWhitney), and each
	// repetition's figure is itself an aggregate over thousands of requests,
	// so it is close enough to normal for the t-test.
	Welch Test = iota
	// MannWhitney is the Mann–Whitney U test, two-sided, as benchstat uses:
	// it assumes no distribution and one wild repetition cannot sway it.
	// The exact distribution of U is used when there are no ties and both
	// sides have at most 25 values, the normal approximation with tie and
	// continuity corrections otherwise. With 3 values a side its smallest
	// possible p is 0.1, so it never finds a difference at alpha 0.05; it
	// needs 4 a side at least.
	MannWhitney
)

// String names the test.
func (t Test) String() string {
	if t == MannWhitney {
		return "Mann-Whitney U"
	}
	return "Welch's t"
}

// Defaults for the options.
const (
	// DefaultLevel is the default confidence level; 1 − DefaultLevel is the
	// significance level (alpha) of Significant.
	DefaultLevel = 0.95
	// DefaultResamples is the default number of bootstrap resamples.
	DefaultResamples = 10000
	// DefaultSeed is the default seed of the bootstrap's generator, so that
	// the same measurements always get the same interval.
	DefaultSeed = 1
)

// config holds what the options set.
type config struct {
	level     float64
	bootstrap bool
	resamples int
	seed      uint64
	outliers  OutlierRule
	test      Test
}

func newConfig(opts []Option) config {
	c := config{level: DefaultLevel, resamples: DefaultResamples, seed: DefaultSeed}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// Option changes how Summarise and Significant work. An option that does
// not apply to a function is ignored by it.
type Option func(*config)

// WithLevel sets the confidence level of the interval (default 0.95) and
// with it the significance level of Significant: alpha = 1 − level. A level
// outside (0, 1) is ignored.
func WithLevel(level float64) Option {
	return func(c *config) {
		if level > 0 && level < 1 {
			c.level = level
		}
	}
}

// WithBootstrap makes Summarise compute a percentile bootstrap interval from
// resamples resamples (DefaultResamples when resamples ≤ 0) instead of
// Student's t interval.
func WithBootstrap(resamples int) Option {
	return func(c *config) {
		c.bootstrap = true
		if resamples > 0 {
			c.resamples = resamples
		}
	}
}

// WithSeed seeds the bootstrap's generator (a PCG from math/rand/v2): the
// same measurements and seed always give the same interval.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithOutlierRule picks the outlier rule of Summarise (default Tukey).
func WithOutlierRule(r OutlierRule) Option {
	return func(c *config) { c.outliers = r }
}

// WithTest picks the test of Significant (default Welch).
func WithTest(t Test) Option {
	return func(c *config) { c.test = t }
}

// Summarise describes xs: its mean, standard deviation, coefficient of
// variation, a confidence interval for the mean (Student's t by default,
// see WithBootstrap and WithLevel) and its outliers (see WithOutlierRule).
// A single value has no interval (Method MethodSingle, Lo = Hi = Mean); no
// value gives Method MethodNone and zeros. Non-finite values are ignored
// and listed in Ignored.
func Summarise(xs []float64, opts ...Option) Summary {
	c := newConfig(opts)
	vals, idx, ignored := finite(xs)
	s := Summary{N: len(vals), Level: c.level, Ignored: ignored}
	switch len(vals) {
	case 0:
		s.Method = MethodNone
		return s
	case 1:
		s.Mean, s.Lo, s.Hi = vals[0], vals[0], vals[0]
		s.Method = MethodSingle
		return s
	}
	mean, variance := stat.MeanVariance(vals, nil)
	s.Mean, s.StdDev = mean, math.Sqrt(variance)
	if mean != 0 {
		s.CV = s.StdDev / math.Abs(mean)
	}
	if c.bootstrap {
		s.Lo, s.Hi = bootstrapCI(vals, c)
		s.Method = MethodBootstrap
	} else {
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(vals) - 1)}.Quantile((1 + c.level) / 2)
		half := t * s.StdDev / math.Sqrt(float64(len(vals)))
		s.Lo, s.Hi = mean-half, mean+half
		s.Method = MethodT
	}
	for _, i := range outliers(vals, c.outliers) {
		s.Outliers = append(s.Outliers, idx[i])
	}
	return s
}

// Overlap reports whether the confidence intervals of a and b overlap, that
// is whether they fail to tell a and b apart. A summary without data
// overlaps everything; a single value's interval is the value itself.
func Overlap(a, b Summary) bool {
	if a.N == 0 || b.N == 0 {
		return true
	}
	return a.Lo <= b.Hi && b.Lo <= a.Hi
}

// finite returns the finite values of xs, their indexes in xs, and the
// indexes of the others.
func finite(xs []float64) (vals []float64, idx, ignored []int) {
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			ignored = append(ignored, i)
			continue
		}
		vals = append(vals, x)
		idx = append(idx, i)
	}
	return vals, idx, ignored
}

// bootstrapCI returns the percentile bootstrap interval of the mean of xs.
func bootstrapCI(xs []float64, c config) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(c.seed, 0x9e3779b97f4a7c15))
	means := make([]float64, c.resamples)
	n := len(xs)
	for b := range means {
		var sum float64
		for range n {
			sum += xs[rng.IntN(n)]
		}
		means[b] = sum / float64(n)
	}
	slices.Sort(means)
	return quantile(means, (1-c.level)/2), quantile(means, (1+c.level)/2)
}

// quantile returns the p-quantile of sorted, non-empty xs, interpolated
// linearly between order statistics (Hyndman and Fan's type 7, R's and
// NumPy's default).
func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// median returns the median of xs, which it does not modify.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// outliers returns the indexes into xs of its outliers by rule; there are
// none among fewer than three values.
func outliers(xs []float64, rule OutlierRule) []int {
	if len(xs) < 3 {
		return nil
	}
	var out func(x float64) bool
	switch rule {
	case MAD:
		med := median(xs)
		dev := make([]float64, len(xs))
		for i, x := range xs {
			dev[i] = math.Abs(x - med)
		}
		scale := median(dev) / 0.6745 // MAD in units of a normal's σ
		if scale == 0 {
			scale = stat.Mean(dev, nil) * 1.2533 // mean absolute deviation in σ units
		}
		if scale == 0 {
			return nil // all equal
		}
		out = func(x float64) bool { return math.Abs(x-med)/scale > 3.5 }
	default:
		s := slices.Clone(xs)
		slices.Sort(s)
		q1, q3 := quantile(s, 0.25), quantile(s, 0.75)
		iqr := q3 - q1
		out = func(x float64) bool { return x < q1-1.5*iqr || x > q3+1.5*iqr }
	}
	var idx []int
	for i, x := range xs {
		if out(x) {
			idx = append(idx, i)
		}
	}
	return idx
}

// ranks returns the ranks of xs from 1, ties given the mean of their ranks
// (midranks), and Σ(t³ − t) over the groups of t tied values.
func ranks(xs []float64) (r []float64, tieSum float64) {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	r = make([]float64, len(xs))
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && xs[order[j]] == xs[order[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			r[order[k]] = mid
		}
		if t := float64(j - i); t > 1 {
			tieSum += t*t*t - t
		}
		i = j
	}
	return r, tieSum
}
