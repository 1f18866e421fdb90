package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultSeed is the seed Run uses without WithSeed: runs are
// reproducible unless asked otherwise.
const DefaultSeed uint64 = 1

// minDrainMs is the least time Run lets requests in flight finish after
// the arrivals end; it allows as long as the arrivals lasted if that is
// more.
const minDrainMs = 60_000

// ctxEvery is how many events Run simulates between two looks at its
// context.
const ctxEvery = 1 << 14

// Option changes how Run simulates a model.
type Option func(*config)

type config struct {
	seed     uint64
	duration float64 // seconds; < 0: the model's
	warmup   float64 // seconds; < 0: the model's
	requests int64   // measured arrivals to stop at; 0: by duration
	err      error
}

// WithSeed seeds the random numbers: the same model, options and seed
// give the same Result.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithDuration overrides the model's DurationSec.
func WithDuration(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.err = errors.Join(c.err, fmt.Errorf("WithDuration must be > 0, but is %v", d))
		}
		c.duration = d.Seconds()
	}
}

// WithWarmup overrides the model's WarmupSec.
func WithWarmup(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.err = errors.Join(c.err, fmt.Errorf("WithWarmup must be >= 0, but is %v", d))
		}
		c.warmup = d.Seconds()
	}
}

// WithRequests ends the arrivals once n requests have arrived after the
// warm-up, however long that takes (up to 1,000,000 s of simulated
// time): the model's DurationSec then no longer limits the run (bursts
// still must fall before it), and the measured window ends at the n-th
// arrival.
func WithRequests(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.err = errors.Join(c.err, fmt.Errorf("WithRequests must be >= 1, but is %d", n))
		}
		c.requests = int64(n)
	}
}

// Run simulates m and returns what it found. It validates m first (with
// the options' overrides applied) and returns the problems if m is not
// valid; it stops early with ctx's error if ctx ends.
func Run(ctx context.Context, m Model, opts ...Option) (Result, error) {
	cfg := config{seed: DefaultSeed, duration: -1, warmup: -1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return Result{}, fmt.Errorf("sim: run %q: %w", m.Name, cfg.err)
	}
	if cfg.duration >= 0 {
		m.DurationSec = cfg.duration
	}
	if cfg.warmup >= 0 {
		m.WarmupSec = cfg.warmup
	}
	if err := m.Validate(); err != nil {
		return Result{}, fmt.Errorf("sim: run %q: invalid model: %w", m.Name, err)
	}
	s := newSim(m, cfg)
	if err := s.run(ctx); err != nil {
		return Result{}, fmt.Errorf("sim: run %q: stopped at %.3f s of simulated time: %w", m.Name, s.now/1000, err)
	}
	return s.result(m, cfg), nil
}

// Event kinds.
const (
	evArrival  int32 = iota // the next Poisson arrival
	evBurst                 // a burst; ref: its index
	evReach                 // a request reaches its node after a hop
	evDone                  // a request's service at a station ends
	evPoolDone              // a request's invocation in a pool ends
	evFail                  // a failed request learns of its failure
	evMark                  // the warm-up ends, or the arrivals (ref 1)
	evScale                 // an autoscaler decides; ref: station
	evReady                 // a starting replica is ready; ref: station
	evPoll                  // a polling request tries for a server again
)

// Request flags.
const (
	fMeasured uint8 = 1 << iota // arrived in the measured window
	fDetached                   // an async visit's copy
	fStarting                   // at a pool's ColdStartStation, starting its instance
)

