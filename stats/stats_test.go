package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol
}

func TestSummarise(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		xs      []float64
		opts    []Option
		want    Summary // Outliers and Ignored compared separately
		outlier []int
		ignored []int
	}{{
		// t(0.975, 4) = 2.776445; s = √2.5 = 1.581139; s/√5 = 0.707107.
		name: "t interval of 1..5",
		xs:   []float64{1, 2, 3, 4, 5},
		want: Summary{N: 5, Mean: 3, StdDev: 1.581139, CV: 0.527046, Lo: 1.036757, Hi: 4.963243, Level: 0.95, Method: MethodT},
	}, {
		// t(0.95, 4) = 2.131847.
		name: "90% t interval of 1..5",
		xs:   []float64{1, 2, 3, 4, 5},
		opts: []Option{WithLevel(0.90)},
		want: Summary{N: 5, Mean: 3, StdDev: 1.581139, CV: 0.527046, Lo: 1.492557, Hi: 4.507443, Level: 0.90, Method: MethodT},
	}, {
		// t(0.975, 1) = 12.706205, s/√2 = 1.
		name: "two values: a wide interval",
		xs:   []float64{10, 12},
		want: Summary{N: 2, Mean: 11, StdDev: math.Sqrt2, CV: math.Sqrt2 / 11, Lo: 11 - 12.706205, Hi: 11 + 12.706205, Level: 0.95, Method: MethodT},
	}, {
		name: "a level outside (0, 1) is ignored",
		xs:   []float64{1, 2, 3, 4, 5},
		opts: []Option{WithLevel(2), WithLevel(0), WithLevel(nan)},
		want: Summary{N: 5, Mean: 3, StdDev: 1.581139, CV: 0.527046, Lo: 1.036757, Hi: 4.963243, Level: 0.95, Method: MethodT},
	}, {
		name: "one value: no interval",
		xs:   []float64{7},
		want: Summary{N: 1, Mean: 7, Lo: 7, Hi: 7, Level: 0.95, Method: MethodSingle},
	}, {
		name: "nothing",
		xs:   nil,
		want: Summary{Level: 0.95, Method: MethodNone},
	}, {
		name:    "non-finite values are ignored",
		xs:      []float64{1, nan, 3, inf, math.Inf(-1)},
		want:    Summary{N: 2, Mean: 2, StdDev: math.Sqrt2, CV: math.Sqrt2 / 2, Lo: 2 - 12.706205, Hi: 2 + 12.706205, Level: 0.95, Method: MethodT},
		ignored: []int{1, 3, 4},
	}, {
		name:    "only non-finite values",
		xs:      []float64{nan, nan},
		want:    Summary{Level: 0.95, Method: MethodNone},
		ignored: []int{0, 1},
	}, {
		name: "zero mean: CV 0",
		xs:   []float64{-1, 1},
		want: Summary{N: 2, Mean: 0, StdDev: math.Sqrt2, CV: 0, Lo: -12.706205, Hi: 12.706205, Level: 0.95, Method: MethodT},
	}, {
		name: "no spread: a zero-width interval",
		xs:   []float64{4, 4, 4},
		want: Summary{N: 3, Mean: 4, Lo: 4, Hi: 4, Level: 0.95, Method: MethodT},
	}, {
		// Quartiles 10.25 and 11.75 (type 7): fences 8 and 14.
		name:    "Tukey outlier, reported at its index and kept in the mean",
		xs:      []float64{nan, 10, 11, 12, 11, 10, 50},
		want:    Summary{N: 6, Mean: 104.0 / 6, StdDev: 16.0208, CV: 0.92428, Lo: 0.52051, Hi: 34.14615, Level: 0.95, Method: MethodT},
		outlier: []int{6},
		ignored: []int{0},
	}, {
		name:    "Tukey with no spread between the quartiles",
		xs:      []float64{5, 5, 5, 5, 100},
		want:    Summary{N: 5, Mean: 24, StdDev: 42.485, CV: 1.7702, Lo: -28.752, Hi: 76.752, Level: 0.95, Method: MethodT},
		outlier: []int{4},
	}, {
		// MAD 0: mean absolute deviation 19 × 1.2533 = 23.81; 95/23.81 = 3.99 > 3.5.
		name:    "MAD outlier when most values are equal",
		xs:      []float64{5, 5, 5, 5, 100},
		opts:    []Option{WithOutlierRule(MAD)},
		want:    Summary{N: 5, Mean: 24, StdDev: 42.485, CV: 1.7702, Lo: -28.752, Hi: 76.752, Level: 0.95, Method: MethodT},
		outlier: []int{4},
	}, {
		// Median 11, MAD 1: 0.6745 × 39 = 26.3 > 3.5; 0.6745 × 1 < 3.5.
		name:    "MAD outlier",
		xs:      []float64{10, 11, 12, 11, 10, 50},
		opts:    []Option{WithOutlierRule(MAD)},
		want:    Summary{N: 6, Mean: 104.0 / 6, StdDev: 16.0208, CV: 0.92428, Lo: 0.52051, Hi: 34.14615, Level: 0.95, Method: MethodT},
		outlier: []int{5},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarise(tt.xs, tt.opts...)
			w := tt.want
			if got.N != w.N || got.Method != w.Method || got.Level != w.Level ||
				!near(got.Mean, w.Mean, 1e-4) || !near(got.StdDev, w.StdDev, 1e-3) || !near(got.CV, w.CV, 1e-4) ||
				!near(got.Lo, w.Lo, 1e-3) || !near(got.Hi, w.Hi, 1e-3) {
				t.Errorf("Summarise(%v) = %+v, want %+v", tt.xs, got, w)
			}
			if !slices.Equal(got.Outliers, tt.outlier) {
				t.Errorf("Outliers = %v, want %v", got.Outliers, tt.outlier)
			}
			if !slices.Equal(got.Ignored, tt.ignored) {
				t.Errorf("Ignored = %v, want %v", got.Ignored, tt.ignored)
			}
		})
	}
}

