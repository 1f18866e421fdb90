package calibrate

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// platformToy is toy served by a function platform that recorded its
// routes and limits: A's function, B's, and two that events invoke.
func platformToy() results.VariantResult {
	v := toy()
	v.Platform = &results.Platform{
		Component: "toy", AccountConcurrency: 50, KeepAliveSec: 30,
		Functions: []results.PlatformFunction{
			{Name: "a", MemoryMB: 256, Routes: []string{"A"}, Invocations: 750, BilledMs: 1000, ColdStarts: 3,
				InitMs: results.InitPercentiles{P50: 10, P99: 20, Max: 20}, Provisioned: 2},
			{Name: "b", MemoryMB: 512, Routes: []string{"B", "unused"}, ReservedConcurrency: 5, Invocations: 250, BilledMs: 1000,
				ColdStarts: 1, InitMs: results.InitPercentiles{P50: 30, P99: 30, Max: 30}},
			{Name: "mail", MemoryMB: 128, Invocations: 100, BilledMs: 300},
			{Name: "sweep", MemoryMB: 128, Invocations: 50, BilledMs: 100, ColdStarts: 1, InitMs: results.InitPercentiles{P50: 40, P99: 40, Max: 40}},
			{Name: "idle", MemoryMB: 128, Routes: []string{"GET /idle"}},
		},
	}
	return v
}

// TestCalibrateFunctionPools checks the model of a platform that
// recorded its routes and limits: a pool per function, each operation's
// delay in its function's pool, and the functions no route invokes as
// async visits, at most one a request.
func TestCalibrateFunctionPools(t *testing.T) {
	c, err := Calibrate(context.Background(), platformToy(), 2, WithRounds(0), WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model
	// Every instance starts on the machine's CPUs (cold_start_station).
	wantPools := []sim.Pool{
		{Name: "a", MemoryMB: 256, ColdStart: sim.LogNormal(10, 20), ColdStartStation: StationCPU, KeepAliveSec: 30, Provisioned: 2},
		{Name: "b", MemoryMB: 512, ColdStart: sim.Deterministic(30), ColdStartStation: StationCPU, KeepAliveSec: 30, MaxConcurrency: 5},
		// mail measured no cold start: the platform's p50, weighted over
		// the functions' cold starts ((3×10 + 30 + 40) / 5).
		{Name: "mail", MemoryMB: 128, ColdStart: sim.Deterministic(20), ColdStartStation: StationCPU, KeepAliveSec: 30},
		{Name: "sweep", MemoryMB: 128, ColdStart: sim.Deterministic(40), ColdStartStation: StationCPU, KeepAliveSec: 30},
	}
	for i := range m.Pools {
		m.Pools[i].LoadFactors = nil
	}
	if !reflect.DeepEqual(m.Pools, wantPools) || m.AccountConcurrency != 50 {
		t.Errorf("pools %+v, account limit %d;\nwant %+v, 50", m.Pools, m.AccountConcurrency, wantPools)
	}
	// 1000 requests: 10 % set off mail (3 ms each), 5 % sweep (2 ms).
	wantAsync := []sim.Visit{
		{Pool: "mail", Service: sim.Exponential(3), Async: true, Next: []sim.Jump{{Prob: 1, To: 5}}},
		{Pool: "sweep", Service: sim.Exponential(2), Async: true},
	}
	for i, want := range []string{"a", "b"} {
		// The generator's share of the CPU demand comes first (a quarter:
		// it accounted 0.5 of the 2 ms a request), then the instance is
		// taken and held through the rest.
		r := m.Classes[i].Route
		if len(r) != 5 || r[0].Station != StationCPU || r[1].Pool != want || !r[1].Hold || r[2].Station != StationCPU {
			t.Fatalf("class %s: route %+v, want cpu, pool %s held, cpu, then two async visits", m.Classes[i].Name, r, want)
		}
		if gen, rest := r[0].Service.MeanMs, r[2].Service.MeanMs; !near(gen/(gen+rest), 0.25, 0.01) {
			t.Errorf("class %s: %g ms of CPU before the instance and %g after, want a quarter before", m.Classes[i].Name, gen, rest)
		}
		if jumps := []sim.Jump{{Prob: 0.1, To: 3}, {Prob: 0.05, To: 4}, {Prob: 0.85, To: 5}}; !reflect.DeepEqual(r[2].Next, jumps) {
			t.Errorf("class %s: jumps %+v, want %+v", m.Classes[i].Name, r[2].Next, jumps)
		}
		if !reflect.DeepEqual(r[3:], wantAsync) {
			t.Errorf("class %s: async visits %+v, want %+v", m.Classes[i].Name, r[3:], wantAsync)
		}
	}
	if c.GeneratorShare != 0.25 {
		t.Errorf("generator share %g, want 0.25", c.GeneratorShare)
	}
	if x := c.Explain(); !strings.Contains(x, "its function's pool (a pool per function, as the cloud scales them: a, b, mail, sweep; at most 50 instances busy at once") {
		t.Errorf("Explain() = %q, want it to put the delays in each operation's function's pool", x)
	}
	if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, "one per function") || !strings.Contains(notes, "at most 50 instances busy at once") {
		t.Errorf("notes %q, want the pools and the account's limit said", c.Notes)
	}

	// The simulator runs it: every request completes, and the async
	// functions take their shares.
	res, err := sim.Run(context.Background(), m, sim.WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	n := float64(res.Total.Arrivals)
	mail, _ := res.Pool("mail")
	if got := float64(mail.Invocations) / n; !near(got, 0.1, 0.1) || res.Total.Completed != res.Total.Arrivals {
		t.Errorf("mail invoked by %.3g of the requests, %d of %d completed; want 0.1, all", got, res.Total.Completed, res.Total.Arrivals)
	}
}

// TestCalibrateFunctionPoolsFallBack checks the cases that keep one pool
// for all the functions.
func TestCalibrateFunctionPoolsFallBack(t *testing.T) {
	tests := []struct {
		name string
		edit func(*results.VariantResult)
		note string
	}{
		{"limits not recorded", func(v *results.VariantResult) { v.Platform.AccountConcurrency = 0 }, ""},
		{"an operation no function served", func(v *results.VariantResult) { v.Platform.Functions[1].Routes = nil },
			"No function of the platform served B as measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := platformToy()
			tt.edit(&v)
			c, err := Calibrate(context.Background(), v, 2, WithRounds(0), WithRequests(5_000))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Model.Pools) != 1 || c.Model.Pools[0].Name != PoolFunctions || c.Model.AccountConcurrency != 0 {
				t.Errorf("pools %+v, account limit %d; want the one pool %q", c.Model.Pools, c.Model.AccountConcurrency, PoolFunctions)
			}
			if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want %q", c.Notes, tt.note)
			}
		})
	}
}

