package sim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fullModel is a valid model that uses every part of the format.
func fullModel() Model {
	hop := LogNormal(0.2, 1)
	errAfter := Exponential(50)
	return Model{
		Name:        "full",
		Label:       Label,
		DurationSec: 20,
		WarmupSec:   2,
		Arrivals: Arrivals{
			RatePerSec: 100,
			Phases:     []Phase{{DurationSec: 5, RatePerSec: 50}, {DurationSec: 5, RatePerSec: 400}},
			Bursts:     []Burst{{AtSec: 15, Requests: 30}},
		},
		Hop: &hop,
		Stations: []Station{
			{Name: "gateway", Servers: 4, MemoryMB: 64},
			{Name: "api", Servers: 2, Replicas: 2, Balance: BalanceShortestQueue, QueueLimit: 100, MemoryMB: 128,
				Autoscale: &Autoscale{Min: 1, Max: 6, TargetUtilization: 0.6, IntervalSec: 2, StartupSec: 1}},
			{Name: "db", Servers: 8, Lock: true, PollMs: []float64{1, 2, 5}, PollTimeoutMs: 5000, LoadFactors: []LoadFactor{{RatePerSec: 50, Factor: 1.2}, {RatePerSec: 400, Factor: 0.9}}},
			{Name: "provider", Delay: true, Replicas: 1},
		},
		Pools: []Pool{{Name: "mail", MemoryMB: 256, ColdStart: LogNormal(200, 800), ColdStartStation: "api", KeepAliveSec: 10, MaxConcurrency: 20, Provisioned: 2,
			LoadFactors: []LoadFactor{{RatePerSec: 100, Factor: 1.1}}}},
		AccountConcurrency: 50,
		Classes: []Class{
			{Name: "read", Weight: 3, Route: []Visit{
				{Station: "gateway", Service: Exponential(0.2)},
				{Station: "api", Service: Empirical(Quantile{0, 0.5}, Quantile{0.5, 1}, Quantile{0.99, 4}, Quantile{1, 9})},
				{Station: "db", Service: Exponential(0.5), Next: []Jump{{Prob: 0.2, To: 1}}},
			}},
			{Name: "write", Weight: 1, Route: []Visit{
				{Station: "gateway", Service: Deterministic(0.2)},
				{Station: "db", Service: Exponential(2), Hold: true},
				{Pool: "mail", Service: LogNormal(5, 20), Async: true},
				{Station: "provider", Service: Exponential(30), Release: true},
			}},
		},
		Faults: []Fault{
			{Station: "db", Kind: FaultSlow, StartSec: 8, EndSec: 9, Factor: 4},
			{Pool: "mail", Kind: FaultDown, StartSec: 12, EndSec: 13, ErrorAfter: &errAfter},
		},
	}
}

