package figures

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// result is a steady-state result of one repetition.
func result(variant, setting string, rep int, p50, p99, rps, errRate float64) results.VariantResult {
	return results.VariantResult{
		Variant: variant, Setting: setting, Runtime: "process", Repetition: rep, Label: results.LabelMeasured,
		Achieved: results.Throughput{RequestsPerSec: rps},
		Total: results.OpStats{Name: "total", Count: 1000, ErrorRate: errRate,
			LatencyMs: results.Percentiles{P50: p50, P99: p99}},
	}
}

// names returns "key name" for each figure.
func names(figs []Figure) []string {
	var out []string
	for _, f := range figs {
		out = append(out, f.Key.String()+" "+f.Name)
	}
	return out
}

func find(t *testing.T, figs []Figure, key, name string) Figure {
	t.Helper()
	for _, f := range figs {
		if f.Key.String() == key && f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %q of %s in %v", name, key, names(figs))
	return Figure{}
}

func TestExtractSteady(t *testing.T) {
	// Interleaved repetitions, listed out of repetition order.
	run := results.Run{Scenario: "steady", Variants: []results.VariantResult{
		result("monolith", "", 2, 2, 20, 500, 0),
		result("microservices", "", 1, 5, 50, 480, 0.01),
		result("monolith", "", 1, 1, 10, 490, 0),
		result("microservices", "", 2, 6, 60, 470, 0.02),
		result("monolith", "", 3, 3, 30, 510, 0.001),
		result("microservices", "", 3, 7, 70, 460, 0.03),
	}}
	figs := Extract(run)
	want := []string{
		"monolith/process p50 latency", "monolith/process p99 latency", "monolith/process throughput", "monolith/process error rate",
		"microservices/process p50 latency", "microservices/process p99 latency", "microservices/process throughput", "microservices/process error rate",
	}
	if got := names(figs); !slices.Equal(got, want) {
		t.Fatalf("figures:\n got %q\nwant %q", got, want)
	}
	tests := []struct {
		key, name, unit string
		better          Direction
		samples         []float64
	}{
		{"monolith/process", P99, "ms", LowerIsBetter, []float64{10, 20, 30}},
		{"monolith/process", Throughput, "req/s", HigherIsBetter, []float64{490, 500, 510}},
		{"microservices/process", ErrorRate, "%", LowerIsBetter, []float64{1, 2, 3}},
		{"microservices/process", P50, "ms", LowerIsBetter, []float64{5, 6, 7}},
	}
	for _, tt := range tests {
		f := find(t, figs, tt.key, tt.name)
		if f.Unit != tt.unit || f.Better != tt.better {
			t.Errorf("%s %s: unit %q, better %v; want %q, %v", tt.key, tt.name, f.Unit, f.Better, tt.unit, tt.better)
		}
		if !slicesNear(f.Samples, tt.samples) {
			t.Errorf("%s %s: samples %v, want %v (repetition order)", tt.key, tt.name, f.Samples, tt.samples)
		}
		if f.Stats.N != len(tt.samples) || f.Stats.Method != stats.MethodT {
			t.Errorf("%s %s: stats %v, want a t interval over %d", tt.key, tt.name, f.Stats, len(tt.samples))
		}
	}
}

func slicesNear(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 })
}

