package charts

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Font sizes, in points.
const (
	titleSize  = 11
	tileSize   = 9
	axisSize   = 9
	tickSize   = 8
	legendSize = 8
)

// Spacing, in points.
const (
	margin   vg.Length = 6
	gutter   vg.Length = 8 // between the plots and the legend
	tileGap  vg.Length = 6
	maxShare           = 0.42 // of the width the legend may take
)

// lineStyle is draw.LineStyle, named shorter.
type lineStyle = draw.LineStyle

// figure is one chart, ready to draw: its tiles stacked top to bottom and
// a legend to their right.
type figure struct {
	chart Chart
	tiles []*plot.Plot
	// tall scales the configured height; 0 means 1.
	tall   float64
	legend []legendEntry
}

// legendEntry is one line of a figure's legend; an entry without
// thumbnails is a heading.
type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

func (f *figure) add(text string, thumbs ...plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{text, thumbs})
}

func sans(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: font.Length(size)}
}

func textStyle(size float64) text.Style {
	return text.Style{Color: color.Black, Font: sans(size), Handler: plot.DefaultTextHandler}
}

// newPlot returns a tile with the house fonts and the axis labels given.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(tileSize)
	p.Title.Padding = vg.Points(3)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(axisSize)
		a.Tick.Label.Font = sans(tickSize)
		a.Tick.Length = vg.Points(4)
		a.Padding = vg.Points(2)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Label.Padding, p.Y.Label.Padding = vg.Points(2), vg.Points(2)
	return p
}

// newGridPlot is newPlot with a light grid behind the data.
func newGridPlot(title, xLabel, yLabel string) *plot.Plot {
	p := newPlot(title, xLabel, yLabel)
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe4}
	g.Horizontal.Color = color.Gray{0xe4}
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(g)
	return p
}

// png draws the figure at the configured size and encodes it.
func (f *figure) png(cfg config) (data []byte, err error) {
	defer func() {
		// gonum/plot panics on data it cannot draw; a stored run must
		// not take the report down with it.
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("plot: %v", r)
		}
	}()
	h := cfg.height
	if f.tall > 1 {
		h = vg.Length(float64(h) * f.tall)
	}
	img := vgimg.NewWith(vgimg.UseWH(cfg.width, h), vgimg.UseDPI(cfg.dpi))
	dc := draw.New(img)
	dc = draw.Crop(dc, margin, -margin, margin, -margin)

	title := textStyle(titleSize)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	dc.FillText(title, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, f.chart.Title)
	dc.Max.Y -= title.Rectangle(f.chart.Title).Size().Y + vg.Points(4)

	if len(f.legend) > 0 {
		l := plot.NewLegend()
		l.TextStyle = textStyle(legendSize)
		l.Top, l.Left = true, true
		l.ThumbnailWidth = vg.Points(18)
		l.Padding = vg.Points(1)
		var w vg.Length
		for _, e := range f.legend {
			l.Add(e.text, e.thumbs...)
			w = max(w, l.TextStyle.Width(" "+e.text))
		}
		w += l.ThumbnailWidth
		w = min(w, vg.Length(maxShare*float64(dc.Size().X)))
		lc := dc
		lc.Min.X = dc.Max.X - w
		lc.Max.Y -= vg.Points(12) // level with the first tile's data
		l.Draw(lc)
		dc.Max.X -= w + gutter
	}

	rows := make([][]*plot.Plot, len(f.tiles))
	for i, p := range f.tiles {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(f.tiles), Cols: 1, PadY: tileGap}
	canvases := plot.Align(rows, tiles, dc)
	for i, p := range f.tiles {
		p.Draw(canvases[i][0])
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// finite reports whether all of xs are numbers other than ±Inf.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// scales says which axes of a plot are logarithmic. Log axes are drawn
// linear in log10 of the data, with ticks labelled in data units: gonum's
// own LogScale places a centred axis label's glyph box at the arithmetic
// mean of the range, which shrinks the plot, and panics on values <= 0.
type scales struct{ logX, logY bool }

// at maps a data point to plot space; ok is false for a point that cannot
// be drawn (not finite, or not positive on a log axis).
func (sc scales) at(x, y float64) (plotter.XY, bool) {
	if !finite(x, y) || (sc.logX && x <= 0) || (sc.logY && y <= 0) {
		return plotter.XY{}, false
	}
	if sc.logX {
		x = math.Log10(x)
	}
	if sc.logY {
		y = math.Log10(y)
	}
	return plotter.XY{X: x, Y: y}, true
}

// y maps a height to plot space.
func (sc scales) y(y float64) float64 {
	p, _ := sc.at(1, y)
	return p.Y
}

// points maps data points to plot space, leaving out those at cannot.
func (sc scales) points(pts plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		if q, ok := sc.at(p.X, p.Y); ok {
			out = append(out, q)
		}
	}
	return out
}

// newLine returns a line through the data points pts in style s.
func newLine(pts plotter.XYs, s lineStyle, sc scales) *plotter.Line {
	return &plotter.Line{XYs: sc.points(pts), LineStyle: s}
}

// newPoints returns glyphs at the data points pts.
func newPoints(pts plotter.XYs, g draw.GlyphStyle, sc scales) *plotter.Scatter {
	return &plotter.Scatter{XYs: sc.points(pts), GlyphStyle: g}
}

// band shades the x interval [x0, x1) over the whole height of a plot.
type band struct {
	x0, x1 float64
	fill   color.Color
	edge   lineStyle
}