// request is a request in flight, pooled in sim.reqs and named by index.
type request struct {
	start float64 // arrival in the system, ms
	enq   float64 // arrival at the current station, ms
	class int32
	step  int32 // index of the current visit in the route
	at    int32 // node of the current visit; -1 before the first
	rep   int32 // station: replica; pool: 1 on a provisioned instance
	// held is the station whose server the request holds (Visit.Hold),
	// plus one (0: none), and heldRep that server's replica.
	held    int32
	heldRep int32
	// instance is the pool whose instance the request holds (Visit.Hold
	// on a pool), plus one, negative for a provisioned instance (0:
	// none), and instanceSince when its invocation's service ended.
	instance      int32
	instanceSince float64
	flags         uint8
	// polls counts the request's tries for a server of a polling station
	// (Station.PollMs) that found none free.
	polls uint16
}

// class is a compiled Class.
type class struct {
	name  string
	cum   float64 // cumulative weight, for drawing classes
	route []visit
}

type visit struct {
	node          int32 // < nst: a station; else a pool
	async         bool
	hold, release bool
	svc           sampler
	next          []jump
}

type jump struct {
	prob float64
	to   int32
}

// fault is a compiled Fault, in ms.
type fault struct {
	start, end float64
	down       bool
	factor     float64
	hasErr     bool
	errAfter   sampler
}

// faultAt returns the down fault covering t, if any, and otherwise the
// product of the slow factors covering t.
func faultAt(fs []fault, t float64) (*fault, float64) {
	factor := 1.0
	for i := range fs {
		f := &fs[i]
		if t >= f.start && t < f.end {
			if f.down {
				return f, 1
			}
			factor *= f.factor
		}
	}
	return nil, factor
}

// segment is a stretch of constant arrival rate, ending at end (ms).
type segment struct {
	end  float64
	rate float64 // per ms
}

// sim is one run's state. Times are in milliseconds.
type sim struct {
	rng    *rand.Rand
	now    float64
	seq    uint64
	events eventQueue
	nevent int64

	reqs []request
	free []int32

	classes  []class
	total    float64 // total class weight
	stations []station
	pools    []pool
	nst      int32
	hop      sampler
	hasHop   bool

	segs       []segment
	seg        int     // the segment of the next arrival, for nextArrival
	nowSeg     int     // the segment holding now, for load factors (segNow)
	stop       float64 // no Poisson arrival at or after it
	bursts     []Burst
	pendingArr int // arrival and burst events in the event queue
	open       bool
	limit      int64 // WithRequests' n; 0: none
	measured   int64 // measured arrivals so far

	warmup     float64
	end        float64 // the window's end, once ended
	ended      bool
	drainUntil float64

	inFlight    int // requests in the system (not async copies)
	inFlightAll int // requests and copies: the run ends when 0
	flightLast  float64
	flightArea  float64
	flightMark  [2]float64

	stats []classStats

	nextSecond   float64
	sec          Second
	sent         sentSeconds
	starting     map[int32]coldStart // requests whose instances start at a station, by index
	accountConc  int                 // Model.AccountConcurrency
	provisioned  int                 // the pools' provisioned instances, in all
	onDemandBusy int                 // instances of busyNow that are not provisioned
	seconds      []Second
	instancesNow int
	busyNow      int // instances serving a request (or starting for one), over all pools
	replicasNow  int
}

