package faas

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestBillingByHand checks the meter against GB-seconds computed by hand
// for a known sequence of invocations of a 512 MB and a 1,536 MB function.
func TestBillingByHand(t *testing.T) {
	m := newMeter(Config{Functions: []Function{{Name: "small", MemoryMB: 512}, {Name: "big", MemoryMB: 1536}}})
	us := time.Microsecond
	// small: 1 ms exactly → 1; 1.0001 ms → 2; cold 100 ms + 50.5 ms init → 151.
	m.invoked("small", invocation{took: time.Millisecond})
	m.invoked("small", invocation{took: time.Millisecond + 100*time.Nanosecond})
	m.invoked("small", invocation{took: 100 * time.Millisecond, init: 50*time.Millisecond + 500*us, cold: true})
	// big: 20.2 ms → 21, failed (still billed); a throttle costs nothing.
	m.invoked("big", invocation{took: 20*time.Millisecond + 200*us, failed: true})
	m.throttled("big")

	s := m.snapshot()
	small, big := s.Functions[0], s.Functions[1]
	// small: (1 + 2 + 151) ms = 154 ms = 0.154 s × 0.5 GB = 0.077 GB-s.
	if small.BilledMs != 154 || math.Abs(small.GBSeconds-0.077) > 1e-12 {
		t.Errorf("small billed %d ms, %g GB-s; want 154 ms, 0.077 GB-s", small.BilledMs, small.GBSeconds)
	}
	if small.Invocations != 3 || small.ColdStarts != 1 || small.Errors != 0 {
		t.Errorf("small counts %+v, want 3 invocations, 1 cold start, no error", small)
	}
	if small.InitMs.P50 < 50.4 || small.InitMs.P50 > 50.6 {
		t.Errorf("small init p50 %g ms, want 50.5", small.InitMs.P50)
	}
	// big: 21 ms = 0.021 s × 1.5 GB = 0.0315 GB-s.
	if big.BilledMs != 21 || math.Abs(big.GBSeconds-0.0315) > 1e-12 {
		t.Errorf("big billed %d ms, %g GB-s; want 21 ms, 0.0315 GB-s", big.BilledMs, big.GBSeconds)
	}
	if big.Errors != 1 || big.Throttles != 1 || big.Invocations != 1 {
		t.Errorf("big counts %+v, want 1 invocation, 1 error, 1 throttle", big)
	}
}

// TestMeterProvisioned checks that the meter reports each function's
// provisioned instances, and puts in ProvisionedGBSeconds the GB-seconds of
// the invocations that provisioned instances served, and only those.
func TestMeterProvisioned(t *testing.T) {
	tests := []struct {
		name        string
		provisioned int
		invocations []invocation
		// wantGBs and wantProvGBs are the function's GB-seconds, all and on
		// provisioned instances, at 1,024 MB: its billed seconds.
		wantGBs, wantProvGBs float64
	}{
		{"none provisioned", 0, []invocation{{took: 100 * time.Millisecond}, {took: 50 * time.Millisecond, init: 200 * time.Millisecond, cold: true}}, 0.35, 0},
		{"all on provisioned instances", 2, []invocation{{took: 100 * time.Millisecond, provisioned: true}, {took: 300 * time.Millisecond, provisioned: true, failed: true}}, 0.4, 0.4},
		{"spill-over on demand", 1, []invocation{
			{took: 100*time.Millisecond + time.Microsecond, provisioned: true}, // 101 ms
			{took: 250 * time.Millisecond, init: 150 * time.Millisecond, cold: true},
			{took: 20 * time.Millisecond},
		}, 0.521, 0.101},
		{"provisioned, never invoked", 3, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMeter(Config{Functions: []Function{{Name: "f", MemoryMB: 1024, Provisioned: tt.provisioned}}})
			for _, inv := range tt.invocations {
				m.invoked("f", inv)
			}
			s := m.snapshot().Functions[0]
			if s.Provisioned != tt.provisioned {
				t.Errorf("provisioned %d, want %d", s.Provisioned, tt.provisioned)
			}
			if math.Abs(s.GBSeconds-tt.wantGBs) > 1e-12 || math.Abs(s.ProvisionedGBSeconds-tt.wantProvGBs) > 1e-12 {
				t.Errorf("%g GB-s, %g of them provisioned; want %g, %g", s.GBSeconds, s.ProvisionedGBSeconds, tt.wantGBs, tt.wantProvGBs)
			}
		})
	}
}

func TestBilledMs(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int64
	}{{0, 0}, {-time.Second, 0}, {time.Nanosecond, 1}, {time.Millisecond, 1}, {time.Millisecond + 1, 2}, {1500 * time.Millisecond, 1500}} {
		if got := BilledMs(tt.d); got != tt.want {
			t.Errorf("BilledMs(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

// TestInstanceSeconds: the per-second series keeps the most instances of
// each second, and quiet seconds appear through ticks.
func TestInstanceSeconds(t *testing.T) {
	m := newMeter(Config{Functions: []Function{{Name: "f", MemoryMB: 128}}})
	t0 := time.Unix(1000, 0)
	m.instances("f", 1, 1, 1, t0)
	m.instances("f", 3, 3, 2, t0.Add(300*time.Millisecond))
	m.instances("f", 2, 2, 0, t0.Add(600*time.Millisecond))
	m.tick(2, 0, t0.Add(1100*time.Millisecond))
	s := m.snapshot()
	want := []InstanceSecond{{Unix: 1000, Instances: 3, Busy: 2}, {Unix: 1001, Instances: 2, Busy: 0}}
	if len(s.Seconds) != 2 || s.Seconds[0] != want[0] || s.Seconds[1] != want[1] {
		t.Fatalf("seconds %+v, want %+v", s.Seconds, want)
	}
	if f := s.Functions[0]; f.Instances != 2 || f.PeakInstances != 3 {
		t.Fatalf("instances %d, peak %d; want 2, 3", f.Instances, f.PeakInstances)
	}
}

// TestStatsSayTheSettings checks that the account carries the settings
// that shaped it: each function's routes and limits, and the account's.
func TestStatsSayTheSettings(t *testing.T) {
	m := newMeter(Config{
		Functions: []Function{
			{Name: "read", MemoryMB: 256, ReservedConcurrency: 5, Provisioned: 2},
			{Name: "mail", MemoryMB: 128},
		},
		Routes: []Route{
			{Pattern: "GET /items", Function: "read"},
			{Pattern: "GET /items/{id}", Function: "read"},
		},
		AccountConcurrency: 40,
		KeepAlive:          90 * time.Second,
	})
	s := m.snapshot()
	if s.AccountConcurrency != 40 || s.KeepAliveSec != 90 {
		t.Errorf("account concurrency %d, keep-alive %g s; want 40, 90", s.AccountConcurrency, s.KeepAliveSec)
	}
	read, mail := s.Functions[0], s.Functions[1]
	if !slices.Equal(read.Routes, []string{"GET /items", "GET /items/{id}"}) || read.ReservedConcurrency != 5 || read.Provisioned != 2 {
		t.Errorf("read: routes %q, reserved %d, provisioned %d; want both routes, 5, 2", read.Routes, read.ReservedConcurrency, read.Provisioned)
	}
	if len(mail.Routes) != 0 {
		t.Errorf("mail: routes %q, want none (events invoke it)", mail.Routes)
	}
	// The snapshot is a copy: changing it leaves the meter's alone.
	read.Routes[0] = "changed"
	if got := m.snapshot().Functions[0].Routes[0]; got != "GET /items" {
		t.Errorf("a snapshot's routes alias the meter's: now %q", got)
	}
}