func TestSummaryString(t *testing.T) {
	tests := []struct {
		xs   []float64
		want string
	}{
		{[]float64{7}, "7 (n=1, no interval)"},
		{nil, "no data (n=0)"},
		{[]float64{1, 2, 3, 4, 5}, "3 ± 1.96 (95% CI 1.037…4.963, t, n=5)"},
	}
	for _, tt := range tests {
		if got := Summarise(tt.xs).String(); got != tt.want {
			t.Errorf("Summarise(%v).String() = %q, want %q", tt.xs, got, tt.want)
		}
	}
}

func TestBootstrap(t *testing.T) {
	xs := []float64{12.1, 11.8, 12.6, 13.0, 11.9, 12.2, 14.1, 12.4}
	a := Summarise(xs, WithBootstrap(2000), WithSeed(42))
	b := Summarise(xs, WithBootstrap(2000), WithSeed(42))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different intervals: %v and %v", a, b)
	}
	if a.Method != MethodBootstrap {
		t.Errorf("Method = %q, want %q", a.Method, MethodBootstrap)
	}
	if !(a.Lo < a.Mean && a.Mean < a.Hi) {
		t.Errorf("interval %v…%v does not contain the mean %v", a.Lo, a.Hi, a.Mean)
	}
	// The bootstrap interval cannot leave the range of the data.
	if a.Lo < slices.Min(xs) || a.Hi > slices.Max(xs) {
		t.Errorf("interval %v…%v outside the data's range", a.Lo, a.Hi)
	}
	if c := Summarise(xs, WithBootstrap(2000), WithSeed(43)); c.Lo == a.Lo && c.Hi == a.Hi {
		t.Errorf("seeds 42 and 43 gave the same interval %v…%v", a.Lo, a.Hi)
	}
	if d := Summarise(xs, WithBootstrap(0)); d.Method != MethodBootstrap || d.Lo >= d.Hi {
		t.Errorf("WithBootstrap(0) = %v, want a default bootstrap interval", d)
	}
	if s := Summarise([]float64{3}, WithBootstrap(100)); s.Method != MethodSingle {
		t.Errorf("one value with WithBootstrap: Method %q, want %q", s.Method, MethodSingle)
	}
}

