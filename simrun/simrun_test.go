package simrun

import (
	"context"
	"math"
	"os"
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
