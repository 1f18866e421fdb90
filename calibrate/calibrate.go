package calibrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// Names of the model's stations and pool.
const (
	// StationCPU is the machine's CPUs, shared by every request.
	StationCPU = "cpu"
	// StationWait is the rest of each request's latency: a delay with
	// no queue (a sim delay station: as many servers as requests).
	StationWait = "wait"
	// PoolFunctions is the function platform, when the variant has one.
	PoolFunctions = "functions"
)

const (
	// minMs is the least delay or demand a model gets: 1 µs.
	minMs = 0.001
	// logNormalTolerance is how close a log-normal must come to every
	// fitted quantile to be chosen over the empirical distribution.
	logNormalTolerance = 0.05
	// converged is the relative error of every corrected quantile at
	// which the correction rounds stop early.
	converged = 0.01
)

// Calibration is a model calibrated from a measured result, and how it was
// built: the figures it was built from and how well it reproduces them.
type Calibration struct {
	// Model is the calibrated model; write it with its Write method for a
	// user to read and edit, and read it back with sim.Load.
	Model sim.Model `json:"model"`
	// Source is the result the model was calibrated from.
	Source Source `json:"source"`
	// Demand is where the CPU demand came from.
	Demand Demand `json:"demand"`
	// AccountedCPUMs is the CPU time per request the result accounted, in
	// ms: the variant's replicas, plus GeneratorCPUMs when the generator
	// was counted (WithGenerator), over every request sent, warm-up
	// included. 0 when the result had no Resources.
	AccountedCPUMs float64 `json:"accounted_cpu_ms"`
	GeneratorCPUMs float64 `json:"generator_cpu_ms"`
	// FloorMs is the mean latency floor of a request, over the mix.
	FloorMs float64 `json:"floor_ms"`
	// DemandMs is the mean CPU demand of a request in the model, over the
	// mix, and CapacityPerSec the request rate at which the CPUs are
	// all busy: CPUs / DemandMs.
	DemandMs       float64 `json:"demand_ms"`
	CapacityPerSec float64 `json:"capacity_per_sec"`
	// Marginal is how DemandMarginal found the demand; nil with another
	// Demand.
	Marginal *MarginalCPU `json:"marginal_cpu,omitempty"`
	// GeneratorShare is the share of every operation's CPU demand that is
	// the load generator's (MarginalCPU.GeneratorMsPerRequest with
	// DemandMarginal, else GeneratorCPUMs of the CPU accounted; 0 when
	// the generator is left out or its CPU was not measured). Where a
	// function platform serves the requests, that share comes before the
	// request takes its function's instance, which is not held through
	// it: the generator's process spends it, not the instance.
	GeneratorShare float64 `json:"generator_share,omitempty"`
	// Utilization is the model's CPU utilisation at the calibration rate,
	// simulated, and WriterBusy each writer station's (see OpFit.Writers).
	Utilization float64            `json:"utilization"`
	WriterBusy  map[string]float64 `json:"writer_busy,omitempty"`
	// P50Spread is, when the calibration run has several repetitions,
	// the largest relative distance of one repetition's p50 from their
	// mean: how far measurements at this one rate differ on their own, a
	// floor under any prediction's error. 0 with one repetition.
	P50Spread float64 `json:"p50_spread,omitempty"`
	// Ops holds one entry per operation, in the model's class order.
	Ops []OpFit `json:"ops"`
	// LoadCurve holds one entry per load point (WithLoadPoints), by rate:
	// the factor fitted on the delays there, or why the point was left
	// out.
	LoadCurve []LoadFit `json:"load_curve,omitempty"`
	// Notes qualify the calibration: estimates, defaults, what is missing.
	Notes []string `json:"notes,omitempty"`
}

// Source identifies the measured result a model was calibrated from.
type Source struct {
	// RunID and Scenario name the run, when known (FromRun).
	RunID    string `json:"run_id,omitempty"`
	Scenario string `json:"scenario,omitempty"`
	// Variant and Setting name the variant's result; Repetitions counts
	// the repetitions merged, and LeftOut says which others were left out
	// and why (FromRun).
	Variant     string   `json:"variant"`
	Setting     string   `json:"setting,omitempty"`
	Repetitions int      `json:"repetitions"`
	LeftOut     []string `json:"left_out,omitempty"`
	// RatePerSec is the measured request rate, the model's arrival rate.
	RatePerSec float64 `json:"rate_per_sec"`
	// CPUs is the number of CPUs of the machine the result was measured
	// on: the model's cpu station has as many servers.
	CPUs int `json:"cpus"`
}

