package sim

import "math"

// autoscaleTolerance is the relative distance from the target utilisation
// within which an autoscaler does nothing, as Kubernetes' HPA.
const autoscaleTolerance = 0.1

// Replica states.
const (
	repFree     uint8 = iota // the slot is unused
	repReady                 // receives requests
	repDraining              // removed by the autoscaler, finishing its requests
)

// replica is one replica of a station: servers and a FIFO queue.
type replica struct {
	busy  int32
	state uint8
	q     deque[int32]
}

// scaler is a compiled Autoscale, in ms.
type scaler struct {
	min, max                  int
	target, interval, startup float64
}

// station is a station's state during a run.
type station struct {
	servers    int32
	queueLimit int
	jsq        bool
	reps       []replica
	active     []int32 // ready replicas, for the load balancer
	freeSlots  []int32
	rr         uint32
	faults     []fault
	loadScale  []float64 // service-time factor per arrival segment; nil: 1
	scale      *scaler
	// poll and pollTimeout are Station.PollMs and PollTimeoutMs.
	poll        []float64
	pollTimeout float64
	starting    int
	draining    int
	memoryMB    int

	// busy and queued count over all replicas. area integrates, in
	// ms × count, the busy servers, the queued requests, the servers of
	// ready and draining replicas, and the replicas that exist; mark holds
	// area at the window's start and end.
	busy, queued int
	last         float64
	area         [4]float64
	mark         [2][4]float64
	// scaleBusy and scaleCap are area's busy and capacity at the last
	// autoscaling decision.
	scaleBusy, scaleCap float64

	peak                                     int
	visits, served, waited, rejected, failed int64
	waitSum                                  float64
}

func newStation(m Station) station {
	servers := int32(m.Servers)
	if m.Delay {
		servers = math.MaxInt32 // a server for every request
	}
	st := station{
		servers:     servers,
		queueLimit:  m.QueueLimit,
		jsq:         m.Balance == BalanceShortestQueue,
		memoryMB:    m.MemoryMB,
		poll:        m.PollMs,
		pollTimeout: m.PollTimeoutMs,
	}
	n := m.Replicas
	if a := m.Autoscale; a != nil {
		st.scale = &scaler{
			min: a.Min, max: a.Max, target: a.TargetUtilization,
			interval: a.IntervalSec * 1000, startup: a.StartupSec * 1000,
		}
		if n == 0 {
			n = a.Min
		}
	}
	for range max(n, 1) {
		st.addReplica()
	}
	st.peak = st.replicas()
	return st
}

// replicas counts the replicas that exist: starting, ready or draining.
func (st *station) replicas() int { return st.starting + len(st.active) + st.draining }

// touch brings the time integrals up to now.
func (st *station) touch(now float64) {
	dt := now - st.last
	if dt <= 0 {
		return
	}
	st.area[0] += float64(st.busy) * dt
	st.area[1] += float64(st.queued) * dt
	st.area[2] += float64(int(st.servers)*(len(st.active)+st.draining)) * dt
	st.area[3] += float64(st.replicas()) * dt
	st.last = now
}

// addReplica adds a ready replica.
func (st *station) addReplica() {
	var k int32
	if n := len(st.freeSlots); n > 0 {
		k = st.freeSlots[n-1]
		st.freeSlots = st.freeSlots[:n-1]
	} else {
		st.reps = append(st.reps, replica{})
		k = int32(len(st.reps) - 1)
	}
	st.reps[k].state = repReady
	st.active = append(st.active, k)
}

func (st *station) load(k int32) int32 { return st.reps[k].busy + int32(st.reps[k].q.len()) }

// pick chooses the replica for an arriving request.
func (st *station) pick() int32 {
	n := len(st.active)
	if n == 1 {
		return st.active[0]
	}
	st.rr++
	start := int(st.rr % uint32(n))
	best := st.active[start]
	if !st.jsq {
		return best
	}
	bl := st.load(best)
	for i := 1; i < n && bl > 0; i++ {
		k := st.active[(start+i)%n]
		if l := st.load(k); l < bl {
			best, bl = k, l
		}
	}
	return best
}

