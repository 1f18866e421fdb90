package charts

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/archbench/archbench/results"
)

// spikeRun returns the spike example with only the named variants, each
// changed by edit when it is not nil.
func spikeRun(t *testing.T, edit func(*results.VariantResult), variants ...string) results.Run {
	t.Helper()
	run := example(t, "spike")
	var vs []results.VariantResult
	for _, v := range run.Variants {
		if !slices.Contains(variants, v.Variant) {
			continue
		}
		v.Series = slices.Clone(v.Series)
		if v.Spike != nil {
			sp := *v.Spike
			v.Spike = &sp
		}
		if edit != nil {
			edit(&v)
		}
		vs = append(vs, v)
	}
	if len(vs) != len(variants) {
		t.Fatalf("the spike example has %d of the variants %q", len(vs), variants)
	}
	run.Variants = vs
	return run
}

// failInBurst makes serverless fail requests in a second of the spike
// example's burst (seconds 4–9), as a platform that throttles does.
func failInBurst(v *results.VariantResult) {
	if v.Variant == "serverless" {
		v.Series[6].Errors = 25
	}
}

func TestSpikeChart(t *testing.T) {
	tests := []struct {
		name     string
		run      func(t *testing.T) results.Run
		want     bool   // a spike chart
		label    string // its label
		title    string // in its title
		twoTiles bool   // latency and errors, so drawn taller
	}{
		{
			name: "two variants, one failing in the burst",
			run:  func(t *testing.T) results.Run { return spikeRun(t, failInBurst, "monolith", "serverless") },
			want: true, label: results.LabelMeasured, title: "Latency and errors through the spike", twoTiles: true,
		},
		{
			name: "no errors",
			run:  func(t *testing.T) results.Run { return spikeRun(t, nil, "monolith", "microservices") },
			want: true, label: results.LabelMeasured, title: "Latency through the spike, no errors",
		},
		{
			name: "dropped iterations",
			run: func(t *testing.T) results.Run {
				return spikeRun(t, func(v *results.VariantResult) { v.Series[5].Dropped = 40 }, "monolith")
			},
			want: true, label: results.LabelMeasured, title: "Latency and errors through the spike", twoTiles: true,
		},
		{
			name: "modeled",
			run: func(t *testing.T) results.Run {
				return spikeRun(t, func(v *results.VariantResult) { failInBurst(v); v.Label = results.LabelModeled }, "monolith", "serverless")
			},
			want: true, label: results.LabelModeled, title: "Latency and errors through the spike", twoTiles: true,
		},
		{
			name: "no spike",
			run: func(t *testing.T) results.Run {
				return spikeRun(t, func(v *results.VariantResult) { v.Spike = nil }, "monolith", "serverless")
			},
		},
		{
			name: "not a timeline",
			run: func(t *testing.T) results.Run {
				// Two seconds of a 17 s schedule: folded, or cut short.
				return spikeRun(t, func(v *results.VariantResult) { v.Series = v.Series[:2] }, "monolith", "serverless")
			},
		},
	}
	w, h := pixels(DefaultWidth, DefaultDPI), pixels(DefaultHeight, DefaultDPI)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			charts, err := Render(dir, tt.run(t))
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, c := range charts {
				files = append(files, c.File)
			}
			i := slices.IndexFunc(charts, func(c Chart) bool { return c.File == "spike.png" })
			if (i >= 0) != tt.want {
				t.Fatalf("charts %q: spike.png drawn %v, want %v", files, i >= 0, tt.want)
			}
			if !tt.want {
				return
			}
			if j := slices.Index(files, "instances.png"); j >= 0 && j != i+1 {
				t.Errorf("charts %q: want spike.png right before instances.png", files)
			}
			c := charts[i]
			checkPNG(t, filepath.Join(dir, c.File), w, h, tt.twoTiles)
			if c.Label != tt.label || !strings.Contains(c.Title, "("+tt.label+")") {
				t.Errorf("label %q, title %q: want it %s, said in the title", c.Label, c.Title, tt.label)
			}
			if !strings.HasPrefix(c.Title, tt.title) || !strings.Contains(strings.ToLower(c.Title), "spike") {
				t.Errorf("title %q, want it to begin %q", c.Title, tt.title)
			}
			if !strings.HasSuffix(c.Alt, ".") || strings.Contains(c.Alt, "\n") || !strings.Contains(c.Alt, "50 ms p99 SLO") {
				t.Errorf("alt %q: want one sentence naming the SLO", c.Alt)
			}
			if got := strings.Contains(c.Alt, "dropped because"); got != (tt.name == "dropped iterations") {
				t.Errorf("alt %q says it counts dropped iterations: %v", c.Alt, got)
			}
			if tt.label == results.LabelModeled && strings.Contains(strings.ReplaceAll(c.Title+c.Alt, "measured schedule", ""), "measured") {
				t.Errorf("modeled: title %q, alt %q call it measured", c.Title, c.Alt)
			}
			// A series, measured or modeled, counts a request in the
			// second it was sent.
			if !strings.Contains(c.Alt, "the requests scheduled in each second") {
				t.Errorf("alt %q: want it to say it draws the requests scheduled in each second", c.Alt)
			}
		})
	}
}

