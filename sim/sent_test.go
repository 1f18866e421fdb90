package sim

import (
	"math"
	"testing"
)

// TestSecondsBySent checks that a second's percentiles and failures are
// those of the requests that arrived in it, however late they ended, as a
// measured series counts them.
func TestSecondsBySent(t *testing.T) {
	t.Parallel()
	// One server, 400 ms a request. Five requests at 0.5 s end at 0.9,
	// 1.3, 1.7, 2.1 and 2.5 s: 400 to 2,000 ms after they arrived. A
	// queue of four turns away the sixth to eighth of a burst of eight at
	// 3.5 s; the other five end at 3.9 to 5.5 s.
	m := Model{
		Name: "backlog", DurationSec: 8,
		Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0.5, Requests: 5}, {AtSec: 3.5, Requests: 8}}},
		Stations: []Station{{Name: "one", Servers: 1, QueueLimit: 4}},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "one", Service: Deterministic(400)},
		}}},
	}
	res := run(t, m)
	tests := []struct {
		second                        int
		arrivals, completed, rejected int64
		p50, p99                      float64
	}{
		{second: 0, arrivals: 5, completed: 1, p50: 1200, p99: 2000},
		{second: 1, completed: 2},
		{second: 2, completed: 2},
		{second: 3, arrivals: 8, completed: 1, rejected: 3, p50: 1200, p99: 2000},
		{second: 4, completed: 2},
		{second: 5, completed: 2},
		{second: 6},
	}
	for _, tc := range tests {
		s := res.Seconds[tc.second]
		if s.Arrivals != tc.arrivals || s.Completed != tc.completed || s.Rejected != tc.rejected || s.Failed != 0 {
			t.Errorf("second %d: arrivals %d, completed %d, rejected %d, failed %d; want %d, %d, %d, 0",
				tc.second, s.Arrivals, s.Completed, s.Rejected, s.Failed, tc.arrivals, tc.completed, tc.rejected)
		}
		if math.Abs(s.P50Ms-tc.p50) > tc.p50/100 || math.Abs(s.P99Ms-tc.p99) > tc.p99/100 {
			t.Errorf("second %d: p50 %g ms, p99 %g ms; want %g and %g (of the requests that arrived in it)",
				tc.second, s.P50Ms, s.P99Ms, tc.p50, tc.p99)
		}
	}
}

// TestSecondsBySentUnfinished checks that a run cut off with requests in
// flight still settles every second, leaving those requests out.
func TestSecondsBySentUnfinished(t *testing.T) {
	t.Parallel()
	m := Model{
		Name: "cut", DurationSec: 2,
		Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0.5, Requests: 1}, {AtSec: 1.5, Requests: 3}}},
		Stations: []Station{{Name: "one", Servers: 1}},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "one", Service: Deterministic(25_000)},
		}}},
	}
	res := run(t, m)
	// The first request ends at 25.5 s, the burst's first at 50.5 s; the
	// run stops draining a minute after the arrivals' end, at 62 s, with
	// two still queued.
	if s := res.Seconds[0]; math.Abs(s.P99Ms-25_000) > 250 {
		t.Errorf("second 0: p99 %g ms, want 25,000", s.P99Ms)
	}
	if s := res.Seconds[1]; s.Arrivals != 3 || math.Abs(s.P99Ms-49_000) > 490 || s.Failed != 0 {
		t.Errorf("second 1: arrivals %d, p99 %g ms, failed %d; want 3, 49,000 (the one that completed), 0", s.Arrivals, s.P99Ms, s.Failed)
	}
	if res.Total.Unfinished != 2 {
		t.Errorf("%d requests unfinished, want 2: the run was meant to be cut off", res.Total.Unfinished)
	}
}
