package scenarios

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/archbench/archbench/internal/cputime"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
)

// usageReporter is a deployment that can say what its replicas have used
// so far: the process runtime from /proc, a container runtime from the
// engine's statistics.
type usageReporter interface {
	Usage(ctx context.Context) ([]runtime.Usage, error)
}

// usageSourcer is a usageReporter that names its meter ("proc",
// "docker"); without it the runtime's name stands for the meter.
type usageSourcer interface {
	UsageSource() string
}

// usageInterval is the time between samples while a scenario runs.
const usageInterval = 500 * time.Millisecond

// usageTimeout bounds one sample, so that a stuck meter cannot hold up the
// bench.
const usageTimeout = 10 * time.Second

// usageSample is one answer of a usageReporter, with this process's own
// CPU time (the load generator's; -1 where unknown) read right after it.
type usageSample struct {
	at    time.Time
	usage []runtime.Usage
	self  time.Duration
}

// usageSampler samples a deployment's usage while a scenario runs. Its
// goroutine is owned by whoever calls startUsage, which must call stop.
// Sampling never fails a run: the first error is logged, and sampling
// stops there.
type usageSampler struct {
	rep      usageReporter
	source   string
	interval time.Duration
	log      *slog.Logger

	// Written by the goroutine until done is closed, then by stop.
	samples []usageSample
	err     error // the error that stopped sampling

	cancel context.CancelFunc
	done   chan struct{}
}

// startUsage takes a first sample of dep's usage and starts sampling it
// every interval until stop is called. It returns nil when dep cannot
// report its usage, or when the first sample fails (logged); stop on nil
// is a no-op.
func startUsage(ctx context.Context, dep runtime.Deployment, runtimeName string, interval time.Duration, log *slog.Logger) *usageSampler {
	rep, ok := dep.(usageReporter)
	if !ok {
		log.Debug("the deployment does not report resource usage", "runtime", runtimeName)
		return nil
	}
	s := &usageSampler{rep: rep, source: runtimeName, interval: interval, log: log, done: make(chan struct{})}
	if src, ok := dep.(usageSourcer); ok {
		s.source = src.UsageSource()
	}
	if !s.sample(ctx) {
		return nil
	}
	ctx, s.cancel = context.WithCancel(ctx)
	go s.loop(ctx)
	return s
}

// loop samples every interval until ctx is done or a sample fails.
func (s *usageSampler) loop(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !s.sample(ctx) {
			return
		}
	}
}

// sample takes one sample and reports whether sampling may go on. A
// failure other than ctx ending is logged and kept in s.err.
func (s *usageSampler) sample(ctx context.Context) bool {
	sctx, cancel := context.WithTimeout(ctx, usageTimeout)
	defer cancel()
	us, err := s.rep.Usage(sctx)
	if err != nil {
		switch {
		case ctx.Err() != nil: // stopped, not failed
		case errors.Is(err, errors.ErrUnsupported):
			s.err = err
			s.log.Info("resources not measured", "source", s.source, "err", err)
		default:
			s.err = err
			s.log.Warn("resource sampling stopped; the run goes on without it", "source", s.source, "err", err)
		}
		return false
	}
	s.samples = append(s.samples, usageSample{at: time.Now(), usage: us, self: cputime.Process()})
	return true
}

// stop ends the sampling goroutine, takes a last sample unless sampling
// has failed, and summarises the samples for results. It returns nil
// without two samples, and a note for the results when sampling stopped
// early. ctx bounds only the last sample.
func (s *usageSampler) stop(ctx context.Context) (res *results.Resources, note string) {
	if s == nil {
		return nil, ""
	}
	s.cancel()
	<-s.done
	if s.err == nil && ctx.Err() == nil {
		s.sample(ctx)
	}
	res = summarizeUsage(s.samples, s.source, s.interval)
	if s.err != nil && res != nil {
		note = "resource sampling stopped early (" + s.err.Error() + "); the resource figures cover " +
			time.Duration(res.Duration).Round(time.Millisecond).String() + " of the run"
	}
	return res, note
}

// replicaKey names one replica of a component in the samples.
type replicaKey struct {
	component string
	replica   int
}

// summarizeUsage computes what each replica used over samples, taken in
// order: CPU time from its first sample to its last, memory over all its
// samples; and the totals. Replicas are listed in order of first
// appearance. It returns nil for fewer than two samples.
func summarizeUsage(samples []usageSample, source string, interval time.Duration) *results.Resources {
	if len(samples) < 2 {
		return nil
	}
	type acc struct {
		first, last runtime.Usage
		memSum      float64
		n           int
		peak        uint64
	}
	var order []replicaKey
	accs := map[replicaKey]*acc{}
	var totalPeak uint64
	var totalSum float64
	for _, s := range samples {
		var held uint64
		for _, u := range s.usage {
			k := replicaKey{u.Component, u.Replica}
			a := accs[k]
			if a == nil {
				a = &acc{first: u}
				accs[k] = a
				order = append(order, k)
			}
			a.last = u
			a.memSum += float64(u.MemoryBytes)
			a.n++
			a.peak = max(a.peak, u.MemoryBytes)
			held += u.MemoryBytes
		}
		totalPeak = max(totalPeak, held)
		totalSum += float64(held)
	}
	wall := samples[len(samples)-1].at.Sub(samples[0].at)
	cores := func(cpu time.Duration) float64 {
		if wall <= 0 {
			return 0
		}
		return cpu.Seconds() / wall.Seconds()
	}
	out := &results.Resources{
		Source:   source,
		Interval: results.Duration(interval),
		Samples:  len(samples),
		Duration: results.Duration(wall),
		Replicas: make([]results.ReplicaResources, 0, len(order)),
	}
	var totalCPU time.Duration
	for _, k := range order {
		a := accs[k]
		// A counter that went back (a meter that lost a child's time) is
		// not a negative use.
		cpu := max(a.last.CPU-a.first.CPU, 0)
		totalCPU += cpu
		out.Replicas = append(out.Replicas, results.ReplicaResources{
			Component:     k.component,
			Replica:       k.replica,
			CPU:           results.Duration(cpu),
			CPUCoresAvg:   cores(cpu),
			MemPeakBytes:  a.peak,
			MemAvgBytes:   uint64(a.memSum / float64(a.n)),
			CPULimit:      a.last.CPULimit,
			MemLimitBytes: a.last.MemoryLimitBytes,
		})
	}
	out.Total = results.ResourceTotal{
		CPU:          results.Duration(totalCPU),
		CPUCoresAvg:  cores(totalCPU),
		MemPeakBytes: totalPeak,
		MemAvgBytes:  uint64(totalSum / float64(len(samples))),
	}
	return out
}

