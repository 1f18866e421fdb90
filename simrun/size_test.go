package simrun

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/archbench/archbench/sim"
)

// cpuBound is a model whose cpu station, one server a replica, is all a
// request visits: 2,000 req/s of 1 ms each need three replicas at least.
func cpuBound(replicas int) sim.Model {
	return sim.Model{
		Name: "cpu-bound", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 2000},
		Stations: []sim.Station{{Name: "cpu", Servers: 1, Replicas: replicas}, {Name: "wait", Delay: true}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
			{Station: "cpu", Service: sim.Exponential(1)},
			{Station: "wait", Service: sim.Deterministic(1)},
		}}},
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		m        sim.Model
		slo      float64
		min, max int // the replicas found
	}{
		{"up from one replica", cpuBound(1), 20, 3, 6},
		{"down from too many", cpuBound(40), 20, 3, 6},
		{"a tighter SLO wants more", cpuBound(1), 8, 4, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, v, err := Size(context.Background(), tc.m, 2000, "cpu", tc.slo, WithRequests(20_000))
			if err != nil {
				t.Fatal(err)
			}
			if !s.Met() || s.Count < tc.min || s.Count > tc.max {
				t.Fatalf("sized %d replicas (tries %+v), want %d..%d", s.Count, s.Tries, tc.min, tc.max)
			}
			// The fewest: the count found met the SLO, one fewer missed it.
			i := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count })
			j := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count-1 })
			if i < 0 || !s.Tries[i].Met || s.Tries[i].P99Ms > tc.slo || j < 0 || s.Tries[j].Met {
				t.Errorf("tries %+v: want %d met and %d missed", s.Tries, s.Count, s.Count-1)
			}
			// The prediction returned is the one at the count found.
			if want := fmt.Sprintf("cpu %d %% busy (%d servers over %d replicas;", int(100*s.Tries[i].Utilization+0.5), s.Count, s.Count); !strings.Contains(StationsNote(v), want) {
				t.Errorf("stations note %q: want the cpu at %d replicas", StationsNote(v), s.Count)
			}
			t.Logf("%s", s)
			if note := v.Notes[len(v.Notes)-1]; !strings.Contains(note, "replicas are the fewest that meet it") {
				t.Errorf("last note %q: want the sizing", note)
			}
		})
	}
}

// TestSizeElsewhere sizes the cores of a model whose single writer is
// full: no count of cores helps, and Size says so after a few tries,
// naming the writer.
func TestSizeElsewhere(t *testing.T) {
	t.Parallel()
	s, v, err := Size(context.Background(), writerBound("writer-bound", 1200, 2), 1200, "cpu", 50, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if s.Met() || len(s.Tries) > 3 || !slices.Equal(s.Saturated, []string{"writer"}) {
		t.Errorf("sizing %+v: want no count met, a few tries, and the writer named", s)
	}
	if note := v.Notes[len(v.Notes)-1]; !strings.Contains(note, "no count met it; from 1 to 2 replicas the p99 went from 3723 to 3723 ms (cpu is 25 % busy), so more would not help: writer is full.") {
		t.Errorf("last note %q: want the sizing's failure", note)
	}
}

// TestSizeNamesWaitsAndThrottles sizes the cores of a model whose
// function instances wait, held, for a writer whose waiters poll: the
// writer is never 95 % busy (it idles between tries), yet the instances
// it keeps waiting fill the pool's limit, which throttles. No count of
// cores helps, and Size says where the time and the requests go.
func TestSizeNamesWaitsAndThrottles(t *testing.T) {
	t.Parallel()
	m := sim.Model{
		Name: "polled", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 800},
		Stations: []sim.Station{
			{Name: "cpu", Servers: 1, Replicas: 1},
			{Name: "writer", Servers: 1, Replicas: 1, Lock: true, PollMs: []float64{1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100}},
		},
		Pools: []sim.Pool{{Name: "fn", MemoryMB: 128, ColdStart: sim.Deterministic(1), KeepAliveSec: 60, MaxConcurrency: 20}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
			{Pool: "fn", Service: sim.Deterministic(0.1), Hold: true},
			{Station: "cpu", Service: sim.Deterministic(0.1)},
			{Station: "writer", Service: sim.Deterministic(1)},
		}}},
	}
	s, _, err := Size(context.Background(), m, 800, "cpu", 50, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	text := s.String()
	if s.Met() || len(s.Saturated) != 0 {
		t.Fatalf("sizing %s: want no count met and no queue 95 %% busy", text)
	}
	want := regexp.MustCompile(`no queue is full, but requests wait [\d.]+ ms on average for writer, and \d+ were throttled at the functions' concurrency limits; replicas do not change that\.`)
	if !want.MatchString(text) {
		t.Errorf("sizing says %q: want the writer's wait and the throttles named", text)
	}
	if line := SweepSizing([]Sizing{s}); !strings.Contains(line, "800 req/s, none met it (requests wait ") || !strings.Contains(line, " were throttled at the functions' concurrency limits)") {
		t.Errorf("a sweep's line %q: want the same reasons at the rate", line)
	}
}

func TestSizeBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, station string
		slo           float64
		want          string
	}{
		{"no such station", "gpu", 10, `no queueing station or function pool "gpu"; it has cpu`},
		{"a delay", "wait", 10, `station "wait" is a delay`},
		{"no SLO", "cpu", 0, "the p99 SLO must be > 0 ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Size(context.Background(), cpuBound(1), 2000, tc.station, tc.slo, WithRequests(1000))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestSizeNearTheServiceFloor asks for a p99 below what a request's own
// service and delay take (5.6 ms: 1 ms of delay and an exponential 1 ms
// service's p99 of 4.6 ms): replicas cut the waiting, not that, so Size
// stops once doubling them hardly moves the p99.
func TestSizeNearTheServiceFloor(t *testing.T) {
	t.Parallel()
	s, _, err := Size(context.Background(), cpuBound(1), 2000, "cpu", 5, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	last := s.Tries[len(s.Tries)-1]
	if s.Met() || len(s.Saturated) != 0 || last.Count > 32 || last.P99Ms < 5 {
		t.Errorf("sizing %+v: want no count met, stopped well short of %d replicas with no queue full", s, MaxReplicas)
	}
	if !strings.Contains(s.String(), "no queue is full, and replicas do not shorten service or delays") {
		t.Errorf("sizing says %q: want why more replicas would not help", s)
	}
}

// TestSizedSweep sizes the cores at each rate of a sweep: one replica
// carries 500 req/s within 20 ms, 2,000 req/s need three; the ramp steps
// are the predictions at those counts, and one note says the counts.
func TestSizedSweep(t *testing.T) {
	t.Parallel()
	v, ss, err := SizedSweep(context.Background(), cpuBound(1), []float64{500, 2000}, "cpu", 20, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Count != 1 || ss[1].Count != 3 {
		t.Fatalf("sizings %+v: want 1 and 3 replicas", ss)
	}
	if v.Ramp == nil || len(v.Ramp.Steps) != 2 || v.Ramp.Steps[1].P99Ms > 20 || v.Ramp.Steps[1].OfferedPerSec != 2000 {
		t.Errorf("ramp %+v: want two steps, the second at 2000 req/s within 20 ms", v.Ramp)
	}
	var sized []string
	for _, n := range v.Notes {
		if strings.HasPrefix(n, "Sized ") {
			sized = append(sized, n)
		}
	}
	want := "Sized cpu for a p99 of 20 ms at each rate of the sweep (the steps are the predictions at those counts): 500 req/s, 1 replica; 2000 req/s, 3 replicas."
	if len(sized) != 1 || sized[0] != want {
		t.Errorf("sizing notes %q, want only %q", sized, want)
	}
}

// poolBound is a model whose requests take 1 ms of a roomy cpu station,
// then 10 ms of a function pool's instance: at 2,000 req/s the pool
// serves 20 requests at once on average, and more at peaks; limit is its
// concurrency limit and cpuServers the cpu's servers.
func poolBound(limit, cpuServers int) sim.Model {
	return sim.Model{
		Name: "pool-bound", DurationSec: 100,
		Arrivals: sim.Arrivals{RatePerSec: 2000},
		Stations: []sim.Station{{Name: "cpu", Servers: cpuServers, Replicas: 1}},
		Pools:    []sim.Pool{{Name: "functions", MemoryMB: 128, ColdStart: sim.Deterministic(20), KeepAliveSec: 60, MaxConcurrency: limit}},
		Classes: []sim.Class{{Name: "op", Weight: 1, Route: []sim.Visit{
			{Station: "cpu", Service: sim.Exponential(1)},
			{Pool: "functions", Service: sim.Deterministic(10)},
		}}},
	}
}

// TestSizePool sizes a pool's concurrency limit: the lowest at which it
// throttles nothing, from a limit too low and from none at all. Doubling
// the limit cuts throttles long before it moves the p99 of the requests
// served, so the sizing must go on while errors fall.
func TestSizePool(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{4, 0} {
		t.Run(fmt.Sprintf("from a limit of %d", limit), func(t *testing.T) {
			t.Parallel()
			s, v, err := Size(context.Background(), poolBound(limit, 8), 2000, "functions", 100, WithRequests(20_000))
			if err != nil {
				t.Fatal(err)
			}
			// 20 at once on average: Poisson peaks over 20,000 requests
			// reach the thirties.
			if !s.Pool || !s.Met() || s.Count < 25 || s.Count > 60 {
				t.Fatalf("sized %+v, want a pool's limit of 25..60", s)
			}
			i := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count })
			j := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count-1 })
			if i < 0 || s.Tries[i].Throttled != 0 || s.Tries[i].PeakInstances < s.Count-5 || j < 0 || s.Tries[j].Throttled == 0 {
				t.Errorf("tries %+v: want %d without throttles and %d with", s.Tries, s.Count, s.Count-1)
			}
			want := fmt.Sprintf("Sized the concurrency limit of pool functions for a p99 of 100 ms at 2000 req/s: a limit of %d is the lowest that meets it", s.Count)
			if note := v.Notes[len(v.Notes)-1]; !strings.HasPrefix(note, want) {
				t.Errorf("last note %q: want it to begin %q", note, want)
			}
			if pl := v.Platform; pl == nil || len(pl.Functions) != 1 || pl.Functions[0].Throttles != 0 {
				t.Errorf("platform %+v: want the prediction at the limit found, without throttles", pl)
			}
		})
	}
}

