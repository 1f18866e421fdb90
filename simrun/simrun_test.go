package simrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

func load(t *testing.T, path string) sim.Model {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := sim.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAtMM1 predicts an M/M/1 queue (10 ms service) at 50 req/s: the
// result is labelled modeled, carries the textbook mean response time and
// the server's busy time as CPU, and can be priced.
func TestAtMM1(t *testing.T) {
	m := load(t, "../sim/testdata/mm1.json")
	v, r, err := At(context.Background(), m, 50, WithRequests(100_000))
	if err != nil {
		t.Fatal(err)
	}
	if v.Label != results.LabelModeled || v.Runtime != Runtime {
		t.Errorf("label %q, runtime %q; want modeled, simulated", v.Label, v.Runtime)
	}
	// W = 1/(μ−λ) = 1/(100−50) s = 20 ms.
	if got := v.Total.LatencyMs.Mean; math.Abs(got-20)/20 > 0.05 {
		t.Errorf("mean response %.2f ms, want 20 ms within 5 %%", got)
	}
	if got := v.Achieved.RequestsPerSec; math.Abs(got-50)/50 > 0.03 {
		t.Errorf("throughput %.1f req/s, want 50", got)
	}
	if v.Resources == nil || len(v.Resources.Replicas) != 1 {
		t.Fatalf("resources %+v, want the server's", v.Resources)
	}
	// Utilisation ρ = 0.5: half a core busy on average.
	if got := v.Resources.Total.CPUCoresAvg; math.Abs(got-0.5) > 0.03 || math.Abs(r.Stations[0].Utilization-0.5) > 0.03 {
		t.Errorf("busy cores %.3f, want 0.5", got)
	}
	e, err := cost.Of(v, cost.Default())
	if err != nil {
		t.Fatal(err)
	}
	if e.Label != results.LabelModeled || !(e.PerMillionUSD > 0) {
		t.Errorf("cost %+v, want a modeled price", e)
	}
	for _, in := range e.Inputs {
		if in.Label != results.LabelModeled {
			t.Errorf("cost input %q labelled %q: a simulated input must stay modeled", in.Name, in.Label)
		}
	}
}

// TestSweep records each rate as a ramp step; a pool's billing becomes the
// platform's account.
func TestSweep(t *testing.T) {
	m := load(t, "../sim/testdata/microservices.json")
	v, err := Sweep(context.Background(), m, []float64{50, 200, 800}, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if v.Ramp == nil || len(v.Ramp.Steps) != 3 {
		t.Fatalf("ramp %+v, want 3 steps", v.Ramp)
	}
	for i, s := range v.Ramp.Steps {
		if s.P99Ms <= 0 || s.RequestsPerSec <= 0 {
			t.Errorf("step %d: %+v, want latency and throughput", i, s)
		}
		if i > 0 && s.RequestsPerSec <= v.Ramp.Steps[i-1].RequestsPerSec {
			t.Errorf("step %d: throughput %.0f not above the step before's %.0f", i, s.RequestsPerSec, v.Ramp.Steps[i-1].RequestsPerSec)
		}
	}
	if v.Platform == nil || v.Platform.Total.Invocations == 0 || v.Platform.Total.GBSeconds <= 0 {
		t.Errorf("platform %+v, want the notification pool's invocations and GB-s", v.Platform)
	}
	if _, err := Sweep(context.Background(), m, nil); err == nil {
		t.Error("a sweep of no rates: no error")
	}
	if _, _, err := At(context.Background(), m, -1); err == nil {
		t.Error("a negative rate: no error")
	}
}

// TestResultLeavesDelaysOutOfResources checks that a delay station (I/O
// waits) is neither reported as CPU nor priced as a container, whether
// it says so (delay) or, as models calibrated before that field did,
// has 100,000 servers.
func TestResultLeavesDelaysOutOfResources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wait sim.Station
	}{
		{"delay", sim.Station{Name: "wait", Delay: true, Replicas: 1}},
		{"calibrated before the delay field", sim.Station{Name: "wait", Servers: 100_000, Replicas: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := sim.Model{
				Name: "calibrated", DurationSec: 100,
				Arrivals: sim.Arrivals{RatePerSec: 1000},
				Stations: []sim.Station{{Name: "cpu", Servers: 4, Replicas: 1}, tc.wait},
				Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
					{Station: "cpu", Service: sim.Deterministic(1)},
					{Station: "wait", Service: sim.Deterministic(50)}, // 50 requests waiting on average
				}}},
			}
			v, _, err := At(context.Background(), m, 1000, WithRequests(20_000))
			if err != nil {
				t.Fatal(err)
			}
			if v.Resources == nil || len(v.Resources.Replicas) != 1 || v.Resources.Replicas[0].Component != "cpu" {
				t.Fatalf("resources %+v, want the cpu station's only", v.Resources)
			}
			// One request a millisecond, each 1 ms of CPU: one core.
			if got := v.Resources.Total.CPUCoresAvg; math.Abs(got-1) > 0.05 {
				t.Errorf("busy cores %.2f, want 1: the wait's 50 requests in flight are not cores", got)
			}
			e, err := cost.Of(v, cost.Default())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range e.Containers {
				if c.Component == "wait" {
					t.Errorf("container %+v: a delay station is priced as a task", c)
				}
			}
		})
	}
}

