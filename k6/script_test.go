package k6

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/shop/httpapi"
)

// allOps are the operations of the default mix's journeys.
var allOps = []string{
	httpapi.RouteListProducts, httpapi.RouteGetProduct, httpapi.RouteCreateCart,
	httpapi.RouteAddItem, httpapi.RouteGetCart, httpapi.RouteCheckout,
}

func export(t *testing.T, spec Spec) string {
	t.Helper()
	var b bytes.Buffer
	if err := Export(&b, spec); err != nil {
		t.Fatalf("Export: %v", err)
	}
	return b.String()
}

func TestExport(t *testing.T) {
	const target = "http://127.0.0.1:9/"
	for _, tc := range []struct {
		name    string
		spec    Spec
		want    []string
		notWant []string
	}{
		{
			name: "constant with warm-up",
			spec: Spec{Target: target, Rate: 50, Duration: 3 * time.Second, Warmup: 2 * time.Second, MaxInFlight: 64, Seed: 7},
			want: []string{
				`"executor": "constant-arrival-rate"`, `"rate": 50`, `"timeUnit": "1s"`, `"duration": "3s"`,
				`"warmup": {`, `"measured": {`, `"startTime": "2s"`, `"startRate": 0`, `"target": 50`, `"duration": "1s"`,
				`"preAllocatedVUs": 10`, `"maxVUs": 64`, `"target": "http://127.0.0.1:9"`, `"seed": [`,
				`"http_reqs{scenario:warmup}"`, `"dropped_iterations{scenario:measured}"`, `"iterations{scenario:measured}"`,
				`"http_req_duration{scenario:measured,journey:checkout}": [`, `"count>=0"`,
				`"p(99.9)"`, `"cardToken": "tok_ok"`, `"zipf": 1.1`, `"products": 1000`,
			},
			notWant: []string{`\u003e`},
		},
		{
			name: "ramping",
			spec: Spec{Target: target, StartRate: 10, Stages: []loadgen.Stage{{Duration: 4 * time.Second, Target: 80}, {Target: 10}}},
			want: []string{
				`"executor": "ramping-arrival-rate"`, `"startRate": 10`, `"target": 80`, `"duration": "4s"`,
				`"target": 10`, `"duration": "0s"`,
			},
			notWant: []string{`"warmup": {`, "constant-arrival-rate", `"startTime"`},
		},
		{
			name: "fractional rate",
			spec: Spec{Target: target, Rate: 12.5, Duration: time.Second},
			want: []string{`"rate": 125`, `"timeUnit": "10s"`},
		},
		{
			name:    "browsing only",
			spec:    Spec{Target: target, Rate: 5, Duration: time.Second, Mix: "browse", Zipf: 1},
			want:    []string{"name:" + httpapi.RouteListProducts + "}", "name:" + httpapi.RouteGetProduct + "}", `"zipf": 1`},
			notWant: []string{"name:" + httpapi.RouteCheckout + "}", "journey:checkout}"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := export(t, tc.spec)
			for _, w := range tc.want {
				if !strings.Contains(script, w) {
					t.Errorf("script lacks %s", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(script, w) {
					t.Errorf("script holds %s", w)
				}
			}
		})
	}
}

// TestWarmupRises checks that k6's warm-up starts from nothing and reaches
// the warm-up rate halfway through, as archbench's does, and that the
// measured scenario starts when it ends.
func TestWarmupRises(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   Spec
		target int64
		halves [2]string
		start  string
	}{
		{"constant", Spec{Target: "http://127.0.0.1:9", Rate: 40, Duration: time.Second, Warmup: 3 * time.Second},
			40, [2]string{"1.5s", "1.5s"}, "3s"},
		{"ramping, its own warm-up rate", Spec{Target: "http://127.0.0.1:9", StartRate: 10, WarmupRate: 12.5,
			Stages: []loadgen.Stage{{Target: 20, Duration: time.Second}}, Warmup: 1001 * time.Millisecond},
			125, [2]string{"500.5ms", "500.5ms"}, "1.001s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newPlan(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			sc := p.options().Scenarios
			w, ok := sc[scenarioWarmup]
			if !ok {
				t.Fatalf("no warm-up scenario in %v", sc)
			}
			if w.Executor != "ramping-arrival-rate" || w.StartRate == nil || *w.StartRate != 0 {
				t.Errorf("warm-up executor %q from %v, want ramping-arrival-rate from 0", w.Executor, w.StartRate)
			}
			want := []k6Stage{{Target: tc.target, Duration: tc.halves[0]}, {Target: tc.target, Duration: tc.halves[1]}}
			if len(w.Stages) != 2 || w.Stages[0] != want[0] || w.Stages[1] != want[1] {
				t.Errorf("warm-up stages %+v, want %+v", w.Stages, want)
			}
			if got := sc[scenarioMeasured].StartTime; got != tc.start {
				t.Errorf("measured scenario starts at %q, want %q", got, tc.start)
			}
		})
	}
}

