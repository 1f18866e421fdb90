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

// Account is the name Size and SizePhases take for the account's
// concurrency limit over every pool of a model (sim.Model's
// AccountConcurrency), unless a station or pool of the model bears it.
const Account = "account"

// minGain is the least share by which doubling the count must cut the p99
// for Size to go on doubling: below it the p99 is near what the count
// cannot shorten (service, delays, another full queue).
const minGain = 0.05

// Try is one simulation of a sizing: the count given the station or pool
// and what came of it.
type Try struct {
	// Count is the station's replicas, or the pool's concurrency limit.
	Count int
	// P99Ms is the p99 latency over every request or, through phases,
	// the worst second's; Errors counts the requests that did not
	// complete (rejected, throttled, failed or unfinished), and
	// Throttled those a pool sized turned away at its limit.
	P99Ms     float64
	Errors    int64
	Throttled int64
	// Utilization is a station sized's; PeakInstances is the most
	// instances a pool sized had at once, busy or idle.
	Utilization   float64
	PeakInstances int
	// ColdStarts counts a pool sized's cold starts.
	ColdStarts int64
	// Saturated says whether some queueing station was 95 % busy or more
	// (sim.SaturatedUtilization).
	Saturated bool
	// Met says whether the try met the SLO, without errors and with no
	// queueing station saturated.
	Met bool
}

// Sizing is what Size or SizePhases found: the fewest replicas of a
// station, the lowest concurrency limit of a function pool, or the fewest
// instances to provision in one, that meet a p99 SLO at a rate or through
// phases, or why none does.
type Sizing struct {
	// Name is the station or pool sized, and Pool says it is a pool;
	// Provisioned says its provisioned instances were sized, not its
	// limit; Account that the account's limit over every pool was sized
	// (Name is Account, and Pool is set too). Rate (or, through phases,
	// Phases) and SLOP99Ms are what it was sized for.
	Name        string
	Pool        bool
	Provisioned bool
	Account     bool
	Rate        float64
	Phases      []sim.Phase
	SLOP99Ms    float64
	// Count is the fewest replicas or provisioned instances, or the
	// lowest limit, that met the SLO; Found says some count did (a
	// count of 0 provisioned instances can).
	Count int
	Found bool
	// Tries are the simulations, in the order run.
	Tries []Try
	// waitName is the queueing station whose visits waited longest on
	// average in the last try, and waitMs that mean wait: where a burst
	// queues, which the busy shares, averaged over every phase, hide.
	waitName string
	waitMs   float64
	// throttled counts the requests the last try's pools throttled, over
	// every pool.
	throttled int64
	// Limit is the concurrency limit of a pool whose provisioned
	// instances were sized (0: none), which caps them, and LimitName
	// the field that sets it.
	Limit     int
	LimitName string
	// Saturated, when no count met the SLO, names the stations the last
	// try kept 95 % busy or more (sim.SaturatedUtilization): where the
	// time went instead, if a queue took it.
	Saturated []string
}

// capped reports whether a limit caps a pool's provisioned instances:
// its own, or what the account's leaves it, which can be none.
func (s Sizing) capped() bool { return s.Limit > 0 || s.LimitName == "account_concurrency" }

