// Package simrun runs simulator models (package sim) the way the bench runs
// variants, and writes what they predict in the results schema, labelled
// modeled, so that the same report, charts and cost model render a
// prediction as they render a measurement — and never mistake one for the
// other: every result and every figure derived from it says modeled.
package simrun

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// Runtime names where a modeled result "ran", in place of process or
// docker.
const Runtime = "simulated"

// PlatformComponent names a modeled result's function platform when the
// model has a pool per function; a model with one pool names it after
// that pool.
const PlatformComponent = "functions"

// Option configures a simulation.
type Option func(*config)

type config struct {
	seed     uint64
	requests int
}

// WithSeed sets the simulator's seed (default sim.DefaultSeed).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithRequests sets how many requests each simulation counts after its
// warm-up (default 200,000: enough for a stable p99).
func WithRequests(n int) Option { return func(c *config) { c.requests = n } }

func newConfig(opts []Option) config {
	c := config{seed: sim.DefaultSeed, requests: 200_000}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// At simulates m at rate requests per second and returns the prediction
// as a modeled result.
func At(ctx context.Context, m sim.Model, rate float64, opts ...Option) (results.VariantResult, sim.Result, error) {
	cfg := newConfig(opts)
	if !(rate > 0) || math.IsInf(rate, 0) {
		return results.VariantResult{}, sim.Result{}, fmt.Errorf("simulate %s: rate must be > 0 requests/s, but is %g", m.Name, rate)
	}
	m = m.WithRate(rate)
	// Long enough for the requests wanted, with a tenth as warm-up.
	d := float64(cfg.requests) / rate
	m.WarmupSec = max(d/10, 1)
	m.DurationSec = m.WarmupSec + d
	if m.DurationSec > sim.MaxDurationSec {
		// Say which inputs to change: the model's duration_sec, which
		// the simulator would name, is not one the caller set.
		minRate := ceilDigits(float64(cfg.requests)*1.1/sim.MaxDurationSec, 3)
		maxRequests := int(rate * sim.MaxDurationSec / 1.1)
		return results.VariantResult{}, sim.Result{}, fmt.Errorf(
			"simulate %s at %g req/s: %d requests take %.0f s of simulated time with their warm-up, more than the simulator's %d s: "+
				"raise the rate (-rate) to at least %g req/s or count at most %d requests (-requests)",
			m.Name, rate, cfg.requests, m.DurationSec, sim.MaxDurationSec, minRate, maxRequests)
	}
	r, err := sim.Run(ctx, m, sim.WithSeed(cfg.seed), sim.WithRequests(cfg.requests))
	if err != nil {
		return results.VariantResult{}, sim.Result{}, fmt.Errorf("simulate %s at %g req/s: %w", m.Name, rate, err)
	}
	return Result(m, r, rate), r, nil
}

// Sweep simulates m at each rate, in order, and returns the prediction at
// the first rate, with every rate's as ramp steps (labelled modeled), so
// that the report's ramp tables and latency-against-load chart draw the
// sweep.
func Sweep(ctx context.Context, m sim.Model, rates []float64, opts ...Option) (results.VariantResult, error) {
	return sweep(m, rates, func(rate float64) (results.VariantResult, sim.Result, error) { return At(ctx, m, rate, opts...) })
}

// sweep runs at at each rate, in order, and returns the first rate's
// result with every rate's as ramp steps.
func sweep(m sim.Model, rates []float64, at func(rate float64) (results.VariantResult, sim.Result, error)) (results.VariantResult, error) {
	if len(rates) == 0 {
		return results.VariantResult{}, fmt.Errorf("sweep %s: no rates", m.Name)
	}
	var (
		first results.VariantResult
		last  sim.Result
		steps []results.RampStep
		peak  float64
	)
	for i, rate := range rates {
		v, r, err := at(rate)
		if err != nil {
			return results.VariantResult{}, err
		}
		if i == 0 {
			first = v
		}
		last = r
		served := v.Achieved.RequestsPerSec // past saturation, the capacity
		steps = append(steps, results.RampStep{
			OfferedPerSec: rate, JourneysPerSec: served, RequestsPerSec: served,
			ErrorRate: v.Total.ErrorRate, P50Ms: r.Total.Latency.P50Ms, P99Ms: r.Total.Latency.P99Ms,
			Concurrency: r.MeanInFlight,
		})
		peak = max(peak, served)
	}
	first.Ramp = &results.RampSummary{Steps: steps, StoppedBy: "a simulated sweep: every rate asked", MaxRequestsPerSec: peak}
	first.Notes = append(first.Notes, "Simulated at each rate of the sweep; the ramp steps are the sweep's rates (requests/s, modeled).")
	// The stations' note of the first rate tells little of a sweep: say
	// which stations the highest rate kept busy instead.
	first.Notes = slices.DeleteFunc(first.Notes, func(n string) bool { return strings.HasPrefix(n, stationsPrefix) })
	if n := stationsNote(m, last); n != "" {
		first.Notes = append(first.Notes, fmt.Sprintf("At %g req/s, the sweep's last rate: %s", rates[len(rates)-1], n))
	}
	return first, nil
}

// Result expresses a simulation of m at rate in the results schema,
// labelled modeled. The stations' busy time stands in for measured CPU
// time, their replica-seconds for replica uptime, and the pools' billing
// for the platform's meter, so the cost model prices a prediction as it
// prices a measurement. Delay stations ([sim.Station.IsDelay]) stand for
// waiting, not cores, and lock stations (sim.Station.Lock) for something
// held: both are left out of the resources.
//
// Every figure covers the measured window only: the simulator's warm-up
// is in none of them, not even the pools' billing, so the result
// requests no warm-up (one would have the cost model count warm-up
// requests that the billing does not cover). Achieved.RequestsPerSec is
// the rate of departures within the window (sim.Result.DeparturesPerSec),
// which past saturation is the model's capacity, not the offered rate.
func Result(m sim.Model, r sim.Result, rate float64) results.VariantResult {
	window := r.WindowSec
	v := results.VariantResult{
		Variant: m.Name, Runtime: Runtime, Label: results.LabelModeled,
		Requested: results.Load{Rate: rate, Duration: results.Duration(secs(window))},
		Achieved: results.Throughput{
			Requests: r.Total.Arrivals, RequestsPerSec: r.DeparturesPerSec(), Duration: results.Duration(secs(window)),
			Scheduled: r.Total.Arrivals, Iterations: r.Total.Arrivals, Elapsed: results.Duration(secs(window)),
			IterationsPerSec: float64(r.Total.Arrivals) / max(window, 1e-9),
		},
		Total: opStats(r.Total, window),
	}
	for _, c := range r.Classes {
		v.Operations = append(v.Operations, opStats(c, window))
	}
	slices.SortFunc(v.Operations, func(a, b results.OpStats) int { return strings.Compare(a.Name, b.Name) })
	stations := map[string]sim.Station{}
	for _, s := range m.Stations {
		stations[s.Name] = s
	}
	var delays []string
	if len(r.Stations) > 0 {
		res := &results.Resources{Source: "simulated", Duration: results.Duration(secs(window))}
		for _, s := range r.Stations {
			st := stations[s.Name]
			if st.IsDelay() {
				delays = append(delays, s.Name) // waiting (I/O): no CPU to bill
				continue
			}
			if st.Lock {
				continue // held, not cores: its holders' CPU is billed where they work
			}
			replicas := max(float64(s.ReplicaSeconds)/max(window, 1e-9), 1)
			busy := s.Utilization * float64(st.Servers) * replicas * window // server-seconds
			mem := uint64(max(st.MemoryMB, 0)) << 20
			rr := results.ReplicaResources{Component: s.Name, CPU: results.Duration(secs(busy)), CPUCoresAvg: busy / max(window, 1e-9),
				MemPeakBytes: mem * uint64(max(s.PeakReplicas, 1)), MemAvgBytes: uint64(float64(mem) * replicas)}
			res.Replicas = append(res.Replicas, rr)
			res.Total.CPU += rr.CPU
			res.Total.CPUCoresAvg += rr.CPUCoresAvg
			res.Total.MemPeakBytes += rr.MemPeakBytes
			res.Total.MemAvgBytes += rr.MemAvgBytes
		}
		if len(res.Replicas) > 0 {
			v.Resources = res
		}
	}
	if len(r.Pools) > 0 {
		pl := &results.Platform{Component: r.Pools[0].Name, AccountConcurrency: m.AccountConcurrency}
		if len(r.Pools) > 1 {
			pl.Component = PlatformComponent
		}
		for _, p := range r.Pools {
			pl.Functions = append(pl.Functions, results.PlatformFunction{
				Name: p.Name, MemoryMB: p.MemoryMB, Invocations: p.Invocations, Throttles: p.Throttled,
				ColdStarts: p.ColdStarts, BilledMs: p.BilledMs, GBSeconds: p.GBSeconds, PeakInstances: p.PeakInstances,
				InitMs:      results.InitPercentiles{P50: p.InitP50Ms, P99: p.InitP99Ms, Max: p.InitMaxMs},
				Provisioned: p.Provisioned, ProvisionedGBSeconds: p.ProvisionedGBSeconds,
			})
		}
		pl.Total = results.SumPlatform(pl.Functions)
		v.Platform = pl
		if v.Resources == nil {
			v.Entry = pl.Component
		}
	}
	v.Notes = append(v.Notes, fmt.Sprintf("Modeled by the simulator (seed %d, %d events): every figure of this result is a prediction, not a measurement.", r.Seed, r.Events))
	if m.Description != "" {
		v.Notes = append(v.Notes, "The model: "+m.Description+".")
	}
	if r.WarmupSec > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("The simulator warmed up for %.3g s first; no figure here covers the warm-up, usage and billing included.", r.WarmupSec))
	}
	if len(delays) > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("Not in the resources, as delays (waiting, not CPU): %s.", strings.Join(delays, ", ")))
	}
	if n := stationsNote(m, r); n != "" {
		v.Notes = append(v.Notes, n)
	}
	return v
}

