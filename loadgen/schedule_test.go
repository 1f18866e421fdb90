package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

// all returns every due time of s, failing the test if there are absurdly many.
func all(t *testing.T, s Schedule) []time.Duration {
	t.Helper()
	var offs []time.Duration
	for n := uint64(0); ; n++ {
		off, ok := s.At(n)
		if !ok {
			return offs
		}
		if n > 10_000_000 {
			t.Fatalf("schedule %+v did not end", s)
		}
		offs = append(offs, off)
	}
}

// integral returns the number of iterations s should start before t: the
// integral of its rate, summed stage by stage with the trapezoid rule (exact
// for piecewise linear rates).
func integral(s Schedule, t time.Duration) float64 {
	switch s := s.(type) {
	case ConstantRate:
		return s.Rate * min(t, s.Duration).Seconds()
	case RampingRate:
		var n float64
		rate, start := s.StartRate, time.Duration(0)
		for _, st := range s.Stages {
			if t <= start {
				break
			}
			d := min(t-start, st.Duration)
			end := st.Target
			if st.Duration > 0 {
				end = rate + (st.Target-rate)*float64(d)/float64(st.Duration)
			}
			n += (rate + end) / 2 * d.Seconds()
			rate, start = st.Target, start+st.Duration
		}
		return n
	}
	panic("unknown schedule")
}

func TestSchedules(t *testing.T) {
	tests := []struct {
		name  string
		s     Schedule
		count int
		first time.Duration // due time of iteration 0
		end   time.Duration
	}{
		{"constant 200/s for 1.2s", ConstantRate{Rate: 200, Duration: 1200 * time.Millisecond}, 240, 0, 1200 * time.Millisecond},
		{"constant 3/s for 1s", ConstantRate{Rate: 3, Duration: time.Second}, 3, 0, time.Second},
		{"constant 0.5/s for 10s", ConstantRate{Rate: 0.5, Duration: 10 * time.Second}, 5, 0, 10 * time.Second},
		{"constant zero rate", ConstantRate{Rate: 0, Duration: time.Second}, 0, 0, time.Second},
		{"ramp 0→100 over 10s", RampingRate{Stages: []Stage{{10 * time.Second, 100}}}, 500, 0, 10 * time.Second},
		{"ramp down 100→0 over 10s", RampingRate{StartRate: 100, Stages: []Stage{{10 * time.Second, 0}}}, 500, 0, 10 * time.Second},
		{"plateau 100/s for 10s", RampingRate{StartRate: 100, Stages: []Stage{{10 * time.Second, 100}}}, 1000, 0, 10 * time.Second},
		{"up and down", RampingRate{Stages: []Stage{{5 * time.Second, 100}, {5 * time.Second, 0}}}, 500, 0, 10 * time.Second},
		{"idle then ramp", RampingRate{Stages: []Stage{{5 * time.Second, 0}, {10 * time.Second, 100}}}, 500, 5 * time.Second, 15 * time.Second},
		{"jump then hold", RampingRate{Stages: []Stage{{0, 50}, {2 * time.Second, 50}}}, 100, 0, 2 * time.Second},
		{"ramp 1k→30k over 3s", RampingRate{StartRate: 1000, Stages: []Stage{{3 * time.Second, 30000}}}, 46500, 0, 3 * time.Second},
		{"all zero", RampingRate{Stages: []Stage{{time.Second, 0}}}, 0, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offs := all(t, tt.s)
			if len(offs) != tt.count {
				t.Fatalf("%d iterations, want %d", len(offs), tt.count)
			}
			if got := tt.s.End(); got != tt.end {
				t.Errorf("End() = %s, want %s", got, tt.end)
			}
			if len(offs) == 0 {
				return
			}
			if offs[0] != tt.first {
				t.Errorf("iteration 0 due at %s, want %s", offs[0], tt.first)
			}
			for i, off := range offs {
				if i > 0 && off < offs[i-1] {
					t.Fatalf("iteration %d due at %s, before iteration %d at %s", i, off, i-1, offs[i-1])
				}
				if off < 0 || off >= tt.end {
					t.Fatalf("iteration %d due at %s, outside [0, %s)", i, off, tt.end)
				}
			}
			// The iterations due before t are the integral of the rate up to t.
			for k := 1; k <= 20; k++ {
				at := tt.end * time.Duration(k) / 20
				got := 0
				for _, off := range offs {
					if off < at {
						got++
					}
				}
				want := integral(tt.s, at)
				if math.Abs(float64(got)-math.Ceil(want)) > 1 {
					t.Errorf("%d iterations due before %s, want ⌈%.2f⌉", got, at, want)
				}
			}
		})
	}
}

func TestRampingRateDueTimes(t *testing.T) {
	// Ramp 0→100/s over 10s: N(t) = 5t², so iteration n is due at √(n/5) s.
	s := RampingRate{Stages: []Stage{{10 * time.Second, 100}}}
	for _, n := range []uint64{1, 5, 20, 125, 499} {
		got, ok := s.At(n)
		want := time.Duration(math.Sqrt(float64(n)/5) * 1e9)
		if !ok || (got-want).Abs() > time.Microsecond {
			t.Errorf("At(%d) = %s, %t; want %s, true", n, got, ok, want)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	tests := []struct {
		name string
		v    interface{ Validate() []error }
		want []string // substrings, one per error, in order
	}{
		{"constant ok", ConstantRate{Rate: 10, Duration: time.Second}, nil},
		{"constant bad", ConstantRate{Rate: -5, Duration: 0}, []string{"rate must be a finite number > 0, but is -5", "duration must be > 0, but is 0s"}},
		{"constant NaN", ConstantRate{Rate: math.NaN(), Duration: time.Second}, []string{"rate must be a finite number > 0, but is NaN"}},
		{"ramping ok", RampingRate{Stages: []Stage{{time.Second, 10}}}, nil},
		{"ramping no stages", RampingRate{StartRate: 1}, []string{"stages must hold at least one stage"}},
		{"ramping bad", RampingRate{StartRate: -1, Stages: []Stage{{time.Second, 1}, {-time.Second, -5}, {0, math.Inf(1)}}}, []string{
			"startRate must be a finite number >= 0, but is -1",
			"stages[1].duration must be >= 0, but is -1s",
			"stages[1].target must be a finite number >= 0, but is -5",
			"stages[2].target must be a finite number >= 0, but is +Inf",
		}},
		{"ramping zero length", RampingRate{Stages: []Stage{{0, 10}}}, []string{"total duration must be > 0, but is 0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.v.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("Validate() = %v, want %d errors like %q", errs, len(tt.want), tt.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, err, tt.want[i])
				}
			}
		})
	}
}

// TestRampingRateMean checks the mean rate of ramps against the count
// they hold over their length.
func TestRampingRateMean(t *testing.T) {
	tests := []struct {
		name string
		r    RampingRate
		want float64
	}{
		{"ramp up from nothing", RampingRate{Stages: []Stage{{Duration: 10 * time.Second, Target: 100}}}, 50},
		{"up, hold, down", RampingRate{Stages: []Stage{{Duration: 2 * time.Second, Target: 20}, {Duration: time.Second, Target: 0}}}, (20 + 10) / 3.0},
		{"from a start rate, jumping", RampingRate{StartRate: 10, Stages: []Stage{{Duration: 0, Target: 40}, {Duration: 4 * time.Second, Target: 40}}}, 40},
		{"no length", RampingRate{StartRate: 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Mean(); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Mean = %g, want %g", got, tt.want)
			}
		})
	}
}