// writerBound is a model whose requests each hold a single writer (a
// lock station) through 1 ms of work on cpus cores.
func writerBound(name string, rate float64, cpus int) sim.Model {
	return sim.Model{
		Name: name, DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: rate},
		Stations: []sim.Station{{Name: "cpu", Servers: cpus, Replicas: 1}, {Name: "writer", Servers: 1, Replicas: 1, Lock: true}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
			{Station: "writer", Service: sim.Deterministic(0), Hold: true},
			{Station: "cpu", Service: sim.Deterministic(1), Release: true},
		}}},
	}
}

// TestResultLeavesLocksOutOfResources checks that a lock station (a
// database's writer held through the CPU work of a write) is neither
// reported as CPU nor priced as a container: its holders' CPU is the cpu
// station's already.
func TestResultLeavesLocksOutOfResources(t *testing.T) {
	t.Parallel()
	m := writerBound("calibrated", 400, 4)
	v, res, err := At(context.Background(), m, 400, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := res.Station("writer"); !ok || w.Utilization < 0.3 {
		t.Fatalf("writer %+v: want it held 40 %% of the time", w)
	}
	if v.Resources == nil || len(v.Resources.Replicas) != 1 || v.Resources.Replicas[0].Component != "cpu" {
		t.Fatalf("resources %+v, want the cpu station's only", v.Resources)
	}
	// 0.4 requests a millisecond, each 1 ms of CPU: 0.4 cores.
	if got := v.Resources.Total.CPUCoresAvg; math.Abs(got-0.4) > 0.03 {
		t.Errorf("busy cores %.2f, want 0.4: the writer's holding time is the cpu's work, counted once", got)
	}
	e, err := cost.Of(v, cost.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Containers {
		if c.Component == "writer" {
			t.Errorf("container %+v: a lock station is priced as a task", c)
		}
	}
}

// TestResultNamesTheBottleneck checks that a result's notes rank the
// queueing stations by how busy they were and name a saturated one:
// here a single writer held 1 ms a request at 1,200 req/s, beside four
// cores a third busy.
func TestResultNamesTheBottleneck(t *testing.T) {
	t.Parallel()
	m := sim.Model{
		Name: "writer-bound", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 1200},
		Stations: []sim.Station{{Name: "cpu", Servers: 4, Replicas: 1}, {Name: "writer", Servers: 1, Replicas: 1, Lock: true}, {Name: "wait", Delay: true}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
			{Station: "writer", Service: sim.Deterministic(0), Hold: true},
			{Station: "cpu", Service: sim.Deterministic(1), Release: true},
			{Station: "wait", Service: sim.Deterministic(1)},
		}}},
	}
	v, _, err := At(context.Background(), m, 1200, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	var note string
	for _, n := range v.Notes {
		if strings.HasPrefix(n, "Stations, the busiest first: ") {
			note = n
		}
	}
	switch {
	case note == "":
		t.Fatalf("notes %q: none on the stations", v.Notes)
	case !strings.HasPrefix(note, "Stations, the busiest first: writer 100 % busy (1 server;"):
		t.Errorf("note %q: want the writer first, full", note)
	case !strings.Contains(note, "; cpu ") || strings.Contains(note, "; wait "):
		t.Errorf("note %q: want the cpu after it, and no delay station", note)
	case !strings.HasSuffix(note, "grow with the length of the run: writer."):
		t.Errorf("note %q: want the writer named saturated, alone", note)
	}

	// A sweep tells of its last rate's stations, not its first's.
	sw, err := Sweep(context.Background(), m, []float64{100, 1200}, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	var sweepNotes []string
	for _, n := range sw.Notes {
		if strings.Contains(n, "Stations, the busiest first: ") {
			sweepNotes = append(sweepNotes, n)
		}
	}
	if len(sweepNotes) != 1 || !strings.HasPrefix(sweepNotes[0], "At 1200 req/s, the sweep's last rate: Stations, the busiest first: writer 100 % busy") {
		t.Errorf("sweep notes on the stations %q: want one, of 1200 req/s", sweepNotes)
	}
}

// TestResultSizesStationsFromTheRun checks that the stations' note gives
// an autoscaled station's replicas from what ran, not the model's
// starting count: one replica scaled out to carry twice its capacity.
func TestResultSizesStationsFromTheRun(t *testing.T) {
	t.Parallel()
	m := sim.Model{
		Name: "autoscaled", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 2000},
		Stations: []sim.Station{{Name: "cpu", Servers: 1, Replicas: 1,
			Autoscale: &sim.Autoscale{Min: 1, Max: 8, TargetUtilization: 0.5, IntervalSec: 0.5}}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{{Station: "cpu", Service: sim.Deterministic(1)}}}},
	}
	v, r, err := At(context.Background(), m, 2000, WithRequests(40_000))
	if err != nil {
		t.Fatal(err)
	}
	peak := r.Stations[0].PeakReplicas
	if peak < 3 {
		t.Fatalf("peak replicas %d: want the station scaled out to carry 2 servers' work", peak)
	}
	want := fmt.Sprintf("(1 server on each of up to %d replicas, ", peak)
	if note := v.Notes[len(v.Notes)-1]; !strings.HasPrefix(note, "Stations, the busiest first: cpu ") || !strings.Contains(note, want) {
		t.Errorf("note %q: want the cpu sized %q", note, want)
	}
}

