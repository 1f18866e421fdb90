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
	"github.com/archbench/archbench/usl"
)

// curvePoints is how many points draw a fitted curve.
const curvePoints = 200

// fitOf returns v's scalability model, when its ramp has a usable fit.
func fitOf(v results.VariantResult) (*results.USLFit, usl.Model, bool) {
	if !hasRamp(v) || v.Ramp.Fit == nil {
		return nil, usl.Model{}, false
	}
	f := v.Ramp.Fit
	m := usl.Model{Lambda: f.Lambda, Sigma: f.Sigma, Kappa: f.Kappa}
	ok := f.Error == "" && f.Lambda > 0 && f.UnitConcurrency > 0 && f.Sigma >= 0 && f.Kappa >= 0 &&
		finite(f.Lambda, f.Sigma, f.Kappa, f.UnitConcurrency)
	return f, m, ok
}

// uslChart draws each ramp's measured throughput against its concurrency,
// with the Universal Scalability Law fitted to them and its peak.
func uslChart(run results.Run, pal palette, _ config) ([]figure, error) {
	gs := pal.groups(run.Variants, func(v results.VariantResult) bool {
		_, _, ok := fitOf(v)
		return ok
	})
	if len(gs) == 0 {
		return nil, nil
	}
	p := newGridPlot("", "concurrency (requests in flight, log scale)", "throughput (requests/s, log scale)")
	sc := scales{logX: true, logY: true}
	fig := figure{}
	var xs, ys []float64
	// The peaks go on top of every curve.
	var peaks []plot.Plotter
	for _, g := range gs {
		for _, v := range g.vs {
			f, m, _ := fitOf(v)
			var pts plotter.XYs
			for _, s := range v.Ramp.Steps {
				pts = append(pts, plotter.XY{X: s.Concurrency, Y: s.RequestsPerSec})
			}
			dots := newPoints(pts, draw.GlyphStyle{Color: g.color, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}, sc)
			if len(dots.XYs) == 0 {
				continue
			}
			lo, hi := f.UnitConcurrency, f.UnitConcurrency
			for _, pt := range pts {
				if _, ok := sc.at(pt.X, pt.Y); ok {
					xs, ys = append(xs, pt.X), append(ys, pt.Y)
					hi = max(hi, pt.X)
				}
			}
			hasPeak := f.PeakConcurrency > 0 && f.PeakRequestsPerSec > 0 && finite(f.PeakConcurrency, f.PeakRequestsPerSec)
			if hasPeak && f.PeakConcurrency <= 10*hi {
				hi = max(hi, f.PeakConcurrency*1.5)
			}
			var curve plotter.XYs
			for i := range curvePoints {
				c := lo * math.Pow(hi/lo, float64(i)/(curvePoints-1))
				curve = append(curve, plotter.XY{X: c, Y: m.Throughput(c / f.UnitConcurrency)})
			}
			p.Add(newLine(curve, g.style(), sc), dots)
			for _, pt := range curve {
				if _, ok := sc.at(pt.X, pt.Y); ok {
					xs, ys = append(xs, pt.X), append(ys, pt.Y)
				}
			}
			if hasPeak && f.PeakConcurrency <= hi {
				peaks = append(peaks, newPoints(plotter.XYs{{X: f.PeakConcurrency, Y: f.PeakRequestsPerSec}},
					draw.GlyphStyle{Color: g.color, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}}, sc))
				ys = append(ys, f.PeakRequestsPerSec)
			}
		}
		fig.add(g.name, &plotter.Line{LineStyle: g.style()},
			&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: g.color, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}})
	}
	if len(xs) == 0 {
		return nil, nil
	}
	p.Add(peaks...)
	fig.add("measured: one dot per ramp step", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}})
	fig.add("modeled: Universal Scalability Law fit", &plotter.Line{LineStyle: lineStyle{Color: grey, Width: lineWidth}})
	if len(peaks) > 0 {
		fig.add("modeled peak", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: grey, Radius: vg.Points(4), Shape: draw.PyramidGlyph{}}})
	}
	logAxis(&p.X, slices.Min(xs)/1.3, slices.Max(xs)*1.3, number)
	logAxis(&p.Y, slices.Min(ys)/1.3, slices.Max(ys)*1.3, number)
	fig.chart = Chart{
		File:  "usl.png",
		Title: "Throughput vs concurrency: steps measured, USL fit modeled",
		Alt: fmt.Sprintf("Measured throughput against concurrency at each ramp step for %s (log-log), with the Universal Scalability Law fitted to them and its predicted peak, both modeled.",
			variantList(gs)),
		Label: results.LabelModeled,
	}
	fig.tiles = []*plot.Plot{p}
	return []figure{fig}, nil
}
