package sim

import (
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what Run found. Every figure in it is modeled, not measured
// (Label says so); statistics leave out the warm-up (see the package
// documentation for exactly which requests and which time they cover).
type Result struct {
	// Label is always "modeled".
	Label string `json:"label"`
	// Model is the model's name; Seed the seed of the run.
	Model string `json:"model"`
	Seed  uint64 `json:"seed"`
	// WarmupSec is when the measured window starts, and WindowSec its
	// length: to the end of the arrivals, or to the last request counted
	// under WithRequests.
	WarmupSec float64 `json:"warmup_sec"`
	WindowSec float64 `json:"window_sec"`
	// EndSec is when the simulation stopped: once the last request in
	// flight finished, or at the drain limit.
	EndSec float64 `json:"end_sec"`
	// Events is the number of events simulated.
	Events int64 `json:"events"`
	// MeanInFlight is the time-average number of requests in the system
	// over the window (L in Little's law, L = λW).
	MeanInFlight float64 `json:"mean_in_flight"`
	// Total sums the classes.
	Total ClassResult `json:"total"`
	// Classes, Stations and Pools are in the model's order.
	Classes  []ClassResult   `json:"classes"`
	Stations []StationResult `json:"stations,omitempty"`
	Pools    []PoolResult    `json:"pools,omitempty"`
	// Seconds is a series over the whole run, warm-up and drain included,
	// one entry per simulated second.
	Seconds []Second `json:"seconds"`
}

// ClassResult is what happened to the requests of one class that arrived
// in the measured window. Every such request is counted once, as
// Completed, Rejected, Throttled, Failed or Unfinished.
type ClassResult struct {
	// Name is the class's, or "total" for Result.Total.
	Name string `json:"name"`
	// Arrivals counts the requests that arrived in the window.
	Arrivals int64 `json:"arrivals"`
	// Completed requests made their whole route.
	Completed int64 `json:"completed"`
	// Rejected requests found a station's queue full.
	Rejected int64 `json:"rejected"`
	// Throttled requests found a pool at its concurrency limit.
	Throttled int64 `json:"throttled"`
	// Failed requests reached a station or pool that was down.
	Failed int64 `json:"failed"`
	// Unfinished requests were still in flight at the drain limit.
	Unfinished int64 `json:"unfinished"`
	// ThroughputPerSec is Completed over the window's length.
	ThroughputPerSec float64 `json:"throughput_per_sec"`
	// Latency summarises the completed requests' response times, from
	// arrival to the end of the route.
	Latency Latency `json:"latency"`
	// FailedMeanMs is the mean time failed requests took to fail.
	FailedMeanMs float64 `json:"failed_mean_ms"`
}

// Latency summarises response times, in milliseconds. The mean and max
// are exact; percentiles come from a histogram with 3 significant digits
// and are capped at one hour.
type Latency struct {
	// MeanMs is the mean, P50Ms to P999Ms the 50th, 90th, 99th and 99.9th
	// percentiles, and MaxMs the largest.
	MeanMs float64 `json:"mean_ms"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p999_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// SaturatedUtilization is the utilisation from which a report takes a
// station for saturated: a queue this busy has no steady state over a run
// of ordinary length, and its waits grow with the run.
const SaturatedUtilization = 0.95

// StationResult is one station's account over the measured window.
// Counts are of visits by measured requests (async copies included).
type StationResult struct {
	// Name is the station's.
	Name string `json:"name"`
	// Visits reached the station; Served got a server, Rejected found
	// the queue full, Failed found the station down (on arrival or at
	// the end of service).
	Visits   int64 `json:"visits"`
	Served   int64 `json:"served"`
	Rejected int64 `json:"rejected"`
	Failed   int64 `json:"failed"`
	// Waited counts served visits that waited in the queue at all;
	// Waited/Served estimates the probability of waiting (Erlang C in an
	// M/M/c station).
	Waited int64 `json:"waited"`
	// MeanWaitMs is the mean time a served visit waited for a server.
	MeanWaitMs float64 `json:"mean_wait_ms"`
	// Utilization is the busy share of the servers of ready and draining
	// replicas, time-averaged over the window; 0 for a delay station,
	// whose servers are unlimited.
	Utilization float64 `json:"utilization"`
	// MeanQueueLength is the time-average number of requests waiting (not
	// in service), over all replicas.
	MeanQueueLength float64 `json:"mean_queue_length"`
	// PeakReplicas is the most replicas that existed at once (starting,
	// ready or draining) from the warm-up on; ReplicaSeconds integrates
	// them over the window, and MemoryMB is one replica's memory, for
	// cost estimates.
	PeakReplicas   int     `json:"peak_replicas"`
	ReplicaSeconds float64 `json:"replica_seconds"`
	MemoryMB       int     `json:"memory_mb,omitempty"`
}

// PoolResult is one function pool's account. Counts and billing are of
// invocations by measured requests; instance figures are over the window
// (peak: from the warm-up on).
type PoolResult struct {
	// Name and MemoryMB are the pool's.
	Name     string `json:"name"`
	MemoryMB int    `json:"memory_mb"`
	// Invocations reached an instance; ColdStarts of them started one.
	Invocations int64 `json:"invocations"`
	ColdStarts  int64 `json:"cold_starts"`
	// InitP50Ms, InitP99Ms and InitMaxMs summarise those cold starts'
	// durations (a wait for the ColdStartStation's server included), as a
	// platform's meter reports its instances' initialisation; 0 without
	// cold starts.
	InitP50Ms float64 `json:"init_p50_ms,omitempty"`
	InitP99Ms float64 `json:"init_p99_ms,omitempty"`
	InitMaxMs float64 `json:"init_max_ms,omitempty"`
	// Throttled requests found the pool at MaxConcurrency; Failed found
	// it down.
	Throttled int64 `json:"throttled"`
	Failed    int64 `json:"failed"`
	// PeakInstances is the most instances that existed at once, busy or
	// idle; InstanceSeconds integrates them (provisioned ones included).
	PeakInstances   int     `json:"peak_instances"`
	InstanceSeconds float64 `json:"instance_seconds"`
	// BilledMs adds up each invocation's duration, its cold start
	// included, rounded up to the millisecond; GBSeconds is BilledMs ×
	// MemoryMB / 1024, in seconds. Provisioned instances' standing charge
	// is not included.
	BilledMs  int64   `json:"billed_ms"`
	GBSeconds float64 `json:"gb_seconds"`
	// Provisioned is the pool's provisioned instances, and
	// ProvisionedGBSeconds the part of GBSeconds billed for invocations
	// they served, which the cloud bills at a lower duration price.
	Provisioned          int     `json:"provisioned,omitempty"`
	ProvisionedGBSeconds float64 `json:"provisioned_gb_seconds,omitempty"`
}

// Second is one simulated second of the run.
type Second struct {
	// Second counts from 0 at the start of the run.
	Second int `json:"second"`
	// Arrivals counts the requests that arrived in the second, and
	// Completed those that completed in it (the throughput, however long
	// ago they arrived).
	Arrivals  int64 `json:"arrivals"`
	Completed int64 `json:"completed"`
	// Failed and Rejected (throttled included) count the requests that
	// arrived in the second and failed or were turned away, whenever they
	// did; P50Ms and P99Ms are the 50th and 99th percentiles of the latency
	// of those that arrived in it and completed (2 significant digits), 0
	// if none did. This is how a measured series counts, by the second a
	// request was sent, so that the two compare second by second: a
	// backlog shows in the second whose requests waited, not in the later
	// second they ended in. A request still in flight when the run ended
	// counts in none of them.
	Failed   int64   `json:"failed"`
	Rejected int64   `json:"rejected"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// ColdStarts counts the function instances started in the second,
	// over all pools: each is a request's cold start.
	ColdStarts int64 `json:"cold_starts"`
	// Instances is the most function instances, over all pools, and
	// Replicas the most station replicas, that existed at once in the
	// second; BusyInstances the most instances serving a request (or
	// starting for one) at once.
	Instances     int `json:"instances"`
	BusyInstances int `json:"busy_instances"`
	Replicas      int `json:"replicas"`
}

// Class returns the result of the class with the given name.
func (r Result) Class(name string) (ClassResult, bool) { return find(r.Classes, name, classResultName) }

// Station returns the result of the station with the given name.
func (r Result) Station(name string) (StationResult, bool) {
	return find(r.Stations, name, stationResultName)
}

// Pool returns the result of the pool with the given name.
func (r Result) Pool(name string) (PoolResult, bool) { return find(r.Pools, name, poolResultName) }

func classResultName(c ClassResult) string     { return c.Name }
func stationResultName(s StationResult) string { return s.Name }
func poolResultName(p PoolResult) string       { return p.Name }

func find[T any](xs []T, name string, nameOf func(T) string) (T, bool) {
	for _, x := range xs {
		if nameOf(x) == name {
			return x, true
		}
	}
	var zero T
	return zero, false
}

// Histogram ranges, in microseconds.
const (
	maxHistUs     = int64(3600e6) // one hour
	classSigFigs  = 3
	secondSigFigs = 2
)

// micros converts a latency in ms to the histograms' microseconds.
func micros(ms float64) int64 {
	us := ms*1000 + 0.5
	if us >= float64(maxHistUs) {
		return maxHistUs
	}
	if us < 0 {
		return 0
	}
	return int64(us)
}

// classStats accumulates a class's figures during a run.
type classStats struct {
	arrivals, completed, rejected, throttled, failed int64
	latSum, latMax, failSum                          float64
	hist                                             *hdrhistogram.Histogram
}

func (c *classStats) result(name string, windowSec float64) ClassResult {
	out := ClassResult{
		Name:       name,
		Arrivals:   c.arrivals,
		Completed:  c.completed,
		Rejected:   c.rejected,
		Throttled:  c.throttled,
		Failed:     c.failed,
		Unfinished: c.arrivals - c.completed - c.rejected - c.throttled - c.failed,
	}
	if windowSec > 0 {
		out.ThroughputPerSec = float64(c.completed) / windowSec
	}
	if c.completed > 0 {
		out.Latency = Latency{
			MeanMs: c.latSum / float64(c.completed),
			P50Ms:  float64(c.hist.ValueAtQuantile(50)) / 1000,
			P90Ms:  float64(c.hist.ValueAtQuantile(90)) / 1000,
			P99Ms:  float64(c.hist.ValueAtQuantile(99)) / 1000,
			P999Ms: float64(c.hist.ValueAtQuantile(99.9)) / 1000,
			MaxMs:  c.latMax,
		}
	}
	if c.failed > 0 {
		out.FailedMeanMs = c.failSum / float64(c.failed)
	}
	return out
}

// ratio returns a/b, or 0 when b is not positive.
func ratio(a, b float64) float64 {
	if !(b > 0) {
		return 0
	}
	r := a / b
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	return r
}

// DeparturesPerSec is the requests completed per second over the whole
// seconds of the measured window. Unlike Total.ThroughputPerSec, which
// counts the window's requests however late they complete, it cannot
// exceed what the model can serve: past saturation it is the capacity,
// not the offered rate. With under three whole seconds in the window it
// falls back to Total.ThroughputPerSec.
func (r Result) DeparturesPerSec() float64 {
	first := int(math.Ceil(r.WarmupSec))
	last := int(math.Floor(r.WarmupSec + r.WindowSec))
	if last-first < 3 {
		return r.Total.ThroughputPerSec
	}
	var n int64
	for _, s := range r.Seconds {
		if s.Second >= first && s.Second < last {
			n += s.Completed
		}
	}
	return float64(n) / float64(last-first)
}
