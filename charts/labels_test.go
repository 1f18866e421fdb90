package charts

import (
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

// TestModeledRunNotCalledMeasured: a run every figure of which is modeled
// (archbench simulate) gets charts that call none of it measured; a
// measured run's cost chart still says its usage was measured.
func TestModeledRunNotCalledMeasured(t *testing.T) {
	measured := example(t, "steady")
	measured.Variants = measured.Variants[:4] // one repetition of each
	modeled := example(t, "steady")
	modeled.Variants = modeled.Variants[:4]
	for i := range modeled.Variants {
		modeled.Variants[i].Label = results.LabelModeled
	}
	for _, tt := range []struct {
		name     string
		run      results.Run
		measured bool
	}{{"measured", measured, true}, {"modeled", modeled, false}} {
		t.Run(tt.name, func(t *testing.T) {
			charts, err := Render(t.TempDir(), tt.run)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range charts {
				// "the measured schedule" names the window after the
				// warm-up, not how its figures came about.
				text := strings.ReplaceAll(c.Title+" "+c.Alt, "measured schedule", "")
				if !tt.measured && strings.Contains(text, "measured") {
					t.Errorf("%s, modeled run: title %q, alt %q call it measured", c.File, c.Title, c.Alt)
				}
				if c.File == "cost.png" {
					found = true
					if tt.measured && !strings.Contains(c.Alt, "measured usage") {
						t.Errorf("cost.png, measured run: alt %q, want it priced from measured usage", c.Alt)
					}
				}
			}
			if !found {
				t.Errorf("no cost chart among %+v", charts)
			}
		})
	}
}