// Met reports whether some count met the SLO.
func (s Sizing) Met() bool { return s.Found }

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
	head := fmt.Sprintf(sizingPrefix+"%s for a p99 of %s ms %s: ", s.subject(), msText(s.SLOP99Ms), s.load())
	if s.Met() {
		switch {
		case s.Provisioned:
			head += fmt.Sprintf("%d provisioned instances are the fewest that meet it, without throttles, errors or a saturated queue.", s.Count)
		case s.Pool:
			head += fmt.Sprintf("a limit of %d is the lowest that meets it, without throttles, errors or a saturated queue.", s.Count)
		default:
			head += fmt.Sprintf("%d replicas are the fewest that meet it, without errors or a saturated queue.", s.Count)
		}
	} else {
		last := s.Tries[len(s.Tries)-1]
		head += "no count met it"
		switch {
		case s.Provisioned && s.capped() && last.Count >= s.Limit:
			what := "the pool's concurrency limit"
			if s.LimitName != "max_concurrency" {
				what = "what the account's concurrency limit leaves the pool"
			}
			head += fmt.Sprintf(" up to %d, %s, which caps its provisioned instances (%s): raise the limit (%s).",
				s.Limit, what, s.use(last), s.LimitName)
		case last.Count >= MaxReplicas:
			head += fmt.Sprintf(" up to %d %s, the most tried.", MaxReplicas, s.words().counted)
		case s.Provisioned:
			head += fmt.Sprintf("; with %d provisioned (%s) no request waited for a cold start, so more would not help", last.Count, s.use(last)) + s.elsewhere()
		case len(s.Tries) < 2:
			head += "."
		default:
			prev := s.Tries[len(s.Tries)-2]
			use := s.use(last)
			if !s.Pool {
				use = s.Name + " is " + use
			}
			head += fmt.Sprintf("; from %d to %d %s the p99 went from %s to %s ms (%s), so more would not help",
				prev.Count, last.Count, s.words().counted, msText(prev.P99Ms), msText(last.P99Ms), use) + s.elsewhere()
		}
	}
	return head + " " + s.words().tried + " tried: " + strings.Join(tries, "; ") + "."
}

// elsewhere ends the text of a sizing that more of its count would not
// help: where the time goes instead.
func (s Sizing) elsewhere() string {
	if len(s.Saturated) > 0 {
		return fmt.Sprintf(": %s %s full.", strings.Join(s.Saturated, ", "), map[bool]string{true: "is", false: "are"}[len(s.Saturated) == 1])
	}
	if len(s.Phases) > 0 && s.waitMs >= s.SLOP99Ms/10 {
		// Busy shares average over every phase: a queue the busiest
		// phase fills can look roomy, but its waits show.
		return fmt.Sprintf(": requests queue for %s (%s ms on average), which the busiest phase fills.", s.waitName, msText(s.waitMs))
	}
	if len(s.Phases) > 0 {
		return ": no queue is long, and the time goes to service or delays."
	}
	// No queue is 95 % busy, but requests can still wait on one (a
	// lock whose waiters poll idles between their tries) and fail at a
	// concurrency limit: say so, rather than blame service and delays
	// alone.
	if why := s.waitsAndThrottles(); why != "" {
		return fmt.Sprintf(": no queue is full, but %s; %s not change that.", why, s.words().more)
	}
	return fmt.Sprintf(": no queue is full, and %s not shorten service or delays.", s.words().more)
}

// waitsAndThrottles says how long requests waited for the station they
// waited longest for, when that is a tenth of the SLO or more, and how
// many the pools throttled; "" for neither.
func (s Sizing) waitsAndThrottles() string {
	var parts []string
	if s.waitName != "" && s.waitMs >= s.SLOP99Ms/10 {
		parts = append(parts, fmt.Sprintf("requests wait %s ms on average for %s", msText(s.waitMs), s.waitName))
	}
	if s.throttled > 0 {
		parts = append(parts, fmt.Sprintf("%d were throttled at the functions' concurrency limits", s.throttled))
	}
	return strings.Join(parts, ", and ")
}

// subject names what was sized: "cpu", "the concurrency limit of pool
// functions" or "the provisioned instances of pool functions".
func (s Sizing) subject() string {
	switch {
	case s.Provisioned:
		return "the provisioned instances of pool " + s.Name
	case s.Account:
		return "the account's concurrency limit over every pool"
	case s.Pool:
		return "the concurrency limit of pool " + s.Name
	}
	return s.Name
}

// load says what it was sized for: "at 2000 req/s", or "in every second
// of 30 s at 1,000 req/s, then ...".
func (s Sizing) load() string {
	if len(s.Phases) > 0 {
		return "in every second of " + PhasesText(s.Phases)
	}
	return fmt.Sprintf("at %g req/s", s.Rate)
}

// sizingWords are the words a sizing's text uses for what it counts.
type sizingWords struct {
	counted string // "replicas"
	tried   string // "Replicas", as in "Replicas tried: ..."
	more    string // "replicas do", as in "replicas do not shorten ..."
}

