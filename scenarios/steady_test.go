package scenarios_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants"
)

// Scenario flags, for running a scenario as a test:
//
//	go test ./scenarios -run Steady -args -variant=monolith -rate=300 -duration=30s -out=../results
//
// Without flags the test runs a short steady load on every variant, as part
// of make test.
var (
	variantFlag  = flag.String("variant", "all", "comma-separated variants, or all")
	rateFlag     = flag.Float64("rate", 50, "journeys started per second")
	durationFlag = flag.Duration("duration", 3*time.Second, "measured duration per variant")
	warmupFlag   = flag.Duration("warmup", time.Second, "warm-up per variant")
	mixFlag      = flag.String("mix", "browse=70,add-to-cart=20,checkout=10", "journey mix")
	countFlag    = flag.Int("count", 1, "repetitions per variant")
	outFlag      = flag.String("out", "", "directory for the run folder (default: a temporary directory)")
)

// variantsOr is -variant when given on the command line, else def: the
// scenarios' tests run their own choice of variants unless asked for
// others (go test ./scenarios -run Spike -args -variant=hybrid).
func variantsOr(def string) string {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "variant" })
	if given {
		return *variantFlag
	}
	return def
}

// benchRun runs sc over the variants named by -variant, or def, on real
// processes, as the scenarios' tests do, and fails the test if the bench
// fails or a variant did not run.
func benchRun(t *testing.T, def string, sc scenarios.Scenario) results.Run {
	t.Helper()
	vs, err := variants.Parse(variantsOr(def))
	if err != nil {
		t.Fatal(err)
	}
	rt := process.New()
	t.Cleanup(func() { rt.Close() })
	b := &scenarios.Bench{Runtime: rt, Variants: vs, Scenario: sc, Profile: "test", Progress: scenarios.NewProgress(t.Output())}
	run, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if !slices.ContainsFunc(run.Variants, func(r results.VariantResult) bool { return r.Variant == v.Name }) {
			t.Fatalf("%s did not run: %d results in all", v.Name, len(run.Variants))
		}
	}
	return run
}

// TestSteady runs the steady scenario end to end on real processes: build,
// deploy, warm up, measure, audit, stop, write results.json and REPORT.md,
// and read them back.
func TestSteady(t *testing.T) {
	vs, err := variants.Parse(*variantFlag)
	if err != nil {
		t.Fatal(err)
	}
	st := scenarios.Steady{Rate: *rateFlag, Duration: *durationFlag, Warmup: *warmupFlag, Mix: *mixFlag, Seed: 1, MaxInFlight: 1024}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	rt := process.New()
	t.Cleanup(func() { rt.Close() })
	b := &scenarios.Bench{Runtime: rt, Variants: vs, Scenario: st, Repetitions: *countFlag, Profile: "test",
		Progress: scenarios.NewProgress(t.Output())}
	run, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	if got, want := len(run.Variants), len(vs)*(*countFlag); got != want {
		t.Fatalf("%d variant results, want %d", got, want)
	}
	if got := run.Params["runs"]; got != *countFlag {
		t.Errorf("params record %v runs, want the %d that ran", got, *countFlag)
	}
	for _, v := range run.Variants {
		t.Run(v.Variant, func(t *testing.T) {
			if v.Label != results.LabelMeasured {
				t.Errorf("label %q, want %q", v.Label, results.LabelMeasured)
			}
			if v.Audit == nil || !v.Audit.Passed {
				t.Errorf("audit did not pass: %+v", v.Audit)
			}
			if v.Total.Errors != 0 || v.Achieved.Dropped != 0 {
				t.Errorf("%d errors and %d dropped at a rate any variant sustains; errors: %+v", v.Total.Errors, v.Achieved.Dropped, v.Errors)
			}
			// Open loop: the generator started what the schedule asked for.
			want := *rateFlag * durationFlag.Seconds()
			if got := float64(v.Achieved.Iterations); got < want*0.99 || got > want*1.01+1 {
				t.Errorf("%g journeys started, want %g (±1%%)", got, want)
			}
			// The warm-up's requests are counted apart: the usage measured
			// includes them. Its load rises to the rate over its first
			// half, so it holds three quarters of rate × warm-up journeys.
			if *warmupFlag > 0 && v.Achieved.Iterations > 0 {
				perJourney := float64(v.Achieved.Requests) / float64(v.Achieved.Iterations)
				want := 0.75 * *rateFlag * warmupFlag.Seconds() * perJourney
				if got := float64(v.Achieved.WarmupRequests); got < want/2 || got > want*1.5 {
					t.Errorf("%g warm-up requests counted, want about %.0f", got, want)
				}
			}
			ops := map[string]bool{}
			for _, op := range v.Operations {
				ops[op.Name] = true
				if op.Count > 0 && (op.LatencyMs.P50 <= 0 || op.LatencyMs.P99 < op.LatencyMs.P50 || op.LatencyMs.Max < op.LatencyMs.P99) {
					t.Errorf("%s: implausible latencies %+v", op.Name, op.LatencyMs)
				}
			}
			checkResources(t, v.Resources)
			for _, route := range []string{httpapi.RouteListProducts, httpapi.RouteGetProduct, httpapi.RouteCreateCart, httpapi.RouteAddItem, httpapi.RouteGetCart} {
				if !ops[route] {
					t.Errorf("no results for %s; have %v", route, ops)
				}
			}
		})
	}

	out := *outFlag
	if out == "" {
		out = t.TempDir()
	}
	path, err := results.Write(out, run)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.WriteFile(filepath.Dir(path), run); err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != run.ID || len(back.Variants) != len(run.Variants) || back.Schema != results.SchemaVersion {
		t.Fatalf("read back run %s with %d variants (schema %q), wrote %s with %d", back.ID, len(back.Variants), back.Schema, run.ID, len(run.Variants))
	}
	md, err := os.ReadFile(filepath.Join(filepath.Dir(path), "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if !strings.Contains(string(md), v.Name) {
			t.Errorf("REPORT.md does not mention %s", v.Name)
		}
	}
	t.Logf("report: %s", filepath.Join(filepath.Dir(path), "REPORT.md"))
}

