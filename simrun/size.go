package simrun

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// MaxReplicas is the most replicas Size tries for a station.
const MaxReplicas = 10_000

// minGain is the least share by which doubling a station's replicas must
// cut the p99 for Size to go on doubling: below it the p99 is near what
// the replicas cannot shorten (service, delays, another full queue).
const minGain = 0.05

// Try is one simulation of a sizing: the replicas given the station and
// what came of them.
type Try struct {
	// Replicas of the station sized.
	Replicas int
	// P99Ms is the p99 latency over every request; Errors counts the
	// requests that did not complete (rejected, throttled, failed or
	// unfinished).
	P99Ms  float64
	Errors int64
	// Utilization is the sized station's; Saturated says whether some
	// queueing station was 95 % busy or more (sim.SaturatedUtilization).
	Utilization float64
	Saturated   bool
	// Met says whether the try met the SLO, without errors and with no
	// queueing station saturated (sim.SaturatedUtilization).
	Met bool
}

// Sizing is what Size found: the fewest replicas of a station that meet a
// p99 SLO at a rate, or why none does.
type Sizing struct {
	// Station is the one sized; Rate and SLOP99Ms what it was sized for.
	Station  string
	Rate     float64
	SLOP99Ms float64
	// Replicas is the fewest that met the SLO, 0 when none tried did.
	Replicas int
	// Tries are the simulations, in the order run.
	Tries []Try
	// Saturated, when no count met the SLO, names the stations the last
	// try kept 95 % busy or more (sim.SaturatedUtilization): where the
	// time went instead, if a queue took it.
	Saturated []string
}

// Met reports whether some count of replicas met the SLO.
func (s Sizing) Met() bool { return s.Replicas > 0 }

// String says what the sizing found, for a note and the terminal.
func (s Sizing) String() string {
	var tries []string
	for _, t := range s.Tries {
		var why []string
		if t.P99Ms > s.SLOP99Ms {
			why = append(why, "p99 over")
		}
		if t.Errors > 0 {
			why = append(why, "errors")
		}
		if t.Saturated {
			why = append(why, "saturated")
		}
		mark := "met"
		if len(why) > 0 {
			mark = "missed: " + strings.Join(why, ", ")
		}
		tries = append(tries, fmt.Sprintf("%d: p99 %s ms, %.0f %% busy, %d errors (%s)", t.Replicas, msText(t.P99Ms), 100*t.Utilization, t.Errors, mark))
	}
	head := fmt.Sprintf(sizingPrefix+"%s for a p99 of %s ms at %g req/s: ", s.Station, msText(s.SLOP99Ms), s.Rate)
	if s.Met() {
		head += fmt.Sprintf("%d replicas are the fewest that meet it, without errors or a saturated queue.", s.Replicas)
	} else {
		last := s.Tries[len(s.Tries)-1]
		head += "no count met it"
		switch {
		case last.Replicas >= MaxReplicas:
			head += fmt.Sprintf(" up to %d replicas, the most tried.", MaxReplicas)
		case len(s.Tries) < 2:
			head += "."
		default:
			prev := s.Tries[len(s.Tries)-2]
			head += fmt.Sprintf("; from %d to %d replicas the p99 went from %s to %s ms (%s is %.0f %% busy), so more would not help",
				prev.Replicas, last.Replicas, msText(prev.P99Ms), msText(last.P99Ms), s.Station, 100*last.Utilization)
			if len(s.Saturated) > 0 {
				head += fmt.Sprintf(": %s %s full.", strings.Join(s.Saturated, ", "), map[bool]string{true: "is", false: "are"}[len(s.Saturated) == 1])
			} else {
				head += ": no queue is full, and replicas do not shorten service or delays."
			}
		}
	}
	return head + " Replicas tried: " + strings.Join(tries, "; ") + "."
}

// SetReplicas returns m with n replicas of the station named, and, if it
// autoscales, n as its autoscaler's minimum (and maximum, if that was
// lower). ok is false when m has no such station.
func SetReplicas(m sim.Model, station string, n int) (out sim.Model, ok bool) {
	m.Stations = append([]sim.Station(nil), m.Stations...)
	for i := range m.Stations {
		st := &m.Stations[i]
		if st.Name != station {
			continue
		}
		ok = true
		st.Replicas = n
		if a := st.Autoscale; a != nil {
			scaled := *a
			scaled.Min, scaled.Max = n, max(scaled.Max, n)
			st.Autoscale = &scaled
		}
	}
	return m, ok
}

// Size finds the fewest replicas of station that keep m's p99 latency at
// rate within sloP99Ms with every request completed and no queueing
// station saturated (whose waits would grow with a longer run): it
// doubles the replicas from the model's count (at least one) until the
// SLO is met, then halves the gap to the last count that missed. Each
// count is one simulation with opts. It stops adding replicas once
// doubling them cuts the p99 by less than 5 % without cutting errors
// (what is left is service, delays, or another queue that is full) or at
// MaxReplicas. The result is the prediction at the count found, or at
// the last count tried when none met the SLO, with the sizing in its
// notes.
func Size(ctx context.Context, m sim.Model, rate float64, station string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, error) {
	s, v, _, err := size(ctx, m, rate, station, sloP99Ms, opts...)
	return s, v, err
}

// sizingPrefix begins the note of a sizing (Sizing.String).
const sizingPrefix = "Sized "