func (s Sizing) words() sizingWords {
	if s.Provisioned {
		return sizingWords{counted: "provisioned instances", tried: "Provisioned instances", more: "more provisioned instances do"}
	}
	if s.Pool {
		return sizingWords{counted: "instances at once", tried: "Limits", more: "a higher limit does"}
	}
	return sizingWords{counted: "replicas", tried: "Replicas", more: "replicas do"}
}

// use says how much of the sized station or pool a try used.
func (s Sizing) use(t Try) string {
	if s.Provisioned {
		return fmt.Sprintf("%d throttled, %d cold starts, peak %d instances", t.Throttled, t.ColdStarts, t.PeakInstances)
	}
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
		why := s.waitsAndThrottles()
		switch {
		case s.Met() && s.Pool:
			parts = append(parts, fmt.Sprintf("%g req/s, a limit of %d", s.Rate, s.Count))
		case s.Met():
			parts = append(parts, fmt.Sprintf("%g req/s, %d replica%s", s.Rate, s.Count, map[bool]string{true: "s"}[s.Count != 1]))
		case len(s.Saturated) > 0:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it (%s full)", s.Rate, strings.Join(s.Saturated, ", ")))
		case why != "":
			parts = append(parts, fmt.Sprintf("%g req/s, none met it (%s)", s.Rate, why))
		default:
			parts = append(parts, fmt.Sprintf("%g req/s, none met it", s.Rate))
		}
	}
	return fmt.Sprintf("%s%s for a p99 of %s ms at each rate of the sweep (the steps are the predictions at those counts): %s.",
		sizingPrefix, ss[0].subject(), msText(ss[0].SLOP99Ms), strings.Join(parts, "; "))
}

// sizeKind is what a name sized names.
type sizeKind int

const (
	kindStation sizeKind = iota
	kindPool
	kindAccount
)

// sizable says whether name is a queueing station, a function pool or
// the account of m, and the count Size starts from.
func sizable(m sim.Model, name string) (kind sizeKind, start int, err error) {
	var names []string
	for _, st := range m.Stations {
		if st.Name == name {
			if st.IsDelay() {
				return kindStation, 0, fmt.Errorf("size %s: station %q is a delay, with unlimited servers: replicas do not change it", m.Name, name)
			}
			return kindStation, max(st.Replicas, 1), nil
		}
		if !st.IsDelay() {
			names = append(names, st.Name)
		}
	}
	for _, p := range m.Pools {
		if p.Name == name {
			return kindPool, max(p.MaxConcurrency, 1), nil
		}
		names = append(names, "pool "+p.Name)
	}
	if len(m.Pools) > 0 {
		if name == Account && onePool(m) {
			return kindAccount, max(m.Pools[0].MaxConcurrency, 1), nil
		}
		if name == Account {
			return kindAccount, max(m.AccountConcurrency, provisionedIn(m), 1), nil
		}
		names = append(names, Account+" (the account's limit over every pool)")
	}
	return kindStation, 0, fmt.Errorf("size %s: no queueing station or function pool %q; it has %s", m.Name, name, strings.Join(names, ", "))
}

// provisionedIn counts the provisioned instances of m's pools.
func provisionedIn(m sim.Model) int {
	n := 0
	for _, p := range m.Pools {
		n += p.Provisioned
	}
	return n
}

// SetAccount returns m with n as its account's concurrency limit over
// every pool; in a model whose one pool stands for every function, with
// no account limit of its own (calibrated from a result that did not
// record one), that pool's limit is the account's, and n is set there.
func SetAccount(m sim.Model, n int) sim.Model {
	if onePool(m) {
		return setLimit(m, m.Pools[0].Name, n)
	}
	m.AccountConcurrency = n
	return m
}

// onePool says whether m's one pool stands for the account (see
// SetAccount).
func onePool(m sim.Model) bool { return m.AccountConcurrency == 0 && len(m.Pools) == 1 }

