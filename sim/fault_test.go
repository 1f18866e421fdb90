package sim

import (
	"math"
	"testing"
)

// faultModel has two classes: "both" visits front then back, "front"
// only front. Servers are plentiful, so nobody queues and latencies are
// the sums of the deterministic service times.
func faultModel(f Fault) Model {
	return Model{
		Name:        "fault",
		DurationSec: 30,
		Arrivals:    Arrivals{RatePerSec: 200},
		Stations:    []Station{{Name: "front", Servers: 1000}, {Name: "back", Servers: 1000}},
		Classes: []Class{
			{Name: "both", Weight: 1, Route: []Visit{
				{Station: "front", Service: Deterministic(1)},
				{Station: "back", Service: Deterministic(10)},
			}},
			{Name: "front", Weight: 1, Route: []Visit{
				{Station: "front", Service: Deterministic(1)},
			}},
		},
		Faults: []Fault{f},
	}
}

func TestFaultDown(t *testing.T) {
	t.Parallel()
	errAfter := Deterministic(500)
	res := run(t, faultModel(Fault{Station: "back", Kind: FaultDown, StartSec: 10, EndSec: 20, ErrorAfter: &errAfter}))
	both, _ := res.Class("both")
	front, _ := res.Class("front")
	if front.Failed != 0 || front.Completed != front.Arrivals {
		t.Errorf("class front: failed %d, completed %d of %d; it never visits back and must not fail",
			front.Failed, front.Completed, front.Arrivals)
	}
	// A third of "both" requests visit back during the window (100/s for
	// 10 s); the rest complete.
	if both.Failed < 800 || both.Failed > 1200 || both.Completed+both.Failed != both.Arrivals {
		t.Errorf("class both: failed %d, completed %d of %d; want about 1000 failed, the rest completed",
			both.Failed, both.Completed, both.Arrivals)
	}
	if back, _ := res.Station("back"); back.Failed != both.Failed {
		t.Errorf("station back failed %d, class both %d", back.Failed, both.Failed)
	}
	// Failing on arrival takes front's 1 ms and the 500 ms the error
	// takes; the few in service when the window starts fail at the end of
	// their service, 10 ms later.
	if both.FailedMeanMs < 501 || both.FailedMeanMs > 511 {
		t.Errorf("failed requests took %g ms on average, want 501 to 511", both.FailedMeanMs)
	}
	for _, s := range res.Seconds {
		if in := s.Second >= 10 && s.Second <= 20; !in && s.Failed > 0 {
			t.Errorf("second %d: %d failures outside the window", s.Second, s.Failed)
		}
	}
	if math.Abs(both.Latency.MaxMs-11) > 1e-6 {
		t.Errorf("completed requests of class both took up to %g ms, want 11", both.Latency.MaxMs)
	}
}

func TestFaultSlow(t *testing.T) {
	t.Parallel()
	res := run(t, faultModel(Fault{Station: "back", Kind: FaultSlow, StartSec: 10, EndSec: 20, Factor: 3}))
	both, _ := res.Class("both")
	front, _ := res.Class("front")
	if both.Failed != 0 || both.Completed != both.Arrivals {
		t.Errorf("class both: failed %d, completed %d of %d; a slow station fails nothing", both.Failed, both.Completed, both.Arrivals)
	}
	if math.Abs(both.Latency.MaxMs-31) > 1e-6 || math.Abs(front.Latency.MaxMs-1) > 1e-6 {
		t.Errorf("max latency: both %g ms, front %g ms; want 31 (1 + 10 × 3) and 1", both.Latency.MaxMs, front.Latency.MaxMs)
	}
	// A third of the time back is 3 times slower: mean 1 + 10 × (2/3 + 3/3).
	within(t, "class both mean (ms)", both.Latency.MeanMs, 1+10*(2.0/3+1), 0.03)
	for _, s := range res.Seconds[:30] {
		want := 11.0
		if s.Second >= 10 && s.Second < 20 {
			want = 31
		}
		if math.Abs(s.P99Ms-want) > 0.02*want {
			t.Errorf("second %d: p99 %g ms, want %g", s.Second, s.P99Ms, want)
		}
	}
}

func TestFaultDownPool(t *testing.T) {
	t.Parallel()
	m := poolModel(0, 10, 60)
	m.Arrivals = Arrivals{RatePerSec: 100}
	m.Faults = []Fault{{Pool: "fn", Kind: FaultDown, StartSec: 5, EndSec: 10}}
	res := run(t, m)
	c, p := res.Total, res.Pools[0]
	if c.Failed < 400 || c.Failed > 600 || p.Failed != c.Failed {
		t.Errorf("class failed %d, pool failed %d; want about 500 each (100/s for 5 s)", c.Failed, p.Failed)
	}
	if c.FailedMeanMs > 10 {
		t.Errorf("failures took %g ms on average, want at most the 10 ms service (no error_after)", c.FailedMeanMs)
	}
}

// TestAutoscale ramps the load up fivefold and back down: the autoscaler
// adds replicas, after their start-up (doubling while saturated, as an
// HPA does, so it may overshoot), then drains them.
func TestAutoscale(t *testing.T) {
	t.Parallel()
	m := Model{
		Name:        "autoscale",
		DurationSec: 150,
		Arrivals: Arrivals{RatePerSec: 40, Phases: []Phase{
			{DurationSec: 30, RatePerSec: 40},
			{DurationSec: 60, RatePerSec: 200}, // 2 erlangs: 4 replicas at 50 %
		}},
		Stations: []Station{{Name: "api", Servers: 1, Balance: BalanceShortestQueue, Autoscale: &Autoscale{
			Min: 1, Max: 8, TargetUtilization: 0.5, IntervalSec: 5, StartupSec: 3,
		}}},
		Classes: []Class{{Name: "req", Weight: 1, Route: []Visit{{Station: "api", Service: Exponential(10)}}}},
	}
	res := run(t, m)
	st := res.Stations[0]
	if st.PeakReplicas < 4 || st.PeakReplicas > 8 {
		t.Errorf("peak replicas %d, want 4 to 8", st.PeakReplicas)
	}
	at := func(sec int) int { return res.Seconds[sec].Replicas }
	if at(20) != 1 || at(80) < 4 || at(80) > 6 || at(145) != 1 {
		t.Errorf("replicas at 20 s, 80 s, 145 s: %d, %d, %d; want 1, 4 to 6, 1", at(20), at(80), at(145))
	}
	if c := res.Total; c.Completed != c.Arrivals {
		t.Errorf("completed %d of %d", c.Completed, c.Arrivals)
	}
	// The backlog of the first seconds of the surge is worked off once the
	// replicas are ready; from then on the latency is an M/M/1's at 50 %.
	for _, s := range res.Seconds[60:90] {
		if s.P99Ms > 150 {
			t.Errorf("second %d: p99 %g ms with %d replicas; want it back under 150 ms", s.Second, s.P99Ms, s.Replicas)
		}
	}
}
