package sim

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

// within fails the test unless got is within rel (relative) of want.
func within(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.5g, want %.5g ± %.1f %%", what, got, want, rel*100)
	} else {
		t.Logf("%s = %.5g, want %.5g (%+.2f %%)", what, got, want, (got/want-1)*100)
	}
}

// run runs m and fails the test on error.
func run(t *testing.T, m Model, opts ...Option) Result {
	t.Helper()
	res, err := Run(context.Background(), m, opts...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// mmc is an M/M/c queue: Poisson arrivals at lambda per second, c servers
// with exponential service of the given mean.
func mmc(c int, lambda, meanMs float64) Model {
	return Model{
		Name:        "mmc",
		DurationSec: 3600,
		WarmupSec:   meanMs, // a thousand service times
		Arrivals:    Arrivals{RatePerSec: lambda},
		Stations:    []Station{{Name: "server", Servers: c}},
		Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
			{Station: "server", Service: Exponential(meanMs)},
		}}},
	}
}

func TestMM1(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model func(t *testing.T) Model
	}{
		{"rho 0.5", func(*testing.T) Model { return mmc(1, 50, 10) }},
		// testdata/mm1.json: λ = 70/s, 1/μ = 10 ms, ρ = 0.7.
		{"mm1.json", func(t *testing.T) Model { return loadFile(t, "mm1.json") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := tc.model(t)
			lambda := m.Arrivals.RatePerSec
			mu := 1000 / m.Classes[0].Route[0].Service.MeanMs
			rho := lambda / mu
			res := run(t, m, WithRequests(longRun), WithSeed(7))
			if res.Total.Completed != longRun {
				t.Fatalf("completed %d of %d requests", res.Total.Completed, longRun)
			}
			// Mean response time 1/(μ−λ); utilisation and the probability
			// of waiting are both ρ.
			within(t, "mean response (ms)", res.Total.Latency.MeanMs, 1000/(mu-lambda), 0.02)
			st := res.Stations[0]
			within(t, "utilization", st.Utilization, rho, 0.02)
			within(t, "P(wait)", float64(st.Waited)/float64(st.Served), rho, 0.02)
			within(t, "mean queue length", st.MeanQueueLength, rho*rho/(1-rho), 0.03)
			// The median of an exponential response time: ln 2/(μ−λ).
			within(t, "p50 (ms)", res.Total.Latency.P50Ms, 1000*math.Ln2/(mu-lambda), 0.02)
		})
	}
}

func TestMMc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c      int
		lambda float64 // per second; 1/μ = 10 ms
	}{
		{c: 2, lambda: 120},   // ρ = 0.6
		{c: 4, lambda: 280},   // ρ = 0.7
		{c: 16, lambda: 1360}, // ρ = 0.85
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("c=%d", tc.c), func(t *testing.T) {
			t.Parallel()
			const mu = 100.0
			a := tc.lambda / mu
			pWait := ErlangC(tc.c, a)
			wantMs := 1000 * (pWait/(float64(tc.c)*mu-tc.lambda) + 1/mu)
			res := run(t, mmc(tc.c, tc.lambda, 1000/mu), WithRequests(longRun), WithSeed(11))
			st := res.Stations[0]
			within(t, "mean response (ms)", res.Total.Latency.MeanMs, wantMs, 0.02)
			within(t, "P(wait) vs Erlang C", float64(st.Waited)/float64(st.Served), pWait, 0.02)
			within(t, "utilization", st.Utilization, a/float64(tc.c), 0.02)
		})
	}
}

// TestQueueLimit checks an M/M/1/K queue's blocking probability,
// (1−ρ)ρ^K/(1−ρ^(K+1)), where K counts the request in service.
func TestQueueLimit(t *testing.T) {
	t.Parallel()
	const rho, k = 0.8, 5
	m := mmc(1, 80, 10)
	m.Stations[0].QueueLimit = k - 1
	res := run(t, m, WithRequests(2*longRun), WithSeed(3)) // blocking is rarer: more requests
	want := (1 - rho) * math.Pow(rho, k) / (1 - math.Pow(rho, k+1))
	c := res.Total
	within(t, "rejected share", float64(c.Rejected)/float64(c.Arrivals), want, 0.02)
	if c.Completed+c.Rejected != c.Arrivals {
		t.Errorf("completed %d + rejected %d != arrivals %d", c.Completed, c.Rejected, c.Arrivals)
	}
	if st := res.Stations[0]; st.Rejected != c.Rejected {
		t.Errorf("station rejected %d, class %d", st.Rejected, c.Rejected)
	}
}