// size is Size, with the simulation's own result at the count returned.
func size(ctx context.Context, m sim.Model, rate float64, name string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, sim.Result, error) {
	s := Sizing{Name: name, Rate: rate, SLOP99Ms: sloP99Ms}
	kind, start, err := sizable(m, name)
	if err != nil {
		return s, results.VariantResult{}, sim.Result{}, err
	}
	s.Pool, s.Account = kind != kindStation, kind == kindAccount
	z := sizer{start: start, least: 1, most: MaxReplicas,
		set: func(n int) sim.Model {
			switch kind {
			case kindAccount:
				return SetAccount(m, n)
			case kindPool:
				return setLimit(m, name, n)
			}
			sized, _ := SetReplicas(m, name, n)
			return sized
		},
		run: func(sized sim.Model) (results.VariantResult, sim.Result, error) { return At(ctx, sized, rate, opts...) },
		p99: func(_ results.VariantResult, r sim.Result) float64 { return r.Total.Latency.P99Ms },
	}
	return search(m, s, z)
}

// SizePhases sizes name for every second of phases, as Size sizes it for
// one rate, simulating each count through the phases as Phases does: the
// fewest replicas of a queueing station, or the fewest instances to
// provision in a function pool (warm from the start, never stopped: what
// takes a burst's cold starts away), with which no second's p99 exceeds
// sloP99Ms, every request completes and no queueing station saturates.
// Provisioned instances are capped by the pool's concurrency limit; when
// the limit is what throttles, the sizing says to raise it.
func SizePhases(ctx context.Context, m sim.Model, phases []sim.Phase, name string, sloP99Ms float64, opts ...Option) (Sizing, results.VariantResult, error) {
	return sizePhases(ctx, m, phases, name, sloP99Ms, nil, opts)
}

// sizePhases is SizePhases, with enough, when set, judging each count in
// place of the SLO.
func sizePhases(ctx context.Context, m sim.Model, phases []sim.Phase, name string, sloP99Ms float64, enough func(Try) bool, opts []Option) (Sizing, results.VariantResult, error) {
	s := Sizing{Name: name, Phases: phases, SLOP99Ms: sloP99Ms}
	if err := ValidatePhases(phases); err != nil {
		return s, results.VariantResult{}, fmt.Errorf("size %s through phases: %w", m.Name, err)
	}
	kind, start, err := sizable(m, name)
	if err != nil {
		return s, results.VariantResult{}, err
	}
	s.Pool, s.Provisioned, s.Account = kind != kindStation, kind == kindPool, kind == kindAccount
	z := sizer{start: start, least: 1, most: MaxReplicas,
		set: func(n int) sim.Model {
			if kind == kindAccount {
				return SetAccount(m, n)
			}
			sized, _ := SetReplicas(m, name, n)
			return sized
		},
		run: func(sized sim.Model) (results.VariantResult, sim.Result, error) {
			return Phases(ctx, sized, phases, opts...)
		},
		p99: func(v results.VariantResult, _ sim.Result) float64 {
			var worst float64
			for _, sec := range v.Series {
				worst = max(worst, sec.P99Ms)
			}
			return worst
		},
		enough: enough,
	}
	switch kind {
	case kindAccount:
		z.least = max(provisionedIn(m), 1)
	case kindPool:
		i := slices.IndexFunc(m.Pools, func(p sim.Pool) bool { return p.Name == name })
		own := m.Pools[i].Provisioned
		s.Limit, s.LimitName = m.Pools[i].MaxConcurrency, "max_concurrency"
		if a := m.AccountConcurrency; a > 0 && (s.Limit == 0 || a-provisionedIn(m)+own < s.Limit) {
			// The account reserves the other pools' provisioned
			// instances; the rest, maybe none, is what this pool can
			// provision.
			s.Limit, s.LimitName = max(a-provisionedIn(m)+own, 0), "account_concurrency"
		}
		z.start, z.least, z.set = own, 0, func(n int) sim.Model { return setProvisioned(m, name, n) }
		if s.capped() {
			z.start, z.most = min(own, s.Limit), s.Limit
		}
	}
	s, v, _, err := search(m, s, z)
	return s, v, err
}

