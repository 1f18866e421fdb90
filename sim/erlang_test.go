package sim

import (
	"math"
	"testing"
)

// erlangCDirect is Erlang C from its textbook form, for small c.
func erlangCDirect(c int, a float64) float64 {
	var sum, term float64 = 0, 1
	for k := range c {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c) * float64(c) / (float64(c) - a)
	return last / (sum + last)
}

func TestErlangC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    int
		a    float64
		want float64
	}{
		{1, 0.5, 0.5},   // M/M/1: ρ
		{2, 1, 1.0 / 3}, // by hand
		{10, 8, erlangCDirect(10, 8)},
		{20, 15, erlangCDirect(20, 15)},
		{3, 3, 1}, // saturated
		{3, 5, 1},
		{4, 0, 0},
	}
	for _, tc := range tests {
		if got := ErlangC(tc.c, tc.a); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("ErlangC(%d, %g) = %.15g, want %.15g", tc.c, tc.a, got, tc.want)
		}
	}
	// A published value: 10 agents, 8 erlangs wait with probability 40.9 %.
	if got := ErlangC(10, 8); math.Abs(got-0.409) > 0.0005 {
		t.Errorf("ErlangC(10, 8) = %g, want 0.409", got)
	}
	// Large c stays finite where the factorial form overflows.
	if got := ErlangC(2000, 1900); !(got > 0 && got < 1) {
		t.Errorf("ErlangC(2000, 1900) = %g, want in (0, 1)", got)
	}
	for _, bad := range []struct {
		c int
		a float64
	}{{0, 1}, {2, -1}, {2, math.NaN()}, {2, math.Inf(1)}} {
		if got := ErlangC(bad.c, bad.a); !math.IsNaN(got) {
			t.Errorf("ErlangC(%d, %g) = %g, want NaN", bad.c, bad.a, got)
		}
	}
}
