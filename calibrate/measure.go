package calibrate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/archbench/archbench/results"
)

// measure is what calibration reads off one variant's measured results,
// repetitions merged.
type measure struct {
	variant, setting, entry string
	reps                    int
	// rate is the measured requests per second; requests and duration
	// the measured window's, warmupSec the requested warm-up.
	rate      float64
	requests  int64
	duration  float64
	warmupSec float64
	// all counts the requests sent, warm-up included (estimated when the
	// result did not count them).
	all float64
	// perIteration is requests per iteration (journey), 0 if unknown.
	perIteration float64
	// cpuSec and genSec are the variant's and the generator's CPU time
	// over the whole run; hasCPU says whether Resources was present.
	cpuSec, genSec float64
	hasCPU         bool
	// cpuPoints are the repetitions' CPU against their throughput, over
	// their measured seconds, where measured (results.OpStats.CPUCores).
	cpuPoints []LoadPoint
	memBytes  uint64
	ops       []opMeasure
	hops      map[string]int
	platform  *platformMeasure
	// writes are what the SQLite writers did per operation, and
	// background counts the writes no request started.
	writes     []writeMeasure
	background int64
	notes      []string
}

// opMeasure is one operation's measured figures.
type opMeasure struct {
	name          string
	count, errors int64
	lat           results.Percentiles
}

// platformMeasure is a function platform's account, summed over its
// functions.
type platformMeasure struct {
	component string
	// account and keepAliveSec are the platform's settings, 0 where the
	// result did not record them (results from before they were).
	account      int
	keepAliveSec float64
	// fns are the functions one by one, in the platform's order.
	fns []fnMeasure
	// The totals over fns (see sum): invocations and billedMs sum the
	// functions'; memBilled sums billed ms × memory, memInv invocations ×
	// memory; coldStarts counts cold starts, and initP50 and initP99 are
	// the functions' init percentiles weighted by their cold starts.
	invocations, billedMs int64
	memBilled, memInv     float64
	coldStarts            int64
	initP50, initP99      float64
}

// fnMeasure is one function's account.
type fnMeasure struct {
	name                  string
	routes                []string
	memoryMB              int
	reserved, provisioned int
	// invocations, billedMs and coldStarts count; initP50 and initP99 are
	// the init percentiles (weighted by cold starts over repetitions).
	invocations, billedMs, coldStarts int64
	initP50, initP99                  float64
}

// merge adds b, another repetition's account of the same function.
func (f *fnMeasure) merge(b fnMeasure) {
	if n := f.coldStarts + b.coldStarts; n > 0 {
		wa, wb := float64(f.coldStarts), float64(b.coldStarts)
		f.initP50 = (wa*f.initP50 + wb*b.initP50) / float64(n)
		f.initP99 = (wa*f.initP99 + wb*b.initP99) / float64(n)
	}
	f.invocations += b.invocations
	f.billedMs += b.billedMs
	f.coldStarts += b.coldStarts
}

