package k6

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
)

func TestValidate(t *testing.T) {
	ok := Spec{Target: "http://127.0.0.1:8080", Rate: 50, Duration: 3 * time.Second}
	ramp := Spec{Target: "http://127.0.0.1:8080/", StartRate: 10, Stages: []loadgen.Stage{
		{Duration: 2 * time.Second, Target: 40}, {Duration: 0, Target: 80}, {Duration: time.Second, Target: 80},
	}}
	with := func(s Spec, f func(*Spec)) Spec { f(&s); return s }

	for _, tc := range []struct {
		name string
		spec Spec
		want []string // substrings of the error; none: valid
	}{
		{"constant", ok, nil},
		{"constant with warm-up", with(ok, func(s *Spec) { s.Warmup = time.Second }), nil},
		{"ramping", ramp, nil},
		{"ramping with warm-up from zero", with(ramp, func(s *Spec) { s.StartRate, s.Warmup, s.WarmupRate = 0, time.Second, 5 }), nil},
		{"fractional rate", with(ok, func(s *Spec) { s.Rate = 12.5 }), nil},
		{"uniform products", with(ok, func(s *Spec) { s.Zipf = 1 }), nil},
		{"one journey", with(ok, func(s *Spec) { s.Mix = "checkout" }), nil},

		{"no target", with(ok, func(s *Spec) { s.Target = "" }), []string{"Target must be an absolute http(s) URL"}},
		{"target scheme", with(ok, func(s *Spec) { s.Target = "ftp://x" }), []string{`Target must be`, `"ftp://x"`}},
		{"target query", with(ok, func(s *Spec) { s.Target = "http://x/?a=1" }), []string{"Target must be"}},
		{"bad mix", with(ok, func(s *Spec) { s.Mix = "browse=70,nope=3" }), []string{"Mix:", `unknown journey "nope"`}},
		{"few products", with(ok, func(s *Spec) { s.Products = 5 }), []string{"Products must be in [20, 1000000]", "but is 5"}},
		{"negative zipf", with(ok, func(s *Spec) { s.Zipf = -1 }), []string{"Zipf must be", "but is -1"}},
		{"no rate", with(ok, func(s *Spec) { s.Rate = 0 }), []string{"Rate must be > 0"}},
		{"NaN rate", with(ok, func(s *Spec) { s.Rate = math.NaN() }), []string{"Rate must be a number", "NaN"}},
		{"short duration", with(ok, func(s *Spec) { s.Duration = 500 * time.Millisecond }), []string{"Duration must be at least 1s", "500ms"}},
		{"start rate without stages", with(ok, func(s *Spec) { s.StartRate = 3 }), []string{"StartRate belongs to the ramping shape"}},
		{"both shapes", with(ramp, func(s *Spec) { s.Rate = 5 }), []string{"set either Rate and Duration"}},
		{"negative stage", with(ramp, func(s *Spec) { s.Stages = []loadgen.Stage{{Duration: -time.Second, Target: 3}} }),
			[]string{"Stages[0].Duration must be >= 0", "Stages must last longer than 0s"}},
		{"negative target", with(ramp, func(s *Spec) { s.Stages = []loadgen.Stage{{Duration: time.Second, Target: -3}} }),
			[]string{"Stages[0].Target must be a number"}},
		{"short warm-up", with(ok, func(s *Spec) { s.Warmup = 100 * time.Millisecond }), []string{"Warmup must be 0 or at least 1s", "100ms"}},
		{"warm-up without rate", with(ramp, func(s *Spec) { s.StartRate, s.Warmup = 0, time.Second }), []string{"WarmupRate must be > 0"}},
		{"max in flight", with(ok, func(s *Spec) { s.MaxInFlight = -1 }), []string{"MaxInFlight must be >= 1, but is -1"}},
		{"pre-allocated", with(ok, func(s *Spec) { s.MaxInFlight, s.PreAllocatedVUs = 4, 5 }), []string{"PreAllocatedVUs must be in [1, MaxInFlight=4], but is 5"}},
		{"timeout", with(ok, func(s *Spec) { s.RequestTimeout = time.Microsecond }), []string{"RequestTimeout must be at least 1ms"}},
		{"graceful stop", with(ok, func(s *Spec) { s.GracefulStop = -time.Second }), []string{"GracefulStop must be >= 0"}},
		{"rate too fine for k6", with(ok, func(s *Spec) { s.Rate = 1.0001 }), []string{"multiple of 0.001 journeys/s"}},
		{"every problem at once", Spec{Target: "x", Rate: -1, Products: 3},
			[]string{"Target must be", "Rate must be a number", "Duration must be at least", "Products must be in"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", tc.spec)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     Spec
		measured time.Duration
		mean     float64
		vus      int
	}{
		{"constant", Spec{Rate: 50, Duration: 3 * time.Second}, 3 * time.Second, 50, 10},
		{"ramp from zero", Spec{Stages: []loadgen.Stage{{Duration: 4 * time.Second, Target: 100}}}, 4 * time.Second, 50, 20},
		{"spike", Spec{StartRate: 10, Stages: []loadgen.Stage{
			{Duration: 2 * time.Second, Target: 10}, {Target: 80}, {Duration: time.Second, Target: 80}, {Target: 10}, {Duration: time.Second, Target: 10},
		}}, 4 * time.Second, (10*2 + 80 + 10) / 4.0, 16},
		{"capped by max in flight", Spec{Rate: 1000, Duration: time.Second, MaxInFlight: 64}, time.Second, 1000, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.spec.normalized()
			if got := n.Measured(); got != tc.measured {
				t.Errorf("Measured = %s, want %s", got, tc.measured)
			}
			if got := n.MeanRate(); math.Abs(got-tc.mean) > 1e-9 {
				t.Errorf("MeanRate = %v, want %v", got, tc.mean)
			}
			if n.PreAllocatedVUs != tc.vus {
				t.Errorf("PreAllocatedVUs = %d, want %d", n.PreAllocatedVUs, tc.vus)
			}
		})
	}
}