// OpFit is how one operation became a class of the model.
type OpFit struct {
	// Op is the operation's name; Class the model's class for it, which
	// shows the declared hop count for a user reading the model.
	Op    string `json:"op"`
	Class string `json:"class"`
	// Hops is the number of network hops between the variant's
	// components the variant declares for the operation; -1 when it
	// declares none. The hops' cost is inside the measured latencies, so
	// the model adds none (its Hop is nil).
	Hops int `json:"hops"`
	// Share is the operation's share of the requests, the class's weight.
	Share float64 `json:"share"`
	// FloorMs is the operation's fastest measured latency, and DemandMs
	// its CPU demand: the mean of its service times at the cpu station.
	// OffPathMs is the part of the demand beyond the floor, which cannot
	// be on the request's path (it completed that fast): work the request
	// leaves behind (the generator's, async handlers', the garbage
	// collector's), an async visit to the cpu station that takes CPU from
	// other requests but not the request's own time.
	FloorMs   float64 `json:"floor_ms"`
	DemandMs  float64 `json:"demand_ms"`
	OffPathMs float64 `json:"off_path_ms,omitempty"`
	// Writers are the SQLite writers the operation's writes hold, when the
	// result counted them per operation: each a station of its own, held
	// through the part of DemandMs (and beyond it, of the latency) that
	// the writes took.
	Writers []WriterFit `json:"writers,omitempty"`
	// Delay is the rest of the operation's latency, at StationWait or
	// PoolFunctions.
	Delay sim.Dist `json:"delay"`
	// LogNormalErr is the largest relative error of the log-normal
	// fitted to the delay's p50, p90 and p99; the log-normal is the delay
	// when it is at most 5 %.
	LogNormalErr float64 `json:"lognormal_err"`
	// Measured are the operation's measured percentiles, and Modeled the
	// model's at the calibration rate after the correction rounds.
	Measured Quantiles `json:"measured"`
	Modeled  Quantiles `json:"modeled"`
}

// Quantiles are latency percentiles in milliseconds.
type Quantiles struct {
	P50Ms float64 `json:"p50_ms"`
	P90Ms float64 `json:"p90_ms"`
	P99Ms float64 `json:"p99_ms"`
}

// FromRun calibrates a model of variant from a measured steady-load run:
// the variant's results in it (one per repetition, merged; WithSetting
// picks among settings), on the run's machine. A repetition whose errors,
// dropped journeys or cold starts stood out from the others' (see
// figures.Standouts) is left out, and named in Source.LeftOut: a stall,
// or a storm of cold starts in one round, is not the steady state the
// model is of.
func FromRun(ctx context.Context, run results.Run, variant string, opts ...Option) (Calibration, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate: %w", err)
	}
	vs, leftOut, err := steadyResults(run, variant, cfg.setting)
	if err != nil {
		return Calibration{}, err
	}
	ms := make([]measure, 0, len(vs))
	for _, v := range vs {
		m, err := measureOf(v)
		if err != nil {
			return Calibration{}, fmt.Errorf("%w (run %s)", err, run.ID)
		}
		ms = append(ms, m)
	}
	cfg.runID, cfg.scenario, cfg.leftOut = run.ID, run.Scenario, len(leftOut)
	c, err := build(ctx, mergeMeasures(ms), run.Machine.CPUs, cfg)
	if err != nil {
		return c, err
	}
	c.P50Spread = spread(vs)
	c.Source.LeftOut = leftOut
	return c, nil
}