// measureOf reads one result. It rejects what calibration cannot use,
// naming the field.
func measureOf(v results.VariantResult) (measure, error) {
	name := cmp.Or(v.Variant, "(unnamed)")
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if v.Label == results.LabelModeled {
		bad("its label is %q: calibrate from measured results only", v.Label)
	}
	switch {
	case v.Ramp != nil:
		bad("it is a ramp (ramp is set): calibrate from a steady-load result, such as the steady scenario's, and validate against the ramp")
	case v.Spike != nil:
		bad("it is a spike (spike is set): calibrate from a steady-load result")
	case len(v.Bursts) > 0:
		bad("it is a cold-start run of bursts (bursts is set): calibrate from a steady-load result")
	case v.Fault != nil:
		bad("it ran through a fault (fault is set): calibrate from a steady-load result")
	}
	a := v.Achieved
	if !finitePos(a.RequestsPerSec) {
		bad("achieved.requests_per_sec must be > 0, but is %g", a.RequestsPerSec)
	}
	if a.Requests <= 0 {
		bad("achieved.requests must be > 0, but is %d", a.Requests)
	}
	if a.Duration <= 0 {
		bad("achieved.duration_sec must be > 0, but is %g", a.Duration.Seconds())
	}
	m := measure{
		variant:   v.Variant,
		setting:   v.Setting,
		entry:     v.Entry,
		reps:      1,
		rate:      a.RequestsPerSec,
		requests:  a.Requests,
		duration:  a.Duration.Seconds(),
		warmupSec: v.Requested.Warmup.Seconds(),
		genSec:    v.Generator.CPU.Seconds(),
		hops:      v.Hops,
	}
	m.all = float64(a.Requests + a.WarmupRequests)
	if a.WarmupRequests == 0 && m.warmupSec > 0 {
		// The scenario warmed up apart from the recorder, so the warm-up's
		// requests went uncounted, though the CPU figures include them.
		w := m.warmupSec * a.RequestsPerSec
		m.all += w
		m.notes = append(m.notes, fmt.Sprintf("%s: the warm-up's requests were not counted (achieved.warmup_requests is 0); estimated as the requested warm-up, %g s, at the measured rate: %.0f requests.", name, m.warmupSec, w))
	}
	if a.IterationsPerSec > 0 && a.RequestsPerSec > 0 {
		m.perIteration = a.RequestsPerSec / a.IterationsPerSec
	}
	if r := v.Resources; r != nil {
		m.hasCPU = true
		m.cpuSec = r.Total.CPU.Seconds()
		m.memBytes = r.Total.MemAvgBytes
		if !(m.cpuSec > 0) {
			bad("resources.total.cpu_sec must be > 0, but is %g", m.cpuSec)
		}
	}
	if t := v.Total; t.CPUCores > 0 && finitePos(t.ThroughputPerSec) {
		m.cpuPoints = []LoadPoint{{Source: "the calibration run", RatePerSec: t.ThroughputPerSec, P50Ms: t.LatencyMs.P50,
			Requests: t.Count, CPUCores: t.CPUCores, GeneratorCPUCores: t.GeneratorCPUCores}}
	}
	if len(v.Operations) == 0 {
		bad("operations is empty: there is no operation to model")
	}
	for i, o := range v.Operations {
		if o.Count < 0 || o.Errors < 0 {
			bad("operations[%d] (%s): count and errors must be >= 0, but are %d and %d", i, o.Name, o.Count, o.Errors)
			continue
		}
		if o.Count == 0 {
			continue
		}
		if err := checkPercentiles(o.LatencyMs); err != nil {
			bad("operations[%d] (%s).latency_ms: %v", i, o.Name, err)
			continue
		}
		m.ops = append(m.ops, opMeasure{name: o.Name, count: o.Count, errors: o.Errors, lat: o.LatencyMs})
	}
	if len(v.Operations) > 0 && len(m.ops) == 0 && len(problems) == 0 {
		bad("no operation has requests (every operations[].count is 0)")
	}
	if p := v.Platform; p != nil {
		m.platform = platformOf(*p)
	}
	m.writes, m.background = writesOf(v.Writers)
	if len(problems) > 0 {
		return measure{}, fmt.Errorf("calibrate: %s's result cannot be calibrated from: %w", name, errors.Join(problems...))
	}
	return m, nil
}

// checkPercentiles reports a latency summary that is not usable: negative,
// not finite, or not rising from min to max.
func checkPercentiles(p results.Percentiles) error {
	vals := []float64{p.Min, p.P50, p.P90, p.P99, p.P999, p.Max}
	for _, x := range vals {
		if !(x >= 0) || math.IsInf(x, 0) {
			return fmt.Errorf("percentiles must be finite and >= 0, but are min %g, p50 %g, p90 %g, p99 %g, p999 %g, max %g", p.Min, p.P50, p.P90, p.P99, p.P999, p.Max)
		}
	}
	if !slices.IsSorted(vals) {
		return fmt.Errorf("percentiles must not fall from min to max, but are min %g, p50 %g, p90 %g, p99 %g, p999 %g, max %g", p.Min, p.P50, p.P90, p.P99, p.P999, p.Max)
	}
	if !(p.P50 > 0) {
		return errors.New("p50 must be > 0, but is 0")
	}
	return nil
}

func platformOf(p results.Platform) *platformMeasure {
	pm := &platformMeasure{component: p.Component, account: p.AccountConcurrency, keepAliveSec: p.KeepAliveSec}
	for _, f := range p.Functions {
		fm := fnMeasure{name: f.Name, routes: f.Routes, memoryMB: f.MemoryMB, reserved: f.ReservedConcurrency, provisioned: f.Provisioned,
			invocations: f.Invocations, billedMs: f.BilledMs}
		if f.ColdStarts > 0 && f.InitMs.P50 > 0 {
			fm.coldStarts, fm.initP50, fm.initP99 = f.ColdStarts, f.InitMs.P50, max(f.InitMs.P99, f.InitMs.P50)
		}
		pm.fns = append(pm.fns, fm)
	}
	pm.sum()
	return pm
}

// sum sets pm's totals from its functions: counts added up, memory
// weighted by billed time and by invocations, init percentiles by cold
// starts.
func (pm *platformMeasure) sum() {
	pm.invocations, pm.billedMs, pm.memBilled, pm.memInv = 0, 0, 0, 0
	pm.coldStarts, pm.initP50, pm.initP99 = 0, 0, 0
	var w50, w99 float64
	for _, f := range pm.fns {
		pm.invocations += f.invocations
		pm.billedMs += f.billedMs
		pm.memBilled += float64(f.billedMs) * float64(f.memoryMB)
		pm.memInv += float64(f.invocations) * float64(f.memoryMB)
		pm.coldStarts += f.coldStarts
		w50 += float64(f.coldStarts) * f.initP50
		w99 += float64(f.coldStarts) * f.initP99
	}
	if pm.coldStarts > 0 {
		pm.initP50 = w50 / float64(pm.coldStarts)
		pm.initP99 = w99 / float64(pm.coldStarts)
	}
}

