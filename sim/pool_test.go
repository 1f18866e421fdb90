package sim

import (
	"fmt"
	"math"
	"testing"
)

// poolModel is a function pool behind nothing else, driven by bursts only:
// each invocation takes svcMs, a new instance coldMs first.
func poolModel(coldMs, svcMs, keepAliveSec float64, bursts ...Burst) Model {
	return Model{
		Name:        "pool",
		DurationSec: 30,
		Arrivals:    Arrivals{Bursts: bursts},
		Pools: []Pool{{
			Name: "fn", MemoryMB: 512, ColdStart: Deterministic(coldMs), KeepAliveSec: keepAliveSec,
		}},
		Classes: []Class{{Name: "invoke", Weight: 1, Route: []Visit{
			{Pool: "fn", Service: Deterministic(svcMs)},
		}}},
	}
}

func TestPoolColdStartsAndKeepAlive(t *testing.T) {
	t.Parallel()
	const n = 10
	// A burst after idleness, one within the keep-alive, one after it.
	m := poolModel(250, 100, 5, Burst{AtSec: 1, Requests: n}, Burst{AtSec: 3, Requests: n}, Burst{AtSec: 20, Requests: n})
	res := run(t, m)
	p := res.Pools[0]
	if p.Invocations != 3*n || p.ColdStarts != 2*n {
		t.Errorf("invocations %d, cold starts %d; want %d and %d (the burst within the keep-alive is warm)",
			p.Invocations, p.ColdStarts, 3*n, 2*n)
	}
	if p.PeakInstances != n {
		t.Errorf("peak instances %d, want %d", p.PeakInstances, n)
	}
	c := res.Total
	if c.Completed != 3*n || math.Abs(c.Latency.MaxMs-350) > 1e-6 {
		t.Errorf("completed %d, max latency %g ms; want %d and 350 (cold start + service)", c.Completed, c.Latency.MaxMs, 3*n)
	}
	// Instances: none before the first burst, n from it until the
	// keep-alive after the second burst's end (3.1 s + 5 s), then none
	// until the third burst.
	for _, s := range res.Seconds {
		want := 0
		switch {
		case s.Second >= 1 && s.Second <= 8, s.Second >= 20 && s.Second <= 25:
			want = n
		}
		if s.Instances != want {
			t.Errorf("second %d: %d instances, want %d", s.Second, s.Instances, want)
		}
		// Cold starts in the seconds of the first and third bursts only;
		// every request of a burst ends 350 ms (cold) or 100 ms (warm)
		// after it, within its second, so the second's p50 is that.
		// Every instance of a burst is busy at once in its second.
		wantCold, wantP50, wantBusy := int64(0), 0.0, 0
		switch s.Second {
		case 1, 20:
			wantCold, wantP50, wantBusy = n, 350, n
		case 3:
			wantP50, wantBusy = 100, n
		}
		if s.ColdStarts != wantCold || math.Abs(s.P50Ms-wantP50) > wantP50/100 || s.BusyInstances != wantBusy {
			t.Errorf("second %d: %d cold starts, p50 %g ms, %d busy; want %d, %g and %d",
				s.Second, s.ColdStarts, s.P50Ms, s.BusyInstances, wantCold, wantP50, wantBusy)
		}
	}
	// 10 instances live 1 s → 8.1 s and 20 s → 25.35 s (the run's
	// window ends at 30 s).
	within(t, "instance-seconds", p.InstanceSeconds, n*(7.1+5.35), 1e-9)
}

func TestPoolThrottle(t *testing.T) {
	t.Parallel()
	const limit = 5
	m := poolModel(250, 100, 60, Burst{AtSec: 1, Requests: limit + 1}, Burst{AtSec: 2, Requests: limit})
	m.Pools[0].MaxConcurrency = limit
	res := run(t, m)
	p, c := res.Pools[0], res.Total
	if p.Throttled != 1 || c.Throttled != 1 || c.Completed != 2*limit {
		t.Errorf("pool throttled %d, class throttled %d, completed %d; want 1, 1, %d",
			p.Throttled, c.Throttled, c.Completed, 2*limit)
	}
	if p.ColdStarts != limit || p.PeakInstances != limit {
		t.Errorf("cold starts %d, peak instances %d; want %d each", p.ColdStarts, p.PeakInstances, limit)
	}
	if res.Seconds[1].Rejected != 1 {
		t.Errorf("second 1 rejected %d, want 1", res.Seconds[1].Rejected)
	}
}

