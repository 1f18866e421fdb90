package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archbench/archbench/calibrate"
	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/sim"
	"github.com/archbench/archbench/simrun"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := run(t, "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) || !strings.Contains(out, c.summary) {
			t.Errorf("help does not list %q with its summary", c.name)
		}
	}
	for _, c := range commands() {
		code, _, errOut := run(t, c.name, "-h")
		if code != 0 || !strings.Contains(errOut, "Usage: archbench "+c.name) {
			t.Errorf("%s -h exited %d with %q; want 0 and its usage", c.name, code, errOut)
		}
	}
}

// TestBadUsageNamesTheField checks that every bad flag or argument exits 2
// with a message naming what was wrong.
func TestBadUsageNamesTheField(t *testing.T) {
	dir := t.TempDir()
	scenarioFile := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	goodFile := scenarioFile("good.json", `{"scenario": "spike"}`)
	rampFile := scenarioFile("ramp.json", `{"scenario": "ramp"}`)
	badValue := scenarioFile("bad-value.json", `{"scenario": "spike", "params": {"factor": 1}}`)
	badField := scenarioFile("bad-field.json", `{"scenario": "spike", "params": {"surge": 2}}`)
	badPricing := scenarioFile("bad-pricing.json", `{"currency": "USD", "mainframe": {}}`)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"bench", "-rate", "-5"}, "rate"},
		{[]string{"bench", "-rate", "abc"}, "-rate"},
		{[]string{"bench", "-duration", "0s"}, "duration"},
		{[]string{"bench", "-variants", "mainframe"}, `unknown variant "mainframe"`},
		{[]string{"bench", "-profile", "medium"}, "profile"},
		{[]string{"bench", "-scenario", "chaos"}, "-scenario"},
		{[]string{"bench", "-runtime", "k8s"}, "-runtime"},
		{[]string{"bench", "-count", "0"}, "-count"},
		{[]string{"bench", "-mix", "browse=70,shoplift=30"}, "shoplift"},
		{[]string{"bench", "-psp-decline-rate", "2"}, "-psp-decline-rate"},
		{[]string{"bench", "-replicas", "cart=0"}, "-replicas"},
		{[]string{"bench", "-runtime", "kubernetes"}, "-runtime"},
		{[]string{"bench", "-runtime", "docker", "-cpus", "0"}, "-cpus"},
		{[]string{"serve", "-runtime", "docker", "-memory-mb", "1"}, "-memory-mb"},
		{[]string{"clean", "stray"}, `unexpected argument "stray"`},
		{[]string{"bench", "-variants", "monolith", "-replicas", "cart=2"}, "-replicas"},
		{[]string{"serve", "-variant", "monolith", "-replicas", "monolith=2"}, "-replicas"},
		{[]string{"bench", "-psp-latency-median", "10ms", "-psp-latency-p99", "1ms"}, "-psp-latency-p99"},
		{[]string{"bench", "-catalog", "count=abc"}, `invalid value "count=abc" for flag -catalog`},
		{[]string{"bench", "-catalog", "stock=9..1"}, `invalid value "stock=9..1" for flag -catalog`},
		{[]string{"bench", "-catalog", "colour=red"}, `"colour": unknown key`},
		{[]string{"bench", "-catalog", "count=5"}, "-catalog: a catalog of 5 products is too small for the journeys"},
		{[]string{"bench", "-scenario", "all", "-catalog", "count=19"}, "-catalog: a catalog of 19 products is too small"},
		{[]string{"serve", "-catalog", "count=0"}, `invalid value "count=0" for flag -catalog`},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-catalog", "count=5"}, "-catalog: a catalog of 5 products is too small"},
		{[]string{"k6", "export", "-catalog", "count=5"}, "-catalog: a catalog of 5 products is too small"},
		{[]string{"bench", "stray"}, `unexpected argument "stray"`},
		{[]string{"load"}, "-target"},
		{[]string{"load", "-target", "ftp://x"}, "-target"},
		{[]string{"load", "-target", "http://192.0.2.1:8080"}, "192.0.2.1 is"},
		{[]string{"load", "-target", "https://10.0.0.1"}, "archbench sends load only to its own servers"},
		{[]string{"load", "-target", "http://nonexistent.invalid"}, "nonexistent.invalid does not resolve"},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-rate", "0"}, "rate"},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-request", "GET"}, "-request"},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-ramp", "10s"}, "-ramp"},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-ramp", "10s:-4"}, "target"},
		{[]string{"load", "-target", "http://127.0.0.1:1", "-max-in-flight", "0"}, "-max-in-flight"},
		{[]string{"serve", "-variant", "mainframe"}, "-variant"},
		{[]string{"bench", "-file", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"bench", "-file", badValue}, badValue + ": params.factor must be in (1, 100], but is 1"},
		{[]string{"bench", "-file", badField}, badField + ": params.surge is not a spike param"},
		{[]string{"bench", "-pricing", filepath.Join(dir, "no-prices.json")}, "-pricing"},
		{[]string{"simulate"}, "-model is required"},
		{[]string{"bench", "-out", ""}, "-out must name a directory, but is empty"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-out", " "}, "-out must name a directory"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-models-out", ""}, "-models-out must name a directory"},
		{[]string{"bench", "-scenario", "ramp", "-capacities", "1,2,3"}, "-capacities needs a runtime that enforces a CPU budget"},
		{[]string{"bench", "-scenario", "ramp", "-runtime", "docker", "-capacities", "1,2"}, "capacities must list at least three"},
		{[]string{"bench", "-scenario", "steady", "-capacities", "1,2,3"}, "-capacities applies to the ramp scenario only"},
		{[]string{"bench", "-file", rampFile, "-capacities", "1,2,3"}, "-capacities needs a runtime that enforces a CPU budget"},
		{[]string{"bench", "-file", goodFile, "-capacities", "1,2,3"}, "-capacities applies to the ramp scenario only"},
		{[]string{"bench", "-scenario", "all", "-mix", "browse=70,shoplift=30"}, "shoplift"},
		{[]string{"bench", "-scenario", "all", "-max-in-flight", "-1"}, "max-in-flight"},
		{[]string{"bench", "-scenario", "spike", "-rate", "-5"}, "-rate, the spike's base rate, must be"},
		{[]string{"bench", "-scenario", "ramp", "-rate", "0"}, "-rate, the ramp's first step, must be"},
		{[]string{"bench", "-scenario", "ramp", "-duration", "10ms"}, "-duration, each ramp step's length, must be at least 1s"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-rate", "5", "-out", dir}, "-rate, -out simulate a model and do not apply to -calibrate"},
		{[]string{"simulate", "-validate", "../results/example/ramp"}, "give -calibrate too"},
		{[]string{"simulate", "-load", "../results/example/spike"}, "give -calibrate too"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-load", filepath.Join(dir, "none")}, "-load"},
		{[]string{"simulate", "-calibrate", filepath.Join(dir, "none")}, "-calibrate"},
		{[]string{"simulate", "-demand", "floor"}, "give -calibrate too"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-demand", "guess"}, `-demand must be auto, floor, cpu or marginal, but is "guess"`},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-sweep", "10,x"}, "-sweep: rate 2 must be a number"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-instances", "db=2"}, `has no station or pool "db"; it has server`},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-instances", "server=20000"}, "-instances: want name=N with N in 1..10000"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-instances", "server=2,server=3"}, `-instances: "server" named twice`},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-rate", "5", "-sweep", "1,2"}, "-rate and -sweep cannot be given together"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-size", "server"}, "-size needs -slo-p99"},
		{[]string{"report", "-summary", " ", "../results/example/steady"}, "-summary must name a directory"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-slo-p99", "10ms"}, "-slo-p99 goes with -size"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-size", "server", "-slo-p99", "0s"}, "-slo-p99 must be > 0"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-phases", "30s"}, `-phases: phase 1 is "30s": want DURATION:RATE`},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-phases", "30s:10", "-rate", "5"}, "-phases cannot be given with -rate or -sweep"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-phases", "30s:10", "-requests", "5000"}, "-requests does not apply to -phases"},
		{[]string{"simulate", "-model", "../sim/testdata/mm1.json", "-phases", "30s:10", "-slo-p99", "-1s"}, "-slo-p99 must be > 0"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-phases", "1s:1"}, "-phases simulate a model and do not apply to -calibrate"},
		{[]string{"simulate", "-calibrate", "../results/example/steady", "-size", "cpu"}, "-size simulate a model and do not apply to -calibrate"},
		{[]string{"simulate", "-model", filepath.Join(dir, "bad-field.json")}, "-model"},
		{[]string{"k6", "export", "-scenario", "fault"}, "-scenario must be steady, spike or ramp"},
		{[]string{"k6", "export", "-target", "ftp://x"}, "-target must be an http(s) URL"},
		{[]string{"k6", "run"}, "want the subcommand export"},
		{[]string{"compare", "../results/example/steady"}, "want two runs, OLD and NEW, but 1 were given"},
		{[]string{"compare", "-benchfmt", "a", "b"}, "-benchfmt takes one run, but 2 were given"},
		{[]string{"compare", "-alpha", "0.9", "a", "b"}, "-alpha must be in (0, 0.5]"},
		{[]string{"compare", "../results/example/steady", filepath.Join(dir, "none")}, "none"},
		{[]string{"bench", "-pricing", badPricing}, "-pricing " + badPricing + `: pricing: decode: json: unknown field "mainframe"`},
		{[]string{"bench", "-file", goodFile, "-scenario", "spike", "-rate", "10"}, "-scenario, -rate cannot be given with it"},
		{[]string{"bench", "-file", goodFile, "-profile", "full", "-max-in-flight", "5"}, "-profile, -max-in-flight cannot be given with it"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := run(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr does not name %q:\n%s", tc.want, errOut)
			}
		})
	}
}

