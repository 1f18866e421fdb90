package k6

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
)

func readFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseSummaryFixture reads a summary k6 v1.8.1 wrote for
// fixtureSpec's script (go test ./k6 -run TestRunEndToEnd -update rewrites
// it).
func TestParseSummaryFixture(t *testing.T) {
	s, err := ParseSummary(strings.NewReader(string(readFixture(t))))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := s.Metrics["http_req_duration{scenario:measured}"]
	if !ok {
		t.Fatalf("no measured http_req_duration; metrics: %s", s.names())
	}
	for _, stat := range trendStats() {
		if v, ok := d.Value(stat); !ok || v <= 0 {
			t.Errorf("http_req_duration{scenario:measured} %s = %v, %v", stat, v, ok)
		}
	}
	if crossed, ok := d.Thresholds["max>=0"]; !ok || crossed {
		t.Errorf("thresholds %v, want max>=0 held", d.Thresholds)
	}
	if v, _ := s.Metrics["http_req_failed"].Value("fails"); v == 0 {
		t.Error("http_req_failed has no fails (successful requests)")
	}

	r, err := s.Result(fixtureSpec("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := s.Metrics["http_reqs"].Value("count")
	warm, _ := s.Metrics["http_reqs{scenario:warmup}"].Value("count")
	if r.Total.Count == 0 || float64(r.Total.Count)+warm != all {
		t.Errorf("measured %d + warm-up %v requests, want all %v", r.Total.Count, warm, all)
	}
	if r.Achieved.WarmupRequests != int64(warm) || r.Achieved.Requests != r.Total.Count {
		t.Errorf("achieved %+v", r.Achieved)
	}
	if want := float64(r.Total.Count) / 2; r.Total.ThroughputPerSec != want || r.Achieved.RequestsPerSec != want {
		t.Errorf("throughput %v and %v per second, want %v over the 2 s window", r.Total.ThroughputPerSec, r.Achieved.RequestsPerSec, want)
	}
	if r.Requested != (results.Load{Rate: 50, Duration: results.Duration(2e9), Warmup: results.Duration(1e9)}) {
		t.Errorf("requested %+v", r.Requested)
	}
	lat := r.Total.LatencyMs
	if !(lat.Min <= lat.P50 && lat.P50 <= lat.P90 && lat.P90 <= lat.P99 && lat.P99 <= lat.P999 && lat.P999 <= lat.Max && lat.Mean > 0) {
		t.Errorf("latency %+v is not ordered", lat)
	}
	if len(r.Operations) != len(allOps) || len(r.Journeys) != 3 {
		t.Errorf("%d operations and %d journeys, want %d and 3", len(r.Operations), len(r.Journeys), len(allOps))
	}
	for i := 1; i < len(r.Operations); i++ {
		if r.Operations[i-1].Name >= r.Operations[i].Name {
			t.Errorf("operations not sorted by name: %q before %q", r.Operations[i-1].Name, r.Operations[i].Name)
		}
	}
	if len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "http_req_duration") {
		t.Errorf("notes %q do not explain k6's latency", r.Notes)
	}

	// The result is at home in results.json.
	data, err := results.Encode(results.Run{Schema: results.SchemaVersion, Variants: []results.VariantResult{r}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := results.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Variants, []results.VariantResult{r}) {
		t.Errorf("results.json round trip changed the result:\n%s", data)
	}
}

func TestParseSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // error substring; empty: valid
	}{
		{"empty object", `{}`, ""},
		{"no metrics", `{"root_group": {"name": ""}, "metrics": null}`, ""},
		{"null statistic", `{"metrics": {"http_req_duration": {"p(99)": null, "max": 3}}}`, ""},
		{"surrounding space", " \n{\"metrics\": {}}\n", ""},
		{"not JSON", `k6 v1.8.1`, "want a JSON object"},
		{"an array", `[]`, "want a JSON object"},
		{"empty", ``, "want a JSON object"},
		{"two documents", `{} {}`, "unexpected data after"},
		{"metrics an array", `{"metrics": []}`, "metrics must be an object"},
		{"metric a number", `{"metrics": {"http_reqs": 3}}`, `metric "http_reqs": want an object`},
		{"metric null", `{"metrics": {"http_reqs": null}}`, `metric "http_reqs": is null`},
		{"statistic a string", `{"metrics": {"http_reqs": {"count": "3"}}}`, `"count" is a string, want a number`},
		{"statistic a boolean", `{"metrics": {"http_reqs": {"count": true}}}`, `"count" is a boolean`},
		{"statistic an object", `{"metrics": {"http_reqs": {"count": {}}}}`, `"count" is an object`},
		{"statistic out of range", `{"metrics": {"http_reqs": {"count": 1e999}}}`, `"count"`},
		{"threshold not a boolean", `{"metrics": {"http_reqs": {"thresholds": {"count>=0": "no"}}}}`, "thresholds must map"},
		{"truncated", `{"metrics": {"http_reqs": {"count": 3}`, "parse k6 summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSummary(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ParseSummary: %v", err)
				}
				if s.Metrics == nil {
					t.Error("Metrics is nil")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseSummary = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestResultRejects(t *testing.T) {
	spec := fixtureSpec("http://127.0.0.1:9")
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"another script's summary", `{"metrics": {"http_reqs": {"count": 3}}}`, `no sub-metric of the "measured" scenario`},
		{"negative count", `{"metrics": {"http_reqs{scenario:measured}": {"count": -1}}}`, "count -1 is not a whole number"},
		{"fractional count", `{"metrics": {"http_reqs{scenario:measured}": {"count": 1.5}}}`, "count 1.5 is not a whole number"},
		{"more failures than requests", `{"metrics": {"http_reqs{scenario:measured}": {"count": 1},
			"http_req_failed{scenario:measured}": {"passes": 2, "fails": 0, "value": 1}}}`, "counts 2 failed requests of 1"},
		{"more unexpected than passed", `{"metrics": {"http_reqs{scenario:measured}": {"count": 2},
			"http_req_failed{scenario:measured}": {"passes": 1, "fails": 1, "value": 0.5},
			"archbench_unexpected{scenario:measured}": {"count": 2, "rate": 1}}}`,
			"archbench_unexpected{scenario:measured} counts 2 unexpected responses of 1 requests k6 passed"},
		{"fractional unexpected", `{"metrics": {"http_reqs{scenario:measured}": {"count": 2},
			"archbench_unexpected{scenario:measured}": {"count": 0.5}}}`, "count 0.5 is not a whole number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSummary(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Result(spec); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Result = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestResultAbsentMetrics: a run that sent nothing has sub-metrics with no
// samples; Result reads them as zero.
func TestResultAbsentMetrics(t *testing.T) {
	s, err := ParseSummary(strings.NewReader(`{"metrics": {"iterations{scenario:measured}": {"count": 0, "rate": 0},
		"dropped_iterations{scenario:measured}": {"count": 7, "rate": 2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Result(fixtureSpec("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Count != 0 || len(r.Operations) != 0 || r.Achieved.Dropped != 7 || r.Total.Dropped != 7 || r.Achieved.Scheduled != 7 {
		t.Errorf("result %+v", r)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "k6 dropped 7 journeys") {
		t.Errorf("notes %q do not mention the drops", r.Notes)
	}
}

// TestResultUnexpected checks that checkout 409s the script counted in
// archbench_unexpected (k6 passed them; workload fails them) are errors of
// the checkout operation, its journey and the total, and that a summary
// without that metric, from a script older than it, reads as before.
func TestResultUnexpected(t *testing.T) {
	const checkout = "POST /carts/{id}/checkout"
	// base is a measured window of 20 requests, 8 of them checkouts and 10
	// in checkout journeys; k6 failed one checkout.
	base := `"iterations{scenario:measured}": {"count": 12},
		"http_reqs{scenario:measured}": {"count": 20, "rate": 10},
		"http_req_failed{scenario:measured}": {"passes": 1, "fails": 19, "value": 0.05},
		"http_reqs{scenario:measured,name:` + checkout + `}": {"count": 8, "rate": 4},
		"http_req_failed{scenario:measured,name:` + checkout + `}": {"passes": 1, "fails": 7, "value": 0.125},
		"http_reqs{scenario:measured,journey:checkout}": {"count": 10, "rate": 5},
		"http_req_failed{scenario:measured,journey:checkout}": {"passes": 1, "fails": 9, "value": 0.1}`
	unexpected := func(total, op, journey, warm int) string {
		return fmt.Sprintf(`,
		"archbench_unexpected": {"count": %d, "rate": 1},
		"archbench_unexpected{scenario:measured}": {"count": %d, "rate": 1, "thresholds": {"count>=0": false}},
		"archbench_unexpected{scenario:measured,name:`+checkout+`}": {"count": %d, "rate": 1},
		"archbench_unexpected{scenario:measured,name:GET /products}": {"count": 0, "rate": 0},
		"archbench_unexpected{scenario:measured,journey:checkout}": {"count": %d, "rate": 1},
		"archbench_unexpected{scenario:measured,journey:browse}": {"count": 0, "rate": 0}`, total+warm, total, op, journey)
	}
	for _, tc := range []struct {
		name               string
		extra              string
		total, op, journey int64 // errors
		note               bool
	}{
		{"absent", "", 1, 1, 1, false},
		{"present, none", unexpected(0, 0, 0, 0), 1, 1, 1, false},
		{"present", unexpected(3, 3, 3, 0), 4, 4, 4, true},
		{"warm-up only", unexpected(0, 0, 0, 2), 1, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSummary(strings.NewReader(`{"metrics": {` + base + tc.extra + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Result(fixtureSpec("http://127.0.0.1:9"))
			if err != nil {
				t.Fatal(err)
			}
			var op, journey results.OpStats
			for _, st := range r.Operations {
				if st.Name == checkout {
					op = st
				}
			}
			for _, st := range r.Journeys {
				if st.Name == "checkout" {
					journey = st
				}
			}
			if r.Total.Errors != tc.total || op.Errors != tc.op || journey.Errors != tc.journey {
				t.Errorf("errors: total %d, %s %d, journey %d; want %d, %d, %d",
					r.Total.Errors, checkout, op.Errors, journey.Errors, tc.total, tc.op, tc.journey)
			}
			if want := float64(tc.op) / 8; op.ErrorRate != want {
				t.Errorf("%s error rate %v, want %v", checkout, op.ErrorRate, want)
			}
			if want := float64(tc.total) / 20; r.Total.ErrorRate != want {
				t.Errorf("total error rate %v, want %v", r.Total.ErrorRate, want)
			}
			notes := strings.Join(r.Notes, "\n")
			if got := strings.Contains(notes, "other than out_of_stock"); got != tc.note {
				t.Errorf("notes mention unexpected 409s: %v, want %v:\n%s", got, tc.note, notes)
			}
		})
	}
}