func TestPoolProvisioned(t *testing.T) {
	t.Parallel()
	m := poolModel(250, 100, 0, Burst{AtSec: 1, Requests: 5})
	m.Pools[0].Provisioned = 3
	res := run(t, m)
	p := res.Pools[0]
	if p.ColdStarts != 2 || p.PeakInstances != 5 {
		t.Errorf("cold starts %d, peak instances %d; want 2 and 5 (3 provisioned start warm)", p.ColdStarts, p.PeakInstances)
	}
	if l := res.Total.Latency; l.P50Ms > 100.1 || math.Abs(l.MaxMs-350) > 1e-6 {
		t.Errorf("latency p50 %g ms, max %g ms; want 100 (warm) and 350 (cold)", l.P50Ms, l.MaxMs)
	}
	// The 3 provisioned instances bill 100 ms each, apart from the 2
	// started on demand (350 ms each), for the cloud's two prices.
	if want := 3 * 0.1 * 512 / 1024; p.Provisioned != 3 || math.Abs(p.ProvisionedGBSeconds-want) > 1e-12 ||
		math.Abs(p.GBSeconds-want-2*0.35*512/1024) > 1e-12 {
		t.Errorf("provisioned %d, billed %g GB-s on them of %g: want 3, %g of %g", p.Provisioned, p.ProvisionedGBSeconds, p.GBSeconds, want, want+2*0.35*512/1024)
	}
	// With no keep-alive the 2 on-demand instances go at once; the
	// provisioned ones stay: 3 × 30 s + 2 × 0.35 s.
	within(t, "instance-seconds", p.InstanceSeconds, 3*30+2*0.35, 1e-9)
	if last := res.Seconds[len(res.Seconds)-1]; last.Instances != 3 {
		t.Errorf("instances at the end %d, want the 3 provisioned", last.Instances)
	}
}

// TestPoolBilling checks GB-seconds against a hand computation: durations
// rounded up to the millisecond, the cold start billed with the first
// invocation, × 512 MB / 1024.
func TestPoolBilling(t *testing.T) {
	t.Parallel()
	m := poolModel(250, 100.4, 3, Burst{AtSec: 0, Requests: 4}, Burst{AtSec: 2, Requests: 2})
	m.DurationSec = 10
	res := run(t, m)
	p := res.Pools[0]
	const billed = 4*351 + 2*101 // ceil(250 + 100.4) cold, ceil(100.4) warm
	if p.BilledMs != billed {
		t.Errorf("billed %d ms, want %d", p.BilledMs, billed)
	}
	if want := billed / 1000.0 * 512 / 1024; math.Abs(p.GBSeconds-want) > 1e-12 {
		t.Errorf("GB-seconds %g, want %g", p.GBSeconds, want)
	}
	// 4 instances from 0; 2 idle from 0.3504 s to their end at 3.3504 s,
	// 2 reused at 2 s, idle from 2.1004 s, gone at 5.1004 s.
	within(t, "instance-seconds", p.InstanceSeconds, 2*3.3504+2*5.1004, 1e-9)
}

// TestAsyncVisit checks that a fire-and-forget visit uses its pool but
// adds nothing to the request's latency.
func TestAsyncVisit(t *testing.T) {
	t.Parallel()
	hop := Deterministic(1)
	m := poolModel(250, 100, 60)
	m.Arrivals = Arrivals{RatePerSec: 50}
	m.Hop = &hop
	m.Stations = []Station{{Name: "api", Servers: 1000}}
	m.Classes[0].Route = []Visit{
		{Station: "api", Service: Deterministic(2)},
		{Pool: "fn", Service: Deterministic(100), Async: true},
		{Station: "api", Service: Deterministic(3)},
	}
	res := run(t, m)
	c := res.Total
	if math.Abs(c.Latency.MaxMs-5) > 1e-6 || math.Abs(c.Latency.MeanMs-5) > 1e-6 {
		t.Errorf("latency mean %g ms, max %g ms; want 5 (2 + 3, no hop: the request stays at api)", c.Latency.MeanMs, c.Latency.MaxMs)
	}
	if p := res.Pools[0]; p.Invocations != c.Arrivals {
		t.Errorf("pool invocations %d, want one per request (%d)", p.Invocations, c.Arrivals)
	}
	if c.Completed != c.Arrivals {
		t.Errorf("completed %d of %d", c.Completed, c.Arrivals)
	}
}