// TestCompare compares a stored run with itself (nothing changes; one
// repetition each, so nothing can be called) and prints it for benchstat.
func TestCompare(t *testing.T) {
	code, out, errOut := run(t, "compare", "../results/example/steady", "../results/example/steady/results.json")
	if code != 0 {
		t.Fatalf("compare exited %d: %s", code, errOut)
	}
	for _, want := range []string{"monolith", "p99", "0 of ", "figures changed significantly"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = run(t, "compare", "-benchfmt", "../results/example/steady")
	if code != 0 || !strings.Contains(out, "\nBenchmarkSteady/variant=monolith") || !strings.Contains(out, "goos: ") {
		t.Fatalf("compare -benchfmt exited %d, %s\n%s", code, errOut, out)
	}
}

// TestSimulate predicts an M/M/1 queue into a run folder whose every
// figure is labelled modeled.
func TestSimulate(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := run(t, "simulate", "-model", "../sim/testdata/mm1.json", "-sweep", "20,60", "-requests", "5000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate exited %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "[modeled]") || !strings.Contains(stdout, "Report (modeled)") {
		t.Errorf("simulate output does not say modeled:\n%s", stdout)
	}
	if !strings.Contains(stdout, "(modeled): At 60 req/s, the sweep's last rate: Stations, the busiest first: ") {
		t.Errorf("simulate output does not say how busy the stations were:\n%s", stdout)
	}
	r, err := results.Read(filepath.Join(out, results.LatestLink))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Variants) != 1 || r.Variants[0].Label != results.LabelModeled || r.Variants[0].Ramp == nil || len(r.Variants[0].Ramp.Steps) != 2 {
		t.Fatalf("simulated run %+v, want one modeled result with 2 sweep steps", r.Variants)
	}
	md, err := os.ReadFile(filepath.Join(out, results.LatestLink, "REPORT.md"))
	if err != nil || !strings.Contains(string(md), "(modeled: every figure is a prediction, none measured)") {
		t.Errorf("report does not label the run modeled (%v)", err)
	}
}

