package results

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// SchemaVersion identifies the layout of results.json written by this
// package. See the package documentation for what may change within it.
const SchemaVersion = "archbench.results/v1"

// Labels say how a figure was obtained.
const (
	// LabelMeasured marks figures measured on a real run.
	LabelMeasured = "measured"
	// LabelModeled marks figures computed from a model, not measured.
	LabelModeled = "modeled"
	// LabelMixed describes figures some of which are measured and some
	// modeled (Origin).
	LabelMixed = "measured or modeled"
)

// Origin says how the figures of vs came about, for a report's or a
// chart's words: LabelMeasured when none is modeled, LabelModeled when
// every one is (a simulated run), else LabelMixed, whose modeled rows the
// reader must tell by their labels.
func Origin(vs []VariantResult) string {
	modeled := 0
	for _, v := range vs {
		if v.Label == LabelModeled {
			modeled++
		}
	}
	switch {
	case modeled == 0:
		return LabelMeasured
	case modeled == len(vs):
		return LabelModeled
	}
	return LabelMixed
}

// Run is one scenario run: every variant measured under the same scenario,
// with what was asked and where it ran. It is the content of results.json.
type Run struct {
	// Schema is SchemaVersion; Write fills it in when empty.
	Schema string `json:"schema"`
	// ID names the run and its folder; see NewRunID.
	ID string `json:"id"`
	// Scenario names the scenario that ran, such as "steady".
	Scenario string `json:"scenario"`
	// Profile names the parameter profile, such as "quick" or "full".
	Profile string `json:"profile,omitempty"`
	// StartedAt and FinishedAt bound the whole run, all variants included.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Machine describes where the run happened.
	Machine Machine `json:"machine"`
	// Archbench identifies the archbench build that ran.
	Archbench Build `json:"archbench"`
	// Params holds the scenario's requested parameters as given.
	Params map[string]any `json:"params,omitempty"`
	// Variants holds one result per variant and repetition, in run order.
	Variants []VariantResult `json:"variants"`
	// Notes holds remarks about the run as a whole.
	Notes []string `json:"notes,omitempty"`
}

// Machine describes the host a run happened on.
type Machine struct {
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// CPUs is the number of logical CPUs usable by the process.
	CPUs int `json:"cpus"`
	// CPUModel is the CPU's model name, when the host tells (Linux: /proc/cpuinfo).
	CPUModel string `json:"cpu_model,omitempty"`
	// Kernel is the kernel release, when the host tells (Linux).
	Kernel string `json:"kernel,omitempty"`
	// GoVersion is the Go release that built archbench.
	GoVersion string `json:"go_version"`
	// MemoryBytes is the host's total memory, when known (Linux: /proc/meminfo).
	MemoryBytes uint64 `json:"memory_bytes,omitempty"`
}

// Build identifies the archbench binary that produced a run.
type Build struct {
	// Version is the main module's version, "(devel)" for a local build.
	Version string `json:"version,omitempty"`
	// Revision is the VCS commit the binary was built from, when stamped.
	Revision string `json:"revision,omitempty"`
	// Time is the commit time of Revision, when stamped.
	Time string `json:"time,omitempty"`
	// Modified reports uncommitted changes in the build's working tree.
	Modified bool `json:"modified,omitempty"`
}

