package compare

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/stats"
)

// noise returns a small deterministic wobble for repetition rep of a
// variant: ±3 % at most, different for each repetition.
func noise(rep int) float64 {
	return 1 + 0.03*math.Sin(float64(rep)*2.1+0.4)
}

// steadyRun returns a steady run of reps repetitions per variant,
// interleaved; tweak may change any result.
func steadyRun(id string, reps int, tweak func(v *results.VariantResult)) results.Run {
	run := results.Run{ID: id, Scenario: "steady", Profile: "quick",
		Machine: results.Machine{OS: "linux", Arch: "amd64", CPUs: 2, CPUModel: "AMD EPYC"}}
	base := map[string]float64{"monolith": 2, "microservices": 5}
	for rep := 1; rep <= reps; rep++ {
		for _, name := range []string{"monolith", "microservices"} {
			b := base[name] * noise(rep+len(name))
			v := results.VariantResult{
				Variant: name, Runtime: "process", Repetition: rep, Label: results.LabelMeasured,
				Achieved: results.Throughput{RequestsPerSec: 500 * noise(rep*3+len(name))},
				Total: results.OpStats{Name: "total", Count: 10000, ErrorRate: 0,
					LatencyMs: results.Percentiles{P50: b, P99: 10 * b}},
			}
			if tweak != nil {
				tweak(&v)
			}
			run.Variants = append(run.Variants, v)
		}
	}
	return run
}

func TestCompareSelf(t *testing.T) {
	for _, reps := range []int{2, 5} {
		run := steadyRun("r1", reps, nil)
		c := Compare(run, run)
		if len(c.Changes) != 8 || len(c.OnlyOld)+len(c.OnlyNew) != 0 || len(c.Notes) != 0 {
			t.Fatalf("%d reps: %d changes, %d+%d unmatched, notes %q", reps, len(c.Changes), len(c.OnlyOld), len(c.OnlyNew), c.Notes)
		}
		for _, ch := range c.Changes {
			if ch.Verdict != Unchanged || ch.Significant || ch.P != 1 || ch.DeltaPct != 0 {
				t.Errorf("%d reps: %s %s: %+v, want no significant change", reps, ch.Key, ch.Name, ch)
			}
		}
		if c.Changed() != 0 {
			t.Errorf("%d reps: Changed = %d", reps, c.Changed())
		}
	}
}

func TestCompareShifted(t *testing.T) {
	monolith := figures.Key{Variant: "monolith", Runtime: "process"}
	tests := []struct {
		name    string
		tweak   func(v *results.VariantResult)
		opts    []stats.Option
		figure  string
		want    Verdict
		delta   float64 // about, in percent
		changed int
	}{{
		name: "p99 up 50%",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Total.LatencyMs.P99 *= 1.5
			}
		},
		figure: figures.P99, want: Worse, delta: 50, changed: 1,
	}, {
		name: "p99 up 50%, Mann-Whitney",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Total.LatencyMs.P99 *= 1.5
			}
		},
		opts:   []stats.Option{stats.WithTest(stats.MannWhitney)},
		figure: figures.P99, want: Worse, delta: 50, changed: 1,
	}, {
		name: "throughput up 20%",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Achieved.RequestsPerSec *= 1.2
			}
		},
		figure: figures.Throughput, want: Better, delta: 20, changed: 1,
	}, {
		name: "p50 down 30%",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Total.LatencyMs.P50 *= 0.7
			}
		},
		figure: figures.P50, want: Better, delta: -30, changed: 1,
	}, {
		name: "errors from none",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Total.ErrorRate = 0.02 + 0.001*float64(v.Repetition)
			}
		},
		figure: figures.ErrorRate, want: Worse, delta: math.Inf(1), changed: 1,
	}, {
		name: "p99 up 1%: noise",
		tweak: func(v *results.VariantResult) {
			if v.Variant == "monolith" {
				v.Total.LatencyMs.P99 *= 1.01
			}
		},
		figure: figures.P99, want: Unchanged, delta: 1, changed: 0,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(steadyRun("old", 5, nil), steadyRun("new", 5, tt.tweak), tt.opts...)
			var got *Change
			for i, ch := range c.Changes {
				if ch.Key == monolith && ch.Name == tt.figure {
					got = &c.Changes[i]
				}
			}
			if got == nil {
				t.Fatalf("no change for monolith %s", tt.figure)
			}
			if got.Verdict != tt.want || got.Significant != (tt.want != Unchanged) {
				t.Errorf("verdict %q (p %.4f, significant %v), want %q", got.Verdict, got.P, got.Significant, tt.want)
			}
			if math.IsInf(tt.delta, 0) && got.DeltaPct != tt.delta || !math.IsInf(tt.delta, 0) && math.Abs(got.DeltaPct-tt.delta) > 1 {
				t.Errorf("delta %.2f%%, want about %.0f%%", got.DeltaPct, tt.delta)
			}
			if c.Changed() != tt.changed {
				t.Errorf("Changed = %d, want %d", c.Changed(), tt.changed)
			}
			if len(got.OldSamples) != 5 || len(got.NewSamples) != 5 {
				t.Errorf("samples %v, %v: want 5 each", got.OldSamples, got.NewSamples)
			}
		})
	}
}

