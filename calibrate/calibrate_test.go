package calibrate

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// toy is a measured result whose right answer is known: two operations
// with floors of 1 and 3 ms in a 3:1 mix (a mean floor of 1.5 ms), and
// 1.5 ms of the variant's CPU plus 0.5 ms of the generator's per request.
func toy() results.VariantResult {
	return results.VariantResult{
		Variant:   "toy",
		Label:     results.LabelMeasured,
		Entry:     "toy",
		Requested: results.Load{Rate: 100, Duration: results.Duration(10 * time.Second)},
		Achieved: results.Throughput{
			Iterations: 1000, IterationsPerSec: 100,
			Requests: 1000, RequestsPerSec: 100, Duration: results.Duration(10 * time.Second),
		},
		Generator: results.Generator{CPU: results.Duration(500 * time.Millisecond)},
		Resources: &results.Resources{Total: results.ResourceTotal{CPU: results.Duration(1500 * time.Millisecond), MemAvgBytes: 64 << 20}},
		Operations: []results.OpStats{
			{Name: "A", Count: 750, LatencyMs: results.Percentiles{Min: 1, P50: 2, P90: 3, P99: 6, P999: 7, Max: 8}},
			{Name: "B", Count: 250, LatencyMs: results.Percentiles{Min: 3, P50: 5, P90: 6, P99: 9, P999: 10, Max: 12}},
			{Name: "unused", Count: 0},
		},
		Hops: map[string]int{"A": 1, "B": 2},
	}
}