// steadyResults returns run's measured results for variant (resultsOf)
// without the repetitions that stood out from the others (see
// figures.Standouts: errors, dropped journeys or cold starts five times
// every other repetition's, a stall or a storm of cold starts in that
// round alone), and what stood out in each left out (Standout.String);
// all of them when every one stood out.
func steadyResults(run results.Run, variant string, setting *string) ([]results.VariantResult, []string, error) {
	vs, err := resultsOf(run, variant, setting)
	if err != nil {
		return nil, nil, err
	}
	outs := figures.Standouts(vs)
	if len(outs) == 0 || len(outs) == len(vs) {
		return vs, nil, nil
	}
	drop := make([]bool, len(vs))
	names := make([]string, len(outs))
	for i, s := range outs {
		drop[s.Index], names[i] = true, s.String()
	}
	var kept []results.VariantResult
	for i, v := range vs {
		if !drop[i] {
			kept = append(kept, v)
		}
	}
	return kept, names, nil
}

// leftOutText says which repetitions steadyResults left out and why.
func leftOutText(leftOut []string) string {
	return "left out as a stall or a storm of cold starts rather than the steady state of this rate " +
		"(errors, dropped journeys or cold starts at least five times every other repetition's): " + strings.Join(leftOut, "; ")
}

// spread is the largest relative distance of one result's total p50 from
// the mean of them all; 0 for fewer than two.
func spread(vs []results.VariantResult) float64 {
	if len(vs) < 2 {
		return 0
	}
	p50s := make([]float64, len(vs))
	for i, v := range vs {
		p50s[i] = v.Total.LatencyMs.P50
	}
	mean := stat.Mean(p50s, nil)
	if !(mean > 0) {
		return 0
	}
	var worst float64
	for _, p := range p50s {
		worst = max(worst, math.Abs(p-mean)/mean)
	}
	return worst
}

// Calibrate calibrates a model from one variant's measured steady-load
// result, measured on a machine with cpus CPUs. See [Method] for how.
func Calibrate(ctx context.Context, v results.VariantResult, cpus int, opts ...Option) (Calibration, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate: %w", err)
	}
	m, err := measureOf(v)
	if err != nil {
		return Calibration{}, err
	}
	return build(ctx, m, cpus, cfg)
}

// resultsOf returns run's measured results for variant, with the wanted
// setting if any; several settings without a choice are an error.
func resultsOf(run results.Run, variant string, setting *string) ([]results.VariantResult, error) {
	var out []results.VariantResult
	var names, settings []string
	for _, v := range run.Variants {
		if !slices.Contains(names, v.Variant) {
			names = append(names, v.Variant)
		}
		if v.Variant != variant || (setting != nil && v.Setting != *setting) {
			continue
		}
		if !slices.Contains(settings, v.Setting) {
			settings = append(settings, v.Setting)
		}
		out = append(out, v)
	}
	switch {
	case len(out) == 0 && setting != nil:
		return nil, fmt.Errorf("calibrate: run %s has no result of %q with setting %q", run.ID, variant, *setting)
	case len(out) == 0:
		return nil, fmt.Errorf("calibrate: run %s has no result of %q; it has %s", run.ID, variant, strings.Join(names, ", "))
	case len(settings) > 1:
		return nil, fmt.Errorf("calibrate: run %s ran %q with %d settings (%q): choose one with WithSetting", run.ID, variant, len(settings), settings)
	}
	return out, nil
}