// Plot implements plot.Plotter.
func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := trX(b.x0), trX(b.x1)
	x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
	if x1 <= x0 {
		return
	}
	if b.fill != nil {
		c.FillPolygon(b.fill, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
	if b.edge.Color != nil && b.edge.Width > 0 {
		c.StrokeLine2(b.edge, x0, c.Min.Y, x0, c.Max.Y)
		c.StrokeLine2(b.edge, x1, c.Min.Y, x1, c.Max.Y)
	}
}

// Thumbnail implements plot.Thumbnailer.
func (b band) Thumbnail(c *draw.Canvas) {
	if b.fill != nil {
		c.FillPolygon(b.fill, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
	}
	if b.edge.Color != nil && b.edge.Width > 0 {
		c.StrokeLine2(b.edge, c.Min.X+vg.Points(2), c.Min.Y, c.Min.X+vg.Points(2), c.Max.Y)
		c.StrokeLine2(b.edge, c.Max.X-vg.Points(2), c.Min.Y, c.Max.X-vg.Points(2), c.Max.Y)
	}
}

// hline is a horizontal line at y across a plot.
type hline struct {
	y     float64
	style lineStyle
}

// Plot implements plot.Plotter.
func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	if !c.ContainsY(y) {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// DataRange implements plot.DataRanger: the line's height only.
func (h hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.y, h.y
}

// Thumbnail implements plot.Thumbnailer.
func (h hline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct {
	fill color.Color
	edge lineStyle
}

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	pad := vg.Points(1)
	pts := []vg.Point{
		{X: c.Min.X + pad, Y: c.Min.Y + pad}, {X: c.Max.X - pad, Y: c.Min.Y + pad},
		{X: c.Max.X - pad, Y: c.Max.Y - pad}, {X: c.Min.X + pad, Y: c.Max.Y - pad},
	}
	c.FillPolygon(s.fill, pts)
	if s.edge.Color != nil {
		c.StrokeLines(s.edge, append(pts, pts[0]))
	}
}

// logAxis makes a a log axis over the data range [lo, hi] (both > 0, the
// plot in log10 space: see scales), labelling the ticks with label.
func logAxis(a *plot.Axis, lo, hi float64, label func(float64) string) {
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
	a.Tick.Marker = logTicks{label}
}

// logTicks marks a log axis (in log10 space): every power of ten
// labelled, and the 2 and 5 multiples too when the axis spans less than
// 2.5 decades. An axis too short for two of those labels (a single ramp
// step's, 1.6× wide) is labelled at the multiples of the largest step of
// 1, 2 or 5 times a power of ten that gives it two at least.
type logTicks struct{ label func(float64) string }

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(min, max float64) []plot.Tick {
	if !finite(min, max) || !(max > min) {
		return nil
	}
	lo, hi := math.Pow(10, min), math.Pow(10, max)
	few := max-min < 2.5
	var ticks []plot.Tick
	labelled := 0
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		p := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * p
			if !within(v, lo, hi) {
				continue
			}
			tick := plot.Tick{Value: math.Log10(v)}
			if m == 1 || (few && (m == 2 || m == 5)) {
				tick.Label = t.label(v)
				labelled++
			}
			ticks = append(ticks, tick)
		}
	}
	if labelled >= 2 {
		return ticks
	}
	// Label the multiples of step instead, keeping the other ticks
	// unlabelled.
	vs := linearSteps(lo, hi)
	for i := range ticks {
		ticks[i].Label = ""
	}
	for _, v := range vs {
		at := math.Log10(v)
		if i := slices.IndexFunc(ticks, func(t plot.Tick) bool { return math.Abs(t.Value-at) < 1e-9 }); i >= 0 {
			ticks[i].Label = t.label(v)
			continue
		}
		ticks = append(ticks, plot.Tick{Value: at, Label: t.label(v)})
	}
	slices.SortFunc(ticks, func(a, b plot.Tick) int { return cmp.Compare(a.Value, b.Value) })
	return ticks
}

// within reports whether v is in [lo, hi], allowing for rounding.
func within(v, lo, hi float64) bool {
	return v >= lo*(1-1e-9) && v <= hi*(1+1e-9)
}

// linearSteps returns the multiples in [lo, hi] (0 < lo < hi) of the
// largest step of 1, 2 or 5 times a power of ten that has two of them at
// least.
func linearSteps(lo, hi float64) []float64 {
	for e := math.Ceil(math.Log10(hi)); e > math.Log10(hi-lo)-2; e-- {
		for _, m := range []float64{5, 2, 1} {
			var vs []float64
			for k := math.Ceil(lo / (m * math.Pow(10, e))); ; k++ {
				// k·m·10^e, computed so that 3 × 0.1 is 0.3.
				v := k * m * math.Pow(10, e)
				if e < 0 {
					v = k * m / math.Pow(10, -e)
				}
				if !within(v, lo, hi) {
					if v > hi {
						break
					}
					continue
				}
				vs = append(vs, v)
			}
			if len(vs) >= 2 {
				return vs
			}
		}
	}
	return []float64{lo, hi}
}

// number formats a tick value: thousands separated, no trailing zeros.
func number(v float64) string {
	switch {
	case v >= 1e6 && math.Mod(v, 1e6) == 0:
		return thousands(v/1e6) + "M"
	case math.Abs(v) >= 1000:
		return thousands(v)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// thousands formats a whole number with thousands separators.
func thousands(v float64) string {
	s := strconv.FormatFloat(math.Abs(math.Round(v)), 'f', 0, 64)
	var b strings.Builder
	if v <= -0.5 {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decadesAround returns the powers of ten just below lo and just above hi.
func decadesAround(lo, hi float64) (float64, float64) {
	return math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
}

// countTicks marks an axis of counts (instances, requests): gonum's
// default ticks less those between whole numbers, labelled as whole
// numbers ("250", not "250.00").
type countTicks struct{}

// Ticks implements plot.Ticker.
func (countTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = number(t.Value)
		}
		out = append(out, t)
	}
	return out
}