func (s *sim) replicasChanged(st *station, delta int) {
	s.replicasNow += delta
	s.sec.Replicas = max(s.sec.Replicas, s.replicasNow)
	st.peak = max(st.peak, st.replicas())
}

func (s *sim) stationArrive(ri int32, st *station) {
	r := &s.reqs[ri]
	if r.flags&fMeasured != 0 {
		st.visits++
	}
	starting := r.flags&fStarting != 0 // never failed or turned away: the instance is on its way
	if len(st.faults) > 0 && !starting {
		if f, _ := faultAt(st.faults, s.now); f != nil {
			s.fail(ri, f, &st.failed)
			return
		}
	}
	k := st.pick()
	rep := &st.reps[k]
	r.rep = k
	if rep.busy < st.servers {
		s.serve(ri, st, rep)
		return
	}
	if len(st.poll) > 0 {
		st.touch(s.now)
		st.queued++
		r.polls = 0
		s.sleepToPoll(ri, st)
		return
	}
	if st.queueLimit > 0 && rep.q.len() >= st.queueLimit && !starting {
		s.turnAway(ri, false, &st.rejected)
		return
	}
	st.touch(s.now)
	st.queued++
	rep.q.pushBack(ri)
}

// sleepToPoll schedules the next try of a request that found no server of
// its replica free at a polling station (Station.PollMs), or fails it once
// it has polled for the station's timeout. It counts among st's queued.
func (s *sim) sleepToPoll(ri int32, st *station) {
	r := &s.reqs[ri]
	// The deadline is a time, not a length compared with now − enq: a
	// last sleep cut to end there wakes exactly at it.
	deadline := math.Inf(1)
	if st.pollTimeout > 0 {
		deadline = r.enq + st.pollTimeout
	}
	if s.now >= deadline {
		st.touch(s.now)
		st.queued--
		if r.flags&fMeasured != 0 {
			st.failed++
		}
		s.failed(ri)
		return
	}
	d := st.poll[min(int(r.polls), len(st.poll)-1)]
	if r.polls < math.MaxUint16 {
		r.polls++
	}
	s.push(min(s.now+d, deadline), evPoll, ri)
}

// pollAgain is a polling request's next try: it takes a server of its
// replica if one is free, and otherwise sleeps again.
func (s *sim) pollAgain(ri int32) {
	r := &s.reqs[ri]
	st := &s.stations[r.at]
	rep := &st.reps[r.rep]
	if rep.busy < st.servers {
		st.touch(s.now)
		st.queued--
		s.serve(ri, st, rep)
		return
	}
	s.sleepToPoll(ri, st)
}

// serve gives the request a server of rep and schedules the end of its
// service.
func (s *sim) serve(ri int32, st *station, rep *replica) {
	r := &s.reqs[ri]
	st.touch(s.now)
	st.busy++
	rep.busy++
	var svc float64
	if r.flags&fStarting != 0 {
		svc = s.starting[ri].cold
	} else {
		draw := &s.classes[r.class].route[r.step].svc
		svc = draw.sample(s.rng)
		if st.loadScale != nil {
			svc = draw.loaded(svc, st.loadScale[s.segNow()])
		}
	}
	if len(st.faults) > 0 {
		_, f := faultAt(st.faults, s.now)
		svc *= f
	}
	if r.flags&fMeasured != 0 {
		st.served++
		if w := s.now - r.enq; w > 0 {
			st.waited++
			st.waitSum += w
		}
	}
	s.push(s.now+svc, evDone, ri)
}

