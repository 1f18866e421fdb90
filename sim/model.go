package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Label is the label every figure of a [Result] carries, and the only
// label a [Model] may have: what the simulator says is modeled, never
// measured.
const Label = "modeled"

// maxModelBytes bounds a model file read by Load.
const maxModelBytes = 4 << 20

// Model is an architecture as a network of queues: what serves requests
// (Stations, Pools), where each kind of request goes (Classes), how
// requests arrive (Arrivals), what breaks and when (Faults), and for how
// long the simulation runs. Times are in seconds (…Sec) or milliseconds
// (…Ms, in a [Dist]). A Model is plain data: build one in code or read it
// with [Load], and change it with methods that return a copy, such as
// [Model.WithRate].
type Model struct {
	// Name identifies the model in results and errors.
	Name string `json:"name"`
	// Label must be "modeled" or empty (read as "modeled").
	Label string `json:"label,omitempty"`
	// Description says where the model came from, such as the measured
	// run it was calibrated from, for people; the simulator does not read
	// it.
	Description string `json:"description,omitempty"`
	// DurationSec is how long requests arrive, from time 0. After it no
	// request arrives and those in flight are let finish (see the package
	// documentation for the limit).
	DurationSec float64 `json:"duration_sec"`
	// WarmupSec is the start of the run left out of every statistic:
	// requests that arrive before it are simulated but not counted, and
	// time averages start at it. It must be less than DurationSec.
	WarmupSec float64 `json:"warmup_sec,omitempty"`
	// Arrivals is the open-loop arrival process.
	Arrivals Arrivals `json:"arrivals"`
	// Hop is the network delay added each time a request moves between two
	// different stations or pools: the cost of one call, request and
	// response together. Nil means no delay.
	Hop *Dist `json:"hop,omitempty"`
	// Stations are the queues with servers: gateways, services,
	// databases, brokers.
	Stations []Station `json:"stations,omitempty"`
	// Pools are function platforms: one instance per concurrent request.
	Pools []Pool `json:"pools,omitempty"`
	// AccountConcurrency bounds the requests served at once over all
	// pools together, as a cloud account's concurrency limit bounds its
	// functions' (each pool a function). Provisioned instances are
	// reserved out of it, for their pool alone; the rest is shared by the
	// other instances of every pool, and a request beyond it is throttled
	// even where its pool has an idle instance, unless a provisioned
	// instance of its pool is free. 0 means no limit.
	AccountConcurrency int `json:"account_concurrency,omitempty"`
	// Classes are the kinds of request (operations), each with its share
	// of the arrivals and its route.
	Classes []Class `json:"classes"`
	// Faults are windows of time during which a station or pool is down or
	// slow.
	Faults []Fault `json:"faults,omitempty"`
}

// Described returns the model's name followed by its description, if it
// has one: "monolith, calibrated from steady run …".
func (m Model) Described() string {
	if m.Description == "" {
		return m.Name
	}
	return m.Name + ", " + m.Description
}