// TestSizePoolElsewhere sizes a pool whose requests queue for a full cpu
// station first: raising the limit ends the throttles but not the
// queue, and Size names it.
func TestSizePoolElsewhere(t *testing.T) {
	t.Parallel()
	s, _, err := Size(context.Background(), poolBound(4, 2), 2000, "functions", 100, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if s.Met() || !slices.Equal(s.Saturated, []string{"cpu"}) || len(s.Tries) > 10 {
		t.Errorf("sizing %+v: want no limit met, the cpu named, and few tries", s)
	}
	if !strings.Contains(s.String(), "so more would not help: cpu is full.") {
		t.Errorf("sizing says %q: want the cpu named as full", s)
	}
}

// TestSizePhases sizes for every second of a spike: a pool's provisioned
// instances, which take the burst's cold starts away (each adds 20 ms to
// a request of 11 ms, so a second with more than 1 % of them misses a
// 25 ms p99), a pool whose concurrency limit throttles the burst whatever
// is provisioned, and a station's replicas.
func TestSizePhases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		m          sim.Model
		size       string
		met        bool
		lo, hi     int
		wantInText string
	}{
		{"provisioned instances", poolBound(0, 64), "functions", true, 10, 60,
			"provisioned instances are the fewest that meet it, without throttles, errors or a saturated queue. Provisioned instances tried: 0: "},
		{"a limit that throttles", poolBound(20, 64), "functions", false, 20, 20,
			"no count met it up to 20, the pool's concurrency limit, which caps its provisioned instances"},
		{"a station's replicas", cpuBound(1), "cpu", true, 3, 5, "replicas are the fewest that meet it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			phases := spikePhases
			if tc.size == "cpu" {
				phases = []sim.Phase{{DurationSec: 10, RatePerSec: 500}, {DurationSec: 5, RatePerSec: 2500}, {DurationSec: 10, RatePerSec: 500}}
			}
			s, v, err := SizePhases(context.Background(), tc.m, phases, tc.size, 25)
			if err != nil {
				t.Fatal(err)
			}
			if s.Met() != tc.met || s.Tries[len(s.Tries)-1].Count < tc.lo || (tc.met && (s.Count < tc.lo || s.Count > tc.hi)) {
				t.Fatalf("sizing %+v: want met %v with a count of %d..%d", s, tc.met, tc.lo, tc.hi)
			}
			if !strings.Contains(s.String(), tc.wantInText) || !strings.Contains(s.String(), "in every second of 10 s at ") {
				t.Errorf("sizing says %q: want it to contain %q and the phases", s, tc.wantInText)
			}
			if !tc.met {
				return
			}
			// The count found met the SLO in every second; one fewer did not.
			i := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count })
			j := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count-1 })
			if i < 0 || !s.Tries[i].Met || j < 0 || s.Tries[j].Met {
				t.Errorf("tries %+v: want %d met and %d missed", s.Tries, s.Count, s.Count-1)
			}
			for _, sec := range v.Series {
				if sec.P99Ms > 25 || sec.Errors > 0 {
					t.Errorf("second %d at the count found: p99 %g ms, %d errors: want within 25 ms, none", sec.T, sec.P99Ms, sec.Errors)
				}
			}
		})
	}
}

