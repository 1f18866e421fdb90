package calibrate

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes summaries as Markdown, for a report: per variant
// its verdict and a table of its points, predicted against measured, the
// CPU in use among them. Every predicted figure is modeled.
func WriteMarkdown(w io.Writer, sums ...Summary) error {
	var b strings.Builder
	for _, s := range sums {
		fmt.Fprintf(&b, "### %s (modeled against measured run %s)\n\n", s.Variant, s.RunID)
		fmt.Fprintf(&b, "Model: %s", s.Model)
		if s.LoadCurve != "" {
			fmt.Fprintf(&b, "; %s", s.LoadCurve)
		}
		fmt.Fprintf(&b, ".\n\n%s\n\n", s.Verdict)
		b.WriteString("| point | offered req/s | rate | req/s measured | req/s modeled | err | p50 ms measured | p50 ms modeled | err | p99 ms measured | p99 ms modeled | err | CPU cores measured | CPU cores modeled | regime |\n")
		b.WriteString("|:--|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:--|\n")
		for _, p := range s.Points {
			rate := "held out"
			if p.NearCalibration {
				rate = "calibrated"
			}
			measCPU := "—"
			if p.Measured.CPUCores > 0 {
				measCPU = fmt.Sprintf("%.2f", p.Measured.CPUCores)
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %.0f | %.0f | %s | %.3g | %.3g | %s | %.3g | %.3g | %s | %s | %.2f | %s |\n",
				p.Label, p.OfferedPerSec, rate,
				p.Measured.ThroughputPerSec, p.Predicted.ThroughputPerSec, pct(p.Err.ThroughputPerSec),
				p.Measured.P50Ms, p.Predicted.P50Ms, pct(p.Err.P50Ms),
				p.Measured.P99Ms, p.Predicted.P99Ms, pct(p.Err.P99Ms),
				measCPU, p.Predicted.CPUCores, regimeCell(p))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("calibrate: write markdown: %w", err)
	}
	return nil
}

func pct(e float64) string { return fmt.Sprintf("%+.0f %%", 100*e) }

func regimeCell(p Point) string {
	if p.Why == "" {
		return string(p.Regime)
	}
	return fmt.Sprintf("%s (%s)", p.Regime, strings.ReplaceAll(p.Why, "|", "/"))
}