// TestSpikeChartFigure checks what spikeChart draws: a figure for all the
// spike's results together, every repetition in its group's style, the SLO
// and burst in the legend, and a log latency axis from the lowest p99
// drawn, not from the seconds that have none.
func TestSpikeChartFigure(t *testing.T) {
	run := spikeRun(t, func(v *results.VariantResult) {
		failInBurst(v)
		v.Series[12].P99Ms, v.Series[12].Requests = 0, 0 // no request completed
	}, "monolith", "serverless")
	rep := run.Variants[1]
	rep.Repetition = 2
	run.Variants = append(run.Variants, rep)

	figs, err := spikeChart(run, newPalette(run.Variants), config{})
	if err != nil || len(figs) != 1 {
		t.Fatalf("spikeChart = %d figures, %v; want 1", len(figs), err)
	}
	fig := figs[0]
	var legend []string
	for _, e := range fig.legend {
		legend = append(legend, e.text)
	}
	for _, want := range []string{"monolith", "serverless, 2 repetitions", "p99 SLO, 50 ms", "burst, seconds 4–9", "a gap: no request completed"} {
		if !slices.Contains(legend, want) {
			t.Errorf("legend %q lacks %q", legend, want)
		}
	}
	if len(fig.tiles) != 2 || fig.tall <= 1 {
		t.Errorf("%d tiles, tall %g: want latency over errors, drawn taller", len(fig.tiles), fig.tall)
	}
	lowest := math.Inf(1)
	for _, v := range run.Variants {
		for _, s := range v.Series {
			if s.P99Ms > 0 {
				lowest = min(lowest, s.P99Ms)
			}
		}
	}
	if got, want := fig.tiles[0].Y.Min, math.Log10(lowest/1.5); math.Abs(got-want) > 1e-9 {
		t.Errorf("latency axis from 10^%g, want 10^%g (the lowest p99 drawn)", got, want)
	}
	if !strings.Contains(fig.chart.Alt, "leaves a gap") {
		t.Errorf("alt %q does not say a second without a p99 leaves a gap", fig.chart.Alt)
	}

	if figs, err := spikeChart(results.Run{}, newPalette(nil), config{}); err != nil || figs != nil {
		t.Errorf("no results: %v, %v; want no figure and no error", figs, err)
	}
}

func TestP99Runs(t *testing.T) {
	sec := func(t int64, p99 float64) results.Second { return results.Second{T: t, P99Ms: p99} }
	tests := []struct {
		name string
		s    []results.Second
		want []plotter.XYs
		gap  bool
	}{
		{"none", nil, nil, false},
		{"unbroken", []results.Second{sec(10, 2), sec(11, 3000)}, []plotter.XYs{{{X: 0, Y: 2}, {X: 1, Y: 3000}}}, false},
		{"a gap", []results.Second{sec(10, 2), sec(11, 0), sec(12, 5)}, []plotter.XYs{{{X: 0, Y: 2}}, {{X: 2, Y: 5}}}, true},
		{"gaps at the ends", []results.Second{sec(10, 0), sec(11, 4), sec(12, 4), sec(13, math.NaN())}, []plotter.XYs{{{X: 1, Y: 4}, {X: 2, Y: 4}}}, true},
		{"nothing completed", []results.Second{sec(10, 0), sec(11, 0)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gap := p99Runs(tt.s, 10)
			if gap != tt.gap || !slices.EqualFunc(got, tt.want, func(a, b plotter.XYs) bool { return slices.Equal(a, b) }) {
				t.Errorf("p99Runs = %v, gap %v; want %v, gap %v", got, gap, tt.want, tt.gap)
			}
		})
	}
}

func TestCountTicks(t *testing.T) {
	t.Parallel()
	for _, max := range []float64{1, 2.2, 7, 275, 4400} {
		ticks := countTicks{}.Ticks(0, max)
		labelled := 0
		for _, tk := range ticks {
			if tk.Value != math.Trunc(tk.Value) {
				t.Errorf("0..%g: a tick at %g, between whole numbers", max, tk.Value)
			}
			if tk.Label != "" {
				labelled++
				if strings.Contains(tk.Label, ".") {
					t.Errorf("0..%g: tick label %q, want a whole number", max, tk.Label)
				}
			}
		}
		if labelled < 1 {
			t.Errorf("0..%g: ticks %+v, want at least one labelled", max, ticks)
		}
	}
}
