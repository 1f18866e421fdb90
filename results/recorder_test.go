package results

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
)

// ok returns a successful Result of op scheduled at sched with latency lat.
func ok(op string, sched, lat time.Duration) loadgen.Result {
	return loadgen.Result{Journey: "browse", Op: op, Scheduled: sched, Sent: sched, Latency: lat, Status: 200}
}

// near reports whether got is within HDR's 3-significant-digit precision of want.
func near(got, want float64) bool { return math.Abs(got-want) <= want*1e-3+1e-6 }

func TestRecorderPercentiles(t *testing.T) {
	r := NewRecorder()
	for i := 1; i <= 1000; i++ { // 1 ms … 1000 ms
		r.Add(ok("GET /products", time.Duration(i)*time.Millisecond, time.Duration(i)*time.Millisecond))
	}
	v := r.Summary(Info{Variant: "monolith", Stats: loadgen.Stats{Elapsed: 10 * time.Second}})
	tests := []struct {
		name      string
		got, want float64
	}{
		{"min", v.Total.LatencyMs.Min, 1},
		{"mean", v.Total.LatencyMs.Mean, 500.5},
		{"p50", v.Total.LatencyMs.P50, 500},
		{"p90", v.Total.LatencyMs.P90, 900},
		{"p99", v.Total.LatencyMs.P99, 990},
		{"p999", v.Total.LatencyMs.P999, 999},
		{"max", v.Total.LatencyMs.Max, 1000},
		{"op p99", v.Operations[0].LatencyMs.P99, 990},
		{"journey p50", v.Journeys[0].LatencyMs.P50, 500},
		{"throughput", v.Total.ThroughputPerSec, 100},
		{"requests/s", v.Achieved.RequestsPerSec, 100},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v (±0.1%%)", tt.name, tt.got, tt.want)
		}
	}
	if v.Label != LabelMeasured {
		t.Errorf("Label = %q, want %q by default", v.Label, LabelMeasured)
	}
}

func TestRecorderLatencyCDF(t *testing.T) {
	r := NewRecorder()
	if v := r.Summary(Info{}); v.LatencyCDF != nil {
		t.Fatalf("LatencyCDF of no requests = %v, want none", v.LatencyCDF)
	}
	for i := 1; i <= 1000; i++ { // 1 ms … 1000 ms
		r.Add(ok("GET /products", time.Duration(i)*time.Millisecond, time.Duration(i)*time.Millisecond))
	}
	cdf := r.Summary(Info{Stats: loadgen.Stats{Elapsed: 10 * time.Second}}).LatencyCDF
	if len(cdf) < 100 {
		t.Fatalf("LatencyCDF has %d points, want at least 100", len(cdf))
	}
	for i := 1; i < len(cdf); i++ {
		if cdf[i].Q <= cdf[i-1].Q || cdf[i].Ms < cdf[i-1].Ms {
			t.Fatalf("LatencyCDF not increasing at %d: %v then %v", i, cdf[i-1], cdf[i])
		}
	}
	for _, want := range []Quantile{{0.5, 500}, {0.9, 900}, {1, 1000}} {
		i := slices.IndexFunc(cdf, func(q Quantile) bool { return q.Q == want.Q })
		if i < 0 || !near(cdf[i].Ms, want.Ms) {
			t.Errorf("LatencyCDF at q=%v: got index %d in %v, want %v ms", want.Q, i, cdf, want.Ms)
		}
	}
}

func TestRecorderErrors(t *testing.T) {
	tests := []struct {
		name    string
		res     loadgen.Result
		failed  bool
		message string
	}{
		{"200", loadgen.Result{Status: 200}, false, ""},
		{"404 is the client's answer", loadgen.Result{Status: 404}, false, ""},
		{"409 is the client's answer", loadgen.Result{Status: 409}, false, ""},
		{"500", loadgen.Result{Status: 500}, true, "HTTP 500"},
		{"503", loadgen.Result{Status: 503}, true, "HTTP 503"},
		{"transport error", loadgen.Result{Err: "dial tcp: connection refused"}, true, "dial tcp: connection refused"},
		{"no response, no message", loadgen.Result{}, true, "no response"},
		{"failed expectation", loadgen.Result{Status: 404, Err: "want 200, got 404"}, true, "want 200, got 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder()
			tt.res.Op, tt.res.Latency = "POST /orders", time.Millisecond
			r.Add(tt.res)
			v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: time.Second}})
			wantErrors := int64(0)
			if tt.failed {
				wantErrors = 1
			}
			if v.Total.Count != 1 || v.Total.Errors != wantErrors || v.Operations[0].Errors != wantErrors {
				t.Fatalf("count, errors, op errors = %d, %d, %d; want 1, %d, %d",
					v.Total.Count, v.Total.Errors, v.Operations[0].Errors, wantErrors, wantErrors)
			}
			if v.Total.ErrorRate != float64(wantErrors) {
				t.Errorf("ErrorRate = %v, want %v", v.Total.ErrorRate, wantErrors)
			}
			if !tt.failed {
				if len(v.Errors) != 0 {
					t.Errorf("Errors = %v, want none", v.Errors)
				}
				return
			}
			if len(v.Errors) != 1 || v.Errors[0] != (ErrorCount{Message: tt.message, Count: 1}) {
				t.Errorf("Errors = %v, want [{%q 1}]", v.Errors, tt.message)
			}
		})
	}
}

