package charts

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/archbench/archbench/results"
)

// p50Dashes draws the median where the 99th percentile is solid.
func p50Dashes() []vg.Length { return []vg.Length{vg.Points(3), vg.Points(2)} }

// sloStyle draws a latency objective.
func sloStyle() lineStyle {
	return lineStyle{Color: grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
}

func hasRamp(v results.VariantResult) bool { return v.Ramp != nil && len(v.Ramp.Steps) > 0 }

// latencyVsLoad draws each ramp's p50 and p99 against its steps' offered
// rate, with the SLO the ramp judged the knee by.
func latencyVsLoad(run results.Run, pal palette, _ config) ([]figure, error) {
	gs := pal.groups(run.Variants, hasRamp)
	if len(gs) == 0 {
		return nil, nil
	}
	label := labelOf(groupResults(gs))
	p := newGridPlot("", "offered load (journeys/s, log scale)", "latency (ms, log scale)")
	sc := scales{logX: true, logY: true}
	var xs, ys []float64
	var slos []float64
	fig := figure{}
	for _, g := range gs {
		for _, v := range g.vs {
			var p50, p99 plotter.XYs
			for _, s := range v.Ramp.Steps {
				p50 = append(p50, plotter.XY{X: s.OfferedPerSec, Y: s.P50Ms})
				p99 = append(p99, plotter.XY{X: s.OfferedPerSec, Y: s.P99Ms})
			}
			s := g.style()
			l99 := newLine(p99, s, sc)
			s.Dashes, s.Width = p50Dashes(), s.Width*0.8
			l50 := newLine(p50, s, sc)
			dot := draw.GlyphStyle{Color: g.color, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
			ring := draw.GlyphStyle{Color: g.color, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}
			p.Add(l50, l99, &plotter.Scatter{XYs: l50.XYs, GlyphStyle: ring}, &plotter.Scatter{XYs: l99.XYs, GlyphStyle: dot})
			for _, pt := range slices.Concat(p50, p99) {
				if _, ok := sc.at(pt.X, pt.Y); ok {
					xs, ys = append(xs, pt.X), append(ys, pt.Y)
				}
			}
			if slo := v.Ramp.SLOMs; slo > 0 && finite(slo) && !slices.Contains(slos, slo) {
				slos = append(slos, slo)
			}
		}
		fig.add(g.name, &plotter.Line{LineStyle: g.style()})
	}
	if len(xs) == 0 {
		return nil, nil
	}
	fig.add("p99 (solid, filled dots)", &plotter.Line{LineStyle: lineStyle{Color: black, Width: lineWidth}},
		&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}})
	fig.add("p50 (dashed, rings)", &plotter.Line{LineStyle: lineStyle{Color: black, Width: lineWidth * 0.8, Dashes: p50Dashes()}},
		&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}})
	ys = append(ys, addSLOs(p, &fig, sc, slos)...)
	logAxis(&p.X, slices.Min(xs)/1.25, slices.Max(xs)*1.25, number)
	logAxis(&p.Y, slices.Min(ys)/1.5, slices.Max(ys)*1.5, number)
	slo := ""
	if len(slos) == 1 {
		slo = fmt.Sprintf(", with the %s ms p99 SLO", number(slos[0]))
	}
	fig.chart = Chart{
		File:  "latency-vs-load.png",
		Title: fmt.Sprintf("Latency vs offered load, per ramp step (%s)", label),
		Alt: fmt.Sprintf("p50 and p99 latency (log scale) against the offered load of each ramp step for %s%s.",
			variantList(gs), slo),
		Label: label,
	}
	fig.tiles = []*plot.Plot{p}
	return []figure{fig}, nil
}

// cdfPoints returns v's latency distribution: LatencyCDF, or, for a run
// stored before it was recorded, the summary percentiles of Total (fallback).
func cdfPoints(v results.VariantResult) (qs []results.Quantile, fallback bool) {
	for _, q := range v.LatencyCDF {
		if finite(q.Q, q.Ms) && q.Q >= 0 && q.Q <= 1 && q.Ms > 0 {
			qs = append(qs, q)
		}
	}
	if len(qs) > 0 || len(v.LatencyCDF) > 0 {
		return qs, false
	}
	if v.Total.Count == 0 {
		return nil, false
	}
	l := v.Total.LatencyMs
	for _, q := range []results.Quantile{{Q: 0, Ms: l.Min}, {Q: 0.5, Ms: l.P50}, {Q: 0.9, Ms: l.P90}, {Q: 0.99, Ms: l.P99}, {Q: 0.999, Ms: l.P999}, {Q: 1, Ms: l.Max}} {
		if finite(q.Ms) && q.Ms > 0 {
			qs = append(qs, q)
		}
	}
	return qs, true
}