// TestSimulateSize sizes the M/M/1 model's server for a p99 its one
// replica, 70 % busy, misses (its service alone has a p99 of 46 ms): the
// command says how many replicas meet it and the run's notes keep the
// sizing.
func TestSimulateSize(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := run(t, "simulate", "-model", "../sim/testdata/mm1.json", "-size", "server", "-slo-p99", "60ms", "-requests", "5000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -size exited %d: %s", code, errOut)
	}
	want := regexp.MustCompile(`mm1 \(modeled\): Sized server for a p99 of 60 ms at 70 req/s: (\d+) replicas are the fewest that meet it`)
	m := want.FindStringSubmatch(stdout)
	if m == nil || m[1] == "1" {
		t.Fatalf("simulate -size output lacks a count above 1:\n%s", stdout)
	}
	r, err := results.Read(filepath.Join(out, results.LatestLink))
	if err != nil {
		t.Fatal(err)
	}
	if notes := r.Variants[0].Notes; !strings.HasPrefix(notes[len(notes)-1], "Sized server for a p99 of 60 ms") {
		t.Errorf("notes %q: want the sizing last", notes)
	}

	// A sweep sizes the server at each rate: one replica carries 10
	// req/s within 60 ms, not 70.
	code, stdout, errOut = run(t, "simulate", "-model", "../sim/testdata/mm1.json", "-size", "server", "-slo-p99", "60ms", "-sweep", "10,70", "-requests", "5000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -size -sweep exited %d: %s", code, errOut)
	}
	if want := regexp.MustCompile(`mm1 \(modeled\): Sized server for a p99 of 60 ms at each rate of the sweep \(.*\): 10 req/s, 1 replica; 70 req/s, ([2-9]|\d\d+) replicas\.`); !want.MatchString(stdout) {
		t.Errorf("simulate -size -sweep output lacks each rate's count:\n%s", stdout)
	}

	// A function pool is sized by its concurrency limit: a model with one
	// pool for every function, on enough CPUs, at 2,000 req/s.
	code, stdout, errOut = run(t, "simulate", "-model", "../sim/testdata/functions.json", "-rate", "2000", "-instances", "cpu=4",
		"-size", "functions", "-slo-p99", "50ms", "-requests", "20000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -size functions exited %d: %s", code, errOut)
	}
	want = regexp.MustCompile(`faas \(modeled\): Sized the concurrency limit of pool functions for a p99 of 50 ms at 2000 req/s: a limit of (\d+) is the lowest that meets it`)
	pool := want.FindStringSubmatch(stdout)
	if pool == nil {
		t.Fatalf("simulate -size functions output lacks the limit:\n%s", stdout)
	}
	// Its one pool stands for every function: sizing the account sizes
	// that pool's limit.
	code, stdout, errOut = run(t, "simulate", "-model", "../sim/testdata/functions.json", "-rate", "2000", "-instances", "cpu=4",
		"-size", "account", "-slo-p99", "50ms", "-requests", "20000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -size account exited %d: %s", code, errOut)
	}
	if want := "Sized the account's concurrency limit over every pool for a p99 of 50 ms at 2000 req/s: a limit of " + pool[1] + " is the lowest"; !strings.Contains(stdout, want) {
		t.Errorf("simulate -size account output lacks %q:\n%s", want, stdout)
	}

	// The example's serverless model has a pool per function: one is
	// sized by its name, and -size functions, which sizes their
	// provisioned instances through phases, is refused at a rate.
	code, stdout, errOut = run(t, "simulate", "-model", "../results/example/summary/serverless.json", "-rate", "2000", "-instances", "cpu=4",
		"-size", "checkout", "-slo-p99", "50ms", "-requests", "20000", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -size checkout exited %d: %s", code, errOut)
	}
	if want := regexp.MustCompile(`serverless \(modeled\): Sized the concurrency limit of pool checkout for a p99 of 50 ms at 2000 req/s: a limit of \d+ is the lowest that meets it`); !want.MatchString(stdout) {
		t.Errorf("simulate -size checkout output lacks the checkout's limit:\n%s", stdout)
	}
	code, _, errOut = run(t, "simulate", "-model", "../results/example/summary/serverless.json", "-rate", "2000", "-instances", "cpu=4",
		"-size", "functions", "-slo-p99", "50ms", "-requests", "20000", "-out", out)
	if code != 2 || !strings.Contains(errOut, "-size functions sizes through -phases") {
		t.Errorf("simulate -size functions at a rate on a pool per function exited %d: %s; want 2 and a pointer to -phases", code, errOut)
	}
}

