package loadgen

import (
	"fmt"
	"math"
	"time"
)

// Schedule is an open-loop arrival schedule: when each iteration is due is a
// function of its index alone, never of how fast earlier iterations were
// answered. That is what keeps coordinated omission out of a run.
//
// The method that reports the schedule's length is End, not Duration,
// because the schedules below are configuration structs with a Duration field.
type Schedule interface {
	// At returns the offset from the start of the run at which the n-th
	// iteration (0-based) is due; ok is false once the schedule has ended.
	// Offsets are non-decreasing in n.
	At(n uint64) (offset time.Duration, ok bool)
	// End returns the offset at which the schedule ends: no iteration is
	// due at or after it.
	End() time.Duration
}

// ConstantRate starts Rate iterations per second for Duration, like k6's
// constant-arrival-rate executor.
//
// The cumulative count is N(t) = Rate·t, so the n-th iteration is due at
// t_n = n/Rate; the run holds ⌈Rate·Duration⌉ iterations, the last due before
// Duration.
type ConstantRate struct {
	// Rate is the number of iterations started per second.
	Rate float64
	// Duration is how long the rate is held.
	Duration time.Duration
}

// At implements [Schedule].
func (c ConstantRate) At(n uint64) (time.Duration, bool) {
	if !(c.Rate > 0) || math.IsInf(c.Rate, 0) {
		return 0, false
	}
	ns := float64(n) * 1e9 / c.Rate
	if ns >= float64(c.Duration) {
		return 0, false
	}
	return time.Duration(ns), true
}

// End implements [Schedule].
func (c ConstantRate) End() time.Duration { return max(c.Duration, 0) }

// Validate reports every problem with c, naming the field and its bad value.
func (c ConstantRate) Validate() []error {
	var errs []error
	if !(c.Rate > 0) || math.IsInf(c.Rate, 0) {
		errs = append(errs, fmt.Errorf("rate must be a finite number > 0, but is %v", c.Rate))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be > 0, but is %s", c.Duration))
	}
	return errs
}

// Stage is one leg of a [RampingRate]: over Duration the rate moves linearly
// from where the previous stage ended (or StartRate) to Target.
type Stage struct {
	// Duration is how long the stage lasts. Zero makes the rate jump to
	// Target at once.
	Duration time.Duration
	// Target is the rate, in iterations per second, reached at the end of
	// the stage.
	Target float64
}

// RampingRate moves the arrival rate through Stages, like k6's
// ramping-arrival-rate executor: the rate is piecewise linear in time,
// starting at StartRate.
//
// The cumulative count N(t) is the integral of the rate. Within a stage that
// starts at rate r0 with slope a = (Target−r0)/Duration, τ after its start,
// N = N0 + r0·τ + a·τ²/2. The n-th iteration is due at the first instant the
// count exceeds n, found by solving a·τ²/2 + r0·τ − m = 0 for m = n − N0 as
// τ = 2m / (r0 + √(r0² + 2a·m)). That form needs no special case for a zero
// slope (it reduces to m/r0), stays exact near a zero rate, and never
// divides by zero in a stage whose count grows; stages where the rate stays at
// zero hold no iterations and are skipped. A ramp from 0 to R over D thus
// holds R·D/2 iterations, the n-th due at √(2n·D/R).
type RampingRate struct {
	// StartRate is the rate, in iterations per second, at the start of the run.
	StartRate float64
	// Stages are run in order; the schedule ends after the last.
	Stages []Stage
}

// At implements [Schedule].
func (r RampingRate) At(n uint64) (time.Duration, bool) {
	target := float64(n)
	var (
		start time.Duration // of the current stage
		count float64       // iterations due before it
		rate  = r.StartRate
	)
	for _, st := range r.Stages {
		d := st.Duration.Seconds()
		grown := (rate + st.Target) / 2 * d
		if d > 0 && grown > 0 && target < count+grown {
			m := target - count
			a := (st.Target - rate) / d
			tau := 0.0
			if m > 0 {
				tau = 2 * m / (rate + math.Sqrt(max(rate*rate+2*a*m, 0)))
			}
			off := start + time.Duration(tau*1e9)
			if off >= start+st.Duration { // rounding at the stage's end
				off = start + st.Duration - 1
			}
			return off, true
		}
		count += max(grown, 0)
		start += st.Duration
		rate = st.Target
	}
	return 0, false
}

// End implements [Schedule].
func (r RampingRate) End() time.Duration {
	var d time.Duration
	for _, st := range r.Stages {
		d += max(st.Duration, 0)
	}
	return d
}

// Mean returns the mean rate over the schedule, iterations per second: how
// many iterations it holds over how long it lasts (0 for a schedule of no
// length).
func (r RampingRate) Mean() float64 {
	var count float64
	rate := r.StartRate
	for _, st := range r.Stages {
		count += max((rate+st.Target)/2*st.Duration.Seconds(), 0)
		rate = st.Target
	}
	if end := r.End().Seconds(); end > 0 {
		return count / end
	}
	return 0
}

// Validate reports every problem with r, naming the field and its bad value.
func (r RampingRate) Validate() []error {
	var errs []error
	if !(r.StartRate >= 0) || math.IsInf(r.StartRate, 0) {
		errs = append(errs, fmt.Errorf("startRate must be a finite number >= 0, but is %v", r.StartRate))
	}
	if len(r.Stages) == 0 {
		errs = append(errs, fmt.Errorf("stages must hold at least one stage, but is empty"))
	}
	var total time.Duration
	for i, st := range r.Stages {
		if st.Duration < 0 {
			errs = append(errs, fmt.Errorf("stages[%d].duration must be >= 0, but is %s", i, st.Duration))
		} else {
			total += st.Duration
		}
		if !(st.Target >= 0) || math.IsInf(st.Target, 0) {
			errs = append(errs, fmt.Errorf("stages[%d].target must be a finite number >= 0, but is %v", i, st.Target))
		}
	}
	if len(r.Stages) > 0 && total <= 0 {
		errs = append(errs, fmt.Errorf("the stages' total duration must be > 0, but is %s", total))
	}
	return errs
}