// TestAtServerlessCostPerRequest prices a pool-only model: the pool's
// billing covers the measured requests only, so the estimate must bill
// exactly one invocation per request, however long the simulator's
// warm-up, and no requests of a warm-up the billing does not cover.
func TestAtServerlessCostPerRequest(t *testing.T) {
	t.Parallel()
	m := sim.Model{
		Name: "functions", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 1000},
		Pools:    []sim.Pool{{Name: "fn", MemoryMB: 1024, ColdStart: sim.Deterministic(100), KeepAliveSec: 600}},
		Classes:  []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{{Pool: "fn", Service: sim.Deterministic(100)}}}},
	}
	tests := []struct {
		name     string
		rate     float64
		requests int
	}{
		{"warm-up a tenth of the run", 1000, 20_000},        // 2 s before 20 s
		{"warm-up of its one-second floor", 10_000, 20_000}, // 1 s before 2 s
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, r, err := At(context.Background(), m, tc.rate, WithRequests(tc.requests))
			if err != nil {
				t.Fatal(err)
			}
			p := r.Pools[0]
			if p.Invocations != r.Total.Arrivals {
				t.Fatalf("%d invocations for %d requests, want one each", p.Invocations, r.Total.Arrivals)
			}
			e, err := cost.Of(v, cost.Default())
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{
				"function invocations": 1e6,
				"function compute":     p.GBSeconds / float64(p.Invocations) * 1e6,
			}
			for _, it := range e.Items {
				if w, ok := want[it.Name]; ok {
					if math.Abs(it.Quantity-w) > 1e-6*w {
						t.Errorf("%s: %.0f %s per million requests, want %.0f", it.Name, it.Quantity, it.Unit, w)
					}
					delete(want, it.Name)
				}
			}
			if len(want) > 0 {
				t.Errorf("items %+v, want function invocations and compute", e.Items)
			}
		})
	}
}

// TestAtThroughputPastSaturation checks that the achieved rate is what
// the model serves within the window, as a sweep's steps say: the offered
// rate below capacity, the capacity (100/s for the M/M/1) beyond it, not
// the requests that finish in the drain after the arrivals stop.
func TestAtThroughputPastSaturation(t *testing.T) {
	t.Parallel()
	m := load(t, "../sim/testdata/mm1.json")
	tests := []struct {
		name string
		rate float64
		want float64
	}{
		{"below capacity", 50, 50},
		{"past capacity", 200, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, _, err := At(context.Background(), m, tc.rate, WithRequests(20_000))
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Achieved.RequestsPerSec; math.Abs(got-tc.want)/tc.want > 0.05 {
				t.Errorf("achieved.requests_per_sec %.1f at %g req/s offered, want %g", got, tc.rate, tc.want)
			}
			sw, err := Sweep(context.Background(), m, []float64{tc.rate}, WithRequests(20_000))
			if err != nil {
				t.Fatal(err)
			}
			if step := sw.Ramp.Steps[0]; step.RequestsPerSec != v.Achieved.RequestsPerSec || sw.Achieved.RequestsPerSec != v.Achieved.RequestsPerSec {
				t.Errorf("sweep: step %.1f req/s, achieved %.1f; At: %.1f; want the same", step.RequestsPerSec, sw.Achieved.RequestsPerSec, v.Achieved.RequestsPerSec)
			}
		})
	}
}