// build turns a measure into a calibrated model.
func build(ctx context.Context, m measure, cpus int, cfg config) (Calibration, error) {
	name := cmp.Or(m.variant, "(unnamed)")
	if cpus < 1 {
		return Calibration{}, fmt.Errorf("calibrate: %s: the machine's CPU count must be >= 1, but is %d (results.Machine.cpus)", name, cpus)
	}
	if cfg.demand == DemandCPU && !m.hasCPU {
		return Calibration{}, fmt.Errorf("calibrate: %s: the result has no resources (resources.total.cpu_sec), which DemandCPU needs: calibrate with DemandFloor, or measure with a runtime that reports resources", name)
	}
	c := Calibration{
		Source: Source{
			RunID: cfg.runID, Scenario: cfg.scenario,
			Variant: m.variant, Setting: m.setting, Repetitions: m.reps,
			RatePerSec: m.rate, CPUs: cpus,
		},
		Demand: cfg.demand,
		Notes:  slices.Clone(m.notes),
	}

	// Shares, floors and demands.
	var total int64
	for _, o := range m.ops {
		total += o.count
	}
	counts := make([]float64, len(m.ops))
	floors := make([]float64, len(m.ops))
	for i, o := range m.ops {
		counts[i] = float64(o.count)
		floors[i] = o.lat.Min
		if !(floors[i] > 0) {
			floors[i] = o.lat.P50 / 2
			c.Notes = append(c.Notes, fmt.Sprintf("%s: its min latency is 0; its floor is taken as half its p50, %.3g ms.", o.name, floors[i]))
		}
		if o.errors > 0 && float64(o.errors) > 0.01*float64(o.count) {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: %.1f %% of its requests failed; the model counts them as served.", o.name, 100*float64(o.errors)/float64(o.count)))
		}
	}
	c.FloorMs = stat.Mean(floors, counts)
	if m.hasCPU {
		sut := m.cpuSec * 1000 / m.all
		c.GeneratorCPUMs = m.genSec * 1000 / m.all
		c.AccountedCPUMs = sut
		if cfg.generator {
			c.AccountedCPUMs += c.GeneratorCPUMs
		}
	} else {
		c.Notes = append(c.Notes, "The result has no resources: the CPU the variant used is unknown, so the latency floor cannot be checked against it.")
	}
	scale := 1.0
	switch cfg.demand {
	case DemandCPU:
		scale = c.AccountedCPUMs / c.FloorMs
	case DemandMarginal:
		// From the calibration rate up, its repetitions' spread allowed.
		mc, err := marginalCPU(append(slices.Clone(m.cpuPoints), cfg.loadPoints...), cfg.generator, m.rate*(1-samePoint))
		if err != nil {
			return Calibration{}, fmt.Errorf("calibrate: %s: %w", name, err)
		}
		c.Marginal = &mc
		scale = mc.MsPerRequest / c.FloorMs
	}
	switch {
	case !cfg.generator:
	case c.Marginal != nil:
		c.GeneratorShare = round4(c.Marginal.GeneratorMsPerRequest / c.Marginal.MsPerRequest)
	case c.AccountedCPUMs > 0:
		c.GeneratorShare = round4(c.GeneratorCPUMs / c.AccountedCPUMs)
	}
	if cfg.demand != DemandFloor && !cfg.generator {
		c.Notes = append(c.Notes, "The load generator's CPU is left out of the demand (WithGenerator(false)).")
	}

	// The model.
	model := sim.Model{
		Name:        cmp.Or(m.variant, "(unnamed)"),
		Description: modelDescription(m, cfg),
		Label:       sim.Label,
		DurationSec: round3(m.warmupSec + m.duration),
		WarmupSec:   round3(m.warmupSec),
		Arrivals:    sim.Arrivals{RatePerSec: cmp.Or(round3(m.rate), m.rate)},
		Stations: []sim.Station{
			{Name: StationCPU, Servers: cpus, Replicas: 1, MemoryMB: int(math.Ceil(float64(m.memBytes) / (1 << 20)))},
		},
	}
	delayAt := sim.Visit{Station: StationWait}
	var (
		asyncs    []asyncVisit
		poolForOp map[string]string // the operation's function's pool
		// inInstance: the operation's CPU demand and writes are its
		// function's, done inside its instance (see below).
		inInstance bool
	)
	if fp, ok := functionPoolsOf(m, cfg, &c.Notes); ok {
		model.Pools, model.AccountConcurrency, asyncs = fp.pools, fp.account, fp.async
		if m.platformIsEntry() {
			delayAt, poolForOp, inInstance = sim.Visit{Pool: PoolFunctions}, fp.poolOf, true
		}
		// The instances start on the machine's CPUs, beside the requests.
		for i := range model.Pools {
			model.Pools[i].ColdStartStation = StationCPU
		}
	} else if pool, async := poolOf(m, cfg, &c.Notes); pool != nil {
		model.Pools = []sim.Pool{*pool}
		if async != nil {
			asyncs = []asyncVisit{*async}
		}
		if m.platformIsEntry() {
			delayAt = sim.Visit{Pool: PoolFunctions}
		}
	}
	if delayAt.Station != "" {
		model.Stations = append(model.Stations, sim.Station{Name: StationWait, Delay: true, Replicas: 1})
	}

	service := func(ms float64) sim.Dist {
		if cfg.service == sim.KindExponential {
			return sim.Exponential(ms)
		}
		return sim.Deterministic(ms)
	}
	asyncs = append(asyncs, backgroundWrites(m.writes, heldWriters(m), m.requests)...)
	var demandMean float64
	for i, o := range m.ops {
		hops, ok := m.hops[o.name]
		if !ok {
			hops = -1
		}
		share := counts[i] / float64(total)
		f := OpFit{
			Op:       o.name,
			Class:    className(o.name, hops),
			Hops:     hops,
			Share:    share,
			FloorMs:  floors[i],
			DemandMs: max(round3(scale*floors[i]), minMs),
			Measured: Quantiles{P50Ms: o.lat.P50, P90Ms: o.lat.P90, P99Ms: o.lat.P99},
		}
		demandMean += share * f.DemandMs
		onPath := min(f.DemandMs, max(round3(floors[i]), minMs))
		if off := round3(f.DemandMs - onPath); off >= minMs {
			f.OffPathMs = off
		} else {
			onPath = f.DemandMs
		}
		f.Writers = writerFits(m.writes, o.name, o.count, onPath)
		f.Delay, f.LogNormalErr = delayOf(o.lat, onPath+writerDelay(f.Writers))
		c.Ops = append(c.Ops, f)

		rest := max(round3(onPath-writerCPU(f.Writers)), minMs)
		delay := delayAt
		if pl, ok := poolForOp[o.name]; ok {
			delay.Pool = pl
		}
		delay.Service = f.Delay
		route := []sim.Visit{{Station: StationCPU, Service: service(rest)}, delay}
		if inInstance {
			// The function does the work: its instance is taken and held
			// through the CPU demand (its queue included) and the writes,
			// busy all the while; the generator's share of the demand
			// comes first, spent outside the platform.
			delay.Hold = true
			route = []sim.Visit{delay, route[0]}
			if gen := round3(c.GeneratorShare * onPath); gen >= minMs && rest-gen >= minMs {
				route = []sim.Visit{{Station: StationCPU, Service: service(gen)}, delay, {Station: StationCPU, Service: service(round3(rest - gen))}}
			}
		}
		route = appendAsyncs(route, asyncs)
		if f.OffPathMs > 0 {
			// After the async visit to the pool, so that appendAsync's jump
			// past that visit lands here.
			route = append(route, sim.Visit{Station: StationCPU, Service: service(f.OffPathMs), Async: true})
		}
		route = appendWriters(route, f.Writers, service)
		model.Classes = append(model.Classes, sim.Class{Name: f.Class, Weight: max(math.Round(share*1e4)/1e4, 1e-4), Route: route})
	}
	if ws := writerStations(c.Ops, m.platform); len(ws) > 0 {
		model.Stations = append(model.Stations, ws...)
		if note := backgroundNote(m.background, m.requests); note != "" {
			c.Notes = append(c.Notes, note)
		}
	}
	c.DemandMs = demandMean
	c.CapacityPerSec = float64(cpus) / demandMean * 1000
	if c.AccountedCPUMs > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("Accounted CPU is %.3g ms a request, %.2g× the mean latency floor (%.3g ms).", c.AccountedCPUMs, c.AccountedCPUMs/c.FloorMs, c.FloorMs))
	}
	if err := model.Validate(); err != nil {
		return Calibration{}, fmt.Errorf("calibrate: %s: the calibrated model is not valid (a bug, or odd input): %w", name, err)
	}
	c.Model = model
	if err := c.correct(ctx, cfg); err != nil {
		return Calibration{}, fmt.Errorf("calibrate: %s: %w", name, err)
	}
	if err := c.fitLoad(ctx, cfg); err != nil {
		return Calibration{}, fmt.Errorf("calibrate: %s: %w", name, err)
	}
	return c, nil
}

