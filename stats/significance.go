package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// maxExact is the most values a side may have for Mann–Whitney's exact
// distribution; beyond it the normal approximation is close enough.
const maxExact = 25

// Significant tests whether a and b come from distributions with different
// locations: Welch's t-test by default, or Mann–Whitney U (see WithTest; the
// Test constants say why Welch is the default). It returns the two-sided p
// value and whether p < alpha, where alpha is 1 − the confidence level
// (0.05 by default, see WithLevel).
//
// Non-finite values are ignored. With fewer than two values on either side
// nothing is significant and p is 1. Two sides without any spread (every
// value of a equal, every value of b equal) have p 1 when they are equal
// and p 0 when they are not, for Welch's test.
func Significant(a, b []float64, opts ...Option) (p float64, significant bool) {
	c := newConfig(opts)
	x, _, _ := finite(a)
	y, _, _ := finite(b)
	if len(x) < 2 || len(y) < 2 {
		return 1, false
	}
	if c.test == MannWhitney {
		p = mannWhitney(x, y)
	} else {
		p = welch(x, y)
	}
	return p, p < 1-c.level
}

// welch returns the two-sided p value of Welch's t-test on x and y, which
// have two values at least: t = (x̄ − ȳ)/√(s²x/nx + s²y/ny) against Student's
// t with the Welch–Satterthwaite degrees of freedom.
func welch(x, y []float64) float64 {
	mx, vx := stat.MeanVariance(x, nil)
	my, vy := stat.MeanVariance(y, nil)
	nx, ny := float64(len(x)), float64(len(y))
	ex, ey := vx/nx, vy/ny // squared standard errors
	se2 := ex + ey
	if se2 == 0 {
		if mx == my {
			return 1
		}
		return 0
	}
	t := (mx - my) / math.Sqrt(se2)
	df := se2 * se2 / (ex*ex/(nx-1) + ey*ey/(ny-1))
	p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
	return clamp01(p)
}

// mannWhitney returns the two-sided p value of the Mann–Whitney U test on x
// and y, which have two values at least.
func mannWhitney(x, y []float64) float64 {
	nx, ny := len(x), len(y)
	all := append(append(make([]float64, 0, nx+ny), x...), y...)
	r, tieSum := ranks(all)
	var rx float64
	for _, v := range r[:nx] {
		rx += v
	}
	u := rx - float64(nx*(nx+1))/2 // U of x: pairs where x beats y, ties half
	if tieSum == 0 && nx <= maxExact && ny <= maxExact {
		return exactU(nx, ny, int(math.Round(u)))
	}
	n := float64(nx + ny)
	mu := float64(nx*ny) / 2
	sigma2 := float64(nx*ny) / 12 * ((n + 1) - tieSum/(n*(n-1)))
	if sigma2 <= 0 {
		return 1 // every value tied
	}
	z := (math.Abs(u-mu) - 0.5) / math.Sqrt(sigma2)
	if z <= 0 {
		return 1
	}
	return clamp01(2 * distuv.UnitNormal.Survival(z))
}

// exactU returns the two-sided p value of U = u under the null hypothesis,
// from the exact distribution of U for samples of m and n values without
// ties: the number of orderings with each U are the coefficients of the
// Gaussian binomial [m+n choose m] in q, built by
// f(m, n) = q^n f(m−1, n) + f(m, n−1).
func exactU(m, n, u int) float64 {
	// prev[j] is f(i−1, j), cur[j] is f(i, j), each a polynomial in q.
	prev := make([][]float64, n+1)
	for j := range prev {
		prev[j] = []float64{1} // f(0, j) = 1
	}
	for i := 1; i <= m; i++ {
		cur := make([][]float64, n+1)
		cur[0] = []float64{1} // f(i, 0) = 1
		for j := 1; j <= n; j++ {
			f := make([]float64, i*j+1)
			for k, c := range prev[j] { // q^j f(i−1, j)
				f[k+j] += c
			}
			for k, c := range cur[j-1] { // f(i, j−1)
				f[k] += c
			}
			cur[j] = f
		}
		prev = cur
	}
	dist := prev[n]
	var total, below, above float64
	for k, c := range dist {
		total += c
		if k <= u {
			below += c
		}
		if k >= u {
			above += c
		}
	}
	return clamp01(2 * math.Min(below, above) / total)
}

func clamp01(p float64) float64 {
	switch {
	case math.IsNaN(p):
		return 1
	case p < 0:
		return 0
	case p > 1:
		return 1
	}
	return p
}

// Describe says which test Significant runs with opts, and at what alpha,
// for a footnote: "Welch's t-test, two-sided, alpha 0.05".
func Describe(opts ...Option) string {
	c := newConfig(opts)
	return fmt.Sprintf("%s-test, two-sided, alpha %.3g", c.test, 1-c.level)
}
