package charts

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/archbench/archbench/results"
)

// spikeSeries returns v's series when v ran the spike scenario (it has a
// Spike summary) and its series is a timeline (see timeline), so that its
// seconds line up with the burst.
func spikeSeries(run results.Run, v results.VariantResult) ([]results.Second, int64, bool) {
	if v.Spike == nil {
		return nil, 0, false
	}
	return timeline(run, v)
}

// p99Runs splits a series' per-second p99 latencies into runs of
// consecutive seconds that have one, x counted from t0. A second in which
// no request completed has no p99 (stored as 0); it ends a run, so the
// line breaks there rather than dropping to 0 or bridging the gap. gap
// reports whether there was such a second.
func p99Runs(s []results.Second, t0 int64) (runs []plotter.XYs, gap bool) {
	var cur plotter.XYs
	for _, sec := range s {
		if !(sec.P99Ms > 0) || !finite(sec.P99Ms) {
			gap = true
			if len(cur) > 0 {
				runs, cur = append(runs, cur), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: float64(sec.T - t0), Y: sec.P99Ms})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs, gap
}

// spikeChart draws, for every variant that ran the spike scenario, the p99
// latency of each second against the SLO (top, log scale) and the failed
// requests and dropped iterations in each second (bottom), with the burst
// shaded; the bottom tile is left out when nothing failed or was dropped.
func spikeChart(run results.Run, pal palette, _ config) ([]figure, error) {
	gs := pal.groups(run.Variants, func(v results.VariantResult) bool {
		_, _, ok := spikeSeries(run, v)
		return ok
	})
	if len(gs) == 0 {
		return nil, nil
	}
	sc := scales{logY: true}
	// A series, measured or modeled (package simrun), puts a request in
	// the second it was sent.
	label := labelOf(groupResults(gs))
	failed, failedTitle := "failed requests (bottom: no response, a 5xx or not the response expected)", "failed requests per second"
	if label == results.LabelModeled {
		failed, failedTitle = "failed or throttled requests (bottom)", "failed or throttled requests per second"
	}
	top := newGridPlot("p99 latency of the requests scheduled in each second", "seconds of the measured schedule", "p99 latency (ms, log scale)")
	bottom := newGridPlot(failedTitle, "seconds of the measured schedule", "per second")
	fig := figure{}
	// The SLOs, and whether anything failed or was dropped: the bottom
	// tile and its legend depend on it.
	var slos []float64
	anyErr, anyDropped := false, false
	for _, g := range gs {
		for _, v := range g.vs {
			if slo := v.Spike.SLOMs; slo > 0 && finite(slo) && !slices.Contains(slos, slo) {
				slos = append(slos, slo)
			}
			s, _, _ := spikeSeries(run, v)
			for _, sec := range s {
				anyErr = anyErr || sec.Errors > 0
				anyDropped = anyDropped || sec.Dropped > 0
			}
		}
	}
	bursts := spikeBursts(gs)
	shadeBursts(bursts, top, bottom)
	if anyDropped {
		bottom.Title.Text = "failed requests (solid) and dropped iterations (dotted) per second"
	}
	var xmax, emax float64
	var ys []float64
	anyGap := false
	for _, g := range gs {
		for _, v := range g.vs {
			s, t0, _ := spikeSeries(run, v)
			if n := len(s); n > 0 {
				xmax = max(xmax, float64(s[n-1].T-t0+1))
			}
			runs, gap := p99Runs(s, t0)
			anyGap = anyGap || gap
			for _, r := range runs {
				l := stepLine(r, g.style(), sc)
				top.Add(l)
				for _, pt := range r {
					ys = append(ys, pt.Y)
				}
			}
			if !anyErr && !anyDropped {
				continue
			}
			var errs, dropped plotter.XYs
			for _, sec := range s {
				x := float64(sec.T - t0)
				errs = append(errs, plotter.XY{X: x, Y: float64(sec.Errors)})
				dropped = append(dropped, plotter.XY{X: x, Y: float64(sec.Dropped)})
			}
			bottom.Add(stepLine(errs, g.style(), scales{}))
			if anyDropped {
				bottom.Add(stepLine(dropped, thinDotted(g.style()), scales{}))
			}
			for _, pt := range slices.Concat(errs, dropped) {
				emax = max(emax, pt.Y)
			}
		}
		fig.add(g.name, &plotter.Line{LineStyle: g.style()})
	}
	ys = append(ys, addSLOs(top, &fig, sc, slos)...)
	if anyDropped {
		fig.add("dotted: iterations dropped (never sent)", &plotter.Line{LineStyle: thinDotted(lineStyle{Color: black, Width: lineWidth})})
	}
	for _, b := range bursts {
		fig.add(fmt.Sprintf("burst, seconds %g–%g", b[0], b[1]), swatch{fill: burstFill})
	}
	if anyGap {
		fig.add("a gap: no request completed")
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, max(xmax, 1)
	}
	if len(ys) == 0 {
		// No second has a p99 and there is no SLO: an empty decade range
		// keeps the axis drawable.
		ys = []float64{1, 10}
	}
	logAxis(&top.Y, slices.Min(ys)/1.5, slices.Max(ys)*1.5, number)
	bottom.Y.Min, bottom.Y.Max = 0, max(emax*1.1, 1)
	bottom.Y.Tick.Marker = countTicks{}

	slo := ""
	if len(slos) == 1 {
		slo = fmt.Sprintf(" against the %s ms p99 SLO", number(slos[0]))
	} else if len(slos) > 1 {
		slo = " against each variant's p99 SLO"
	}
	gaps := ""
	if anyGap {
		gaps = "; a second in which no request completed has no p99 and leaves a gap in its line"
	}
	burst := ""
	if len(bursts) > 0 {
		burst = ", with the burst shaded"
	}
	fig.chart = Chart{File: "spike.png", Label: label}
	if anyErr || anyDropped {
		top.X.Label.Text = ""
		counted := failed
		if anyDropped {
			counted = "failed requests (bottom, solid: no response, a 5xx or not the response expected) and iterations the load generator dropped because no worker was free (bottom, dotted)"
		}
		fig.chart.Title = fmt.Sprintf("Latency and errors through the spike (%s)", label)
		fig.chart.Alt = fmt.Sprintf("The p99 latency of the requests scheduled in each second of the measured schedule (top, log scale)%s, and the %s in each second, for %s%s%s.",
			slo, counted, variantList(gs), burst, gaps)
		fig.tiles = []*plot.Plot{top, bottom}
		fig.tall = 1.3
	} else {
		fig.chart.Title = fmt.Sprintf("Latency through the spike, no errors (%s)", label)
		fig.chart.Alt = fmt.Sprintf("The p99 latency of the requests scheduled in each second of the measured schedule (log scale)%s, for %s%s; no request failed and no iteration was dropped%s.",
			slo, variantList(gs), burst, gaps)
		fig.tiles = []*plot.Plot{top}
	}
	return []figure{fig}, nil
}