// VariantResult is what one variant did under the scenario's load: the load
// that was asked next to what happened, and the measured statistics.
type VariantResult struct {
	// Variant names the architecture variant, such as "monolith".
	Variant string `json:"variant"`
	// Runtime names where it ran, such as "process" or "docker".
	Runtime string `json:"runtime,omitempty"`
	// Label is LabelMeasured or LabelModeled and applies to every figure below.
	Label string `json:"label"`
	// Entry names the component clients reach (the variant's front door).
	Entry string `json:"entry,omitempty"`
	// Setting names the variation of the variant's settings this result
	// ran with, when a scenario varies them ("keep-alive 2s").
	Setting string `json:"setting,omitempty"`
	// ReadySec is how long the deployment took from the start of the
	// deploy to every component serving. Building the programs (and
	// images) is not in it when the runtime builds ahead of the deploy, as
	// both of archbench's do; results written before 2026-12-06 counted
	// the build in the first deployment of each program.
	ReadySec float64 `json:"ready_sec,omitempty"`
	// Repetition counts repeated runs of the same variant, from 1.
	Repetition int `json:"repetition,omitempty"`
	// Requested is the load that was asked for.
	Requested Load `json:"requested"`
	// Achieved is what the generator and the system under test managed.
	Achieved Throughput `json:"achieved"`
	// StartedAt is the wall-clock start of the schedule the statistics are
	// over: second T of Series began at StartedAt + T seconds. It is absent
	// when unknown.
	StartedAt time.Time `json:"started_at,omitzero"`
	// Generator is what the load generator itself cost.
	Generator Generator `json:"generator"`
	// Total aggregates every measured request.
	Total OpStats `json:"total"`
	// LatencyCDF is the distribution of every measured request's latency
	// as quantiles, from the same histogram as Total: enough points to draw
	// the curve. Empty when there were no requests.
	LatencyCDF []Quantile `json:"latency_cdf,omitempty"`
	// Operations holds one entry per operation, sorted by name.
	Operations []OpStats `json:"operations"`
	// Journeys holds one entry per journey, sorted by name. A journey's
	// figures are over its requests; its latencies are per request.
	Journeys []OpStats `json:"journeys,omitempty"`
	// ColdStarts is present when the system under test reported any.
	ColdStarts *ColdStarts `json:"cold_starts,omitempty"`
	// Series holds one entry per second of the measured schedule.
	Series []Second `json:"series,omitempty"`
	// Windows holds one entry per named part of the schedule the scenario
	// asked the recorder to summarise apart (results.WithWindows), such as
	// the spike's base and burst: its requests, latencies and throughput
	// over the window's length.
	Windows []OpStats `json:"windows,omitempty"`
	// Platform is present when the variant runs on a function platform: the
	// platform's own account of the run.
	Platform *Platform `json:"platform,omitempty"`
	// Resources is present when the runtime could say what the variant's
	// replicas used: their CPU time and memory, sampled while the scenario
	// ran.
	Resources *Resources `json:"resources,omitempty"`
	// Writers is present when the variant's components report their
	// SQLite writers: one entry per database of each such replica, what its
	// single writer did while the scenario ran, from the end of its
	// warm-up (as the latencies) to right after its load; in runs without
	// Operations, from before the warm-up.
	Writers []WriterUsage `json:"writers,omitempty"`
	// Errors holds the most frequent error messages, most frequent first.
	Errors []ErrorCount `json:"errors,omitempty"`
	// Hops counts, per operation, the network hops between the variant's own
	// components that one request makes. It is declared by the variant's
	// design, not measured; the report sets it against measured latencies.
	Hops map[string]int `json:"hops,omitempty"`
	// Ramp is present for the ramp scenario: its steps, why it stopped, and
	// the scalability fit (modeled).
	Ramp *RampSummary `json:"ramp,omitempty"`
	// Fault is present for the fault scenario: what crashing one capability
	// did to every operation.
	Fault *FaultSummary `json:"fault,omitempty"`
	// Bursts holds the cold-start scenario's bursts, in order.
	Bursts []Burst `json:"bursts,omitempty"`
	// Spike is present for the spike scenario: its figures read off Series.
	Spike *SpikeSummary `json:"spike,omitempty"`
	// CrossCheck is present when a second load generator (k6) drove the
	// same deployment with the same load right after the scenario, before
	// the audit: its own account, for the report's cross-check. Nothing
	// else in this result includes its requests.
	CrossCheck *VariantResult `json:"cross_check,omitempty"`
	// Audit is present when the shop's invariants were checked after the run.
	Audit *Audit `json:"audit,omitempty"`
	// Notes holds remarks that qualify the figures.
	Notes []string `json:"notes,omitempty"`
}

// Load is the load that was asked for.
type Load struct {
	// Rate is the requested arrival rate in iterations per second (the mean
	// rate when the scenario shapes it; Run.Params holds the shape).
	Rate float64 `json:"rate_per_sec"`
	// Duration is the length of the measured schedule: the warm-up is
	// not part of it.
	Duration Duration `json:"duration_sec"`
	// Warmup is how long load ran before the measured schedule, at the
	// same rate or rising to it, excluded from the statistics.
	Warmup Duration `json:"warmup_sec"`
}

// Throughput is what happened. The generator's account (Scheduled,
// Iterations, Late, MaxLatenessMs, IterationsPerSec) covers the whole run,
// warmup included, over Elapsed, as the requested rate does; the requests
// cover the measured window, over Duration.
type Throughput struct {
	// Scheduled counts the iterations that came due during the run.
	Scheduled int64 `json:"scheduled"`
	// Iterations counts the iterations started.
	Iterations int64 `json:"iterations"`
	// Late counts iterations started noticeably after they were due.
	Late int64 `json:"late"`
	// MaxLatenessMs is the longest an iteration waited past its due time.
	MaxLatenessMs float64 `json:"max_lateness_ms"`
	// IterationsPerSec is Iterations over Elapsed: compare it with Load.Rate.
	IterationsPerSec float64 `json:"iterations_per_sec"`
	// Elapsed is the wall time of the whole run.
	Elapsed Duration `json:"elapsed_sec"`

	// Requests counts the requests sent in the measured window.
	Requests int64 `json:"requests"`
	// Dropped counts the iterations due in the measured window when no
	// worker was free; they were never sent.
	Dropped int64 `json:"dropped"`
	// RequestsPerSec is Requests over Duration.
	RequestsPerSec float64 `json:"requests_per_sec"`
	// Duration is the measured window: the run after the warmup.
	Duration Duration `json:"duration_sec"`
	// WarmupRequests counts requests scheduled during the warmup, which are
	// in none of the statistics.
	WarmupRequests int64 `json:"warmup_requests"`
}

