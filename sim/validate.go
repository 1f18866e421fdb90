package sim

import (
	"errors"
	"fmt"
	"math"
)

// Bounds on a model's numbers. They keep a valid model from asking Run
// for absurd amounts of memory; nothing realistic comes near them.
const (
	// MaxDurationSec is the longest a model may run: its duration_sec,
	// and the arrivals' end under WithRequests, in simulated seconds.
	MaxDurationSec = maxDurationSec

	maxServers     = 1_000_000
	maxReplicas    = 10_000
	maxInstances   = 1_000_000
	maxBurst       = 1_000_000
	maxMemoryMB    = 1 << 20
	maxDurationSec = 1_000_000 // about 11.6 days
	maxMs          = 1e9       // about 11.6 days
	minIntervalSec = 0.1       // an autoscaler's shortest interval
	maxRatePerSec  = 10_000_000
)

// Load-balancing policies, for Station.Balance.
const (
	// BalanceRoundRobin sends requests to the ready replicas in turn.
	BalanceRoundRobin = "round_robin"
	// BalanceShortestQueue sends each request to the ready replica with
	// the fewest requests queued or in service (join the shortest queue).
	BalanceShortestQueue = "shortest_queue"
)

// Validate reports every problem with m, each naming its field as in the
// file (such as "stations[2].servers") and the values it may take; nil
// when Run can simulate m.
func (m Model) Validate() error {
	var v validator
	if m.Label != "" && m.Label != Label {
		v.addf("label must be %q or empty, but is %q", Label, m.Label)
	}
	v.seconds("duration_sec", m.DurationSec, false)
	v.seconds("warmup_sec", m.WarmupSec, true)
	if m.WarmupSec > 0 && m.WarmupSec >= m.DurationSec {
		v.addf("warmup_sec must be less than duration_sec (%g), but is %g", m.DurationSec, m.WarmupSec)
	}
	m.validateArrivals(&v)
	if m.Hop != nil {
		m.Hop.validate(&v, "hop")
	}

	names := make(map[string]string) // name → field that defined it
	kinds := make(map[string]string) // name → "station" or "pool"
	define := func(field, name, kind string) {
		if name == "" {
			v.addf("%s must name the %s, but is empty", field, kind)
			return
		}
		if prev, ok := names[name]; ok {
			v.addf("%s must be unique among stations and pools, but %q is also %s", field, name, prev)
			return
		}
		names[name], kinds[name] = field, kind
	}
	delays := make(map[string]bool) // stations with a server per request
	for i, s := range m.Stations {
		p := fmt.Sprintf("stations[%d]", i)
		define(p+".name", s.Name, "station")
		delays[s.Name] = s.IsDelay()
		s.validate(&v, p)
	}
	provisioned := 0
	for i, pl := range m.Pools {
		p := fmt.Sprintf("pools[%d]", i)
		define(p+".name", pl.Name, "pool")
		pl.validate(&v, p)
		provisioned += pl.Provisioned
		if cs := pl.ColdStartStation; cs != "" {
			if isDelay, ok := delays[cs]; !ok || isDelay {
				v.addf("%s.cold_start_station must name a station with servers, but is %q", p, cs)
			}
		}
	}
	v.intRange("account_concurrency", m.AccountConcurrency, 0, maxInstances)
	if m.AccountConcurrency > 0 && provisioned > m.AccountConcurrency {
		v.addf("the pools' provisioned instances (%d in all) must not exceed account_concurrency (%d)", provisioned, m.AccountConcurrency)
	}
	if m.AccountConcurrency > 0 && len(m.Pools) == 0 {
		v.addf("account_concurrency bounds the pools' instances, but the model has no pool")
	}
	// target checks that exactly one of station and pool is set and names
	// one of its kind.
	target := func(p, station, pool string) {
		switch {
		case station == "" && pool == "":
			v.addf("%s must set station or pool, but sets neither", p)
		case station != "" && pool != "":
			v.addf("%s must set station or pool, not both, but sets %q and %q", p, station, pool)
		case station != "" && kinds[station] != "station":
			v.addf("%s.station must name one of the stations, but is %q", p, station)
		case pool != "" && kinds[pool] != "pool":
			v.addf("%s.pool must name one of the pools, but is %q", p, pool)
		}
	}

	if len(m.Classes) == 0 {
		v.addf("classes must list at least one class, but is empty")
	}
	classNames := make(map[string]bool)
	var weights float64 // the running sum Run draws classes from
	for i, c := range m.Classes {
		p := fmt.Sprintf("classes[%d]", i)
		switch {
		case c.Name == "":
			v.addf("%s.name must name the class, but is empty", p)
		case classNames[c.Name]:
			v.addf("%s.name must be unique among classes, but %q repeats", p, c.Name)
		}
		classNames[c.Name] = true
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
			v.addf("%s.weight must be > 0, but is %g", p, c.Weight)
		} else if sum := weights + c.Weight; math.IsInf(sum, 0) && !math.IsInf(weights, 0) {
			// Past +Inf every draw falls on the last class.
			v.addf("%s.weight must keep the sum of the classes' weights finite (at most %g; scale every weight down), but is %g, which brings the sum to +Inf", p, math.MaxFloat64, c.Weight)
		}
		if c.Weight > 0 {
			weights += c.Weight
		}
		if len(c.Route) == 0 {
			v.addf("%s.route must list at least one visit, but is empty", p)
		}
		held, heldAt := "", 0 // the station held, in route order, and where
		instanceAt := -1      // the visit that holds a pool's instance
		for j, vis := range c.Route {
			vp := fmt.Sprintf("%s.route[%d]", p, j)
			target(vp, vis.Station, vis.Pool)
			vis.Service.validate(&v, vp+".service")
			switch {
			case held != "" && vis.Station == held:
				v.addf("%s.station must not be %q, whose server the request holds from route[%d] (hold) until its release: it would queue behind itself", vp, held, heldAt)
			case vis.Hold && held != "" && vis.Pool == "":
				v.addf("%s.hold must wait for a release of the server held from route[%d]: a request holds one server at a time", vp, heldAt)
			}
			switch {
			case vis.Hold && vis.Release:
				v.addf("%s sets both hold and release: a visit takes a server to hold or frees one, not both", vp)
			case (vis.Hold || vis.Release) && vis.Async:
				v.addf("%s.async must be false on a visit that holds or releases a server: an async copy holds nothing", vp)
			case vis.Hold && delays[vis.Station]:
				v.addf("%s.hold must be on a station with servers or a pool, not on a delay station (which has a server for every request), but the visit is to %q", vp, vis.Station)
			case vis.Hold && vis.Pool != "" && instanceAt >= 0:
				v.addf("%s.hold must not take a second instance: route[%d] holds one until the request leaves", vp, instanceAt)
			case vis.Hold && vis.Pool != "":
				instanceAt = j
			case vis.Hold:
				held, heldAt = vis.Station, j
			case vis.Release && held == "":
				v.addf("%s.release must follow a visit that holds a server (hold), but none comes before it", vp)
			case vis.Release:
				held = ""
			}
			var sum float64
			for k, jmp := range vis.Next {
				jp := fmt.Sprintf("%s.next[%d]", vp, k)
				if !(jmp.Prob > 0 && jmp.Prob <= 1) {
					v.addf("%s.prob must be in (0, 1], but is %g", jp, jmp.Prob)
				}
				sum += jmp.Prob
				if jmp.To < 0 || jmp.To > len(c.Route) {
					v.addf("%s.to must be a visit's index, 0 to %d, or %d to leave, but is %d",
						jp, len(c.Route)-1, len(c.Route), jmp.To)
				}
			}
			if sum > 1+1e-9 {
				v.addf("%s.next's probabilities must add up to at most 1, but add up to %g", vp, sum)
			}
		}
		if loop := c.trap(); loop >= 0 {
			v.addf("%s.route must let every request leave, but from route[%d] a request can never leave", p, loop)
		}
	}

	for i, f := range m.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		target(p, f.Station, f.Pool)
		v.seconds(p+".start_sec", f.StartSec, true)
		v.seconds(p+".end_sec", f.EndSec, false)
		if f.EndSec <= f.StartSec {
			v.addf("%s.end_sec must be after start_sec (%g), but is %g", p, f.StartSec, f.EndSec)
		}
		switch f.Kind {
		case FaultDown:
			if f.Factor != 0 {
				v.addf("%s.factor is only for kind %q and must be 0 or absent, but is %g", p, FaultSlow, f.Factor)
			}
			if f.ErrorAfter != nil {
				f.ErrorAfter.validate(&v, p+".error_after")
			}
		case FaultSlow:
			if !(f.Factor > 0) || f.Factor > maxMs {
				v.addf("%s.factor must be > 0 and at most %g, but is %g", p, maxMs, f.Factor)
			}
			if f.ErrorAfter != nil {
				v.addf("%s.error_after is only for kind %q and must be absent", p, FaultDown)
			}
		default:
			v.addf("%s.kind must be %q or %q, but is %q", p, FaultDown, FaultSlow, f.Kind)
		}
	}
	return errors.Join(v.errs...)
}