// modelDescription says what a model was calibrated from: "calibrated
// from steady run R, 3 repetitions at 372.0 req/s; demand: marginal cpu".
func modelDescription(m measure, cfg config) string {
	var b strings.Builder
	b.WriteString("calibrated from")
	if cfg.scenario != "" {
		fmt.Fprintf(&b, " %s", cfg.scenario)
	}
	if cfg.runID != "" {
		fmt.Fprintf(&b, " run %s", cfg.runID)
	} else {
		b.WriteString(" a measured result")
	}
	if m.setting != "" {
		fmt.Fprintf(&b, " (%s)", m.setting)
	}
	switch {
	case cfg.leftOut > 0:
		fmt.Fprintf(&b, ", %d repetition%s (%d more left out: a stall or a storm of cold starts)", m.reps, map[bool]string{true: "s"}[m.reps > 1], cfg.leftOut)
	case m.reps > 1:
		fmt.Fprintf(&b, ", %d repetitions", m.reps)
	}
	fmt.Fprintf(&b, " at %.1f req/s; demand: %s", m.rate, cfg.demand)
	if cfg.demand == DemandCPU && !cfg.generator {
		b.WriteString(" without the generator")
	}
	return b.String()
}

// className names an operation's class, with its declared hop count.
func className(op string, hops int) string {
	switch hops {
	case -1:
		return op
	case 1:
		return op + " (1 hop)"
	default:
		return fmt.Sprintf("%s (%d hops)", op, hops)
	}
}