// Generator is what generating the load cost, so a reader can judge how much
// CPU the generator took from the system under test on a shared machine.
type Generator struct {
	// Name names the load generator: "archbench" (the built-in open-loop
	// generator, when empty) or "k6".
	Name string `json:"name,omitempty"`
	// CPU is the generator process's CPU time over the whole run, warmup
	// included; zero when not measured. A system under test served inside
	// the generator's process is counted too.
	CPU Duration `json:"cpu_sec"`
	// CPUMicrosPerRequest is CPU over every request sent, warmup included.
	CPUMicrosPerRequest float64 `json:"cpu_us_per_request"`
}

// OpStats aggregates the requests of one operation, one journey, or all.
type OpStats struct {
	// Name is the operation ("GET /products/{id}"), the journey, or "total".
	Name string `json:"name"`
	// Count counts the requests sent.
	Count int64 `json:"count"`
	// Errors counts the requests that failed (loadgen.Result.Failed).
	Errors int64 `json:"errors"`
	// ErrorRate is Errors/Count, a fraction from 0 to 1.
	ErrorRate float64 `json:"error_rate"`
	// Dropped counts dropped iterations; only journeys and the total have any.
	Dropped int64 `json:"dropped,omitempty"`
	// ThroughputPerSec is Count over the measured window.
	ThroughputPerSec float64 `json:"throughput_per_sec"`
	// Status counts responses by HTTP status code; "0" means no response.
	Status map[string]int64 `json:"status,omitempty"`
	// LatencyMs summarises latency, measured from the scheduled send time.
	LatencyMs Percentiles `json:"latency_ms"`
	// CPUCores is the CPU the variant's replicas used while the requests
	// were scheduled, in cores on average, and GeneratorCPUCores the load
	// generator's process's: measured on the total and on each window
	// where the runtime reports resources (see Resources), so that a
	// phase's CPU can be set against its throughput; absent on operations
	// and journeys, whose CPU is not told apart.
	CPUCores          float64 `json:"cpu_cores,omitempty"`
	GeneratorCPUCores float64 `json:"generator_cpu_cores,omitempty"`
}

// Percentiles summarises a latency distribution in milliseconds, to the
// precision of the histogram it came from (3 significant digits).
type Percentiles struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Quantile is one point of a latency distribution: the fraction Q (0–1) of
// requests that took at most Ms milliseconds.
type Quantile struct {
	Q  float64 `json:"q"`
	Ms float64 `json:"ms"`
}

// ColdStarts summarises responses served by freshly started instances.
type ColdStarts struct {
	// Count counts measured cold responses.
	Count int64 `json:"count"`
	// WarmupCount counts cold responses during the warmup.
	WarmupCount int64 `json:"warmup_count"`
	// Share is Count over all measured responses, a fraction from 0 to 1.
	Share float64 `json:"share"`
	// ColdLatencyMs and WarmLatencyMs split the latency by cold and warm responses.
	ColdLatencyMs Percentiles `json:"cold_latency_ms"`
	WarmLatencyMs Percentiles `json:"warm_latency_ms"`
}

// Second summarises the requests scheduled in one second of the run.
type Second struct {
	// T is the second's start, counted in whole seconds from the start of the
	// run (warmup included), so the first measured second is the warmup's end.
	T int64 `json:"t_sec"`
	// Requests, Errors and Dropped count as in OpStats.
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	Dropped  int64 `json:"dropped"`
	// ColdStarts counts cold responses.
	ColdStarts int64 `json:"cold_starts,omitempty"`
	// P50Ms and P99Ms are the second's latency percentiles (2 significant digits).
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	// Instances and BusyInstances are measured by a function platform's own
	// meter (see Platform): the most instances that existed during the
	// second, over all functions, and the most serving at once. The
	// platform counts in wall-clock seconds; each of its seconds is put in
	// the run's second it overlaps most. Zero (absent) when no instance
	// existed, or when the platform's account did not cover the second (the
	// last one may not be counted yet when the account is fetched); always
	// absent for variants without a platform.
	Instances     int `json:"instances,omitempty"`
	BusyInstances int `json:"busy_instances,omitempty"`
}