func (m Model) validateArrivals(v *validator) {
	a := m.Arrivals
	v.rate("arrivals.rate_per_sec", a.RatePerSec)
	some := a.RatePerSec > 0 || len(a.Bursts) > 0
	for i, ph := range a.Phases {
		p := fmt.Sprintf("arrivals.phases[%d]", i)
		v.seconds(p+".duration_sec", ph.DurationSec, false)
		v.rate(p+".rate_per_sec", ph.RatePerSec)
		some = some || ph.RatePerSec > 0
	}
	for i, b := range a.Bursts {
		p := fmt.Sprintf("arrivals.bursts[%d]", i)
		v.seconds(p+".at_sec", b.AtSec, true)
		if b.AtSec >= m.DurationSec {
			v.addf("%s.at_sec must be before duration_sec (%g), but is %g", p, m.DurationSec, b.AtSec)
		}
		if b.Requests < 1 || b.Requests > maxBurst {
			v.addf("%s.requests must be 1 to %d, but is %d", p, maxBurst, b.Requests)
		}
	}
	if !some {
		v.addf("arrivals must bring requests: rate_per_sec, a phase's rate_per_sec or bursts must be set, but all are zero or empty")
	}
}

// maxPolls bounds a station's PollMs schedule.
const maxPolls = 64