// TestSimulatePhases runs the M/M/1 model (100 req/s of capacity)
// through a spike it cannot carry: the run has a per-second series over
// the phases and the spike's figures, with the SLO given, and its report
// draws the spike.
func TestSimulatePhases(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := run(t, "simulate", "-model", "../sim/testdata/mm1.json", "-phases", "5s:20,3s:150,10s:20", "-slo-p99", "80ms", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -phases exited %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "Spike (modeled") {
		t.Errorf("simulate -phases output lacks the spike:\n%s", stdout)
	}
	r, err := results.Read(filepath.Join(out, results.LatestLink))
	if err != nil {
		t.Fatal(err)
	}
	v := r.Variants[0]
	if len(v.Series) != 18 || r.Params["phases"] != "5s:20,3s:150,10s:20" {
		t.Fatalf("%d seconds, params %v: want the 18 s of phases, and the phases recorded", len(v.Series), r.Params)
	}
	// 150 req/s on 100 of capacity builds a backlog of 150 requests
	// that takes seconds to drain after the burst.
	if sp := v.Spike; sp == nil || sp.SLOMs != 80 || sp.BaseRate != 20 || sp.PeakRate != 150 || sp.StartSec != 5 || sp.EndSec != 8 ||
		sp.MaxP99MsDuring < 200 || sp.RecoverySec < 1 {
		t.Errorf("spike %+v: want 20 → 150 req/s over seconds 5–8, an SLO of 80 ms, breached, and a recovery after it", sp)
	}
	if _, err := os.Stat(filepath.Join(out, results.LatestLink, "spike.png")); err != nil {
		t.Errorf("no spike chart: %v", err)
	}

	// Sized for every second of the spike, the server needs a second
	// replica (one builds a backlog of seconds, two are 75 % busy in the
	// burst): the run is the prediction at that count, and no second
	// breaches the SLO.
	code, stdout, errOut = run(t, "simulate", "-model", "../sim/testdata/mm1.json", "-phases", "5s:20,3s:150,10s:20", "-size", "server", "-slo-p99", "200ms", "-out", out)
	if code != 0 {
		t.Fatalf("simulate -phases -size exited %d: %s", code, errOut)
	}
	if want := regexp.MustCompile(`mm1 \(modeled\): Sized server for a p99 of 200 ms in every second of 5 s at 20 req/s, then 3 s at 150 req/s, then 10 s at 20 req/s: 2 replicas are the fewest`); !want.MatchString(stdout) {
		t.Errorf("simulate -phases -size output lacks the count:\n%s", stdout)
	}
	if r, err = results.Read(filepath.Join(out, results.LatestLink)); err != nil {
		t.Fatal(err)
	}
	if sp := r.Variants[0].Spike; sp == nil || sp.MaxP99MsDuring > 200 || sp.RecoverySec != 0 {
		t.Errorf("spike %+v at the count found: want it within the SLO throughout", sp)
	}
}

func TestSpikeOf(t *testing.T) {
	t.Parallel()
	p := func(sec, rate float64) sim.Phase { return sim.Phase{DurationSec: sec, RatePerSec: rate} }
	tests := []struct {
		name   string
		phases []sim.Phase
		spike  bool
	}{
		{"a spike", []sim.Phase{p(30, 100), p(5, 800), p(60, 100)}, true},
		{"two phases", []sim.Phase{p(30, 100), p(5, 800)}, false},
		{"a different rate after", []sim.Phase{p(30, 100), p(5, 800), p(60, 200)}, false},
		{"a dip", []sim.Phase{p(30, 100), p(5, 50), p(60, 100)}, false},
		{"from idle", []sim.Phase{p(30, 0), p(5, 800), p(60, 0)}, false},
	}
	for _, tc := range tests {
		s, ok := spikeOf(tc.phases, nil, time.Second)
		if ok != tc.spike {
			t.Errorf("%s: spike %v, want %v", tc.name, ok, tc.spike)
			continue
		}
		if ok && (s.BaseRate != 100 || s.PeakRate != 800 || s.StartSec != 30 || s.EndSec != 35 || s.SLOMs != 1000) {
			t.Errorf("%s: %+v, want the phases' shape", tc.name, s)
		}
	}
}