// Platform is a function platform's own account of a run (package faas
// keeps it; the scenario fetches it after the load). Invocations, errors,
// throttles, cold starts, init times, dead letters, billed durations and
// instance counts are measured by the platform's meter. Billed GB-seconds
// are computed from those measured durations by the cloud's billing rule:
// each invocation's duration, its instance's initialisation included on a
// cold start, rounded up to the millisecond, times the function's memory
// (1 GB = 1024 MB). No price is applied.
//
// The counts cover the platform's life up to the end of the load, the
// warmup included, where the generator's figures cover only the measured
// window; they also count invocations the generator did not make (events,
// schedules).
type Platform struct {
	// Component names the variant's component that runs the platform.
	Component string `json:"component,omitempty"`
	// AccountConcurrency is the most instances the platform let serve at
	// once over all functions (a cloud account's limit), and KeepAliveSec
	// how long it kept an idle instance: its settings, recorded so that a
	// model of the run need not assume them. Absent in results from
	// before they were recorded.
	AccountConcurrency int     `json:"account_concurrency,omitempty"`
	KeepAliveSec       float64 `json:"keep_alive_sec,omitempty"`
	// Functions holds one entry per function, in the platform's order.
	Functions []PlatformFunction `json:"functions"`
	// Total sums Functions.
	Total PlatformTotal `json:"total"`
}

// PlatformFunction is one function's account on a function platform.
type PlatformFunction struct {
	// Name is the function's name.
	Name string `json:"name"`
	// MemoryMB is the memory the function is configured, and billed, with.
	MemoryMB int `json:"memory_mb"`
	// Routes are the platform's front-door routes that invoke the
	// function, as operation names ("GET /products/{id}"); none for a
	// function that only events or a schedule invoke, and in results from
	// before they were recorded.
	Routes []string `json:"routes,omitempty"`
	// ReservedConcurrency is the function's own concurrency limit; absent
	// for none (the account's applies).
	ReservedConcurrency int `json:"reserved_concurrency,omitempty"`
	// Invocations counts invocations that reached an instance (throttled
	// ones did not), synchronous and asynchronous.
	Invocations int64 `json:"invocations"`
	// Errors counts invocations that failed on the platform's side: the
	// instance crashed, timed out, or answered 5xx.
	Errors int64 `json:"errors"`
	// Throttles counts invocations refused for a concurrency limit (HTTP 429).
	Throttles int64 `json:"throttles"`
	// ColdStarts counts invocations that had to start an instance first.
	ColdStarts int64 `json:"cold_starts"`
	// InitMs summarises the cold starts' initialisation: from launching an
	// instance to its readiness.
	InitMs InitPercentiles `json:"init_ms"`
	// DeadLetters counts events dropped after their last failed attempt.
	DeadLetters int64 `json:"dead_letters"`
	// BilledMs is the billed duration in milliseconds (see Platform).
	BilledMs int64 `json:"billed_ms"`
	// GBSeconds is the billed compute: BilledMs times MemoryMB, in
	// GB-seconds, computed by the billing rule (see Platform).
	GBSeconds float64 `json:"gb_seconds"`
	// PeakInstances is the most instances of the function that existed at
	// once.
	PeakInstances int `json:"peak_instances"`
	// Provisioned is how many instances the function had provisioned
	// (provisioned concurrency): started ahead, never stopped for
	// idleness, and billed by the hour whether busy or not. Absent for
	// none.
	Provisioned int `json:"provisioned,omitempty"`
	// ProvisionedGBSeconds is the part of GBSeconds billed on provisioned
	// instances, which the cloud bills at a lower duration price.
	ProvisionedGBSeconds float64 `json:"provisioned_gb_seconds,omitempty"`
}

// InitPercentiles summarises cold-start initialisation times in
// milliseconds; all zero when there was no cold start.
type InitPercentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// PlatformTotal sums a platform's functions.
type PlatformTotal struct {
	// Invocations, Errors, Throttles, ColdStarts and DeadLetters count as
	// in PlatformFunction, over every function.
	Invocations int64 `json:"invocations"`
	Errors      int64 `json:"errors"`
	Throttles   int64 `json:"throttles"`
	ColdStarts  int64 `json:"cold_starts"`
	DeadLetters int64 `json:"dead_letters"`
	// BilledMs and GBSeconds are the billed duration and compute over every
	// function (see Platform).
	BilledMs  int64   `json:"billed_ms"`
	GBSeconds float64 `json:"gb_seconds"`
}