func (s *sim) stationDone(ri int32) {
	r := &s.reqs[ri]
	st := &s.stations[r.at]
	if r.flags&fStarting != 0 {
		s.freeServer(st, r.rep)
		s.started(ri)
		return
	}
	v := &s.classes[r.class].route[r.step]
	switch {
	case v.hold:
		r.held, r.heldRep = r.at+1, r.rep // kept: see Visit.Hold
	default:
		s.freeServer(st, r.rep)
		if v.release {
			s.unhold(ri)
		}
	}
	if len(st.faults) > 0 {
		if f, _ := faultAt(st.faults, s.now); f != nil {
			s.fail(ri, f, &st.failed)
			return
		}
	}
	s.advance(ri)
}

// freeServer frees a server of replica k of st: the next request in its
// queue gets it.
func (s *sim) freeServer(st *station, k int32) {
	rep := &st.reps[k]
	st.touch(s.now)
	st.busy--
	rep.busy--
	switch {
	case rep.q.len() > 0:
		st.queued--
		s.serve(rep.q.popFront(), st, rep)
	case rep.state == repDraining && rep.busy == 0:
		s.retire(st, k)
	}
}

// unhold frees the server the request holds (Visit.Hold), if any.
func (s *sim) unhold(ri int32) {
	r := &s.reqs[ri]
	if r.held == 0 {
		return
	}
	st, k := &s.stations[r.held-1], r.heldRep
	r.held = 0
	s.freeServer(st, k)
}

// retire removes an idle replica that is draining or being drained.
func (s *sim) retire(st *station, k int32) {
	if st.reps[k].state == repDraining {
		st.draining--
	}
	st.reps[k].state = repFree
	st.freeSlots = append(st.freeSlots, k)
	s.replicasChanged(st, -1)
}

// autoscale makes the autoscaler's periodic decision for station k.
func (s *sim) autoscale(k int32) {
	st := &s.stations[k]
	a := st.scale
	s.push(s.now+a.interval, evScale, k)
	st.touch(s.now)
	busy, capacity := st.area[0]-st.scaleBusy, st.area[2]-st.scaleCap
	st.scaleBusy, st.scaleCap = st.area[0], st.area[2]
	if capacity <= 0 {
		return
	}
	u := busy / capacity
	if math.Abs(u/a.target-1) <= autoscaleTolerance {
		return
	}
	ready := len(st.active)
	desired := int(math.Ceil(float64(ready)*u/a.target - 1e-9))
	desired = min(max(desired, a.min), a.max)
	total := ready + st.starting
	switch {
	case desired > total:
		for range desired - total {
			st.starting++
			s.replicasChanged(st, 1)
			s.push(s.now+a.startup, evReady, k)
		}
	case desired < total:
		for range min(total-desired, ready-1) {
			s.drainOne(st)
		}
	}
}

// drainOne takes the least loaded ready replica out of the load
// balancer; it goes once it has finished its requests.
func (s *sim) drainOne(st *station) {
	bi := 0
	for i := 1; i < len(st.active); i++ {
		if st.load(st.active[i]) < st.load(st.active[bi]) {
			bi = i
		}
	}
	k := st.active[bi]
	last := len(st.active) - 1
	st.active[bi] = st.active[last]
	st.active = st.active[:last]
	st.reps[k].state = repDraining
	st.draining++
	if st.load(k) == 0 {
		s.retire(st, k)
	}
}

func (s *sim) replicaReady(k int32) {
	st := &s.stations[k]
	st.touch(s.now)
	st.starting--
	st.addReplica()
}

func (st *station) result(m Station, window float64) StationResult {
	d := func(i int) float64 { return st.mark[1][i] - st.mark[0][i] }
	utilization := ratio(d(0), d(2))
	if m.Delay {
		utilization = 0 // unlimited servers are never busy in any share
	}
	return StationResult{
		Name:            m.Name,
		Visits:          st.visits,
		Served:          st.served,
		Rejected:        st.rejected,
		Failed:          st.failed,
		Waited:          st.waited,
		MeanWaitMs:      ratio(st.waitSum, float64(st.served)),
		Utilization:     utilization,
		MeanQueueLength: ratio(d(1), window),
		PeakReplicas:    st.peak,
		ReplicaSeconds:  d(3) / 1000,
		MemoryMB:        m.MemoryMB,
	}
}