func newSim(m Model, cfg config) *sim {
	s := &sim{
		rng:         rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		nst:         int32(len(m.Stations)),
		warmup:      m.WarmupSec * 1000,
		stop:        m.DurationSec * 1000,
		bursts:      m.Arrivals.Bursts,
		open:        true,
		limit:       cfg.requests,
		end:         math.Inf(1),
		drainUntil:  math.Inf(1),
		nextSecond:  1000,
		accountConc: m.AccountConcurrency,
	}
	if s.limit > 0 {
		s.stop = maxDurationSec * 1000
	}
	if m.Hop != nil {
		s.hop, s.hasHop = compileDist(*m.Hop), true
	}
	node := make(map[string]int32, len(m.Stations)+len(m.Pools))
	for i, st := range m.Stations {
		node[st.Name] = int32(i)
		s.stations = append(s.stations, newStation(st))
		s.replicasNow += s.stations[i].replicas()
	}
	for i, p := range m.Pools {
		node[p.Name] = s.nst + int32(i)
		s.pools = append(s.pools, newPool(p))
		s.pools[i].coldAt = -1
		if p.ColdStartStation != "" {
			s.pools[i].coldAt = node[p.ColdStartStation]
			s.starting = map[int32]coldStart{}
		}
		s.instancesNow += p.Provisioned
		s.provisioned += p.Provisioned
	}
	for _, f := range m.Faults {
		cf := fault{start: f.StartSec * 1000, end: f.EndSec * 1000, down: f.Kind == FaultDown, factor: f.Factor}
		if f.ErrorAfter != nil {
			cf.hasErr, cf.errAfter = true, compileDist(*f.ErrorAfter)
		}
		if f.Station != "" {
			st := &s.stations[node[f.Station]]
			st.faults = append(st.faults, cf)
		} else {
			p := &s.pools[node[f.Pool]-s.nst]
			p.faults = append(p.faults, cf)
		}
	}
	for _, c := range m.Classes {
		s.total += c.Weight
		cc := class{name: c.Name, cum: s.total}
		for _, v := range c.Route {
			name := v.Station
			if name == "" {
				name = v.Pool
			}
			cv := visit{node: node[name], async: v.Async, hold: v.Hold, release: v.Release, svc: compileDist(v.Service)}
			for _, j := range v.Next {
				cv.next = append(cv.next, jump{prob: j.Prob, to: int32(j.To)})
			}
			cc.route = append(cc.route, cv)
		}
		s.classes = append(s.classes, cc)
		s.stats = append(s.stats, classStats{hist: hdrhistogram.New(1, maxHistUs, classSigFigs)})
	}
	var t float64
	for _, ph := range m.Arrivals.Phases {
		t += ph.DurationSec * 1000
		s.segs = append(s.segs, segment{end: t, rate: ph.RatePerSec / 1000})
	}
	s.segs = append(s.segs, segment{end: math.Inf(1), rate: m.Arrivals.RatePerSec / 1000})
	for i, st := range m.Stations {
		s.stations[i].loadScale = segmentFactors(st.LoadFactors, s.segs)
	}
	for i, p := range m.Pools {
		s.pools[i].loadScale = segmentFactors(p.LoadFactors, s.segs)
	}
	return s
}

func (s *sim) push(t float64, kind, ref int32) {
	s.seq++
	s.events.push(event{t: t, seq: s.seq, ref: ref, kind: kind})
}

func (s *sim) run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.warmup > 0 {
		s.push(s.warmup, evMark, 0)
	}
	s.push(s.stop, evMark, 1)
	if t := s.nextArrival(0); t < s.stop {
		s.push(t, evArrival, 0)
		s.pendingArr++
	}
	for i, b := range s.bursts {
		s.push(b.AtSec*1000, evBurst, int32(i))
		s.pendingArr++
	}
	for i := range s.stations {
		if a := s.stations[i].scale; a != nil {
			s.push(a.interval, evScale, int32(i))
		}
	}
	s.secMaxReset()
	for s.events.len() > 0 {
		ev := s.events.pop()
		if ev.t > s.drainUntil {
			break
		}
		if ev.t >= s.nextSecond {
			s.flushSeconds(ev.t)
		}
		s.now = ev.t
		switch ev.kind {
		case evReach:
			s.reach(ev.ref)
		case evDone:
			s.stationDone(ev.ref)
		case evPoolDone:
			s.poolDone(ev.ref)
		case evArrival:
			s.pendingArr--
			if s.open {
				if t := s.nextArrival(s.now); t < s.stop {
					s.push(t, evArrival, 0)
					s.pendingArr++
				}
				s.arrive()
			}
			s.dryUp()
		case evBurst:
			s.pendingArr--
			for range s.bursts[ev.ref].Requests {
				if !s.open {
					break
				}
				s.arrive()
			}
			s.dryUp()
		case evFail:
			s.failed(ev.ref)
		case evMark:
			if ev.ref == 0 {
				s.markWarm()
			} else {
				s.markEnd()
			}
		case evScale:
			s.autoscale(ev.ref)
		case evReady:
			s.replicaReady(ev.ref)
		case evPoll:
			s.pollAgain(ev.ref)
		}
		s.nevent++
		if s.ended && s.inFlightAll == 0 {
			break
		}
		if s.nevent%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if !s.ended {
		s.markEnd()
	}
	s.flushSeconds(s.now)
	s.appendSecond() // the last, partial second
	s.sent.settle(s.seconds, true)
	return nil
}

