package scenarios

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
)

const mib = 1 << 20

// fakeDeployment is a deployment whose meter answers a known sequence: on
// its n-th call, monolith-0 has used n×100 ms of CPU and holds n×10 MiB,
// psp-0 has used n×10 ms and holds 5 MiB.
type fakeDeployment struct {
	calls  int
	failAt int   // the call that fails; 0 for none
	err    error // what it fails with
}

func (f *fakeDeployment) Usage(context.Context) ([]runtime.Usage, error) {
	f.calls++
	n := f.calls
	if n == f.failAt {
		return nil, f.err
	}
	return []runtime.Usage{
		{Component: "monolith", CPU: time.Duration(n) * 100 * time.Millisecond, MemoryBytes: uint64(n) * 10 * mib},
		{Component: "psp", CPU: time.Duration(n) * 10 * time.Millisecond, MemoryBytes: 5 * mib},
	}, nil
}

func (f *fakeDeployment) EntryURL() string           { return "http://127.0.0.1:9" }
func (f *fakeDeployment) URLs(string) []string       { return nil }
func (f *fakeDeployment) Stop(context.Context) error { return nil }

// namedMeter is a fakeDeployment that names its meter.
type namedMeter struct{ *fakeDeployment }

func (namedMeter) UsageSource() string { return "fake-meter" }

// noMeter is a deployment that cannot report its usage.
type noMeter struct{ runtime.Deployment }

