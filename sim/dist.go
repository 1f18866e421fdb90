package sim

import (
	"math"
	"math/rand/v2"
)

// Distribution kinds.
const (
	// KindExponential has mean MeanMs; it makes a station an M/M/c queue.
	KindExponential = "exponential"
	// KindDeterministic is always MeanMs.
	KindDeterministic = "deterministic"
	// KindLogNormal is the log-normal with median MedianMs and 99th
	// percentile P99Ms, a common fit to measured latencies.
	KindLogNormal = "lognormal"
	// KindEmpirical follows measured Quantiles, interpolating linearly
	// between them (inverse-CDF sampling).
	KindEmpirical = "empirical"
)

// z99 is the standard normal's 99th percentile.
const z99 = 2.3263478740408408

// Dist is a distribution of durations, in milliseconds: a service time, a
// cold start, a network delay. Kind says which fields are used; the others
// must be zero.
type Dist struct {
	// Kind is KindExponential, KindDeterministic, KindLogNormal or
	// KindEmpirical.
	Kind string `json:"kind"`
	// MeanMs is the mean of an exponential (> 0) or the value of a
	// deterministic (≥ 0) distribution.
	MeanMs float64 `json:"mean_ms,omitempty"`
	// MedianMs and P99Ms give a log-normal: 0 < MedianMs < P99Ms.
	MedianMs float64 `json:"median_ms,omitempty"`
	P99Ms    float64 `json:"p99_ms,omitempty"`
	// Quantiles give an empirical distribution: at least two points, Q
	// rising strictly from 0 to 1, Ms never falling.
	Quantiles []Quantile `json:"quantiles,omitempty"`
}

// Quantile is a point of an empirical distribution: a share Q of the
// values are at most Ms.
type Quantile struct {
	Q  float64 `json:"q"`
	Ms float64 `json:"ms"`
}

// Exponential returns the exponential distribution with the given mean.
func Exponential(meanMs float64) Dist { return Dist{Kind: KindExponential, MeanMs: meanMs} }

// Deterministic returns the distribution that is always ms.
func Deterministic(ms float64) Dist { return Dist{Kind: KindDeterministic, MeanMs: ms} }

// LogNormal returns the log-normal distribution with the given median and
// 99th percentile.
func LogNormal(medianMs, p99Ms float64) Dist {
	return Dist{Kind: KindLogNormal, MedianMs: medianMs, P99Ms: p99Ms}
}

// Empirical returns the distribution through the given quantiles, such as
// a measured latency histogram's p0, p50, p90, p99 and max (as Q = 1).
func Empirical(q ...Quantile) Dist { return Dist{Kind: KindEmpirical, Quantiles: q} }

// Mean returns d's mean in milliseconds, or NaN if d is not valid.
func (d Dist) Mean() float64 {
	if d.validate(&validator{}, "") {
		return math.NaN()
	}
	if d.Kind == KindLogNormal {
		// From μ and σ alone: compiling would also tabulate the quantile
		// function, which only sampling needs.
		sigma := logNormalSigma(d)
		return d.MedianMs * math.Exp(sigma*sigma/2)
	}
	s := compileDist(d)
	switch s.kind {
	case distExp, distDet:
		return s.a
	default:
		var m float64
		for i := 1; i < len(s.q); i++ {
			m += (s.q[i] - s.q[i-1]) * (s.v[i] + s.v[i-1]) / 2
		}
		return m
	}
}

const (
	distDet uint8 = iota
	distExp
	distLogNormal
	distEmpirical
)

// sampler draws from a validated Dist, in milliseconds, without
// allocating or boxing.
type sampler struct {
	kind uint8
	// a is the mean (exponential), the value (deterministic) or μ of the
	// underlying normal (log-normal); b is its σ.
	a, b float64
	// q and v are the empirical quantiles and their values.
	q, v []float64
	// median is the distribution's median, where a load factor stops
	// scaling draws (see loaded).
	median float64
	// t tabulates a log-normal's quantile function: t[i] is its value at
	// i/logNormalSteps, for the steps between the logNormalExact ones at
	// either end (left 0). It spares a math.Exp per delay, which took a
	// sixth of a simulation's time.
	t []float64
}

