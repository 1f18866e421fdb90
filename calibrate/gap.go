package calibrate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
)

// Gap is how far two measured runs of a variant are apart at the same
// rate, with no model involved: the calibration run's own latencies
// against the other run's at the calibration rate. A model calibrated on
// one run cannot be expected to predict the other more closely than this
// near that rate; read it beside a [Summary].
type Gap struct {
	// RatePerSec is the calibration run's measured request rate.
	RatePerSec float64 `json:"rate_per_sec"`
	// From are the calibration run's measured figures, and Against the
	// other run's at RatePerSec: interpolated linearly between the two
	// ramp steps below saturation around it, or the nearest one's when
	// none lies on either side (Note says so). From leaves out the
	// repetitions that stood out from the others, as FromRun does (Note
	// names them).
	From    Figures `json:"from"`
	Against Figures `json:"against"`
	// Err holds the relative differences, (From − Against) / Against.
	Err  Figures `json:"err"`
	Note string  `json:"note,omitempty"`
}

// MeasureGap compares variant's measurements in from (a steady-load run,
// repetitions averaged) and against (a ramp, or another steady-load run)
// at from's rate.
func MeasureGap(from, against results.Run, variant string, opts ...Option) (Gap, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Gap{}, fmt.Errorf("calibrate: gap: %w", err)
	}
	fs, leftOut, err := steadyResults(from, variant, cfg.setting)
	if err != nil {
		return Gap{}, err
	}
	var g Gap
	var n float64
	for _, v := range fs {
		ts, err := targetsOf(v)
		if err != nil {
			return Gap{}, fmt.Errorf("calibrate: gap: %s's result in run %s: %w", variant, from.ID, err)
		}
		if v.Ramp != nil {
			return Gap{}, fmt.Errorf("calibrate: gap: %s's result in run %s is a ramp: compare from a steady-load run", variant, from.ID)
		}
		w := float64(max(v.Achieved.Requests, 1))
		n += w
		g.From.ThroughputPerSec += w * ts[0].meas.ThroughputPerSec
		g.From.P50Ms += w * ts[0].meas.P50Ms
		g.From.P99Ms += w * ts[0].meas.P99Ms
	}
	g.From = Figures{ThroughputPerSec: g.From.ThroughputPerSec / n, P50Ms: g.From.P50Ms / n, P99Ms: g.From.P99Ms / n}
	g.RatePerSec = g.From.ThroughputPerSec

	as, err := resultsOf(against, variant, cfg.setting)
	if err != nil {
		return Gap{}, err
	}
	var pts []target
	for _, v := range as {
		ts, err := targetsOf(v)
		if err != nil {
			return Gap{}, fmt.Errorf("calibrate: gap: %s's result in run %s: %w", variant, against.ID, err)
		}
		for _, t := range ts {
			if !t.saturated {
				pts = append(pts, t)
			}
		}
	}
	if len(pts) == 0 {
		return Gap{}, fmt.Errorf("calibrate: gap: %s has no measurement below saturation in run %s", variant, against.ID)
	}
	slices.SortStableFunc(pts, func(a, b target) int {
		switch {
		case a.meas.ThroughputPerSec < b.meas.ThroughputPerSec:
			return -1
		case a.meas.ThroughputPerSec > b.meas.ThroughputPerSec:
			return 1
		}
		return 0
	})
	r := g.RatePerSec
	i, _ := slices.BinarySearchFunc(pts, r, func(t target, r float64) int {
		switch {
		case t.meas.ThroughputPerSec < r:
			return -1
		case t.meas.ThroughputPerSec > r:
			return 1
		}
		return 0
	})
	switch {
	case i == 0 || i == len(pts):
		near := pts[min(i, len(pts)-1)]
		g.Against = near.meas
		g.Note = fmt.Sprintf("no measurement below saturation on both sides of %.1f req/s: compared with the nearest, %s at %.1f req/s", r, near.label, near.meas.ThroughputPerSec)
	default:
		lo, hi := pts[i-1].meas, pts[i].meas
		f := (r - lo.ThroughputPerSec) / (hi.ThroughputPerSec - lo.ThroughputPerSec)
		lerp := func(a, b float64) float64 { return a + f*(b-a) }
		g.Against = Figures{ThroughputPerSec: r, P50Ms: lerp(lo.P50Ms, hi.P50Ms), P99Ms: lerp(lo.P99Ms, hi.P99Ms)}
	}
	g.Err = Figures{
		ThroughputPerSec: relErr(g.From.ThroughputPerSec, g.Against.ThroughputPerSec),
		P50Ms:            relErr(g.From.P50Ms, g.Against.P50Ms),
		P99Ms:            relErr(g.From.P99Ms, g.Against.P99Ms),
	}
	if len(leftOut) > 0 {
		g.Note = strings.TrimPrefix(g.Note+"; from's repetitions "+leftOutText(leftOut), "; ")
	}
	return g, nil
}