// TestUsageSampler runs a sampler against a fake meter for a scenario of
// 2.25 s in a bubble of fake time: a sample right before, one every 500 ms,
// one right after; and checks that a failing or unsupported meter neither
// fails nor stalls the run.
func TestUsageSampler(t *testing.T) {
	// Both replicas over samples 1..6, 2.25 s apart end to end. (A variable,
	// so that the averages are divided in float64 as the code does, not in
	// exact constant arithmetic.)
	wall := 2.25
	full := &results.Resources{
		Source: "fake-meter", Interval: results.Duration(500 * time.Millisecond), Samples: 6,
		Duration: results.Duration(2250 * time.Millisecond),
		Replicas: []results.ReplicaResources{
			{Component: "monolith", CPU: results.Duration(500 * time.Millisecond), CPUCoresAvg: 0.5 / wall,
				MemPeakBytes: 60 * mib, MemAvgBytes: 35 * mib},
			{Component: "psp", CPU: results.Duration(50 * time.Millisecond), CPUCoresAvg: 0.05 / wall,
				MemPeakBytes: 5 * mib, MemAvgBytes: 5 * mib},
		},
		Total: results.ResourceTotal{CPU: results.Duration(550 * time.Millisecond), CPUCoresAvg: 0.55 / wall,
			MemPeakBytes: 65 * mib, MemAvgBytes: 40 * mib},
	}
	// Samples 1 and 2 only, 0.5 s apart.
	two := &results.Resources{
		Source: "process", Interval: results.Duration(500 * time.Millisecond), Samples: 2,
		Duration: results.Duration(500 * time.Millisecond),
		Replicas: []results.ReplicaResources{
			{Component: "monolith", CPU: results.Duration(100 * time.Millisecond), CPUCoresAvg: 0.2,
				MemPeakBytes: 20 * mib, MemAvgBytes: 15 * mib},
			{Component: "psp", CPU: results.Duration(10 * time.Millisecond), CPUCoresAvg: 0.02,
				MemPeakBytes: 5 * mib, MemAvgBytes: 5 * mib},
		},
		Total: results.ResourceTotal{CPU: results.Duration(110 * time.Millisecond), CPUCoresAvg: 0.22,
			MemPeakBytes: 25 * mib, MemAvgBytes: 20 * mib},
	}
	broken := errors.New("meter broken")
	tests := []struct {
		name     string
		fake     *fakeDeployment
		dep      func(*fakeDeployment) runtime.Deployment
		cancelAt time.Duration // cancel the run's context this long in; 0 never
		want     *results.Resources
		calls    int
		note     string // a substring of the note; "" for none
		log      string // a substring of the only log line; "" for none
	}{
		{name: "samples before, every interval, after", fake: &fakeDeployment{},
			dep: func(f *fakeDeployment) runtime.Deployment { return namedMeter{f} }, want: full, calls: 6},
		{name: "the runtime's name without UsageSource", fake: &fakeDeployment{failAt: 3, err: broken},
			dep: func(f *fakeDeployment) runtime.Deployment { return f }, want: two, calls: 3,
			note: "resource sampling stopped early (meter broken); the resource figures cover 500ms of the run",
			log:  "level=WARN msg=\"resource sampling stopped; the run goes on without it\" source=process err=\"meter broken\""},
		{name: "the first sample fails", fake: &fakeDeployment{failAt: 1, err: broken},
			dep: func(f *fakeDeployment) runtime.Deployment { return f }, calls: 1,
			log: "level=WARN msg=\"resource sampling stopped; the run goes on without it\""},
		{name: "the last sample fails", fake: &fakeDeployment{failAt: 6, err: broken},
			dep: func(f *fakeDeployment) runtime.Deployment { return f }, calls: 6,
			want: summarizeUsage(fakeSamples(5), "process", 500*time.Millisecond),
			note: "cover 2s of the run", log: "meter broken"},
		{name: "unsupported", fake: &fakeDeployment{failAt: 1, err: errors.ErrUnsupported},
			dep: func(f *fakeDeployment) runtime.Deployment { return f }, calls: 1,
			log: "level=INFO msg=\"resources not measured\""},
		{name: "the run is cancelled", fake: &fakeDeployment{}, cancelAt: 1200 * time.Millisecond,
			dep: func(f *fakeDeployment) runtime.Deployment { return f }, calls: 3,
			want: summarizeUsage(fakeSamples(3), "process", 500*time.Millisecond)},
		{name: "no meter", fake: &fakeDeployment{},
			dep: func(f *fakeDeployment) runtime.Deployment { return noMeter{f} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs bytes.Buffer
				log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
					ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
						if a.Key == slog.TimeKey {
							return slog.Attr{}
						}
						return a
					},
				}))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}

				s := startUsage(ctx, tt.dep(tt.fake), "process", usageInterval, log)
				select { // the scenario
				case <-time.After(2250 * time.Millisecond):
				case <-ctx.Done():
				}
				got, note := s.stop(ctx)

				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("resources = %+v\nwant %+v", got, tt.want)
				}
				if tt.fake.calls != tt.calls {
					t.Errorf("%d calls to Usage, want %d", tt.fake.calls, tt.calls)
				}
				if tt.note == "" && note != "" || !strings.Contains(note, tt.note) {
					t.Errorf("note %q, want one containing %q", note, tt.note)
				}
				lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
				switch {
				case tt.log == "" && logs.Len() > 0:
					t.Errorf("logged %q, want nothing", logs.String())
				case tt.log != "" && (len(lines) != 1 || !strings.Contains(lines[0], tt.log)):
					t.Errorf("logged %q, want one line containing %q", logs.String(), tt.log)
				}
			})
		})
	}
}

// fakeSamples returns the first n answers of a fakeDeployment, 500 ms apart.
func fakeSamples(n int) []usageSample {
	f := &fakeDeployment{}
	at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []usageSample
	for i := range n {
		us, _ := f.Usage(context.Background())
		out = append(out, usageSample{at: at.Add(time.Duration(i) * usageInterval), usage: us})
	}
	return out
}

