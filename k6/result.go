package k6

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/api"
)

// GeneratorName is results.Generator.Name for runs by k6.
const GeneratorName = "k6"

// Result turns s, the summary of a run of spec's script, into archbench's
// result for one variant: Label "measured", the load asked next to what k6
// achieved, and latency, errors and throughput in total, per operation and
// per journey, all over the measured scenario only (the warm-up is a
// scenario of its own). Variant, Runtime and the generator's CPU are left
// for the caller (Run fills the CPU). Notes say how k6's figures differ
// from archbench's own generator's.
func (s Summary) Result(spec Spec) (results.VariantResult, error) {
	p, err := newPlan(spec)
	if err != nil {
		return results.VariantResult{}, err
	}
	sp := p.spec
	window := sp.Measured()
	measured := "scenario:" + scenarioMeasured
	if _, ok := s.Metrics[submetric("http_reqs", measured)]; !ok {
		if _, ok := s.Metrics[submetric("iterations", measured)]; !ok {
			return results.VariantResult{}, fmt.Errorf("k6 summary: no sub-metric of the %q scenario (was it written by this package's script?); it holds: %s",
				scenarioMeasured, s.names())
		}
	}

	var errs []error
	stats := func(name, sel string) results.OpStats {
		st, err := s.opStats(name, sel, window.Seconds())
		if err != nil {
			errs = append(errs, err)
		}
		return st
	}
	counter := func(metric, sel string) int64 {
		n, err := count(s.Metrics[submetric(metric, sel)], "count")
		if err != nil {
			errs = append(errs, fmt.Errorf("k6 summary: %s: %w", submetric(metric, sel), err))
		}
		return n
	}

	r := results.VariantResult{
		Label:     results.LabelMeasured,
		Requested: results.Load{Rate: sp.MeanRate(), Duration: results.Duration(window), Warmup: results.Duration(sp.Warmup)},
		Generator: results.Generator{Name: GeneratorName},
		Total:     stats("total", measured),
	}
	dropped := counter("dropped_iterations", measured)
	iterations := counter("iterations", measured)
	r.Total.Dropped = dropped
	for _, op := range p.ops {
		if st := stats(op, measured+",name:"+op); st.Count > 0 {
			r.Operations = append(r.Operations, st)
		}
	}
	for _, j := range p.measuredJourneys() {
		if st := stats(j, measured+",journey:"+j); st.Count > 0 {
			r.Journeys = append(r.Journeys, st)
		}
	}
	r.Achieved = results.Throughput{
		Scheduled:        iterations + dropped,
		Iterations:       iterations,
		Elapsed:          results.Duration(window),
		Requests:         r.Total.Count,
		Dropped:          dropped,
		RequestsPerSec:   perSec(r.Total.Count, window.Seconds()),
		IterationsPerSec: perSec(iterations, window.Seconds()),
		Duration:         results.Duration(window),
	}
	if sp.Warmup > 0 {
		r.Achieved.WarmupRequests = counter("http_reqs", "scenario:"+scenarioWarmup)
	}
	if err := errors.Join(errs...); err != nil {
		return results.VariantResult{}, err
	}
	r.Notes = p.notes(s, dropped)
	return r, nil
}

// opStats reads the requests matching sel ("scenario:measured,name:GET
// /products") from the http_reqs, http_req_failed and http_req_duration
// sub-metrics. Its errors are the requests k6 failed plus those it passed
// but workload fails (metricUnexpected's sub-metric, absent from a summary
// of a script older than that metric and read as zero).
func (s Summary) opStats(name, sel string, window float64) (results.OpStats, error) {
	st := results.OpStats{Name: name}
	reqs := s.Metrics[submetric("http_reqs", sel)]
	n, err := count(reqs, "count")
	if err != nil {
		return st, fmt.Errorf("k6 summary: %s: %w", submetric("http_reqs", sel), err)
	}
	st.Count = n
	failed, err := count(s.Metrics[submetric("http_req_failed", sel)], "passes")
	if err != nil {
		return st, fmt.Errorf("k6 summary: %s: %w", submetric("http_req_failed", sel), err)
	}
	if failed > n {
		return st, fmt.Errorf("k6 summary: %s counts %d failed requests of %d", submetric("http_req_failed", sel), failed, n)
	}
	unexpected, err := count(s.Metrics[submetric(metricUnexpected, sel)], "count")
	if err != nil {
		return st, fmt.Errorf("k6 summary: %s: %w", submetric(metricUnexpected, sel), err)
	}
	// k6 passed the unexpected responses, so they are not among the failed.
	if unexpected > n-failed {
		return st, fmt.Errorf("k6 summary: %s counts %d unexpected responses of %d requests k6 passed",
			submetric(metricUnexpected, sel), unexpected, n-failed)
	}
	st.Errors = failed + unexpected
	if n > 0 {
		st.ErrorRate = float64(st.Errors) / float64(n)
	}
	st.ThroughputPerSec = perSec(n, window)
	d := s.Metrics[submetric("http_req_duration", sel)]
	ms := func(stat string) float64 {
		v, _ := d.Value(stat)
		return math.Round(v*1000) / 1000 // k6 reports to the nanosecond; keep microseconds
	}
	st.LatencyMs = results.Percentiles{
		Min: ms("min"), Mean: ms("avg"), P50: ms("med"), P90: ms("p(90)"),
		P99: ms("p(99)"), P999: ms("p(99.9)"), Max: ms("max"),
	}
	return st, nil
}