func TestTestdataModels(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"mm1.json", "microservices.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			// The files are as Write writes them, so a user's edit of a
			// written model looks like them.
			var buf bytes.Buffer
			if err := m.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), data) {
				t.Errorf("Write does not reproduce testdata/%s:\n%s", name, buf.Bytes())
			}
		})
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	t.Parallel()
	m := fullModel()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip changed the model:\n got %+v\nwant %+v", got, m)
	}
	if _, err := Run(context.Background(), got); err != nil {
		t.Errorf("Run the full model: %v", err)
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	var full bytes.Buffer
	if err := fullModel().Write(&full); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "empty"},
		{"not an object", "[]", "decode"},
		{"unknown field", `{"name":"x","duration_sec":1,"bogus":1}`, `unknown field "bogus"`},
		{"unknown nested field", strings.Replace(full.String(), `"servers": 4`, `"servers": 4, "cpus": 2`, 1), `unknown field "cpus"`},
		{"trailing data", full.String() + "{}", "after the JSON object"},
		{"wrong type", `{"duration_sec":"10"}`, "duration_sec"},
		{"invalid", strings.Replace(full.String(), `"servers": 4`, `"servers": 0`, 1), "stations[0].servers must be 1 to 1000000, but is 0"},
		{"too large", `{"name":"` + strings.Repeat("x", maxModelBytes) + `"}`, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(strings.NewReader(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	if err := fullModel().Validate(); err != nil {
		t.Fatalf("the full model is invalid: %v", err)
	}
	tests := []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"label", func(m *Model) { m.Label = "measured" }, `label must be "modeled" or empty, but is "measured"`},
		{"duration", func(m *Model) { m.DurationSec = 0 }, "duration_sec must be > 0"},
		{"warmup negative", func(m *Model) { m.WarmupSec = -1 }, "warmup_sec must be >= 0"},
		{"warmup too long", func(m *Model) { m.WarmupSec = 20 }, "warmup_sec must be less than duration_sec (20), but is 20"},
		{"no arrivals", func(m *Model) { m.Arrivals = Arrivals{} }, "arrivals must bring requests"},
		{"account limit", func(m *Model) { m.AccountConcurrency = -1 }, "account_concurrency must be 0 to"},
		{"cold start station unknown", func(m *Model) { m.Pools[0].ColdStartStation = "gpu" }, `pools[0].cold_start_station must name a station with servers, but is "gpu"`},
		{"cold start station a delay", func(m *Model) { m.Pools[0].ColdStartStation = "provider" }, `pools[0].cold_start_station must name a station with servers, but is "provider"`},
		{"account limit below provisioned", func(m *Model) { m.AccountConcurrency = 1 }, "the pools' provisioned instances (2 in all) must not exceed account_concurrency (1)"},
		{"account limit without pools", func(m *Model) {
			m.Pools = nil
			m.Classes = m.Classes[:1]
			m.Faults = nil
		}, "account_concurrency bounds the pools' instances, but the model has no pool"},
		{"rate", func(m *Model) { m.Arrivals.RatePerSec = -1 }, "arrivals.rate_per_sec must be >= 0"},
		{"phase duration", func(m *Model) { m.Arrivals.Phases[1].DurationSec = 0 }, "arrivals.phases[1].duration_sec must be > 0"},
		{"burst late", func(m *Model) { m.Arrivals.Bursts[0].AtSec = 20 }, "arrivals.bursts[0].at_sec must be before duration_sec"},
		{"burst size", func(m *Model) { m.Arrivals.Bursts[0].Requests = 0 }, "arrivals.bursts[0].requests must be 1 to"},
		{"hop", func(m *Model) { m.Hop.P99Ms = 0.1 }, "hop.p99_ms must be greater than median_ms (0.2), but is 0.1"},
		{"station name", func(m *Model) { m.Stations[1].Name = "" }, "stations[1].name must name the station, but is empty"},
		{"duplicate name", func(m *Model) { m.Pools[0].Name = "db" }, `pools[0].name must be unique among stations and pools, but "db" is also stations[2].name`},
		{"servers", func(m *Model) { m.Stations[2].Servers = 0 }, "stations[2].servers must be 1 to 1000000, but is 0"},
		{"replicas", func(m *Model) { m.Stations[0].Replicas = -1 }, "stations[0].replicas must be 0 to 10000, but is -1"},
		{"balance", func(m *Model) { m.Stations[0].Balance = "random" }, `stations[0].balance must be "round_robin" or "shortest_queue"`},
		{"queue limit", func(m *Model) { m.Stations[0].QueueLimit = -1 }, "stations[0].queue_limit must be 0 to"},
		{"autoscale min", func(m *Model) { m.Stations[1].Autoscale.Min = 0 }, "stations[1].autoscale.min must be 1 to 10000, but is 0"},
		{"autoscale max", func(m *Model) { m.Stations[1].Autoscale.Max = 1 }, "stations[1].replicas must be 0 or within autoscale's min and max (1 to 1), but is 2"},
		{"autoscale target", func(m *Model) { m.Stations[1].Autoscale.TargetUtilization = 1.5 }, "stations[1].autoscale.target_utilization must be in (0, 1], but is 1.5"},
		{"autoscale interval", func(m *Model) { m.Stations[1].Autoscale.IntervalSec = 0 }, "stations[1].autoscale.interval_sec must be 0.1 to 1000000, but is 0"},
		{"load factor order", func(m *Model) {
			m.Stations[0].LoadFactors = []LoadFactor{{RatePerSec: 200, Factor: 1}, {RatePerSec: 100, Factor: 1}}
		}, "stations[0].load_factors[1].rate_per_sec must be greater than the point before's (200)"},
		{"load factor", func(m *Model) { m.Pools[0].LoadFactors = []LoadFactor{{RatePerSec: 100, Factor: 0}} }, "pools[0].load_factors[0].factor must be 0.01 to 100, but is 0"},
		{"load factor rate", func(m *Model) { m.Pools[0].LoadFactors = []LoadFactor{{RatePerSec: -1, Factor: 1}} }, "pools[0].load_factors[0].rate_per_sec must be > 0"},
		{"pool memory", func(m *Model) { m.Pools[0].MemoryMB = 0 }, "pools[0].memory_mb must be 1 to"},
		{"cold start kind", func(m *Model) { m.Pools[0].ColdStart.Kind = "weibull" }, `pools[0].cold_start.kind must be "exponential", "deterministic", "lognormal" or "empirical", but is "weibull"`},
		{"keep-alive", func(m *Model) { m.Pools[0].KeepAliveSec = -1 }, "pools[0].keep_alive_sec must be >= 0"},
		{"provisioned", func(m *Model) { m.Pools[0].Provisioned = 21 }, "pools[0].provisioned must be 0 to 20, but is 21"},
		{"no classes", func(m *Model) { m.Classes = nil }, "classes must list at least one class"},
		{"class weight", func(m *Model) { m.Classes[1].Weight = 0 }, "classes[1].weight must be > 0, but is 0"},
		{"class weights overflow", func(m *Model) { m.Classes[0].Weight, m.Classes[1].Weight = 1e308, 1e308 },
			"classes[1].weight must keep the sum of the classes' weights finite (at most 1.7976931348623157e+308; scale every weight down), but is 1e+308"},
		{"delay servers", func(m *Model) { m.Stations[0].Delay = true }, "stations[0].servers must be 0 or absent on a delay station"},
		{"delay queue limit", func(m *Model) { m.Stations[1].Delay, m.Stations[1].Servers = true, 0 }, "stations[1].queue_limit must be 0 or absent on a delay station"},
		{"delay autoscale", func(m *Model) { m.Stations[1].Delay, m.Stations[1].Servers = true, 0 }, "stations[1].autoscale must be absent on a delay station"},
		{"delay lock", func(m *Model) { m.Stations[3].Lock = true }, "stations[3].lock must be false on a delay station"},
		{"poll on a delay", func(m *Model) { m.Stations[3].PollMs = []float64{1} }, "stations[3].poll_ms must be absent on a delay station"},
		{"poll with a queue limit", func(m *Model) { m.Stations[1].PollMs = []float64{1} }, "stations[1].poll_ms and queue_limit exclude each other"},
		{"poll with autoscale", func(m *Model) { m.Stations[1].PollMs, m.Stations[1].QueueLimit = []float64{1}, 0 }, "stations[1].poll_ms and autoscale exclude each other"},
		{"poll delay zero", func(m *Model) { m.Stations[2].PollMs = []float64{1, 0} }, "stations[2].poll_ms[1] must be a positive number of ms, but is 0"},
		{"poll delay infinite", func(m *Model) { m.Stations[2].PollMs = []float64{math.Inf(1)} }, "stations[2].poll_ms[0] must be a positive number of ms, but is +Inf"},
		{"poll schedule too long", func(m *Model) { m.Stations[2].PollMs = make([]float64, 65) }, "stations[2].poll_ms holds at most 64 delays, but 65"},
		{"poll timeout alone", func(m *Model) { m.Stations[0].PollTimeoutMs = 5 }, "stations[0].poll_timeout_ms needs poll_ms"},
		{"poll timeout negative", func(m *Model) { m.Stations[2].PollTimeoutMs = -1 }, "stations[2].poll_timeout_ms must be 0 (no limit) or a positive number of ms, but is -1"},
		{"delay unset", func(m *Model) { m.Stations[3].Delay = false }, "stations[3].servers must be 1 to 1000000, but is 0"},
		{"class name", func(m *Model) { m.Classes[1].Name = "read" }, `classes[1].name must be unique among classes, but "read" repeats`},
		{"empty route", func(m *Model) { m.Classes[0].Route = nil }, "classes[0].route must list at least one visit"},
		{"visit target", func(m *Model) { m.Classes[0].Route[0].Station = "" }, "classes[0].route[0] must set station or pool, but sets neither"},
		{"visit both", func(m *Model) { m.Classes[0].Route[0].Pool = "mail" }, "classes[0].route[0] must set station or pool, not both"},
		{"visit unknown", func(m *Model) { m.Classes[0].Route[0].Station = "cache" }, `classes[0].route[0].station must name one of the stations, but is "cache"`},
		{"visit pool as station", func(m *Model) { m.Classes[0].Route[0].Station = "mail" }, `classes[0].route[0].station must name one of the stations, but is "mail"`},
		{"exponential mean", func(m *Model) { m.Classes[0].Route[0].Service.MeanMs = 0 }, "classes[0].route[0].service.mean_ms must be > 0"},
		{"unused field", func(m *Model) { m.Classes[0].Route[0].Service.MedianMs = 3 }, `classes[0].route[0].service.median_ms is not used by kind "exponential"`},
		{"deterministic negative", func(m *Model) { m.Classes[1].Route[0].Service.MeanMs = -1 }, "classes[1].route[0].service.mean_ms must be >= 0"},
		{"empirical start", func(m *Model) { m.Classes[0].Route[1].Service.Quantiles[0].Q = 0.1 }, "classes[0].route[1].service.quantiles[0].q must be 0, but is 0.1"},
		{"empirical order", func(m *Model) { m.Classes[0].Route[1].Service.Quantiles[2].Ms = 0.9 }, "classes[0].route[1].service.quantiles[2].ms must be at least the previous point's (1), but is 0.9"},
		{"empirical points", func(m *Model) { m.Classes[0].Route[1].Service.Quantiles = nil }, "classes[0].route[1].service.quantiles must have at least 2 points"},
		{"jump prob", func(m *Model) { m.Classes[0].Route[2].Next[0].Prob = 1.5 }, "classes[0].route[2].next[0].prob must be in (0, 1], but is 1.5"},
		{"jump to", func(m *Model) { m.Classes[0].Route[2].Next[0].To = 4 }, "classes[0].route[2].next[0].to must be a visit's index, 0 to 2, or 3 to leave, but is 4"},
		{"jump sum", func(m *Model) {
			m.Classes[0].Route[2].Next = []Jump{{Prob: 0.6, To: 0}, {Prob: 0.6, To: 3}}
		}, "classes[0].route[2].next's probabilities must add up to at most 1, but add up to 1.2"},
		{"certain loop", func(m *Model) { m.Classes[0].Route[2].Next[0].Prob = 1 }, "classes[0].route must let every request leave, but from route[0] a request can never leave"},
		{"async certain loop", func(m *Model) { m.Classes[1].Route[2].Next = []Jump{{Prob: 1, To: 2}} }, "classes[1].route must let every request leave, but from route[0] a request can never leave"},
		{"hold and release", func(m *Model) { m.Classes[1].Route[1].Release = true }, "classes[1].route[1] sets both hold and release"},
		{"hold async", func(m *Model) { m.Classes[1].Route[2].Hold = true }, "classes[1].route[2].async must be false on a visit that holds or releases a server"},
		{"release async", func(m *Model) { m.Classes[1].Route[2].Release = true }, "classes[1].route[2].async must be false on a visit that holds or releases a server"},
		{"two instances held", func(m *Model) {
			m.Classes[1].Route[2].Async, m.Classes[1].Route[2].Hold = false, true
			m.Classes[1].Route = append(m.Classes[1].Route, Visit{Pool: "mail", Service: Exponential(1), Hold: true})
		}, `classes[1].route[4].hold must not take a second instance: route[2] holds one until the request leaves`},
		{"hold on a delay", func(m *Model) {
			m.Classes[0].Route[0] = Visit{Station: "provider", Service: Exponential(1), Hold: true}
		},
			`classes[0].route[0].hold must be on a station with servers or a pool, not on a delay station (which has a server for every request), but the visit is to "provider"`},
		{"release without hold", func(m *Model) { m.Classes[0].Route[0].Release = true }, "classes[0].route[0].release must follow a visit that holds a server (hold), but none comes before it"},
		{"release before its hold", func(m *Model) { m.Classes[1].Route[0].Release = true }, "classes[1].route[0].release must follow a visit that holds a server"},
		{"held station visited", func(m *Model) { m.Classes[1].Route[3].Station = "db" },
			`classes[1].route[3].station must not be "db", whose server the request holds from route[1] (hold) until its release`},
		{"two holds", func(m *Model) { m.Classes[1].Route[0].Hold = true }, "classes[1].route[1].hold must wait for a release of the server held from route[0]: a request holds one server at a time"},
		{"fault target", func(m *Model) { m.Faults[0].Station = "" }, "faults[0] must set station or pool, but sets neither"},
		{"fault kind", func(m *Model) { m.Faults[0].Kind = "crash" }, `faults[0].kind must be "down" or "slow", but is "crash"`},
		{"fault window", func(m *Model) { m.Faults[0].EndSec = 8 }, "faults[0].end_sec must be after start_sec (8), but is 8"},
		{"slow factor", func(m *Model) { m.Faults[0].Factor = 0 }, "faults[0].factor must be > 0"},
		{"down factor", func(m *Model) { m.Faults[1].Factor = 2 }, `faults[1].factor is only for kind "slow"`},
		{"down error", func(m *Model) { m.Faults[1].ErrorAfter.MeanMs = -5 }, "faults[1].error_after.mean_ms must be > 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := clone(t, fullModel())
			tc.change(&m)
			err := m.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v\nwant an error containing %q", err, tc.want)
			}
			if _, rerr := Run(context.Background(), m); rerr == nil || !strings.Contains(rerr.Error(), tc.want) {
				t.Errorf("Run: %v\nwant it to refuse the model naming %q", rerr, tc.want)
			}
		})
	}
}

