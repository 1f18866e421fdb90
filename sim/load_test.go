package sim

import (
	"math"
	"testing"
)

func TestLoadFactorAt(t *testing.T) {
	t.Parallel()
	curve := []LoadFactor{{RatePerSec: 100, Factor: 1.2}, {RatePerSec: 400, Factor: 1}, {RatePerSec: 1600, Factor: 0.8}}
	tests := []struct {
		name  string
		curve []LoadFactor
		rate  float64
		want  float64
	}{
		{"no curve", nil, 500, 1},
		{"below the first point", curve, 10, 1.2},
		{"zero rate", curve, 0, 1.2},
		{"on a point", curve, 400, 1},
		{"halfway in log rate", curve, 200, 1.1},
		{"a quarter of the way in log rate", curve, 400 * math.Sqrt2, 0.95},
		{"beyond the last point", curve, 1e6, 0.8},
		{"one point", curve[:1], 5000, 1.2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := LoadFactorAt(tc.curve, tc.rate); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("LoadFactorAt(%v, %g) = %g, want %g", tc.curve, tc.rate, got, tc.want)
			}
		})
	}
}

// TestLoadFactorsScaleService checks that a load curve scales a
// station's and a pool's service times by its factor at each phase's
// offered rate, and leaves a pool's cold starts alone.
func TestLoadFactorsScaleService(t *testing.T) {
	t.Parallel()
	curve := []LoadFactor{{RatePerSec: 50, Factor: 2}, {RatePerSec: 200, Factor: 0.5}}
	delay := func(phases []Phase, rate float64, curve []LoadFactor) Model {
		return Model{
			Name: "delay", DurationSec: 400, WarmupSec: 1,
			Arrivals: Arrivals{RatePerSec: rate, Phases: phases},
			Stations: []Station{{Name: "wait", Servers: 100_000, LoadFactors: curve}},
			Classes:  []Class{{Name: "job", Weight: 1, Route: []Visit{{Station: "wait", Service: Deterministic(10)}}}},
		}
	}
	tests := []struct {
		name   string
		model  Model
		wantMs float64
	}{
		{"no curve", delay(nil, 100, nil), 10},
		{"at the first point", delay(nil, 50, curve), 20},
		{"halfway between in log rate", delay(nil, 100, curve), 12.5},
		{"beyond the last point", delay(nil, 1000, curve), 5},
		// Equal numbers of requests at 50/s (20 ms) and, later, at 200/s
		// (5 ms): the mean is their average.
		{"per phase", delay([]Phase{{DurationSec: 200, RatePerSec: 50}}, 200, curve), 12.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if len(tc.model.Arrivals.Phases) > 0 {
				opts = append(opts, WithRequests(20_000))
			}
			res := run(t, tc.model, opts...)
			within(t, "mean response", res.Classes[0].Latency.MeanMs, tc.wantMs, 0.02)
		})
	}

	t.Run("pool", func(t *testing.T) {
		t.Parallel()
		m := Model{
			Name: "pool", DurationSec: 200,
			Arrivals: Arrivals{RatePerSec: 100},
			Pools:    []Pool{{Name: "fn", MemoryMB: 128, ColdStart: Deterministic(100), KeepAliveSec: 60, LoadFactors: curve}},
			Classes:  []Class{{Name: "job", Weight: 1, Route: []Visit{{Pool: "fn", Service: Deterministic(10)}}}},
		}
		res := run(t, m)
		p := res.Pools[0]
		// Billed: the scaled service, 12.5 ms → 13, plus each cold start.
		wantBilled := 13*float64(p.Invocations) + 100*float64(p.ColdStarts)
		within(t, "billed ms", float64(p.BilledMs), wantBilled, 0.001)
		if p.ColdStarts == 0 || p.ColdStarts == p.Invocations {
			t.Errorf("%d cold starts of %d invocations: want some, not all", p.ColdStarts, p.Invocations)
		}
	})
}
