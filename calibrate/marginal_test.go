package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestMarginalCPU checks the slope of CPU against throughput on points
// whose line is known, and each reason it cannot be fitted.
func TestMarginalCPU(t *testing.T) {
	// The variant uses 0.075 cores idle plus 1.75 ms a request; the
	// generator 0.025 cores plus 0.25 ms a request: 0.1 cores plus 2 ms
	// together.
	pt := func(rate float64) LoadPoint {
		return LoadPoint{Source: "s", RatePerSec: rate, P50Ms: 1, Requests: 100,
			CPUCores: 0.075 + 1.75e-3*rate, GeneratorCPUCores: 0.025 + 0.25e-3*rate}
	}
	noCPU := LoadPoint{Source: "no cpu", RatePerSec: 1000, P50Ms: 1, Requests: 100}
	// A point at low load off the line: a nearly idle machine's CPU.
	idle := LoadPoint{Source: "base", RatePerSec: 50, P50Ms: 1, Requests: 100, CPUCores: 0.4}
	tests := []struct {
		name      string
		points    []LoadPoint
		generator bool
		from      float64
		ms, idle  float64
		leftOut   int
		wantErr   string
	}{
		{"with the generator", []LoadPoint{pt(100), pt(200), pt(300), noCPU}, true, 0, 2, 0.1, 0, ""},
		{"without the generator", []LoadPoint{pt(100), pt(300)}, false, 0, 1.75, 0.075, 0, ""},
		{"the points below from left out", []LoadPoint{idle, pt(100), pt(300)}, true, 90, 2, 0.1, 1, ""},
		{"too few from there: every point", []LoadPoint{pt(100), pt(200), pt(300)}, true, 250, 2, 0.1, 0, ""},
		{"one rate", []LoadPoint{pt(100), noCPU}, true, 0, 0, 0, 0, "measured at 1 rate"},
		{"rates too close", []LoadPoint{pt(100), pt(140)}, true, 0, 0, 0, 0, "within a factor 1.5"},
		{"rates too close, from or not", []LoadPoint{pt(100), pt(140)}, true, 120, 0, 0, 0, "within a factor 1.5"},
		{"CPU falls with load", []LoadPoint{pt(300), {RatePerSec: 600, P50Ms: 1, CPUCores: 0.1}}, true, 0, 0, 0, 0, "did not grow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := marginalCPU(tt.points, tt.generator, tt.from)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoMarginalCPU) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want ErrNoMarginalCPU saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.MsPerRequest, tt.ms, 1e-3) || !near(got.IdleCores, tt.idle, 1e-3) || got.R2 != 1 {
				t.Errorf("slope %g ms, idle %g cores, R² %g; want %g, %g, 1", got.MsPerRequest, got.IdleCores, got.R2, tt.ms, tt.idle)
			}
			// The generator's own line: 0.25 ms a request, when counted.
			wantGen := 0.0
			if tt.generator {
				wantGen = 0.25
			}
			if len(got.Points) != 2 && len(got.Points) != 3 || (got.Points[0].GeneratorCPUCores > 0) != tt.generator {
				t.Errorf("points %+v: want the ones with CPU, the generator's folded in and kept apart", got.Points)
			}
			if !near(got.GeneratorMsPerRequest, wantGen, 1e-3) {
				t.Errorf("the generator's slope %g ms, want %g", got.GeneratorMsPerRequest, wantGen)
			}
			wantFrom := 0.0
			if tt.leftOut > 0 {
				wantFrom = tt.from
			}
			if len(got.LeftOut) != tt.leftOut || got.FromPerSec != wantFrom {
				t.Errorf("left out %+v from %g req/s, want %d point(s) left out, from %g", got.LeftOut, got.FromPerSec, tt.leftOut, wantFrom)
			}
			if s := got.String(); (tt.leftOut > 0) != strings.Contains(s, "left out, at lower load") {
				t.Errorf("String() %q: want the left-out points named when there are any", s)
			}
		})
	}
}