// TestAtTooLongForTheSimulator checks that a rate too low for the
// requests asked is refused naming the inputs to change (the rate and
// the requests), not the model's duration_sec, which the caller never
// set; and that the bounds it suggests are accepted (by a simulator told
// to stop at once: a run that long holds a million seconds of series).
func TestAtTooLongForTheSimulator(t *testing.T) {
	t.Parallel()
	m := load(t, "../sim/testdata/mm1.json")
	tests := []struct {
		name     string
		rate     float64
		requests int
		wantErr  string // "" for none
	}{
		{"default requests at 0.1 req/s", 0.1, 200_000,
			"simulate mm1 at 0.1 req/s: 200000 requests take 2200000 s of simulated time with their warm-up, more than the simulator's 1000000 s: " +
				"raise the rate (-rate) to at least 0.22 req/s or count at most 90909 requests (-requests)"},
		{"the suggested rate", 0.22, 200_000, ""},
		{"the suggested requests", 0.1, 90_909, ""},
		{"one request more", 0.1, 90_910,
			"simulate mm1 at 0.1 req/s: 90910 requests take 1000010 s of simulated time with their warm-up, more than the simulator's 1000000 s: " +
				"raise the rate (-rate) to at least 0.101 req/s or count at most 90909 requests (-requests)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, _, err := At(ctx, m, tc.rate, WithRequests(tc.requests))
			switch {
			case tc.wantErr == "" && !errors.Is(err, context.Canceled):
				t.Errorf("At: %v, want the model accepted and the run stopped by its context", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Errorf("At: %v\nwant %s", err, tc.wantErr)
			}
		})
	}
}

// TestAtFunctionPools checks a modeled platform with a pool per function:
// one platform named PlatformComponent, a function per pool, and the
// account's limit as the model sets it.
func TestAtFunctionPools(t *testing.T) {
	m := sim.Model{
		Name: "fns", DurationSec: 10, AccountConcurrency: 20,
		Arrivals: sim.Arrivals{RatePerSec: 100},
		Pools: []sim.Pool{
			{Name: "read", MemoryMB: 256, ColdStart: sim.Deterministic(20), KeepAliveSec: 60},
			// No keep-alive: every invocation starts an instance.
			{Name: "mail", MemoryMB: 128, ColdStart: sim.Deterministic(20)},
		},
		Classes: []sim.Class{{Name: "get", Weight: 1, Route: []sim.Visit{
			{Pool: "read", Service: sim.Deterministic(2)},
			{Pool: "mail", Service: sim.Deterministic(1), Async: true},
		}}},
	}
	v, _, err := At(context.Background(), m, 100, WithRequests(2_000))
	if err != nil {
		t.Fatal(err)
	}
	p := v.Platform
	if p == nil || p.Component != PlatformComponent || p.AccountConcurrency != 20 || len(p.Functions) != 2 || p.Functions[1].Name != "mail" {
		t.Fatalf("platform %+v, want %q with both functions and the account's limit of 20", p, PlatformComponent)
	}
	if p.Functions[0].Invocations != p.Functions[1].Invocations || p.Functions[0].Invocations == 0 {
		t.Errorf("invocations: read %d, mail %d; want each request to invoke both", p.Functions[0].Invocations, p.Functions[1].Invocations)
	}
	// Every cold start takes the pools' 20 ms.
	if mail := p.Functions[1]; mail.ColdStarts != mail.Invocations {
		t.Fatalf("mail: %d cold starts of %d invocations, want every one", mail.ColdStarts, mail.Invocations)
	}
	for _, f := range p.Functions {
		if f.ColdStarts > 0 && (f.InitMs.P50 < 19.9 || f.InitMs.Max > 20.1) {
			t.Errorf("%s: %d cold starts, init %+v; want 20 ms each", f.Name, f.ColdStarts, f.InitMs)
		}
	}
}