func TestExtractScenarios(t *testing.T) {
	ramp := func(rep int, max float64) results.VariantResult {
		v := result("monolith", "", rep, 1, 2, 100, 0)
		v.Ramp = &results.RampSummary{Steps: []results.RampStep{{}}, MaxRequestsPerSec: max}
		return v
	}
	fault := func(setting, kind string, rep int, radius float64) results.VariantResult {
		v := result("hybrid", setting, rep, 1, 2, 100, 0)
		v.Fault = &results.FaultSummary{Kind: kind, BlastRadius: radius}
		return v
	}
	spike := func(rep int, rec float64) results.VariantResult {
		v := result("serverless", "", rep, 1, 2, 100, 0)
		v.Spike = &results.SpikeSummary{RecoverySec: rec}
		return v
	}
	cold := func(setting string, rep int, count int64, p99, ready float64) results.VariantResult {
		v := result("serverless", setting, rep, 1, 2, 100, 0)
		v.ReadySec = ready
		if count >= 0 {
			v.ColdStarts = &results.ColdStarts{Count: count, ColdLatencyMs: results.Percentiles{P99: p99}}
		}
		return v
	}
	tests := []struct {
		name    string
		run     []results.VariantResult
		key     string
		figure  string
		samples []float64 // nil: listed with no samples
		notes   []string  // substrings of the notes, in order
		absent  []string  // figures of key that must not be listed
	}{{
		name: "ramp max throughput", key: "monolith/process", figure: MaxThroughput,
		run:     []results.VariantResult{ramp(1, 900), ramp(2, 950)},
		samples: []float64{900, 950},
	}, {
		name: "crash blast radius in %", key: "hybrid/crash cart/process", figure: BlastRadius,
		run:     []results.VariantResult{fault("crash cart", "crash", 1, 0.25), fault("crash cart", "crash", 2, 0.5)},
		samples: []float64{25, 50},
		absent:  []string{DeployBlastRadius},
	}, {
		name: "redeploy blast radius", key: "hybrid/redeploy cart/process", figure: DeployBlastRadius,
		run:     []results.VariantResult{fault("redeploy cart", "redeploy", 1, 0), fault("redeploy cart", "redeploy", 2, 0)},
		samples: []float64{0, 0},
		absent:  []string{BlastRadius},
	}, {
		name: "spike recovery", key: "serverless/process", figure: RecoveryTime,
		run:     []results.VariantResult{spike(1, 0), spike(2, 3)},
		samples: []float64{0, 3},
	}, {
		name: "spike never recovered in one repetition", key: "serverless/process", figure: RecoveryTime,
		run:   []results.VariantResult{spike(1, 2), spike(2, -1), spike(3, 4)},
		notes: []string{"never recovered before the run ended in repetition 2 of 3", "2 of 3 have it"},
	}, {
		name: "spike never recovered at all", key: "serverless/process", figure: RecoveryTime,
		run:   []results.VariantResult{spike(1, -1), spike(2, -1)},
		notes: []string{"never recovered before the run ended in repetitions 1, 2 of 2", "0 of 2 have it"},
	}, {
		name: "cold-start p99 and ready time", key: "serverless/keep-alive 2s/process", figure: ColdStartP99,
		run:     []results.VariantResult{cold("keep-alive 2s", 1, 5, 19, 0.05), cold("keep-alive 2s", 2, 7, 21, 0.04)},
		samples: []float64{19, 21},
	}, {
		name: "no cold starts: no cold-start p99", key: "serverless/provisioned/process", figure: ReadyTime,
		run:     []results.VariantResult{cold("provisioned", 1, 0, 0, 0.08), cold("provisioned", 2, -1, 0, 0.09)},
		samples: []float64{0.08, 0.09},
		absent:  []string{ColdStartP99},
	}, {
		name: "ready time in some repetitions only", key: "serverless/x/process", figure: ReadyTime,
		run:   []results.VariantResult{cold("x", 1, -1, 0, 0.08), cold("x", 2, -1, 0, 0), cold("x", 3, -1, 0, 0.07)},
		notes: []string{"missing in 1 of 3 repetitions", "2 of 3 have it"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			figs := Extract(results.Run{Variants: tt.run})
			f := find(t, figs, tt.key, tt.figure)
			if !slicesNear(f.Samples, tt.samples) || (tt.samples == nil) != (f.Samples == nil) {
				t.Errorf("samples %v, want %v", f.Samples, tt.samples)
			}
			if f.Stats.N != len(tt.samples) {
				t.Errorf("Stats.N = %d, want %d", f.Stats.N, len(tt.samples))
			}
			if len(f.Notes) < len(tt.notes) {
				t.Fatalf("notes %q, want %q", f.Notes, tt.notes)
			}
			for i, n := range tt.notes {
				if !strings.Contains(f.Notes[i], n) {
					t.Errorf("note %d: %q, want it to contain %q", i, f.Notes[i], n)
				}
			}
			for _, name := range tt.absent {
				for _, g := range figs {
					if g.Key.String() == tt.key && g.Name == name {
						t.Errorf("%s listed: %+v", name, g)
					}
				}
			}
		})
	}
}

func TestExtractOdd(t *testing.T) {
	if figs := Extract(results.Run{}); len(figs) != 0 {
		t.Errorf("no results: %v", names(figs))
	}
	// No requests: no latency or error rate, only throughput.
	v := results.VariantResult{Variant: "monolith"}
	figs := Extract(results.Run{Variants: []results.VariantResult{v}})
	if got := names(figs); !slices.Equal(got, []string{"monolith throughput"}) {
		t.Errorf("no requests: figures %q", got)
	}
	// Repetitions without numbers keep the run's order.
	a, b := result("m", "", 0, 1, 2, 3, 0), result("m", "", 0, 4, 5, 6, 0)
	f := find(t, Extract(results.Run{Variants: []results.VariantResult{a, b}}), "m/process", P50)
	if !slicesNear(f.Samples, []float64{1, 4}) {
		t.Errorf("samples %v, want run order", f.Samples)
	}
	// Modeled results say so.
	a.Label, b.Label = results.LabelModeled, results.LabelModeled
	f = find(t, Extract(results.Run{Variants: []results.VariantResult{a, b}}), "m/process", P50)
	if !slices.Contains(f.Notes, "modeled, not measured") {
		t.Errorf("modeled: notes %q", f.Notes)
	}
}