// cpuCurve is the CPU used since the first sample, by the deployment's
// replicas (sut) and by this process (self), at each sample's time.
type cpuCurve struct {
	at        []time.Time
	sut, self []time.Duration
	hasSelf   bool
}

// cumulativeCPU sums what the replicas used between consecutive samples
// into a curve. A replica seen for the first time, or whose counter went
// back (it was restarted), used all it reports within the interval.
func cumulativeCPU(samples []usageSample) cpuCurve {
	c := cpuCurve{hasSelf: len(samples) > 0}
	last := map[replicaKey]time.Duration{}
	var sut time.Duration
	for i, s := range samples {
		for _, u := range s.usage {
			k := replicaKey{u.Component, u.Replica}
			prev, seen := last[k]
			switch {
			case i == 0:
			case !seen || u.CPU < prev:
				sut += u.CPU
			default:
				sut += u.CPU - prev
			}
			last[k] = u.CPU
		}
		c.at = append(c.at, s.at)
		c.sut = append(c.sut, sut)
		c.self = append(c.self, max(s.self-samples[0].self, 0))
		c.hasSelf = c.hasSelf && s.self >= 0
	}
	return c
}

// between returns the CPU used from a to b, interpolating linearly
// between samples; ok is false unless the samples span [a, b].
func (c cpuCurve) between(a, b time.Time) (sut, self time.Duration, ok bool) {
	if len(c.at) < 2 || b.Before(a) || a.Before(c.at[0]) || b.After(c.at[len(c.at)-1]) {
		return 0, 0, false
	}
	at := func(t time.Time, ys []time.Duration) float64 {
		i, _ := slices.BinarySearchFunc(c.at, t, func(x, t time.Time) int { return x.Compare(t) })
		switch {
		case i == 0:
			return float64(ys[0])
		case i == len(c.at):
			return float64(ys[len(ys)-1])
		}
		t0, t1 := c.at[i-1], c.at[i]
		f := float64(t.Sub(t0)) / float64(t1.Sub(t0))
		return float64(ys[i-1]) + f*float64(ys[i]-ys[i-1])
	}
	sut = time.Duration(at(b, c.sut) - at(a, c.sut))
	if c.hasSelf {
		self = time.Duration(at(b, c.self) - at(a, c.self))
	}
	return sut, self, true
}

// meter returns a CPUMeter over the samples taken, or nil without two.
// Call it after stop.
func (s *usageSampler) meter() CPUMeter {
	if s == nil || len(s.samples) < 2 {
		return nil
	}
	return cumulativeCPU(s.samples).between
}

// setTotalCPU sets the CPU figures of res's total, over its measured
// seconds (the Series).
func setTotalCPU(res *results.VariantResult, cpu CPUMeter) {
	if n := len(res.Series); n > 0 {
		first, last := time.Duration(res.Series[0].T)*time.Second, time.Duration(res.Series[n-1].T+1)*time.Second
		res.Total.CPUCores, res.Total.GeneratorCPUCores = phaseCores(cpu, res.StartedAt, res.Achieved.Elapsed.Std(), [][2]time.Duration{{first, last}})
	}
}

// phaseCores returns the CPU the replicas and the generator used over
// spans of a schedule that started at start, in cores on average; no span
// reaches past end (when > 0), the run's end, which may come before its
// last second does. Both are 0 when cpu is nil, start unknown, or the
// samples do not cover every span.
func phaseCores(cpu CPUMeter, start time.Time, end time.Duration, spans [][2]time.Duration) (sutCores, generatorCores float64) {
	if cpu == nil || start.IsZero() {
		return 0, 0
	}
	var sut, self, length time.Duration
	for _, sp := range spans {
		if end > 0 {
			sp[1] = min(sp[1], end)
		}
		if sp[1] <= sp[0] {
			continue
		}
		a, b, ok := cpu(start.Add(sp[0]), start.Add(sp[1]))
		if !ok {
			return 0, 0
		}
		sut, self, length = sut+a, self+b, length+sp[1]-sp[0]
	}
	if length <= 0 {
		return 0, 0
	}
	return round4(sut.Seconds() / length.Seconds()), round4(self.Seconds() / length.Seconds())
}

// round4 rounds x to 4 decimal places: a hundredth of a percent of a
// core is below what the meters resolve.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
