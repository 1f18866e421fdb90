package charts

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
)

// example loads one of the example runs.
func example(t *testing.T, scenario string) results.Run {
	t.Helper()
	run, err := results.Read(filepath.Join("..", "results", "example", scenario, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// pixels is the size in pixels vgimg gives a length at dpi.
func pixels(l vg.Length, dpi int) int {
	return int(float64(l)/float64(vg.Inch)*float64(dpi) + 0.5)
}

// checkPNG decodes path and checks it is w pixels wide, at least h tall
// (exactly h unless tall), and has something drawn on it: many colours,
// and a fair share of pixels that are not background.
func checkPNG(t *testing.T, path string, w, h int, tall bool) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() < h || (!tall && b.Dy() != h) {
		t.Errorf("%s: %d×%d pixels, want %d×%d%s", path, b.Dx(), b.Dy(), w, h, map[bool]string{true: " or taller"}[tall])
	}
	colours := map[[4]uint8]bool{}
	inked := 0
	pix := image.NewNRGBA(b)
	draw.Draw(pix, b, img, b.Min, draw.Src)
	for i := 0; i+3 < len(pix.Pix); i += 4 {
		p := [4]uint8(pix.Pix[i : i+4])
		if len(colours) < 16 {
			colours[p] = true
		}
		if p[0] < 0xf0 || p[1] < 0xf0 || p[2] < 0xf0 {
			inked++
		}
	}
	if len(colours) < 16 {
		t.Errorf("%s: %d distinct colours, want at least 16", path, len(colours))
	}
	if share := float64(inked) / float64(b.Dx()*b.Dy()); share < 0.02 {
		t.Errorf("%s: %.1f%% of the pixels drawn, want at least 2%%", path, share*100)
	}
	return img
}

func TestRenderExamples(t *testing.T) {
	tests := []struct {
		scenario string
		want     []string
	}{
		{"steady", []string{"latency-cdf.png", "instances.png", "cost.png"}},
		{"ramp", []string{"latency-vs-load.png", "latency-cdf.png", "usl.png", "instances.png", "cost.png"}},
		{"spike", []string{"latency-cdf.png", "spike.png", "instances.png", "cost.png"}},
		{"coldstart", []string{"latency-cdf.png", "instances.png", "cost.png"}},
		{"fault", []string{"latency-cdf.png", "fault-timeline-crash-cart.png", "fault-timeline-hog-cart.png", "fault-timeline-latency-cart.png",
			"fault-timeline-crash-payment.png", "instances.png", "cost.png"}},
		{"deploy", []string{"latency-cdf.png", "fault-timeline-redeploy-cart.png", "instances.png", "cost.png"}},
	}
	w, h := pixels(DefaultWidth, DefaultDPI), pixels(DefaultHeight, DefaultDPI)
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel() // Render from several goroutines at once, under -race
			dir := t.TempDir()
			charts, err := Render(dir, example(t, tt.scenario))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range charts {
				got = append(got, c.File)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("charts %q, want %q", got, tt.want)
			}
			for _, c := range charts {
				tall := strings.HasPrefix(c.File, "fault-timeline") || c.File == "instances.png" || c.File == "spike.png"
				checkPNG(t, filepath.Join(dir, c.File), w, h, tall)
				if c.Title == "" || !strings.HasSuffix(c.Alt, ".") || strings.Contains(c.Alt, "\n") {
					t.Errorf("%s: title %q, alt %q: want a title and a one-sentence alt text", c.File, c.Title, c.Alt)
				}
				if !strings.Contains(c.Title, c.Label) {
					t.Errorf("%s: title %q does not say it is %s", c.File, c.Title, c.Label)
				}
				modeled := c.File == "usl.png" || c.File == "cost.png"
				if (c.Label == results.LabelModeled) != modeled {
					t.Errorf("%s: label %q", c.File, c.Label)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(tt.want) {
				t.Errorf("%d files in the folder, want %d (temporary files left behind?)", len(entries), len(tt.want))
			}
		})
	}
}

func TestRenderNoData(t *testing.T) {
	tests := map[string]results.Run{
		"empty run":     {},
		"bare variants": {Scenario: "steady", Variants: []results.VariantResult{{Variant: "monolith"}, {Variant: "serverless", Platform: &results.Platform{}}}},
	}
	for name, run := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "charts")
			charts, err := Render(dir, run)
			if err != nil || len(charts) != 0 {
				t.Fatalf("Render = %v, %v; want no chart and no error", charts, err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("Render made %s for no chart", dir)
			}
		})
	}
}

