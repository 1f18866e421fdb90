package usl

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synthetic returns m's throughput at each capacity, each multiplied by
// 1 + u·noise with u uniform in [−1, 1] drawn from a source seeded with
// seed, so the data are the same on every run.
func synthetic(m Model, ns []float64, noise float64, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, seed))
	points := make([]Point, len(ns))
	for i, n := range ns {
		points[i] = Point{N: n, X: m.Throughput(n) * (1 + noise*(2*r.Float64()-1))}
	}
	return points
}

// capacities returns from, from+1, …, to.
func capacities(from, to int) []float64 {
	var ns []float64
	for n := from; n <= to; n++ {
		ns = append(ns, float64(n))
	}
	return ns
}

func TestFitRecoversParameters(t *testing.T) {
	tests := []struct {
		name  string
		truth Model
		ns    []float64
		noise float64
		seed  uint64

		sigmaTol float64 // |σ − true σ| ≤ sigmaTol
		kappaRel float64 // true κ > 0: |κ − true κ| ≤ kappaRel · true κ
		kappaMax float64 // true κ = 0: κ ≤ kappaMax
		peakRel  float64 // true κ > 0: |N* − true N*| ≤ peakRel · true N*
		peakMin  float64 // true κ = 0: N* ≥ peakMin (+Inf passes)
	}{
		{
			name:     "contention and coherency with 3% noise",
			truth:    Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.002},
			ns:       capacities(1, 16),
			noise:    0.03,
			seed:     1,
			sigmaTol: 0.02,
			kappaRel: 0.5,
			peakRel:  0.2,
		},
		{
			name:     "contention and coherency without N=1, repeated runs",
			truth:    Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.002},
			ns:       []float64{2, 2, 4, 4, 8, 8, 16, 16, 24, 24},
			noise:    0.03,
			seed:     2,
			sigmaTol: 0.02,
			kappaRel: 0.5,
			peakRel:  0.2,
		},
		{
			name:     "linear",
			truth:    Model{Lambda: 500},
			ns:       capacities(1, 16),
			sigmaTol: 1e-3,
			kappaMax: 1e-6,
			peakMin:  1000,
		},
		{
			name:     "linear with 3% noise",
			truth:    Model{Lambda: 500},
			ns:       capacities(1, 16),
			noise:    0.03,
			seed:     3,
			sigmaTol: 0.01,
			kappaMax: 1e-4,
			peakMin:  80, // five times the largest N measured
		},
		{
			name:     "amdahl",
			truth:    Model{Lambda: 1000, Sigma: 0.1},
			ns:       capacities(1, 32),
			sigmaTol: 1e-3,
			kappaMax: 1e-6,
			peakMin:  1000,
		},
		{
			name:     "amdahl with 3% noise",
			truth:    Model{Lambda: 1000, Sigma: 0.1},
			ns:       capacities(1, 32),
			noise:    0.03,
			seed:     4,
			sigmaTol: 0.02,
			kappaMax: 2e-4,
			peakMin:  64, // twice the largest N measured
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			points := synthetic(tt.truth, tt.ns, tt.noise, tt.seed)
			got, err := Fit(points)
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			m := got.Model
			t.Logf("λ=%.1f σ=%.4f κ=%.6f N*=%.1f X(N*)=%.0f residual=%.4f R²=%.4f",
				m.Lambda, m.Sigma, m.Kappa, m.PeakN(), m.PeakThroughput(), got.Residual, got.R2)

			if got.Points != len(points) {
				t.Errorf("Points = %d, want %d", got.Points, len(points))
			}
			if math.Abs(m.Lambda-tt.truth.Lambda) > 0.05*tt.truth.Lambda {
				t.Errorf("λ = %g, want %g ± 5%%", m.Lambda, tt.truth.Lambda)
			}
			if math.Abs(m.Sigma-tt.truth.Sigma) > tt.sigmaTol {
				t.Errorf("σ = %g, want %g ± %g", m.Sigma, tt.truth.Sigma, tt.sigmaTol)
			}
			if tt.truth.Kappa > 0 {
				if math.Abs(m.Kappa-tt.truth.Kappa) > tt.kappaRel*tt.truth.Kappa {
					t.Errorf("κ = %g, want %g ± %g%%", m.Kappa, tt.truth.Kappa, 100*tt.kappaRel)
				}
				if want := tt.truth.PeakN(); math.Abs(m.PeakN()-want) > tt.peakRel*want {
					t.Errorf("N* = %g, want %g ± %g%%", m.PeakN(), want, 100*tt.peakRel)
				}
			} else {
				if m.Kappa < 0 || m.Kappa > tt.kappaMax {
					t.Errorf("κ = %g, want in [0, %g]", m.Kappa, tt.kappaMax)
				}
				if m.PeakN() < tt.peakMin {
					t.Errorf("N* = %g, want at least %g", m.PeakN(), tt.peakMin)
				}
			}
			// Uniform noise of ±a has an RMS of a/√3.
			if maxResidual := tt.noise/math.Sqrt(3)*1.5 + 1e-6; got.Residual > maxResidual {
				t.Errorf("Residual = %g, want at most %g", got.Residual, maxResidual)
			}
			if got.R2 < 0.99 {
				t.Errorf("R² = %g, want at least 0.99", got.R2)
			}
		})
	}
}

