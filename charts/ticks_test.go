package charts

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// labels returns the labelled ticks of a log axis over [lo, hi], in data
// units, and their labels.
func labels(lo, hi float64) (values []float64, texts []string) {
	for _, t := range (logTicks{number}).Ticks(math.Log10(lo), math.Log10(hi)) {
		if t.Label != "" {
			values = append(values, math.Pow(10, t.Value))
			texts = append(texts, t.Label)
		}
	}
	return values, texts
}

// TestLogTicksLabelTwoAtLeast: every log axis gets two labelled ticks at
// least, inside it and told apart, however short it is: a single ramp
// step's latency-vs-load axis spans 1.25² ≈ 1.6×, often with no 1, 2 or 5
// multiple inside.
func TestLogTicksLabelTwoAtLeast(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		want   []string
	}{
		{"decades", 1, 1000, []string{"1", "10", "100", "1,000"}},
		{"with 2 and 5", 1.5, 60, []string{"2", "5", "10", "20", "50"}},
		{"single step at 300 req/s", 300 / 1.25, 300 * 1.25, []string{"250", "300", "350"}},
		{"single step at 2,000 req/s", 2000 / 1.25, 2000 * 1.25, []string{"2,000", "2,500"}},
		{"one 2 multiple inside", 150, 480, []string{"200", "400"}},
		{"single latency", 0.7 / 1.5, 0.7 * 1.5, []string{"0.5", "1"}},
		{"narrow below one", 0.31, 0.38, []string{"0.32", "0.34", "0.36", "0.38"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := labels(tt.lo, tt.hi); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("labels over [%g, %g] = %q, want %q", tt.lo, tt.hi, got, tt.want)
			}
		})
	}
	// Every axis from 1.1× to 3 decades wide, anywhere from 0.001 up.
	for lo := 0.001; lo < 1e6; lo *= 1.37 {
		for ratio := 1.1; ratio < 1000; ratio *= 1.21 {
			hi := lo * ratio
			values, texts := labels(lo, hi)
			if len(values) < 2 {
				t.Errorf("[%g, %g]: labelled %q, want two at least", lo, hi, texts)
				continue
			}
			for _, v := range values {
				if v < lo*(1-1e-6) || v > hi*(1+1e-6) {
					t.Errorf("[%g, %g]: label at %g, outside the axis", lo, hi, v)
				}
			}
			if distinct := slices.Compact(slices.Clone(texts)); len(distinct) != len(texts) {
				t.Errorf("[%g, %g]: labels %q repeat", lo, hi, texts)
			}
		}
	}
}