func TestCompareSingle(t *testing.T) {
	old := steadyRun("old", 1, nil)
	c := Compare(old, steadyRun("new", 1, func(v *results.VariantResult) { v.Total.LatencyMs.P99 *= 3 }))
	for _, ch := range c.Changes {
		if ch.Verdict != TooFew || ch.Significant {
			t.Errorf("%s %s: %q, want %q", ch.Key, ch.Name, ch.Verdict, TooFew)
		}
	}
	// One side repeated, the other not: still too few.
	c = Compare(old, steadyRun("new", 5, nil))
	for _, ch := range c.Changes {
		if ch.Verdict != TooFew {
			t.Errorf("1 v 5: %s %s: %q, want %q", ch.Key, ch.Name, ch.Verdict, TooFew)
		}
	}
}

func TestCompareUnmatched(t *testing.T) {
	old := steadyRun("old", 3, func(v *results.VariantResult) {
		v.Ramp = &results.RampSummary{Steps: []results.RampStep{{}}, MaxRequestsPerSec: 900}
	})
	old.Params = map[string]any{"rate_per_sec": 200.0, "mix": "default"}
	cur := steadyRun("new", 3, nil)
	cur.Scenario = "ramp"
	cur.Params = map[string]any{"rate_per_sec": 400.0, "factor": 2.0}
	cur.Variants = append(cur.Variants, results.VariantResult{Variant: "hybrid", Runtime: "process", Repetition: 1,
		Total: results.OpStats{Count: 1}})
	c := Compare(old, cur)
	if len(c.OnlyOld) != 2 || c.OnlyOld[0].Name != figures.MaxThroughput {
		t.Errorf("only old: %+v", c.OnlyOld)
	}
	if len(c.OnlyNew) != 4 || c.OnlyNew[0].Key.Variant != "hybrid" {
		t.Errorf("only new: %+v", c.OnlyNew)
	}
	want := []string{`scenario differs: "steady" in the old run, "ramp" in the new`, "parameters differ: factor (only in the new run), mix (only in the old run), rate_per_sec"}
	if strings.Join(c.Notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(c.Notes, "\n"), strings.Join(want, "\n"))
	}
}

// TestCompareCatalogParam proves a run from before the catalog was
// recorded counts as one on the default catalog: it differs from a newer
// run only if that one was seeded with another.
func TestCompareCatalogParam(t *testing.T) {
	tests := []struct {
		name    string
		catalog string // the new run's; the old run has none
		differ  bool
	}{
		{name: "default catalog", catalog: shop.DefaultCatalog.String()},
		{name: "another catalog", catalog: "count=5000,seed=1,stock=100000..1000000", differ: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := steadyRun("old", 3, nil)
			old.Params = map[string]any{"rate_per_sec": 200.0}
			cur := steadyRun("new", 3, nil)
			cur.Params = map[string]any{"rate_per_sec": 200.0, "catalog": tt.catalog}
			notes := strings.Join(Compare(old, cur).Notes, "\n")
			if got := strings.Contains(notes, "parameters differ: catalog"); got != tt.differ {
				t.Errorf("notes %q; want a catalog difference: %v", notes, tt.differ)
			}
		})
	}
}