// TestCalibrateFunctionPoolsBehindGateway checks a platform that is not
// the front door: its functions are all invoked beside the requests.
func TestCalibrateFunctionPoolsBehindGateway(t *testing.T) {
	v := platformToy()
	v.Entry = "gateway"
	v.Platform.Functions = v.Platform.Functions[2:4] // mail and sweep
	c, err := Calibrate(context.Background(), v, 2, WithRounds(0), WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Model.Classes[0].Route
	if len(c.Model.Pools) != 2 || r[1].Station != StationWait || len(r) != 4 || r[2].Pool != "mail" || r[3].Pool != "sweep" {
		t.Errorf("pools %+v, route %+v; want mail and sweep, the delay at the wait station, then their async visits", c.Model.Pools, r)
	}
}

// TestFunctionPoolsLeaveRareOnesOut checks that a function invoked for
// under 0.1 % of the requests (a schedule's job) gets no pool: no visit
// would reach it.
func TestFunctionPoolsLeaveRareOnesOut(t *testing.T) {
	m := measure{all: 100_000, entry: "platform", ops: []opMeasure{{name: "A", count: 100_000}},
		platform: &platformMeasure{component: "platform", account: 100, invocations: 100_050, fns: []fnMeasure{
			{name: "a", routes: []string{"A"}, memoryMB: 128, invocations: 100_000},
			{name: "cron", memoryMB: 128, invocations: 50},
		}}}
	var notes []string
	fp, ok := functionPoolsOf(m, config{}, &notes)
	if !ok || len(fp.pools) != 1 || fp.pools[0].Name != "a" || len(fp.async) != 0 {
		t.Errorf("pools %+v, async %+v (ok %v); want a alone", fp.pools, fp.async, ok)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "Left out, invoked for under 0.1 % of the requests: cron.") {
		t.Errorf("notes %q, want cron named as left out", notes)
	}
}

// TestCalibrateFunctionPoolsOptions checks that WithKeepAlive and
// WithMaxConcurrency override what the platform recorded.
func TestCalibrateFunctionPoolsOptions(t *testing.T) {
	c, err := Calibrate(context.Background(), platformToy(), 2, WithRounds(0), WithRequests(5_000),
		WithKeepAlive(5*time.Minute), WithMaxConcurrency(1000))
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Model; m.AccountConcurrency != 1000 || len(m.Pools) != 4 || m.Pools[0].KeepAliveSec != 300 || m.Pools[3].KeepAliveSec != 300 {
		t.Errorf("account limit %d, pools %+v; want 1000 and a keep-alive of 300 s each", m.AccountConcurrency, m.Pools)
	}
}

// TestAppendAsyncs checks the routes async visits make: one jumps past
// its visit, several are each reached by a jump and jump past the rest,
// and shares over one a request are scaled down to at most one.
func TestAppendAsyncs(t *testing.T) {
	head := func() []sim.Visit { return []sim.Visit{{Station: StationCPU, Service: sim.Deterministic(1)}} }
	a := asyncVisit{pool: "mail", prob: 0.25, service: sim.Exponential(2)}
	b := asyncVisit{station: "writer core shop.db", prob: 0.5, service: sim.Deterministic(0.5)}
	tests := []struct {
		name  string
		as    []asyncVisit
		jumps []sim.Jump
		tail  []sim.Visit
	}{
		{"none", nil, nil, nil},
		{"one", []asyncVisit{a}, []sim.Jump{{Prob: 0.75, To: 2}},
			[]sim.Visit{{Pool: "mail", Service: sim.Exponential(2), Async: true}}},
		{"two", []asyncVisit{a, b}, []sim.Jump{{Prob: 0.25, To: 1}, {Prob: 0.5, To: 2}, {Prob: 0.25, To: 3}},
			[]sim.Visit{{Pool: "mail", Service: sim.Exponential(2), Async: true, Next: []sim.Jump{{Prob: 1, To: 3}}},
				{Station: "writer core shop.db", Service: sim.Deterministic(0.5), Async: true}}},
		{"over one a request", []asyncVisit{{pool: "mail", prob: 0.9, service: sim.Exponential(2)}, {pool: "sms", prob: 0.6, service: sim.Exponential(2)}},
			[]sim.Jump{{Prob: 0.6, To: 1}, {Prob: 0.4, To: 2}},
			[]sim.Visit{{Pool: "mail", Service: sim.Exponential(2), Async: true, Next: []sim.Jump{{Prob: 1, To: 3}}},
				{Pool: "sms", Service: sim.Exponential(2), Async: true}}},
	}
	for _, tc := range tests {
		r := appendAsyncs(head(), tc.as)
		if len(r) != 1+len(tc.tail) || !reflect.DeepEqual(r[0].Next, tc.jumps) || len(tc.tail) > 0 && !reflect.DeepEqual(r[1:], tc.tail) {
			t.Errorf("%s: route %+v, want jumps %+v and then %+v", tc.name, r, tc.jumps, tc.tail)
		}
	}
}

// TestCalibrateFunctionPoolsWriters checks that a platform's writers (its
// instances', summed by the platform) are held as any component's: after
// the request's visit to its function's pool, and in the background for
// the writes no request made, polled for as processes of their own do,
// the function's instance held through them; and that Explain says so.
func TestCalibrateFunctionPoolsWriters(t *testing.T) {
	v := platformToy()
	v.Writers = []results.WriterUsage{{Component: "toy", Database: "shop.db", Writes: 350, Held: ms(175), Operations: []results.OperationWrites{
		{Operation: "", Writes: 100, Held: ms(50)},
		{Operation: "B", Writes: 250, Held: ms(125)},
	}}}
	c, err := Calibrate(context.Background(), v, 2, WithRounds(0), WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	const writer = "writer toy shop.db"
	if !slices.ContainsFunc(c.Model.Stations, func(s sim.Station) bool {
		return s.Name == writer && s.Lock && s.Servers == 1 && reflect.DeepEqual(s.PollMs, sqliteBusyPollMs) && s.PollTimeoutMs == 5000
	}) {
		t.Fatalf("stations %+v: want %s, a lock with one server whose waiters poll as SQLite's busy handler", c.Model.Stations, writer)
	}
	route := c.Model.Classes[1].Route
	pool := slices.IndexFunc(route, func(v sim.Visit) bool { return v.Pool == "b" && !v.Async })
	hold := slices.IndexFunc(route, func(v sim.Visit) bool { return v.Station == writer && v.Hold })
	background := slices.IndexFunc(route, func(v sim.Visit) bool { return v.Station == writer && v.Async })
	if pool < 0 || !route[pool].Hold || hold < pool || background < 0 {
		t.Errorf("B's route %+v: want its pool's visit holding the instance, then the writer held, and a background write", route)
	}
	if r := c.Model.Classes[0].Route; slices.ContainsFunc(r, func(v sim.Visit) bool { return v.Hold && v.Station != "" }) {
		t.Errorf("A's route %+v: A writes nothing, so it holds no writer", r)
	}
	if w := c.Ops[1].Writers; len(w) != 1 || w[0].Station != writer || w[0].WritesPerRequest != 1 || w[0].HeldMs != 0.5 {
		t.Errorf("B's writers %+v, want one write a request of %s, 0.5 ms", w, writer)
	}
	if s := c.Explain(); !strings.Contains(s, "holds it through the rest of its CPU demand, its wait for a CPU included, and its writes") || !strings.Contains(s, "polls for it on SQLite's busy-handler schedule") {
		t.Errorf("Explain: %s\nwant it to say the writer polls and the instance is held through the writes", s)
	}
}
