package simrun

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// MaxReplicas is the most replicas, or the highest concurrency limit, Size
// tries.
const MaxReplicas = 10_000

// minGain is the least share by which doubling the count must cut the p99
// for Size to go on doubling: below it the p99 is near what the count
// cannot shorten (service, delays, another full queue).
const minGain = 0.05

// Try is one simulation of a sizing: the count given the station or pool
// and what came of it.
type Try struct {
	// Count is the station's replicas, or the pool's concurrency limit.
	Count int
	// P99Ms is the p99 latency over every request; Errors counts the
	// requests that did not complete (rejected, throttled, failed or
	// unfinished), and Throttled those a pool sized turned away at its
	// limit.
	P99Ms     float64
	Errors    int64
	Throttled int64
	// Utilization is a station sized's; PeakInstances is the most
	// instances a pool sized had at once, busy or idle.
	Utilization   float64
	PeakInstances int
	// Saturated says whether some queueing station was 95 % busy or more
	// (sim.SaturatedUtilization).
	Saturated bool
	// Met says whether the try met the SLO, without errors and with no
	// queueing station saturated.
	Met bool
}

// Sizing is what Size found: the fewest replicas of a station, or the
// lowest concurrency limit of a function pool, that meet a p99 SLO at a
// rate, or why none does.
type Sizing struct {
	// Name is the station or pool sized, and Pool says it is a pool;
	// Rate and SLOP99Ms are what it was sized for.
	Name     string
	Pool     bool
	Rate     float64
	SLOP99Ms float64
	// Count is the fewest replicas, or the lowest limit, that met the
	// SLO; 0 when none tried did.
	Count int
	// Tries are the simulations, in the order run.
	Tries []Try
	// Saturated, when no count met the SLO, names the stations the last
	// try kept 95 % busy or more (sim.SaturatedUtilization): where the
	// time went instead, if a queue took it.
	Saturated []string
}

// Met reports whether some count met the SLO.
func (s Sizing) Met() bool { return s.Count > 0 }

// String says what the sizing found, for a note and the terminal.
func (s Sizing) String() string {
	var tries []string
	for _, t := range s.Tries {
		var why []string
		if t.P99Ms > s.SLOP99Ms {
			why = append(why, "p99 over")
		}
		if t.Throttled > 0 {
			why = append(why, "throttled")
		}
		if t.Errors > t.Throttled {
			why = append(why, "errors")
		}
		if t.Saturated {
			why = append(why, "saturated")
		}
		mark := "met"
		if len(why) > 0 {
			mark = "missed: " + strings.Join(why, ", ")
		}
		tries = append(tries, fmt.Sprintf("%d: p99 %s ms, %s, %d errors (%s)", t.Count, msText(t.P99Ms), s.use(t), t.Errors, mark))
	}
	head := fmt.Sprintf(sizingPrefix+"%s for a p99 of %s ms at %g req/s: ", s.subject(), msText(s.SLOP99Ms), s.Rate)
	if s.Met() {
		if s.Pool {
			head += fmt.Sprintf("a limit of %d is the lowest that meets it, without throttles, errors or a saturated queue.", s.Count)
		} else {
			head += fmt.Sprintf("%d replicas are the fewest that meet it, without errors or a saturated queue.", s.Count)
		}
	} else {
		last := s.Tries[len(s.Tries)-1]
		head += "no count met it"
		switch {
		case last.Count >= MaxReplicas:
			head += fmt.Sprintf(" up to %d %s, the most tried.", MaxReplicas, s.words().counted)
		case len(s.Tries) < 2:
			head += "."
		default:
			prev := s.Tries[len(s.Tries)-2]
			use := s.use(last)
			if !s.Pool {
				use = s.Name + " is " + use
			}
			head += fmt.Sprintf("; from %d to %d %s the p99 went from %s to %s ms (%s), so more would not help",
				prev.Count, last.Count, s.words().counted, msText(prev.P99Ms), msText(last.P99Ms), use)
			if len(s.Saturated) > 0 {
				head += fmt.Sprintf(": %s %s full.", strings.Join(s.Saturated, ", "), map[bool]string{true: "is", false: "are"}[len(s.Saturated) == 1])
			} else {
				head += fmt.Sprintf(": no queue is full, and %s not shorten service or delays.", s.words().more)
			}
		}
	}
	return head + " " + s.words().tried + " tried: " + strings.Join(tries, "; ") + "."
}

// subject names what was sized: "cpu", or "the concurrency limit of
// pool functions".
func (s Sizing) subject() string {
	if s.Pool {
		return "the concurrency limit of pool " + s.Name
	}
	return s.Name
}

// sizingWords are the words a sizing's text uses for what it counts.
type sizingWords struct {
	counted string // "replicas"
	tried   string // "Replicas", as in "Replicas tried: ..."
	more    string // "replicas do", as in "replicas do not shorten ..."
}

func (s Sizing) words() sizingWords {
	if s.Pool {
		return sizingWords{counted: "instances at once", tried: "Limits", more: "a higher limit does"}
	}
	return sizingWords{counted: "replicas", tried: "Replicas", more: "replicas do"}
}

