package calibrate

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown writes summaries as Markdown, for a report: per variant
// its verdict and a table of its points, predicted against measured, the
// CPU in use among them. Every predicted figure is modeled.
func WriteMarkdown(w io.Writer, sums ...Summary) error {
	var b strings.Builder
	for _, s := range sums {
		if s.LeaveOneOut {
			fmt.Fprintf(&b, "### %s, one rate held out at a time (modeled against measured run %s)\n\n", s.Variant, s.RunID)
		} else {
			fmt.Fprintf(&b, "### %s (modeled against measured run %s)\n\n", s.Variant, s.RunID)
		}
		fmt.Fprintf(&b, "Model: %s", s.Model)
		if s.LoadCurve != "" {
			fmt.Fprintf(&b, "; %s", s.LoadCurve)
		}
		fmt.Fprintf(&b, ".\n\n%s\n\n", s.Verdict)
		writers := slices.ContainsFunc(s.Points, func(p Point) bool { return p.Measured.WriterBusy > 0 || p.Predicted.WriterBusy > 0 })
		if writers {
			b.WriteString(writersNote + "\n\n")
		}
		b.WriteString("| point | offered req/s | rate | req/s measured | req/s modeled | err | p50 ms measured | p50 ms modeled | err | p99 ms measured | p99 ms modeled | err | CPU cores measured | CPU cores modeled |")
		if writers {
			b.WriteString(" writer busy measured | writer busy modeled | writer waited ms measured | writer waited ms modeled |")
		}
		b.WriteString(" regime |\n|:--|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
		if writers {
			b.WriteString("--:|--:|--:|--:|")
		}
		b.WriteString(":--|\n")
		for _, p := range s.Points {
			rate := "held out"
			if p.NearCalibration {
				rate = "calibrated"
			}
			measCPU := "—"
			if p.Measured.CPUCores > 0 {
				measCPU = fmt.Sprintf("%.2f", p.Measured.CPUCores)
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %.0f | %.0f | %s | %.3g | %.3g | %s | %.3g | %.3g | %s | %s | %.2f |",
				p.Label, p.OfferedPerSec, rate,
				p.Measured.ThroughputPerSec, p.Predicted.ThroughputPerSec, pct(p.Err.ThroughputPerSec),
				p.Measured.P50Ms, p.Predicted.P50Ms, pct(p.Err.P50Ms),
				p.Measured.P99Ms, p.Predicted.P99Ms, pct(p.Err.P99Ms),
				measCPU, p.Predicted.CPUCores)
			if writers {
				mb, mw := writerCells(p.Measured)
				pb, pw := writerCells(p.Predicted)
				fmt.Fprintf(&b, " %s | %s | %s | %s |", mb, pb, mw, pw)
			}
			fmt.Fprintf(&b, " %s |\n", regimeCell(p))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("calibrate: write markdown: %w", err)
	}
	return nil
}

// writerCells formats a point's writer figures for the validation table:
// busy share and mean wait, "—" for none.
func writerCells(f Figures) (busy, waited string) {
	if !(f.WriterBusy > 0) {
		return "—", "—"
	}
	return fmt.Sprintf("%.0f %%", 100*f.WriterBusy), fmt.Sprintf("%.3g", f.WriterWaitedMs)
}

// writersNote says what the validation table's writer columns are.
const writersNote = "Writer busy and writer waited are the busiest SQLite writer's share of the time it was held, and " +
	"the mean time a write waited for it: measured, at each ramp step; modeled, the model's busiest writer station, " +
	"where the calibration run counted its writes per operation (— where the model has no writer: where writes wait " +
	"for one for a good part of the measured p50, that wait is then missing from the prediction)."

// WriteOverview writes one Markdown table row per summary: the check
// (against a run the model was not calibrated on, or one rate held out at
// a time), the largest errors below saturation at held-out rates, the
// run-to-run difference at calibrated rates, the target (not met where
// the model saturates and the measurement did not), and up to which rate
// the model is trusted. Every figure in it is a model's error.
func WriteOverview(w io.Writer, sums ...Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| variant | check | held-out points below saturation | p50 error, max | throughput error, max | p50 error at calibrated rates (run to run) | target %.0f %% | trusted up to req/s |\n", 100*Target)
	b.WriteString("|:--|:--|--:|--:|--:|--:|:--|--:|\n")
	for _, s := range sums {
		check, drift := "against a run it was not calibrated on", "—"
		if s.LeaveOneOut {
			check = "one rate of that run held out at a time"
		} else if s.HeldOut < s.Below {
			drift = fmt.Sprintf("%.0f %%", 100*s.MaxP50ErrCalibrated)
		}
		p50, met := "—", "no point to judge"
		if s.HeldOut > 0 {
			p50 = fmt.Sprintf("%.1f %%", 100*s.MaxP50ErrHeldOut) // to the tenth: 15 % could be either side of the target
			met = "not met"
			if s.MaxP50ErrHeldOut <= Target && s.MaxThroughputErr <= Target {
				met = "met"
			}
		}
		if s.Early > 0 {
			// Where the model saturates early, its p50 is off by orders
			// of magnitude: a count says more than a percentage.
			early := fmt.Sprintf("saturates early at %d", s.Early)
			if s.HeldOut > 0 {
				p50 += "; " + early
			} else {
				p50 = early
			}
			met = "not met"
		}
		trusted := "—"
		if s.TrustedUpToPerSec > 0 {
			trusted = fmt.Sprintf("%.0f", s.TrustedUpToPerSec)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s |\n",
			s.Variant, check, s.HeldOut, p50, fmt.Sprintf("%.1f %%", 100*s.MaxThroughputErr), drift, met, trusted)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("calibrate: write overview: %w", err)
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
