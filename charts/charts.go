// Package charts draws a stored run (results.Run) as PNG charts for the
// report: latency against offered load, the latency distribution, the
// scalability fit, fault isolation over time, latency and errors through a
// spike, function instances over time, and the modeled monthly cost against
// traffic.
//
// Drawing only reads the run, as package report does: every figure comes
// from results.json (and, for the cost chart, a pricing table), so the
// charts can be redrawn from a stored run at any time. A chart the run has
// no data for is not drawn, rather than drawn empty. Each chart says in its
// title whether what it shows is measured, modeled, or both.
//
// A variant keeps its colour in every chart (Okabe–Ito's colour-blind safe
// palette); its settings differ by dash pattern; its repetitions are each
// drawn, thinner, in the same colour and style.
package charts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/internal/atomicfile"
	"github.com/archbench/archbench/results"
)

// Chart is one chart Render wrote.
type Chart struct {
	// File is the chart's base name in the folder Render wrote to, such
	// as "latency-cdf.png".
	File string
	// Title is the chart's title, as drawn on it.
	Title string
	// Alt describes the chart in one sentence, for the Markdown alt text.
	Alt string
	// Label is results.LabelMeasured or results.LabelModeled: modeled when
	// any figure drawn is (the title then says which are).
	Label string
}

// Option configures Render.
type Option func(*config)

type config struct {
	width, height vg.Length
	dpi           int
	pricing       cost.Pricing
}

// Default size and resolution: 16 × 9 cm at 150 dots per inch, 945 × 531
// pixels.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 9 * vg.Centimeter
	DefaultDPI    = 150
)

// WithSize sets the size of a chart (default DefaultWidth × DefaultHeight).
// Tiled charts, such as the fault timelines with one tile per variant, grow
// taller than height with their tiles.
func WithSize(width, height vg.Length) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// WithDPI sets the resolution in dots per inch (default DefaultDPI).
func WithDPI(dpi int) Option {
	return func(c *config) { c.dpi = dpi }
}

// WithPricing sets the prices the cost chart uses (default cost.Default()).
func WithPricing(p cost.Pricing) Option {
	return func(c *config) { c.pricing = p }
}

func (c config) validate() error {
	var errs []error
	if !(c.width > 0) || !(c.height > 0) {
		errs = append(errs, fmt.Errorf("WithSize: the width and height must be > 0, but are %v and %v", c.width, c.height))
	}
	if c.dpi <= 0 {
		errs = append(errs, fmt.Errorf("WithDPI: the resolution must be > 0, but is %d", c.dpi))
	}
	if err := c.pricing.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("WithPricing: %w", err))
	}
	return errors.Join(errs...)
}

// drawer draws one kind of chart: none, one or several.
type drawer func(run results.Run, pal palette, cfg config) ([]figure, error)

// Render writes every chart run has data for into dir, creating dir when
// needed, and returns them in report order: latency against offered load
// and the scalability fit (ramp runs), the latency distribution, the fault
// timelines (fault and deploy runs, one chart per capability), latency and
// errors through the spike (spike runs), function instances over time, and
// the modeled cost against monthly traffic. A run with no data for any
// chart gives none and no error.
func Render(dir string, run results.Run, opts ...Option) ([]Chart, error) {
	cfg := config{width: DefaultWidth, height: DefaultHeight, dpi: DefaultDPI, pricing: cost.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	pal := newPalette(run.Variants)
	var figs []figure
	// The charts, in report order.
	for _, d := range []drawer{latencyVsLoad, latencyCDF, uslChart, faultTimelines, spikeChart, instancesChart, costChart} {
		fs, err := d(run, pal, cfg)
		if err != nil {
			return nil, fmt.Errorf("charts: %w", err)
		}
		figs = append(figs, fs...)
	}
	if len(figs) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	out := make([]Chart, 0, len(figs))
	for _, f := range figs {
		png, err := f.png(cfg)
		if err != nil {
			return nil, fmt.Errorf("charts: draw %s: %w", f.chart.File, err)
		}
		path := filepath.Join(dir, f.chart.File)
		if err := atomicfile.Write(path, png); err != nil {
			return nil, fmt.Errorf("charts: write %s: %w", path, err)
		}
		out = append(out, f.chart)
	}
	return out, nil
}

// fileName makes a file name of prefix and a free-form name: lower case
// letters, digits and single hyphens.
func fileName(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	hyphen := true
	if name != "" {
		b.WriteByte('-')
	}
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case !hyphen:
			b.WriteByte('-')
			hyphen = true
		}
	}
	return strings.TrimSuffix(b.String(), "-") + ".png"
}

// labelOf is the label of a chart drawing vs: modeled when any of them is.
func labelOf(vs []results.VariantResult) string {
	for _, v := range vs {
		if v.Label == results.LabelModeled {
			return results.LabelModeled
		}
	}
	return results.LabelMeasured
}
