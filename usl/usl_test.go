package usl

import (
	"math"
	"testing"
)

func TestModel(t *testing.T) {
	tests := []struct {
		name     string
		model    Model
		n        float64
		wantX    float64 // Throughput(n)
		wantPeak float64 // PeakN()
		wantMax  float64 // PeakThroughput()
	}{
		{
			name:     "linear",
			model:    Model{Lambda: 100},
			n:        8,
			wantX:    800,
			wantPeak: math.Inf(1),
			wantMax:  math.Inf(1),
		},
		{
			name:     "amdahl approaches lambda over sigma",
			model:    Model{Lambda: 100, Sigma: 0.1},
			n:        11,
			wantX:    550, // 100·11 / (1 + 0.1·10)
			wantPeak: math.Inf(1),
			wantMax:  1000,
		},
		{
			name:     "coherency peaks",
			model:    Model{Lambda: 1000, Sigma: 0.04, Kappa: 0.0024},
			n:        20,
			wantX:    20000.0 / (1 + 0.04*19 + 0.0024*20*19),
			wantPeak: 20, // sqrt(0.96 / 0.0024)
			wantMax:  20000.0 / (1 + 0.04*19 + 0.0024*20*19),
		},
		{
			name:     "one unit",
			model:    Model{Lambda: 1000, Sigma: 0.3, Kappa: 0.01},
			n:        1,
			wantX:    1000,
			wantPeak: math.Sqrt(0.7 / 0.01),
			wantMax:  Model{Lambda: 1000, Sigma: 0.3, Kappa: 0.01}.Throughput(math.Sqrt(0.7 / 0.01)),
		},
		{
			name:     "falls from the start when sigma is 1 or more",
			model:    Model{Lambda: 50, Sigma: 1.5, Kappa: 0.01},
			n:        3,
			wantX:    150 / (1 + 1.5*2 + 0.01*6),
			wantPeak: 1,
			wantMax:  50,
		},
		{
			name:     "peak below one unit is clamped to one",
			model:    Model{Lambda: 50, Sigma: 0.5, Kappa: 2},
			n:        2,
			wantX:    100 / (1 + 0.5 + 2*2),
			wantPeak: 1,
			wantMax:  50,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.model.Throughput(tt.n); !near(got, tt.wantX, 1e-12) {
				t.Errorf("Throughput(%g) = %g, want %g", tt.n, got, tt.wantX)
			}
			if got := tt.model.PeakN(); !near(got, tt.wantPeak, 1e-12) {
				t.Errorf("PeakN() = %g, want %g", got, tt.wantPeak)
			}
			if got := tt.model.PeakThroughput(); !near(got, tt.wantMax, 1e-12) {
				t.Errorf("PeakThroughput() = %g, want %g", got, tt.wantMax)
			}
		})
	}
}

// near reports whether got is within the relative tolerance of want, or
// both are the same infinity.
func near(got, want, rel float64) bool {
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}
