package scenarios

import (
	"testing"
	"time"
)

// TestWarmUpSchedule checks that the warm-up rises from nothing and then
// holds the rate: iterations sparse at the start, a quarter of the
// full-rate count over the first half, the full rate over the second, and
// the schedule ending at d.
func TestWarmUpSchedule(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
	}{
		{150, 2 * time.Second},
		{40, time.Second},
		{1000, 3 * time.Second},
	} {
		s := warmUpSchedule(tc.rate, tc.d)
		if got := s.End(); got != tc.d {
			t.Errorf("rate %v over %v: ends at %v", tc.rate, tc.d, got)
		}
		var firstHalf, secondHalf int
		var second time.Duration
		for n := uint64(0); ; n++ {
			at, ok := s.At(n)
			if !ok {
				break
			}
			if n == 1 {
				second = at
			}
			if at < tc.d/2 {
				firstHalf++
			} else {
				secondHalf++
			}
		}
		full := tc.rate * tc.d.Seconds() / 2 // iterations in half of d at the full rate
		if fullGap := time.Duration(float64(time.Second) / tc.rate); second < 5*fullGap {
			t.Errorf("rate %v over %v: second iteration due at %v; want well after %v, the full rate's gap (the load rises from nothing)", tc.rate, tc.d, second, fullGap)
		}
		if got, want := float64(firstHalf), full/2; got < want-1 || got > want+1 {
			t.Errorf("rate %v over %v: %d iterations in the first half; want %v (a linear rise)", tc.rate, tc.d, firstHalf, want)
		}
		if got := float64(secondHalf); got < full-1 || got > full+1 {
			t.Errorf("rate %v over %v: %d iterations in the second half; want %v (the full rate)", tc.rate, tc.d, secondHalf, full)
		}
	}
}