// TestExportNamesEveryOperation checks that every operation is both a
// request's name tag (through CFG.ops) and a sub-metric of each metric the
// result reads, with the statuses workload expects.
func TestExportNamesEveryOperation(t *testing.T) {
	script := export(t, Spec{Target: "http://127.0.0.1:9", Rate: 1, Duration: time.Second})
	for _, op := range allOps {
		for _, m := range []string{"http_reqs", "http_req_failed", "http_req_duration", metricUnexpected} {
			if sel := submetric(m, "scenario:measured,name:"+op); !strings.Contains(script, `"`+sel+`"`) {
				t.Errorf("no threshold on %s", sel)
			}
		}
		if !strings.Contains(script, `: "`+op+`"`) {
			t.Errorf("CFG.ops lacks %q", op)
		}
	}
	if !strings.Contains(script, `"POST /carts/{id}/checkout": [`+"\n      201,\n      402,\n      409\n    ]") {
		t.Errorf("checkout does not accept 201, 402 and 409:\n%s", script)
	}
}

// TestExportCountsUnexpectedConflicts checks that the script counts a
// checkout 409 whose code is not out_of_stock in metricUnexpected, tagged
// as the request, and reads the checkout's body to find the code.
// (TestRunCheckoutConflict checks what k6 makes of it.)
func TestExportCountsUnexpectedConflicts(t *testing.T) {
	script := export(t, Spec{Target: "http://127.0.0.1:9", Rate: 1, Duration: time.Second})
	for _, w := range []string{
		"import { Counter } from 'k6/metrics';",
		`"unexpected": "` + metricUnexpected + `"`,
		`"outOfStock": "out_of_stock"`,
		"new Counter(CFG.metrics.unexpected)",
		"op === OPS.createCart || op === OPS.checkout ? 'text' : 'none'",
		"if (res.status === 409 && errorCode(res.body) !== CFG.codes.outOfStock) {\n    UNEXPECTED.add(1, p.tags);",
		`"` + submetric(metricUnexpected, "scenario:measured") + `": [`,
		`"` + submetric(metricUnexpected, "scenario:measured,journey:checkout") + `": [`,
	} {
		if !strings.Contains(script, w) {
			t.Errorf("script lacks %s", w)
		}
	}
}

func TestExportRejectsBadSpec(t *testing.T) {
	var b bytes.Buffer
	err := Export(&b, Spec{Target: "http://x", Rate: 0, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "Rate must be > 0") {
		t.Fatalf("Export = %v, want an error naming Rate", err)
	}
	if b.Len() != 0 {
		t.Errorf("Export wrote %d bytes for a bad spec", b.Len())
	}
}

// k6Binary returns the pinned k6, building it if needed (about 70 s with an
// empty build cache), or skips the test when there is no go command.
func k6Binary(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("k6 runs as `go tool k6`, and there is no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := resolveK6(ctx, "go", "")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestExportInspect has k6 itself load each shape's script and work out
// its execution plan: the JavaScript compiles, and k6 accepts the options.
func TestExportInspect(t *testing.T) {
	bin := k6Binary(t)
	for name, spec := range map[string]Spec{
		"constant": {Target: "http://127.0.0.1:9", Rate: 12.5, Duration: 3 * time.Second, Warmup: time.Second},
		"ramping":  {Target: "http://127.0.0.1:9", StartRate: 5, Stages: []loadgen.Stage{{Duration: 2 * time.Second, Target: 40}, {Target: 5}}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "script.js")
			if err := os.WriteFile(path, []byte(export(t, spec)), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "inspect", "--execution-requirements", path)
			cmd.Env = k6Env(os.Environ())
			out, err := cmd.Output()
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("k6 inspect: %v\n%s", err, stderr)
			}
			var got struct {
				Scenarios map[string]struct {
					Executor string `json:"executor"`
				} `json:"scenarios"`
				Thresholds map[string]any `json:"thresholds"`
				MaxVUs     int            `json:"maxVUs"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("k6 inspect output: %v\n%s", err, out)
			}
			if _, ok := got.Scenarios[scenarioMeasured]; !ok {
				t.Errorf("k6 sees no %q scenario: %s", scenarioMeasured, out)
			}
			if len(got.Thresholds) == 0 {
				t.Errorf("k6 sees no thresholds: %s", out)
			}
			if got.MaxVUs == 0 {
				t.Errorf("k6 plans no virtual users: %s", out)
			}
		})
	}
}