// SumPlatform returns the totals of fns.
func SumPlatform(fns []PlatformFunction) PlatformTotal {
	var t PlatformTotal
	for _, f := range fns {
		t.Invocations += f.Invocations
		t.Errors += f.Errors
		t.Throttles += f.Throttles
		t.ColdStarts += f.ColdStarts
		t.DeadLetters += f.DeadLetters
		t.BilledMs += f.BilledMs
		t.GBSeconds += f.GBSeconds
	}
	return t
}

// Resources is what a variant's replicas used while the scenario ran, the
// warmup included (as with Generator and Platform), measured by sampling
// the runtime's own meter: the harness asked it for every replica's
// cumulative CPU time and current memory right before the scenario, every
// Interval while it ran, and right after. CPU figures are the difference
// between a replica's first and last sample; memory figures are over its
// samples. Each replica of a process runtime is its whole process group,
// children included.
type Resources struct {
	// Source names the meter: "proc" (the kernel's accounting of each
	// replica's process group, in /proc) or "docker" (the engine's
	// statistics of each container).
	Source string `json:"source"`
	// Interval is the time between samples while the scenario ran.
	Interval Duration `json:"interval_sec"`
	// Samples counts the samples taken, the first and last included.
	Samples int `json:"samples"`
	// Duration is the wall time from the first sample to the last, over
	// which CPUCoresAvg averages.
	Duration Duration `json:"duration_sec"`
	// Replicas holds one entry per replica, in the runtime's order
	// (components in start order, each one's replicas by number).
	Replicas []ReplicaResources `json:"replicas"`
	// Total is over all replicas.
	Total ResourceTotal `json:"total"`
}

// WriterUsage is what one replica's SQLite writer did while a scenario
// ran, as the replica counted it (sqlstore.WriterStats) at the scenario's
// start and end. SQLite lets one connection write at a time, so writes
// queue for the writer: a busy writer is a shared resource that the CPUs'
// figures do not show.
type WriterUsage struct {
	// Component and Replica name the replica, and Database its file.
	Component string `json:"component"`
	Replica   int    `json:"replica"`
	Database  string `json:"database"`
	// Span is the wall time between the two samples, or, when Restarted,
	// from the restart to the second sample.
	Span Duration `json:"span_sec"`
	// Writes counts the writes: a transaction or a single statement each.
	Writes int64 `json:"writes"`
	// Held is the time writes held the writer, and Waited the time they
	// waited for it, in total.
	Held   Duration `json:"held_sec"`
	Waited Duration `json:"waited_sec"`
	// Restarted is set when the replica started again between the two
	// samples (a fault or a deploy), opening the database anew, so that
	// its counts began again: the figures, like Span, are from its restart
	// on.
	Restarted bool `json:"restarted,omitempty"`
	// Operations splits Writes, Held and Waited by the public operation
	// each write served, such as "POST /carts/{id}/checkout", carried
	// from the request that matched it across every hop; "" for writes no
	// request started (a broker event's consumer). In order of name; only
	// operations that wrote. Runs before they were counted have none.
	Operations []OperationWrites `json:"operations,omitempty"`
}

// OperationWrites is the part of a WriterUsage that served one operation.
type OperationWrites struct {
	Operation string   `json:"operation"`
	Writes    int64    `json:"writes"`
	Held      Duration `json:"held_sec"`
	Waited    Duration `json:"waited_sec"`
}

// MeanHeldMs returns the mean time a write of the operation held the
// writer, in milliseconds; 0 without writes.
func (o OperationWrites) MeanHeldMs() float64 { return perWriteMs(o.Held, o.Writes) }

// Busy returns the share of Span the writer was held, 0 without a Span.
func (w WriterUsage) Busy() float64 {
	if w.Span <= 0 {
		return 0
	}
	return w.Held.Seconds() / w.Span.Seconds()
}

// MeanHeldMs returns the mean time a write held the writer, and
// MeanWaitedMs the mean time it waited for it, in milliseconds; 0 without
// writes.
func (w WriterUsage) MeanHeldMs() float64 { return perWriteMs(w.Held, w.Writes) }

// MeanWaitedMs: see MeanHeldMs.
func (w WriterUsage) MeanWaitedMs() float64 { return perWriteMs(w.Waited, w.Writes) }

// BusiestWriter returns, of ws, the writer that some write held for the
// largest share of its span (WriterUsage.Busy), among those written at
// all; false when no write reached any.
func BusiestWriter(ws []WriterUsage) (WriterUsage, bool) {
	busiest, found := WriterUsage{}, false
	for _, w := range ws {
		if w.Writes > 0 && (!found || w.Busy() > busiest.Busy()) {
			busiest, found = w, true
		}
	}
	return busiest, found
}

