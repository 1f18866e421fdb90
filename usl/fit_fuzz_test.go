package usl

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// maxFuzzPoints bounds the points decoded from one fuzz input, to keep each
// fit fast.
const maxFuzzPoints = 64

// encodePoints is the inverse of decodePoints, for seeds.
func encodePoints(points []Point) []byte {
	data := make([]byte, 0, 16*len(points))
	for _, p := range points {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(p.N))
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(p.X))
	}
	return data
}

// decodePoints reads 16 bytes per point, N then X as little-endian IEEE 754
// bits, so that any float, NaN and infinities included, can occur.
func decodePoints(data []byte) []Point {
	var points []Point
	for len(data) >= 16 && len(points) < maxFuzzPoints {
		points = append(points, Point{
			N: math.Float64frombits(binary.LittleEndian.Uint64(data)),
			X: math.Float64frombits(binary.LittleEndian.Uint64(data[8:])),
		})
		data = data[16:]
	}
	return points
}

// FuzzFit checks that Fit never panics, and that it either fails with one
// of its errors or returns finite, non-negative parameters and statistics.
func FuzzFit(f *testing.F) {
	for _, seed := range [][]Point{
		synthetic(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.002}, capacities(1, 10), 0.03, 1),
		synthetic(Model{Lambda: 500}, capacities(1, 4), 0, 1),
		synthetic(Model{Lambda: 1e-300, Sigma: 0.5, Kappa: 0.5}, capacities(1, 5), 0.5, 2),
		{{1, 1e308}, {2, 1e-308}, {1e300, 5}},
		{{1, 100}, {2, 100}, {3, 100}},
		{{1, 100}, {1, 100}, {2, 50}},
		{{0.5, 1}, {2, 1}, {3, 1}},
		{{1, math.NaN()}, {2, 1}, {3, 1}},
	} {
		f.Add(encodePoints(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		points := decodePoints(data)
		got, err := Fit(points)
		if err != nil {
			if !errors.Is(err, ErrInvalidPoint) && !errors.Is(err, ErrTooFewPoints) && !errors.Is(err, ErrNoFit) {
				t.Fatalf("Fit(%v) error %v is none of the package's errors", points, err)
			}
			return
		}
		m := got.Model
		if !(m.Lambda > 0) || math.IsInf(m.Lambda, 0) {
			t.Errorf("Fit(%v): λ = %g, want finite and positive", points, m.Lambda)
		}
		if !(m.Sigma >= 0) || math.IsInf(m.Sigma, 0) {
			t.Errorf("Fit(%v): σ = %g, want finite and non-negative", points, m.Sigma)
		}
		if !(m.Kappa >= 0) || math.IsInf(m.Kappa, 0) {
			t.Errorf("Fit(%v): κ = %g, want finite and non-negative", points, m.Kappa)
		}
		if !(got.Residual >= 0) || math.IsInf(got.Residual, 0) {
			t.Errorf("Fit(%v): residual = %g, want finite and non-negative", points, got.Residual)
		}
		if math.IsNaN(got.R2) || math.IsInf(got.R2, 0) {
			t.Errorf("Fit(%v): R² = %g, want finite", points, got.R2)
		}
		if got.Points != len(points) {
			t.Errorf("Fit(%v): Points = %d, want %d", points, got.Points, len(points))
		}
		if !(m.PeakN() >= 1) {
			t.Errorf("Fit(%v): PeakN = %g, want at least 1", points, m.PeakN())
		}
	})
}