// TestSecondInstancesLeaveOutExpired checks that the per-second count of
// instances leaves out another pool's instances that have expired but
// not yet been removed. One request invokes pool a (10 ms, from 0.1 s),
// waits 400 ms at a station, then invokes pool b (from 0.51 s).
func TestSecondInstancesLeaveOutExpired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		keepAliveSec float64 // a's
		want         int
	}{
		{"a's instance stopped before b's started", 0.2, 1}, // a's stops at 0.31 s
		{"a's instance still alive when b's started", 1, 2}, // a's stops at 1.11 s
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Model{
				Name: "instances", DurationSec: 1,
				Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0.1, Requests: 1}}},
				Stations: []Station{{Name: "s", Servers: 1}},
				Pools: []Pool{
					{Name: "a", MemoryMB: 128, ColdStart: Deterministic(0), KeepAliveSec: tc.keepAliveSec},
					{Name: "b", MemoryMB: 128, ColdStart: Deterministic(0), KeepAliveSec: 0.2},
				},
				Classes: []Class{{Name: "c", Weight: 1, Route: []Visit{
					{Pool: "a", Service: Deterministic(10)},
					{Station: "s", Service: Deterministic(400)},
					{Pool: "b", Service: Deterministic(10)},
				}}},
			}
			res := run(t, m)
			if got := res.Seconds[0].Instances; got != tc.want {
				t.Errorf("seconds[0].instances = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestAccountConcurrency checks the account's limit over all pools: a
// request beyond it is throttled even where its pool has an idle
// instance, and a free provisioned instance still serves.
func TestAccountConcurrency(t *testing.T) {
	t.Parallel()
	// Each request runs 100 ms on a, then sets off 1 s on b. The first
	// burst's two leave a with two idle instances and b with two busy
	// ones until 2.6 s; in the second burst, at 2 s, one request takes an
	// idle instance of a, reaching the limit of 3, and the other is
	// throttled. With two provisioned instances of a, they serve both
	// bursts, and b has only the one instance the limit leaves
	// unreserved: of its four invocations, the one that finds it free
	// runs, and the other three are throttled.
	model := func(provisioned int) Model {
		return Model{
			Name: "account", DurationSec: 5, AccountConcurrency: 3,
			Arrivals: Arrivals{Bursts: []Burst{{AtSec: 1, Requests: 2}, {AtSec: 2, Requests: 2}}},
			Pools: []Pool{
				{Name: "a", MemoryMB: 128, ColdStart: Deterministic(250), KeepAliveSec: 60, Provisioned: provisioned},
				{Name: "b", MemoryMB: 128, ColdStart: Deterministic(250), KeepAliveSec: 60},
			},
			Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
				{Pool: "a", Service: Deterministic(100)},
				{Pool: "b", Service: Deterministic(1000), Async: true},
			}}},
		}
	}
	tests := []struct {
		name                          string
		provisioned                   int
		throttled, completed, bThrott int64
	}{
		{name: "on demand", throttled: 1, completed: 3},
		{name: "provisioned instances are reserved", provisioned: 2, throttled: 0, completed: 4, bThrott: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, model(tc.provisioned))
			a, _ := res.Pool("a")
			if a.Throttled != tc.throttled || res.Total.Throttled != tc.throttled || res.Total.Completed != tc.completed {
				t.Errorf("pool a throttled %d, class throttled %d, completed %d; want %d, %d, %d",
					a.Throttled, res.Total.Throttled, res.Total.Completed, tc.throttled, tc.throttled, tc.completed)
			}
			if b, _ := res.Pool("b"); b.Throttled != tc.bThrott {
				t.Errorf("pool b throttled %d, want %d", b.Throttled, tc.bThrott)
			}
			if s := res.Seconds[2]; s.BusyInstances > 3 {
				t.Errorf("second 2: %d instances busy at once, over the account's limit of 3", s.BusyInstances)
			}
		})
	}
}