func TestRecorderStatusCounts(t *testing.T) {
	r := NewRecorder()
	for _, s := range []int{200, 200, 404, 503, 0} {
		r.Add(loadgen.Result{Op: "GET /cart", Status: s, Latency: time.Millisecond})
	}
	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: time.Second}})
	want := map[string]int64{"200": 2, "404": 1, "503": 1, "0": 1}
	for code, n := range want {
		if v.Total.Status[code] != n || v.Operations[0].Status[code] != n {
			t.Errorf("status %s: total %d, op %d; want %d", code, v.Total.Status[code], v.Operations[0].Status[code], n)
		}
	}
	if v.Total.Errors != 2 {
		t.Errorf("Errors = %d, want 2 (503 and no response)", v.Total.Errors)
	}
}

func TestRecorderErrorMessagesBounded(t *testing.T) {
	r := NewRecorder(WithMaxErrorMessages(2))
	for _, msg := range []string{"a", "b", "a", "c", "d", "c", "b", "a"} {
		r.Add(loadgen.Result{Op: "GET /", Err: msg, Latency: time.Millisecond})
	}
	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: time.Second}})
	want := []ErrorCount{{"a", 3}, {"b", 2}, {OtherErrors, 3}}
	if len(v.Errors) != len(want) {
		t.Fatalf("Errors = %v, want %v", v.Errors, want)
	}
	for i := range want {
		if v.Errors[i] != want[i] {
			t.Errorf("Errors[%d] = %v, want %v", i, v.Errors[i], want[i])
		}
	}
}

func TestRecorderWarmup(t *testing.T) {
	r := NewRecorder(WithWarmup(2 * time.Second))
	r.Add(ok("GET /", 0, time.Second)) // slow warmup request: must not count
	r.Add(loadgen.Result{Op: "GET /", Scheduled: 500 * time.Millisecond, Status: 503, Cold: true})
	r.Add(loadgen.Result{Journey: "browse", Scheduled: 1900 * time.Millisecond, Dropped: true})
	r.Add(ok("GET /", 2*time.Second, time.Millisecond))
	r.Add(ok("GET /", 3500*time.Millisecond, time.Millisecond))

	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: 12 * time.Second}})
	if v.Total.Count != 2 || v.Total.Errors != 0 || v.Achieved.Dropped != 0 {
		t.Errorf("count, errors, dropped = %d, %d, %d; want 2, 0, 0", v.Total.Count, v.Total.Errors, v.Achieved.Dropped)
	}
	if v.Achieved.WarmupRequests != 2 {
		t.Errorf("WarmupRequests = %d, want 2", v.Achieved.WarmupRequests)
	}
	if !near(v.Total.LatencyMs.Max, 1) {
		t.Errorf("max = %v ms, want 1: the warmup's 1 s latency leaked in", v.Total.LatencyMs.Max)
	}
	if v.Requested.Warmup.Std() != 2*time.Second {
		t.Errorf("Requested.Warmup = %v, want 2s from WithWarmup", v.Requested.Warmup)
	}
	if v.Achieved.Duration.Std() != 10*time.Second || v.Achieved.RequestsPerSec != 0.2 {
		t.Errorf("window, requests/s = %v, %v; want 10s, 0.2", v.Achieved.Duration, v.Achieved.RequestsPerSec)
	}
	if v.ColdStarts == nil || v.ColdStarts.Count != 0 || v.ColdStarts.WarmupCount != 1 {
		t.Errorf("ColdStarts = %+v, want 0 measured, 1 during warmup", v.ColdStarts)
	}
	if len(v.Series) != 2 || v.Series[0].T != 2 || v.Series[1].T != 3 {
		t.Errorf("Series = %+v, want seconds 2 and 3", v.Series)
	}
	if !hasNote(v, "dropped during the warmup") {
		t.Errorf("Notes = %q, want one about the warmup's dropped iteration", v.Notes)
	}
}

