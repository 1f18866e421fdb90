package sim

import (
	"fmt"
	"testing"
)

// lockModel is a lock with c servers held across work elsewhere: each
// request takes the lock at once (a zero service), keeps it through an
// exponential visit of meanMs to a delay station, and frees it there
// (release) or on leaving. Held that way, the lock is an M/M/c queue whose
// service time is the work's.
func lockModel(c int, lambda, meanMs float64, release bool) Model {
	return Model{
		Name: "lock", DurationSec: 3600, WarmupSec: 10,
		Arrivals: Arrivals{RatePerSec: lambda},
		Stations: []Station{{Name: "lock", Servers: c}, {Name: "work", Delay: true}},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "lock", Service: Deterministic(0), Hold: true},
			{Station: "work", Service: Exponential(meanMs), Release: release},
		}}},
	}
}

// TestHoldMakesAQueue checks a server held across other visits against
// the closed forms: the lock queues as an M/M/c queue with the work's
// service time, whether the route releases it or the request leaves with
// it. Without the hold the lock would be free at once and the mean
// response the work's 10 ms.
func TestHoldMakesAQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c       int
		lambda  float64 // per second; 1/μ = 10 ms
		release bool
	}{
		{c: 1, lambda: 70, release: true},  // ρ = 0.7
		{c: 1, lambda: 70, release: false}, // freed on leaving
		{c: 3, lambda: 240, release: true}, // ρ = 0.8
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("c=%d release=%t", tc.c, tc.release), func(t *testing.T) {
			t.Parallel()
			const mu = 100.0
			a := tc.lambda / mu
			pWait := ErlangC(tc.c, a)
			res := run(t, lockModel(tc.c, tc.lambda, 1000/mu, tc.release), WithRequests(longRun), WithSeed(13))
			if res.Total.Completed != longRun {
				t.Fatalf("completed %d of %d", res.Total.Completed, longRun)
			}
			lock := res.Stations[0]
			within(t, "mean response (ms)", res.Total.Latency.MeanMs, 1000*(pWait/(float64(tc.c)*mu-tc.lambda)+1/mu), 0.02)
			within(t, "lock utilization", lock.Utilization, a/float64(tc.c), 0.02)
			within(t, "P(wait for the lock)", float64(lock.Waited)/float64(lock.Served), pWait, 0.02)
		})
	}
}

// TestHoldIsFreedHoweverTheRequestLeaves checks that a request that fails
// or is turned away while it holds a server frees it: otherwise the
// server would stay busy for ever and the requests behind it would never
// finish.
func TestHoldIsFreedHoweverTheRequestLeaves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model Model
		// want checks the outcome besides every request's finishing.
		want func(t *testing.T, res Result)
	}{
		{
			name: "failed at a down station",
			model: Model{
				Name: "down", DurationSec: 6,
				Arrivals: Arrivals{RatePerSec: 100},
				Stations: []Station{{Name: "lock", Servers: 1}, {Name: "work", Delay: true}},
				Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
					{Station: "lock", Service: Deterministic(0), Hold: true},
					{Station: "work", Service: Deterministic(1), Release: true},
				}}},
				Faults: []Fault{{Station: "work", Kind: FaultDown, StartSec: 2, EndSec: 3}},
			},
			want: func(t *testing.T, res Result) {
				if c := res.Total; c.Failed == 0 || c.Completed < c.Failed {
					t.Errorf("failed %d, completed %d: want failures in the fault window and completions around it", c.Failed, c.Completed)
				}
			},
		},
		{
			name: "turned away at a full queue",
			model: Model{
				Name: "full", DurationSec: 3,
				Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0.5, Requests: 50}, {AtSec: 1.5, Requests: 50}}},
				Stations: []Station{{Name: "lock", Servers: 50}, {Name: "cpu", Servers: 1, QueueLimit: 1}},
				Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
					{Station: "lock", Service: Deterministic(0), Hold: true},
					{Station: "cpu", Service: Deterministic(10), Release: true},
				}}},
			},
			want: func(t *testing.T, res Result) {
				// Each burst: one served, one queued, 48 turned away.
				if c := res.Total; c.Completed != 4 || c.Rejected != 96 {
					t.Errorf("completed %d, rejected %d; want 4 and 96", c.Completed, c.Rejected)
				}
			},
		},
		{
			name: "a jump back to the hold",
			model: Model{
				Name: "loop", DurationSec: 20, WarmupSec: 1,
				Arrivals: Arrivals{RatePerSec: 30},
				Stations: []Station{{Name: "lock", Servers: 1}, {Name: "work", Delay: true}},
				Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
					{Station: "lock", Service: Deterministic(0), Hold: true},
					{Station: "work", Service: Exponential(5), Next: []Jump{{Prob: 0.5, To: 0}}},
				}}},
			},
			want: func(t *testing.T, res Result) {
				// Two passes a request on average, 10 ms of lock: ρ = 0.3.
				within(t, "lock utilization", res.Stations[0].Utilization, 0.3, 0.1)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, tc.model)
			c := res.Total
			if c.Unfinished != 0 || c.Completed+c.Failed+c.Rejected != c.Arrivals {
				t.Fatalf("arrivals %d: completed %d, failed %d, rejected %d, unfinished %d; want every request finished",
					c.Arrivals, c.Completed, c.Failed, c.Rejected, c.Unfinished)
			}
			if lock := res.Stations[0]; lock.Utilization > 0.5 {
				t.Errorf("lock utilization %.2f: a server is held by a request that left", lock.Utilization)
			}
			tc.want(t, res)
		})
	}
}

// TestAsyncJump checks jumps after an async visit: each request makes at
// most one of two async visits, chosen by the jumps of the visit before
// them, and the first jumps past the second once it has sent its copy.
func TestAsyncJump(t *testing.T) {
	t.Parallel()
	m := Model{
		Name: "fan", DurationSec: 20,
		Arrivals: Arrivals{RatePerSec: 1000},
		Stations: []Station{{Name: "front", Delay: true}},
		Pools: []Pool{
			{Name: "x", MemoryMB: 128, ColdStart: Deterministic(10), KeepAliveSec: 60},
			{Name: "y", MemoryMB: 128, ColdStart: Deterministic(10), KeepAliveSec: 60},
		},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "front", Service: Deterministic(1), Next: []Jump{{Prob: 0.3, To: 1}, {Prob: 0.2, To: 2}, {Prob: 0.5, To: 3}}},
			{Pool: "x", Service: Deterministic(5), Async: true, Next: []Jump{{Prob: 1, To: 3}}},
			{Pool: "y", Service: Deterministic(5), Async: true},
		}}},
	}
	res := run(t, m)
	x, _ := res.Pool("x")
	y, _ := res.Pool("y")
	n := float64(res.Total.Arrivals)
	within(t, "share of requests invoking x", float64(x.Invocations)/n, 0.3, 0.03)
	within(t, "share of requests invoking y", float64(y.Invocations)/n, 0.2, 0.03)
	if c := res.Total; c.Completed != c.Arrivals || c.Latency.MaxMs > 1+1e-9 {
		t.Errorf("completed %d of %d, max latency %g ms; want all, within front's 1 ms (async visits do not delay the request)",
			c.Completed, c.Arrivals, c.Latency.MaxMs)
	}
}
