package sim

import (
	"fmt"
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

// TestLoadFactorsScaleTheBodyNotTheTail checks that a load factor scales
// a service's draws up to its median and shifts those beyond by as much
// as the median moved: the p50 takes the factor, the p99 the shift.
func TestLoadFactorsScaleTheBodyNotTheTail(t *testing.T) {
	t.Parallel()
	const mean = 10.0 // ms, exponential: median 10·ln 2, p99 10·ln 100
	median, p99 := mean*math.Ln2, mean*math.Log(100)
	for _, f := range []float64{2.5, 0.5} {
		m := Model{
			Name: "tail", DurationSec: 2000, WarmupSec: 1,
			Arrivals: Arrivals{RatePerSec: 100},
			Stations: []Station{{Name: "wait", Delay: true, LoadFactors: []LoadFactor{{RatePerSec: 100, Factor: f}}}},
			Classes:  []Class{{Name: "job", Weight: 1, Route: []Visit{{Station: "wait", Service: Exponential(mean)}}}},
		}
		lat := run(t, m).Classes[0].Latency
		within(t, fmt.Sprintf("p50 at factor %g", f), lat.P50Ms, f*median, 0.02)
		within(t, fmt.Sprintf("p99 at factor %g", f), lat.P99Ms, p99+(f-1)*median, 0.03)
	}
}

// TestLoadFactorsFollowTheClock checks that a service takes the load
// factor of the phase it starts in, not that of the next arrival's
// phase: the last request of a busy phase, and a request still in flight
// when an idle gap begins, do not take a later phase's factor.
func TestLoadFactorsFollowTheClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model Model
		// maxMs is the largest latency: every request's, or the slowest
		// kind's when there are two.
		maxMs float64
	}{
		{
			// 20/s for 1 s (factor 1), then almost nothing (factor 100):
			// every request arrives, and is served, in the first phase.
			name: "last request of a phase",
			model: Model{
				Name: "last", DurationSec: 2,
				Arrivals: Arrivals{RatePerSec: 0.0001, Phases: []Phase{{DurationSec: 1, RatePerSec: 20}}},
				Stations: []Station{{Name: "s", Delay: true, LoadFactors: []LoadFactor{{RatePerSec: 0.0001, Factor: 100}, {RatePerSec: 20, Factor: 1}}}},
				Classes:  []Class{{Name: "c", Weight: 1, Route: []Visit{{Station: "s", Service: Deterministic(10)}}}},
			},
			maxMs: 10,
		},
		{
			// 20/s for 1 s, an idle gap of 10 s, then 20/s again. The
			// second visit, 500 ms after arrival, starts in the first
			// phase (factor 1: 510 ms) or, for requests of its second
			// half, in the gap (rate 0, factor 3: 530 ms).
			name: "in flight into an idle gap",
			model: Model{
				Name: "gap", DurationSec: 12,
				Arrivals: Arrivals{RatePerSec: 20, Phases: []Phase{{DurationSec: 1, RatePerSec: 20}, {DurationSec: 10, RatePerSec: 0}}},
				Stations: []Station{
					{Name: "a", Delay: true},
					{Name: "b", Delay: true, LoadFactors: []LoadFactor{{RatePerSec: 1, Factor: 3}, {RatePerSec: 20, Factor: 1}}},
				},
				Classes: []Class{{Name: "c", Weight: 1, Route: []Visit{{Station: "a", Service: Deterministic(500)}, {Station: "b", Service: Deterministic(10)}}}},
			},
			maxMs: 530,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 5; seed++ {
				res := run(t, tc.model, WithSeed(seed))
				if got := res.Total.Latency.MaxMs; math.Abs(got-tc.maxMs) > 1e-6 {
					t.Errorf("seed %d: max latency %g ms over %d requests, want %g", seed, got, res.Total.Completed, tc.maxMs)
				}
			}
		})
	}
}
