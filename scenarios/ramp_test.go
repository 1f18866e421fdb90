package scenarios

import (
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/sqlstore"
	"github.com/archbench/archbench/variants"
)

// TestRampSaturated names the first limit a step hits, the generator's
// before the variant's.
func TestRampSaturated(t *testing.T) {
	r := Ramp{SLO: 100 * time.Millisecond}
	ok := results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, P99Ms: 20}
	tests := []struct {
		name string
		step func(results.RampStep) results.RampStep
		st   loadgen.Stats
		want string
	}{
		{"healthy", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 100}, ""},
		{"knee", func(s results.RampStep) results.RampStep { s.P99Ms = 150; return s }, loadgen.Stats{Scheduled: 100}, StopKnee},
		{"errors", func(s results.RampStep) results.RampStep { s.ErrorRate = 0.05; s.P99Ms = 150; return s }, loadgen.Stats{Scheduled: 100}, StopErrors},
		{"behind", func(s results.RampStep) results.RampStep { s.JourneysPerSec = 80; return s }, loadgen.Stats{Scheduled: 100}, StopBehind},
		{"generator drops", func(s results.RampStep) results.RampStep { s.Dropped = 3; return s }, loadgen.Stats{Scheduled: 100}, StopGenerator},
		{"generator late", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 100, Late: 6}, StopGenerator},
		{"a few late", func(s results.RampStep) results.RampStep { return s }, loadgen.Stats{Scheduled: 200, Late: 5}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.saturated(tt.step(ok), tt.st); got != tt.want {
				t.Fatalf("saturated = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRampDecide stops at a knee or the generator's limit only when the
// repeated step confirms it, and at errors at once; at the last step, with
// none left to repeat it, it stops naming the reason as seen once rather
// than reporting a ramp that never saturated.
func TestRampDecide(t *testing.T) {
	tests := []struct {
		why        string
		repeated   bool
		last       bool
		stop       string
		wantRepeat bool
	}{
		{"", false, false, "", false},
		{"", true, false, "", false},
		{"", false, true, "", false},
		{StopKnee, false, false, "", true},
		{StopKnee, true, false, StopKnee, false},
		{StopKnee, false, true, StopKnee + unconfirmed, false},
		{StopKnee, true, true, StopKnee, false},
		{StopGenerator, false, false, "", true},
		{StopGenerator, true, false, StopGenerator, false},
		{StopGenerator, false, true, StopGenerator + unconfirmed, false},
		{StopErrors, false, false, StopErrors, false},
		{StopErrors, false, true, StopErrors, false},
		{StopBehind, true, false, StopBehind, false},
	}
	for _, tt := range tests {
		stop, repeat := decide(tt.why, tt.repeated, tt.last)
		if stop != tt.stop || repeat != tt.wantRepeat {
			t.Errorf("decide(%q, repeated %v, last %v) = %q, repeat %v; want %q, %v",
				tt.why, tt.repeated, tt.last, stop, repeat, tt.stop, tt.wantRepeat)
		}
	}
}

// TestFitUSLOnSteps fits steps made from a known law: the fit recovers a
// peak near the law's, labelled modeled.
func TestFitUSLOnSteps(t *testing.T) {
	const lambda, sigma, kappa = 400.0, 0.05, 0.01
	var steps []results.RampStep
	for _, n := range []float64{1, 2, 4, 6, 8, 12, 16} {
		x := lambda * n / (1 + sigma*(n-1) + kappa*n*(n-1))
		steps = append(steps, results.RampStep{RequestsPerSec: x, Concurrency: 3 * n})
	}
	fit := fitUSL(steps)
	if fit == nil || fit.Error != "" || fit.Label != results.LabelModeled {
		t.Fatalf("fit %+v", fit)
	}
	wantPeakN := 3 * 9.75 // sqrt((1-σ)/κ) units of 3
	if fit.PeakConcurrency < wantPeakN*0.9 || fit.PeakConcurrency > wantPeakN*1.1 || fit.Sigma > 0.08 {
		t.Fatalf("fit %+v: want a peak near concurrency %.1f and σ near %g", fit, wantPeakN, sigma)
	}
	if short := fitUSL(steps[:2]); short == nil || short.Error == "" {
		t.Fatalf("a fit from two steps: %+v, want an error", short)
	}
}

// TestRampCapacities runs once per CPU budget, refuses a runtime that
// enforces none, and fits the law across the budgets from a known one.
func TestRampCapacities(t *testing.T) {
	if s := (Ramp{}).Settings(variants.Variant{Name: "monolith"}, variants.Env{}); len(s) != 1 || s[0].CPUs != 0 || s[0].Label != "" {
		t.Fatalf("settings without capacities %+v, want the one default", s)
	}
	r := Ramp{Capacities: []float64{0.5, 1, 1.5, 2}}
	settings := r.Settings(variants.Variant{Name: "monolith"}, variants.Env{})
	if len(settings) != 4 || settings[1].Label != "1 CPUs" || settings[1].CPUs != 1 {
		t.Fatalf("settings %+v, want one per capacity with its CPUs", settings)
	}
	if _, err := r.Run(t.Context(), Target{Runtime: "process", Setting: "1 CPUs"}); err == nil || !strings.Contains(err.Error(), "-runtime docker") {
		t.Errorf("capacities on the process runtime: %v, want an error naming -runtime docker", err)
	}
	const lambda, sigma, kappa = 1000.0, 0.1, 0.02
	var run results.Run
	for _, c := range r.Capacities {
		n := c / 0.5
		x := lambda * n / (1 + sigma*(n-1) + kappa*n*(n-1))
		run.Variants = append(run.Variants, results.VariantResult{Variant: "monolith", Runtime: "docker", Setting: capacityLabel(c),
			Ramp: &results.RampSummary{CPUs: c, MaxRequestsPerSec: x}})
	}
	run.Variants = append(run.Variants, results.VariantResult{Variant: "serverless", Runtime: "docker", Ramp: &results.RampSummary{}})
	r.FinishRun(&run)
	for _, v := range run.Variants[:4] {
		f := v.Ramp.CapacityFit
		if f == nil || f.Error != "" || f.Label != results.LabelModeled || f.UnitCPUs != 0.5 {
			t.Fatalf("%s: capacity fit %+v, want a modeled fit in units of 0.5 CPUs", v.Setting, f)
		}
		if math.Abs(f.Sigma-sigma) > 0.03 || math.Abs(f.Kappa-kappa) > 0.01 {
			t.Errorf("%s: σ %.3f κ %.4f, want %g and %g", v.Setting, f.Sigma, f.Kappa, sigma, kappa)
		}
		// The law peaks at N = sqrt((1-σ)/κ) ≈ 6.7 units of 0.5 CPUs.
		if want := 0.5 * math.Sqrt((1-sigma)/kappa); math.Abs(f.PeakCPUs-want) > 0.3*want {
			t.Errorf("%s: peak at %.2f CPUs, want about %.2f", v.Setting, f.PeakCPUs, want)
		}
	}
	if run.Variants[4].Ramp.CapacityFit != nil {
		t.Error("a result without a capacity got a capacity fit")
	}
	if err := (Ramp{Start: 1, Growth: 2, Steps: 3, StepFor: time.Second, SLO: time.Second, Mix: "browse=1", MaxInFlight: 1, Capacities: []float64{1, 2}}).Validate(); err == nil || !strings.Contains(err.Error(), "capacities") {
		t.Errorf("two capacities: %v, want an error naming capacities", err)
	}
}

// serveShop starts a stand-in shop on loopback for the browse journey: it
// answers every request with {} and counts a write (1 ms held, 2 ms
// waited) into dep's first replica's writers for each page of products it
// lists, and into the second's for each product it shows, so that each of
// the two counts one write per journey.
func serveShop(t *testing.T, dep *standInDeployment) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, _ *http.Request) {
		dep.writers[0].add(1, 1, 2)
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, _ *http.Request) {
		dep.writers[1].add(1, 1, 2)
		_, _ = w.Write([]byte(`{}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// writingRamp is a short ramp of browse journeys, whose SLO no stand-in
// misses.
var writingRamp = Ramp{Start: 20, Growth: 2, Steps: 3, StepFor: time.Second, Warmup: 300 * time.Millisecond, SLO: time.Second,
	Mix: "browse=1", Seed: 1, MaxInFlight: 64}

// checkStepWriters checks that every step of res holds the writers of
// monolith's replicas 0 and 1 as serveShop has them write: one write a
// journey of the step, each 1 ms held and 2 ms waited, over the step's
// length and a little more. It returns each replica's writes over the
// steps, and the journeys of the warm-up.
func checkStepWriters(t *testing.T, res results.VariantResult) (sums [2]int64, warmJourneys int64) {
	t.Helper()
	if res.Ramp == nil || len(res.Ramp.Steps) == 0 {
		t.Fatalf("ramp %+v, want steps", res.Ramp)
	}
	for i, s := range res.Ramp.Steps {
		journeys := int64(math.Round(s.JourneysPerSec * s.ElapsedSec))
		if journeys <= 0 || len(s.Writers) != 2 {
			t.Fatalf("step %d: %d journeys, writers %+v; want journeys and replicas 0 and 1", i+1, journeys, s.Writers)
		}
		elapsed := time.Duration(s.ElapsedSec * float64(time.Second))
		for r, w := range s.Writers {
			want := results.WriterUsage{Component: "monolith", Replica: r, Database: "shop.db", Span: w.Span, Writes: journeys,
				Held: results.Duration(time.Duration(journeys) * time.Millisecond), Waited: results.Duration(time.Duration(2*journeys) * time.Millisecond)}
			if !reflect.DeepEqual(w, want) {
				t.Errorf("step %d replica %d: %+v, want %+v", i+1, r, w, want)
			}
			if w.Span.Std() < elapsed || w.Span.Std() > elapsed+time.Second {
				t.Errorf("step %d replica %d: span %s, want the step's %s and a little more", i+1, r, w.Span, elapsed)
			}
			sums[r] += w.Writes
		}
	}
	return sums, res.Achieved.WarmupRequests / 2 // browsing is two requests
}

// TestRampSamplesWritersPerStep ramps stand-in replicas that count a write
// per request: each step holds what each replica wrote during it, one
// write a journey, the warm-up in none, so that the warm-up and the steps
// add up to every write counted; a replica that does not answer is noted
// once for all the steps it is missing from; and without writers to
// sample, no step has writers.
func TestRampSamplesWritersPerStep(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dep := &standInDeployment{urls: map[string][]string{}}
	for range 2 {
		w := &standInWriters{}
		w.set(ws("shop.db", 10, 10, 10))
		dep.writers = append(dep.writers, w)
		dep.urls["monolith"] = append(dep.urls["monolith"], serveWriters(t, w))
	}
	dep.urls["monolith"] = append(dep.urls["monolith"], closed.URL)
	shop := serveShop(t, dep)

	t.Run("writers", func(t *testing.T) {
		target := Target{BaseURL: shop, Variant: "monolith", Deployment: dep, writers: startWriters(t.Context(), dep, []string{"monolith"})}
		start := [2]int64{dep.writers[0].writes(), dep.writers[1].writes()}
		res, err := writingRamp.Run(t.Context(), target)
		if err != nil {
			t.Fatal(err)
		}
		sums, warm := checkStepWriters(t, res)
		for r, w := range dep.writers {
			if got, want := start[r]+warm+sums[r], w.writes(); got != want {
				t.Errorf("replica %d: %d writes before, %d in the warm-up and %d in the steps, but %d counted", r, start[r], warm, sums[r], want)
			}
		}
		var steps []string
		for i := range res.Ramp.Steps {
			steps = append(steps, strconv.Itoa(i+1))
		}
		if len(res.Notes) != 1 {
			t.Fatalf("notes %q, want one on replica 2 for every step", res.Notes)
		}
		for _, s := range []string{"ramp steps " + strings.Join(steps, ", "), "monolith replica 2", "before the scenario"} {
			if !strings.Contains(res.Notes[0], s) {
				t.Errorf("note %q does not contain %q", res.Notes[0], s)
			}
		}
	})

	t.Run("no writers", func(t *testing.T) {
		res, err := writingRamp.Run(t.Context(), Target{BaseURL: shop, Variant: "monolith", Deployment: dep})
		if err != nil {
			t.Fatal(err)
		}
		if res.Ramp == nil || len(res.Ramp.Steps) == 0 {
			t.Fatalf("ramp %+v, want steps", res.Ramp)
		}
		for i, s := range res.Ramp.Steps {
			if s.Writers != nil {
				t.Errorf("step %d: writers %+v without writers to sample", i+1, s.Writers)
			}
		}
		if len(res.Notes) != 0 {
			t.Errorf("notes %q, want none", res.Notes)
		}
	})
}

// TestBenchRampWriters runs the ramp in a bench on stand-in replicas that
// count a write per request: the bench hands the ramp its writers, so that
// every step has its own, and the steps' writes add up to the whole run's,
// which leaves the warm-up out, as the latencies do.
func TestBenchRampWriters(t *testing.T) {
	monolith, err := variants.Lookup("monolith")
	if err != nil {
		t.Fatal(err)
	}
	monolith.Writers = []string{"monolith"}
	rt := &standInRuntime{t: t, replicas: 2, shop: true}
	b := &Bench{Runtime: rt, Variants: []variants.Variant{monolith}, Scenario: writingRamp}
	run, err := b.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res := run.Variants[0]
	sums, warm := checkStepWriters(t, res)
	if len(res.Writers) != 2 {
		t.Fatalf("the run's writers %+v, want replicas 0 and 1", res.Writers)
	}
	if warm == 0 {
		t.Fatal("no request in the warm-up: nothing to leave out")
	}
	for r, w := range res.Writers {
		if w.Writes != sums[r] {
			t.Errorf("replica %d: %d writes in the run, but %d in the steps (and %d in the warm-up, left out)", r, w.Writes, sums[r], warm)
		}
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes %q, want none", res.Notes)
	}
}

// TestRampStepRestart ramps stand-in replicas of which the second starts
// again in the middle of step 2, a few writes into it: that step marks
// its writer Restarted and counts from the restart, as the whole run's
// figures do (writerUsage), over a span from the restart on, shorter than
// the first replica's; the steps before and after it are not marked and
// count as usual.
func TestRampStepRestart(t *testing.T) {
	// lost is how many writes of step 2 replica 1 counts before it
	// restarts, and loses.
	const lost = 3
	dep := &standInDeployment{urls: map[string][]string{}}
	for range 2 {
		w := &standInWriters{}
		w.set(ws("shop.db", 10, 10, 10))
		dep.writers = append(dep.writers, w)
	}
	dep.urls["monolith"] = []string{serveWriters(t, dep.writers[0])}
	// Replica 1's writers are sampled once by startWriters, once when the
	// warm-up ends (prepare), once by the ramp before step 1 and once
	// after it: from the fourth sample until the fifth, its writes are
	// step 2's.
	var mu sync.Mutex
	samples, inStep2 := 0, 0
	var restarted time.Time
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Counted before answering, so that the step after a sample
		// never sees it uncounted.
		mu.Lock()
		samples++
		mu.Unlock()
		dep.writers[1].ServeHTTP(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle("GET "+sqlstore.WriterPath, counted)
	writersSrv := httptest.NewServer(mux)
	t.Cleanup(writersSrv.Close)
	dep.urls["monolith"] = append(dep.urls["monolith"], writersSrv.URL)

	shopMux := http.NewServeMux()
	shopMux.HandleFunc("GET /products", func(w http.ResponseWriter, _ *http.Request) {
		dep.writers[0].add(1, 1, 2)
		_, _ = w.Write([]byte(`{}`))
	})
	shopMux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		if samples == 4 {
			if inStep2++; inStep2 == lost+1 {
				// A crash and a restart: a new process, whose counts
				// begin again.
				restarted = time.Now()
				dep.writers[1].set(opened(restarted, ws("shop.db", 0, 0, 0)))
			}
		}
		mu.Unlock()
		dep.writers[1].add(1, 1, 2)
		_, _ = w.Write([]byte(`{}`))
	})
	shopSrv := httptest.NewServer(shopMux)
	t.Cleanup(shopSrv.Close)

	target := Target{BaseURL: shopSrv.URL, Variant: "monolith", Deployment: dep, writers: startWriters(t.Context(), dep, []string{"monolith"})}
	res, err := writingRamp.Run(t.Context(), target)
	if err != nil {
		t.Fatal(err)
	}
	// A busy machine can stop the ramp at the generator's limit after two
	// steps, a repeat included: step 2, whatever its rate, is all it needs.
	if len(res.Ramp.Steps) < 2 {
		t.Fatalf("%d steps, stopped by %s; want at least 2", len(res.Ramp.Steps), res.Ramp.StoppedBy)
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes %q, want none", res.Notes)
	}
	for i, s := range res.Ramp.Steps {
		journeys := int64(math.Round(s.JourneysPerSec * s.ElapsedSec))
		if len(s.Writers) != 2 {
			t.Fatalf("step %d: writers %+v, want replicas 0 and 1", i+1, s.Writers)
		}
		r0, r1 := s.Writers[0], s.Writers[1]
		if r0.Restarted || r0.Writes != journeys {
			t.Errorf("step %d replica 0: %+v, want %d writes, not restarted", i+1, r0, journeys)
		}
		want := results.WriterUsage{Component: "monolith", Replica: 1, Database: "shop.db", Span: r1.Span, Writes: journeys,
			Held: results.Duration(time.Duration(journeys) * time.Millisecond), Waited: results.Duration(time.Duration(2*journeys) * time.Millisecond)}
		if i == 1 {
			// Counted from the restart: the writes before it are lost.
			want.Writes -= lost
			want.Held, want.Waited = results.Duration(time.Duration(want.Writes)*time.Millisecond), results.Duration(time.Duration(2*want.Writes)*time.Millisecond)
			want.Restarted = true
			if span := r1.Span.Std(); span <= 0 || span >= r0.Span.Std() || span > time.Since(restarted) {
				t.Errorf("step 2 replica 1: span %s, want it from the restart on, shorter than replica 0's %s", span, r0.Span)
			}
		}
		if !reflect.DeepEqual(r1, want) {
			t.Errorf("step %d replica 1:\n got %+v\nwant %+v", i+1, r1, want)
		}
	}
}