// use says how much of the sized station or pool a try used.
func (s Sizing) use(t Try) string {
	if s.Pool {
		return fmt.Sprintf("%d throttled, peak %d instances", t.Throttled, t.PeakInstances)
	}
	return fmt.Sprintf("%.0f %% busy", 100*t.Utilization)
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

// setLimit returns m with n as the concurrency limit of the pool named,
// and at most n of its instances provisioned.
func setLimit(m sim.Model, pool string, n int) sim.Model {
	m.Pools = append([]sim.Pool(nil), m.Pools...)
	for i := range m.Pools {
		if p := &m.Pools[i]; p.Name == pool {
			p.MaxConcurrency, p.Provisioned = n, min(p.Provisioned, n)
		}
	}
	return m
}

// Size finds the fewest replicas of a queueing station, or the lowest
// concurrency limit of a function pool (its max_concurrency: the most
// requests its instances serve at once, beyond which it throttles), named
// name, that keep m's p99 latency at rate within sloP99Ms with every
// request completed and no queueing station saturated (whose waits would
// grow with a longer run). It doubles the count from the model's own (at
// least one; a pool without a limit starts at one) until the SLO is met,
// then halves the gap to the last count that missed. Each count is one
// simulation with opts. It stops doubling once that cuts the p99 by less
// than 5 % without cutting errors (what is left is service, delays, or
// another queue that is full) or at MaxReplicas. The result is the
// prediction at the count found, or at the last count tried when none met
// the SLO, with the sizing in its notes.
func Size(ctx context.Context, m sim.Model, rate float64, name string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, error) {
	s, v, _, err := size(ctx, m, rate, name, sloP99Ms, opts...)
	return s, v, err
}

// sizingPrefix begins the note of a sizing (Sizing.String).
const sizingPrefix = "Sized "

// SizedSweep sizes the station or pool named at each rate, in order, as
// Size does, and returns the prediction at each rate's count as Sweep
// returns its predictions: the first rate's result, with every rate's as
// ramp steps, and a note of the count each rate needed.
func SizedSweep(ctx context.Context, m sim.Model, rates []float64, name string, sloP99Ms float64, opts ...Option) (results.VariantResult, []Sizing, error) {
	var ss []Sizing
	v, err := sweep(m, rates, func(rate float64) (results.VariantResult, sim.Result, error) {
		s, v, r, err := size(ctx, m, rate, name, sloP99Ms, opts...)
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

// SweepSizing says in one line what count each rate of a sized sweep
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
		case s.Met() && s.Pool:
			parts = append(parts, fmt.Sprintf("%g req/s, a limit of %d", s.Rate, s.Count))
		case s.Met():
			parts = append(parts, fmt.Sprintf("%g req/s, %d replica%s", s.Rate, s.Count, map[bool]string{true: "s"}[s.Count != 1]))
		case len(s.Saturated) > 0:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it (%s full)", s.Rate, strings.Join(s.Saturated, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it", s.Rate))
		}
	}
	return fmt.Sprintf("%s%s for a p99 of %s ms at each rate of the sweep (the steps are the predictions at those counts): %s.",
		sizingPrefix, ss[0].subject(), msText(ss[0].SLOP99Ms), strings.Join(parts, "; "))
}

// sizable says whether name is a queueing station or a function pool of
// m, and the count Size starts from.
func sizable(m sim.Model, name string) (pool bool, start int, err error) {
	var names []string
	for _, st := range m.Stations {
		if st.Name == name {
			if st.IsDelay() {
				return false, 0, fmt.Errorf("size %s: station %q is a delay, with unlimited servers: replicas do not change it", m.Name, name)
			}
			return false, max(st.Replicas, 1), nil
		}
		if !st.IsDelay() {
			names = append(names, st.Name)
		}
	}
	for _, p := range m.Pools {
		if p.Name == name {
			return true, max(p.MaxConcurrency, 1), nil
		}
		names = append(names, "pool "+p.Name)
	}
	return false, 0, fmt.Errorf("size %s: no queueing station or function pool %q; it has %s", m.Name, name, strings.Join(names, ", "))
}

// size is Size, with the simulation's own result at the count returned.
func size(ctx context.Context, m sim.Model, rate float64, name string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, sim.Result, error) {
	s := Sizing{Name: name, Rate: rate, SLOP99Ms: sloP99Ms}
	fail := func(err error) (Sizing, results.VariantResult, sim.Result, error) {
		return s, results.VariantResult{}, sim.Result{}, err
	}
	if !(sloP99Ms > 0) {
		return fail(fmt.Errorf("size %s: the p99 SLO must be > 0 ms, but is %g", m.Name, sloP99Ms))
	}
	pool, start, err := sizable(m, name)
	if err != nil {
		return fail(err)
	}
	s.Pool = pool
	type run struct {
		v results.VariantResult
		r sim.Result
	}
	runs := map[int]run{}
	try := func(n int) (Try, error) {
		var sized sim.Model
		if pool {
			sized = setLimit(m, name, n)
		} else {
			sized, _ = SetReplicas(m, name, n)
		}
		v, r, err := At(ctx, sized, rate, opts...)
		if err != nil {
			return Try{}, err
		}
		t := Try{Count: n, P99Ms: r.Total.Latency.P99Ms,
			Errors: r.Total.Rejected + r.Total.Throttled + r.Total.Failed + r.Total.Unfinished}
		if st, ok := r.Station(name); ok && !pool {
			t.Utilization = st.Utilization
		}
		if p, ok := r.Pool(name); ok && pool {
			t.Throttled, t.PeakInstances = p.Throttled, p.PeakInstances
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
		flat := before != nil && t.Errors >= before.Errors && t.P99Ms > (1-minGain)*before.P99Ms
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
	s.Count, s.Saturated = met, nil
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