// dryUp ends the arrivals under WithRequests when none is left to come.
func (s *sim) dryUp() {
	if s.limit > 0 && s.pendingArr == 0 && !s.ended {
		s.markEnd()
	}
}

// nextArrival returns the time of the Poisson arrival after t, crossing
// phases (the process is memoryless, so a draw that overshoots a phase's
// end restarts at that end with the next rate), or +Inf if none comes.
func (s *sim) nextArrival(t float64) float64 {
	for {
		for t >= s.segs[s.seg].end {
			s.seg++
		}
		g := s.segs[s.seg]
		if g.rate > 0 {
			if t2 := t + s.rng.ExpFloat64()/g.rate; t2 < g.end {
				return t2
			}
		}
		if math.IsInf(g.end, 1) {
			return math.Inf(1)
		}
		t = g.end
	}
}

// segNow returns the index of the arrival segment that holds the current
// time, whose rate sets the load factors of services starting now. It is
// not s.seg, which nextArrival moves on to the next arrival's segment
// before the current arrival is simulated. Time never goes back, so the
// cursor only moves forward: amortised O(1) per call.
func (s *sim) segNow() int {
	for s.now >= s.segs[s.nowSeg].end {
		s.nowSeg++
	}
	return s.nowSeg
}

func (s *sim) pickClass() int32 {
	n := len(s.classes)
	if n == 1 {
		return 0
	}
	u := s.rng.Float64() * s.total
	for i := range n - 1 {
		if u < s.classes[i].cum {
			return int32(i)
		}
	}
	return int32(n - 1)
}

func (s *sim) alloc() int32 {
	s.inFlightAll++
	if n := len(s.free); n > 0 {
		ri := s.free[n-1]
		s.free = s.free[:n-1]
		return ri
	}
	s.reqs = append(s.reqs, request{})
	return int32(len(s.reqs) - 1)
}

// release frees the request's slot, and the server and instance it holds,
// if any: a request holds them until it leaves, whichever way it leaves.
func (s *sim) release(ri int32) {
	s.unhold(ri)
	s.unholdInstance(ri)
	s.inFlightAll--
	s.free = append(s.free, ri)
}

func (s *sim) touchFlight() {
	s.flightArea += float64(s.inFlight) * (s.now - s.flightLast)
	s.flightLast = s.now
}

// arrive brings one request into the system.
func (s *sim) arrive() {
	c := s.pickClass()
	ri := s.alloc()
	r := &s.reqs[ri]
	*r = request{start: s.now, enq: s.now, class: c, at: -1}
	measured := s.now >= s.warmup
	if measured {
		r.flags = fMeasured
		s.stats[c].arrivals++
		s.measured++
	}
	s.sec.Arrivals++
	s.sent.arrived(secondOf(s.now))
	s.touchFlight()
	s.inFlight++
	s.enter(ri)
	if measured && s.limit > 0 && s.measured >= s.limit {
		s.markEnd()
	}
}