// tailX places quantile q on the percentile axis, −log10(1−q), which gives
// 90 %, 99 % and 99.9 % equal room. The maximum (q = 1) goes at 1 − 1/count,
// where the histogram would put it, or is left out (ok false) when that
// does not lie past the point before it, prev.
func tailX(q float64, count int64, prev float64) (x float64, ok bool) {
	if q < 1 {
		return -math.Log10(1 - q), true
	}
	if count < 2 {
		return 0, false
	}
	x = math.Log10(float64(count))
	return x, x > prev
}

// percentileTicks label the percentile axis up to xmax.
func percentileTicks(xmax float64) plot.ConstantTicks {
	ticks := plot.ConstantTicks{{Value: 0}, {Value: math.Log10(2), Label: "50%"}, {Value: 1, Label: "90%"}}
	labels := []string{"99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	for i, l := range labels {
		x := float64(i + 2)
		if x > xmax+1e-9 {
			break
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: l})
	}
	return ticks
}

// latencyCDF draws each result's latency distribution, HdrHistogram-style:
// latency (log scale) up the side, the percentile along the bottom on a
// scale that stretches the tail.
func latencyCDF(run results.Run, pal palette, _ config) ([]figure, error) {
	gs := pal.groups(run.Variants, func(v results.VariantResult) bool {
		qs, _ := cdfPoints(v)
		return len(qs) > 0
	})
	if len(gs) == 0 {
		return nil, nil
	}
	label := labelOf(groupResults(gs))
	p := newGridPlot("", "percentile of requests (tail stretched)", "latency (ms, log scale)")
	sc := scales{logY: true}
	var ys []float64
	xmax := 3.0 // 99.9 % at least
	fig := figure{}
	anyFallback := false
	for _, g := range gs {
		groupFallback := false
		for _, v := range g.vs {
			qs, fallback := cdfPoints(v)
			groupFallback = groupFallback || fallback
			var pts plotter.XYs
			prev := -1.0
			for _, q := range qs {
				x, ok := tailX(q.Q, v.Total.Count, prev)
				if !ok {
					continue
				}
				pts = append(pts, plotter.XY{X: x, Y: q.Ms})
				prev = x
			}
			l := newLine(pts, g.style(), sc)
			p.Add(l)
			if fallback {
				p.Add(&plotter.Scatter{XYs: l.XYs, GlyphStyle: draw.GlyphStyle{Color: g.color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}})
			}
			for _, pt := range pts {
				if _, ok := sc.at(pt.X, pt.Y); ok {
					ys = append(ys, pt.Y)
					xmax = max(xmax, pt.X)
				}
			}
		}
		fig.add(g.name, &plotter.Line{LineStyle: g.style()})
		anyFallback = anyFallback || groupFallback
	}
	if len(ys) == 0 {
		return nil, nil
	}
	if anyFallback {
		fig.add("dots: summary percentiles only", &plotter.Line{LineStyle: lineStyle{Color: black, Width: lineWidth}},
			&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}})
	}
	p.X.Min, p.X.Max = 0, math.Ceil(xmax*2)/2
	p.X.Tick.Marker = percentileTicks(p.X.Max)
	logAxis(&p.Y, slices.Min(ys)/1.3, slices.Max(ys)*1.3, number)
	origin := results.Origin(groupResults(gs))
	alt := fmt.Sprintf("Latency distribution of every %s request for %s: latency (log scale) at each percentile, on an axis that gives 90%%, 99%% and 99.9%% equal room.", origin, variantList(gs))
	if anyFallback {
		alt = fmt.Sprintf("Latency distribution of every %s request for %s: latency (log scale) at each percentile, on an axis that gives 90%%, 99%% and 99.9%% equal room; runs without a stored distribution show their summary percentiles only.", origin, variantList(gs))
	}
	fig.chart = Chart{
		File:  "latency-cdf.png",
		Title: fmt.Sprintf("Latency by percentile, all requests (%s)", label),
		Alt:   alt,
		Label: label,
	}
	fig.tiles = []*plot.Plot{p}
	return []figure{fig}, nil
}

// addSLOs draws each p99 SLO (ms) across p, in order, with a legend entry
// in fig, and returns them sorted: values the latency axis must reach.
func addSLOs(p *plot.Plot, fig *figure, sc scales, slos []float64) []float64 {
	slos = slices.Sorted(slices.Values(slos))
	for _, slo := range slos {
		h := hline{sc.y(slo), sloStyle()}
		p.Add(h)
		fig.add(fmt.Sprintf("p99 SLO, %s ms", number(slo)), h)
	}
	return slos
}