// validatePoll checks a station's polling (PollMs, PollTimeoutMs).
func (s Station) validatePoll(v *validator, p string) {
	if len(s.PollMs) == 0 {
		if s.PollTimeoutMs != 0 {
			v.addf("%s.poll_timeout_ms needs poll_ms: only requests that poll can time out polling", p)
		}
		return
	}
	switch {
	case s.Delay:
		v.addf("%s.poll_ms must be absent on a delay station (nothing waits for a server)", p)
	case s.QueueLimit != 0:
		v.addf("%s.poll_ms and queue_limit exclude each other: requests that poll do not queue", p)
	case s.Autoscale != nil:
		v.addf("%s.poll_ms and autoscale exclude each other: requests that poll stay with their replica", p)
	}
	if len(s.PollMs) > maxPolls {
		v.addf("%s.poll_ms holds at most %d delays, but %d", p, maxPolls, len(s.PollMs))
	}
	for i, d := range s.PollMs {
		if !(d > 0) || math.IsInf(d, 0) {
			v.addf("%s.poll_ms[%d] must be a positive number of ms, but is %g", p, i, d)
		}
	}
	if !(s.PollTimeoutMs >= 0) || math.IsInf(s.PollTimeoutMs, 0) {
		v.addf("%s.poll_timeout_ms must be 0 (no limit) or a positive number of ms, but is %g", p, s.PollTimeoutMs)
	}
}

