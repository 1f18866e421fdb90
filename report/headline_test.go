package report

import (
	"testing"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/stats"
)

// TestHeadlineCell: mean ± half-width (n), then the outliers and the
// repetitions that stood out.
func TestHeadlineCell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    figures.Figure
		want string
	}{
		{"none", figures.Figure{}, "n/a"},
		{"one run", figures.Figure{Stats: stats.Summarise([]float64{2})}, "2.00 (n=1)"},
		{"three runs", figures.Figure{Stats: stats.Summarise([]float64{1, 2, 3})}, "2.00 ± 2.48 (n=3)"},
		{"a storm in the third", figures.Figure{Stats: stats.Summarise([]float64{3, 4, 2000}), StoodOut: []int{3}}, "669 ± 2,863 (n=3), #3 stood out"},
		{"two of four", figures.Figure{Stats: stats.Summarise([]float64{1, 1, 50, 60}), StoodOut: []int{3, 4}}, "28.0 ± 50.0 (n=4), #3 and #4 stood out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := headlineCell(tc.f); got != tc.want {
				t.Errorf("cell %q, want %q", got, tc.want)
			}
		})
	}
}