// stationsPrefix begins the note of stationsNote.
const stationsPrefix = "Stations, the busiest first: "

// StationsNote returns the note of a simulated result that says how busy
// each queueing station was and which saturated (for a sweep, at its last
// rate): where to look when the latencies run away. "" when it has none.
func StationsNote(v results.VariantResult) string {
	for _, n := range v.Notes {
		if strings.Contains(n, stationsPrefix) {
			return n
		}
	}
	return ""
}

// stationsNote says how busy the model kept each of its queueing stations
// (delays have no queue), the busiest first, and which of them saturated:
// the bottleneck a reader looks for when the latencies run away, be it
// the cores or a lock such as a database's single writer. "" when the
// model has no queueing station.
func stationsNote(m sim.Model, r sim.Result) string {
	servers, scaled := map[string]int{}, map[string]bool{}
	for _, st := range m.Stations {
		if !st.IsDelay() {
			servers[st.Name] = st.Servers
			scaled[st.Name] = st.Autoscale != nil
		}
	}
	var busy []sim.StationResult
	for _, s := range r.Stations {
		if _, ok := servers[s.Name]; ok {
			busy = append(busy, s)
		}
	}
	if len(busy) == 0 {
		return ""
	}
	slices.SortStableFunc(busy, func(a, b sim.StationResult) int { return cmp.Compare(b.Utilization, a.Utilization) })
	var parts, saturated []string
	for _, s := range busy {
		size := replicaSize(servers[s.Name], s, scaled[s.Name], r.WindowSec)
		wait := fmt.Sprintf("%.3f", s.MeanWaitMs)
		if s.MeanWaitMs >= 100 {
			wait = fmt.Sprintf("%.0f", s.MeanWaitMs)
		}
		parts = append(parts, fmt.Sprintf("%s %.0f %% busy (%s; a visit waited %s ms on average)",
			s.Name, 100*s.Utilization, size, wait))
		if s.Utilization >= sim.SaturatedUtilization {
			saturated = append(saturated, s.Name)
		}
	}
	note := stationsPrefix + strings.Join(parts, "; ") + "."
	if len(saturated) > 0 {
		note += fmt.Sprintf(" Saturated (%.0f %% busy or more), so the latencies grow with the length of the run: %s.",
			100*sim.SaturatedUtilization, strings.Join(saturated, ", "))
	}
	return note
}