// TestJacksonNetworks checks networks with closed forms: a tandem of two
// M/M/1 queues with a network hop between them, and an M/M/1 queue with
// Bernoulli feedback, which behaves as an M/M/1 queue at the effective
// arrival rate λ/(1−p).
func TestJacksonNetworks(t *testing.T) {
	t.Parallel()
	t.Run("tandem with hop", func(t *testing.T) {
		t.Parallel()
		hop := Deterministic(2)
		m := Model{
			Name: "tandem", DurationSec: 3600, WarmupSec: 10,
			Arrivals: Arrivals{RatePerSec: 50},
			Hop:      &hop,
			Stations: []Station{{Name: "a", Servers: 1}, {Name: "b", Servers: 1}},
			Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
				{Station: "a", Service: Exponential(10)}, // μ = 100/s
				{Station: "b", Service: Exponential(5)},  // μ = 200/s
			}}},
		}
		res := run(t, m, WithRequests(longRun/2), WithSeed(5))
		want := 1000/(100.0-50) + 1000/(200.0-50) + 2
		within(t, "mean response (ms)", res.Total.Latency.MeanMs, want, 0.02)
	})
	t.Run("feedback", func(t *testing.T) {
		t.Parallel()
		const lambda, p, mu = 30.0, 0.5, 100.0
		m := Model{
			Name: "feedback", DurationSec: 3600, WarmupSec: 10,
			Arrivals: Arrivals{RatePerSec: lambda},
			Stations: []Station{{Name: "s", Servers: 1}},
			Classes: []Class{{Name: "job", Weight: 1, Route: []Visit{
				{Station: "s", Service: Exponential(1000 / mu), Next: []Jump{{Prob: p, To: 0}}},
			}}},
		}
		res := run(t, m, WithRequests(longRun/2), WithSeed(9))
		rho := lambda / (1 - p) / mu
		st := res.Stations[0]
		within(t, "visits per request", float64(st.Visits)/float64(res.Total.Arrivals), 1/(1-p), 0.01)
		within(t, "utilization", st.Utilization, rho, 0.02)
		// L = ρ/(1−ρ) and W = L/λ.
		within(t, "mean response (ms)", res.Total.Latency.MeanMs, 1000*rho/(1-rho)/lambda, 0.02)
	})
}

// TestLittlesLaw checks L = λW on the microservices model, where every
// request makes several visits and hops.
func TestLittlesLaw(t *testing.T) {
	t.Parallel()
	m := loadFile(t, "microservices.json")
	res := run(t, m, WithDuration(90*time.Second))
	c := res.Total
	if c.Completed != c.Arrivals {
		t.Fatalf("completed %d of %d", c.Completed, c.Arrivals)
	}
	lambda := float64(c.Arrivals) / res.WindowSec
	within(t, "L", res.MeanInFlight, lambda*c.Latency.MeanMs/1000, 0.02)
}

// TestBalance checks that joining the shortest queue beats round robin
// over replicas under load, as it should.
func TestBalance(t *testing.T) {
	t.Parallel()
	mean := func(balance string) float64 {
		m := mmc(1, 320, 10) // 4 replicas, ρ = 0.8
		m.Stations[0].Replicas = 4
		m.Stations[0].Balance = balance
		return run(t, m, WithRequests(longRun/10)).Total.Latency.MeanMs
	}
	rr, jsq := mean(BalanceRoundRobin), mean(BalanceShortestQueue)
	t.Logf("mean response: round robin %.2f ms, shortest queue %.2f ms", rr, jsq)
	// M/M/4 with one queue is the bound JSQ approaches: 16.5 ms.
	if !(jsq < rr*0.75) || jsq < 16 {
		t.Errorf("shortest queue %.2f ms, round robin %.2f ms: want JSQ well below RR and above the M/M/4 bound", jsq, rr)
	}
}

// TestDelayStation checks that a delay station serves every request at
// once, however many arrive together, and reports no utilisation; and
// which stations IsDelay takes for delays, including models calibrated
// before the delay field, whose wait station only had 100,000 servers.
func TestDelayStation(t *testing.T) {
	t.Parallel()
	t.Run("never queues", func(t *testing.T) {
		t.Parallel()
		m := Model{
			Name: "delay", DurationSec: 2,
			Arrivals: Arrivals{Bursts: []Burst{{AtSec: 0.5, Requests: 5000}}},
			Stations: []Station{{Name: "wait", Delay: true}},
			Classes:  []Class{{Name: "job", Weight: 1, Route: []Visit{{Station: "wait", Service: Deterministic(40)}}}},
		}
		res := run(t, m)
		c, st := res.Total, res.Stations[0]
		if c.Completed != 5000 || c.Latency.MaxMs != 40 || st.Waited != 0 {
			t.Errorf("completed %d, max latency %g ms, waited %d; want 5000, 40 ms (no queueing) and 0", c.Completed, c.Latency.MaxMs, st.Waited)
		}
		if st.Utilization != 0 {
			t.Errorf("utilization %g, want 0: a delay's servers are unlimited", st.Utilization)
		}
	})
	tests := []struct {
		name    string
		station Station
		want    bool
	}{
		{"delay", Station{Name: "wait", Delay: true}, true},
		{"calibrated before the delay field", Station{Name: "wait", Servers: 100_000, Replicas: 1}, true},
		{"many cores", Station{Name: "cpu", Servers: 4096}, false},
		{"one core", Station{Name: "cpu", Servers: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.station.IsDelay(); got != tc.want {
				t.Errorf("%+v.IsDelay() = %t, want %t", tc.station, got, tc.want)
			}
		})
	}
}