func (m measure) platformIsEntry() bool {
	return m.platform != nil && (m.entry == "" || m.entry == m.platform.component)
}

// poolOf builds the function pool of a variant on a platform, and the
// async visit to it that requests make beyond their own invocation (nil
// when none do).
func poolOf(m measure, cfg config, notes *[]string) (*sim.Pool, *asyncVisit) {
	pm := m.platform
	if pm == nil {
		return nil, nil
	}
	if pm.invocations <= 0 {
		*notes = append(*notes, "The function platform reported no invocation: the model has no pool.")
		return nil, nil
	}
	p := sim.Pool{Name: PoolFunctions, MaxConcurrency: DefaultMaxConcurrency, KeepAliveSec: DefaultKeepAlive.Seconds()}
	switch {
	case pm.billedMs > 0:
		p.MemoryMB = int(math.Round(pm.memBilled / float64(pm.billedMs)))
	default:
		p.MemoryMB = int(math.Round(pm.memInv / float64(pm.invocations)))
	}
	p.MemoryMB = max(p.MemoryMB, 1)
	p.ColdStart = coldStartOf(pm.coldStarts, pm.initP50, pm.initP99)
	if pm.coldStarts == 0 {
		*notes = append(*notes, "The platform measured no cold start: the pool's cold_start is 0 ms; edit it.")
	}
	ka, src := DefaultKeepAlive, "the variants' default"
	if d, ok := keepAliveOf(m.setting); ok {
		ka, src = d, "the result's setting"
	}
	if cfg.keepAlive > 0 {
		ka, src = cfg.keepAlive, "WithKeepAlive"
	}
	p.KeepAliveSec = ka.Seconds()
	mc, msrc := DefaultMaxConcurrency, "the platform's default account limit; results do not record it"
	if cfg.maxConcurrency > 0 {
		mc, msrc = cfg.maxConcurrency, "WithMaxConcurrency"
	}
	p.MaxConcurrency = mc
	if strings.Contains(m.setting, "provisioned") {
		*notes = append(*notes, "The result ran with provisioned instances, whose number it does not record: the pool has none; set pools[0].provisioned.")
	}
	*notes = append(*notes, fmt.Sprintf("Function pool: %d MB (billed-duration-weighted), cold start from %d measured (p50 %.3g ms, p99 %.3g ms), keep-alive %s (%s), at most %d at once (%s); one pool stands for all the functions.",
		p.MemoryMB, pm.coldStarts, pm.initP50, pm.initP99, ka.Round(time.Millisecond), src, mc, msrc))

	var sync float64
	if m.platformIsEntry() {
		sync = m.all
	}
	extra := (float64(pm.invocations) - sync) / m.all
	if extra < 0.001 {
		return &p, nil
	}
	if extra > 1 {
		*notes = append(*notes, fmt.Sprintf("The platform ran %.2f invocations a request beyond the requests' own; the model makes at most one.", extra))
		extra = 1
	}
	mean := max(round3(float64(pm.billedMs)/float64(pm.invocations)), minMs)
	*notes = append(*notes, fmt.Sprintf("%.3g of the requests make an async invocation (the platform's invocations beyond the requests' own, spread evenly over the operations), of %.3g ms on average (the mean billed duration).", extra, mean))
	return &p, &asyncVisit{prob: round4(extra), service: sim.Exponential(mean)}
}