func quantileMs(d sim.Dist) []float64 {
	var out []float64
	for _, q := range d.Quantiles {
		out = append(out, q.Ms)
	}
	return out
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

// TestEmpiricalTail checks the points an empirical delay gains between
// the measured quantiles from p50 up: log value linear in the log of the
// share of requests beyond, so that p95 lies near p90, not halfway to p99;
// the measured values stay where they were.
func TestEmpiricalTail(t *testing.T) {
	d := empirical([]float64{0.2, 1, 2, 20, 40, 50})
	want := []sim.Quantile{
		{Q: 0, Ms: 0.2}, {Q: 0.5, Ms: 1},
		{Q: 0.75, Ms: 1.348}, // 1·2^(ln(0.25/0.5) / ln(0.1/0.5))
		{Q: 0.9, Ms: 2},
		{Q: 0.95, Ms: 4}, // 2·10^(ln(0.05/0.1) / ln(0.01/0.1)): p90 doubled, not halfway to p99
		{Q: 0.97, Ms: 6.667}, {Q: 0.98, Ms: 10},
		{Q: 0.99, Ms: 20},
		{Q: 0.995, Ms: 24.64}, {Q: 0.998, Ms: 32.467},
		{Q: 0.999, Ms: 40}, {Q: 1, Ms: 50},
	}
	if !reflect.DeepEqual(d.Quantiles, want) {
		t.Errorf("empirical = %v, want %v", d.Quantiles, want)
	}
	if got, ok := anchors(d); !ok || !reflect.DeepEqual(got, []float64{0.2, 1, 2, 20, 40, 50}) {
		t.Errorf("anchors = %v, %v; want the measured values back", got, ok)
	}
	if err := (sim.Model{Name: "m", DurationSec: 1, Arrivals: sim.Arrivals{RatePerSec: 1}, Stations: []sim.Station{{Name: "s", Delay: true}},
		Classes: []sim.Class{{Name: "c", Weight: 1, Route: []sim.Visit{{Station: "s", Service: d}}}}}).Validate(); err != nil {
		t.Errorf("a model with it: %v", err)
	}
}

// TestCalibrateKnownAnswer checks demands, shares and delays on toy, where
// they are known, before any correction.
func TestCalibrateKnownAnswer(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		opts       []Option
		demandA    float64
		demandB    float64
		delayA     []float64
		delayB     []float64
		offB       float64 // B's demand beyond its floor, off its path
		capacity   float64
		accounted  float64
		modelMatch bool // the demand leaves room for the measured latencies
	}{
		{
			name:    "latency floor",
			demandA: 1, demandB: 3,
			delayA:     []float64{minMs, 1, 2, 5, 6, 7},
			delayB:     []float64{minMs, 2, 3, 6, 7, 9},
			capacity:   2 / 1.5e-3,
			accounted:  2,
			modelMatch: true,
		},
		{
			name:    "cpu with generator",
			opts:    []Option{WithDemand(DemandCPU)},
			demandA: 1.333, demandB: 4, // 2 ms over a 1.5 ms floor
			// Beyond the floors, the demand is off the requests' paths:
			// their delays are the floor's.
			delayA:     []float64{minMs, 1, 2, 5, 6, 7},
			delayB:     []float64{minMs, 2, 3, 6, 7, 9},
			offB:       1,
			capacity:   2 / 2e-3,
			accounted:  2,
			modelMatch: true,
		},
		{
			name:    "cpu without generator",
			opts:    []Option{WithDemand(DemandCPU), WithGenerator(false)},
			demandA: 1, demandB: 3,
			delayA:     []float64{minMs, 1, 2, 5, 6, 7},
			delayB:     []float64{minMs, 2, 3, 6, 7, 9},
			capacity:   2 / 1.5e-3,
			accounted:  1.5,
			modelMatch: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]Option{WithRounds(0), WithRequests(20_000)}, tt.opts...)
			c, err := Calibrate(ctx, toy(), 2, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Ops) != 2 || len(c.Model.Classes) != 2 {
				t.Fatalf("got %d ops and %d classes, want 2 (the op without requests left out)", len(c.Ops), len(c.Model.Classes))
			}
			a, b := c.Ops[0], c.Ops[1]
			if a.Class != "A (1 hop)" || b.Class != "B (2 hops)" || a.Hops != 1 || b.Hops != 2 {
				t.Errorf("classes %q (%d hops) and %q (%d hops), want the hop counts shown", a.Class, a.Hops, b.Class, b.Hops)
			}
			if a.Share != 0.75 || c.Model.Classes[0].Weight != 0.75 || c.Model.Classes[1].Weight != 0.25 {
				t.Errorf("share %g, weights %g and %g, want 0.75 and 0.25", a.Share, c.Model.Classes[0].Weight, c.Model.Classes[1].Weight)
			}
			if c.FloorMs != 1.5 || !near(c.AccountedCPUMs, tt.accounted, 1e-9) || !near(c.GeneratorCPUMs, 0.5, 1e-9) {
				t.Errorf("floor %g, accounted %g, generator %g ms; want 1.5, %g, 0.5", c.FloorMs, c.AccountedCPUMs, c.GeneratorCPUMs, tt.accounted)
			}
			if a.DemandMs != tt.demandA || b.DemandMs != tt.demandB {
				t.Errorf("demands %g and %g ms, want %g and %g", a.DemandMs, b.DemandMs, tt.demandA, tt.demandB)
			}
			if !near(c.CapacityPerSec, tt.capacity, 2e-3) {
				t.Errorf("capacity %g req/s, want %g", c.CapacityPerSec, tt.capacity)
			}
			if got, ok := anchors(a.Delay); !ok || !reflect.DeepEqual(got, tt.delayA) {
				t.Errorf("A's delay %v at the measured quantiles (%v), want %v", got, quantileMs(a.Delay), tt.delayA)
			}
			if got, ok := anchors(b.Delay); !ok || !reflect.DeepEqual(got, tt.delayB) {
				t.Errorf("B's delay %v at the measured quantiles (%v), want %v", got, quantileMs(b.Delay), tt.delayB)
			}
			route := c.Model.Classes[1].Route
			if cpu := route[0]; cpu.Station != StationCPU || !reflect.DeepEqual(cpu.Service, sim.Deterministic(tt.demandB-tt.offB)) {
				t.Errorf("B's first visit %+v, want %g ms at the cpu station", cpu, tt.demandB-tt.offB)
			}
			off := route[len(route)-1]
			switch {
			case b.OffPathMs != tt.offB:
				t.Errorf("B's off-path demand %g ms, want %g", b.OffPathMs, tt.offB)
			case tt.offB > 0 && (len(route) != 3 || off.Station != StationCPU || !off.Async || !reflect.DeepEqual(off.Service, sim.Deterministic(tt.offB))):
				t.Errorf("B's route %+v, want it to end with an async visit of %g ms to the cpu station", route, tt.offB)
			case tt.offB == 0 && len(route) != 2:
				t.Errorf("B's route %+v, want the cpu and the delay only", route)
			}
			if c.Model.Stations[0].Servers != 2 || c.Model.Hop != nil || c.Model.Arrivals.RatePerSec != 100 {
				t.Errorf("cpu servers %d, hop %v, rate %g; want 2, none, 100", c.Model.Stations[0].Servers, c.Model.Hop, c.Model.Arrivals.RatePerSec)
			}
			// The wait is marked a delay, so that a simulation of the
			// model does not bill it as CPU.
			if len(c.Model.Stations) != 2 || c.Model.Stations[1].Name != StationWait || !c.Model.Stations[1].Delay {
				t.Errorf("stations %+v, want the cpu and the wait, a delay station", c.Model.Stations)
			}
			// At 7.5 % (or 10 %) utilisation the model comes close to
			// what it was built from even before any correction.
			if want := 100 * c.DemandMs / 1000 / 2; !near(c.Utilization, want, 0.1) {
				t.Errorf("utilisation %g, want %g", c.Utilization, want)
			}
			if tt.modelMatch && !near(a.Modeled.P50Ms, 2, 0.1) {
				t.Errorf("A's modeled p50 %g ms, want about 2", a.Modeled.P50Ms)
			}
		})
	}
}

