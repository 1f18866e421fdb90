package calibrate

import (
	"context"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// TestLoadPoints reads a spike-like result's windows: the base before and
// after the burst pool into one point, the burst is another, and a
// window with errors is left out.
func TestLoadPoints(t *testing.T) {
	win := func(name string, rate, p50 float64, n, errs int64) results.OpStats {
		return results.OpStats{Name: name, Count: n, Errors: errs, ErrorRate: float64(errs) / float64(n),
			ThroughputPerSec: rate, LatencyMs: results.Percentiles{P50: p50}}
	}
	v := toy()
	v.Windows = []results.OpStats{win("before", 120, 1.2, 100, 0), win("burst", 1000, 0.8, 1000, 0), win("after", 130, 1.0, 300, 0)}
	bad := toy()
	bad.Repetition = 2
	bad.Windows = []results.OpStats{win("burst", 2000, 9, 1000, 50)}
	steadyOnly := toy()
	steadyOnly.Variant = "steady"
	steadyOnly.Total = win("total", 100, 2, 1000, 0)
	run := results.Run{ID: "r1", Scenario: "spike", Variants: []results.VariantResult{v, bad, steadyOnly}}

	ps, err := LoadPoints(run, "toy")
	if err != nil {
		t.Fatal(err)
	}
	want := []LoadPoint{
		{Source: "spike run r1, before + spike run r1, after", RatePerSec: 127.5, P50Ms: 1.05, Requests: 400},
		{Source: "spike run r1, burst", RatePerSec: 1000, P50Ms: 0.8, Requests: 1000},
	}
	if len(ps) != len(want) {
		t.Fatalf("points %+v, want %+v", ps, want)
	}
	for i := range want {
		if ps[i].Source != want[i].Source || !near(ps[i].RatePerSec, want[i].RatePerSec, 1e-9) || !near(ps[i].P50Ms, want[i].P50Ms, 1e-9) || ps[i].Requests != want[i].Requests {
			t.Errorf("point %d = %+v, want %+v", i, ps[i], want[i])
		}
	}

	ps, err = LoadPoints(run, "steady")
	if err != nil || len(ps) != 1 || ps[0].RatePerSec != 100 || ps[0].P50Ms != 2 {
		t.Errorf("a result without windows: %+v, %v; want its total as one point", ps, err)
	}
	if _, err := LoadPoints(run, "absent"); err == nil {
		t.Error("a variant the run does not have: no error")
	}
}

// TestFitLoad calibrates toy with load points at a lower and a higher
// rate and checks that the model then reproduces their p50s, keeps the
// calibration rate's, and leaves out points it cannot explain.
func TestFitLoad(t *testing.T) {
	ctx := context.Background()
	base, err := Calibrate(ctx, toy(), 2, WithRequests(50_000))
	if err != nil {
		t.Fatal(err)
	}
	p50 := func(m sim.Model, rate float64) float64 {
		t.Helper()
		res, err := sim.Run(ctx, m.WithRate(rate), sim.WithRequests(50_000), sim.WithSeed(1))
		if err != nil {
			t.Fatal(err)
		}
		return res.Total.Latency.P50Ms
	}
	at100 := p50(base.Model, 100)
	points := []LoadPoint{
		{Source: "low", RatePerSec: 30, P50Ms: 1.3 * at100, Requests: 300},
		{Source: "near", RatePerSec: 105, P50Ms: 5 * at100, Requests: 300},
		{Source: "high", RatePerSec: 400, P50Ms: 0.85 * at100, Requests: 3000},
		// Most of the delays' body gone (a factor near 0.2): a busy
		// machine's p50 close to its CPU demand, as the monolith's at
		// thousands of req/s.
		{Source: "much faster", RatePerSec: 200, P50Ms: 0.65 * at100, Requests: 3000},
		{Source: "saturated", RatePerSec: 600, P50Ms: 50 * at100, Requests: 3000},
	}
	c, err := Calibrate(ctx, toy(), 2, WithRequests(50_000), WithLoadPoints(points...))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.LoadCurve) != 5 {
		t.Fatalf("load curve %+v, want an entry per point", c.LoadCurve)
	}
	for _, f := range c.LoadCurve {
		switch f.Source {
		case "near":
			if f.Factor != 0 || !strings.Contains(f.Skipped, "calibration rate") {
				t.Errorf("a point at the calibration rate: %+v, want it left out", f)
			}
		case "saturated":
			if f.Factor != 0 || !strings.Contains(f.Skipped, "beyond") {
				t.Errorf("a point no factor explains: %+v, want it left out", f)
			}
		default:
			if f.Skipped != "" || !near(f.ModeledP50Ms, f.P50Ms, 0.02) {
				t.Errorf("%s: %+v, want a factor that reproduces its p50 within 2 %%", f.Source, f)
			}
		}
	}
	wait := c.Model.Stations[1]
	if wait.Name != StationWait || len(wait.LoadFactors) != 4 || wait.LoadFactors[1] != (sim.LoadFactor{RatePerSec: 100, Factor: 1}) {
		t.Fatalf("the wait station's curve %+v, want 4 points with 1 at the calibration rate", wait.LoadFactors)
	}
	for _, tc := range []struct {
		rate, want float64
	}{{30, 1.3 * at100}, {100, at100}, {200, 0.65 * at100}, {400, 0.85 * at100}} {
		if got := p50(c.Model, tc.rate); !near(got, tc.want, 0.03) {
			t.Errorf("model p50 at %g req/s = %.4g ms, want %.4g", tc.rate, got, tc.want)
		}
	}
	if err := c.Model.Validate(); err != nil {
		t.Errorf("the model with a load curve is not valid: %v", err)
	}

	if _, err := Calibrate(ctx, toy(), 2, WithLoadPoints(LoadPoint{Source: "bad", RatePerSec: 0, P50Ms: 1})); err == nil || !strings.Contains(err.Error(), "rate_per_sec") {
		t.Errorf("a load point with no rate: %v, want an error naming rate_per_sec", err)
	}
}