func TestGroupsOrder(t *testing.T) {
	r := func(variant, runtime string) results.VariantResult {
		return results.VariantResult{Variant: variant, Runtime: runtime}
	}
	run := results.Run{Variants: []results.VariantResult{
		r("monolith", "docker"), r("microservices", "docker"), r("monolith", "process"), r("serverless", "docker"),
	}}
	var got []string
	for _, g := range Groups(run) {
		got = append(got, g.Key.String())
	}
	want := []string{"monolith/docker", "monolith/process", "microservices/docker", "serverless/docker"}
	if !slices.Equal(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
}

// TestExtractExamples reads every example run: a figure of single runs is
// a single sample with no interval and never a winner; a figure over
// repetitions has one sample each and an interval.
func TestExtractExamples(t *testing.T) {
	paths, err := filepath.Glob("../results/example/*/results.json")
	if err != nil || len(paths) == 0 {
		t.Skipf("no example runs: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(filepath.Dir(p)), func(t *testing.T) {
			run, err := results.Read(p)
			if err != nil {
				t.Fatalf("read %s: %v", p, err)
			}
			figs := Extract(run)
			if len(figs) == 0 {
				t.Fatal("no figures")
			}
			single := map[string]bool{}
			for _, f := range figs {
				if f.Stats.N == 1 {
					single[f.Name] = true
					if f.Stats.Method != stats.MethodSingle {
						t.Errorf("%s %s: %v, want a single sample without interval", f.Key, f.Name, f.Stats)
					}
				}
				if f.Stats.N >= 2 && (f.Stats.N != len(f.Samples) || !(f.Stats.Hi >= f.Stats.Lo)) {
					t.Errorf("%s %s: %v over %d samples, want an interval over each repetition", f.Key, f.Name, f.Stats, len(f.Samples))
				}
			}
			if filepath.Base(filepath.Dir(p)) == "steady" {
				for _, f := range figs {
					if f.Name == Throughput && !f.Carried {
						t.Errorf("%s: the steady example's throughput is not marked carried: %v", f.Key, f.Samples)
					}
				}
				if k, ok := Winner(figs, Throughput); ok {
					t.Errorf("throughput winner %s at a load every variant carried", k)
				}
			}
			for _, name := range []string{P50, P99, Throughput, ErrorRate} {
				if k, ok := Winner(figs, name); ok && single[name] {
					t.Errorf("%s: winner %s from single runs", name, k)
				}
			}
		})
	}
}

func fig(variant, name string, better Direction, samples ...float64) Figure {
	return Figure{Key: Key{Variant: variant}, Name: name, Better: better, Samples: samples, Stats: stats.Summarise(samples)}
}

func carriedFig(f Figure) Figure {
	f.Carried = true
	return f
}