// enter starts the request's current visit. Async visits spawn a copy
// and move the request on at once.
func (s *sim) enter(ri int32) {
	for {
		r := &s.reqs[ri]
		cl := &s.classes[r.class]
		v := &cl.route[r.step]
		if !v.async {
			if r.held != 0 && ((v.hold && v.node < s.nst) || r.held == v.node+1) {
				// A jump skipped the Release: one server at a time, and
				// never queued for behind the request's own.
				s.unhold(ri)
			}
			s.move(ri, v.node)
			return
		}
		ci := s.alloc()
		r = &s.reqs[ri]
		s.reqs[ci] = request{start: r.start, enq: s.now, class: r.class, step: r.step, at: r.at, flags: r.flags | fDetached}
		s.move(ci, v.node)
		r = &s.reqs[ri]
		r.step = s.nextStep(v, r.step)
		if int(r.step) == len(cl.route) {
			s.complete(ri)
			return
		}
	}
}

// move takes the request to node, over the network if it comes from
// another node.
func (s *sim) move(ri, node int32) {
	r := &s.reqs[ri]
	prev := r.at
	r.at = node
	if s.hasHop && prev >= 0 && prev != node {
		s.push(s.now+s.hop.sample(s.rng), evReach, ri)
		return
	}
	s.reach(ri)
}

func (s *sim) reach(ri int32) {
	r := &s.reqs[ri]
	r.enq = s.now
	if r.at < s.nst {
		s.stationArrive(ri, &s.stations[r.at])
	} else {
		s.poolArrive(ri, &s.pools[r.at-s.nst])
	}
}

// advance moves the request on after a visit: to a jump's target, to the
// next visit, or out of the system.
func (s *sim) advance(ri int32) {
	r := &s.reqs[ri]
	if r.flags&fDetached != 0 {
		s.release(ri)
		return
	}
	cl := &s.classes[r.class]
	next := s.nextStep(&cl.route[r.step], r.step)
	if int(next) == len(cl.route) {
		s.complete(ri)
		return
	}
	r.step = next
	s.enter(ri)
}

// nextStep returns the visit that follows visit v, at step, in its route:
// a jump's target, drawn by the jumps' probabilities, or the next one.
func (s *sim) nextStep(v *visit, step int32) int32 {
	if len(v.next) > 0 {
		u := s.rng.Float64()
		for _, j := range v.next {
			if u < j.prob {
				return j.to
			}
			u -= j.prob
		}
	}
	return step + 1
}

// leave takes a request (not a copy) out of the in-flight count.
func (s *sim) leave() {
	s.touchFlight()
	s.inFlight--
}

func (s *sim) complete(ri int32) {
	r := &s.reqs[ri]
	lat := s.now - r.start
	us := micros(lat)
	s.sec.Completed++
	s.sent.completed(secondOf(r.start), us, s.seconds)
	if r.flags&fMeasured != 0 {
		c := &s.stats[r.class]
		c.completed++
		c.latSum += lat
		c.latMax = max(c.latMax, lat)
		_ = c.hist.RecordValue(us)
	}
	s.leave()
	s.release(ri)
}

// fail fails the request at a down node, counting it in the node's
// counter, now or after the fault's ErrorAfter.
func (s *sim) fail(ri int32, f *fault, counter *int64) {
	if s.reqs[ri].flags&fMeasured != 0 {
		*counter++
	}
	if f.hasErr {
		s.push(s.now+f.errAfter.sample(s.rng), evFail, ri)
		return
	}
	s.failed(ri)
}

func (s *sim) failed(ri int32) {
	r := &s.reqs[ri]
	if r.flags&fDetached == 0 {
		s.sent.failed(secondOf(r.start), false, s.seconds)
		if r.flags&fMeasured != 0 {
			c := &s.stats[r.class]
			c.failed++
			c.failSum += s.now - r.start
		}
		s.leave()
	}
	s.release(ri)
}

// turnAway rejects (or throttles) the request, counting it in the node's
// counter.
func (s *sim) turnAway(ri int32, throttled bool, counter *int64) {
	r := &s.reqs[ri]
	measured := r.flags&fMeasured != 0
	if measured {
		*counter++
	}
	if r.flags&fDetached == 0 {
		s.sent.failed(secondOf(r.start), true, s.seconds)
		if measured {
			if throttled {
				s.stats[r.class].throttled++
			} else {
				s.stats[r.class].rejected++
			}
		}
		s.leave()
	}
	s.release(ri)
}

