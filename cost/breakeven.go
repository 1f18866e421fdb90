package cost

import "math"

// The range and resolution BreakEven searches.
const (
	breakEvenMin       = 1e-3 // requests per second
	breakEvenMax       = 1e6
	breakEvenPerDecade = 100 // grid points per decade
)

// BreakEven returns the request rate, between 0.001 and 1,000,000 requests
// per second, at which the monthly costs (MonthlyAt) of serverless and
// provisioned cross: below it one is cheaper, above it the other. It scans
// a logarithmic grid of 100 points a decade for the first change of which
// one is cheaper, then bisects that interval on a log scale to a relative
// 1e-12, so a crossing and a crossing back within one grid step (2.3 %)
// are not seen. Where a provisioned cost steps up, the crossing is the
// step. ok is false when the costs do not cross in the range, or are equal
// throughout it.
//
// It works for any two estimates; the names say what it is for.
func BreakEven(serverless, provisioned Estimate) (rps float64, ok bool) {
	diff := func(r float64) float64 { return serverless.MonthlyAt(r) - provisioned.MonthlyAt(r) }
	// last is the most recent grid point where the costs differed, and
	// sign which one was cheaper there.
	last, sign := 0.0, 0.0
	steps := int(math.Round(math.Log10(breakEvenMax/breakEvenMin))) * breakEvenPerDecade
	for i := 0; i <= steps; i++ {
		r := breakEvenMin * math.Pow(10, float64(i)/breakEvenPerDecade)
		s := signOf(diff(r))
		if s == 0 {
			continue
		}
		if sign != 0 && s != sign {
			return bisect(diff, last, r, sign), true
		}
		last, sign = r, s
	}
	return 0, false
}

// bisect narrows [lo, hi], where diff has the sign loSign at lo and not at
// hi, on a log scale, and returns the geometric middle of the last interval.
func bisect(diff func(float64) float64, lo, hi, loSign float64) float64 {
	for range 200 {
		if hi/lo-1 <= 1e-12 {
			break
		}
		mid := math.Sqrt(lo * hi)
		if signOf(diff(mid)) == loSign {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(lo * hi)
}

// signOf is -1, 0 or 1; NaN counts as 0.
func signOf(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
