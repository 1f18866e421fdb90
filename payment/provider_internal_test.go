package payment

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// captureSleeps returns a provider that records each charge's drawn latency
// instead of sleeping.
func captureSleeps(t *testing.T, opts ...ProviderOption) (*Provider, *[]time.Duration) {
	t.Helper()
	var slept []time.Duration
	p, err := NewProvider(append(opts, withSleep(func(d time.Duration) { slept = append(slept, d) }))...)
	if err != nil {
		t.Fatal(err)
	}
	return p, &slept
}

func charge(t *testing.T, p *Provider, key string) {
	t.Helper()
	w := httptest.NewRecorder()
	body := fmt.Sprintf(`{"amount_cents":100,"card_token":"tok","idempotency_key":%q}`, key)
	p.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/charges", strings.NewReader(body)))
	if w.Code != http.StatusCreated {
		t.Fatalf("charge %s: %d %s", key, w.Code, w.Body)
	}
}

// TestLatencyDistribution proves the charge latency the provider sleeps has
// the configured median and 99th percentile.
func TestLatencyDistribution(t *testing.T) {
	tests := []struct{ median, p99 time.Duration }{
		{20 * time.Millisecond, 80 * time.Millisecond},
		{100 * time.Millisecond, 120 * time.Millisecond},
		{5 * time.Millisecond, 500 * time.Millisecond},
	}
	const n = 20_000
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.median, tt.p99), func(t *testing.T) {
			p, slept := captureSleeps(t, WithLatency(tt.median, tt.p99), WithSeed(7))
			for i := range n {
				charge(t, p, fmt.Sprintf("k%d", i))
			}
			if len(*slept) != n {
				t.Fatalf("%d sleeps for %d charges", len(*slept), n)
			}
			s := slices.Clone(*slept)
			slices.Sort(s)
			median, p99 := s[n/2], s[n*99/100]
			if rel(median, tt.median) > 0.05 {
				t.Errorf("median = %s, want %s ± 5%%", median, tt.median)
			}
			if rel(p99, tt.p99) > 0.10 {
				t.Errorf("p99 = %s, want %s ± 10%%", p99, tt.p99)
			}
			if s[0] <= 0 {
				t.Errorf("drew a non-positive latency %s", s[0])
			}
		})
	}
}

func rel(got, want time.Duration) float64 {
	d := float64(got-want) / float64(want)
	if d < 0 {
		return -d
	}
	return d
}

// TestNoLatencyByDefault proves a provider without WithLatency adds none, and
// median == p99 gives a constant latency.
func TestNoLatencyByDefault(t *testing.T) {
	p, slept := captureSleeps(t)
	charge(t, p, "a")
	charge(t, p, "b")
	if !slices.Equal(*slept, []time.Duration{0, 0}) {
		t.Errorf("slept %v, want no latency", *slept)
	}
	p, slept = captureSleeps(t, WithLatency(30*time.Millisecond, 30*time.Millisecond))
	for i := range 100 {
		charge(t, p, fmt.Sprint(i))
	}
	for _, d := range *slept {
		if d != 30*time.Millisecond {
			t.Fatalf("slept %s, want exactly 30ms", d)
		}
	}
}

// TestSeedDeterminism proves WithSeed makes the provider's draws repeatable.
func TestSeedDeterminism(t *testing.T) {
	draw := func(seed uint64) []time.Duration {
		p, slept := captureSleeps(t, WithLatency(10*time.Millisecond, 50*time.Millisecond), WithSeed(seed))
		for i := range 50 {
			charge(t, p, fmt.Sprint(i))
		}
		return *slept
	}
	if !slices.Equal(draw(3), draw(3)) {
		t.Error("same seed, different latencies")
	}
	if slices.Equal(draw(3), draw(4)) {
		t.Error("different seeds, same latencies")
	}
}
