// Package usl fits Neil Gunther's Universal Scalability Law to throughput
// measured at several capacities, and predicts throughput from the fit.
//
// The law models the throughput X of a system at capacity N (instances,
// replicas or CPUs) as
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// where λ is the throughput of one unit, σ the contention and κ the
// coherency coefficient:
//
//   - σ (contention, serialisation) is the share of the work that waits in
//     line for something all units share: a single database writer, a lock,
//     one broker, a hot row or key. With κ = 0 the law is Amdahl's law:
//     throughput grows ever more slowly towards the ceiling λ/σ.
//   - κ (coherency, crosstalk) is the cost of units keeping each other
//     consistent, which grows with the number of pairs: cache invalidation,
//     replicas coordinating or gossiping, chatty calls from every service to
//     every other. Any κ > 0 gives a peak at N* = sqrt((1−σ)/κ), beyond which
//     adding capacity lowers throughput (retrograde scaling).
//
// A linear architecture has σ = κ = 0. Comparing σ and κ across the
// monolith, microservices, serverless and hybrid variants says *why* one
// scales worse than another: queueing on something shared, or talking to
// itself.
//
// A fit is a model, not a measurement. Figures derived from it, such as the
// peak capacity, the peak throughput or the throughput at a capacity that
// was not run, are modeled and must be labelled so; only the points fitted
// were measured. Extrapolating far beyond the largest fitted N is
// especially uncertain.
package usl

import "math"

// Point is one measurement: the throughput X observed at capacity N.
type Point struct {
	// N is the capacity: instances, replicas or CPUs. It is at least 1.
	N float64
	// X is the throughput measured at N, in any unit (for example
	// requests per second). It is positive.
	X float64
}

// Model is a Universal Scalability Law curve: the throughput of one unit and
// the contention and coherency coefficients of the system.
type Model struct {
	// Lambda (λ) is the throughput of a single unit, in the unit of the
	// fitted throughputs.
	Lambda float64
	// Sigma (σ) is the contention coefficient: the fraction of the work
	// that is serialised on a shared resource. 0 means none measurable.
	Sigma float64
	// Kappa (κ) is the coherency coefficient: the cost of crosstalk
	// between each pair of units. 0 means none measurable: then the
	// throughput has no peak, only the ceiling λ/σ.
	Kappa float64
}

// Throughput returns the modeled throughput at capacity n (n ≥ 1 is the
// domain the law describes).
func (m Model) Throughput(n float64) float64 {
	return m.Lambda * n / (1 + m.Sigma*(n-1) + m.Kappa*n*(n-1))
}

// PeakN returns the modeled capacity at which throughput is highest,
// sqrt((1−σ)/κ). It is +Inf when κ = 0 and σ < 1 (throughput keeps rising
// towards λ/σ), and 1 when the curve falls from the start (σ ≥ 1, or a
// κ so large that the peak would lie below one unit). The capacity is
// continuous: round it to the deployable capacities around it.
func (m Model) PeakN() float64 {
	if m.Sigma >= 1 {
		return 1
	}
	if m.Kappa <= 0 {
		return math.Inf(1)
	}
	return math.Max(1, math.Sqrt((1-m.Sigma)/m.Kappa))
}

// PeakThroughput returns the modeled highest throughput, X(PeakN()). When
// κ = 0 there is no peak and it returns the ceiling the curve approaches
// but never reaches: λ/σ, or +Inf for a linear model (σ = κ = 0).
func (m Model) PeakThroughput() float64 {
	n := m.PeakN()
	if !math.IsInf(n, 1) {
		return m.Throughput(n)
	}
	if m.Sigma <= 0 {
		return math.Inf(1)
	}
	return m.Lambda / m.Sigma
}