// replicaSize says how many servers a station ran, from what the
// simulation did rather than the model's starting count: an autoscaled
// station's replicas are the most that existed at once and their mean
// over the window.
func replicaSize(servers int, s sim.StationResult, autoscaled bool, window float64) string {
	plural := func(n int, one string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	peak := max(s.PeakReplicas, 1)
	switch {
	case autoscaled:
		return fmt.Sprintf("%s on each of up to %s, %.1f on average", plural(servers, "server"), plural(peak, "replica"),
			s.ReplicaSeconds/max(window, 1e-9))
	case peak > 1:
		return fmt.Sprintf("%s over %d replicas", plural(servers*peak, "server"), peak)
	default:
		return plural(servers, "server")
	}
}

// opStats expresses a class's account as operation statistics.
func opStats(c sim.ClassResult, window float64) results.OpStats {
	errs := c.Rejected + c.Throttled + c.Failed + c.Unfinished
	o := results.OpStats{
		Name: c.Name, Count: c.Arrivals, Errors: errs, ThroughputPerSec: c.ThroughputPerSec,
		LatencyMs: results.Percentiles{Mean: c.Latency.MeanMs, P50: c.Latency.P50Ms, P90: c.Latency.P90Ms, P99: c.Latency.P99Ms,
			P999: c.Latency.P999Ms, Max: c.Latency.MaxMs},
	}
	if c.Arrivals > 0 {
		o.ErrorRate = float64(errs) / float64(c.Arrivals)
	}
	if o.Name == "" {
		o.Name = "total"
	}
	return o
}

// ceilDigits rounds x > 0 up to n significant digits, so that a bound
// printed with them still holds.
func ceilDigits(x float64, n int) float64 {
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(x)))
	return math.Ceil(x*p-1e-9) / p
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