func TestRecorderDropped(t *testing.T) {
	r := NewRecorder()
	r.Add(ok("GET /", 0, time.Millisecond))
	for range 3 {
		r.Add(loadgen.Result{Journey: "checkout", Scheduled: 1200 * time.Millisecond, Dropped: true})
	}
	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: 2 * time.Second}})
	if v.Achieved.Dropped != 3 || v.Total.Dropped != 3 {
		t.Errorf("dropped achieved, total = %d, %d; want 3, 3", v.Achieved.Dropped, v.Total.Dropped)
	}
	if v.Total.Count != 1 || v.Total.Errors != 0 || v.Achieved.Requests != 1 {
		t.Errorf("count, errors, requests = %d, %d, %d; want 1, 0, 1: dropped iterations are not requests",
			v.Total.Count, v.Total.Errors, v.Achieved.Requests)
	}
	if len(v.Operations) != 1 {
		t.Errorf("Operations = %+v, want only GET /", v.Operations)
	}
	var checkout *OpStats
	for i := range v.Journeys {
		if v.Journeys[i].Name == "checkout" {
			checkout = &v.Journeys[i]
		}
	}
	if checkout == nil || checkout.Dropped != 3 || checkout.Count != 0 {
		t.Errorf("checkout journey = %+v, want 3 dropped, 0 requests", checkout)
	}
	if len(v.Series) != 2 || v.Series[1].Dropped != 3 {
		t.Errorf("Series = %+v, want 3 dropped in second 1", v.Series)
	}
}

func TestRecorderSeries(t *testing.T) {
	r := NewRecorder()
	add := func(sched time.Duration, lat time.Duration, status int) {
		r.Add(loadgen.Result{Op: "GET /", Scheduled: sched, Latency: lat, Status: status})
	}
	add(100*time.Millisecond, 10*time.Millisecond, 200)
	add(900*time.Millisecond, 20*time.Millisecond, 500)
	add(1500*time.Millisecond, 30*time.Millisecond, 200)
	add(3200*time.Millisecond, 40*time.Millisecond, 200)
	r.Add(loadgen.Result{Op: "GET /", Scheduled: 3300 * time.Millisecond, Latency: 50 * time.Millisecond, Status: 200, Cold: true})

	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: 4 * time.Second}})
	want := []Second{
		{T: 0, Requests: 2, Errors: 1, P50Ms: 10, P99Ms: 20},
		{T: 1, Requests: 1, P50Ms: 30, P99Ms: 30},
		{T: 2},
		{T: 3, Requests: 2, ColdStarts: 1, P50Ms: 40, P99Ms: 50},
	}
	if len(v.Series) != len(want) {
		t.Fatalf("Series = %+v, want %d seconds", v.Series, len(want))
	}
	for i, w := range want {
		g := v.Series[i]
		// Per-second histograms keep 2 significant digits.
		if g.T != w.T || g.Requests != w.Requests || g.Errors != w.Errors || g.ColdStarts != w.ColdStarts ||
			math.Abs(g.P50Ms-w.P50Ms) > w.P50Ms/100 || math.Abs(g.P99Ms-w.P99Ms) > w.P99Ms/100 {
			t.Errorf("Series[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func TestRecorderSeriesFinalisesOldSeconds(t *testing.T) {
	r := NewRecorder()
	r.Add(ok("GET /", 0, 10*time.Millisecond))
	r.Add(ok("GET /", openSeconds*time.Second, 20*time.Millisecond))     // reuses second 0's histogram
	r.Add(ok("GET /", 500*time.Millisecond, 30*time.Second))             // second 0 is final: unranked
	r.Add(ok("GET /", (openSeconds+1)*time.Second, 20*time.Millisecond)) // a fresh slot

	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: (openSeconds + 2) * time.Second}})
	first := v.Series[0]
	if first.Requests != 2 || math.Abs(first.P99Ms-10) > 0.1 {
		t.Errorf("Series[0] = %+v, want 2 requests and p99 10 ms fixed before the late one", first)
	}
	if last := v.Series[openSeconds]; last.Requests != 1 || math.Abs(last.P50Ms-20) > 0.2 {
		t.Errorf("Series[%d] = %+v, want 1 request at 20 ms", openSeconds, last)
	}
	if !near(v.Total.LatencyMs.Max, 30000) {
		t.Errorf("total max = %v ms, want 30000: totals must include unranked results", v.Total.LatencyMs.Max)
	}
	if !hasNote(v, "1 results arrived after") {
		t.Errorf("Notes = %q, want one about the unranked result", v.Notes)
	}
}

