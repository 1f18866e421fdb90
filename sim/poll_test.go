package sim

import (
	"context"
	"math"
	"testing"
	"time"
)

// pollBurst is n requests at once through a station with one server,
// each served for serviceMs, whose waiters poll on schedule (nil: a
// queue), timing out after timeoutMs (0: never).
func pollBurst(n int, serviceMs float64, schedule []float64, timeoutMs float64) Model {
	return Model{
		Name: "poll", DurationSec: 10,
		Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0, Requests: n}}},
		Stations: []Station{{Name: "lock", Servers: 1, PollMs: schedule, PollTimeoutMs: timeoutMs}},
		Classes:  []Class{{Name: "write", Weight: 1, Route: []Visit{{Station: "lock", Service: Deterministic(serviceMs)}}}},
	}
}

// TestPollingWaits checks a polling station against hand-worked
// schedules: a waiter takes the server only when it tries, so the server
// stays idle between its release and the next try, and a waiter that has
// polled for the timeout fails.
func TestPollingWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		n                  int
		serviceMs          float64
		schedule           []float64
		timeoutMs          float64
		wantMaxMs          float64 // the last request's latency
		wantFailed         int64
		wantServed, wantOK int64
	}{
		// The second tries at 1 and 3 (busy until 3.5), then at 8: done
		// at 11.5, where a queue would have served it from 3.5 to 7.
		{"polls past the release", 2, 3.5, []float64{1, 2, 5}, 0, 11.5, 0, 2, 2},
		{"queues without a schedule", 2, 3.5, nil, 0, 7, 0, 2, 2},
		{"queues with an empty schedule", 2, 3.5, []float64{}, 0, 7, 0, 2, 2},
		// The last delay repeats: tries at 1, 3, 5, 7, 9; free from 10.
		{"repeats the last delay", 2, 10, []float64{1, 2}, 0, 21, 0, 2, 2},
		// Tries at 1 and 3, and the 5 ms sleep is cut to end at the 4 ms
		// timeout: still busy, so it fails there.
		{"times out", 2, 10, []float64{1, 2, 5}, 4, 10, 1, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, pollBurst(tc.n, tc.serviceMs, tc.schedule, tc.timeoutMs), WithSeed(1))
			lock := res.Stations[0]
			if lock.Failed != tc.wantFailed || lock.Served != tc.wantServed || res.Total.Completed != tc.wantOK {
				t.Errorf("failed %d, served %d, completed %d; want %d, %d, %d", lock.Failed, lock.Served, res.Total.Completed,
					tc.wantFailed, tc.wantServed, tc.wantOK)
			}
			if got := res.Total.Latency.MaxMs; math.Abs(got-tc.wantMaxMs) > 0.01*tc.wantMaxMs {
				t.Errorf("slowest completed request %.3g ms, want %.3g", got, tc.wantMaxMs)
			}
		})
	}
}

// TestPollingWastesTheServer checks the cost of polling under load: with
// SQLite's schedule, requests wait longer for a server half busy than in
// a queue (M/D/1: ρ/(2(1−ρ)) × S = 0.5 ms for S = 1 ms), because a
// released server idles until the next try.
func TestPollingWastesTheServer(t *testing.T) {
	t.Parallel()
	model := func(schedule []float64) Model {
		return Model{
			Name: "poll", DurationSec: 3600, WarmupSec: 10,
			Arrivals: Arrivals{RatePerSec: 500},
			Stations: []Station{{Name: "lock", Servers: 1, PollMs: schedule}},
			Classes:  []Class{{Name: "write", Weight: 1, Route: []Visit{{Station: "lock", Service: Deterministic(1)}}}},
		}
	}
	queued := run(t, model(nil), WithRequests(200_000), WithSeed(3)).Stations[0]
	polled := run(t, model([]float64{1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100}), WithRequests(200_000), WithSeed(3)).Stations[0]
	t.Logf("mean wait: %.3g ms polled, %.3g queued", polled.MeanWaitMs, queued.MeanWaitMs)
	within(t, "queued: mean wait (ms)", queued.MeanWaitMs, 0.5, 0.03)
	if !(polled.MeanWaitMs > 2*queued.MeanWaitMs) {
		t.Errorf("polled: mean wait %.3g ms, queued %.3g: want polling to waste the server between tries", polled.MeanWaitMs, queued.MeanWaitMs)
	}
	within(t, "polled: utilization", polled.Utilization, 0.5, 0.03)
}

// TestPollingTimesOutUnderOverload checks a polling station offered more
// than it can serve: the waiters that poll for the timeout fail there,
// and the run ends (a last sleep cut to the deadline used to be cut again
// and again by rounding, ever shorter, at the same time).
func TestPollingTimesOutUnderOverload(t *testing.T) {
	t.Parallel()
	m := Model{
		Name: "poll", DurationSec: 3600,
		Arrivals: Arrivals{RatePerSec: 2000},
		Stations: []Station{{Name: "lock", Servers: 1, PollMs: []float64{1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100}, PollTimeoutMs: 5000}},
		Classes:  []Class{{Name: "write", Weight: 1, Route: []Visit{{Station: "lock", Service: Deterministic(1)}}}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, m, WithRequests(40_000), WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	lock := res.Stations[0]
	if lock.Failed == 0 || lock.Utilization < 0.95 {
		t.Errorf("failed %d, utilization %.2f: want the lock full and waiters timing out", lock.Failed, lock.Utilization)
	}
	if max := res.Total.Latency.MaxMs; max > 1.01*(5000+1) { // the histogram keeps 3 figures
		t.Errorf("a completed request took %.0f ms: want at most the 5 s timeout and a 1 ms service", max)
	}
}