// clone deep-copies a model through its file format, so tests can change
// it freely.
func clone(t *testing.T, m Model) Model {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	m := fullModel()
	m.DurationSec = -1
	m.Stations[0].Servers = 0
	m.Classes[1].Weight = -2
	err := m.Validate()
	if err == nil {
		t.Fatal("Validate accepted three problems")
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) < 3 {
		t.Errorf("Validate: %v; want at least the 3 problems, joined", err)
	}
	for _, want := range []string{"duration_sec", "stations[0].servers", "classes[1].weight"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v; want it to name %s", err, want)
		}
	}
}

func TestWithRate(t *testing.T) {
	t.Parallel()
	m := fullModel()
	m2 := m.WithRate(300)
	if m2.Arrivals.RatePerSec != 300 {
		t.Errorf("rate %g, want 300", m2.Arrivals.RatePerSec)
	}
	if got := []float64{m2.Arrivals.Phases[0].RatePerSec, m2.Arrivals.Phases[1].RatePerSec}; !slices.Equal(got, []float64{150, 1200}) {
		t.Errorf("phase rates %v, want [150 1200] (scaled ×3)", got)
	}
	if !reflect.DeepEqual(m, fullModel()) {
		t.Error("WithRate changed the original model")
	}
	lo := run(t, m.WithRate(50), WithSeed(1))
	hi := run(t, m.WithRate(100), WithSeed(1))
	if !(hi.Total.Arrivals > lo.Total.Arrivals*3/2) {
		t.Errorf("arrivals at double the rate: %d, at the rate: %d", hi.Total.Arrivals, lo.Total.Arrivals)
	}
}