// TestSizePhasesElsewhere provisions for a burst that a full cpu station
// slows whatever the pool does: sizing stops once no request waits for a
// cold start, and says the time goes elsewhere.
func TestSizePhasesElsewhere(t *testing.T) {
	t.Parallel()
	m := poolBound(0, 2) // 2,000 req/s of 1 ms on two servers: full in the burst
	s, _, err := SizePhases(context.Background(), m, spikePhases, "functions", 25)
	if err != nil {
		t.Fatal(err)
	}
	last := s.Tries[len(s.Tries)-1]
	if s.Met() || last.ColdStarts != 0 || last.Count > 128 {
		t.Fatalf("sizing %+v: want none met, stopping once no cold start is left", s)
	}
	if want := "no request waited for a cold start, so more would not help: requests queue for cpu ("; !strings.Contains(s.String(), want) {
		t.Errorf("sizing says %q: want %q", s, want)
	}
}

// splitPools is poolBound's load over two functions' pools, half each,
// under an account's limit.
func splitPools(account int) sim.Model {
	m := poolBound(0, 8)
	m.AccountConcurrency = account
	m.Pools = []sim.Pool{
		{Name: "read", MemoryMB: 128, ColdStart: sim.Deterministic(20), KeepAliveSec: 60},
		{Name: "write", MemoryMB: 128, ColdStart: sim.Deterministic(20), KeepAliveSec: 60},
	}
	route := m.Classes[0].Route
	m.Classes = []sim.Class{
		{Name: "get", Weight: 1, Route: []sim.Visit{route[0], {Pool: "read", Service: route[1].Service}}},
		{Name: "put", Weight: 1, Route: []sim.Visit{route[0], {Pool: "write", Service: route[1].Service}}},
	}
	return m
}

// TestSizeAccount sizes the account's limit over two pools: the lowest
// at which neither throttles, about what one pool of both loads needs.
func TestSizeAccount(t *testing.T) {
	t.Parallel()
	s, v, err := Size(context.Background(), splitPools(4), 2000, Account, 100, WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Account || !s.Met() || s.Count < 25 || s.Count > 60 {
		t.Fatalf("sized %+v, want the account's limit at 25..60", s)
	}
	j := slices.IndexFunc(s.Tries, func(tr Try) bool { return tr.Count == s.Count-1 })
	if j < 0 || s.Tries[j].Throttled == 0 {
		t.Errorf("tries %+v: want %d to throttle", s.Tries, s.Count-1)
	}
	want := fmt.Sprintf("Sized the account's concurrency limit over every pool for a p99 of 100 ms at 2000 req/s: a limit of %d is the lowest", s.Count)
	if note := v.Notes[len(v.Notes)-1]; !strings.HasPrefix(note, want) {
		t.Errorf("last note %q: want it to begin %q", note, want)
	}
	if pl := v.Platform; pl == nil || pl.AccountConcurrency != s.Count {
		t.Errorf("platform %+v: want the prediction at the limit found", pl)
	}
	// A model without pools has no account to size.
	if _, _, err := Size(context.Background(), cpuBound(1), 2000, Account, 100); err == nil || !strings.Contains(err.Error(), `no queueing station or function pool "account"`) {
		t.Errorf("sizing the account of a model without pools: %v", err)
	}
}

// TestSizePhasesUnderTheAccount sizes a pool's provisioned instances
// where the account's limit, less what the other pool provisions, caps
// them: the sizing says which limit to raise.
func TestSizePhasesUnderTheAccount(t *testing.T) {
	t.Parallel()
	m := splitPools(12)
	m.Pools[1].Provisioned = 4
	phases := []sim.Phase{{DurationSec: 10, RatePerSec: 200}, {DurationSec: 5, RatePerSec: 2000}, {DurationSec: 10, RatePerSec: 200}}
	s, _, err := SizePhases(context.Background(), m, phases, "read", 25)
	if err != nil {
		t.Fatal(err)
	}
	if s.Met() || s.Limit != 8 || s.LimitName != "account_concurrency" {
		t.Fatalf("sized %+v, want none met, capped at 8 by the account (12 less write's 4)", s)
	}
	if last := s.Tries[len(s.Tries)-1]; last.Count != 8 || !strings.Contains(s.String(), "up to 8, what the account's concurrency limit leaves the pool") {
		t.Errorf("last try %+v, sizing %q: want it stopped at 8, naming the account's limit", last, s)
	}
}