// TestParamsDiffer proves a param recorded in one run only is named as
// such, so that a reader can tell a setting the older bench did not record
// from one that was changed.
func TestParamsDiffer(t *testing.T) {
	tests := []struct {
		name   string
		old    map[string]any
		new    map[string]any
		differ []string
	}{
		{name: "same", old: map[string]any{"rate_per_sec": 200.0}, new: map[string]any{"rate_per_sec": 200.0}},
		{name: "changed", old: map[string]any{"rate_per_sec": 200.0}, new: map[string]any{"rate_per_sec": 300.0},
			differ: []string{"rate_per_sec"}},
		{name: "recorded in the new run only", old: map[string]any{}, new: map[string]any{"replicas": "cart=2"},
			differ: []string{"replicas (only in the new run)"}},
		{name: "recorded in the old run only", old: map[string]any{"replicas": "cart=2"}, new: nil,
			differ: []string{"replicas (only in the old run)"}},
		{name: "in order", old: map[string]any{"b": 1.0, "c": 1.0}, new: map[string]any{"a": 1.0, "c": 2.0},
			differ: []string{"a (only in the new run)", "b (only in the old run)", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := paramsDiffer(tt.old, tt.new); !slices.Equal(got, tt.differ) {
				t.Errorf("paramsDiffer = %q, want %q", got, tt.differ)
			}
		})
	}
}