// coldStartOf is the cold start of n measured with the percentiles p50
// and p99 (ms): a log-normal through them, or p50 where they are one, or
// 0 without any.
func coldStartOf(n int64, p50, p99 float64) sim.Dist {
	switch {
	case n == 0:
		return sim.Deterministic(0)
	case p99 > p50*1.001:
		return sim.LogNormal(round3(p50), round3(p99))
	default:
		return sim.Deterministic(round3(p50))
	}
}

// asyncVisit is a fire-and-forget visit a request makes with some
// probability: an invocation in pool (PoolFunctions if empty and station
// is too), or a hold of station (a background write).
type asyncVisit struct {
	pool, station string
	prob          float64
	service       sim.Dist
}

// visit is a's visit.
func (a asyncVisit) visit() sim.Visit {
	if a.station != "" {
		return sim.Visit{Station: a.station, Service: a.service, Async: true}
	}
	return sim.Visit{Pool: cmp.Or(a.pool, PoolFunctions), Service: a.service, Async: true}
}

// appendAsync ends route with an async visit to the pool, made with
// probability a.prob: the last visit jumps past it otherwise.
func appendAsync(route []sim.Visit, a asyncVisit) []sim.Visit {
	n := len(route)
	if a.prob < 1 {
		route[n-1].Next = []sim.Jump{{Prob: round4(1 - a.prob), To: n + 1}}
	}
	return append(route, a.visit())
}

