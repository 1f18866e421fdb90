package stats

import (
	"math"
	"slices"
	"testing"
)

func TestPairedRatio(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name     string
		num, den []float64
		opts     []Option
		want     Ratio // Ratios compared to 1e-9, the rest to 1e-5
	}{{
		// Two variants' p50 over three interleaved rounds, the second
		// 1.7–2.4× the first. logs 0.6646, 0.5547, 0.8752: mean 0.6982,
		// s/√3 = 0.09405, t(0.975, 2) = 4.302653; with 2 degrees of
		// freedom p = 1 − |t|/√(2 + t²), t = 7.4232.
		name: "slower in every round",
		num:  []float64{1.24, 1.01, 1.67}, den: []float64{0.638, 0.58, 0.696},
		want: Ratio{N: 3, Ratios: []float64{1.24 / 0.638, 1.01 / 0.58, 1.67 / 0.696},
			Mean: 2.010021, Lo: 1.341090, Hi: 3.012612, Level: 0.95, P: 0.017668, Significant: true},
	}, {
		// logs −0.1054, 0.0953, 0: mean −0.00335, s = 0.10038.
		name: "either way: no difference",
		num:  []float64{0.9, 1.1, 1}, den: []float64{1, 1, 1},
		want: Ratio{N: 3, Ratios: []float64{0.9, 1.1, 1}, Mean: 0.996655, Lo: 0.776700, Hi: 1.278901, Level: 0.95, P: 0.959158},
	}, {
		name: "the same ratio every time",
		num:  []float64{2, 4, 6}, den: []float64{1, 2, 3},
		want: Ratio{N: 3, Ratios: []float64{2, 2, 2}, Mean: 2, Lo: 2, Hi: 2, Level: 0.95, P: 0, Significant: true},
	}, {
		name: "equal every time",
		num:  []float64{1, 2}, den: []float64{1, 2},
		want: Ratio{N: 2, Ratios: []float64{1, 1}, Mean: 1, Lo: 1, Hi: 1, Level: 0.95, P: 1},
	}, {
		name: "one pair: no interval, no test",
		num:  []float64{3}, den: []float64{2},
		want: Ratio{N: 1, Ratios: []float64{1.5}, Mean: 1.5, Lo: 1.5, Hi: 1.5, Level: 0.95, P: 1},
	}, {
		name: "pairs without a ratio are left out",
		num:  []float64{nan, 2, 0, 4, inf, 6, 1}, den: []float64{1, 1, 1, 2, 1, 3, -1, 5},
		want: Ratio{N: 3, Ratios: []float64{2, 2, 2}, Mean: 2, Lo: 2, Hi: 2, Level: 0.95, P: 0, Significant: true,
			Ignored: []int{0, 2, 4, 6, 7}},
	}, {
		name: "nothing",
		want: Ratio{Level: 0.95, P: 1},
	}, {
		// t(0.95, 2) = 2.919986 narrows the interval; p is the level's
		// business only through Significant.
		name: "90 % level",
		num:  []float64{1.24, 1.01, 1.67}, den: []float64{0.638, 0.58, 0.696}, opts: []Option{WithLevel(0.9)},
		want: Ratio{N: 3, Ratios: []float64{1.24 / 0.638, 1.01 / 0.58, 1.67 / 0.696},
			Mean: 2.010021, Lo: 1.527331, Hi: 2.645257, Level: 0.9, P: 0.017668, Significant: true},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PairedRatio(tc.num, tc.den, tc.opts...)
			w := tc.want
			if got.N != w.N || got.Significant != w.Significant || got.Level != w.Level || !slices.Equal(got.Ignored, w.Ignored) {
				t.Errorf("PairedRatio = %+v, want %+v", got, w)
			}
			if !slices.EqualFunc(got.Ratios, w.Ratios, func(a, b float64) bool { return near(a, b, 1e-9) }) {
				t.Errorf("ratios %v, want %v", got.Ratios, w.Ratios)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"mean", got.Mean, w.Mean}, {"lo", got.Lo, w.Lo}, {"hi", got.Hi, w.Hi}, {"p", got.P, w.P}} {
				if !near(f.got, f.want, 1e-5) {
					t.Errorf("%s %.6f, want %.6f", f.name, f.got, f.want)
				}
			}
		})
	}
}

// TestPairedRatioTurnedAround checks that swapping the sides inverts the
// ratio and its interval and leaves the test as it was: working on
// logarithms, 2× and ½× are equally far from 1.
func TestPairedRatioTurnedAround(t *testing.T) {
	a, b := []float64{1.24, 1.01, 1.67, 1.3}, []float64{0.638, 0.58, 0.696, 0.9}
	ab, ba := PairedRatio(a, b), PairedRatio(b, a)
	if !near(ab.Mean*ba.Mean, 1, 1e-12) || !near(ab.Lo*ba.Hi, 1, 1e-12) || !near(ab.Hi*ba.Lo, 1, 1e-12) || !near(ab.P, ba.P, 1e-12) {
		t.Errorf("a/b %+v and b/a %+v: want inverse ratios and the same p", ab, ba)
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		name string
		ps   []float64
		want []float64
	}{
		{"three, out of order", []float64{0.017, 0.019, 0.0051}, []float64{0.034, 0.034, 0.0153}},
		{"capped at 1", []float64{0.6, 0.01}, []float64{0.6, 0.02}},
		{"never below an earlier one", []float64{0.01, 0.011, 0.5}, []float64{0.03, 0.03, 0.5}},
		{"one: as it was", []float64{0.04}, []float64{0.04}},
		{"NaN counts as 1", []float64{math.NaN(), 0.01}, []float64{1, 0.02}},
		{"none", nil, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.ps)
			if !slices.EqualFunc(got, tc.want, func(a, b float64) bool { return near(a, b, 1e-12) }) {
				t.Errorf("Holm(%v) = %v, want %v", tc.ps, got, tc.want)
			}
		})
	}
}
