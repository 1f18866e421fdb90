package charts

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// The traffic the cost chart spans at least, in requests per second, and
// the points a curve is drawn through per decade (fine enough for the
// steps of provisioned capacity).
const (
	costMinRPS    = 0.1
	costMaxRPS    = 10_000
	costPerDecade = 120
	// maxBreakEvenLabels is how many break-even points are labelled with
	// their rate; beyond it they are only marked.
	maxBreakEvenLabels = 6
)

// estimateOf prices v as the report does: results without measured usage
// are skipped, and a result's entry component is billed as its front door.
func estimateOf(v results.VariantResult, p cost.Pricing) (cost.Estimate, bool) {
	if v.Resources == nil && v.Platform == nil {
		return cost.Estimate{}, false
	}
	var opts []cost.Option
	if v.Entry != "" {
		opts = append(opts, cost.WithEntry(v.Entry))
	}
	e, err := cost.Of(v, p, opts...)
	return e, err == nil
}

// costChart draws each priced result's modeled monthly cost against the
// average request rate, its measured rate, and where pay-per-use and
// provisioned costs break even.
func costChart(run results.Run, pal palette, cfg config) ([]figure, error) {
	gs := pal.groups(run.Variants, func(v results.VariantResult) bool {
		_, ok := estimateOf(v, cfg.pricing)
		return ok
	})
	if len(gs) == 0 {
		return nil, nil
	}
	// ests[i] prices gs[i]'s repetitions.
	ests := make([][]cost.Estimate, len(gs))
	var all []cost.Estimate
	lo, hi := costMinRPS, float64(costMaxRPS)
	for i, g := range gs {
		for _, v := range g.vs {
			e, _ := estimateOf(v, cfg.pricing)
			ests[i] = append(ests[i], e)
			all = append(all, e)
			if r := e.RequestsPerSec; r > 0 && finite(r) {
				lo, hi = min(lo, r), max(hi, r)
			}
		}
	}
	// Every pay-per-use estimate against every provisioned one, as the
	// report's break-even table pairs them.
	type crossing struct{ rps, usd float64 }
	var crossings []crossing
	for _, s := range all {
		if s.Model != cost.Serverless {
			continue
		}
		for _, p := range all {
			if p.Model != cost.Provisioned {
				continue
			}
			if rps, ok := cost.BreakEven(s, p); ok {
				crossings = append(crossings, crossing{rps, s.MonthlyAt(rps)})
				lo, hi = min(lo, rps), max(hi, rps)
			}
		}
	}
	lo, hi = decadesAround(lo, hi)

	p := newGridPlot("", "average traffic over the month (requests/s, log scale)", "USD per month (log scale)")
	sc := scales{logX: true, logY: true}
	fig := figure{}
	var ys []float64
	n := int(math.Round(math.Log10(hi/lo))) * costPerDecade
	for i, g := range gs {
		for _, e := range ests[i] {
			var pts plotter.XYs
			for k := 0; k <= n; k++ {
				r := lo * math.Pow(hi/lo, float64(k)/float64(n))
				pts = append(pts, plotter.XY{X: r, Y: e.MonthlyAt(r)})
			}
			p.Add(newLine(pts, g.style(), sc))
			for _, pt := range pts {
				if _, ok := sc.at(pt.X, pt.Y); ok {
					ys = append(ys, pt.Y)
				}
			}
			at := newPoints(plotter.XYs{{X: e.RequestsPerSec, Y: e.MonthlyUSD}},
				draw.GlyphStyle{Color: g.color, Radius: vg.Points(3.2), Shape: draw.RingGlyph{}}, sc)
			p.Add(at)
		}
		fig.add(fmt.Sprintf("%s (%s)", g.name, ests[i][0].Model), &plotter.Line{LineStyle: g.style()})
	}
	if len(ys) == 0 {
		return nil, nil
	}
	fig.add("at the measured rate", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(3.2), Shape: draw.RingGlyph{}}})
	if len(crossings) > 0 {
		var pts plotter.XYs
		var labels []string
		for _, c := range crossings {
			pts = append(pts, plotter.XY{X: c.rps, Y: c.usd})
			labels = append(labels, number(round3(c.rps))+" req/s")
		}
		marks := newPoints(pts, draw.GlyphStyle{Color: black, Radius: vg.Points(3.4), Shape: draw.PyramidGlyph{}}, sc)
		p.Add(marks)
		if len(crossings) <= maxBreakEvenLabels && len(marks.XYs) == len(labels) {
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: marks.XYs, Labels: labels})
			if err == nil {
				for k := range l.TextStyle {
					l.TextStyle[k].Font = sans(tickSize)
					l.TextStyle[k].XAlign = draw.XLeft
				}
				l.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(-10)}
				p.Add(l)
			}
		}
		fig.add("break-even: pay-per-use = provisioned", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: black, Radius: vg.Points(3.4), Shape: draw.PyramidGlyph{}}})
	}
	logAxis(&p.X, lo, hi, number)
	ylo, yhi := slices.Min(ys), slices.Max(ys)
	logAxis(&p.Y, ylo/1.5, yhi*1.5, func(v float64) string { return "$" + number(v) })
	be := ""
	if len(crossings) > 0 {
		be = ", with the rates at which pay-per-use and provisioned costs break even marked"
	}
	usage := results.Origin(groupResults(gs)) // a simulated run's usage is modeled too
	fig.chart = Chart{
		File:  "cost.png",
		Title: fmt.Sprintf("Monthly cost vs traffic (modeled: list prices × %s usage)", usage),
		Alt: fmt.Sprintf("Modeled monthly cost in USD against the average request rate (log-log) for %s, priced from each variant's %s usage%s.",
			variantList(gs), usage, be),
		Label: results.LabelModeled,
	}
	fig.tiles = []*plot.Plot{p}
	return []figure{fig}, nil
}

// round3 rounds x to 3 significant digits.
func round3(x float64) float64 {
	if x == 0 || !finite(x) {
		return x
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}