func TestFitConstantThroughput(t *testing.T) {
	// Flat data are a perfect fit with σ ≈ 1; R² is undefined there.
	points := []Point{{1, 100}, {2, 100}, {3, 100}, {4, 100}}
	got, err := Fit(points)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if got.R2 != 0 {
		t.Errorf("R² = %g, want 0 (undefined)", got.R2)
	}
	if got.Residual > 1e-6 {
		t.Errorf("Residual = %g, want about 0", got.Residual)
	}
	for _, n := range []float64{1, 4, 8} {
		if x := got.Model.Throughput(n); math.Abs(x-100) > 1e-3 {
			t.Errorf("Throughput(%g) = %g, want 100", n, x)
		}
	}
}

func TestFitErrors(t *testing.T) {
	valid := []Point{{1, 100}, {2, 190}, {4, 340}}
	with := func(i int, p Point) []Point {
		points := append([]Point(nil), valid...)
		points[i] = p
		return points
	}
	tests := []struct {
		name    string
		points  []Point
		wantErr error
		wantMsg string
	}{
		{"nil", nil, ErrTooFewPoints, "0 distinct N in 0 points"},
		{"two points", valid[:2], ErrTooFewPoints, "2 distinct N in 2 points"},
		{"repeated capacities", []Point{{1, 100}, {1, 101}, {2, 190}, {2, 191}}, ErrTooFewPoints, "2 distinct N in 4 points"},
		{"N below 1", with(1, Point{0.5, 60}), ErrInvalidPoint, "point 1 (N=0.5, X=60): N must"},
		{"N zero", with(0, Point{0, 60}), ErrInvalidPoint, "point 0 (N=0, X=60): N must"},
		{"N NaN", with(2, Point{math.NaN(), 60}), ErrInvalidPoint, "point 2 (N=NaN, X=60): N must"},
		{"N infinite", with(2, Point{math.Inf(1), 60}), ErrInvalidPoint, "point 2 (N=+Inf, X=60): N must"},
		{"X zero", with(1, Point{2, 0}), ErrInvalidPoint, "point 1 (N=2, X=0): X must"},
		{"X negative", with(1, Point{2, -5}), ErrInvalidPoint, "point 1 (N=2, X=-5): X must"},
		{"X NaN", with(0, Point{1, math.NaN()}), ErrInvalidPoint, "point 0 (N=1, X=NaN): X must"},
		{"X infinite", with(0, Point{1, math.Inf(1)}), ErrInvalidPoint, "point 0 (N=1, X=+Inf): X must"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Fit(tt.points)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Fit error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Fit error = %q, want it to contain %q", err, tt.wantMsg)
			}
			if got != (Result{}) {
				t.Errorf("Fit result = %+v, want the zero Result", got)
			}
		})
	}
}

func BenchmarkFit(b *testing.B) {
	points := synthetic(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.002}, capacities(1, 10), 0.03, 1)
	for b.Loop() {
		if _, err := Fit(points); err != nil {
			b.Fatal(err)
		}
	}
}