// Station is a multi-server first-come-first-served queue, replicated:
// each replica has Servers servers and a queue of its own, and a load
// balancer sends each arriving request to one replica.
type Station struct {
	// Name identifies the station in routes, faults and results; names
	// are unique among stations and pools.
	Name string `json:"name"`
	// Servers is how many requests one replica serves at once (c in
	// M/M/c): its cores or worker slots. It must be 0 or absent on a
	// Delay station, and at least 1 on any other.
	Servers int `json:"servers,omitempty"`
	// Delay makes the station a pure delay (an infinite-server queue):
	// every visit gets a server at once and never queues, so the station
	// stands for waiting (I/O, a downstream call, a third party), not for
	// cores. Runners that bill stations' busy servers as CPU, such as
	// package simrun, leave delay stations out (see [Station.IsDelay]).
	// A delay station has no Servers, QueueLimit or Autoscale.
	Delay bool `json:"delay,omitempty"`
	// Lock marks a station whose servers stand for something held rather
	// than for cores: a database's single writer, a lock, a pool of
	// connections, usually held (Visit.Hold) across visits to the
	// stations that do the work. It changes nothing in the simulation;
	// runners that bill stations' busy servers as CPU, such as package
	// simrun, leave lock stations out, as they do delay stations.
	Lock bool `json:"lock,omitempty"`
	// PollMs, when set, makes a request that finds every server of its
	// replica busy wait by polling instead of in a queue, as SQLite's busy
	// handler waits for a database file's write lock that another process
	// holds: it sleeps PollMs[0] ms, tries again, sleeps PollMs[1], and so
	// on, the last delay repeating, and takes a server only if one is free
	// when it tries. A server freed meanwhile stays idle until someone
	// tries, and the waiters keep no order. Not on a delay station, nor
	// with QueueLimit or Autoscale.
	PollMs []float64 `json:"poll_ms,omitempty"`
	// PollTimeoutMs, with PollMs, fails a request that has polled that
	// long without a server, its last sleep cut short to end there (as
	// SQLite's busy_timeout makes the write fail with SQLITE_BUSY). 0
	// means no limit.
	PollTimeoutMs float64 `json:"poll_timeout_ms,omitempty"`
	// Replicas is how many replicas run from the start; 0 means 1, or
	// Autoscale.Min when Autoscale is set.
	Replicas int `json:"replicas,omitempty"`
	// Balance is how requests are spread over replicas: "round_robin"
	// (the default when empty) or "shortest_queue" (the replica with the
	// fewest requests queued or in service).
	Balance string `json:"balance,omitempty"`
	// QueueLimit bounds the requests waiting in one replica's queue (not
	// those in service); a request arriving at a full queue is rejected.
	// 0 means unbounded.
	QueueLimit int `json:"queue_limit,omitempty"`
	// MemoryMB is one replica's memory, reported with replica-seconds for
	// cost estimates; it does not change the simulation.
	MemoryMB int `json:"memory_mb,omitempty"`
	// Autoscale, when set, adds and removes replicas by utilisation.
	Autoscale *Autoscale `json:"autoscale,omitempty"`
	// LoadFactors, when set, scale the body of the station's service
	// times with the model's offered arrival rate (see LoadFactor and
	// LoadFactorAt); in increasing order of rate.
	LoadFactors []LoadFactor `json:"load_factors,omitempty"`
}

// DelayServers is the number of servers per replica from which a station
// without Delay is taken for a delay all the same by [Station.IsDelay]:
// models calibrated before Delay existed (package calibrate) marked their
// "wait" station only by giving it 100,000 servers. No machine has that
// many cores.
const DelayServers = 100_000

// IsDelay reports whether s is a pure delay rather than a pool of cores:
// it sets Delay, or it has at least DelayServers servers per replica.
func (s Station) IsDelay() bool { return s.Delay || s.Servers >= DelayServers }

// Autoscale is a horizontal autoscaler in the manner of Kubernetes' HPA:
// every IntervalSec it measures the utilisation u of the station's
// replicas over the last interval and asks for ceil(ready × u / target)
// replicas, within [Min, Max], unless u is within 10 % of the target.
// New replicas take StartupSec before they receive requests; removed
// replicas stop receiving requests and finish those they hold.
type Autoscale struct {
	// Min and Max bound the replicas; 1 ≤ Min ≤ Max.
	Min int `json:"min"`
	Max int `json:"max"`
	// TargetUtilization is the busy share of servers to aim for, in (0, 1].
	TargetUtilization float64 `json:"target_utilization"`
	// IntervalSec is the time between two decisions, at least 0.1.
	IntervalSec float64 `json:"interval_sec"`
	// StartupSec is how long a new replica takes to become ready.
	StartupSec float64 `json:"startup_sec,omitempty"`
}

// Pool is a function platform, like AWS Lambda: each concurrent request
// has an instance of its own. A request reuses an idle instance (the one
// idle most recently) or starts a new one and waits for its ColdStart;
// an instance idle for KeepAliveSec is stopped, so an idle pool scales to
// zero. Requests never queue in a pool.
type Pool struct {
	// Name identifies the pool in routes, faults and results; names are
	// unique among stations and pools.
	Name string `json:"name"`
	// MemoryMB is one instance's memory, which prices its billed duration
	// in GB-seconds.
	MemoryMB int `json:"memory_mb"`
	// ColdStart is how long a new instance takes before it serves its
	// first request.
	ColdStart Dist `json:"cold_start"`
	// ColdStartStation, when set, names a station (with servers) whose
	// server a cold start holds for its length, as starting a process
	// takes a CPU of the machine it starts on: starts then queue for the
	// station with the requests, and a burst's starts slow each other and
	// the requests down. Empty: a cold start takes no station's capacity,
	// as on a cloud's own hosts.
	ColdStartStation string `json:"cold_start_station,omitempty"`
	// KeepAliveSec is how long an idle instance lives; 0 stops it as soon
	// as it finishes.
	KeepAliveSec float64 `json:"keep_alive_sec"`
	// MaxConcurrency bounds the requests served at once; beyond it a
	// request is throttled (rejected, like HTTP 429). 0 means no limit.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// Provisioned instances exist from the start, warm, and never stop;
	// requests use them before any other instance.
	Provisioned int `json:"provisioned,omitempty"`
	// LoadFactors, when set, scale the pool's service times (not its cold
	// starts) with the model's offered arrival rate, as a Station's do.
	LoadFactors []LoadFactor `json:"load_factors,omitempty"`
}