// TestSummarizeUsage checks the arithmetic over samples in which replicas
// come and go.
func TestSummarizeUsage(t *testing.T) {
	at := func(ms int) time.Time {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	u := func(component string, replica int, cpuMs int, mem uint64) runtime.Usage {
		return runtime.Usage{Component: component, Replica: replica, CPU: time.Duration(cpuMs) * time.Millisecond, MemoryBytes: mem}
	}
	sec := func(ms int) results.Duration { return results.Duration(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name    string
		samples []usageSample
		want    *results.Resources
	}{
		{"no sample", nil, nil},
		{"one sample", []usageSample{{at: at(0), usage: []runtime.Usage{u("a", 0, 100, 10)}}}, nil},
		{"a replica exits and comes back, counters go back", []usageSample{
			{at: at(0), usage: []runtime.Usage{u("a", 0, 1000, 100), u("a", 1, 500, 50), u("b", 0, 300, 30)}},
			{at: at(1000), usage: []runtime.Usage{u("a", 0, 1500, 200), u("b", 0, 200, 30)}},
			{at: at(2000), usage: []runtime.Usage{u("a", 0, 2000, 300), u("b", 0, 250, 30), u("a", 1, 100, 60)}},
		}, &results.Resources{
			Source: "proc", Interval: sec(500), Samples: 3, Duration: sec(2000),
			Replicas: []results.ReplicaResources{
				{Component: "a", CPU: sec(1000), CPUCoresAvg: 0.5, MemPeakBytes: 300, MemAvgBytes: 200},
				// Restarted: its counter went back, which is no use.
				{Component: "a", Replica: 1, CPU: 0, CPUCoresAvg: 0, MemPeakBytes: 60, MemAvgBytes: 55},
				{Component: "b", CPU: 0, CPUCoresAvg: 0, MemPeakBytes: 30, MemAvgBytes: 30},
			},
			// The variant held 180, 230 and 390 bytes.
			Total: results.ResourceTotal{CPU: sec(1000), CPUCoresAvg: 0.5, MemPeakBytes: 390, MemAvgBytes: 266},
		}},
		{"limits and an empty sample", []usageSample{
			{at: at(0), usage: []runtime.Usage{{Component: "c", CPU: time.Second, MemoryBytes: 40, CPULimit: 1.5, MemoryLimitBytes: 512 * mib}}},
			{at: at(0)},
			{at: at(0), usage: []runtime.Usage{{Component: "c", CPU: 2 * time.Second, MemoryBytes: 20, CPULimit: 1.5, MemoryLimitBytes: 512 * mib}}},
		}, &results.Resources{
			Source: "proc", Interval: sec(500), Samples: 3,
			Replicas: []results.ReplicaResources{
				// No wall time passed: no average cores.
				{Component: "c", CPU: sec(1000), MemPeakBytes: 40, MemAvgBytes: 30, CPULimit: 1.5, MemLimitBytes: 512 * mib},
			},
			Total: results.ResourceTotal{CPU: sec(1000), MemPeakBytes: 40, MemAvgBytes: 20},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeUsage(tt.samples, "proc", 500*time.Millisecond)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("summarizeUsage = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestUsageStopNil checks that a sampler that never started stops quietly.
func TestUsageStopNil(t *testing.T) {
	var s *usageSampler
	if res, note := s.stop(t.Context()); res != nil || note != "" {
		t.Errorf("stop = %+v, %q; want nothing", res, note)
	}
}

// TestPhaseCPU checks the CPU set on phases (spans, a result's total, a
// spike's windows, a ramp's steps): over their spans, interpolated
// between samples, counting a replica that appears or restarts from zero,
// and left at 0 where the samples do not reach.
func TestPhaseCPU(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	u := func(component string, cpuMs int) runtime.Usage {
		return runtime.Usage{Component: component, CPU: time.Duration(cpuMs) * time.Millisecond}
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// "a" uses half a core throughout. "b" first appears at 2 s, having
	// used 200 ms, all counted in the second before; it restarts before
	// 4 s and reports 100 ms, all counted in the second before. So b's
	// curve is 0, 0, 200, 450, 550 ms at 0..4 s. This process uses a
	// quarter of a core.
	s := &usageSampler{samples: []usageSample{
		{at: at(0), usage: []runtime.Usage{u("a", 1000)}, self: ms(5000)},
		{at: at(1000), usage: []runtime.Usage{u("a", 1500)}, self: ms(5250)},
		{at: at(2000), usage: []runtime.Usage{u("a", 2000), u("b", 200)}, self: ms(5500)},
		{at: at(3000), usage: []runtime.Usage{u("a", 2500), u("b", 450)}, self: ms(5750)},
		{at: at(4000), usage: []runtime.Usage{u("a", 3000), u("b", 100)}, self: ms(6000)},
	}}
	cpu := s.meter()
	check := func(name string, cores, gen, wantCores, wantGen float64) {
		t.Helper()
		if math.Abs(cores-wantCores) > 1e-4 || math.Abs(gen-wantGen) > 1e-4 {
			t.Errorf("%s: cpu_cores %g, generator_cpu_cores %g; want %g and %g", name, cores, gen, wantCores, wantGen)
		}
	}
	span := func(from, to int) [2]time.Duration { return [2]time.Duration{ms(from), ms(to)} }
	tests := []struct {
		name      string
		end       int // the run's end, ms after the start at 0.5 s; 0 for none
		spans     [][2]time.Duration
		cores     float64
		generator float64
	}{
		{"a only", 0, [][2]time.Duration{span(0, 500)}, 0.5, 0.25},
		// 2–4 s: "a" 1 s, "b" 550−200 = 350 ms, over 2 s.
		{"two spans", 0, [][2]time.Duration{span(1500, 2500), span(2500, 3500)}, (1000.0 + 350) / 2000, 0.25},
		{"past the last sample", 0, [][2]time.Duration{span(3000, 4000)}, 0, 0},
		// Cut at the run's end, 4 s: "a" 1 s, "b" 350 ms over 2 s again.
		{"to the run's end", 3500, [][2]time.Duration{span(1500, 4000)}, (1000.0 + 350) / 2000, 0.25},
		{"none", 0, nil, 0, 0},
	}
	for _, tt := range tests {
		c, g := phaseCores(cpu, at(500), ms(tt.end), tt.spans)
		check(tt.name, c, g, tt.cores, tt.generator)
	}
	if c, g := phaseCores(nil, at(500), 0, []([2]time.Duration){span(0, 500)}); c != 0 || g != 0 {
		t.Errorf("no meter: %g and %g cores, want 0", c, g)
	}
	if c, g := phaseCores(cpu, time.Time{}, 0, []([2]time.Duration){span(0, 500)}); c != 0 || g != 0 {
		t.Errorf("no start: %g and %g cores, want 0", c, g)
	}
	var unsampled *usageSampler
	if unsampled.meter() != nil || (&usageSampler{samples: s.samples[:1]}).meter() != nil {
		t.Error("a meter from fewer than two samples")
	}

	// The total covers the series' seconds 0 to 2: 0.5–3.5 s, "a" 1500
	// ms, "b" 500 ms (0 at 0.5 s, 500 at 3.5 s).
	res := results.VariantResult{StartedAt: at(500), Series: []results.Second{{T: 0}, {T: 1}, {T: 2}}}
	setTotalCPU(&res, cpu)
	check("total", res.Total.CPUCores, res.Total.GeneratorCPUCores, (1500.0+500)/3000, 0.25)

	// A spike's windows, from 0 s: before 0–1 s, the burst 2–3 s (its
	// first second left out), after 3–4 s.
	spike := results.VariantResult{StartedAt: at(0), Windows: []results.OpStats{{Name: WindowBefore}, {Name: WindowBurst}, {Name: WindowAfter}}}
	Spike{Before: time.Second, During: 2 * time.Second, After: time.Second}.SetPhaseCPU(&spike, cpu)
	for i, want := range []float64{0.5, 0.75, 0.6} {
		check("spike "+spike.Windows[i].Name, spike.Windows[i].CPUCores, spike.Windows[i].GeneratorCPUCores, want, 0.25)
	}

	// A ramp's steps: 1–2 s, and one past the samples.
	ramp := results.VariantResult{Ramp: &results.RampSummary{Steps: []results.RampStep{
		{StartedAt: at(1000), ElapsedSec: 1}, {StartedAt: at(3500), ElapsedSec: 1},
	}}}
	Ramp{}.SetPhaseCPU(&ramp, cpu)
	st := ramp.Ramp.Steps
	check("ramp step 1", st[0].CPUCores, st[0].GeneratorCPUCores, 0.7, 0.25)
	check("ramp step 2", st[1].CPUCores, st[1].GeneratorCPUCores, 0, 0)
}