// SizedSweep sizes station at each rate, in order, as Size does, and
// returns the prediction at each rate's count as Sweep returns its
// predictions: the first rate's result, with every rate's as ramp steps,
// and a note of the replicas each rate needed.
func SizedSweep(ctx context.Context, m sim.Model, rates []float64, station string, sloP99Ms float64, opts ...Option) (results.VariantResult, []Sizing, error) {
	var ss []Sizing
	v, err := sweep(m, rates, func(rate float64) (results.VariantResult, sim.Result, error) {
		s, v, r, err := size(ctx, m, rate, station, sloP99Ms, opts...)
		ss = append(ss, s)
		return v, r, err
	})
	if err != nil {
		return results.VariantResult{}, nil, err
	}
	v.Notes = slices.DeleteFunc(v.Notes, func(n string) bool { return strings.HasPrefix(n, sizingPrefix) })
	v.Notes = append(v.Notes, SweepSizing(ss))
	return v, ss, nil
}

// SweepSizing says in one line what replicas each rate of a sized sweep
// needed: "Sized cpu for a p99 of 50 ms at each rate of the sweep (the
// steps are the predictions at those counts): 100 req/s, 1 replica;
// 20000 req/s, 14 replicas; 50000 req/s, none met it (writer full)."
func SweepSizing(ss []Sizing) string {
	if len(ss) == 0 {
		return ""
	}
	var parts []string
	for _, s := range ss {
		switch {
		case s.Met():
			parts = append(parts, fmt.Sprintf("%g req/s, %d replica%s", s.Rate, s.Replicas, map[bool]string{true: "s"}[s.Replicas != 1]))
		case len(s.Saturated) > 0:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it (%s full)", s.Rate, strings.Join(s.Saturated, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it", s.Rate))
		}
	}
	return fmt.Sprintf("%s%s for a p99 of %s ms at each rate of the sweep (the steps are the predictions at those counts): %s.",
		sizingPrefix, ss[0].Station, msText(ss[0].SLOP99Ms), strings.Join(parts, "; "))
}

// size is Size, with the simulation's own result at the count returned.
func size(ctx context.Context, m sim.Model, rate float64, station string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, sim.Result, error) {
	s := Sizing{Station: station, Rate: rate, SLOP99Ms: sloP99Ms}
	fail := func(err error) (Sizing, results.VariantResult, sim.Result, error) {
		return s, results.VariantResult{}, sim.Result{}, err
	}
	if !(sloP99Ms > 0) {
		return fail(fmt.Errorf("size %s: the p99 SLO must be > 0 ms, but is %g", m.Name, sloP99Ms))
	}
	start := 0
	for _, st := range m.Stations {
		if st.Name == station {
			if st.IsDelay() {
				return fail(fmt.Errorf("size %s: station %q is a delay, with unlimited servers: replicas do not change it", m.Name, station))
			}
			start = max(st.Replicas, 1)
		}
	}
	if start == 0 {
		var names []string
		for _, st := range m.Stations {
			if !st.IsDelay() {
				names = append(names, st.Name)
			}
		}
		return fail(fmt.Errorf("size %s: no queueing station %q; it has %s", m.Name, station, strings.Join(names, ", ")))
	}
	type run struct {
		v results.VariantResult
		r sim.Result
	}
	runs := map[int]run{}
	try := func(n int) (Try, error) {
		sized, _ := SetReplicas(m, station, n)
		v, r, err := At(ctx, sized, rate, opts...)
		if err != nil {
			return Try{}, err
		}
		t := Try{Replicas: n, P99Ms: r.Total.Latency.P99Ms,
			Errors: r.Total.Rejected + r.Total.Throttled + r.Total.Failed + r.Total.Unfinished}
		if st, ok := r.Station(station); ok {
			t.Utilization = st.Utilization
		}
		s.Saturated = s.Saturated[:0]
		for _, st := range r.Stations {
			if st.Utilization >= sim.SaturatedUtilization {
				s.Saturated = append(s.Saturated, st.Name)
			}
		}
		// A saturated queue has no steady state: its p99 within the SLO
		// holds only for a run this short.
		t.Saturated = len(s.Saturated) > 0
		t.Met = t.Errors == 0 && t.P99Ms <= sloP99Ms && !t.Saturated
		s.Tries = append(s.Tries, t)
		runs[n] = run{v, r}
		return t, nil
	}
	// Double until met, then bisect between the last miss and the first
	// count that met.
	missed, n := 0, start
	var before *Try
	for {
		t, err := try(n)
		if err != nil {
			return fail(err)
		}
		if t.Met {
			break
		}
		missed = n
		flat := before != nil && t.Errors <= before.Errors && t.P99Ms > (1-minGain)*before.P99Ms
		if flat || n >= MaxReplicas {
			last := runs[n]
			last.v.Notes = append(last.v.Notes, s.String())
			return s, last.v, last.r, nil
		}
		before = &t
		n = min(2*n, MaxReplicas)
	}
	met := n
	for met-missed > 1 {
		mid := missed + (met-missed)/2
		t, err := try(mid)
		if err != nil {
			return fail(err)
		}
		if t.Met {
			met = mid
		} else {
			missed = mid
		}
	}
	s.Replicas, s.Saturated = met, nil
	found := runs[met]
	found.v.Notes = append(found.v.Notes, s.String())
	return s, found.v, found.r, nil
}

// msText formats milliseconds to three significant digits, whole from 100.
func msText(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