// Explain describes, in a few sentences for a report, how c was built
// and what it found.
func (c Calibration) Explain() string {
	var b strings.Builder
	src := c.Source
	fmt.Fprintf(&b, "%s: %d classes (the operations, by their share of requests) arriving at %.1f req/s, as measured", src.Variant, len(c.Ops), src.RatePerSec)
	if src.RunID != "" {
		fmt.Fprintf(&b, " in %s run %s", src.Scenario, src.RunID)
	}
	if src.Setting != "" {
		fmt.Fprintf(&b, " (%s)", src.Setting)
	}
	if len(src.LeftOut) > 0 {
		fmt.Fprintf(&b, ", with its repetitions %s", leftOutText(src.LeftOut))
	}
	b.WriteString(". ")
	hold := "exactly"
	if len(c.Model.Classes) > 0 && c.Model.Classes[0].Route[cpuVisit(c.Model.Classes[0].Route)].Service.Kind == sim.KindExponential {
		hold = "an exponential time of mean"
	}
	fmt.Fprintf(&b, "Each holds one of %d CPUs (the cpu station) for %s its CPU demand (%s: %.3g ms a request over the mix", src.CPUs, hold, c.Demand, c.DemandMs)
	if c.Marginal != nil {
		fmt.Fprintf(&b, ", %s; the latency floor is %.3g ms", c.Marginal, c.FloorMs)
	}
	if c.AccountedCPUMs > 0 {
		fmt.Fprintf(&b, "; the run accounted %.3g ms of CPU a request", c.AccountedCPUMs)
		if c.GeneratorCPUMs > 0 && c.AccountedCPUMs > c.GeneratorCPUMs {
			fmt.Fprintf(&b, ", %.3g of it the generator's", c.GeneratorCPUMs)
		}
	}
	fmt.Fprintf(&b, "), so the CPUs saturate at %.0f req/s; ", c.CapacityPerSec)
	if slices.ContainsFunc(c.Ops, func(o OpFit) bool { return o.OffPathMs > 0 }) {
		b.WriteString("the part of an operation's demand beyond its latency floor is off the request's path, an async visit to the cpu station; ")
	}
	where := "a delay station with no queue"
	switch {
	case !c.poolAtFrontDoor():
	case len(c.Model.Pools) > 1:
		names := make([]string, len(c.Model.Pools))
		for i, p := range c.Model.Pools {
			names[i] = p.Name
		}
		where = fmt.Sprintf("its function's pool (a pool per function, as the cloud scales them: %s; at most %d instances busy at once over all of them)",
			strings.Join(names, ", "), c.Model.AccountConcurrency)
	default:
		where = "the function pool"
	}
	fmt.Fprintf(&b, "the rest of its latency is %s, fitted to its measured percentiles. ", where)
	if c.instanceHeld() {
		first := "first"
		if c.Model.Classes[0].Route[0].Station == StationCPU {
			first = fmt.Sprintf("once the load generator's share of its CPU demand (%.0f %%) is spent", 100*c.GeneratorShare)
		}
		fmt.Fprintf(&b, "A request takes its function's instance %s and holds it through the rest of its CPU demand, its wait for a CPU included, and its writes, until it leaves, "+
			"and a cold start holds one of the CPUs for its length, queueing with the requests (the instances start on the machine): "+
			"when the CPUs fill, instances stay busy longer, more start, and their starts take CPUs in turn. ", first)
	}
	b.WriteString(c.explainWriters())
	var worst float64
	for _, o := range c.Ops {
		if o.Modeled != (Quantiles{}) {
			worst = max(worst, math.Abs(relErr(o.Modeled.P50Ms, o.Measured.P50Ms)), math.Abs(relErr(o.Modeled.P99Ms, o.Measured.P99Ms)))
		}
	}
	fmt.Fprintf(&b, "At the calibration rate the model's CPU utilisation is %.2f and it reproduces every operation's p50 and p99 within %.0f %%.", c.Utilization, 100*worst)
	if c.P50Spread > 0 {
		fmt.Fprintf(&b, " The %d repetitions' p50s lie within %.0f %% of their mean: measurements at one rate differ that much on their own.", src.Repetitions, 100*c.P50Spread)
	}
	var fitted, skipped []string
	for _, f := range c.LoadCurve {
		if f.Skipped != "" {
			skipped = append(skipped, fmt.Sprintf("%.0f req/s (%s: %s)", f.RatePerSec, f.Source, f.Skipped))
			continue
		}
		fitted = append(fitted, fmt.Sprintf("×%.2f at %.0f req/s (%s, p50 %.3g ms)", f.Factor, f.RatePerSec, f.Source, f.P50Ms))
	}
	if len(fitted) > 0 {
		fmt.Fprintf(&b, " Its delays follow a load curve: ×1 at the calibration rate, %s.", strings.Join(fitted, ", "))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, " Load points left out: %s.", strings.Join(skipped, "; "))
	}
	return b.String()
}

// poolAtFrontDoor reports whether the requests' latency beyond their CPU
// demand is a visit to a function pool: a function platform serves them.
func (c Calibration) poolAtFrontDoor() bool {
	return len(c.Model.Classes) > 0 && c.Model.Classes[0].Route[delayVisit(c.Model.Classes[0].Route)].Pool != ""
}

// instanceHeld reports whether the requests hold their function's
// instance through their CPU demand and writes.
func (c Calibration) instanceHeld() bool {
	return len(c.Model.Classes) > 0 && c.Model.Classes[0].Route[delayVisit(c.Model.Classes[0].Route)].Hold
}

// delayVisit returns the index, in a route the calibration built, of the
// visit that holds the rest of the operation's latency beyond its CPU
// demand: the wait station's, or its function's pool's.
func delayVisit(route []sim.Visit) int {
	return slices.IndexFunc(route, func(v sim.Visit) bool { return !v.Async && (v.Station == StationWait || v.Pool != "") })
}

// cpuVisit returns the index, in a route the calibration built, of the
// visit that holds the operation's CPU demand on its path.
func cpuVisit(route []sim.Visit) int {
	return slices.IndexFunc(route, func(v sim.Visit) bool { return !v.Async && v.Station == StationCPU })
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// relErr is (pred − meas) / meas, or 0 when meas is not positive.
func relErr(pred, meas float64) float64 {
	if !(meas > 0) {
		return 0
	}
	return (pred - meas) / meas
}

// errNoClass reports a class the simulation did not return.
var errNoClass = errors.New("the simulation returned no result for a class")
