package calibrate

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// ms is a results.Duration of x milliseconds.
func ms(x float64) results.Duration {
	return results.Duration(time.Duration(x * float64(time.Millisecond)))
}

// writingToy is toy whose operation B writes two databases of component
// core: events.db once a request, 3 ms a write, and shop.db twice, 0.5 ms
// a write; 100 more writes of shop.db come from no request.
func writingToy() results.VariantResult {
	v := toy()
	v.Writers = []results.WriterUsage{
		{Component: "core", Database: "events.db", Writes: 250, Held: ms(750), Operations: []results.OperationWrites{
			{Operation: "B", Writes: 250, Held: ms(750)},
		}},
		{Component: "core", Database: "shop.db", Writes: 600, Held: ms(300), Operations: []results.OperationWrites{
			{Operation: "", Writes: 100, Held: ms(50)},
			{Operation: "B", Writes: 500, Held: ms(250)},
		}},
	}
	return v
}

// TestCalibrateWriters checks that an operation's writes become holds of
// its databases' writers, in the route and in the fit: the writes' hold
// comes out of the demand on the operation's path, beyond it as a delay;
// an operation that writes nothing holds nothing; writes no request made
// to a writer requests hold become async holds of it that requests set
// off.
func TestCalibrateWriters(t *testing.T) {
	c, err := Calibrate(context.Background(), writingToy(), 2, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	var locks []string
	for _, s := range c.Model.Stations {
		if s.Lock {
			if s.Servers != 1 || s.PollMs != nil {
				t.Errorf("station %+v: a writer has one server, which one process's writes queue for", s)
			}
			locks = append(locks, s.Name)
		}
	}
	if want := []string{"writer core events.db", "writer core shop.db"}; !reflect.DeepEqual(locks, want) {
		t.Fatalf("lock stations %q, want %q", locks, want)
	}
	a, b := c.Ops[0], c.Ops[1]
	// 100 background writes for 1,000 requests, 0.5 ms each: a tenth of
	// the requests set one off, past which the others jump.
	background := sim.Visit{Station: "writer core shop.db", Service: sim.Deterministic(0.5), Async: true}
	if r := c.Model.Classes[0].Route; a.Writers != nil || len(r) != 3 || !reflect.DeepEqual(r[2], background) ||
		!reflect.DeepEqual(r[1].Next, []sim.Jump{{Prob: 0.9, To: 3}}) {
		t.Errorf("A writes nothing, but its fit holds %+v and its route is %+v; want cpu, wait, then the background write", a.Writers, r)
	}
	// B's floor, 3 ms, is its demand on its path; its writes hold 3 + 2 ×
	// 0.5 = 4 ms a request, so three quarters of each hold are CPU.
	want := []WriterFit{
		{Station: "writer core events.db", WritesPerRequest: 1, HeldMs: 3, CPUMs: 2.25, DelayMs: 0.75},
		{Station: "writer core shop.db", WritesPerRequest: 2, HeldMs: 0.5, CPUMs: 0.75, DelayMs: 0.25},
	}
	if !reflect.DeepEqual(b.Writers, want) {
		t.Errorf("B's writers:\n got %+v\nwant %+v", b.Writers, want)
	}
	route := c.Model.Classes[1].Route
	wantTail := []sim.Visit{
		{Station: "writer core events.db", Service: sim.Deterministic(0), Hold: true},
		{Station: StationCPU, Service: sim.Deterministic(2.25)},
		{Station: StationWait, Service: sim.Deterministic(0.75), Release: true},
		{Station: "writer core shop.db", Service: sim.Deterministic(0), Hold: true},
		{Station: StationCPU, Service: sim.Deterministic(0.75)},
		{Station: StationWait, Service: sim.Deterministic(0.25), Release: true},
	}
	if len(route) != 3+len(wantTail) || !reflect.DeepEqual(route[2], background) || !reflect.DeepEqual(route[3:], wantTail) {
		t.Fatalf("B's route %+v, want the cpu, the wait, the background write, then %+v", route, wantTail)
	}
	if !reflect.DeepEqual(route[0].Service, sim.Deterministic(minMs)) {
		t.Errorf("B's first cpu visit %+v: the writes took all of its demand on the path", route[0].Service)
	}
	// 25 B a second: events.db's writer 75 ms of each second, shop.db's
	// 25, and 5 more for the 10 background writes.
	if got := c.WriterBusy["writer core events.db"]; !near(got, 0.075, 0.1) {
		t.Errorf("events.db's writer %.3f busy at the calibration rate, want 0.075", got)
	}
	if got := c.WriterBusy["writer core shop.db"]; !near(got, 0.03, 0.15) {
		t.Errorf("shop.db's writer %.3f busy at the calibration rate, want 0.03", got)
	}
	if worst := worstErr(c); worst > 0.05 {
		t.Errorf("the model reproduces the measured percentiles within %.0f %%, want 5 %%", 100*worst)
	}
	if !strings.Contains(strings.Join(c.Notes, " "), "100 writes (0.1 a request) were made by no request") {
		t.Errorf("notes %q: want the writes no request made", c.Notes)
	}
	if s := c.Explain(); !regexp.MustCompile(`writer core events\.db \(B 1 a request, 3 ms each; [78] % busy`).MatchString(s) {
		t.Errorf("Explain: %s\nwant the writers", s)
	}

	// Where B's writes keep events.db's writer 75 % busy, B queues for it
	// and A does not: the model without writers sees no such queue.
	plain, err := Calibrate(context.Background(), toy(), 2, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	at := func(m sim.Model) (a, b float64) {
		res, err := sim.Run(context.Background(), m.WithRate(1000), sim.WithRequests(50_000))
		if err != nil {
			t.Fatal(err)
		}
		ra, _ := res.Class(c.Ops[0].Class)
		rb, _ := res.Class(c.Ops[1].Class)
		return ra.Latency.P99Ms, rb.Latency.P99Ms
	}
	wa, wb := at(c.Model)
	pa, pb := at(plain.Model)
	t.Logf("p99 at 1000 req/s: A %.3g ms with writers, %.3g without; B %.3g ms with, %.3g without", wa, pa, wb, pb)
	if !(wb > 1.5*pb) {
		t.Errorf("B's p99 at 1000 req/s: %.3g ms with its writers, %.3g without: want the writer's queue to show", wb, pb)
	}

	// Validated against a ramp step at that rate, the model's busiest
	// writer is in the point and the table, beside the measured one (none
	// here): events.db's, held at least 75 % of the time.
	run := toyRamp("ramp-w", results.RampStep{OfferedPerSec: 1000, JourneysPerSec: 1000, RequestsPerSec: 1000, P50Ms: 3, P99Ms: 20})
	s, err := Validate(context.Background(), c.Model, run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Points[0].Predicted
	if p.WriterBusy < 0.7 || !(p.WriterWaitedMs > 0) {
		t.Errorf("modeled writer busy %.2f, waited %.3g ms; want events.db's, at least 0.7 busy, with writes waiting", p.WriterBusy, p.WriterWaitedMs)
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, s); err != nil {
		t.Fatal(err)
	}
	cells := fmt.Sprintf("| — | %.0f %% | — | %.3g |", 100*p.WriterBusy, p.WriterWaitedMs)
	if !strings.Contains(md.String(), "| writer busy measured | writer busy modeled |") || !strings.Contains(md.String(), cells) {
		t.Errorf("markdown lacks the modeled writer beside no measured one (%q):\n%s", cells, md.String())
	}
}

// worstErr is the largest relative error of c's modeled p50 and p99.
func worstErr(c Calibration) float64 {
	var worst float64
	for _, o := range c.Ops {
		worst = max(worst, abs(relErr(o.Modeled.P50Ms, o.Measured.P50Ms)), abs(relErr(o.Modeled.P99Ms, o.Measured.P99Ms)))
	}
	return worst
}