func (s Station) validate(v *validator, p string) {
	if s.Delay {
		// A delay has a server per request: nothing to size, queue or scale.
		if s.Servers != 0 {
			v.addf("%s.servers must be 0 or absent on a delay station (it has a server for every request), but is %d", p, s.Servers)
		}
		if s.QueueLimit != 0 {
			v.addf("%s.queue_limit must be 0 or absent on a delay station (nothing queues), but is %d", p, s.QueueLimit)
		}
		if s.Autoscale != nil {
			v.addf("%s.autoscale must be absent on a delay station (it never runs out of servers)", p)
		}
		if s.Lock {
			v.addf("%s.lock must be false on a delay station (a server for every request holds nothing back)", p)
		}
	} else {
		v.intRange(p+".servers", s.Servers, 1, maxServers)
	}
	s.validatePoll(v, p)
	v.intRange(p+".replicas", s.Replicas, 0, maxReplicas)
	switch s.Balance {
	case "", BalanceRoundRobin, BalanceShortestQueue:
	default:
		v.addf("%s.balance must be %q or %q (or empty for %q), but is %q",
			p, BalanceRoundRobin, BalanceShortestQueue, BalanceRoundRobin, s.Balance)
	}
	v.intRange(p+".queue_limit", s.QueueLimit, 0, math.MaxInt32)
	v.intRange(p+".memory_mb", s.MemoryMB, 0, maxMemoryMB)
	validateLoadFactors(v, p+".load_factors", s.LoadFactors)
	a := s.Autoscale
	if a == nil {
		return
	}
	ap := p + ".autoscale"
	v.intRange(ap+".min", a.Min, 1, maxReplicas)
	v.intRange(ap+".max", a.Max, max(a.Min, 1), maxReplicas)
	if s.Replicas != 0 && (s.Replicas < a.Min || s.Replicas > a.Max) {
		v.addf("%s.replicas must be 0 or within autoscale's min and max (%d to %d), but is %d", p, a.Min, a.Max, s.Replicas)
	}
	if !(a.TargetUtilization > 0 && a.TargetUtilization <= 1) {
		v.addf("%s.target_utilization must be in (0, 1], but is %g", ap, a.TargetUtilization)
	}
	if !(a.IntervalSec >= minIntervalSec && a.IntervalSec <= maxDurationSec) {
		v.addf("%s.interval_sec must be %g to %d, but is %g", ap, minIntervalSec, maxDurationSec, a.IntervalSec)
	}
	v.seconds(ap+".startup_sec", a.StartupSec, true)
}

func (pl Pool) validate(v *validator, p string) {
	v.intRange(p+".memory_mb", pl.MemoryMB, 1, maxMemoryMB)
	pl.ColdStart.validate(v, p+".cold_start")
	v.seconds(p+".keep_alive_sec", pl.KeepAliveSec, true)
	v.intRange(p+".max_concurrency", pl.MaxConcurrency, 0, maxInstances)
	hi := maxInstances
	if pl.MaxConcurrency > 0 {
		hi = pl.MaxConcurrency
	}
	v.intRange(p+".provisioned", pl.Provisioned, 0, hi)
	validateLoadFactors(v, p+".load_factors", pl.LoadFactors)
}

// validate checks d, naming its fields under path; it reports whether it
// found a problem.
func (d Dist) validate(v *validator, path string) bool {
	n := len(v.errs)
	f := func(name string) string { return path + "." + name }
	unused := func(name string, x float64) {
		if x != 0 {
			v.addf("%s is not used by kind %q and must be 0 or absent, but is %g", f(name), d.Kind, x)
		}
	}
	noQuantiles := func() {
		if len(d.Quantiles) > 0 {
			v.addf("%s is only for kind %q and must be absent, but has %d points", f("quantiles"), KindEmpirical, len(d.Quantiles))
		}
	}
	switch d.Kind {
	case KindExponential:
		v.ms(f("mean_ms"), d.MeanMs, false)
		unused("median_ms", d.MedianMs)
		unused("p99_ms", d.P99Ms)
		noQuantiles()
	case KindDeterministic:
		v.ms(f("mean_ms"), d.MeanMs, true)
		unused("median_ms", d.MedianMs)
		unused("p99_ms", d.P99Ms)
		noQuantiles()
	case KindLogNormal:
		unused("mean_ms", d.MeanMs)
		v.ms(f("median_ms"), d.MedianMs, false)
		v.ms(f("p99_ms"), d.P99Ms, false)
		if d.MedianMs > 0 && d.P99Ms <= d.MedianMs {
			v.addf("%s must be greater than median_ms (%g), but is %g", f("p99_ms"), d.MedianMs, d.P99Ms)
		}
		noQuantiles()
	case KindEmpirical:
		unused("mean_ms", d.MeanMs)
		unused("median_ms", d.MedianMs)
		unused("p99_ms", d.P99Ms)
		q := d.Quantiles
		if len(q) < 2 {
			v.addf("%s must have at least 2 points, from q 0 to q 1, but has %d", f("quantiles"), len(q))
			break
		}
		if q[0].Q != 0 {
			v.addf("%s[0].q must be 0, but is %g", f("quantiles"), q[0].Q)
		}
		if q[len(q)-1].Q != 1 {
			v.addf("%s[%d].q must be 1, but is %g", f("quantiles"), len(q)-1, q[len(q)-1].Q)
		}
		for i, p := range q {
			qp := fmt.Sprintf("%s[%d]", f("quantiles"), i)
			if !(p.Q >= 0 && p.Q <= 1) {
				v.addf("%s.q must be in [0, 1], but is %g", qp, p.Q)
			}
			v.ms(qp+".ms", p.Ms, true)
			if i > 0 && !(p.Q > q[i-1].Q) {
				v.addf("%s.q must be greater than the previous point's (%g), but is %g", qp, q[i-1].Q, p.Q)
			}
			if i > 0 && p.Ms < q[i-1].Ms {
				v.addf("%s.ms must be at least the previous point's (%g), but is %g", qp, q[i-1].Ms, p.Ms)
			}
		}
	default:
		v.addf("%s must be %q, %q, %q or %q, but is %q", f("kind"),
			KindExponential, KindDeterministic, KindLogNormal, KindEmpirical, d.Kind)
	}
	return len(v.errs) > n
}