// checkResources checks that the process runtime measured every replica on
// Linux, the only system whose usage it can read.
func checkResources(t *testing.T, r *results.Resources) {
	t.Helper()
	if goruntime.GOOS != "linux" {
		return
	}
	if r == nil {
		t.Error("no resources measured on Linux")
		return
	}
	if r.Source != "proc" || r.Samples < 2 || r.Duration <= 0 || len(r.Replicas) < 2 {
		t.Errorf("resources: source %q, %d samples over %v, %d replicas; want proc, at least 2 samples and replicas",
			r.Source, r.Samples, r.Duration, len(r.Replicas))
	}
	psp := false
	for _, p := range r.Replicas {
		psp = psp || p.Component == variants.PSPName
		if p.CPU < 0 || p.MemPeakBytes < 1<<20 || p.MemAvgBytes > p.MemPeakBytes {
			t.Errorf("%s-%d: CPU %v, memory peak %d, mean %d bytes", p.Component, p.Replica, p.CPU, p.MemPeakBytes, p.MemAvgBytes)
		}
	}
	if !psp || r.Total.CPU <= 0 || r.Total.MemPeakBytes < uint64(len(r.Replicas))<<20 {
		t.Errorf("resources: total %+v over %d replicas (payment provider among them: %v)", r.Total, len(r.Replicas), psp)
	}
}

func TestSteadyValidateNamesFields(t *testing.T) {
	tests := []struct {
		name string
		s    scenarios.Steady
		want []string
	}{
		{"all bad", scenarios.Steady{Rate: -1, Duration: 0, Warmup: -time.Second, MaxInFlight: 0, Mix: "nope=1"},
			[]string{"rate", "duration", "warmup", "max-in-flight", "mix"}},
		{"only mix", scenarios.Steady{Rate: 10, Duration: time.Second, MaxInFlight: 1, Mix: "browse=x"}, []string{"mix"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want errors")
			}
			for _, field := range tc.want {
				if !strings.Contains(err.Error(), field) {
					t.Errorf("error %q does not name %q", err, field)
				}
			}
		})
	}
	if _, err := scenarios.SteadyProfile("medium"); err == nil || !strings.Contains(err.Error(), "quick or full") {
		t.Errorf("SteadyProfile(medium) = %v, want an error listing the profiles", err)
	}
}
