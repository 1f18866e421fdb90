package figures

import (
	"fmt"
	"strings"

	"github.com/archbench/archbench/results"
)

// standoutRatio is how many times every other repetition's count a
// repetition's errors, dropped journeys or cold starts must reach to
// stand out.
const standoutRatio = 5

// Standout is a repetition of a variant whose errors, dropped journeys or
// cold starts stood out from its other repetitions': a stall, or a storm
// of cold starts, in that round alone.
type Standout struct {
	// Index is the result's position among those given to Standouts, and
	// Repetition its number (results.VariantResult.Repetition).
	Index      int
	Repetition int
	// Reasons say what stood out, each against the most of any other
	// repetition: "9.3 % errors (the others ≤ 0.0 %)".
	Reasons []string
}

// String is "#3: 9.3 % errors (the others ≤ 0.0 %), 192 cold starts
// (the others ≤ 1)".
func (s Standout) String() string {
	return fmt.Sprintf("#%d: %s", s.Repetition, strings.Join(s.Reasons, ", "))
}

// Standouts returns the repetitions among reps (one variant's, under one
// setting) whose errors, dropped journeys or cold starts reached
// standoutRatio times the most of any other repetition, and at least 1 %
// of the requests, 10 journeys or 10 cold starts, in the order of reps.
// Fewer than two repetitions have none.
func Standouts(reps []results.VariantResult) []Standout {
	if len(reps) < 2 {
		return nil
	}
	type measure struct {
		of     func(results.VariantResult) float64
		floor  float64
		format func(x float64) string
		what   string
	}
	count := func(x float64) string { return fmt.Sprintf("%.0f", x) }
	share := func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }
	measures := []measure{
		{func(v results.VariantResult) float64 { return v.Total.ErrorRate }, 0.01, share, "errors"},
		{func(v results.VariantResult) float64 { return float64(v.Total.Dropped) }, 10, count, "dropped"},
		{func(v results.VariantResult) float64 {
			if v.ColdStarts == nil {
				return 0
			}
			return float64(v.ColdStarts.Count)
		}, 10, count, "cold starts"},
	}
	var out []Standout
	for i, v := range reps {
		s := Standout{Index: i, Repetition: v.Repetition}
		for _, m := range measures {
			x, others := m.of(v), 0.0
			for j, w := range reps {
				if j != i {
					others = max(others, m.of(w))
				}
			}
			if x >= m.floor && x >= standoutRatio*others {
				s.Reasons = append(s.Reasons, fmt.Sprintf("%s %s (the others ≤ %s)", m.format(x), m.what, m.format(others)))
			}
		}
		if len(s.Reasons) > 0 {
			out = append(out, s)
		}
	}
	return out
}
