package sim

import (
	"fmt"
	"math"
	"slices"
)

// LoadFactor is one point of a station's or pool's load curve: at an
// offered arrival rate of RatePerSec, a service time drawn up to its
// distribution's median is Factor times the draw, and one drawn beyond it
// is the draw plus (Factor-1) times the median. The body of the
// distribution scales; its tail (a pause, a flush, a lost time slice)
// keeps its length, as measured p99s do while p50s fall with load.
//
// Measured systems are rarely as slow per request under load as when
// nearly idle: a busy machine's CPUs do not sleep between requests, its
// caches stay warm and a busy runtime hands work over without waking
// threads. No queue produces that, so a calibrated model states it as a
// load curve measured at a few rates (see package calibrate).
type LoadFactor struct {
	RatePerSec float64 `json:"rate_per_sec"`
	Factor     float64 `json:"factor"`
}

// Bounds of a load curve.
const (
	maxLoadFactors = 64
	minLoadFactor  = 0.01
	maxLoadFactor  = 100.0
)

// LoadFactorAt is the factor of curve at the offered rate ratePerSec:
// interpolated linearly in the logarithm of the rate between the two points
// around it, and held at the first or last point's factor beyond them. An
// empty curve is 1 everywhere. The points must be in increasing order of
// rate, as a valid model's are.
func LoadFactorAt(curve []LoadFactor, ratePerSec float64) float64 {
	n := len(curve)
	switch {
	case n == 0:
		return 1
	case ratePerSec <= curve[0].RatePerSec:
		return curve[0].Factor
	case ratePerSec >= curve[n-1].RatePerSec:
		return curve[n-1].Factor
	}
	i, _ := slices.BinarySearchFunc(curve, ratePerSec, func(p LoadFactor, r float64) int {
		switch {
		case p.RatePerSec < r:
			return -1
		case p.RatePerSec > r:
			return 1
		}
		return 0
	})
	if curve[i].RatePerSec == ratePerSec {
		return curve[i].Factor
	}
	lo, hi := curve[i-1], curve[i]
	w := math.Log(ratePerSec/lo.RatePerSec) / math.Log(hi.RatePerSec/lo.RatePerSec)
	return lo.Factor + w*(hi.Factor-lo.Factor)
}

func validateLoadFactors(v *validator, field string, curve []LoadFactor) {
	if len(curve) > maxLoadFactors {
		v.addf("%s has %d points, at most %d", field, len(curve), maxLoadFactors)
		return
	}
	for i, p := range curve {
		pf := fmt.Sprintf("%s[%d]", field, i)
		if !(p.RatePerSec > 0 && p.RatePerSec <= maxRatePerSec) {
			v.addf("%s.rate_per_sec must be > 0 and at most %g, but is %g", pf, float64(maxRatePerSec), p.RatePerSec)
		} else if i > 0 && !(p.RatePerSec > curve[i-1].RatePerSec) {
			v.addf("%s.rate_per_sec must be greater than the point before's (%g): the points go in increasing order of rate, but is %g", pf, curve[i-1].RatePerSec, p.RatePerSec)
		}
		if !(p.Factor >= minLoadFactor && p.Factor <= maxLoadFactor) {
			v.addf("%s.factor must be %g to %g, but is %g", pf, minLoadFactor, maxLoadFactor, p.Factor)
		}
	}
}

// segmentFactors compiles curve to one factor per arrival segment, nil
// for an empty curve.
func segmentFactors(curve []LoadFactor, segs []segment) []float64 {
	if len(curve) == 0 {
		return nil
	}
	out := make([]float64, len(segs))
	for i, g := range segs {
		out[i] = LoadFactorAt(curve, g.rate*1000)
	}
	return out
}