// TestCoverage checks that about 95 % of 95 % intervals, over many samples
// of a known normal distribution, contain its mean.
func TestCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("draws thousands of samples")
	}
	const mu, sigma = 10.0, 2.0
	tests := []struct {
		name     string
		n        int
		trials   int
		opts     []Option
		min, max float64
	}{
		{"t, n=5", 5, 2000, nil, 0.93, 0.97},
		{"t, n=20", 20, 1000, nil, 0.92, 0.98},
		// The percentile bootstrap is known to be too narrow for small n.
		{"bootstrap, n=20", 20, 300, []Option{WithBootstrap(1000)}, 0.87, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			xs := make([]float64, tt.n)
			hits := 0
			for trial := range tt.trials {
				for i := range xs {
					xs[i] = mu + sigma*rng.NormFloat64()
				}
				s := Summarise(xs, append(tt.opts, WithSeed(uint64(trial)))...)
				if s.Lo <= mu && mu <= s.Hi {
					hits++
				}
			}
			if cov := float64(hits) / float64(tt.trials); cov < tt.min || cov > tt.max {
				t.Errorf("coverage %.3f, want %.2f–%.2f", cov, tt.min, tt.max)
			}
		})
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		name string
		a, b Summary
		want bool
	}{
		{"apart", Summary{N: 3, Lo: 1, Hi: 2}, Summary{N: 3, Lo: 3, Hi: 4}, false},
		{"apart, reversed", Summary{N: 3, Lo: 3, Hi: 4}, Summary{N: 3, Lo: 1, Hi: 2}, false},
		{"overlapping", Summary{N: 3, Lo: 1, Hi: 3}, Summary{N: 3, Lo: 2, Hi: 4}, true},
		{"touching", Summary{N: 3, Lo: 1, Hi: 2}, Summary{N: 3, Lo: 2, Hi: 4}, true},
		{"nested", Summary{N: 3, Lo: 1, Hi: 9}, Summary{N: 3, Lo: 2, Hi: 4}, true},
		{"no data overlaps everything", Summary{}, Summary{N: 3, Lo: 2, Hi: 4}, true},
		{"two different single values", Summary{N: 1, Mean: 1, Lo: 1, Hi: 1}, Summary{N: 1, Mean: 2, Lo: 2, Hi: 2}, false},
	}
	for _, tt := range tests {
		if got := Overlap(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Overlap = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSignificant(t *testing.T) {
	// The three examples of Welch's t-test in Wikipedia's article, whose
	// p values it gives as 0.021, 0.149 and 0.036; the last is 0.0355 with
	// ν = 24.52 unrounded (0.036 with ν rounded to 24), checked by
	// integrating Student's t density numerically.
	wa1 := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	wa2 := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	wb1 := []float64{17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8}
	wb2 := []float64{21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8}
	wc1 := []float64{19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0}
	wc2 := []float64{28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3}
	mw := []Option{WithTest(MannWhitney)}
	tests := []struct {
		name string
		a, b []float64
		opts []Option
		p    float64
		sig  bool
	}{
		{"Welch, Wikipedia example 1", wa1, wa2, nil, 0.021, true},
		{"Welch, Wikipedia example 2", wb1, wb2, nil, 0.149, false},
		{"Welch, Wikipedia example 3", wc1, wc2, nil, 0.0355, true},
		{"Welch, symmetric", wc2, wc1, nil, 0.0355, true},
		{"Welch at alpha 0.01", wa1, wa2, []Option{WithLevel(0.99)}, 0.021, false},
		{"Welch, same samples", wa1, wa1, nil, 1, false},
		{"Welch, equal constants", []float64{0, 0, 0}, []float64{0, 0}, nil, 1, false},
		{"Welch, different constants", []float64{0, 0, 0}, []float64{1, 1, 1}, nil, 0, true},
		{"one value on a side", []float64{1}, []float64{5, 6, 7}, nil, 1, false},
		{"no values", nil, nil, nil, 1, false},
		{"non-finite values leave one", []float64{1, math.NaN()}, []float64{5, 6, 7}, nil, 1, false},
		{"non-finite values ignored", []float64{1, 2, math.NaN(), 3}, []float64{4, math.Inf(1), 5, 6}, mw, 0.1, false},
		// Exact: U = 0 is 1 of C(6,3) = 20 orderings, each tail.
		{"Mann-Whitney 3 v 3 apart: never below 0.1", []float64{1, 2, 3}, []float64{4, 5, 6}, mw, 0.1, false},
		// Exact: 1 of C(10,5) = 252 orderings each tail.
		{"Mann-Whitney 5 v 5 apart", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, mw, 2.0 / 252, true},
		{"Mann-Whitney 5 v 5 apart, reversed", []float64{6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5}, mw, 2.0 / 252, true},
		// U = 3; P(U ≤ 3) = (1+1+2+3)/20.
		{"Mann-Whitney interleaved", []float64{1, 3, 5}, []float64{2, 4, 6}, mw, 0.7, false},
		// Ties: midranks 1.5 1.5 3.5 | 3.5 5.5 5.5, U = 0.5, σ² = 4.8,
		// z = (4.5 − 0.5 − 0.5)/√4.8 = 1.5975: p = 0.1101 (R's wilcox.test).
		{"Mann-Whitney with ties", []float64{1, 1, 2}, []float64{2, 3, 3}, mw, 0.1101, false},
		{"Mann-Whitney all tied", []float64{2, 2, 2}, []float64{2, 2}, mw, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, sig := Significant(tt.a, tt.b, tt.opts...)
			if !near(p, tt.p, 5e-4) || sig != tt.sig {
				t.Errorf("Significant = %.5f, %v, want %.5f, %v", p, sig, tt.p, tt.sig)
			}
		})
	}
}

// TestMannWhitneyLarge checks the normal approximation against the exact
// distribution where both apply, and that it runs on large samples.
func TestMannWhitneyLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	x, y := make([]float64, 25), make([]float64, 25)
	for i := range x {
		x[i], y[i] = rng.Float64(), rng.Float64()+0.2
	}
	exact := mannWhitney(x, y)
	xs, ys := append(x, 100), append(y, 101) // 26 a side: the approximation
	approx := mannWhitney(xs, ys)
	if exact <= 0 || exact >= 1 || math.Abs(exact-approx) > 0.05 {
		t.Errorf("exact p %.4f, approximate p %.4f: too far apart", exact, approx)
	}
	big := make([]float64, 5000)
	for i := range big {
		big[i] = rng.Float64()
	}
	if p, _ := Significant(big, big, WithTest(MannWhitney)); p != 1 {
		t.Errorf("identical large samples: p = %v, want 1", p)
	}
}

func TestTestString(t *testing.T) {
	if !strings.Contains(MannWhitney.String(), "Mann") || !strings.Contains(Welch.String(), "Welch") {
		t.Errorf("String: %q, %q", MannWhitney, Welch)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		opts []Option
		want string
	}{
		{nil, "Welch's t-test, two-sided, alpha 0.05"},
		{[]Option{WithTest(MannWhitney), WithLevel(0.99)}, "Mann-Whitney U-test, two-sided, alpha 0.01"},
	}
	for _, tt := range tests {
		if got := Describe(tt.opts...); got != tt.want {
			t.Errorf("Describe = %q, want %q", got, tt.want)
		}
	}
}