func TestDistSampling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d        Dist
		mean     float64
		quantile [2]float64 // a quantile and its value
		median   float64    // where a load factor stops scaling draws
	}{
		{Exponential(10), 10, [2]float64{0.5, 10 * math.Ln2}, 10 * math.Ln2},
		{Deterministic(3), 3, [2]float64{0.9, 3}, 3},
		{LogNormal(10, 50), 10 * math.Exp(math.Pow(math.Log(5)/z99, 2)/2), [2]float64{0.99, 50}, 10},
		{Empirical(Quantile{0, 1}, Quantile{0.4, 2}, Quantile{0.9, 10}, Quantile{1, 30}), 0.4*1.5 + 0.5*6 + 0.1*20, [2]float64{0.7, 6.8}, 3.6}, // median 2 + 8·(0.5-0.4)/(0.9-0.4)
	}
	for _, tc := range tests {
		t.Run(tc.d.Kind, func(t *testing.T) {
			t.Parallel()
			if got := tc.d.Mean(); math.Abs(got-tc.mean) > 1e-9*tc.mean {
				t.Errorf("Mean() = %g, want %g", got, tc.mean)
			}
			const n = 200_000
			r := rand.New(rand.NewPCG(1, 2))
			s := compileDist(tc.d)
			if math.Abs(s.median-tc.median) > 1e-9*tc.median {
				t.Errorf("median %g, want %g", s.median, tc.median)
			}
			xs := make([]float64, n)
			var sum float64
			for i := range xs {
				xs[i] = s.sample(r)
				sum += xs[i]
			}
			slices.Sort(xs)
			within(t, "sample mean", sum/n, tc.mean, 0.01)
			within(t, "sample quantile", xs[int(tc.quantile[0]*n)], tc.quantile[1], 0.02)
		})
	}
	if m := (Dist{Kind: "nope"}).Mean(); !math.IsNaN(m) {
		t.Errorf("Mean of an invalid Dist = %g, want NaN", m)
	}
}