// TestCarried checks which runs count as having carried the load offered.
func TestCarried(t *testing.T) {
	steady := results.VariantResult{
		Requested: results.Load{Rate: 150, Duration: results.Duration(6 * time.Second)},
		Achieved:  results.Throughput{Scheduled: 900, Iterations: 900, IterationsPerSec: 150.1},
	}
	tests := []struct {
		name string
		edit func(v *results.VariantResult)
		want bool
	}{
		{"on schedule", func(*results.VariantResult) {}, true},
		{"within 1 % of the offered rate", func(v *results.VariantResult) { v.Achieved.IterationsPerSec = 148.6 }, true},
		{"finished late: fell behind", func(v *results.VariantResult) { v.Achieved.IterationsPerSec = 140 }, false},
		{"dropped journeys", func(v *results.VariantResult) { v.Achieved.Dropped = 3 }, false},
		{"journeys due never started", func(v *results.VariantResult) { v.Achieved.Iterations = 890 }, false},
		{"no schedule recorded", func(v *results.VariantResult) { v.Achieved.Scheduled = 0 }, false},
		{"no duration recorded", func(v *results.VariantResult) { v.Requested.Duration = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := steady
			tt.edit(&v)
			if got := carried(v); got != tt.want {
				t.Errorf("carried = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWinner(t *testing.T) {
	tests := []struct {
		name   string
		figs   []Figure
		figure string
		want   string // "" for no winner
	}{{
		name:   "lowest p99, intervals apart",
		figure: P99,
		figs: []Figure{
			fig("a", P99, LowerIsBetter, 20, 21, 22),
			fig("b", P99, LowerIsBetter, 10, 11, 10.5),
			fig("c", P99, LowerIsBetter, 30, 29, 31),
			fig("b", P50, LowerIsBetter, 100, 101, 102),
		},
		want: "b",
	}, {
		name:   "highest throughput",
		figure: Throughput,
		figs: []Figure{
			fig("a", Throughput, HigherIsBetter, 500, 505, 498),
			fig("b", Throughput, HigherIsBetter, 400, 402, 399),
		},
		want: "a",
	}, {
		name:   "every group carried the offered load: the load's figure, not theirs",
		figure: Throughput,
		figs: []Figure{
			carriedFig(fig("a", Throughput, HigherIsBetter, 372.07, 372.1, 372.05)),
			carriedFig(fig("b", Throughput, HigherIsBetter, 371.5, 371.53, 371.56)),
		},
	}, {
		name:   "one group fell behind: the others win",
		figure: Throughput,
		figs: []Figure{
			carriedFig(fig("a", Throughput, HigherIsBetter, 372.07, 372.1, 372.05)),
			fig("b", Throughput, HigherIsBetter, 300, 301, 299),
		},
		want: "a",
	}, {
		name:   "best overlaps the runner-up",
		figure: P99,
		figs: []Figure{
			fig("a", P99, LowerIsBetter, 10, 14, 12),
			fig("b", P99, LowerIsBetter, 13, 15, 11),
			fig("c", P99, LowerIsBetter, 50, 51, 52),
		},
	}, {
		name:   "single runs, different values: no winner",
		figure: P99,
		figs: []Figure{
			fig("a", P99, LowerIsBetter, 10),
			fig("b", P99, LowerIsBetter, 100),
		},
	}, {
		name:   "one group with a single run",
		figure: P99,
		figs: []Figure{
			fig("a", P99, LowerIsBetter, 10, 10.1),
			fig("b", P99, LowerIsBetter, 100),
		},
	}, {
		name:   "a group without samples",
		figure: RecoveryTime,
		figs: []Figure{
			fig("a", RecoveryTime, LowerIsBetter, 1, 1.1),
			fig("b", RecoveryTime, LowerIsBetter),
		},
	}, {
		name:   "equal constants",
		figure: ErrorRate,
		figs: []Figure{
			fig("a", ErrorRate, LowerIsBetter, 0, 0, 0),
			fig("b", ErrorRate, LowerIsBetter, 0, 0, 0),
		},
	}, {
		name:   "different constants",
		figure: ErrorRate,
		figs: []Figure{
			fig("a", ErrorRate, LowerIsBetter, 1, 1, 1),
			fig("b", ErrorRate, LowerIsBetter, 0, 0, 0),
		},
		want: "b",
	}, {
		name:   "only one group",
		figure: P99,
		figs:   []Figure{fig("a", P99, LowerIsBetter, 1, 2, 3)},
	}, {
		name:   "no such figure",
		figure: ColdStartP99,
		figs:   []Figure{fig("a", P99, LowerIsBetter, 1, 2, 3), fig("b", P99, LowerIsBetter, 7, 8, 9)},
	}, {
		name:   "no figures",
		figure: P99,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := Winner(tt.figs, tt.figure)
			got := ""
			if ok {
				got = k.Variant
			}
			if got != tt.want {
				t.Errorf("Winner = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		k    Key
		want string
	}{
		{Key{"serverless", "keep-alive 2s", "process"}, "serverless/keep-alive 2s/process"},
		{Key{Variant: "monolith"}, "monolith"},
		{Key{}, "(unnamed)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
	if fmt.Sprint(HigherIsBetter, LowerIsBetter) != "higher lower" {
		t.Errorf("Direction strings: %v %v", HigherIsBetter, LowerIsBetter)
	}
}

// TestExtractStoodOut: a repetition with errors the others had not stood
// out, and every figure of its group names it; the other group's none.
func TestExtractStoodOut(t *testing.T) {
	run := results.Run{Scenario: "steady", Variants: []results.VariantResult{
		result("monolith", "", 1, 1, 10, 500, 0), result("serverless", "", 1, 2, 20, 500, 0),
		result("monolith", "", 2, 1, 10, 500, 0), result("serverless", "", 2, 2, 20, 500, 0),
		result("monolith", "", 3, 1, 10, 500, 0), result("serverless", "", 3, 90, 2000, 460, 0.09),
	}}
	for _, f := range Extract(run) {
		want := []int(nil)
		if f.Key.Variant == "serverless" {
			want = []int{3}
		}
		if !slices.Equal(f.StoodOut, want) {
			t.Errorf("%s %s: stood out %v, want %v", f.Key, f.Name, f.StoodOut, want)
		}
	}
}