func TestRecorderColdStarts(t *testing.T) {
	r := NewRecorder()
	for i := range 8 {
		res := ok("GET /", time.Duration(i)*time.Millisecond, 2*time.Millisecond)
		if i%4 == 0 {
			res.Cold, res.Latency = true, 300*time.Millisecond
		}
		r.Add(res)
	}
	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: time.Second}})
	c := v.ColdStarts
	if c == nil {
		t.Fatal("ColdStarts = nil, want 2 cold starts")
	}
	if c.Count != 2 || c.Share != 0.25 {
		t.Errorf("count, share = %d, %v; want 2, 0.25", c.Count, c.Share)
	}
	if !near(c.ColdLatencyMs.P50, 300) || !near(c.WarmLatencyMs.P99, 2) {
		t.Errorf("cold p50, warm p99 = %v, %v ms; want 300, 2", c.ColdLatencyMs.P50, c.WarmLatencyMs.P99)
	}

	if v := NewRecorder().Summary(Info{}); v.ColdStarts != nil {
		t.Errorf("ColdStarts = %+v, want nil without cold responses", v.ColdStarts)
	}
}

func TestRecorderSummaryInfo(t *testing.T) {
	r := NewRecorder(WithWarmup(time.Second))
	r.Add(ok("GET /", 0, time.Millisecond)) // warmup
	for i := range 3 {
		r.Add(ok("GET /", time.Second+time.Duration(i)*time.Millisecond, time.Millisecond))
	}
	v := r.Summary(Info{
		Variant: "serverless", Runtime: "process", Label: LabelModeled, Repetition: 2,
		Requested: Load{Rate: 50, Duration: Duration(3 * time.Second)},
		Stats: loadgen.Stats{
			Scheduled: 5, Started: 4, Late: 1, MaxLateness: 1500 * time.Microsecond,
			Requests: 4, Elapsed: 2 * time.Second, CPU: 400 * time.Microsecond,
		},
	})
	if v.Variant != "serverless" || v.Runtime != "process" || v.Label != LabelModeled || v.Repetition != 2 {
		t.Errorf("identity = %q %q %q %d", v.Variant, v.Runtime, v.Label, v.Repetition)
	}
	a := v.Achieved
	if a.Duration.Std() != time.Second || a.RequestsPerSec != 3 || a.WarmupRequests != 1 {
		t.Errorf("Achieved = %+v; want a 1 s measured window (2 s elapsed less 1 s warmup), 3 requests/s, 1 warmup request", a)
	}
	if a.Scheduled != 5 || a.Iterations != 4 || a.Elapsed.Std() != 2*time.Second || a.IterationsPerSec != 2 ||
		a.Late != 1 || a.MaxLatenessMs != 1.5 {
		t.Errorf("Achieved = %+v; want the generator's 5 scheduled, 4 started over 2 s, 1 late by 1.5 ms", a)
	}
	if v.Generator.CPU.Std() != 400*time.Microsecond || v.Generator.CPUMicrosPerRequest != 100 {
		t.Errorf("Generator = %+v; want 400 µs, 100 µs/request over all 4 requests", v.Generator)
	}
}

func TestRecorderOddInput(t *testing.T) {
	r := NewRecorder()
	r.Add(loadgen.Result{Scheduled: -time.Second, Latency: -time.Millisecond, Status: 200})
	r.Add(loadgen.Result{Op: "GET /", Latency: time.Hour, Status: 200})
	v := r.Summary(Info{})
	if v.Total.Count != 2 || v.Operations[0].Name != unnamedName || len(v.Journeys) != 0 {
		t.Errorf("Total = %+v, Operations = %+v, Journeys = %+v", v.Total, v.Operations, v.Journeys)
	}
	if !near(v.Total.LatencyMs.Max, 60000) {
		t.Errorf("max = %v ms, want clamped to 60000", v.Total.LatencyMs.Max)
	}
	if !hasNote(v, "2 latencies outside") || !hasNote(v, "before the run started") || !hasNote(v, "schedule observed") {
		t.Errorf("Notes = %q", v.Notes)
	}
	if v.Achieved.Duration.Std() != time.Second {
		t.Errorf("window = %v, want the 1 s of schedule observed", v.Achieved.Duration)
	}
}