// setProvisioned returns m with n instances provisioned in the pool named.
func setProvisioned(m sim.Model, pool string, n int) sim.Model {
	m.Pools = append([]sim.Pool(nil), m.Pools...)
	for i := range m.Pools {
		if p := &m.Pools[i]; p.Name == pool {
			p.Provisioned = n
		}
	}
	return m
}

// sizer is what a sizing varies and how it judges a count: set returns
// the model with a count, run simulates it, p99 reads the latency held to
// the SLO; counts go from start up to most, and none is below least (1,
// or 0 for provisioned instances).
type sizer struct {
	start, least, most int
	set                func(n int) sim.Model
	run                func(sim.Model) (results.VariantResult, sim.Result, error)
	p99                func(results.VariantResult, sim.Result) float64
	// enough, when set, judges a try in place of the SLO (see Try.Met).
	enough func(Try) bool
}

// search finds the count s names the subject of, as Size describes: it
// doubles the count from z.start until the SLO is met, then halves the
// gap to the last count that missed.
func search(m sim.Model, s Sizing, z sizer) (Sizing, results.VariantResult, sim.Result, error) {
	fail := func(err error) (Sizing, results.VariantResult, sim.Result, error) {
		return s, results.VariantResult{}, sim.Result{}, err
	}
	if !(s.SLOP99Ms > 0) {
		return fail(fmt.Errorf("size %s: the p99 SLO must be > 0 ms, but is %g", m.Name, s.SLOP99Ms))
	}
	type run struct {
		v results.VariantResult
		r sim.Result
	}
	runs := map[int]run{}
	try := func(n int) (Try, error) {
		v, r, err := z.run(z.set(n))
		if err != nil {
			return Try{}, err
		}
		t := Try{Count: n, P99Ms: z.p99(v, r),
			Errors: r.Total.Rejected + r.Total.Throttled + r.Total.Failed + r.Total.Unfinished}
		if st, ok := r.Station(s.Name); ok && !s.Pool {
			t.Utilization = st.Utilization
		}
		if p, ok := r.Pool(s.Name); ok && s.Pool && !s.Account {
			t.Throttled, t.PeakInstances, t.ColdStarts = p.Throttled, p.PeakInstances, p.ColdStarts
		}
		if s.Account {
			for _, p := range r.Pools {
				t.Throttled += p.Throttled
				t.ColdStarts += p.ColdStarts
			}
			for _, sec := range r.Seconds {
				t.PeakInstances = max(t.PeakInstances, sec.Instances)
			}
		}
		s.Saturated, s.waitName, s.waitMs, s.throttled = s.Saturated[:0], "", 0, 0
		for _, p := range r.Pools {
			s.throttled += p.Throttled
		}
		for _, st := range r.Stations {
			if st.Utilization >= sim.SaturatedUtilization {
				s.Saturated = append(s.Saturated, st.Name)
			}
			if st.MeanWaitMs > s.waitMs {
				s.waitName, s.waitMs = st.Name, st.MeanWaitMs
			}
		}
		// A saturated queue has no steady state: its p99 within the SLO
		// holds only for a run this short.
		t.Saturated = len(s.Saturated) > 0
		t.Met = t.Errors == 0 && t.P99Ms <= s.SLOP99Ms && !t.Saturated
		if z.enough != nil {
			t.Met = z.enough(t)
		}
		s.Tries = append(s.Tries, t)
		runs[n] = run{v, r}
		return t, nil
	}
	// Double until met, then bisect between the last miss and the first
	// count that met.
	missed, n := z.least-1, z.start
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
		// More replicas or a higher limit stop helping when they cut
		// neither errors nor the p99; more provisioned instances, once
		// no request waits for a cold start. (Provisioned instances
		// first stand in for the warm ones on demand, so a few more cut
		// nothing at first.)
		flat := before != nil && t.Errors >= before.Errors && t.P99Ms > (1-minGain)*before.P99Ms
		if s.Provisioned {
			flat = t.ColdStarts == 0
		}
		if flat || n >= z.most {
			last := runs[n]
			last.v.Notes = append(last.v.Notes, s.String())
			return s, last.v, last.r, nil
		}
		before = &t
		n = min(max(2*n, 1), z.most)
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
	s.Count, s.Found, s.Saturated = met, true, nil
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