// TestCalibrateRecoversModel measures a known model by simulating it,
// calibrates from the measurement, and checks that the calibration finds
// its demands and, after correcting for its queueing, reproduces its
// percentiles; and that the model round-trips through Write and Load.
func TestCalibrateRecoversModel(t *testing.T) {
	ctx := context.Background()
	delay := func(p50, p90, p99, top float64) sim.Dist {
		return sim.Empirical(sim.Quantile{Q: 0, Ms: 0}, sim.Quantile{Q: 0.5, Ms: p50}, sim.Quantile{Q: 0.9, Ms: p90}, sim.Quantile{Q: 0.99, Ms: p99}, sim.Quantile{Q: 1, Ms: top})
	}
	truth := sim.Model{
		Name: "truth", DurationSec: 10, WarmupSec: 2,
		Arrivals: sim.Arrivals{RatePerSec: 600}, // 45 % busy: 600 × 1.5 ms over 2 CPUs
		Stations: []sim.Station{{Name: "cpu", Servers: 2}, {Name: "wait", Servers: 1000}},
		Classes: []sim.Class{
			{Name: "A", Weight: 3, Route: []sim.Visit{{Station: "cpu", Service: sim.Deterministic(1)}, {Station: "wait", Service: delay(1, 2, 5, 8)}}},
			{Name: "B", Weight: 1, Route: []sim.Visit{{Station: "cpu", Service: sim.Deterministic(3)}, {Station: "wait", Service: delay(2, 3, 6, 9)}}},
		},
	}
	res, err := sim.Run(ctx, truth, sim.WithRequests(100_000), sim.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	v := toy()
	v.Achieved.RequestsPerSec = res.Total.ThroughputPerSec
	v.Achieved.Requests = res.Total.Completed
	v.Achieved.Duration = results.Duration(time.Duration(res.WindowSec * float64(time.Second)))
	v.Operations = nil
	for i, cr := range res.Classes {
		l := cr.Latency
		v.Operations = append(v.Operations, results.OpStats{Name: cr.Name, Count: cr.Completed, LatencyMs: results.Percentiles{
			// The simulator reports no minimum; the fastest a request can
			// be is its CPU time, with no wait and no delay.
			Min: truth.Classes[i].Route[0].Service.MeanMs,
			P50: l.P50Ms, P90: l.P90Ms, P99: l.P99Ms, P999: l.P999Ms, Max: l.MaxMs,
		}})
	}
	v.Resources.Total.CPU = results.Duration(time.Duration(1.5e-3 * float64(res.Total.Completed) * float64(time.Second)))
	v.Generator.CPU = 0

	for _, demand := range []Demand{DemandFloor, DemandCPU} {
		c, err := Calibrate(ctx, v, 2, WithRequests(50_000), WithDemand(demand))
		if err != nil {
			t.Fatal(err)
		}
		if !near(c.Ops[0].DemandMs, 1, 0.005) || !near(c.Ops[1].DemandMs, 3, 0.005) {
			t.Errorf("%s: demands %g and %g ms, want 1 and 3", demand, c.Ops[0].DemandMs, c.Ops[1].DemandMs)
		}
		if !near(c.Utilization, 0.45, 0.05) {
			t.Errorf("%s: utilisation %g, want 0.45", demand, c.Utilization)
		}
		for _, o := range c.Ops {
			t.Logf("%s %s: measured %+v, modeled %+v, delay %+v", demand, o.Class, o.Measured, o.Modeled, o.Delay)
			if !near(o.Modeled.P50Ms, o.Measured.P50Ms, 0.03) || !near(o.Modeled.P90Ms, o.Measured.P90Ms, 0.03) || !near(o.Modeled.P99Ms, o.Measured.P99Ms, 0.1) {
				t.Errorf("%s %s: modeled %+v, want within 3 %% (p50, p90) and 10 %% (p99) of %+v", demand, o.Class, o.Modeled, o.Measured)
			}
		}

		var buf bytes.Buffer
		if err := c.Model.Write(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := sim.Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, c.Model) {
			t.Errorf("the model changed through Write and Load:\n got %+v\nwant %+v", back, c.Model)
		}
		if !strings.Contains(c.Explain(), "toy: 2 classes") {
			t.Errorf("Explain() = %q, want it to name the variant and its classes", c.Explain())
		}
	}
}

func TestCalibratePlatform(t *testing.T) {
	v := toy()
	v.Setting = "keep-alive 2s"
	v.Platform = &results.Platform{
		Component: "toy",
		Functions: []results.PlatformFunction{
			{Name: "a", MemoryMB: 256, Invocations: 750, BilledMs: 1000, ColdStarts: 3, InitMs: results.InitPercentiles{P50: 10, P99: 20, Max: 20}},
			{Name: "b", MemoryMB: 512, Invocations: 250, BilledMs: 1000, ColdStarts: 1, InitMs: results.InitPercentiles{P50: 30, P99: 30, Max: 30}},
			{Name: "mail", MemoryMB: 128, Invocations: 100},
		},
	}
	c, err := Calibrate(context.Background(), v, 2, WithRounds(0), WithRequests(5_000), WithMaxConcurrency(7))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Model.Pools) != 1 {
		t.Fatalf("pools %+v, want one", c.Model.Pools)
	}
	p := c.Model.Pools[0]
	want := sim.Pool{
		Name:     PoolFunctions,
		MemoryMB: 384, // billed-duration-weighted
		// Cold starts weighted by their number: p50 (3×10+30)/4, p99 (3×20+30)/4.
		ColdStart:      sim.LogNormal(15, 22.5),
		KeepAliveSec:   2,
		MaxConcurrency: 7,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("pool %+v, want %+v", p, want)
	}
	r := c.Model.Classes[0].Route
	if len(r) != 3 || r[1].Pool != PoolFunctions || !r[2].Async || r[2].Pool != PoolFunctions {
		t.Fatalf("route %+v, want cpu, the pool, then an async invocation", r)
	}
	// 1100 invocations for 1000 requests: 10 % make an async one.
	if len(r[1].Next) != 1 || r[1].Next[0] != (sim.Jump{Prob: 0.9, To: 3}) {
		t.Errorf("jump %+v, want 0.9 past the async visit", r[1].Next)
	}
	if !reflect.DeepEqual(r[2].Service, sim.Exponential(1.818)) { // 2000 billed ms over 1100 invocations
		t.Errorf("async service %+v, want the mean billed duration", r[2].Service)
	}
	for _, s := range c.Model.Stations {
		if s.Name == StationWait {
			t.Errorf("stations %+v: the platform is the front door, the delay belongs in the pool", c.Model.Stations)
		}
	}

	// Behind a gateway, the platform only gets the async invocations.
	v.Entry = "gateway"
	c, err = Calibrate(context.Background(), v, 2, WithRounds(0), WithRequests(5_000), WithKeepAlive(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r = c.Model.Classes[0].Route
	if r[1].Station != StationWait || !r[2].Async || c.Model.Pools[0].KeepAliveSec != 60 || c.Model.Pools[0].MaxConcurrency != DefaultMaxConcurrency {
		t.Errorf("route %+v, pool %+v; want the wait station, every request's invocation async, WithKeepAlive's keep-alive and the default limit", r, c.Model.Pools[0])
	}
	if r[1].Next != nil {
		t.Errorf("jump %+v, want none: 1100 invocations for 1000 requests is at least one each", r[1].Next)
	}
}

func TestCalibrateErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(*results.VariantResult)
		cpus int
		opts []Option
		want string
	}{
		{"no resources with DemandCPU", func(v *results.VariantResult) { v.Resources = nil }, 2, []Option{WithDemand(DemandCPU)}, "no resources (resources.total.cpu_sec)"},
		{"a ramp", func(v *results.VariantResult) { v.Ramp = &results.RampSummary{} }, 2, nil, "ramp is set"},
		{"modeled", func(v *results.VariantResult) { v.Label = results.LabelModeled }, 2, nil, "measured results only"},
		{"no operations", func(v *results.VariantResult) { v.Operations = nil }, 2, nil, "operations is empty"},
		{"no requests", func(v *results.VariantResult) {
			for i := range v.Operations {
				v.Operations[i].Count = 0
			}
		}, 2, nil, "no operation has requests"},
		{"no rate", func(v *results.VariantResult) { v.Achieved.RequestsPerSec = 0 }, 2, nil, "achieved.requests_per_sec must be > 0"},
		{"falling percentiles", func(v *results.VariantResult) { v.Operations[1].LatencyMs.P90 = 1 }, 2, nil, "operations[1] (B).latency_ms"},
		{"NaN percentile", func(v *results.VariantResult) { v.Operations[0].LatencyMs.P99 = math.NaN() }, 2, nil, "operations[0] (A).latency_ms"},
		{"zero CPU", func(v *results.VariantResult) { v.Resources.Total.CPU = 0 }, 2, nil, "resources.total.cpu_sec must be > 0"},
		{"no CPUs", nil, 0, nil, "CPU count must be >= 1"},
		{"bad demand", nil, 2, []Option{WithDemand("guess")}, "WithDemand"},
		{"few requests", nil, 2, []Option{WithRequests(10)}, "WithRequests"},
		{"bad rounds", nil, 2, []Option{WithRounds(-1)}, "WithRounds"},
		{"bad service", nil, 2, []Option{WithCPUService(sim.KindLogNormal)}, "WithCPUService"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := toy()
			if tt.edit != nil {
				tt.edit(&v)
			}
			_, err := Calibrate(ctx, v, tt.cpus, append([]Option{WithRequests(2_000)}, tt.opts...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}

	// The latency floor needs no resources: it says what it could not check.
	v := toy()
	v.Resources = nil
	c, err := Calibrate(ctx, v, 2, WithRequests(2_000))
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountedCPUMs != 0 || !strings.Contains(strings.Join(c.Notes, " "), "no resources") {
		t.Errorf("accounted %g, notes %q; want 0 and a note", c.AccountedCPUMs, c.Notes)
	}
}

func TestFromRun(t *testing.T) {
	ctx := context.Background()
	a, b := toy(), toy()
	a.Repetition, b.Repetition = 1, 2
	b.Operations[0].Count = 250 // B's A: a quarter of A's requests, slower
	b.Operations[0].LatencyMs = results.Percentiles{Min: 0.5, P50: 6, P90: 7, P99: 9, P999: 10, Max: 20}
	b.Achieved.Requests = 500
	a.Total.LatencyMs.P50, b.Total.LatencyMs.P50 = 2, 3
	other := toy()
	other.Variant = "other"
	run := results.Run{ID: "r1", Scenario: "steady", Machine: results.Machine{CPUs: 4}, Variants: []results.VariantResult{a, other, b}}

	c, err := FromRun(ctx, run, "toy", WithRounds(0), WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.Repetitions != 2 || c.Source.CPUs != 4 || c.Source.RunID != "r1" || c.Model.Stations[0].Servers != 4 {
		t.Errorf("source %+v, cpu servers %d; want 2 repetitions on 4 CPUs of run r1", c.Source, c.Model.Stations[0].Servers)
	}
	if c.Model.Name != "toy" || !strings.HasPrefix(c.Model.Description, "calibrated from steady run r1, 2 repetitions") {
		t.Errorf("model name %q, description %q: want the variant, and the source in the description", c.Model.Name, c.Model.Description)
	}
	opA := c.Ops[0]
	// A: 750 + 250 requests; p50 (750×2 + 250×6)/1000 = 3; min the least.
	if opA.Share != 1000.0/1500 || opA.Measured.P50Ms != 3 || opA.FloorMs != 0.5 {
		t.Errorf("A: share %g, p50 %g, floor %g; want 2/3, 3, 0.5", opA.Share, opA.Measured.P50Ms, opA.FloorMs)
	}
	// CPU adds up over 1500 requests: (1.5 + 1.5 + 0.5 + 0.5) s.
	if !near(c.AccountedCPUMs, 4000.0/1500, 1e-9) {
		t.Errorf("accounted %g ms, want %g", c.AccountedCPUMs, 4000.0/1500)
	}
	if c.Source.RatePerSec != 1500.0/20 {
		t.Errorf("rate %g, want requests over both windows, 75", c.Source.RatePerSec)
	}
	// p50s of 2 and 3 ms: each 20 % from their mean.
	if !near(c.P50Spread, 0.2, 1e-9) || !strings.Contains(c.Explain(), "within 20 % of their mean") {
		t.Errorf("p50 spread %g, explained %q; want 0.2, said", c.P50Spread, c.Explain())
	}

	if _, err := FromRun(ctx, run, "nope"); err == nil || !strings.Contains(err.Error(), "toy, other") {
		t.Errorf("error %v, want it to list the variants", err)
	}
	b.Setting = "keep-alive 2s"
	run.Variants = []results.VariantResult{a, b}
	if _, err := FromRun(ctx, run, "toy"); err == nil || !strings.Contains(err.Error(), "WithSetting") {
		t.Errorf("error %v, want it to ask for WithSetting", err)
	}
	c, err = FromRun(ctx, run, "toy", WithSetting("keep-alive 2s"), WithRounds(0), WithRequests(2_000))
	if err != nil || c.Source.Repetitions != 1 || c.Source.Setting != "keep-alive 2s" {
		t.Errorf("FromRun with a setting: %+v, %v; want the one result with it", c.Source, err)
	}
}

// storm is toy's repetition n in a round where a stall set off a storm
// of cold starts: 9 % errors, 190 cold starts, every latency 100 times
// toy's.
func storm(n int) results.VariantResult {
	v := toy()
	v.Repetition = n
	v.Total.ErrorRate = 0.09
	v.ColdStarts = &results.ColdStarts{Count: 190}
	v.Operations = []results.OpStats{
		{Name: "A", Count: 750, LatencyMs: results.Percentiles{Min: 100, P50: 200, P90: 300, P99: 600, P999: 700, Max: 800}},
		{Name: "B", Count: 250, LatencyMs: results.Percentiles{Min: 300, P50: 500, P90: 600, P99: 900, P999: 1000, Max: 1200}},
	}
	v.Total.LatencyMs = results.Percentiles{P50: 250, P99: 800}
	return v
}

// TestFromRunLeavesOutAStorm calibrates from three repetitions, the last
// a storm: the model is the first two's, and says what it left out. With
// every repetition a storm, none is left out.
func TestFromRunLeavesOutAStorm(t *testing.T) {
	ctx := context.Background()
	a, b := toy(), toy()
	a.Repetition, b.Repetition = 1, 2
	a.Total.LatencyMs.P50, b.Total.LatencyMs.P50 = 2, 2
	run := results.Run{ID: "r1", Scenario: "steady", Machine: results.Machine{CPUs: 2}, Variants: []results.VariantResult{a, b, storm(3)}}
	c, err := FromRun(ctx, run, "toy", WithRounds(0), WithRequests(2_000))
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.Repetitions != 2 || c.Ops[0].Measured.P50Ms != 2 || c.P50Spread != 0 {
		t.Errorf("source %+v, A's p50 %g, spread %g: want the two calm repetitions alone", c.Source, c.Ops[0].Measured.P50Ms, c.P50Spread)
	}
	want := "#3: 9.0 % errors (the others ≤ 0.0 %), 190 cold starts (the others ≤ 0)"
	if !slices.Equal(c.Source.LeftOut, []string{want}) || !strings.Contains(c.Explain(), "with its repetitions left out as a stall or a storm of cold starts") ||
		!strings.HasPrefix(c.Model.Description, "calibrated from steady run r1, 2 repetitions (1 more left out") {
		t.Errorf("left out %q, explained %q, description %q: want %q, said in both", c.Source.LeftOut, c.Explain(), c.Model.Description, want)
	}

	run.Variants = []results.VariantResult{storm(1)}
	if c, err = FromRun(ctx, run, "toy", WithRounds(0), WithRequests(2_000)); err != nil || c.Source.Repetitions != 1 {
		t.Errorf("one storm alone: %+v, %v; want it calibrated from", c.Source, err)
	}
}

func TestFitLogNormal(t *testing.T) {
	// Exactly log-normal: median 2 ms, σ 0.5.
	q := func(z float64) float64 { return 2 * math.Exp(0.5*z) }
	median, p99, worst := fitLogNormal(q(0), q(1.2815515655446004), q(2.3263478740408408))
	if median != 2 || !near(p99, q(2.3263478740408408), 1e-3) || worst > 1e-3 {
		t.Errorf("fit median %g, p99 %g, error %g; want 2, %g, 0", median, p99, worst, q(2.3263478740408408))
	}
	if _, _, worst := fitLogNormal(1, 1, 1); worst != 1 {
		t.Errorf("a constant has no log-normal, but the error is %g", worst)
	}
	// A delay that is log-normal is fitted as one.
	d, e := delayOf(results.Percentiles{Min: 1, P50: 3, P90: 1 + q(1.2815515655446004), P99: 1 + q(2.3263478740408408), P999: 9, Max: 10}, 1)
	if d.Kind != sim.KindLogNormal || e > 0.01 {
		t.Errorf("delay %+v (error %g), want a log-normal", d, e)
	}
}

func TestKeepAliveOf(t *testing.T) {
	tests := []struct {
		setting string
		want    time.Duration
		ok      bool
	}{
		{"keep-alive 2s", 2 * time.Second, true},
		{"provisioned, keep-alive 1m0s", time.Minute, true},
		{"keep-alive 1m0s, provisioned", time.Minute, true},
		{"keep-alive soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := keepAliveOf(tt.setting)
		if got != tt.want || ok != tt.ok {
			t.Errorf("keepAliveOf(%q) = %v, %v; want %v, %v", tt.setting, got, ok, tt.want, tt.ok)
		}
	}
}