// TestMarginalCPUExponent checks the power law fitted to the same points:
// its exponent, within bounds.
func TestMarginalCPUExponent(t *testing.T) {
	law := func(k float64, rates ...float64) []LoadPoint {
		var ps []LoadPoint
		for _, r := range rates {
			ps = append(ps, LoadPoint{Source: "s", RatePerSec: r, P50Ms: 1, Requests: 100, CPUCores: 0.01 * math.Pow(r, k)})
		}
		return ps
	}
	tests := []struct {
		name   string
		points []LoadPoint
		want   float64
	}{
		{"concave", law(0.8, 100, 400, 1000), 0.8},
		{"straight through the origin", law(1, 50, 500), 1},
		{"convex", law(1.2, 100, 300), 1.2},
		{"too flat: held at the bound", law(0.1, 100, 1000), minExponent},
		{"too steep: held at the bound", law(2, 100, 1000), maxExponent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := marginalCPU(tt.points, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.Exponent, tt.want, 1e-3) {
				t.Errorf("exponent %g, want %g", got.Exponent, tt.want)
			}
			if !strings.Contains(got.String(), fmt.Sprintf("to the power %.2f", tt.want)) {
				t.Errorf("String() %q does not give the exponent", got.String())
			}
		})
	}
}

// TestDemandMarginal calibrates toy with DemandMarginal: the slope, 2 ms a
// request over a 1.5 ms mean floor, is split over the operations by their
// floors, as DemandCPU splits what the run accounted; without a second
// rate the calibration fails with ErrNoMarginalCPU.
func TestDemandMarginal(t *testing.T) {
	ctx := context.Background()
	v := toy()
	v.Total.ThroughputPerSec, v.Total.CPUCores, v.Total.GeneratorCPUCores = 100, 0.25, 0.05
	burst := LoadPoint{Source: "burst", RatePerSec: 300, P50Ms: 2, Requests: 3000, CPUCores: 0.6, GeneratorCPUCores: 0.1}
	c, err := Calibrate(ctx, v, 2, WithRounds(0), WithRequests(20_000), WithDemand(DemandMarginal), WithLoadPoints(burst))
	if err != nil {
		t.Fatal(err)
	}
	if c.Marginal == nil || !near(c.Marginal.MsPerRequest, 2, 1e-3) || !near(c.Marginal.IdleCores, 0.1, 1e-3) {
		t.Fatalf("marginal %+v, want 2 ms a request and 0.1 cores idle", c.Marginal)
	}
	// 0.3 cores at 100 req/s and 0.7 at 300: CPU grows as rate^k.
	k := math.Log(0.7/0.3) / math.Log(3)
	if !near(c.Marginal.Exponent, k, 1e-3) {
		t.Errorf("exponent %g, want %g", c.Marginal.Exponent, k)
	}
	if a, b := c.Ops[0].DemandMs, c.Ops[1].DemandMs; a != 1.333 || b != 4 || !near(c.CapacityPerSec, 1000, 2e-3) {
		t.Errorf("demands %g and %g ms, capacity %g req/s; want 1.333, 4 and 1000", a, b, c.CapacityPerSec)
	}
	if s := c.Explain(); !strings.Contains(s, "marginal cpu") || !strings.Contains(s, "0.3 cores at 100 req/s, 0.7 cores at 300 req/s") {
		t.Errorf("Explain does not say how the demand was found:\n%s", s)
	}

	// A base below the calibration rate, where the nearly idle machine
	// spent 8 ms a request, is left out of the line (it would steepen it)
	// but not out of the exponent.
	base := LoadPoint{Source: "base", RatePerSec: 25, P50Ms: 2, Requests: 500, CPUCores: 0.15, GeneratorCPUCores: 0.05}
	c, err = Calibrate(ctx, v, 2, WithRounds(0), WithRequests(20_000), WithDemand(DemandMarginal), WithLoadPoints(base, burst))
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Marginal; !near(m.MsPerRequest, 2, 1e-3) || len(m.LeftOut) != 1 || m.FromPerSec != 90 || !(m.Exponent < k) {
		t.Errorf("marginal %+v, want 2 ms a request from 90 req/s up, the base left out, an exponent below %g", m, k)
	}

	if _, err := Calibrate(ctx, v, 2, WithRequests(2_000), WithDemand(DemandMarginal)); !errors.Is(err, ErrNoMarginalCPU) {
		t.Errorf("with no load point: error %v, want ErrNoMarginalCPU", err)
	}
}