// Class is one kind of request, such as an operation of the shop.
type Class struct {
	// Name identifies the class in results.
	Name string `json:"name"`
	// Weight is the class's share of the arrivals, relative to the other
	// classes' weights.
	Weight float64 `json:"weight"`
	// Route is what a request of the class visits, in order.
	//
	// A request holds at most one server of a station at a time (see
	// [Visit.Hold]), and at most one pool's instance, once in a route.
	// Read in order, a route's Hold and Release visits alternate, starting
	// with a Hold, and no visit between a Hold and its Release (the
	// Release included) goes to the held station: with its own server
	// held, a request would queue behind itself. A jump may still skip a
	// Release; the server is then held until the request leaves, reaches
	// another Hold, or visits the held station again, each of which frees
	// it first. Routes that hold a server of one station while visiting a
	// second, and of the second while visiting the first, can deadlock, as
	// in real systems: the requests caught stay in flight and are counted
	// as unfinished.
	Route []Visit `json:"route"`
}

// Visit is one step of a route: the request waits for a server of the
// station (or an instance of the pool) and holds it for a Service time.
//
// A visit holds its server only for its own service time. The services
// of this project do asynchronous I/O, so a caller does not hold a server
// while its downstream works: a call from A to B and back is the visits
// A, B and, if A does work after B answers, A again.
type Visit struct {
	// Station or Pool names where the visit happens; set exactly one.
	Station string `json:"station,omitempty"`
	Pool    string `json:"pool,omitempty"`
	// Service is how long the visit holds its server or instance.
	Service Dist `json:"service"`
	// Async makes the visit fire-and-forget, like a message to a broker's
	// consumer: a copy of the request makes the visit while the request
	// itself goes on at once to the next visit. The copy uses capacity and
	// counts in its station's or pool's figures, not in its class's.
	Async bool `json:"async,omitempty"`
	// Hold keeps the visit's server after its service ends: the request
	// goes on to the visits that follow still holding it, and frees it
	// when a later visit with Release ends or when it leaves the system
	// (completed, failed or turned away). It stands for a resource held
	// across other work: a database's single writer held through a
	// transaction whose code waits for a CPU, a lock, a connection taken
	// from a pool. The held server counts as busy in its station's
	// figures. Only on a station with servers or a pool (not a delay
	// station) and not on an async visit; see [Class.Route] for where
	// Hold and Release may stand.
	//
	// On a pool, Hold keeps the invocation's instance busy until the
	// request leaves the system (Release does not free it): a function
	// whose invocation goes on to wait for other stations, such as its
	// database's writer, from inside the function. The instance is billed
	// for that time too, and counts against the pool's and the account's
	// concurrency limits. A request holds at most one instance, apart
	// from the station's server it may hold.
	Hold bool `json:"hold,omitempty"`
	// Release frees the server the request holds (see Hold) when this
	// visit's service ends, before the request moves on. Not on an async
	// visit.
	Release bool `json:"release,omitempty"`
	// Next, when set, routes the request on probabilistically after this
	// visit, as in a Jackson network: with probability Prob it goes to
	// visit To, and with the remaining probability to the following visit.
	// After an async visit the request jumps as soon as it has sent the
	// copy; the copy ends with its visit.
	Next []Jump `json:"next,omitempty"`
}

// Jump is a probabilistic branch of a route.
type Jump struct {
	// Prob is the branch's probability, in (0, 1]; the probabilities of a
	// visit's jumps add up to at most 1.
	Prob float64 `json:"prob"`
	// To is the index in the route of the visit to go to; the route's
	// length means leaving the system.
	To int `json:"to"`
}

// Arrivals is a Poisson arrival process with a piecewise-constant rate,
// plus bursts. Arrivals are open loop: they do not wait for responses.
type Arrivals struct {
	// RatePerSec is the mean arrival rate, after any Phases.
	RatePerSec float64 `json:"rate_per_sec"`
	// Phases, when set, come first, one after another from time 0, each
	// with its own rate: ramps, spikes and idle gaps.
	Phases []Phase `json:"phases,omitempty"`
	// Bursts are requests that arrive all at once.
	Bursts []Burst `json:"bursts,omitempty"`
}