func hasNote(v VariantResult, substr string) bool {
	for _, n := range v.Notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}

func BenchmarkRecorderAdd(b *testing.B) {
	r := NewRecorder()
	res := ok("GET /products/{id}", 0, 3*time.Millisecond)
	for i := 0; b.Loop(); i++ {
		res.Scheduled = time.Duration(i) * 100 * time.Microsecond
		r.Add(res)
	}
}

func TestRecorderWindow(t *testing.T) {
	tests := []struct {
		name               string
		elapsed, requested time.Duration
		want               time.Duration
	}{
		{"elapsed less warmup", 13 * time.Second, 70 * time.Second, 10 * time.Second},
		{"requested duration when no elapsed", 0, 8 * time.Second, 5 * time.Second},
		{"observed schedule when neither", 0, 0, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder(WithWarmup(3 * time.Second))
			r.Add(ok("GET /", 4200*time.Millisecond, time.Millisecond))
			v := r.Summary(Info{Requested: Load{Duration: Duration(tt.requested)}, Stats: loadgen.Stats{Elapsed: tt.elapsed}})
			if v.Achieved.Duration.Std() != tt.want {
				t.Errorf("window = %v, want %v", v.Achieved.Duration, tt.want)
			}
		})
	}
}

// TestRecorderStartedAt checks that the generator's start becomes the
// result's StartedAt, stripped of its monotonic reading so that it survives
// a round trip through results.json unchanged.
func TestRecorderStartedAt(t *testing.T) {
	start := time.Now()
	v := NewRecorder().Summary(Info{Stats: loadgen.Stats{Start: start, Elapsed: time.Second}})
	if !v.StartedAt.Equal(start) || v.StartedAt != start.Round(0) {
		t.Errorf("StartedAt = %v, want %v without its monotonic reading", v.StartedAt, start)
	}
	if v := NewRecorder().Summary(Info{}); !v.StartedAt.IsZero() {
		t.Errorf("StartedAt = %v with no start given, want zero", v.StartedAt)
	}
}

// TestRecorderWindows checks that named windows are summarised apart,
// windows of one name together, and that the warm-up's part of a window
// counts neither requests nor time.
func TestRecorderWindows(t *testing.T) {
	r := NewRecorder(WithWarmup(time.Second), WithWindows(
		Window{Name: "base", From: 0, To: 4 * time.Second},
		Window{Name: "burst", From: 4 * time.Second, To: 6 * time.Second},
		Window{Name: "base", From: 6 * time.Second, To: 10 * time.Second},
		Window{Name: "empty", From: 3 * time.Second, To: 3 * time.Second},
	))
	// 10 ms requests every 100 ms, except 2 ms ones every 10 ms in the burst.
	for at := time.Duration(0); at < 10*time.Second; at += 100 * time.Millisecond {
		r.Add(ok("GET /products", at, 10*time.Millisecond))
	}
	for at := 4 * time.Second; at < 6*time.Second; at += 10 * time.Millisecond {
		r.Add(ok("GET /products", at+time.Millisecond, 2*time.Millisecond))
	}
	r.Add(loadgen.Result{Journey: "browse", Scheduled: 5 * time.Second, Dropped: true})
	v := r.Summary(Info{Stats: loadgen.Stats{Elapsed: 10 * time.Second}})
	if len(v.Windows) != 2 || v.Windows[0].Name != "base" || v.Windows[1].Name != "burst" {
		t.Fatalf("windows %+v, want base and burst, in that order", v.Windows)
	}
	base, burst := v.Windows[0], v.Windows[1]
	tests := []struct {
		name      string
		got, want float64
	}{
		// 1 s to 4 s and 6 s to 10 s: 70 requests over 7 s.
		{"base count", float64(base.Count), 70},
		{"base throughput", base.ThroughputPerSec, 10},
		{"base p50", base.LatencyMs.P50, 10},
		{"burst count", float64(burst.Count), 220},
		{"burst throughput", burst.ThroughputPerSec, 110},
		{"burst p50", burst.LatencyMs.P50, 2},
		{"burst dropped", float64(burst.Dropped), 1},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if got := NewRecorder().Summary(Info{}).Windows; got != nil {
		t.Errorf("windows without WithWindows: %+v, want none", got)
	}
}