// TestLogNormalTable checks the tabulated quantile function the
// log-normal sampler uses against the exact one, over the whole range,
// the tails and the steps next to them included.
func TestLogNormalTable(t *testing.T) {
	t.Parallel()
	for _, d := range []Dist{LogNormal(10, 50), LogNormal(0.2, 1), LogNormal(3, 300)} {
		s := compileDist(d)
		var worst, at float64
		const n = 1 << 20
		for i := range n {
			u := (float64(i) + 0.5) / n
			exact := s.logNormalAt(u)
			if e := math.Abs(s.logNormalQuantile(u)/exact - 1); e > worst {
				worst, at = e, u
			}
		}
		if worst > 0.003 {
			t.Errorf("%+v: the table is off by %.2g %% at u = %.6f", d, 100*worst, at)
		}
		if got := s.logNormalQuantile(0.99); math.Abs(got/d.P99Ms-1) > 0.003 {
			t.Errorf("%+v: p99 from the table = %g", d, got)
		}
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	m := fullModel()
	m.DurationSec = 60
	// Two runs at once: no shared state between runs.
	results := make(chan Result, 2)
	for range 2 {
		go func() {
			res, err := Run(context.Background(), m, WithSeed(42))
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	a, b := <-results, <-results
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different results")
	}
	c := run(t, m, WithSeed(43))
	if reflect.DeepEqual(a.Total, c.Total) {
		t.Error("a different seed gave the same totals")
	}
	if a.Label != Label || a.Seed != 42 {
		t.Errorf("label %q, seed %d; want %q and 42", a.Label, a.Seed, Label)
	}
	if d := run(t, m); d.Seed != DefaultSeed {
		t.Errorf("default seed %d, want %d", d.Seed, DefaultSeed)
	}
}

func TestRunOptions(t *testing.T) {
	t.Parallel()
	m := loadFile(t, "mm1.json")
	res := run(t, m, WithRequests(1000), WithWarmup(0))
	if res.Total.Arrivals != 1000 || res.WarmupSec != 0 {
		t.Errorf("arrivals %d, warm-up %g s; want 1000 and 0", res.Total.Arrivals, res.WarmupSec)
	}
	res = run(t, m, WithDuration(100e9), WithWarmup(10e9))
	if res.WindowSec != 90 || res.Total.Arrivals < 5000 || res.Total.Arrivals > 7600 {
		t.Errorf("window %g s, %d arrivals; want 90 s and about 6300", res.WindowSec, res.Total.Arrivals)
	}
	if n := len(res.Seconds); n < 100 || n > 102 {
		t.Errorf("%d seconds in the series, want 100 to 102", n)
	}
	for _, opt := range []Option{WithRequests(0), WithDuration(0), WithWarmup(-1)} {
		if _, err := Run(context.Background(), m, opt); err == nil {
			t.Error("Run accepted an invalid option")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, m); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestUnfinishedAtDrainLimit(t *testing.T) {
	t.Parallel()
	// Twice the load a server can take for 10 s: the backlog is 10 s of
	// work, within the 60 s drain. At ten times, it is 90 s: some is left.
	for _, tc := range []struct {
		rate       float64
		unfinished bool
	}{{200, false}, {1000, true}} {
		res := run(t, mmc(1, tc.rate, 10), WithDuration(10e9), WithWarmup(0))
		c := res.Total
		if (c.Unfinished > 0) != tc.unfinished || c.Completed+c.Unfinished != c.Arrivals {
			t.Errorf("rate %g: %d completed, %d unfinished of %d", tc.rate, c.Completed, c.Unfinished, c.Arrivals)
		}
	}
}