func TestCompareEmpty(t *testing.T) {
	c := Compare(results.Run{}, results.Run{Variants: []results.VariantResult{{}}})
	var b strings.Builder
	if err := c.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No figure is in both runs.", "0 of 0 figures changed significantly", "Only in the new run:"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteText(t *testing.T) {
	old := steadyRun("2026-01-01T000000-steady", 5, nil)
	cur := steadyRun("2026-01-02T000000-steady", 5, func(v *results.VariantResult) {
		if v.Variant == "monolith" {
			v.Total.LatencyMs.P99 *= 1.5
		}
	})
	var b strings.Builder
	if err := Compare(old, cur).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"old: 2026-01-01T000000-steady",
		"p99 latency (ms)",
		"+50.0%",
		"<0.001",
		"worse",
		"no significant change",
		"(n=5)",
		"\n1 of 8 figures changed significantly\n",
		"Welch's t-test, two-sided, alpha 0.05",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Each table is aligned: its lines are all as wide.
	var width, rows int
	for line := range strings.SplitSeq(out, "\n") {
		if !strings.ContainsAny(line, "│┌└├") {
			continue
		}
		if strings.HasPrefix(line, "┌") {
			width = 0
		}
		rows++
		if w := utf8.RuneCountInString(line); width == 0 {
			width = w
		} else if w != width {
			t.Errorf("table line %q is %d wide, want %d", line, w, width)
		}
	}
	if rows < 8+1 {
		t.Errorf("%d table lines, want a header and 8 rows:\n%s", rows, out)
	}

	// Single repetitions: no p value, and said why.
	b.Reset()
	if err := Compare(steadyRun("a", 1, nil), steadyRun("b", 1, nil)).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "n too small") || !strings.Contains(b.String(), "(n=1)") {
		t.Errorf("single repetitions:\n%s", b.String())
	}

	// A figure in one run only is listed with its notes.
	b.Reset()
	spiked := steadyRun("b", 2, func(v *results.VariantResult) {
		v.Spike = &results.SpikeSummary{RecoverySec: -1}
	})
	if err := Compare(steadyRun("a", 2, nil), spiked).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Only in the new run:", "monolith/process recovery time (s): – (n=0)", "never recovered before the run ended in repetitions 1, 2 of 2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	run := steadyRun("r", 2, nil)
	if err := Compare(run, run).WriteText(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteText: %v, want the writer's error", err)
	}
	if err := WriteBenchfmt(failWriter{}, run); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteBenchfmt: %v, want the writer's error", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{cell(stats.Summary{}), "– (n=0)"},
		{cell(stats.Summarise([]float64{12.345})), "12.3 (n=1)"},
		{cell(stats.Summarise([]float64{1, 2, 3, 4, 5})), "3.00 ±65% (n=5)"},
		{cell(stats.Summarise([]float64{100, 101, 99})), "100 ±2.5% (n=3)"},
		{cell(stats.Summarise([]float64{-1, 1})), "0.00 ±12.7 (n=2)"},
		{num(1234.5), "1234"},
		{num(0.01234), "0.0123"},
		{num(math.NaN()), "NaN"},
		{delta(math.NaN()), "–"},
		{delta(math.Inf(1)), "+inf%"},
		{delta(math.Inf(-1)), "-inf%"},
		{delta(-12.34), "-12.3%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestCompareOdd feeds values a results.json cannot hold, and runs without
// repetitions: nothing may panic.
func TestCompareOdd(t *testing.T) {
	nan := steadyRun("nan", 3, func(v *results.VariantResult) {
		v.Total.LatencyMs.P99 = math.NaN()
		v.Achieved.RequestsPerSec = math.Inf(1)
	})
	for _, pair := range [][2]results.Run{
		{nan, nan}, {nan, steadyRun("ok", 3, nil)}, {{}, {}}, {steadyRun("ok", 3, nil), {}},
	} {
		c := Compare(pair[0], pair[1])
		for _, ch := range c.Changes {
			if ch.Name == figures.P99 && ch.Verdict != TooFew {
				t.Errorf("%s %s: NaN samples gave %q, want %q", ch.Key, ch.Name, ch.Verdict, TooFew)
			}
		}
		var b strings.Builder
		if err := c.WriteText(&b); err != nil {
			t.Error(err)
		}
		b.Reset()
		if err := WriteBenchfmt(&b, pair[0]); err != nil {
			t.Error(err)
		}
		if _, _, _, err := parseBenchfmt(b.String()); err != nil {
			t.Errorf("%v\n%s", err, b.String())
		}
	}
}

// TestCompareRatios compares runs whose host differs: twice as slow, and
// drifting from round to round. Every absolute latency gets worse, but the
// microservices' latency relative to the monolith's, round by round, does
// not move; when the microservices alone get slower, it does.
func TestCompareRatios(t *testing.T) {
	old := steadyRun("old", 5, nil)
	slowHost := func(v *results.VariantResult) {
		host := 2 * (1 + 0.4*float64(v.Repetition%2))
		v.Total.LatencyMs.P50 *= host
		v.Total.LatencyMs.P99 *= host
	}
	tests := []struct {
		name  string
		tweak func(v *results.VariantResult)
		want  Verdict
		delta float64 // DeltaPct of the p50 ratio
	}{
		{"a slower, drifting host", slowHost, Unchanged, 0},
		{"the microservices slower too", func(v *results.VariantResult) {
			slowHost(v)
			if v.Variant == "microservices" {
				v.Total.LatencyMs.P50 *= 1.3
				v.Total.LatencyMs.P99 *= 1.3
			}
		}, Worse, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(old, steadyRun("new", 5, tc.tweak))
			for _, ch := range c.Changes {
				if ch.Name == figures.P50 && ch.Verdict != Worse {
					t.Errorf("%s p50: %s, want worse: the host is slower", ch.Key, ch.Verdict)
				}
			}
			if len(c.Ratios) != 2 {
				t.Fatalf("ratios %+v: want the microservices' p50 and p99 against the monolith's", c.Ratios)
			}
			for _, r := range c.Ratios {
				if r.Key.Variant != "microservices" || r.Reference != "monolith" || r.Verdict != tc.want || math.Abs(r.DeltaPct-tc.delta) > 1e-9 {
					t.Errorf("%s ÷ %s's: %s, %+.1f%%, want %s, %+.0f%%", r.Name, r.Reference, r.Verdict, r.DeltaPct, tc.want, tc.delta)
				}
			}
			var b strings.Builder
			if err := c.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "p50 latency ÷ monolith's") || !strings.Contains(b.String(), "ratios changed significantly") {
				t.Errorf("text lacks the ratios:\n%s", b.String())
			}
		})
	}
}

// TestCompareNotesStandouts: a repetition that stood out in either run
// is named in the notes, with the run it is in.
func TestCompareNotesStandouts(t *testing.T) {
	old := steadyRun("r1", 3, nil)
	storm := steadyRun("r2", 3, func(v *results.VariantResult) {
		if v.Variant == "microservices" && v.Repetition == 2 {
			v.Total.ErrorRate = 0.05
		}
	})
	c := Compare(old, storm)
	want := "in the new run, a repetition of microservices/process stood out from its others (a stall, or a storm of cold starts; " +
		"its figures are compared with the rest, and may move the comparison): #2: 5.0 % errors (the others ≤ 0.0 %)"
	if !slices.Equal(c.Notes, []string{want}) {
		t.Errorf("notes %q, want only %q", c.Notes, want)
	}
	if c = Compare(storm, old); len(c.Notes) != 1 || !strings.HasPrefix(c.Notes[0], "in the old run, ") {
		t.Errorf("notes %q, want the old run's repetition named", c.Notes)
	}
}
