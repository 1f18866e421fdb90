package charts

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/archbench/archbench/results"
)

// Heights of a fault timeline's parts, in centimetres.
const (
	rowCM   = 0.5 // one operation
	tileCM  = 1.4 // a tile's title and axis
	titleCM = 1.0 // the figure's title
)

// rateBin is a class of success rates and its colour (ColorBrewer's
// RdYlBu, colour-blind safe, healthy in blue, failing in red).
type rateBin struct {
	min   float64 // the lowest rate in the class
	label string
	fill  color.Color
	dark  bool // white text reads better on it
}

func rateBins() []rateBin {
	return []rateBin{
		{0.999, "≥ 99.9%", rgb(0xabd9e9), false},
		{0.99, "99% – 99.9%", rgb(0xffffbf), false},
		{0.9, "90% – 99%", rgb(0xfdae61), false},
		{0.5, "50% – 90%", rgb(0xd7191c), true},
		{math.Inf(-1), "< 50%", rgb(0x67001f), true},
	}
}

// notAttempted fills a cell no request was sent in.
const notAttempted rgb = 0xd0d0d0

func binOf(rate float64) rateBin {
	bins := rateBins()
	for _, b := range bins {
		if rate >= b.min {
			return b
		}
	}
	return bins[len(bins)-1]
}

// cell is one stretch of time of one row: its success rate, or none.
type cell struct {
	x0, x1    float64
	rate      float64
	attempted bool
}

// strip is one row of a fault tile: an operation, or all requests.
type strip struct {
	name  string
	cells []cell
}

// stripsPlot draws strips as rows of coloured cells, the first on top,
// writing the rate in cells wide enough for it.
type stripsPlot struct {
	rows []strip
	xMax float64
}

// Plot implements plot.Plotter.
func (s stripsPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	gap := vg.Points(0.6)
	sty := textStyle(tickSize)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	n := len(s.rows)
	for i, r := range s.rows {
		y := float64(n - 1 - i)
		y0, y1 := trY(y-0.5)+gap, trY(y+0.5)-gap
		for _, cl := range r.cells {
			x0, x1 := trX(cl.x0)+gap, trX(cl.x1)-gap
			if x1 <= x0 {
				continue
			}
			fill, dark := color.Color(notAttempted), false
			txt := "no requests"
			if cl.attempted {
				b := binOf(cl.rate)
				fill, dark = b.fill, b.dark
				txt = percent(cl.rate)
			}
			c.FillPolygon(fill, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			if sty.Width(txt)+vg.Points(4) < x1-x0 && sty.Height(txt) < y1-y0 {
				sty.Color = color.Black
				if dark {
					sty.Color = color.White
				}
				c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, txt)
			}
		}
	}
}

// DataRange implements plot.DataRanger.
func (s stripsPlot) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, s.xMax, -0.5, float64(len(s.rows)) - 0.5
}

// percent formats a success rate as the report does, without claiming
// 100 % for a rate just below it.
func percent(r float64) string {
	switch {
	case r <= 0:
		return "0%"
	case r >= 1:
		return "100%"
	case r >= 0.999:
		return fmt.Sprintf("%.2f%%", math.Floor(r*1e4)/100)
	default:
		return fmt.Sprintf("%.1f%%", math.Floor(r*1e3)/10)
	}
}

// faultTile is one result through the fault: its rows and windows.
type faultTile struct {
	title  string
	rows   []strip
	ph     phases
	hasPh  bool
	xMax   float64
	second bool // the first row is the per-second series
}

