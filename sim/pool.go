package sim

import (
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// pool is a function pool's state during a run. Instances are
// interchangeable, so only their number is kept, and for idle on-demand
// instances the time each became idle: a stack whose bottom is the oldest,
// which is also the first to expire. Expired instances are removed
// lazily, at their exact expiry time, the next time the pool is looked at.
type pool struct {
	memoryMB  int
	cold      sampler
	keep      float64 // keep-alive, ms
	maxConc   int
	prov      int // provisioned instances
	provIdle  int
	busy      int // busy on-demand instances, starting ones included
	idle      deque[float64]
	count     int // instances: prov + busy + idle
	faults    []fault
	loadScale []float64 // service-time factor per arrival segment; nil: 1
	coldAt    int32     // Pool.ColdStartStation's index; -1: none

	// area integrates count over time (ms × instances); mark holds it at
	// the window's start and end.
	last float64
	area float64
	mark [2]float64

	peak                                       int
	invocations, coldStarts, throttled, failed int64
	inits                                      *hdrhistogram.Histogram // µs, of measured cold starts; nil before the first
	billedMs                                   int64
	provBilledMs                               int64 // of billedMs, on provisioned instances
}

func newPool(m Pool) pool {
	return pool{
		memoryMB: m.MemoryMB,
		cold:     compileDist(m.ColdStart),
		keep:     m.KeepAliveSec * 1000,
		maxConc:  m.MaxConcurrency,
		prov:     m.Provisioned,
		provIdle: m.Provisioned,
		count:    m.Provisioned,
		peak:     m.Provisioned,
	}
}

func (p *pool) touch(now float64) {
	if dt := now - p.last; dt > 0 {
		p.area += float64(p.count) * dt
		p.last = now
	}
}

// expire stops the idle instances whose keep-alive ended by t.
func (s *sim) expire(p *pool, t float64) {
	for p.idle.len() > 0 {
		d := p.idle.front() + p.keep
		if d > t {
			return
		}
		p.idle.popFront()
		p.touch(d)
		p.count--
		s.instancesNow--
	}
}

func (s *sim) poolArrive(ri int32, p *pool) {
	r := &s.reqs[ri]
	if r.instance != 0 && s.classes[r.class].route[r.step].hold {
		s.unholdInstance(ri) // a jump back to the hold: one instance at a time
		r = &s.reqs[ri]
	}
	measured := r.flags&fMeasured != 0
	factor := 1.0
	if len(p.faults) > 0 {
		var f *fault
		if f, factor = faultAt(p.faults, s.now); f != nil {
			s.fail(ri, f, &p.failed)
			return
		}
	}
	s.expire(p, s.now)
	var cold float64
	started := false // a new instance, started for this request
	switch {
	case p.provIdle > 0:
		p.provIdle--
		r.rep = 1
	case s.accountConc > 0 && s.onDemandBusy >= s.accountConc-s.provisioned:
		// The account's limit, less what the provisioned instances
		// reserve: only a free provisioned instance serves beyond it.
		s.turnAway(ri, true, &p.throttled)
		return
	case p.idle.len() > 0:
		p.idle.popBack()
		p.busy++
		r.rep = 0
	default:
		if p.maxConc > 0 && p.busy+p.prov-p.provIdle >= p.maxConc {
			s.turnAway(ri, true, &p.throttled)
			return
		}
		p.touch(s.now)
		p.count++
		p.busy++
		p.peak = max(p.peak, p.count)
		if len(s.pools) > 1 {
			// The other pools' expired instances are only removed when
			// they are looked at: remove them before counting, as they
			// no longer exist. A new instance is rare beside the events,
			// and the pools are few.
			for k := range s.pools {
				s.expire(&s.pools[k], s.now)
			}
		}
		s.instancesNow++
		s.sec.Instances = max(s.sec.Instances, s.instancesNow)
		cold, started = p.cold.sample(s.rng), true
		s.sec.ColdStarts++
		if measured {
			p.coldStarts++
		}
		r.rep = 0
	}
	s.busyNow++
	if r.rep == 0 {
		s.onDemandBusy++
	}
	s.sec.BusyInstances = max(s.sec.BusyInstances, s.busyNow)
	draw := &s.classes[r.class].route[r.step].svc
	svc := draw.sample(s.rng)
	if p.loadScale != nil {
		svc = draw.loaded(svc, p.loadScale[s.segNow()])
	}
	svc *= factor
	if cold > 0 && p.coldAt >= 0 {
		// The start holds a server of the station for its length; the
		// invocation runs once it has one and is done (see started).
		if measured {
			p.invocations++
		}
		s.starting[ri] = coldStart{cold: cold, svc: svc, since: s.now}
		r.flags |= fStarting
		r.at = p.coldAt
		s.stationArrive(ri, &s.stations[p.coldAt])
		return
	}
	if measured {
		billed := int64(math.Ceil(cold + svc - 1e-9))
		p.invocations++
		p.billedMs += billed
		if started {
			p.recordInit(cold)
		}
		if r.rep == 1 {
			p.provBilledMs += billed
		}
	}
	s.push(s.now+cold+svc, evPoolDone, ri)
}

// coldStart is a request whose new instance starts at the pool's
// ColdStartStation: how long the start holds a server, the invocation
// after it, and when the request reached the pool.
type coldStart struct {
	cold, svc, since float64
}

// started runs the invocation of a request whose instance has started at
// the pool's ColdStartStation, and bills its wall time, the wait for a
// server included, as the instance's initialisation.
func (s *sim) started(ri int32) {
	cs := s.starting[ri]
	delete(s.starting, ri)
	r := &s.reqs[ri]
	r.flags &^= fStarting
	r.at, r.rep = s.classes[r.class].route[r.step].node, 0
	if r.flags&fMeasured != 0 {
		p := &s.pools[r.at-s.nst]
		p.billedMs += int64(math.Ceil(s.now - cs.since + cs.svc - 1e-9))
		p.recordInit(s.now - cs.since)
	}
	s.push(s.now+cs.svc, evPoolDone, ri)
}

func (s *sim) poolDone(ri int32) {
	r := &s.reqs[ri]
	p := &s.pools[r.at-s.nst]
	if s.classes[r.class].route[r.step].hold {
		r.instance = r.at - s.nst + 1 // kept: see Visit.Hold
		if r.rep == 1 {
			r.instance = -r.instance
		}
		r.instanceSince = s.now
	} else {
		s.freeInstance(p, r.rep == 1)
	}
	if len(p.faults) > 0 {
		if f, _ := faultAt(p.faults, s.now); f != nil {
			s.fail(ri, f, &p.failed)
			return
		}
	}
	s.advance(ri)
}

// freeInstance makes an instance of p idle after its invocation;
// provisioned says whether it is a provisioned one.
func (s *sim) freeInstance(p *pool, provisioned bool) {
	s.busyNow--
	if provisioned {
		p.provIdle++
		return
	}
	s.onDemandBusy--
	p.busy--
	p.idle.pushBack(s.now)
}

// unholdInstance frees the instance the request holds (Visit.Hold on a
// pool), if any, and bills the time it was held.
func (s *sim) unholdInstance(ri int32) {
	r := &s.reqs[ri]
	if r.instance == 0 {
		return
	}
	k, provisioned := r.instance, r.instance < 0
	if provisioned {
		k = -k
	}
	r.instance = 0
	p := &s.pools[k-1]
	if r.flags&fMeasured != 0 {
		billed := int64(math.Ceil(s.now - r.instanceSince - 1e-9))
		p.billedMs += billed
		if provisioned {
			p.provBilledMs += billed
		}
	}
	s.freeInstance(p, provisioned)
}

// recordInit records a measured cold start of ms.
func (p *pool) recordInit(ms float64) {
	if p.inits == nil {
		p.inits = hdrhistogram.New(1, maxHistUs, classSigFigs)
	}
	_ = p.inits.RecordValue(micros(ms))
}

func (p *pool) result(m Pool) PoolResult {
	var p50, p99, most float64
	if p.inits != nil {
		p50, p99 = float64(p.inits.ValueAtQuantile(50))/1000, float64(p.inits.ValueAtQuantile(99))/1000
		most = float64(p.inits.Max()) / 1000
	}
	return PoolResult{
		InitP50Ms:       p50,
		InitP99Ms:       p99,
		InitMaxMs:       most,
		Name:            m.Name,
		MemoryMB:        m.MemoryMB,
		Invocations:     p.invocations,
		ColdStarts:      p.coldStarts,
		Throttled:       p.throttled,
		Failed:          p.failed,
		PeakInstances:   p.peak,
		InstanceSeconds: (p.mark[1] - p.mark[0]) / 1000,
		BilledMs:        p.billedMs,
		GBSeconds:       float64(p.billedMs) / 1000 * float64(m.MemoryMB) / 1024,
		Provisioned:     p.prov,
		// Zero when no provisioned instance served a measured request.
		ProvisionedGBSeconds: float64(p.provBilledMs) / 1000 * float64(m.MemoryMB) / 1024,
	}
}