// markWarm starts the measured window.
func (s *sim) markWarm() {
	if s.ended {
		return
	}
	s.snapshot(0)
	for i := range s.stations {
		st := &s.stations[i]
		st.peak = st.replicas()
	}
	for i := range s.pools {
		p := &s.pools[i]
		p.peak = p.count
	}
}

// markEnd ends the arrivals and the measured window.
func (s *sim) markEnd() {
	if s.ended {
		return
	}
	s.ended, s.open = true, false
	s.end = s.now
	s.drainUntil = s.now + max(minDrainMs, s.now)
	s.snapshot(1)
}

// snapshot records the time integrals at the start (0) or end (1) of the
// window.
func (s *sim) snapshot(i int) {
	for k := range s.stations {
		st := &s.stations[k]
		st.touch(s.now)
		st.mark[i] = st.area
	}
	for k := range s.pools {
		p := &s.pools[k]
		s.expire(p, s.now)
		p.touch(s.now)
		p.mark[i] = p.area
	}
	s.touchFlight()
	s.flightMark[i] = s.flightArea
}

// flushSeconds closes every second that ends at or before t.
func (s *sim) flushSeconds(t float64) {
	for t >= s.nextSecond {
		for k := range s.pools {
			s.expire(&s.pools[k], s.nextSecond)
		}
		s.appendSecond()
		s.nextSecond += 1000
	}
}

func (s *sim) appendSecond() {
	sec := s.sec
	sec.Second = len(s.seconds)
	s.seconds = append(s.seconds, sec)
	s.sec = Second{}
	s.secMaxReset()
	s.sent.settle(s.seconds, false)
}

// secondOf returns the second of the run that holds time t (ms).
func secondOf(t float64) int { return int(t / 1000) }

func (s *sim) secMaxReset() {
	s.sec.Instances, s.sec.BusyInstances, s.sec.Replicas = s.instancesNow, s.busyNow, s.replicasNow
}

func (s *sim) result(m Model, cfg config) Result {
	window := max(0, s.end-s.warmup)
	if s.end < s.warmup {
		// The arrivals ended before the warm-up did: nothing was measured.
		s.flightMark[0] = s.flightMark[1]
		for i := range s.stations {
			s.stations[i].mark[0] = s.stations[i].mark[1]
		}
		for i := range s.pools {
			s.pools[i].mark[0] = s.pools[i].mark[1]
		}
	}
	windowSec := window / 1000
	res := Result{
		Label:        Label,
		Model:        m.Name,
		Seed:         cfg.seed,
		WarmupSec:    s.warmup / 1000,
		WindowSec:    windowSec,
		EndSec:       s.now / 1000,
		Events:       s.nevent,
		MeanInFlight: ratio(s.flightMark[1]-s.flightMark[0], window),
		Seconds:      s.seconds,
	}
	total := classStats{hist: hdrhistogram.New(1, maxHistUs, classSigFigs)}
	for i := range s.classes {
		c := &s.stats[i]
		res.Classes = append(res.Classes, c.result(s.classes[i].name, windowSec))
		total.arrivals += c.arrivals
		total.completed += c.completed
		total.rejected += c.rejected
		total.throttled += c.throttled
		total.failed += c.failed
		total.latSum += c.latSum
		total.latMax = max(total.latMax, c.latMax)
		total.failSum += c.failSum
		total.hist.Merge(c.hist)
	}
	res.Total = total.result("total", windowSec)
	for i, st := range m.Stations {
		res.Stations = append(res.Stations, s.stations[i].result(st, window))
	}
	for i, p := range m.Pools {
		res.Pools = append(res.Pools, s.pools[i].result(p))
	}
	return res
}
