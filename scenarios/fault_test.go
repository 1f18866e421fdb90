package scenarios_test

import (
	"testing"
	"time"

	"github.com/archbench/archbench/scenarios"
)

// TestFault crashes, on real processes, the cart in the monolith (its one
// process: everything goes down, blast radius 1) and the notifications in
// the microservices (only their own service: blast radius 0), restarts
// them, and checks the data audit passes after each crash.
func TestFault(t *testing.T) {
	f := scenarios.Fault{Rate: 20, Warmup: 500 * time.Millisecond, Before: 2 * time.Second, During: 2 * time.Second, After: 3 * time.Second,
		Capabilities: []string{"cart", "notifications"}, Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith,microservices", f)
	radius := map[string]float64{}
	for _, v := range run.Variants {
		if v.Fault == nil {
			t.Fatalf("%s %s: no fault summary", v.Variant, v.Setting)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s %s: audit after the crash did not pass: %+v", v.Variant, v.Setting, v.Audit)
		}
		// After the restart, what was down comes back (a breaker may take
		// a moment to close again, so not necessarily all the way).
		for _, op := range v.Fault.Ops {
			if op.AvailAfter < 0.9 && (op.AvailAfter <= op.AvailDuring || op.AvailAfter < 0.5) {
				t.Errorf("%s %s: %s at %.2f availability after the restart (%.2f during)", v.Variant, v.Setting, op.Op, op.AvailAfter, op.AvailDuring)
			}
		}
		radius[v.Variant+"|"+v.Fault.Capability] = v.Fault.BlastRadius
	}
	if r, ok := radius["monolith|cart"]; ok && r < 0.99 {
		t.Errorf("monolith, cart crash: blast radius %.2f, want 1 (one process hosts everything)", r)
	}
	if r, ok := radius["microservices|notifications"]; ok && r > 0.01 {
		t.Errorf("microservices, notifications crash: blast radius %.2f, want 0", r)
	}
}

// TestDeploy redeploys the cart under load, on real processes: the
// monolith must restart everything, the microservices only the cart
// service; the browse operations, which do not need the cart, keep
// working in the microservices; the audit passes.
func TestDeploy(t *testing.T) {
	f := scenarios.Fault{Rate: 20, Warmup: 500 * time.Millisecond, Before: 2 * time.Second, During: 2 * time.Second, After: 2 * time.Second,
		Capabilities: []string{"cart"}, Redeploy: true, Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith,microservices", f)
	for _, v := range run.Variants {
		if v.Fault == nil || v.Fault.Kind != "redeploy" || v.Fault.RestartSec <= 0 {
			t.Fatalf("%s: deploy summary %+v", v.Variant, v.Fault)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s: audit after the deploy did not pass: %+v", v.Variant, v.Audit)
		}
		if v.Variant == "microservices" && v.Fault.BlastRadius > 0.01 {
			t.Errorf("microservices: redeploying the cart service degraded %d of %d operations that do not need it",
				v.Fault.UnaffectedDegraded, v.Fault.Unaffected)
		}
		want := "monolith"
		if v.Variant == "microservices" {
			want = "cart"
		}
		if len(v.Fault.Components) != 1 || v.Fault.Components[0] != want {
			t.Errorf("%s: redeployed %v, want %s", v.Variant, v.Fault.Components, want)
		}
	}
}

// TestCodeFault injects latency into the cart's code, in the monolith's
// one process and in the serverless variant's cart functions (through the
// platform): only the requests that run cart code slow down, and the
// timeline covers the fault window.
func TestCodeFault(t *testing.T) {
	f := scenarios.Fault{Rate: 20, Warmup: 500 * time.Millisecond, Before: 2 * time.Second, During: 2 * time.Second, After: 2 * time.Second,
		Cases: []scenarios.FaultCase{{Kind: "latency", Capability: "cart"}}, Latency: 250 * time.Millisecond,
		Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith,serverless", f)
	if len(run.Variants) != 2 {
		t.Fatalf("want a fault summary per variant, got %d results", len(run.Variants))
	}
	for _, v := range run.Variants {
		fs := v.Fault
		if fs == nil {
			t.Fatalf("%s: no fault summary", v.Variant)
		}
		if fs.Kind != "latency" || fs.Injected == "" || v.Setting != "latency cart" {
			t.Errorf("%s: fault %q (%q), setting %q; want latency cart, described", v.Variant, fs.Kind, fs.Injected, v.Setting)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s: audit after the fault did not pass: %+v", v.Variant, v.Audit)
		}
		for _, op := range fs.Ops {
			switch op.Op {
			case "POST /carts", "POST /carts/{id}/items":
				if op.P99During < 250 {
					t.Errorf("%s: %s needs the cart: p99 %.1f ms during the fault, want at least the injected 250 ms", v.Variant, op.Op, op.P99During)
				}
			case "GET /products", "GET /products/{id}":
				if op.Degraded || op.P99During >= 250 {
					t.Errorf("%s: %s does not run cart code: p99 %.1f ms during the fault (%.1f before), degraded %v", v.Variant, op.Op, op.P99During, op.P99Before, op.Degraded)
				}
			}
		}
		// The windows' results are on one clock: the series spans all
		// three windows, and the achieved rate is over all of them.
		if n := len(v.Series); n < 5 || v.Series[n-1].T < 5 {
			t.Errorf("%s: series has %d seconds; want the 6 s of the three windows", v.Variant, n)
		}
		if want := float64(v.Total.Count) / (f.Before + f.During + f.After).Seconds(); v.Achieved.RequestsPerSec > 1.3*want {
			t.Errorf("%s: achieved %.1f requests/s, want about %.1f: %d requests over the three windows", v.Variant, v.Achieved.RequestsPerSec, want, v.Total.Count)
		}
		if fs.StartSec <= 0 || fs.EndSec <= fs.StartSec || len(fs.Timeline) == 0 || len(fs.Timeline[0].Requests) < int(fs.EndSec) {
			t.Errorf("%s: timeline: window %.1f..%.1f s, %d ops; want the window inside the timeline", v.Variant, fs.StartSec, fs.EndSec, len(fs.Timeline))
		}
	}
}