// Phase is a stretch of time with a constant arrival rate.
type Phase struct {
	// DurationSec is the phase's length.
	DurationSec float64 `json:"duration_sec"`
	// RatePerSec is its mean arrival rate; 0 is an idle gap.
	RatePerSec float64 `json:"rate_per_sec"`
}

// Burst is a number of requests arriving at the same instant, each of a
// class drawn from the mix.
type Burst struct {
	// AtSec is when they arrive; it must be before the model's
	// DurationSec.
	AtSec float64 `json:"at_sec"`
	// Requests is how many arrive.
	Requests int `json:"requests"`
}

// Fault kinds.
const (
	// FaultDown makes a station or pool fail every request that reaches
	// it or finishes its service there during the window.
	FaultDown = "down"
	// FaultSlow multiplies the service time of every visit that starts
	// during the window by the fault's Factor.
	FaultSlow = "slow"
)

// Fault is a window of time in which a station or pool misbehaves.
type Fault struct {
	// Station or Pool names the target; set exactly one.
	Station string `json:"station,omitempty"`
	Pool    string `json:"pool,omitempty"`
	// Kind is FaultDown or FaultSlow.
	Kind string `json:"kind"`
	// StartSec and EndSec bound the window [StartSec, EndSec).
	StartSec float64 `json:"start_sec"`
	EndSec   float64 `json:"end_sec"`
	// Factor multiplies service times; only for FaultSlow, and > 0.
	Factor float64 `json:"factor,omitempty"`
	// ErrorAfter is how long a failed request takes to learn of its
	// failure (a refused connection is quick, a timeout is not); only for
	// FaultDown. Nil means at once.
	ErrorAfter *Dist `json:"error_after,omitempty"`
}

// WithRate returns a copy of m whose arrivals are scaled so the base rate
// (Arrivals.RatePerSec) is r: each phase's rate is multiplied by
// r / m.Arrivals.RatePerSec, or kept when that is 0. Bursts are kept. The
// copy shares m's other slices, which Run only reads.
func (m Model) WithRate(r float64) Model {
	old := m.Arrivals.RatePerSec
	m.Arrivals.Phases = slices.Clone(m.Arrivals.Phases)
	if old > 0 {
		for i := range m.Arrivals.Phases {
			m.Arrivals.Phases[i].RatePerSec *= r / old
		}
	}
	m.Arrivals.RatePerSec = r
	return m
}

// Write writes m to w as indented JSON, in the format Load reads, for a
// user to read and edit.
func (m Model) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("sim: write model %q: %w", m.Name, err)
	}
	return nil
}

// Load reads a model from r: one JSON object of Model's shape, at most
// 4 MiB, decoded strictly (unknown fields and trailing data are errors)
// and then validated; the error names every problem.
func Load(r io.Reader) (Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxModelBytes+1))
	if err != nil {
		return Model{}, fmt.Errorf("sim: read model: %w", err)
	}
	if len(data) > maxModelBytes {
		return Model{}, fmt.Errorf("sim: the model file is larger than %d bytes", maxModelBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return Model{}, errors.New("sim: the model file is empty; start from testdata/mm1.json")
		}
		return Model{}, fmt.Errorf("sim: decode model: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data after the JSON object")
		}
		return Model{}, fmt.Errorf("sim: decode model: %w", err)
	}
	m.normalize()
	if err := m.Validate(); err != nil {
		return Model{}, fmt.Errorf("sim: model %q: %w", m.Name, err)
	}
	return m, nil
}

// normalize turns empty lists into nil, as Write leaves them out, so a
// model survives a round trip through Write and Load unchanged.
func (m *Model) normalize() {
	m.Stations = nilIfEmpty(m.Stations)
	m.Pools = nilIfEmpty(m.Pools)
	m.Classes = nilIfEmpty(m.Classes)
	m.Faults = nilIfEmpty(m.Faults)
	m.Arrivals.Phases = nilIfEmpty(m.Arrivals.Phases)
	m.Arrivals.Bursts = nilIfEmpty(m.Arrivals.Bursts)
	m.Hop.normalize()
	for i := range m.Pools {
		m.Pools[i].ColdStart.normalize()
	}
	for i := range m.Faults {
		m.Faults[i].ErrorAfter.normalize()
	}
	for i := range m.Classes {
		c := &m.Classes[i]
		c.Route = nilIfEmpty(c.Route)
		for j := range c.Route {
			c.Route[j].Next = nilIfEmpty(c.Route[j].Next)
			c.Route[j].Service.normalize()
		}
	}
}

func (d *Dist) normalize() {
	if d != nil {
		d.Quantiles = nilIfEmpty(d.Quantiles)
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