// mergeMeasures merges the measures of repetitions of one variant:
// counts, CPU and time add up; each operation's percentiles are the
// repetitions' weighted by their requests (an approximation: merging
// exactly needs the histograms), its min the least and its max the
// largest.
func mergeMeasures(ms []measure) measure {
	if len(ms) == 1 {
		return ms[0]
	}
	out := ms[0]
	out.reps = 0
	out.requests, out.duration, out.all = 0, 0, 0
	out.cpuSec, out.genSec, out.memBytes = 0, 0, 0
	out.cpuPoints = nil
	out.hasCPU = true
	out.notes = nil
	out.ops = nil
	out.platform = nil
	out.writes, out.background = nil, 0
	var perIt, warm float64
	var memN uint64
	byName := map[string]int{}
	var weighted []results.Percentiles // count-weighted sums
	var pl *platformMeasure
	for _, m := range ms {
		out.reps += m.reps
		out.requests += m.requests
		out.duration += m.duration
		out.all += m.all
		out.cpuSec += m.cpuSec
		out.genSec += m.genSec
		out.cpuPoints = append(out.cpuPoints, m.cpuPoints...)
		out.hasCPU = out.hasCPU && m.hasCPU
		out.memBytes += m.memBytes
		memN++
		perIt += m.perIteration * float64(m.requests)
		warm += m.warmupSec
		out.notes = append(out.notes, m.notes...)
		out.writes = append(out.writes, m.writes...)
		out.background += m.background
		for _, o := range m.ops {
			i, ok := byName[o.name]
			if !ok {
				i = len(out.ops)
				byName[o.name] = i
				out.ops = append(out.ops, opMeasure{name: o.name, lat: results.Percentiles{Min: math.Inf(1)}})
				weighted = append(weighted, results.Percentiles{})
			}
			t := &out.ops[i]
			t.count += o.count
			t.errors += o.errors
			t.lat.Min = min(t.lat.Min, o.lat.Min)
			t.lat.Max = max(t.lat.Max, o.lat.Max)
			n := float64(o.count)
			w := &weighted[i]
			w.Mean += n * o.lat.Mean
			w.P50 += n * o.lat.P50
			w.P90 += n * o.lat.P90
			w.P99 += n * o.lat.P99
			w.P999 += n * o.lat.P999
		}
		if m.platform != nil {
			p := *m.platform
			if pl != nil {
				p = mergePlatform(*pl, p)
			}
			pl = &p
		}
	}
	for i := range out.ops {
		n := float64(out.ops[i].count)
		w := weighted[i]
		l := &out.ops[i].lat
		l.Mean, l.P50, l.P90, l.P99, l.P999 = w.Mean/n, w.P50/n, w.P90/n, w.P99/n, w.P999/n
		// Averages of percentiles of different runs keep their order, but
		// the extremes come from single runs: keep them outside.
		l.P999 = min(l.P999, l.Max)
		l.Min = min(l.Min, l.P50)
	}
	out.platform = pl
	slices.SortFunc(out.ops, func(a, b opMeasure) int { return strings.Compare(a.name, b.name) })
	out.rate = float64(out.requests) / out.duration
	out.perIteration = perIt / float64(out.requests)
	out.warmupSec = warm / float64(len(ms))
	out.memBytes /= memN
	out.notes = append(out.notes, fmt.Sprintf("%s: %d repetitions merged: counts and CPU added up, each operation's percentiles averaged weighted by its requests.", out.variant, out.reps))
	return out
}

func mergePlatform(a, b platformMeasure) platformMeasure {
	out := a
	out.account = cmp.Or(a.account, b.account)
	out.keepAliveSec = cmp.Or(a.keepAliveSec, b.keepAliveSec)
	out.fns = slices.Clone(a.fns)
	for _, f := range b.fns {
		if i := slices.IndexFunc(out.fns, func(o fnMeasure) bool { return o.name == f.name }); i >= 0 {
			out.fns[i].merge(f)
		} else {
			out.fns = append(out.fns, f)
		}
	}
	out.sum()
	return out
}

// keepAliveOf reads a keep-alive from a result's setting, as the
// cold-start scenario writes it ("keep-alive 2s", "provisioned,
// keep-alive 1m0s").
func keepAliveOf(setting string) (time.Duration, bool) {
	const key = "keep-alive "
	i := strings.Index(setting, key)
	if i < 0 {
		return 0, false
	}
	rest := setting[i+len(key):]
	if j := strings.IndexAny(rest, ", ;"); j >= 0 {
		rest = rest[:j]
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

func finitePos(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