// TestColdStartStation checks cold starts that hold a station's server:
// a burst's starts queue for the one CPU, each instance ready when its
// start has had the CPU for its length, and each start billed for its
// wait too, as a measured initialisation would be.
func TestColdStartStation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		station      string
		maxMs        float64
		billed       int64
		initP50, max float64
	}{
		// Ready at 100, 200 and 300 ms; 10 ms of invocation after.
		{name: "on the cpu", station: "cpu", maxMs: 310, billed: 110 + 210 + 310, initP50: 200, max: 300},
		{name: "on the cloud's hosts", maxMs: 110, billed: 3 * 110, initP50: 100, max: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := poolModel(100, 10, 60, Burst{AtSec: 1, Requests: 3})
			m.Stations = []Station{{Name: "cpu", Servers: 1}}
			m.Pools[0].ColdStartStation = tc.station
			res := run(t, m)
			p, c := res.Pools[0], res.Total
			if c.Completed != 3 || p.ColdStarts != 3 || math.Abs(c.Latency.MaxMs-tc.maxMs) > 1e-6 || p.BilledMs != tc.billed {
				t.Errorf("completed %d, cold starts %d, max latency %g ms, billed %d ms; want 3, 3, %g, %d",
					c.Completed, p.ColdStarts, c.Latency.MaxMs, p.BilledMs, tc.maxMs, tc.billed)
			}
			if math.Abs(p.InitP50Ms-tc.initP50) > 1 || math.Abs(p.InitMaxMs-tc.max) > 1 {
				t.Errorf("init p50 %g ms, max %g ms; want %g and %g (the wait for the station included)", p.InitP50Ms, p.InitMaxMs, tc.initP50, tc.max)
			}
			if cpu, _ := res.Station("cpu"); tc.station != "" && cpu.Utilization == 0 {
				t.Errorf("cpu utilisation 0: the starts held it")
			}
		})
	}
}

// TestPoolHoldKeepsTheInstance checks Hold on a pool visit: the
// invocation's instance stays busy, and billed, while the request waits
// for and holds a writer after it, so that three requests 2 ms apart, each
// 1 ms in the function and 10 ms at the writer, need three instances
// where two may run: the third is throttled. Without the hold each
// instance is free after its millisecond and none is.
func TestPoolHoldKeepsTheInstance(t *testing.T) {
	t.Parallel()
	model := func(hold bool) Model {
		return Model{
			Name: "hold", DurationSec: 1,
			Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0, Requests: 1}, {AtSec: 0.002, Requests: 1}, {AtSec: 0.004, Requests: 1}}},
			Stations: []Station{{Name: "writer", Servers: 1, Lock: true}},
			Pools:    []Pool{{Name: "fn", MemoryMB: 1024, ColdStart: Deterministic(0), KeepAliveSec: 60, MaxConcurrency: 2}},
			Classes: []Class{{Name: "write", Weight: 1, Route: []Visit{
				{Pool: "fn", Service: Deterministic(1), Hold: hold},
				{Station: "writer", Service: Deterministic(10)},
			}}},
		}
	}
	tests := []struct {
		hold          bool
		wantThrottled int64
		wantBilledMs  int64
	}{
		// Held: the first instance 1 + 10 ms, the second 1 + 8 (it waits
		// for the writer from 3 to 11 ms) + 10; the third is throttled.
		{true, 1, 30},
		{false, 0, 3},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("hold=%t", tc.hold), func(t *testing.T) {
			t.Parallel()
			res := run(t, model(tc.hold), WithSeed(1))
			fn := res.Pools[0]
			if fn.Throttled != tc.wantThrottled || fn.BilledMs != tc.wantBilledMs {
				t.Errorf("throttled %d, billed %d ms; want %d and %d ms", fn.Throttled, fn.BilledMs, tc.wantThrottled, tc.wantBilledMs)
			}
			if want := 3 - tc.wantThrottled; res.Total.Completed != want {
				t.Errorf("completed %d, want %d", res.Total.Completed, want)
			}
		})
	}
}

// TestPoolHoldKeepsTheStationHeld checks that taking an instance to hold
// does not free the station's server the request already holds: two
// requests at once through a one-server lock held across a held
// invocation (5 ms) and 5 ms of work pass the lock one after the other,
// the second done at 20 ms.
func TestPoolHoldKeepsTheStationHeld(t *testing.T) {
	t.Parallel()
	m := Model{
		Name: "hold", DurationSec: 1,
		Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0, Requests: 2}}},
		Stations: []Station{{Name: "lock", Servers: 1, Lock: true}, {Name: "work", Delay: true}},
		Pools:    []Pool{{Name: "fn", MemoryMB: 128, ColdStart: Deterministic(0), KeepAliveSec: 60}},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "lock", Service: Deterministic(0), Hold: true},
			{Pool: "fn", Service: Deterministic(5), Hold: true},
			{Station: "work", Service: Deterministic(5), Release: true},
		}}},
	}
	res := run(t, m, WithSeed(1))
	if got := res.Total.Latency.MaxMs; math.Abs(got-20) > 0.2 || res.Total.Completed != 2 {
		t.Errorf("completed %d, the slower in %.3g ms; want 2, the second after the first released the lock at 10 ms: 20 ms", res.Total.Completed, got)
	}
}