// lognormalCDF is a made-up latency distribution in LatencyCDF's points.
func lognormalCDF(medianMs, sigma float64) []results.Quantile {
	var qs []results.Quantile
	ps := []float64{}
	for p := 1; p <= 99; p++ {
		ps = append(ps, float64(p))
	}
	for _, p := range append(ps, 99.5, 99.9, 99.95, 99.99, 100) {
		q := p / 100
		z := math.Sqrt2 * math.Erfinv(2*min(q, 0.99999)-1)
		qs = append(qs, results.Quantile{Q: q, Ms: medianMs * math.Exp(sigma*z)})
	}
	return qs
}

func TestLatencyCDF(t *testing.T) {
	withCDF := results.VariantResult{Variant: "monolith", Label: results.LabelMeasured, LatencyCDF: lognormalCDF(2, 0.8)}
	withCDF.Total.Count = 100_000
	summary := results.VariantResult{Variant: "serverless", Label: results.LabelMeasured}
	summary.Total.Count = 5000
	summary.Total.LatencyMs = results.Percentiles{Min: 0.3, Mean: 2, P50: 1.5, P90: 4, P99: 12, P999: 40, Max: 90}

	qs, fallback := cdfPoints(withCDF)
	if fallback || len(qs) != len(withCDF.LatencyCDF) {
		t.Errorf("with a CDF: %d points, fallback %v; want the %d stored points", len(qs), fallback, len(withCDF.LatencyCDF))
	}
	qs, fallback = cdfPoints(summary)
	if !fallback || len(qs) != 6 || qs[0].Ms != 0.3 || qs[5].Ms != 90 {
		t.Errorf("without a CDF: %v, fallback %v; want the 6 summary percentiles from min to max", qs, fallback)
	}
	if qs, _ := cdfPoints(results.VariantResult{Variant: "hybrid"}); len(qs) != 0 {
		t.Errorf("no requests: %v, want no points", qs)
	}

	w, h := pixels(DefaultWidth, DefaultDPI), pixels(DefaultHeight, DefaultDPI)
	for name, vs := range map[string][]results.VariantResult{
		"stored":   {withCDF},
		"fallback": {summary},
		"both":     {withCDF, summary},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			charts, err := Render(dir, results.Run{Variants: vs})
			if err != nil {
				t.Fatal(err)
			}
			if len(charts) != 1 || charts[0].File != "latency-cdf.png" {
				t.Fatalf("charts %+v, want latency-cdf.png alone", charts)
			}
			if got, want := strings.Contains(charts[0].Alt, "summary percentiles"), name != "stored"; got != want {
				t.Errorf("alt %q mentions the summary percentiles: %v, want %v", charts[0].Alt, got, want)
			}
			checkPNG(t, filepath.Join(dir, charts[0].File), w, h, false)
		})
	}
}

func TestTailX(t *testing.T) {
	tests := []struct {
		q     float64
		count int64
		prev  float64
		want  float64
		ok    bool
	}{
		{0, 100, -1, 0, true},
		{0.9, 100, 0, 1, true},
		{0.999, 100, 2, 3, true},
		{1, 1_000_000, 4, 6, true}, // the maximum, at 1 − 1/count
		{1, 1000, 3, 0, false},     // no further than the point before
		{1, 1, 0, 0, false},
	}
	for _, tt := range tests {
		x, ok := tailX(tt.q, tt.count, tt.prev)
		if ok != tt.ok || (ok && math.Abs(x-tt.want) > 1e-9) {
			t.Errorf("tailX(%g, %d, %g) = %g, %v; want %g, %v", tt.q, tt.count, tt.prev, x, ok, tt.want, tt.ok)
		}
	}
}

