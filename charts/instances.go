package charts

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/archbench/archbench/results"
)

// burstFill shades a spike's burst.
const burstFill rgb = 0xe6e6e6

// platformSeries returns v's series when v runs on a function platform,
// its series is a timeline (see timeline) and the platform counted an
// instance or a cold start in it.
func platformSeries(run results.Run, v results.VariantResult) ([]results.Second, int64, bool) {
	if v.Platform == nil {
		return nil, 0, false
	}
	s, t0, ok := timeline(run, v)
	if !ok {
		return nil, 0, false
	}
	for _, sec := range s {
		if sec.Instances > 0 || sec.ColdStarts > 0 {
			return s, t0, true
		}
	}
	return nil, 0, false
}

// spikeBursts returns the distinct bursts of the groups' spikes, each as
// [start, end) in seconds of the measured schedule: Spike counts them so,
// as the x axes of the charts over time run.
func spikeBursts(gs []group) [][2]float64 {
	var bursts [][2]float64
	for _, g := range gs {
		for _, v := range g.vs {
			if sp := v.Spike; sp != nil && sp.EndSec > sp.StartSec {
				b := [2]float64{float64(sp.StartSec), float64(sp.EndSec)}
				if !slices.Contains(bursts, b) {
					bursts = append(bursts, b)
				}
			}
		}
	}
	return bursts
}

// shadeBursts shades each burst on every plot; added before the lines, it
// lies under them.
func shadeBursts(bursts [][2]float64, ps ...*plot.Plot) {
	for _, b := range bursts {
		for _, p := range ps {
			p.Add(band{x0: b[0], x1: b[1], fill: burstFill})
		}
	}
}

// steps draws per-second counts as a step line: each second's count held
// from its start to the next.
func steps(pts plotter.XYs) plotter.XYs {
	if len(pts) == 0 {
		return pts
	}
	last := pts[len(pts)-1]
	return append(pts, plotter.XY{X: last.X + 1, Y: last.Y})
}

// instancesChart draws, for every variant on a function platform, the
// instances that existed and the cold starts in each second, with a
// spike's burst shaded.
func instancesChart(run results.Run, pal palette, _ config) ([]figure, error) {
	gs := pal.groups(run.Variants, func(v results.VariantResult) bool {
		_, _, ok := platformSeries(run, v)
		return ok
	})
	if len(gs) == 0 {
		return nil, nil
	}
	top := newGridPlot("function instances (the most that existed in each second)", "seconds of the measured schedule", "instances")
	bottom := newGridPlot("cold starts (responses from a fresh instance, per second)", "seconds of the measured schedule", "cold starts")
	fig := figure{}
	bursts := spikeBursts(gs)
	shadeBursts(bursts, top, bottom)
	busy, anyCold := false, false
	for _, g := range gs {
		for _, v := range g.vs {
			s, _, _ := platformSeries(run, v)
			for _, sec := range s {
				busy = busy || sec.BusyInstances > 0
				anyCold = anyCold || sec.ColdStarts > 0
			}
		}
	}
	var xmax, imax, cmax float64
	for _, g := range gs {
		for _, v := range g.vs {
			s, t0, _ := platformSeries(run, v)
			var inst, live, cold plotter.XYs
			for _, sec := range s {
				x := float64(sec.T - t0)
				inst = append(inst, plotter.XY{X: x, Y: float64(sec.Instances)})
				live = append(live, plotter.XY{X: x, Y: float64(sec.BusyInstances)})
				cold = append(cold, plotter.XY{X: x, Y: float64(sec.ColdStarts)})
			}
			// The platform may not have counted the last second yet when
			// its account was fetched: a drop to none there is no
			// measurement.
			if n := len(inst); n > 1 && inst[n-1].Y == 0 && inst[n-2].Y > 0 {
				inst, live = inst[:n-1], live[:n-1]
			}
			li := stepLine(inst, g.style(), scales{})
			top.Add(li)
			if busy {
				top.Add(stepLine(live, thinDotted(g.style()), scales{}))
			}
			lc := stepLine(cold, g.style(), scales{})
			bottom.Add(lc)
			for _, pt := range li.XYs {
				xmax, imax = max(xmax, pt.X), max(imax, pt.Y)
			}
			for _, pt := range lc.XYs {
				xmax, cmax = max(xmax, pt.X), max(cmax, pt.Y)
			}
		}
		fig.add(g.name, &plotter.Line{LineStyle: g.style()})
	}
	if busy {
		fig.add("dotted: instances busy serving", &plotter.Line{LineStyle: thinDotted(lineStyle{Color: black, Width: lineWidth})})
	}
	for _, b := range bursts {
		fig.add(fmt.Sprintf("burst, seconds %g–%g", b[0], b[1]), swatch{fill: burstFill})
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, max(xmax, 1)
	}
	top.Y.Min, top.Y.Max = 0, max(imax*1.1, 1)
	bottom.Y.Min, bottom.Y.Max = 0, max(cmax*1.1, 1)
	top.Y.Tick.Marker, bottom.Y.Tick.Marker = countTicks{}, countTicks{}
	label := labelOf(groupResults(gs))
	spike := ""
	if len(bursts) > 0 {
		spike = ", with the burst shaded"
	}
	fig.chart = Chart{File: "instances.png", Label: label}
	if anyCold {
		top.X.Label.Text = ""
		fig.chart.Title = fmt.Sprintf("Function instances and cold starts over time (%s)", label)
		fig.chart.Alt = fmt.Sprintf("Function instances (top) and cold starts (bottom) in each second of the measured schedule for %s, as the platform counted them%s.",
			variantList(gs), spike)
		fig.tiles = []*plot.Plot{top, bottom}
		fig.tall = 1.3
	} else {
		fig.chart.Title = fmt.Sprintf("Function instances over time, no cold starts (%s)", label)
		fig.chart.Alt = fmt.Sprintf("Function instances in each second of the measured schedule for %s, as the platform counted them%s; there was no cold start.",
			variantList(gs), spike)
		fig.tiles = []*plot.Plot{top}
	}
	return []figure{fig}, nil
}

// stepLine draws per-second values as a step line: each second's value
// held from its start to the next.
func stepLine(pts plotter.XYs, st lineStyle, sc scales) *plotter.Line {
	l := newLine(steps(pts), st, sc)
	l.StepStyle = plotter.PostStep
	return l
}

// thinDotted is st thinner and dotted: a second line of a group beside
// its main one, such as the instances busy beside those that exist.
func thinDotted(st lineStyle) lineStyle {
	st.Width *= 0.7
	st.Dashes = busyDashes()
	return st
}

// busyDashes draws the instances busy serving.
func busyDashes() []vg.Length { return []vg.Length{vg.Points(2), vg.Points(2)} }