// TestStandingCharge prices the provisioned instances a sizing found,
// kept around the clock, at the pricing table's price.
func TestStandingCharge(t *testing.T) {
	t.Parallel()
	m := sim.Model{Pools: []sim.Pool{{Name: "functions", MemoryMB: 1024}}}
	found := simrun.Sizing{Name: "functions", Pool: true, Provisioned: true, Count: 10, Found: true}
	unpriced := cost.Default()
	unpriced.Functions.ProvisionedGBSecondUSD = 0
	tests := []struct {
		name string
		s    simrun.Sizing
		p    cost.Pricing
		want string
	}{
		// 10 GB × 0.0000041667 USD/GB-s × 3,600 s × 730 h = 109.5 USD.
		{"priced", found, cost.Default(), "they cost about 110 USD a month (modeled: 10 GB at 0.0000041667 USD per GB-second)"},
		{"no price", found, unpriced, "is not priced: the pricing table has no functions.provisioned_gb_second_usd"},
		{"a limit, not provisioned instances", simrun.Sizing{Name: "functions", Pool: true, Count: 10, Found: true}, cost.Default(), ""},
		{"none needed", simrun.Sizing{Name: "functions", Pool: true, Provisioned: true, Found: true}, cost.Default(), ""},
	}
	for _, tc := range tests {
		got := standingCharge(m, tc.s, tc.p)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestPhaseSLOIsTheBenchSpikes keeps a simulated spike's default SLO the
// bench's.
func TestPhaseSLOIsTheBenchSpikes(t *testing.T) {
	s, err := scenarios.SpikeProfile("quick")
	if err != nil || s.SLO != phaseSLO {
		t.Errorf("the bench's spike SLO is %v (%v), -phases' default %v: want them alike", s.SLO, err, phaseSLO)
	}
}

// TestK6Export writes a k6 script for the steady scenario's load.
func TestK6Export(t *testing.T) {
	code, out, errOut := run(t, "k6", "export", "-scenario", "steady", "-rate", "40", "-target", "http://127.0.0.1:9")
	if code != 0 {
		t.Fatalf("k6 export exited %d: %s", code, errOut)
	}
	for _, want := range []string{"constant-arrival-rate", "http://127.0.0.1:9", "GET /products/{id}"} {
		if !strings.Contains(out, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

// TestCatalogReachesTheLoad follows -catalog from the flags to the load:
// into the variants' env (unset when not given, so the variants keep their
// default), and from the deployed catalog's count, which scenarios.Bench
// puts in the Target, into the k6 cross-check's spec; k6 export takes it
// too.
func TestCatalogReachesTheLoad(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     shop.CatalogSpec // Env.Catalog
		products int              // Env.SeededCatalog().Count
	}{
		{"unset", nil, shop.CatalogSpec{}, shop.DefaultCatalog.Count},
		{"count", []string{"-catalog", "count=100000"}, shop.CatalogSpec{Count: 100_000, Seed: 1, MinStock: 100_000, MaxStock: 1_000_000}, 100_000},
		{"stock", []string{"-catalog", "stock=500..1000"}, shop.CatalogSpec{Count: 1000, Seed: 1, MinStock: 500, MaxStock: 1000}, 1000},
	}
	steady, err := scenarios.SteadyProfile("quick")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("bench", flag.ContinueOnError)
			venv := variantEnvFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if venv.Catalog != tc.want {
				t.Errorf("Env.Catalog = %+v, want %+v", venv.Catalog, tc.want)
			}
			products := venv.SeededCatalog().Count
			if products != tc.products {
				t.Fatalf("SeededCatalog().Count = %d, want %d", products, tc.products)
			}
			spec, ok := crossCheckSpec(scenarios.Target{BaseURL: "http://127.0.0.1:9", Products: products}, steady)
			if !ok || spec.Products != tc.products {
				t.Errorf("cross-check spec: Products %d (ok %v), want %d", spec.Products, ok, tc.products)
			}
			if err := spec.Validate(); err != nil {
				t.Errorf("cross-check spec: %v", err)
			}
		})
	}
	if _, ok := crossCheckSpec(scenarios.Target{BaseURL: "http://127.0.0.1:9", Products: 5000}, scenarios.Spike{}); ok {
		t.Error("the cross-check mirrors a spike; it runs on steady only")
	}
	code, out, errOut := run(t, "k6", "export", "-scenario", "steady", "-target", "http://127.0.0.1:9", "-catalog", "count=5000")
	if code != 0 || !strings.Contains(out, `"products": 5000`) {
		t.Errorf("k6 export -catalog count=5000 exited %d (%s); script has 5000 products: %v", code, errOut, strings.Contains(out, `"products": 5000`))
	}
}

func TestVariants(t *testing.T) {
	code, out, _ := run(t, "variants")
	if code != 0 || !strings.Contains(out, "monolith") {
		t.Fatalf("variants exited %d with %q", code, out)
	}
}

// TestLoadAgainstRunningServer drives a real server with `load -request`
// and checks the table and the written results.
func TestLoadAgainstRunningServer(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			hits.Add(1)
		}
		w.Write([]byte("pong"))
	}))
	t.Cleanup(srv.Close)
	out := t.TempDir()
	code, stdout, stderr := run(t, "load", "-target", srv.URL, "-request", "GET /ping", "-rate", "200", "-duration", "1s", "-out", out)
	if code != 0 {
		t.Fatalf("load exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "GET /ping") {
		t.Fatalf("output has no row for GET /ping:\n%s", stdout)
	}
	if n := hits.Load(); n < 190 || n > 210 {
		t.Fatalf("server saw %d requests, want about 200", n)
	}
	for _, name := range []string{"REPORT.md", "results.json"} {
		if _, err := os.Stat(filepath.Join(out, "latest", name)); err != nil {
			t.Errorf("load -out wrote no %s: %v", name, err)
		}
	}
}