// faultRows builds v's rows: all requests per second when its series is a
// timeline, then each operation per window, those that need the capability
// first.
func faultRows(run results.Run, v results.VariantResult) (faultTile, bool) {
	if t, ok := timelineRows(v); ok {
		return t, true
	}
	t := faultTile{}
	t.ph, t.hasPh = phasesOf(run, v)
	if s, t0, ok := timeline(run, v); ok {
		r := strip{name: "all requests, per second"}
		for _, sec := range s {
			x := float64(sec.T - t0)
			r.cells = append(r.cells, cell{x0: x, x1: x + 1, attempted: sec.Requests > 0, rate: 1 - ratio(sec.Errors, sec.Requests)})
			t.xMax = max(t.xMax, x+1)
		}
		t.rows = append(t.rows, r)
		t.second = true
	}
	if t.hasPh && v.Fault != nil {
		ops := slices.Clone(v.Fault.Ops)
		slices.SortStableFunc(ops, func(a, b results.FaultOp) int {
			if a.Needs != b.Needs {
				if a.Needs {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Op, b.Op)
		})
		b, d, a := t.ph.before, t.ph.during, t.ph.after
		for _, o := range ops {
			name := o.Op
			if o.Needs {
				name = "* " + name
			}
			r := strip{name: name}
			// Availability is 0 both when every request failed and when
			// none was sent; only the second has no p99.
			add := func(x0, x1, avail, p99 float64) {
				if x1 > x0 {
					r.cells = append(r.cells, cell{x0: x0, x1: x1, rate: avail, attempted: avail > 0 || p99 > 0})
				}
			}
			add(0, b, o.AvailBefore, o.P99Before)
			add(b, b+d, o.AvailDuring, o.P99During)
			add(b+d, b+d+a, o.AvailAfter, o.P99After)
			t.rows = append(t.rows, r)
		}
		t.xMax = max(t.xMax, b+d+a)
	}
	return t, len(t.rows) > 0 && t.xMax > 0
}

// timelineRows builds v's rows from its fault's own per-operation,
// per-second timeline, when it has one: each operation second by second,
// those that need the capability first, with the fault window as recorded.
func timelineRows(v results.VariantResult) (faultTile, bool) {
	f := v.Fault
	if f == nil || len(f.Timeline) == 0 || !(f.EndSec > f.StartSec) {
		return faultTile{}, false
	}
	needs := map[string]bool{}
	for _, o := range f.Ops {
		needs[o.Op] = o.Needs
	}
	tl := slices.Clone(f.Timeline)
	slices.SortStableFunc(tl, func(a, b results.FaultTimeline) int {
		if needs[a.Op] != needs[b.Op] {
			if needs[a.Op] {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Op, b.Op)
	})
	t := faultTile{second: true}
	for _, o := range tl {
		name := o.Op
		if needs[o.Op] {
			name = "* " + name
		}
		r := strip{name: name}
		for i, n := range o.Requests {
			var errs int64
			if i < len(o.Errors) {
				errs = o.Errors[i]
			}
			x := float64(i)
			r.cells = append(r.cells, cell{x0: x, x1: x + 1, attempted: n > 0, rate: 1 - ratio(errs, n)})
			t.xMax = max(t.xMax, x+1)
		}
		t.rows = append(t.rows, r)
	}
	t.ph = phases{before: f.StartSec, during: f.EndSec - f.StartSec, after: max(t.xMax-f.EndSec, 0)}
	t.hasPh = true
	return t, len(t.rows) > 0 && t.xMax > 0
}

// faultWhat names a fault and its window, for a chart's title and legend.
func faultWhat(kind, capab string) (what, window string) {
	c := cmp.Or(capab, "a capability")
	switch kind {
	case "", "crash":
		return "Crash of " + c, "crash window (killed, then restarted)"
	case "redeploy":
		return "Rolling deploy of " + c, "rolling deploy window"
	case "latency":
		return "Latency in " + c + "'s code", "fault window (injected, then healed)"
	case "errors":
		return "Errors from " + c + "'s code", "fault window (injected, then healed)"
	case "leak":
		return "Memory leak in " + c + "'s code", "fault window (injected, then healed)"
	case "hog":
		return "CPU hog in " + c + "'s code", "fault window (injected, then healed)"
	}
	return kind + " in " + c, "fault window"
}

// ratio is n/d, or 0 when d is.
func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// faultTimelines draws one chart per fault setting (the capability crashed
// or redeployed): a tile per result, a row per operation, coloured by its
// success rate before, during and after the fault.
func faultTimelines(run results.Run, pal palette, cfg config) ([]figure, error) {
	type setting struct {
		key   string
		kind  string
		capab string
		tiles []faultTile
		vs    []results.VariantResult
	}
	var settings []*setting
	index := map[string]*setting{}
	reps, seen := map[styleKey]int{}, map[styleKey]int{}
	for _, v := range run.Variants {
		if v.Fault != nil {
			reps[keyOf(v)]++
		}
	}
	for _, v := range run.Variants {
		if v.Fault == nil {
			continue
		}
		t, ok := faultRows(run, v)
		if !ok {
			continue
		}
		key := cmp.Or(v.Setting, strings.TrimSpace(v.Fault.Kind+" "+v.Fault.Capability))
		s, found := index[key]
		if !found {
			s = &setting{key: key, kind: v.Fault.Kind, capab: v.Fault.Capability}
			index[key] = s
			settings = append(settings, s)
		}
		seen[keyOf(v)]++
		// The setting is the figure's; a tile names the variant.
		t.title = pal.name([]results.VariantResult{{Variant: v.Variant, Runtime: v.Runtime, Label: v.Label}})
		if reps[keyOf(v)] > 1 {
			t.title += fmt.Sprintf(" #%d", cmp.Or(v.Repetition, seen[keyOf(v)]))
		}
		s.tiles = append(s.tiles, t)
		s.vs = append(s.vs, v)
	}
	var figs []figure
	files := map[string]int{}
	for _, s := range settings {
		fig := faultFigure(s.key, s.kind, s.capab, s.tiles, s.vs, cfg)
		file := fileName("fault-timeline", s.key)
		if files[file]++; files[file] > 1 {
			file = strings.TrimSuffix(file, ".png") + fmt.Sprintf("-%d.png", files[file])
		}
		fig.chart.File = file
		figs = append(figs, fig)
	}
	return figs, nil
}

// faultFigure lays out one fault setting's tiles, sized to their rows.
func faultFigure(key, kind, capab string, tiles []faultTile, vs []results.VariantResult, cfg config) figure {
	label := labelOf(vs)
	what, window := faultWhat(kind, capab)
	if capab == "" {
		what = key
	}
	fig := figure{}
	edge := lineStyle{Color: black, Width: vg.Points(1.4), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
	rows, perSecond := 0, false
	for i, t := range tiles {
		xLabel := ""
		if i == len(tiles)-1 {
			xLabel = "seconds of the measured schedule"
		}
		p := newPlot(t.title, xLabel, "")
		ticks := make(plot.ConstantTicks, len(t.rows))
		for j, r := range t.rows {
			ticks[j] = plot.Tick{Value: float64(len(t.rows) - 1 - j), Label: r.name}
		}
		p.Y.Tick.Marker = ticks
		p.Y.Tick.Length, p.Y.Width, p.Y.Padding = 0, 0, 0
		p.X.Padding = 0
		p.Add(stripsPlot{rows: t.rows, xMax: t.xMax})
		if t.hasPh {
			p.Add(band{x0: t.ph.before, x1: t.ph.before + t.ph.during, edge: edge})
		}
		p.X.Min, p.X.Max = 0, t.xMax
		fig.tiles = append(fig.tiles, p)
		rows += len(t.rows)
		perSecond = perSecond || t.second
	}
	fig.add("success rate")
	for _, b := range rateBins() {
		fig.add(b.label, swatch{fill: b.fill})
	}
	fig.add("no requests sent", swatch{fill: notAttempted})
	fig.add(window, band{edge: edge})
	if capab != "" {
		fig.add("* needs " + capab)
	}
	cm := float64(vg.Centimeter)
	want := (float64(rows)*rowCM + float64(len(tiles))*tileCM + titleCM) * cm
	fig.tall = max(1, want/float64(cfg.height))
	grain := "per window (before, during, after)"
	if perSecond {
		grain = "second by second"
	}
	fig.chart = Chart{
		Title: fmt.Sprintf("%s: success rate per operation (%s)", what, label),
		Alt: fmt.Sprintf("%s under steady load: the success rate of each operation %s, one row of cells per operation and a tile per variant, with the fault window marked.",
			what, grain),
		Label: label,
	}
	return fig
}