// RestartedWriters returns, of ws, in their order, the writers written at
// all whose replica started again between the two samples (Restarted),
// so that their figures count from the restart; nil when there are none.
func RestartedWriters(ws []WriterUsage) []WriterUsage {
	var out []WriterUsage
	for _, w := range ws {
		if w.Restarted && w.Writes > 0 {
			out = append(out, w)
		}
	}
	return out
}

func perWriteMs(d Duration, writes int64) float64 {
	if writes <= 0 {
		return 0
	}
	return d.Seconds() * 1000 / float64(writes)
}

// ReplicaResources is what one replica of a component used (see Resources).
type ReplicaResources struct {
	// Component and Replica name the replica; Replica counts from 0.
	Component string `json:"component"`
	Replica   int    `json:"replica"`
	// CPU is the CPU time, user and system, the replica used between its
	// first and last sample.
	CPU Duration `json:"cpu_sec"`
	// CPUCoresAvg is CPU over Resources.Duration: the average number of
	// cores the replica kept busy.
	CPUCoresAvg float64 `json:"cpu_cores_avg"`
	// MemPeakBytes and MemAvgBytes are the largest and the mean memory in
	// use over the replica's samples: resident set size for a process, the
	// cgroup's usage less page cache for a container.
	MemPeakBytes uint64 `json:"mem_peak_bytes"`
	MemAvgBytes  uint64 `json:"mem_avg_bytes"`
	// CPULimit (in cores) and MemLimitBytes are the replica's limits;
	// absent where none is set, as for processes.
	CPULimit      float64 `json:"cpu_limit,omitempty"`
	MemLimitBytes uint64  `json:"mem_limit_bytes,omitempty"`
}

// ResourceTotal is what all of a variant's replicas used together.
type ResourceTotal struct {
	// CPU sums the replicas' CPU time; CPUCoresAvg is it over
	// Resources.Duration.
	CPU         Duration `json:"cpu_sec"`
	CPUCoresAvg float64  `json:"cpu_cores_avg"`
	// MemPeakBytes is the most memory all replicas held at one sample (not
	// the sum of their peaks, which may come at different times);
	// MemAvgBytes is the mean over the samples of what they held together.
	MemPeakBytes uint64 `json:"mem_peak_bytes"`
	MemAvgBytes  uint64 `json:"mem_avg_bytes"`
}

// ErrorCount counts one error message.
type ErrorCount struct {
	// Message is the failure: the transport error or failed expectation, or
	// "HTTP 503" / "no response" when there was none. OtherErrors collects
	// messages beyond the distinct ones a Recorder keeps.
	Message string `json:"message"`
	Count   int64  `json:"count"`
}

// OtherErrors is the ErrorCount message that collects the messages beyond
// the distinct ones a Recorder keeps.
const OtherErrors = "(other)"

// Audit is the result of checking the shop's invariants after a run.
type Audit struct {
	// Passed reports whether every check passed.
	Passed bool `json:"passed"`
	// Checks holds each check.
	Checks []AuditCheck `json:"checks"`
}

// AuditCheck is one invariant checked after a run, such as "no oversell".
type AuditCheck struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Detail explains a failure, or what was checked.
	Detail string `json:"detail,omitempty"`
}

// Duration is a span of time that JSON encodes as a number of seconds.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Seconds returns d in seconds.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON encodes d as seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, d.Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON decodes a number of seconds, rounded to the nanosecond.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration: want a number of seconds, got %s", b)
	}
	ns := math.Round(s * 1e9)
	if ns >= math.MaxInt64 || ns < math.MinInt64 { // float64(MaxInt64) is 2^63
		return fmt.Errorf("duration: %s seconds is out of range", b)
	}
	*d = Duration(ns)
	return nil
}