// TestOverviewFolders: two summaries written in one second into one -out
// get folders of their own.
func TestOverviewFolders(t *testing.T) {
	var ran []report.RunReport
	for _, sc := range []string{"spike", "coldstart"} { // no steady: no models to calibrate
		r, err := results.Read("../results/example/" + sc)
		if err != nil {
			t.Fatal(err)
		}
		ran = append(ran, report.RunReport{Run: r, Link: "../" + sc + "/REPORT.md"})
	}
	out := t.TempDir()
	first, err := writeOverview(out, ran, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := writeOverview(out, ran, nil)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(first) == filepath.Dir(second) {
		t.Errorf("two summaries share the folder %s", filepath.Dir(first))
	}
}

// TestOverviewModels: a bench that ran steady, spike and ramp gets a
// summary with a calibrated model of each variant, its load curve fitted
// to the spike, written beside it and checked against the ramp and
// against the spike second by second.
func TestOverviewModels(t *testing.T) {
	var ran []report.RunReport
	for _, sc := range []string{"steady", "ramp", "spike"} {
		r, err := results.Read("../results/example/" + sc)
		if err != nil {
			t.Fatal(err)
		}
		ran = append(ran, report.RunReport{Run: r, Link: "../" + sc + "/REPORT.md"})
	}
	// Fewer simulated requests than a bench's: the race detector makes
	// every simulation many times slower, and the summary's shape, not
	// its figures, is checked here.
	path, err := writeOverview(t.TempDir(), ran, nil, calibrate.WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Model against measurement (modeled)", "(monolith.json)", "ramp step 1",
		"the delays scale with the offered load", "| held out |", "rates the model was not calibrated at",
		// The examples measured CPU per phase, so the demand is the marginal CPU.
		"CPU demand (marginal cpu:", "| CPU cores measured | CPU cores modeled |",
		// Each model is checked against the spike as it unfolded.
		"### The spike, modeled against measured run ", "| serverless | 124 → "} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for _, v := range []string{"monolith", "microservices", "serverless", "hybrid"} {
		f, err := os.Open(filepath.Join(filepath.Dir(path), v+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.Load(f); err != nil {
			t.Errorf("model of %s does not load: %v", v, err)
		}
		f.Close()
	}
}

// TestCalibrateDemandAuto: -demand auto takes the marginal CPU where the
// runs measured CPU per phase, and falls back to the latency floor, with a
// note, where they did not (results from before CPU was measured per
// phase); -demand marginal then fails instead.
func TestCalibrateDemandAuto(t *testing.T) {
	ctx := context.Background()
	steady, err := results.Read("../results/example/steady")
	if err != nil {
		t.Fatal(err)
	}
	spike, err := results.Read("../results/example/spike")
	if err != nil {
		t.Fatal(err)
	}
	cals, _, err := calibrateRunModels(ctx, steady, &spike, nil, demandAuto, calibrate.WithRequests(5_000), calibrate.WithRounds(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cals {
		if c.Demand != calibrate.DemandMarginal || c.Marginal == nil {
			t.Errorf("%s: demand %q, want the marginal CPU from the example's phases", c.Source.Variant, c.Demand)
		}
	}

	// The same runs without CPU per phase.
	for i := range steady.Variants {
		steady.Variants[i].Total.CPUCores = 0
	}
	for i := range spike.Variants {
		for j := range spike.Variants[i].Windows {
			spike.Variants[i].Windows[j].CPUCores = 0
		}
	}
	cals, _, err = calibrateRunModels(ctx, steady, &spike, nil, demandAuto, calibrate.WithRequests(5_000), calibrate.WithRounds(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cals {
		if c.Demand != calibrate.DemandFloor || !strings.Contains(strings.Join(c.Notes, " "), "the marginal CPU could not be fitted") {
			t.Errorf("%s: demand %q, notes %q; want the floor and a note saying why", c.Source.Variant, c.Demand, c.Notes)
		}
	}
	if _, _, err := calibrateRunModels(ctx, steady, &spike, nil, calibrate.DemandMarginal, calibrate.WithRequests(5_000)); !errors.Is(err, calibrate.ErrNoMarginalCPU) {
		t.Errorf("-demand marginal without CPU per phase: error %v, want ErrNoMarginalCPU", err)
	}
}

// TestOnThisMachine checks which load targets archbench accepts: loopback
// addresses, names that resolve only to them, and addresses on the
// networks archbench created; nothing else.
func TestOnThisMachine(t *testing.T) {
	managed := func(context.Context) ([]netip.Prefix, error) {
		return []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")}, nil
	}
	noEngine := func(context.Context) ([]netip.Prefix, error) { return nil, errors.New("no Docker engine answers") }
	tests := []struct {
		host    string
		managed func(context.Context) ([]netip.Prefix, error)
		want    string // "" for accepted
	}{
		{"127.0.0.1", noEngine, ""},
		{"127.42.0.7", noEngine, ""},
		{"::1", noEngine, ""},
		{"::ffff:127.0.0.1", noEngine, ""},
		{"localhost", noEngine, ""},
		{"172.30.4.2", managed, ""},
		{"172.31.4.2", managed, "172.31.4.2 is none of them"},
		{"172.30.4.2", noEngine, "networks could not be listed: no Docker engine answers"},
		{"0.0.0.0", managed, "is none of them"},
		{"192.0.2.1", managed, "is none of them"},
		{"::ffff:192.0.2.1", managed, "is none of them"},
		{"2001:db8::1", managed, "is none of them"},
		{"nonexistent.invalid", managed, "does not resolve"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			err := onThisMachine(context.Background(), tc.host, tc.managed)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("onThisMachine(%q) = %v, want it accepted", tc.host, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("onThisMachine(%q) = %v, want an error with %q", tc.host, err, tc.want)
			}
		})
	}
}

// TestSaveKeepsTheReportWithoutTheLatestLink: a run whose latest link
// cannot be updated (here a directory is in its way) is still saved whole,
// report included, with a warning rather than an error.
func TestSaveKeepsTheReportWithoutTheLatestLink(t *testing.T) {
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, results.LatestLink, "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	dir, err := save(out, results.NewRun("steady", "quick", time.Now()), nil, &warn)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	for _, name := range []string{results.FileName, report.FileName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if !strings.Contains(warn.String(), "latest link was not updated") {
		t.Errorf("warning %q, want one about the latest link", warn.String())
	}
}

// TestReport writes a stored run's report again in a copy of its folder:
// the report and its charts appear, the data is left as it was, and the
// run's own pricing copy prices it.
// TestReportSummary writes the one-page summary of runs made one at a
// time: the steady and coldstart runs of the example, copied. Without a
// ramp no model is calibrated, so this stays quick.
func TestReportSummary(t *testing.T) {
	dir := t.TempDir()
	var runs []string
	for _, scenario := range []string{"steady", "coldstart"} {
		data, err := os.ReadFile(filepath.Join("../results/example", scenario, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, filepath.Join(dir, scenario))
		if err := os.MkdirAll(runs[len(runs)-1], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(runs[len(runs)-1], "results.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	summary := filepath.Join(dir, "summary")
	code, out, errOut := run(t, append([]string{"report", "-summary", summary}, runs...)...)
	if code != 0 {
		t.Fatalf("report -summary exited %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Summary: "+filepath.Join(summary, "SUMMARY.md")) {
		t.Errorf("report -summary did not name the summary it wrote:\n%s", out)
	}
	md, err := os.ReadFile(filepath.Join(summary, "SUMMARY.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| p50 latency (ms) ", "| cold-start p99 (ms) ", "## Paired by round (measured)",
		"[steady](../steady/REPORT.md)", "[coldstart](../coldstart/REPORT.md)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("SUMMARY.md lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(filepath.Join(runs[0], "REPORT.md")); err != nil {
		t.Errorf("the runs' reports were not written: %v", err)
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../results/example/steady/results.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	prices, err := os.ReadFile("../cost/pricing.json")
	if err != nil {
		t.Fatal(err)
	}
	// A pricing copy that differs from the default only in its note.
	marked := bytes.Replace(prices, []byte(`"currency"`), []byte(`"note": "a run's own copy", "currency"`), 1)
	if bytes.Equal(marked, prices) {
		t.Fatal("cost/pricing.json has no currency field to mark the copy by")
	}
	if err := os.WriteFile(filepath.Join(dir, "pricing.json"), marked, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "report", path)
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, errOut)
	}
	if !strings.Contains(out, filepath.Join(dir, "REPORT.md")) {
		t.Errorf("report did not name the report it wrote:\n%s", out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("# archbench report: steady")) || !bytes.Contains(md, []byte("the pricing file "+filepath.Join(dir, "pricing.json"))) {
		t.Errorf("REPORT.md is not the steady run's, priced with its own copy:\n%.600s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "latency-cdf.png")); err != nil {
		t.Errorf("no chart beside the report: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Error("results.json changed")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "want one or more runs"},
		{[]string{"report", filepath.Join(dir, "none")}, "none"},
		{[]string{"report", "../results/example/summary"}, "summary"},
		{[]string{"report", "-pricing", filepath.Join(dir, "no-prices.json"), dir}, "-pricing"},
	} {
		if code, _, errOut := run(t, tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestWithInstances sets replicas, provisioned instances and the
// account's limit by name, and names what a model has for a name it
// lacks.
func TestWithInstances(t *testing.T) {
	t.Parallel()
	m := sim.Model{
		Name: "m", DurationSec: 10, Arrivals: sim.Arrivals{RatePerSec: 10},
		Stations: []sim.Station{{Name: "cpu", Servers: 2, Replicas: 1}},
		Pools: []sim.Pool{{Name: "read", MemoryMB: 128, ColdStart: sim.Deterministic(10)},
			{Name: "mail", MemoryMB: 128, ColdStart: sim.Deterministic(10)}},
		Classes: []sim.Class{{Name: "get", Weight: 1, Route: []sim.Visit{
			{Station: "cpu", Service: sim.Deterministic(1)}, {Pool: "read", Service: sim.Deterministic(1)},
			{Pool: "mail", Service: sim.Deterministic(1), Async: true},
		}}},
	}
	tests := []struct {
		name   string
		counts map[string]int
		check  func(sim.Model) bool
		err    string
	}{
		{"replicas", map[string]int{"cpu": 4}, func(m sim.Model) bool { return m.Stations[0].Replicas == 4 }, ""},
		{"provisioned", map[string]int{"read": 3}, func(m sim.Model) bool { return m.Pools[0].Provisioned == 3 }, ""},
		{"the account's limit", map[string]int{"account": 1000}, func(m sim.Model) bool { return m.AccountConcurrency == 1000 }, ""},
		{"provisioned beyond the account's limit", map[string]int{"read": 3, "account": 2}, nil, "must not exceed account_concurrency (2)"},
		{"unknown", map[string]int{"db": 1}, nil, `model m has no station or pool "db"; it has cpu, read, mail, account`},
	}
	for _, tc := range tests {
		got, err := withInstances(m, tc.counts)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
		case err != nil || !tc.check(got):
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		}
	}
	if m.Pools[0].Provisioned != 0 || m.AccountConcurrency != 0 {
		t.Errorf("withInstances changed the model it was given: %+v", m)
	}
	// Where one pool stands for every function, its limit is the
	// account's.
	one := m
	one.Pools = m.Pools[:1]
	one.Classes = []sim.Class{{Name: "get", Weight: 1, Route: m.Classes[0].Route[:2]}}
	if got, err := withInstances(one, map[string]int{"account": 30}); err != nil || got.Pools[0].MaxConcurrency != 30 || got.AccountConcurrency != 0 {
		t.Errorf("one pool: %+v, %v; want its max_concurrency 30", got.Pools, err)
	}
}

// TestSimulatePhasesSizeFunctions sizes every function pool of a model
// with a pool per function for a burst, and prices what it provisions.
func TestSimulatePhasesSizeFunctions(t *testing.T) {
	pool := func(name string) sim.Pool {
		return sim.Pool{Name: name, MemoryMB: 512, ColdStart: sim.Deterministic(20), KeepAliveSec: 60}
	}
	m := sim.Model{
		Name: "fns", DurationSec: 10, AccountConcurrency: 200,
		Arrivals: sim.Arrivals{RatePerSec: 200},
		Stations: []sim.Station{{Name: "cpu", Servers: 8, Replicas: 1}},
		Pools:    []sim.Pool{pool("read"), pool("write")},
		Classes: []sim.Class{
			{Name: "get", Weight: 1, Route: []sim.Visit{{Station: "cpu", Service: sim.Exponential(1)}, {Pool: "read", Service: sim.Deterministic(10)}}},
			{Name: "put", Weight: 1, Route: []sim.Visit{{Station: "cpu", Service: sim.Exponential(1)}, {Pool: "write", Service: sim.Deterministic(10)}}},
		},
	}
	path := filepath.Join(t.TempDir(), "fns.json")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := run(t, "simulate", "-model", path, "-phases", "10s:200,5s:2000,10s:200", "-size", "functions", "-slo-p99", "25ms", "-out", t.TempDir())
	if code != 0 {
		t.Fatalf("simulate -phases -size functions exited %d: %s", code, errOut)
	}
	want := regexp.MustCompile(`fns \(modeled\): Sized the provisioned instances of every function pool, .*: read \d+, write \d+; \d+ in all .* it meets it .* they cost about \d+ USD a month`)
	if !want.MatchString(stdout) {
		t.Errorf("simulate -size functions output lacks each pool's count and the charge:\n%s", stdout)
	}
	// At a rate there is no burst to provision for: the error says what
	// to size instead.
	code, _, errOut = run(t, "simulate", "-model", path, "-rate", "100", "-size", "functions", "-slo-p99", "25ms", "-out", t.TempDir())
	if code == 0 || !strings.Contains(errOut, "sizes through -phases; at a rate, size the account's limit (-size account)") {
		t.Errorf("simulate -size functions at a rate exited %d: %s; want an error saying what to size", code, errOut)
	}
}