func TestTimeline(t *testing.T) {
	// Every scenario records its phases on one clock, so every example's
	// series is a timeline.
	for _, sc := range []string{"steady", "spike", "fault", "deploy", "ramp", "coldstart"} {
		run := example(t, sc)
		for _, v := range run.Variants {
			if _, _, ok := timeline(run, v); !ok {
				t.Errorf("%s %s %s: not a timeline", sc, v.Variant, v.Setting)
			}
		}
	}
	// A series folded onto its first seconds (phases each counted from
	// second 0, as runs written before the one-clock fix were) is not.
	run := example(t, "fault")
	v := run.Variants[0]
	v.Series = v.Series[:2]
	if _, _, ok := timeline(run, v); ok {
		t.Errorf("a 2 s series of a %s schedule counts as a timeline", v.Requested.Duration)
	}
}

// folded returns the fault example's first result as runs written before
// faults kept their own timeline were: windows only, series folded.
func folded(t *testing.T) (results.Run, results.VariantResult) {
	run := example(t, "fault")
	v := run.Variants[0]
	f := *v.Fault
	f.Timeline, f.StartSec, f.EndSec = nil, 0, 0
	v.Fault = &f
	v.Series = v.Series[:2]
	return run, v
}

func TestFaultRows(t *testing.T) {
	run := example(t, "fault")
	v := run.Variants[0] // monolith, crash cart
	tile, ok := faultRows(run, v)
	f := v.Fault
	if !ok || !tile.second || len(tile.rows) != len(f.Timeline) {
		t.Fatalf("fault timeline: %d rows (per second %v), want one per operation (%d), second by second", len(tile.rows), tile.second, len(f.Timeline))
	}
	if !strings.HasPrefix(tile.rows[0].name, "* ") {
		t.Errorf("first row %q: want the operations that need the capability first, marked", tile.rows[0].name)
	}
	if tile.ph.before != f.StartSec || tile.ph.during != f.EndSec-f.StartSec {
		t.Errorf("windows %+v, want the fault's own, %.2f to %.2f s", tile.ph, f.StartSec, f.EndSec)
	}
	for _, r := range tile.rows {
		if len(r.cells) != len(f.Timeline[0].Requests) {
			t.Errorf("row %q: %d cells, want one per second (%d)", r.name, len(r.cells), len(f.Timeline[0].Requests))
		}
	}

	// Without a timeline: one cell per window, from the run's params.
	run, v = folded(t)
	tile, ok = faultRows(run, v)
	if !ok || tile.second || len(tile.rows) != len(v.Fault.Ops) {
		t.Fatalf("windows only: %d rows (per second %v), want one per operation (%d), none per second", len(tile.rows), tile.second, len(v.Fault.Ops))
	}
	b, d := run.Params["before_sec"].(float64), run.Params["during_sec"].(float64)
	for _, r := range tile.rows {
		if len(r.cells) != 3 || r.cells[1].x0 != b || r.cells[1].x1 != b+d {
			t.Errorf("row %q: cells %+v, want before, during [%g, %g) and after", r.name, r.cells, b, b+d)
		}
	}

	dir := t.TempDir()
	charts, err := Render(dir, example(t, "fault"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if strings.HasPrefix(c.File, "fault-timeline") && !strings.Contains(c.Alt, "second by second") {
			t.Errorf("%s: alt %q does not say it is second by second", c.File, c.Alt)
		}
		if c.File == "fault-timeline-hog-cart.png" && !strings.HasPrefix(c.Title, "CPU hog in cart's code") {
			t.Errorf("%s: title %q, want the kind of fault named", c.File, c.Title)
		}
	}
}

func TestRepetitions(t *testing.T) {
	run := example(t, "steady")
	var vs []results.VariantResult
	for rep := 1; rep <= 2; rep++ {
		for _, v := range run.Variants {
			if v.Repetition > 1 {
				continue // the example's own repetitions
			}
			v.Repetition = rep
			vs = append(vs, v)
		}
	}
	run.Variants = vs
	pal := newPalette(vs)
	gs := pal.groups(vs, func(results.VariantResult) bool { return true })
	if len(gs) != 4 {
		t.Fatalf("%d groups, want one per variant", len(gs))
	}
	for _, g := range gs {
		if len(g.vs) != 2 || !strings.Contains(g.name, "2 repetitions") || g.width() >= lineWidth {
			t.Errorf("group %q: %d results, width %v; want both repetitions, said so, drawn thinner", g.name, len(g.vs), g.width())
		}
	}
	charts, err := Render(t.TempDir(), run)
	if err != nil || len(charts) != 3 {
		t.Fatalf("Render = %d charts, %v; want 3", len(charts), err)
	}
}

func TestPalette(t *testing.T) {
	a := newPalette([]results.VariantResult{{Variant: "serverless"}, {Variant: "monolith"}})
	b := newPalette([]results.VariantResult{{Variant: "monolith"}, {Variant: "hybrid"}, {Variant: "serverless"}})
	for _, name := range []string{"monolith", "serverless"} {
		if a.color(name) != b.color(name) {
			t.Errorf("%s has a different colour in another run", name)
		}
	}
	c := newPalette([]results.VariantResult{{Variant: "a"}, {Variant: "b"}, {Variant: "monolith"}, {Variant: "b", Setting: "x"}})
	if c.color("a") == c.color("b") || c.color("a") == c.color("monolith") || c.color("b") == c.color("monolith") {
		t.Error("variants share a colour")
	}
	gs := c.groups([]results.VariantResult{{Variant: "b"}, {Variant: "b", Setting: "x"}}, func(results.VariantResult) bool { return true })
	if len(gs) != 2 || gs[0].color != gs[1].color || slices.Equal(gs[0].dashes, gs[1].dashes) {
		t.Errorf("settings of one variant: want the same colour and different dashes, got %+v", gs)
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"crash cart":                   "fault-timeline-crash-cart.png",
		"provisioned, keep-alive 1m0s": "fault-timeline-provisioned-keep-alive-1m0s.png",
		"  ../Évil/  name  ":           "fault-timeline-vil-name.png",
		"":                             "fault-timeline.png",
	}
	for in, want := range tests {
		if got := fileName("fault-timeline", in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOptions(t *testing.T) {
	run := example(t, "steady")
	dir := t.TempDir()
	w, h := 10*vg.Centimeter, 8*vg.Centimeter
	charts, err := Render(dir, run, WithSize(w, h), WithDPI(96), WithPricing(cost.Default()))
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, filepath.Join(dir, charts[0].File), pixels(w, 96), pixels(h, 96), false)

	for name, opt := range map[string]Option{
		"size":    WithSize(0, h),
		"dpi":     WithDPI(0),
		"pricing": WithPricing(cost.Pricing{}),
	} {
		if _, err := Render(t.TempDir(), run, opt); err == nil {
			t.Errorf("%s: want an error for a bad option", name)
		}
	}
}

func TestRenderUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Render(filepath.Join(file, "charts"), example(t, "steady"))
	if err == nil || !strings.Contains(err.Error(), "charts") {
		t.Errorf("Render under a file: %v, want an error", err)
	}
}

func TestNumber(t *testing.T) {
	tests := map[float64]string{0.1: "0.1", 2: "2", 500: "500", 1000: "1,000", 12345: "12,345", 1e6: "1M", 2.5e6: "2,500,000", -1234: "-1,234"}
	for v, want := range tests {
		if got := number(v); got != want {
			t.Errorf("number(%g) = %q, want %q", v, got, want)
		}
	}
}