func perSec(n int64, sec float64) float64 {
	if sec <= 0 {
		return 0
	}
	return float64(n) / sec
}

// notes says how k6's figures differ from archbench's own generator's;
// each claim is checked against k6's documentation or source (v1.8.1).
func (p plan) notes(s Summary, dropped int64) []string {
	sp := p.spec
	notes := []string{
		"Load generated by k6 v1.8.1 (constant-/ramping-arrival-rate executors) as a cross-check of archbench's generator: " +
			"same journeys, requests, expected statuses and operation names; same distributions, not the same random draws.",
		"Latency is k6's http_req_duration, timed from when each request was actually sent (sending + waiting + receiving). " +
			"archbench times a journey's first request from when the journey was due, so a journey k6 started late " +
			"(its scheduler or virtual user short of CPU) hides that delay: coordinated omission on the generator's side.",
		"k6's latency excludes connection set-up: waiting for a connection (http_req_blocked), TCP connect and TLS are " +
			"outside http_req_duration; archbench's includes them.",
		fmt.Sprintf("A journey due when all %d virtual users (MaxInFlight) are busy is dropped (dropped_iterations), as archbench drops it; "+
			"k6 also drops journeys while it initialises virtual users beyond the %d pre-allocated ones mid-test. "+
			"Dropped journeys are not split by journey: k6 drops them before one is picked.", sp.MaxInFlight, sp.PreAllocatedVUs),
		"Each k6 virtual user keeps its own connections, so the shop may see one keep-alive connection per virtual user.",
		"Iterations counts journeys k6 completed (interrupted ones are not counted), and k6 may start one more journey than " +
			"archbench, due exactly at the window's end; Elapsed is the scheduled measured window. " +
			"k6's summary has no per-status counts, late starts or per-second series, so those are absent.",
		"A create-cart answer without a cart ID ends the journey without failing the request; archbench counts that request failed.",
	}
	if sp.Warmup > 0 {
		notes = append(notes, fmt.Sprintf("The %s warm-up ran as its own k6 scenario, rising from nothing to the rate over its first half as archbench's does, "+
			"and is left out by its scenario tag; "+
			"the measured scenario starts on schedule even if warm-up journeys are still running (archbench waits for them).", sp.Warmup))
	}
	if p.unit > 1 {
		notes = append(notes, fmt.Sprintf("k6 takes whole iterations per time unit, so rates were given per %ds.", p.unit))
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("k6 dropped %d journeys of the measured window.", dropped))
	}
	if n, _ := count(s.Metrics[submetric(metricUnexpected, "scenario:"+scenarioMeasured)], "count"); n > 0 {
		notes = append(notes, fmt.Sprintf("%d checkout 409s with an error code other than %s count as errors, as archbench counts them (%s); "+
			"k6 passed them by their status, so its own http_req_failed leaves them out.", n, api.CodeOutOfStock, metricUnexpected))
	}
	var crossed []string
	for name, m := range s.Metrics {
		for expr, failed := range m.Thresholds {
			if failed {
				crossed = append(crossed, name+": "+expr)
			}
		}
	}
	if len(crossed) > 0 {
		sort.Strings(crossed)
		notes = append(notes, fmt.Sprintf("k6 reported %d crossed thresholds, which should always hold: %v", len(crossed), crossed))
	}
	return notes
}