// SpikeSummary is what a sudden burst did to a variant, read off the
// per-second series: seconds count from the start of the measured schedule.
type SpikeSummary struct {
	// BaseRate and PeakRate are the journeys per second asked outside and
	// during the burst.
	BaseRate float64 `json:"base_per_sec"`
	PeakRate float64 `json:"peak_per_sec"`
	// StartSec and EndSec bound the burst: [StartSec, EndSec).
	StartSec int64 `json:"start_sec"`
	EndSec   int64 `json:"end_sec"`
	// SLOMs is the per-second p99 latency the variant must stay under.
	SLOMs float64 `json:"slo_p99_ms"`
	// P99MsBefore is the median of the per-second p99s before the burst;
	// MaxP99MsDuring the worst second's p99 during it.
	P99MsBefore    float64 `json:"p99_ms_before"`
	MaxP99MsDuring float64 `json:"max_p99_ms_during"`
	// RequestsDuring, ErrorsDuring and DroppedDuring count the burst's
	// requests, failed requests (throttled ones included) and iterations
	// the generator could not start; ErrorsAfter counts failures after it.
	RequestsDuring int64 `json:"requests_during"`
	ErrorsDuring   int64 `json:"errors_during"`
	DroppedDuring  int64 `json:"dropped_during"`
	ErrorsAfter    int64 `json:"errors_after"`
	// RecoverySec is how long after the burst ended every second met the
	// SLO again with no error, and kept meeting it: 0 if it never breached
	// after the burst, -1 if it had not recovered when the run ended.
	RecoverySec float64 `json:"recovery_sec"`
	// PeakInstances is the most function instances during the burst, for a
	// variant on a function platform.
	PeakInstances int `json:"peak_instances,omitempty"`
}

// Burst is one burst of the cold-start scenario: what it met after being
// idle for IdleSec (0 for the first, on a fresh deployment).
type Burst struct {
	Index    int     `json:"index"`
	IdleSec  float64 `json:"idle_sec"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	// ColdStarts and ColdShare count the responses served by an instance
	// started for them (variants on a function platform only).
	ColdStarts int64   `json:"cold_starts,omitempty"`
	ColdShare  float64 `json:"cold_share,omitempty"`
	// LatencyMs is over every request of the burst; ColdLatencyMs over the
	// cold ones.
	LatencyMs     Percentiles  `json:"latency_ms"`
	ColdLatencyMs *Percentiles `json:"cold_latency_ms,omitempty"`
}

// RampSummary is the ramp scenario's account: each step measured, why the
// ramp stopped, and the Universal Scalability Law fitted to the steps.
type RampSummary struct {
	Steps []RampStep `json:"steps"`
	// StoppedBy says what saturated first: "latency knee", "errors",
	// "throughput fell behind the offered load", "the generator's limit",
	// or "not saturated within the steps"; a knee or the generator's limit
	// seen at the last step, with no step left to confirm it, is followed
	// by " at the last step, seen once (no step left to confirm it)".
	StoppedBy string `json:"stopped_by"`
	// SLOMs is the p99 past which a step is the latency knee.
	SLOMs float64 `json:"slo_p99_ms"`
	// MaxRequestsPerSec is the most any step achieved (measured).
	MaxRequestsPerSec float64 `json:"max_requests_per_sec"`
	// Fit is the scalability model; nil when there were too few steps.
	Fit *USLFit `json:"usl,omitempty"`
	// CPUs is the CPU budget the variant was deployed with, when the ramp
	// ran once per allocated capacity (0 otherwise).
	CPUs float64 `json:"cpus,omitempty"`
	// CapacityFit is the Universal Scalability Law fitted to the most each
	// capacity carried (MaxRequestsPerSec) against its CPUs, over every
	// capacity the variant ran with, in units of the smallest (UnitCPUs);
	// every result of the variant holds the same fit. Modeled.
	CapacityFit *USLFit `json:"capacity_usl,omitempty"`
}

// RampStep is one step of the ramp, measured.
type RampStep struct {
	OfferedPerSec  float64 `json:"offered_per_sec"`
	JourneysPerSec float64 `json:"journeys_per_sec"`
	RequestsPerSec float64 `json:"requests_per_sec"`
	ErrorRate      float64 `json:"error_rate"`
	Dropped        int64   `json:"dropped"`
	Late           int64   `json:"late"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
	// Concurrency is the mean requests in flight, by Little's law:
	// throughput × mean latency.
	Concurrency float64 `json:"concurrency"`
	// StartedAt and ElapsedSec are the step's wall-clock start and length.
	StartedAt  time.Time `json:"started_at,omitzero"`
	ElapsedSec float64   `json:"elapsed_sec,omitempty"`
	// CPUCores and GeneratorCPUCores are what the variant's replicas and
	// the load generator's process used during the step, in cores on
	// average, where the runtime reports resources (see OpStats).
	CPUCores          float64 `json:"cpu_cores,omitempty"`
	GeneratorCPUCores float64 `json:"generator_cpu_cores,omitempty"`
	// Writers is present when the variant's components report their
	// SQLite writers (see VariantResult.Writers): what each replica's
	// databases did during the step, counted right before the step's load
	// began and right after its last journey ended, so that each Span is
	// the step's length and a little more. The warm-up is in no step. A
	// replica that started again during the step is marked Restarted in
	// it, as in the whole run's, its figures and Span from its restart on
	// (see RestartedWriters).
	Writers []WriterUsage `json:"writers,omitempty"`
}

