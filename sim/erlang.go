package sim

import "math"

// ErlangC is Erlang's C formula: the probability that a request has to
// wait in an M/M/c queue with c servers and an offered load of a erlangs
// (a = λ/μ, the arrival rate times the mean service time). It is 1 when
// a ≥ c, where the queue grows without bound, and NaN when c < 1 or a is
// negative, infinite or NaN. Computed through Erlang B's recurrence, it is
// stable for large c.
//
// With it, an M/M/c station's mean response time is
// ErlangC(c, a)/(cμ − λ) + 1/μ.
func ErlangC(c int, a float64) float64 {
	if c < 1 || !(a >= 0) || math.IsInf(a, 0) {
		return math.NaN()
	}
	if a >= float64(c) {
		return 1
	}
	b := 1.0 // Erlang B with 0 servers
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}