// trap returns the index of a visit from which a request, having reached
// it, can never leave the route (a certain loop), or -1 if every request
// leaves with probability 1. It tolerates invalid jumps, which Validate
// reports separately.
func (c Class) trap() int {
	n := len(c.Route)
	if n == 0 {
		return -1
	}
	// succ lists the visits (n = leaving) that can follow visit i.
	succ := func(i int, yield func(int)) {
		var sum float64
		for _, j := range c.Route[i].Next {
			if j.To >= 0 && j.To <= n && j.Prob > 0 {
				yield(j.To)
			}
			sum += j.Prob
		}
		if sum < 1-1e-9 {
			yield(i + 1)
		}
	}
	// leaves[i]: visit i can reach the exit. Iterate to a fixed point;
	// routes are short.
	leaves := make([]bool, n+1)
	leaves[n] = true
	for changed := true; changed; {
		changed = false
		for i := n - 1; i >= 0; i-- {
			if leaves[i] {
				continue
			}
			succ(i, func(j int) {
				if leaves[j] {
					leaves[i] = true
				}
			})
			changed = changed || leaves[i]
		}
	}
	// Visits reachable from the first.
	seen := make([]bool, n+1)
	stack := []int{0}
	seen[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !leaves[i] {
			return i
		}
		if i == n {
			continue
		}
		succ(i, func(j int) {
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		})
	}
	return -1
}

// validator collects problems.
type validator struct{ errs []error }

func (v *validator) addf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) intRange(field string, x, lo, hi int) {
	if x < lo || x > hi {
		v.addf("%s must be %d to %d, but is %d", field, lo, hi, x)
	}
}

// seconds checks a time in seconds: finite, at most maxDurationSec, and
// > 0 (or ≥ 0 when zero is allowed).
func (v *validator) seconds(field string, x float64, zeroOK bool) {
	switch {
	case zeroOK && !(x >= 0 && x <= maxDurationSec):
		v.addf("%s must be >= 0 and at most %d, but is %g", field, maxDurationSec, x)
	case !zeroOK && !(x > 0 && x <= maxDurationSec):
		v.addf("%s must be > 0 and at most %d, but is %g", field, maxDurationSec, x)
	}
}

// ms checks a time in milliseconds like seconds does.
func (v *validator) ms(field string, x float64, zeroOK bool) {
	switch {
	case zeroOK && !(x >= 0 && x <= maxMs):
		v.addf("%s must be >= 0 and at most %g, but is %g", field, maxMs, x)
	case !zeroOK && !(x > 0 && x <= maxMs):
		v.addf("%s must be > 0 and at most %g, but is %g", field, maxMs, x)
	}
}

// rate checks an arrival rate: ≥ 0 and at most maxRatePerSec.
func (v *validator) rate(field string, x float64) {
	if !(x >= 0 && x <= maxRatePerSec) {
		v.addf("%s must be >= 0 and at most %g, but is %g", field, float64(maxRatePerSec), x)
	}
}