// logNormalSteps is how finely a log-normal's quantile function is
// tabulated, and logNormalExact how many steps at either end are computed
// exactly instead, where the function bends too sharply for a straight
// line. Interpolation between the other points is off by at most 0.3 % for
// σ up to 2 (a p99 100 times the median).
const (
	logNormalSteps = 1024
	logNormalExact = 8
)

func compileDist(d Dist) sampler {
	switch d.Kind {
	case KindExponential:
		return sampler{kind: distExp, a: d.MeanMs, median: math.Ln2 * d.MeanMs}
	case KindLogNormal:
		s := sampler{kind: distLogNormal, a: math.Log(d.MedianMs), b: logNormalSigma(d), median: d.MedianMs}
		s.t = make([]float64, logNormalSteps)
		for i := logNormalExact; i <= logNormalSteps-logNormalExact; i++ {
			s.t[i] = s.logNormalAt(float64(i) / logNormalSteps)
		}
		return s
	case KindEmpirical:
		s := sampler{kind: distEmpirical}
		for _, p := range d.Quantiles {
			s.q = append(s.q, p.Q)
			s.v = append(s.v, p.Ms)
		}
		s.median = s.at(0.5)
		return s
	default:
		return sampler{kind: distDet, a: d.MeanMs, median: d.MeanMs}
	}
}

// sample draws a duration in ms, at most maxMs: a model's extreme tails
// (a log-normal's, an exponential's) are cut there, so simulated time
// stays finite.
func (s *sampler) sample(r *rand.Rand) float64 {
	switch s.kind {
	case distExp:
		return min(r.ExpFloat64()*s.a, maxMs)
	case distDet:
		return s.a
	case distLogNormal:
		return min(s.logNormalQuantile(r.Float64()), maxMs)
	default:
		return s.at(r.Float64())
	}
}

// at is an empirical sampler's quantile function at u in [0, 1).
func (s *sampler) at(u float64) float64 {
	i := 1
	for i < len(s.q)-1 && s.q[i] <= u {
		i++
	}
	q0, q1 := s.q[i-1], s.q[i]
	return s.v[i-1] + (s.v[i]-s.v[i-1])*(u-q0)/(q1-q0)
}

// loaded applies a load factor f to a draw ms of s: draws up to the
// median are scaled by f, and draws beyond it shifted by as much as the
// median is, (f-1)·median. What makes a service faster or slower with
// load (CPUs asleep or busy, threads to wake) acts on its usual path;
// its tail (a pause, a flush, a lost time slice) stays as long. Scaling
// the tail too would put a factor of 2.4 at low load on a measured p99
// that does not move.
func (s *sampler) loaded(ms, f float64) float64 {
	if ms <= s.median {
		return ms * f
	}
	return ms + (f-1)*s.median
}

// logNormalSigma is σ of a log-normal Dist, from its median and p99.
func logNormalSigma(d Dist) float64 { return math.Log(d.P99Ms/d.MedianMs) / z99 }

// logNormalQuantile is a log-normal sampler's quantile function at u in
// [0, 1), read off its table where it can be.
func (s *sampler) logNormalQuantile(u float64) float64 {
	x := u * logNormalSteps
	if i := int(x); i >= logNormalExact && i < logNormalSteps-logNormalExact {
		return s.t[i] + (s.t[i+1]-s.t[i])*(x-float64(i))
	}
	return s.logNormalAt(u)
}

// logNormalAt is a log-normal sampler's quantile function at u in [0, 1):
// exp(μ + σ·Φ⁻¹(u)).
func (s *sampler) logNormalAt(u float64) float64 {
	return math.Exp(s.a - s.b*math.Sqrt2*math.Erfcinv(2*u))
}