// USLFit is the Universal Scalability Law, X(N) = λN / (1 + σ(N−1) +
// κN(N−1)), fitted to a ramp's throughput against its concurrency in units
// of the first step's concurrency. Every figure here is modeled.
type USLFit struct {
	// Label is LabelModeled.
	Label string `json:"label"`
	// Lambda is the throughput of one unit (requests/s); Sigma the
	// contention and Kappa the coherency penalty.
	Lambda float64 `json:"lambda"`
	Sigma  float64 `json:"sigma"`
	Kappa  float64 `json:"kappa"`
	// UnitConcurrency is the concurrency one unit stands for; UnitCPUs,
	// in a fit over allocated capacity, the CPUs one unit stands for.
	UnitConcurrency float64 `json:"unit_concurrency"`
	UnitCPUs        float64 `json:"unit_cpus,omitempty"`
	// PeakCPUs is where a fit over allocated capacity peaks, in CPUs; 0
	// when it does not peak.
	PeakCPUs float64 `json:"peak_cpus,omitempty"`
	// Residual is the RMS relative error of the fit; R2 its R².
	Residual float64 `json:"residual"`
	R2       float64 `json:"r2"`
	// PeakConcurrency and PeakRequestsPerSec are where the model peaks.
	// With κ = 0 it does not peak: PeakConcurrency is 0 and
	// PeakRequestsPerSec the ceiling λ/σ the throughput approaches, or 0
	// when σ = 0 too (unbounded).
	PeakConcurrency    float64 `json:"peak_concurrency"`
	PeakRequestsPerSec float64 `json:"peak_requests_per_sec"`
	// Error says why there is no fit, when there is none.
	Error string `json:"error,omitempty"`
}

// FaultSummary is what a fault in the code of one capability did,
// operation by operation, before, during and after the fault.
type FaultSummary struct {
	// Kind is "crash" (killed, then restarted), "redeploy" (a rolling
	// deploy: each replica drained and replaced under load), or a fault
	// injected into the capability's code and healed after the window:
	// "latency", "errors", "leak" or "hog".
	Kind string `json:"kind"`
	// Injected describes an injected code fault ("200 ms on 5 routes").
	Injected string `json:"injected,omitempty"`
	// Capability is what crashed (catalog, inventory, cart, orders,
	// notifications, payment); Components the components killed for it.
	Capability string   `json:"capability"`
	Components []string `json:"components"`
	// RestartSec is how long restarting them took (for a redeploy, the
	// whole rolling deploy).
	RestartSec float64   `json:"restart_sec"`
	Ops        []FaultOp `json:"ops"`
	// Unaffected counts the operations that do not need the capability;
	// UnaffectedDegraded those of them that degraded during the crash.
	Unaffected         int `json:"unaffected"`
	UnaffectedDegraded int `json:"unaffected_degraded"`
	// BlastRadius is UnaffectedDegraded over Unaffected: 0 when the crash
	// stayed inside what needs the capability, 1 when it took everything.
	BlastRadius float64 `json:"blast_radius"`
	// Timeline holds each operation's requests and failures second by
	// second, from the start of the before window; the fault lasted from
	// StartSec to EndSec on the same clock.
	Timeline []FaultTimeline `json:"timeline,omitempty"`
	StartSec float64         `json:"start_sec,omitempty"`
	EndSec   float64         `json:"end_sec,omitempty"`
}

// FaultTimeline is one operation through a fault, per second: Requests[i]
// requests were scheduled in second i, Errors[i] of them failed.
type FaultTimeline struct {
	Op       string  `json:"op"`
	Requests []int64 `json:"requests"`
	Errors   []int64 `json:"errors"`
}

// FaultOp is one operation through a fault.
type FaultOp struct {
	Op string `json:"op"`
	// Needs says whether the operation needs the crashed capability, by
	// the shop's design.
	Needs bool `json:"needs"`
	// Availability (share of requests that succeeded; 0 when none was
	// attempted) and p99 in each window.
	AvailBefore float64 `json:"availability_before"`
	AvailDuring float64 `json:"availability_during"`
	AvailAfter  float64 `json:"availability_after"`
	P99Before   float64 `json:"p99_ms_before"`
	P99During   float64 `json:"p99_ms_during"`
	P99After    float64 `json:"p99_ms_after"`
	// Degraded: availability fell by more than 2 points, or p99 at least
	// doubled (and grew by 20 ms), during the crash.
	Degraded bool `json:"degraded"`
}
