package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/httpapi"
)

var update = flag.Bool("update", false, "rewrite testdata/REPORT.md")

// twoVariants returns a synthetic run of a monolith and a serverless variant.
func twoVariants() results.Run {
	started := time.Date(2026, 11, 22, 23, 58, 15, 0, time.UTC)
	load := results.Load{Rate: 2000, Duration: results.Duration(70 * time.Second), Warmup: results.Duration(10 * time.Second)}
	op := func(name string, count, errs int64, p50, p99 float64) results.OpStats {
		return results.OpStats{
			Name: name, Count: count, Errors: errs, ErrorRate: float64(errs) / float64(count),
			ThroughputPerSec: float64(count) / 60,
			LatencyMs:        results.Percentiles{Min: p50 / 4, Mean: p50 * 1.2, P50: p50, P90: p50 * 2, P99: p99, P999: p99 * 2, Max: p99 * 3},
		}
	}
	mono := results.VariantResult{
		Variant: "monolith", Runtime: "process", Label: results.LabelMeasured, Repetition: 1,
		Requested: load,
		Achieved: results.Throughput{Iterations: 119_990, Requests: 239_980, Dropped: 10,
			IterationsPerSec: 1999.8, RequestsPerSec: 3999.7, Duration: results.Duration(60 * time.Second)},
		Generator:  results.Generator{CPU: results.Duration(30 * time.Second), CPUMicrosPerRequest: 104.2},
		Total:      op("total", 239_980, 12, 0.412, 2.31),
		Operations: []results.OpStats{op("GET /products/{id}", 119_990, 0, 0.35, 1.2), op("POST /orders", 119_990, 12, 0.6, 3.4)},
		Journeys:   []results.OpStats{op("buy", 239_980, 12, 0.412, 2.31)},
		Errors:     []results.ErrorCount{{Message: "HTTP 503", Count: 12}},
		Audit:      &results.Audit{Passed: true, Checks: []results.AuditCheck{{Name: "no oversell", Passed: true}}},
	}
	mono.Journeys[0].Dropped = 10
	mono.Hops = map[string]int{"GET /products/{id}": 0, "POST /orders": 0}
	const mib = 1 << 20
	sec := func(s float64) results.Duration { return results.Duration(s * float64(time.Second)) }
	mono.Resources = &results.Resources{
		Source: "proc", Interval: sec(0.5), Samples: 142, Duration: sec(70.5),
		Replicas: []results.ReplicaResources{
			{Component: "psp", CPU: sec(7.05), CPUCoresAvg: 0.1, MemPeakBytes: 24 * mib, MemAvgBytes: 20 * mib},
			{Component: "monolith", CPU: sec(84.6), CPUCoresAvg: 1.2, MemPeakBytes: 96 * mib, MemAvgBytes: 80 * mib},
		},
		Total: results.ResourceTotal{CPU: sec(91.65), CPUCoresAvg: 1.3, MemPeakBytes: 118 * mib, MemAvgBytes: 100 * mib},
	}
	// the monolith's one database: 2,000 writes/s over the 70.5 s between
	// the counts, its writer a third busy.
	mono.Writers = []results.WriterUsage{{Component: "monolith", Database: "shop.db", Span: sec(70.5),
		Writes: 141_000, Held: sec(23.265), Waited: sec(846)}}
	faas := results.VariantResult{
		Variant: "serverless", Runtime: "process", Label: results.LabelMeasured, Repetition: 1,
		Requested: load,
		Achieved: results.Throughput{Iterations: 110_000, Requests: 220_000, Dropped: 9_990,
			IterationsPerSec: 1833.3, RequestsPerSec: 3666.7, Duration: results.Duration(60 * time.Second)},
		Total:      op("total", 220_000, 2_200, 4.1, 180),
		Operations: []results.OpStats{op("GET /products/{id}", 110_000, 0, 3.2, 95), op("POST /orders", 110_000, 2_200, 5.5, 250)},
		ColdStarts: &results.ColdStarts{Count: 40, WarmupCount: 8, Share: 40.0 / 220_000,
			ColdLatencyMs: results.Percentiles{P50: 180, P99: 320}, WarmLatencyMs: results.Percentiles{P50: 3.9, P99: 90}},
		Errors: []results.ErrorCount{{Message: "dial tcp 127.0.0.1:9: connect: connection refused | retry", Count: 2_000}, {Message: "HTTP 502", Count: 200}},
		Audit: &results.Audit{Passed: false, Checks: []results.AuditCheck{
			{Name: "no oversell", Passed: true},
			{Name: "orders paid once", Passed: false, Detail: "3 orders charged twice"},
		}},
		Notes: []string{"generator CPU not measured"},
		Hops:  map[string]int{"GET /products/{id}": 1, "POST /orders": 3},
		Platform: &results.Platform{Component: "platform", Functions: []results.PlatformFunction{
			{Name: "catalog", MemoryMB: 128, Invocations: 130_000, ColdStarts: 30, InitMs: results.InitPercentiles{P50: 150, P99: 240, Max: 260},
				BilledMs: 520_000, GBSeconds: 65, PeakInstances: 9},
			{Name: "checkout", MemoryMB: 512, Invocations: 125_000, Errors: 200, Throttles: 1_500, ColdStarts: 18, DeadLetters: 2,
				InitMs: results.InitPercentiles{P50: 170, P99: 320, Max: 330}, BilledMs: 687_500, GBSeconds: 343.75, PeakInstances: 12},
			// provisioned: its instance started before traffic, so no cold start
			{Name: "notify", MemoryMB: 128, Invocations: 8, BilledMs: 10, GBSeconds: 0.00125, PeakInstances: 1},
		}},
	}
	faas.Platform.Total = results.SumPlatform(faas.Platform.Functions)
	faas.Resources = &results.Resources{
		Source: "proc", Interval: sec(0.5), Samples: 142, Duration: sec(70.5),
		Replicas: []results.ReplicaResources{
			{Component: "psp", CPU: sec(7.05), CPUCoresAvg: 0.1, MemPeakBytes: 24 * mib, MemAvgBytes: 20 * mib},
			{Component: "broker", CPU: sec(3.525), CPUCoresAvg: 0.05, MemPeakBytes: 30 * mib, MemAvgBytes: 28 * mib},
			// the platform and its function instances: one process group
			{Component: "platform", CPU: sec(63.45), CPUCoresAvg: 0.9, MemPeakBytes: 412 * mib, MemAvgBytes: 300 * mib},
		},
		Total: results.ResourceTotal{CPU: sec(74.025), CPUCoresAvg: 1.05, MemPeakBytes: 460 * mib, MemAvgBytes: 348 * mib},
	}
	// 60 measured seconds: instances rise to 14 while the load ramps up the
	// platform, then settle at 10.
	for sec := range int64(60) {
		inst := int(min(sec/2+1, 14))
		if sec >= 40 {
			inst = 10
		}
		faas.Series = append(faas.Series, results.Second{T: 10 + sec, Requests: 3667, Instances: inst, BusyInstances: inst / 2})
	}
	return results.Run{
		Schema: results.SchemaVersion, ID: "20261122-235815-steady-3f9a0c", Scenario: "steady", Profile: "quick",
		StartedAt: started, FinishedAt: started.Add(150 * time.Second),
		Machine:   results.Machine{OS: "linux", Arch: "amd64", CPUs: 2, CPUModel: "AMD EPYC 7B13", GoVersion: "go1.26.0", MemoryBytes: 8 << 30},
		Archbench: results.Build{Version: "(devel)", Revision: "0123456789abcdef0123456789abcdef01234567", Modified: true},
		Params:    map[string]any{"rate": 2000.0, "duration": "70s"},
		Variants:  []results.VariantResult{mono, faas},
	}
}

func render(t *testing.T, run results.Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownGolden(t *testing.T) {
	got := render(t, twoVariants())
	golden := filepath.Join("testdata", FileName)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Markdown differs from %s (run go test -update if intended):\n%s", golden, got)
	}
}

func TestMarkdownContent(t *testing.T) {
	md := render(t, twoVariants())
	for _, want := range []string{
		"# archbench report: steady — run 20261122-235815-steady-3f9a0c",
		"scheduled send time",
		"## Run",
		"## Summary (measured)",
		"## Operations (measured)",
		"## Journeys (measured)",
		"## Cold starts (measured)",
		"## Audit",
		"## Top errors (measured)",
		"## Notes",
		"| variant ", "| p50 ms ", "| gen CPU µs/req ", // headers as written, not "P 50 MS"
		"| monolith ", "| serverless ",
		"| GET /products/{id} | monolith ",
		"| GET /products/{id} | serverless ",
		"| POST /orders       | monolith ",
		"239,980", "0.412", "2.31", "0.01%", "1.00%", // counts, latencies, error rates
		"commit 0123456789ab (modified)",
		"2,000 iterations/s for 70 s after a 10 s warm-up",
		`connection refused \| retry`, // a pipe in a cell is escaped
		"orders paid once | FAIL",
		"**serverless**: generator CPU not measured",
		"## Function platform (measured)",
		"Billed GB-s is the function platform's own account, the warmup included",
		"## Instances over time (measured)",
		"| billed GB-s |",
		"| serverless | catalog         |       128 |     130,000 |          30 |         150 |         240 |",
		"| serverless | (all functions) |         — |     255,008 |          48 |           — |           — |     1,500 |    200 |",
		"409 |",      // total billed GB-s: 65 + 343.75 + 0.00125
		" 0.00125 |", // three significant digits of a small figure
		"| serverless | notify          |       128 |           8 |           0 |           — |           — |", // no cold start, no init
		"| serverless |   60 s | 3 s |             14 |         7 | 2 3 5 6 8 9 11 12 14 14 14 14 14 14 10 10 10 10 10 10 |",
		"## Resources (measured)",
		"from the runtime's meter (proc)", "every 500 ms",
		"| gen CPU µs/req | CPU s | billed GB-s |",
		"|            104 |  91.7 |           — | pass  |",                       // the summary's CPU s: the variant's total
		"| variant    | component      | CPU s | avg cores | peak MB | avg MB |", // no replica or limit columns
		"| monolith   | monolith       |  84.6 |      1.20 |      96 |     80 |",
		"| serverless | (all replicas) |  74.0 |      1.05 |     460 |    348 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "P 50 MS") || strings.Contains(md, "VARIANT") {
		t.Error("Markdown headers were auto-formatted")
	}
}

// TestMarkdownTables checks every table parses as Markdown: a header, an
// alignment row, and rows with the same number of cells, all starting with "|".
func TestMarkdownTables(t *testing.T) {
	lines := strings.Split(render(t, twoVariants()), "\n")
	tables := 0
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "|") {
			continue
		}
		tables++
		start, cols := i, cellCount(lines[i])
		if i+1 >= len(lines) || !isAlignmentRow(lines[i+1]) {
			t.Errorf("line %d: table header not followed by an alignment row: %q", i+1, lines[min(i+1, len(lines)-1)])
		}
		for ; i < len(lines) && lines[i] != ""; i++ {
			if !strings.HasPrefix(lines[i], "|") || !strings.HasSuffix(lines[i], "|") {
				t.Errorf("line %d: table row does not start and end with |: %q", i+1, lines[i])
			}
			if n := cellCount(lines[i]); n != cols {
				t.Errorf("line %d: %d cells, want %d as in the header on line %d", i+1, n, cols, start+1)
			}
		}
	}
	// run, headline figures, summary, operations, journeys, hops, cold
	// starts, function platform, instances over time, resources, SQLite
	// writers, cost, break-even, audit, errors
	if tables != 15 {
		t.Errorf("found %d tables, want 15", tables)
	}
}

func cellCount(line string) int {
	return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
}

func isAlignmentRow(line string) bool {
	return strings.HasPrefix(line, "|") && strings.Trim(line, "|:- ") == ""
}

func TestMarkdownOptionalSections(t *testing.T) {
	run := twoVariants()
	for i := range run.Variants {
		v := &run.Variants[i]
		v.ColdStarts, v.Audit, v.Errors, v.Notes, v.Journeys, v.Platform, v.Resources = nil, nil, nil, nil, nil, nil, nil
		v.Writers = nil
	}
	md := render(t, run)
	for _, absent := range []string{"## Cold starts", "## Audit", "## Top errors", "## Notes", "## Journeys",
		"## Function platform", "## Instances over time", "billed GB-s", "Billed GB-s", "## Resources", "CPU s",
		"## SQLite writers", "held ms/write"} {
		if strings.Contains(md, absent) {
			t.Errorf("Markdown has %q, want it left out when no variant has any", absent)
		}
	}
	if !strings.Contains(md, "| —     |") {
		t.Error("summary lacks — for a variant without audit")
	}
}

func TestMarkdownLabels(t *testing.T) {
	run := twoVariants()
	run.Variants[1].Label = results.LabelModeled
	run.Variants = append(run.Variants, run.Variants[0])
	run.Variants[2].Repetition = 2
	run.Variants[0].Runtime = "docker"
	// A repetition on the same runtime is numbered; the same variant on
	// another runtime is told apart by the runtime alone.
	run.Variants = append(run.Variants, run.Variants[0])
	run.Variants[3].Repetition = 2
	md := render(t, run)
	for _, want := range []string{
		"## Summary (measured; rows marked [modeled] are modeled)",
		"| serverless (process) [modeled] ",
		"| monolith (docker) #1 ",
		"| monolith (docker) #2 ",
		"| monolith (process) ",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "| monolith (process) #") {
		t.Error("the only process run of the monolith is numbered as a repetition")
	}
}

func TestTerminal(t *testing.T) {
	var b bytes.Buffer
	if err := Terminal(&b, twoVariants()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Summary (measured)", "Operations (measured)", "p50 ms", "monolith", "serverless", "POST /orders", "│",
		"billed GB-s", "Function platform (measured), warmup included", "(all functions)", "Instances over time (measured)",
		"CPU s", "Resources (measured), warmup included", "(all replicas)"} {
		if !strings.Contains(out, want) {
			t.Errorf("Terminal output lacks %q:\n%s", want, out)
		}
	}

	run := twoVariants()
	run.Variants[1].Platform = nil
	run.Variants[0].Resources, run.Variants[1].Resources = nil, nil
	b.Reset()
	if err := Terminal(&b, run); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"billed GB-s", "Function platform", "Instances over time", "CPU s", "Resources"} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("Terminal output has %q without a function platform or resources", absent)
		}
	}
}

// TestResourcesTable checks the resources table's columns: replicas only
// when a component has several, limits only where set.
func TestResourcesTable(t *testing.T) {
	const mib = 1 << 20
	cpu := results.Duration(1500 * time.Millisecond)
	one := &results.Resources{Source: "proc",
		Replicas: []results.ReplicaResources{{Component: "a", CPU: cpu, CPUCoresAvg: 0.025, MemPeakBytes: 5_872_026 /* 5.6 MB */, MemAvgBytes: 5 * mib}},
		Total:    results.ResourceTotal{CPU: cpu, CPUCoresAvg: 0.025, MemPeakBytes: 5_872_026, MemAvgBytes: 5 * mib}}
	replicas := &results.Resources{Source: "proc",
		Replicas: []results.ReplicaResources{{Component: "a", CPU: cpu}, {Component: "a", Replica: 1, CPU: cpu}},
		Total:    results.ResourceTotal{CPU: 2 * cpu}}
	limited := &results.Resources{Source: "docker",
		Replicas: []results.ReplicaResources{{Component: "a", CPU: cpu, CPULimit: 1.5, MemLimitBytes: 512 * mib}, {Component: "b"}},
		Total:    results.ResourceTotal{CPU: cpu}}
	tests := []struct {
		name   string
		vs     []results.VariantResult
		header []string
		rows   [][]string
	}{
		{"one replica each, no limits", []results.VariantResult{{Resources: one}},
			[]string{"variant", "component", "CPU s", "avg cores", "peak MB", "avg MB"},
			[][]string{{"v0", "a", "1.50", "0.025", "5.6", "5.0"}, {"v0", "(all replicas)", "1.50", "0.025", "5.6", "5.0"}}},
		{"replicas", []results.VariantResult{{Resources: replicas}, {}},
			[]string{"variant", "component", "replica", "CPU s", "avg cores", "peak MB", "avg MB"},
			[][]string{{"v0", "a", "0", "1.50", "0", "0.0", "0.0"}, {"v0", "a", "1", "1.50", "0", "0.0", "0.0"},
				{"v0", "(all replicas)", none, "3.00", "0", "0.0", "0.0"}}},
		{"limits where set", []results.VariantResult{{}, {Resources: limited}},
			[]string{"variant", "component", "CPU s", "avg cores", "peak MB", "avg MB", "CPU limit", "mem limit MB"},
			[][]string{{"v1", "a", "1.50", "0", "0.0", "0.0", "1.50", "512"}, {"v1", "b", "0", "0", "0.0", "0.0", none, none},
				{"v1", "(all replicas)", "1.50", "0", "0.0", "0.0", none, none}}},
		{"nothing measured", []results.VariantResult{{}, {}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resourcesTable(tt.vs, []string{"v0", "v1"})
			if !reflect.DeepEqual(got.rows, tt.rows) || tt.rows != nil && !reflect.DeepEqual(got.header, tt.header) {
				t.Errorf("table = %q\n%q\nwant %q\n%q", got.header, got.rows, tt.header, tt.rows)
			}
		})
	}
}

// TestInstancesTable checks how the instance count over time is shown:
// second by second up to 30 s, else the maximum of about 20 buckets.
func TestInstancesTable(t *testing.T) {
	series := func(inst ...int) []results.Second {
		var out []results.Second
		for i, n := range inst {
			out = append(out, results.Second{T: int64(i), Instances: n, BusyInstances: n / 2})
		}
		return out
	}
	ramp := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	platform := &results.Platform{}
	tests := []struct {
		name string
		v    results.VariantResult
		want [][]string
	}{
		{"second by second", results.VariantResult{Platform: platform, Series: series(0, 2, 5, 3)},
			[][]string{{"v", "4 s", "1 s", "5", "2", "0 2 5 3", "0 1 2 1"}}},
		{"30 s is not bucketed", results.VariantResult{Platform: platform, Series: series(ramp(30)...)},
			[][]string{{"v", "30 s", "1 s", "29", "14", joinInts(ramp(30)), joinInts(halves(ramp(30)))}}},
		{"31 s in buckets of 2", results.VariantResult{Platform: platform, Series: series(ramp(31)...)},
			[][]string{{"v", "31 s", "2 s", "30", "15",
				"1 3 5 7 9 11 13 15 17 19 21 23 25 27 29 30", "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"}}},
		{"no platform", results.VariantResult{Series: series(1, 2)}, nil},
		{"no series", results.VariantResult{Platform: platform}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := instancesTable([]results.VariantResult{tt.v}, []string{"v"}).rows
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %q, want %q", got, tt.want)
			}
		})
	}
}

func halves(xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x / 2
	}
	return out
}

func TestBucketMax(t *testing.T) {
	tests := []struct {
		n, width int
	}{
		{1, 1}, {30, 1}, {31, 2}, {40, 2}, {41, 3}, {60, 3}, {3600, 180},
	}
	for _, tt := range tests {
		if got := bucketWidth(tt.n); got != tt.width {
			t.Errorf("bucketWidth(%d) = %d, want %d", tt.n, got, tt.width)
		}
		if buckets := len(bucketMax(make([]int, tt.n), bucketWidth(tt.n))); buckets > maxUnbucketed {
			t.Errorf("%d seconds make %d buckets, want at most %d", tt.n, buckets, maxUnbucketed)
		}
	}
	if got, want := bucketMax([]int{1, 5, 2, 0, 7}, 2), []int{5, 2, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("bucketMax = %v, want %v", got, want)
	}
}

func TestWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	path, err := WriteFile(dir, twoVariants())
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, FileName) {
		t.Errorf("path = %s", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(got), "# archbench report") {
		t.Fatalf("file holds %d bytes, %v; want the Markdown report", len(got), err)
	}
	// Every chart drawn is embedded, and every image embedded was drawn:
	// nothing else is left in the folder.
	entries, _ := os.ReadDir(dir)
	var pngs int
	for _, e := range entries {
		switch {
		case e.Name() == FileName:
		case strings.HasSuffix(e.Name(), ".png"):
			pngs++
			if !strings.Contains(string(got), "]("+e.Name()+")") {
				t.Errorf("%s drawn but not embedded", e.Name())
			}
		default:
			t.Errorf("folder holds %s, want only the report and its charts", e.Name())
		}
	}
	if embedded := strings.Count(string(got), "!["); pngs == 0 || embedded != pngs {
		t.Errorf("%d charts drawn, %d embedded; want the same, and some", pngs, embedded)
	}
	// Without its charts the report is the Markdown rendering.
	if without := render(t, twoVariants()); !strings.Contains(string(got), without[:strings.Index(without, "## Summary")]) {
		t.Error("the file's report does not start as the Markdown rendering does")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	if err := Markdown(failWriter{}, twoVariants()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Markdown: %v, want the writer's error", err)
	}
	if err := Terminal(failWriter{}, twoVariants()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Terminal: %v, want the writer's error", err)
	}
}

func TestEmptyRun(t *testing.T) {
	md := render(t, results.Run{})
	if !strings.Contains(md, "# archbench report: unnamed scenario") {
		t.Errorf("Markdown of an empty run:\n%s", md)
	}
	if err := Terminal(&bytes.Buffer{}, results.Run{}); err != nil {
		t.Errorf("Terminal of an empty run: %v", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"ms zero", ms(0), "0"},
		{"ms sub-ms", ms(0.4123), "0.412"},
		{"ms units", ms(2.314), "2.31"},
		{"ms tens", ms(12.34), "12.3"},
		{"ms hundreds", ms(123.4), "123"},
		{"ms thousands", ms(60000), "60,000"},
		{"rate small", rate(0.25), "0.25"},
		{"rate tens", rate(49.94), "49.9"},
		{"rate large", rate(1999.8), "2,000"},
		{"optRate zero", optRate(0), "—"},
		{"sig3 zero", sig3(0), "0"},
		{"sig3 tiny", sig3(0.00125), "0.00125"},
		{"sig3 half", sig3(0.5), "0.500"},
		{"sig3 tens", sig3(21.54), "21.5"},
		{"sig3 hundreds", sig3(408.75125), "409"},
		{"sig3 thousands", sig3(1234.5), "1,235"},
		{"percent", percent(0.0012), "0.12%"},
		{"percent tiny", percent(0.000001), "<0.01%"},
		{"percent zero", percent(0), "0.00%"},
		{"percent all", percent(1), "100.00%"},
		{"thousands", thousands(1234567), "1,234,567"},
		{"thousands small", thousands(999), "999"},
		{"thousands negative", thousands(-1234), "-1,234"},
		{"seconds", seconds(1800), "1,800 s"},
		{"seconds fraction", seconds(0.5), "0.5 s"},
		{"seconds long fraction", seconds(1986.10413057), "1,986 s"},
		{"seconds short fraction", seconds(2.491114667), "2.49 s"},
		{"seconds small", seconds(0.0123456), "0.0123 s"},
		{"seconds rounding up", seconds(59.999), "60 s"},
		{"seconds not a number", seconds(math.NaN()), "—"},
		{"GiB", bytesIEC(8 << 30), "8.0 GiB"},
		{"MiB", bytesIEC(512 << 20), "512 MiB"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestRoundingEdges: a value that rounds up into the next magnitude is
// printed with that magnitude's digits, not one too many.
func TestRoundingEdges(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"sig3 to one", sig3(0.9996), "1.00"},
		{"sig3 to ten", sig3(9.9996), "10.0"},
		{"sig3 to a hundred", sig3(99.96), "100"},
		{"sig3 to a thousandth", sig3(0.00099996), "0.00100"},
		{"sig3 below the edge", sig3(0.9994), "0.999"},
		{"usd to a hundred", usd(99.999), "$100"},
		{"usd to one", usd(0.99996), "$1.00"},
		{"usd to a thousandth", usd(0.00099996), "$0.0010"},
		{"usd to a ten-thousandth", usd(0.000099996), "$0.00010"},
		{"usd below the edge", usd(99.994), "$99.99"},
		{"ms to one", ms(0.9996), "1.00"},
		{"ms to ten", ms(9.996), "10.0"},
		{"ms to a hundred", ms(99.96), "100"},
		{"ms negative", ms(-0.9996), "-1.00"},
		{"rate to ten", rate(9.996), "10.0"},
		{"rate to a hundred", rate(99.96), "100"},
		{"mb to ten", mb(996 * mebibyte / 100), "10"},
		{"mb below ten", mb(99 * mebibyte / 10), "9.9"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestHopTable checks the hop section's arithmetic: the median latency over
// repetitions, the difference to the variant with fewer hops, and the
// difference per extra hop; and that it stays out of reports where there is
// nothing to compare.
func TestHopTable(t *testing.T) {
	v := func(name string, rep, hops int, p50 float64) results.VariantResult {
		return results.VariantResult{Variant: name, Repetition: rep, Hops: map[string]int{"op": hops},
			Operations: []results.OpStats{{Name: "op", Count: 10, LatencyMs: results.Percentiles{P50: p50}}}}
	}
	at := func(setting string, r results.VariantResult) results.VariantResult {
		r.Setting = setting
		return r
	}
	tests := []struct {
		name string
		vs   []results.VariantResult
		want [][]string
	}{
		{"pooled repetitions", []results.VariantResult{v("mono", 1, 0, 1.0), v("micro", 1, 4, 1.8), v("mono", 2, 0, 1.2), v("micro", 2, 4, 2.2)},
			[][]string{{"op", "mono", "0", "1.10", "baseline", none}, {"op", "micro", "4", "2.00", "0.900", "225"}}},
		{"baseline is the fewest hops, not the first", []results.VariantResult{v("micro", 1, 2, 0.5), v("mono", 1, 0, 0.3)},
			[][]string{{"op", "micro", "2", "0.500", "0.200", "100"}, {"op", "mono", "0", "0.300", "baseline", none}}},
		{"compared within a setting, never across", []results.VariantResult{
			at("hog", v("mono", 1, 0, 5.0)), at("hog", v("micro", 1, 4, 2.0)),
			at("crash", v("mono", 1, 0, 1.0)), at("crash", v("micro", 1, 4, 1.4))},
			[][]string{
				{"op", "mono, hog", "0", "5.00", "baseline", none}, {"op", "micro, hog", "4", "2.00", "-3.00", "-750"},
				{"op", "mono, crash", "0", "1.00", "baseline", none}, {"op", "micro, crash", "4", "1.40", "0.400", "100"}}},
		{"same hops", []results.VariantResult{v("a", 1, 1, 1), v("b", 1, 1, 2)}, nil},
		{"one variant", []results.VariantResult{v("a", 1, 0, 1), v("a", 2, 0, 2)}, nil},
		{"no declared hops", []results.VariantResult{{Variant: "a", Operations: []results.OpStats{{Name: "op", Count: 1}}}, v("b", 1, 2, 1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hopTable(tt.vs).rows
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCostSection: a run with measured usage carries modeled cost and the
// break-even between pay-per-use and provisioned variants; a run without
// usage has no cost section.
func TestCostSection(t *testing.T) {
	md := render(t, twoVariants())
	for _, want := range []string{"## Cost (modeled)", "| serverless  | monolith    |", "$ per 1M requests"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	run := twoVariants()
	for i := range run.Variants {
		run.Variants[i].Resources, run.Variants[i].Platform = nil, nil
	}
	if md := render(t, run); strings.Contains(md, "Cost (modeled)") {
		t.Error("a run with no measured usage has a cost section")
	}
}

// TestBurstConclusion: where cold starts happen, the conclusion gives the
// cold share fresh and after idling; elsewhere the time to ready.
func TestBurstConclusion(t *testing.T) {
	vs := []results.VariantResult{
		{Variant: "serverless", Bursts: []results.Burst{{Index: 1, ColdStarts: 8, ColdShare: 0.02}, {Index: 2, ColdStarts: 4, ColdShare: 0.01}}},
		{Variant: "monolith", ReadySec: 0.96, Bursts: []results.Burst{{Index: 1}, {Index: 2}}},
	}
	got := burstConclusion(vs, []string{"serverless", "monolith"})
	for _, want := range []string{"serverless met 2.00% cold starts on a fresh deployment and 1.00% after idling", "monolith had none, and was ready 0.96 s"} {
		if !strings.Contains(got, want) {
			t.Errorf("conclusion %q lacks %q", got, want)
		}
	}
	if got := burstConclusion(nil, nil); got != "" {
		t.Errorf("conclusion without bursts: %q, want none", got)
	}
}

// TestSummaryConclusion names the lowest and highest p99 among results
// with requests, and ends with the caveat that fits the repetitions.
func TestSummaryConclusion(t *testing.T) {
	served := func(variant string, rep int, p99 float64) results.VariantResult {
		return results.VariantResult{Variant: variant, Repetition: rep,
			Total: results.OpStats{Count: 1000, LatencyMs: results.Percentiles{P99: p99}}}
	}
	tests := []struct {
		name      string
		vs        []results.VariantResult
		names     []string
		want, not []string
	}{{
		name:  "one run each",
		vs:    []results.VariantResult{served("monolith", 1, 2), served("serverless", 1, 9)},
		names: []string{"monolith", "serverless"},
		want:  []string{"lowest p99 over all requests is monolith's (2.00 ms), the highest serverless's (9.00 ms)", "One run each"},
	}, {
		name:  "repetitions: no call to repeat",
		vs:    []results.VariantResult{served("monolith", 1, 2), served("monolith", 2, 3), served("serverless", 1, 9), served("serverless", 2, 8)},
		names: []string{"monolith #1", "monolith #2", "serverless #1", "serverless #2"},
		want:  []string{"lowest p99 over all requests is monolith #1's", "the highest serverless #1's", "single repetitions"},
		not:   []string{"One run each"},
	}, {
		name:  "a variant without requests is neither lowest nor highest",
		vs:    []results.VariantResult{served("monolith", 1, 2), {Variant: "serverless", Achieved: results.Throughput{Dropped: 900}}, served("hybrid", 1, 5)},
		names: []string{"monolith", "serverless", "hybrid"},
		want:  []string{"lowest p99 over all requests is monolith's", "the highest hybrid's"},
		not:   []string{"serverless"},
	}, {
		name:  "only one variant with requests",
		vs:    []results.VariantResult{served("monolith", 1, 2), {Variant: "serverless"}},
		names: []string{"monolith", "serverless"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaryConclusion(tt.vs, tt.names)
			if len(tt.want) == 0 && got != "" {
				t.Fatalf("conclusion %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("conclusion %q lacks %q", got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("conclusion %q has %q", got, n)
				}
			}
		})
	}
}

// TestHeadlineWinner names a winner only for figures whose intervals stand
// apart over repetitions, and none from single runs.
func TestHeadlineWinner(t *testing.T) {
	result := func(variant string, rep int, p99, rps float64) results.VariantResult {
		return results.VariantResult{Variant: variant, Runtime: "process", Repetition: rep, Label: results.LabelMeasured,
			Achieved: results.Throughput{RequestsPerSec: rps},
			Total:    results.OpStats{Count: 1000, LatencyMs: results.Percentiles{P50: p99 / 4, P99: p99}}}
	}
	var run results.Run
	for rep, jitter := range []float64{-0.1, 0, 0.1} {
		run.Variants = append(run.Variants,
			result("monolith", rep+1, 2+jitter, 400+10*jitter),
			result("microservices", rep+1, 8+jitter, 400-10*jitter))
	}
	tab := headlineTable(headlineFigures(run, make([]*cost.Estimate, len(run.Variants))))
	winner := map[string]string{}
	for _, row := range tab.rows {
		winner[row[0]] = row[len(row)-1]
		if !strings.Contains(row[2], "± ") || !strings.Contains(row[2], "(n=3)") {
			t.Errorf("%s: cell %q, want mean ± half-width (n=3)", row[0], row[2])
		}
	}
	if got := winner["p99 latency (ms)"]; got != "monolith" {
		t.Errorf("p99 winner %q, want monolith (2 ± 0.2 ms against 8 ± 0.2)", got)
	}
	if got := winner["throughput (req/s)"]; got != "none: intervals overlap" {
		t.Errorf("throughput winner %q, want none (400 ± 2.5 both)", got)
	}

	single := results.Run{Variants: []results.VariantResult{result("monolith", 1, 2, 400), result("microservices", 1, 8, 400)}}
	for _, row := range headlineTable(headlineFigures(single, make([]*cost.Estimate, 2))).rows {
		if got := row[len(row)-1]; got != "none: one run each" {
			t.Errorf("single runs, %s: winner %q, want none", row[0], got)
		}
	}
}

// TestHeadlineWinnerTooFewRepetitions: under -count 3, a group some
// repetition of which lacks the figure (it never recovered, it could not
// be priced) has no samples, and the winner column says so rather than
// "one run each".
func TestHeadlineWinnerTooFewRepetitions(t *testing.T) {
	var run results.Run
	var es []*cost.Estimate
	for rep := 1; rep <= 3; rep++ {
		for _, v := range []string{"monolith", "serverless"} {
			recovery := float64(rep)
			if v == "serverless" && rep == 2 {
				recovery = -1 // never recovered
			}
			run.Variants = append(run.Variants, results.VariantResult{Variant: v, Runtime: "process", Repetition: rep,
				Label: results.LabelMeasured, Total: results.OpStats{Count: 100}, Spike: &results.SpikeSummary{RecoverySec: recovery}})
			var e *cost.Estimate
			if v == "monolith" || rep != 2 {
				e = &cost.Estimate{RequestsPerSec: 100, PerMillionUSD: float64(rep)}
			}
			es = append(es, e)
		}
	}
	winner := map[string]string{}
	for _, row := range headlineTable(headlineFigures(run, es)).rows {
		winner[row[0]] = row[len(row)-1]
	}
	for _, fig := range []string{figures.RecoveryTime + " (s)", perMillion + " ($)"} {
		if got, want := winner[fig], "none: too few repetitions with this figure"; got != want {
			t.Errorf("%s, missing in 1 of 3 repetitions of serverless: winner %q, want %q", fig, got, want)
		}
	}
}

// TestHeadlineCostNeedsEveryRepetition: a group priced in only some of its
// repetitions gets no cost figure, as package figures does for any figure
// some repetitions lack, rather than a mean over fewer runs.
func TestHeadlineCostNeedsEveryRepetition(t *testing.T) {
	var run results.Run
	var es []*cost.Estimate
	for rep := 1; rep <= 3; rep++ {
		for _, v := range []string{"monolith", "serverless"} {
			run.Variants = append(run.Variants, results.VariantResult{Variant: v, Runtime: "process", Repetition: rep,
				Total: results.OpStats{Count: 100}})
			var e *cost.Estimate
			if v == "monolith" || rep != 2 { // serverless's second repetition could not be priced
				e = &cost.Estimate{RequestsPerSec: 100, PerMillionUSD: float64(rep)}
			}
			es = append(es, e)
		}
	}
	got := map[string]figures.Figure{}
	for _, f := range headlineFigures(run, es) {
		if f.Name == perMillion {
			got[f.Key.Variant] = f
		}
	}
	if f := got["monolith"]; f.Stats.N != 3 {
		t.Errorf("monolith, priced in every repetition: %d samples, want 3", f.Stats.N)
	}
	f := got["serverless"]
	if f.Stats.N != 0 || !slices.ContainsFunc(f.Notes, func(n string) bool { return strings.Contains(n, "priced in 2 of 3 repetitions") }) {
		t.Errorf("serverless, priced in 2 of 3: %d samples, notes %q; want none, and a note saying why", f.Stats.N, f.Notes)
	}
}

// TestCrossCheck sets a result beside its k6 cross-check, with a
// conclusion from the numbers.
func TestCrossCheck(t *testing.T) {
	run := twoVariants()
	k := run.Variants[0]
	k.Generator = results.Generator{Name: "k6", CPUMicrosPerRequest: 400}
	k.Total.LatencyMs.P50 = run.Variants[0].Total.LatencyMs.P50 * 1.1
	run.Variants[0].CrossCheck = &k
	run.Variants[0].Generator.CPUMicrosPerRequest = 40
	names := variantNames(run.Variants)
	tab := crossCheckTable(run.Variants, names)
	if len(tab.rows) != 2 || tab.rows[0][1] != "archbench" || tab.rows[1][1] != "k6" {
		t.Fatalf("cross-check rows %v, want archbench then k6", tab.rows)
	}
	got := crossCheckConclusion(run.Variants, names)
	for _, want := range []string{"k6 measured p50", "+10 %", "400 µs of CPU per request against archbench's 40 (10.0×)"} {
		if !strings.Contains(got, want) {
			t.Errorf("conclusion lacks %q: %s", want, got)
		}
	}
	if !strings.Contains(render(t, run), "## Two load generators, side by side") {
		t.Error("the report has no cross-check section")
	}
}

// TestOverview sums up several scenarios' runs on one page, with links.
func TestOverview(t *testing.T) {
	steady := twoVariants()
	steady.Scenario = "steady"
	fault := twoVariants()
	fault.Scenario = "fault"
	for i := range fault.Variants {
		fault.Variants[i].Setting = "crash cart"
		fault.Variants[i].Fault = &results.FaultSummary{Kind: "crash", Capability: "cart", BlastRadius: float64(i)}
	}
	var b bytes.Buffer
	if err := Overview(&b, []RunReport{{steady, "../a/REPORT.md"}, {fault, "../b/REPORT.md"}}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"| p99 latency (ms)", "| steady ", "| blast radius (%)", "| fault: crash cart ", "(../a/REPORT.md)", "(../b/REPORT.md)"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "| fault: crash cart | p99") || strings.Count(got, "p99 latency") != 1 {
		t.Errorf("summary takes p99 from the fault run too:\n%s", got)
	}
	if strings.Contains(got, "Paired by round") || strings.Contains(got, "Repeatability") {
		t.Errorf("summary of runs without rounds pairs them or gives their repeatability:\n%s", got)
	}

	// Two rounds of steady, and of the fault: the summary pairs the
	// steady run's latencies only, as it takes its latencies only from
	// steady.
	for _, run := range []*results.Run{&steady, &fault} {
		again := slices.Clone(run.Variants)
		for i := range again {
			again[i].Repetition, run.Variants[i].Repetition = 2, 1
			again[i].Total.LatencyMs.P50 *= 3
		}
		run.Variants = append(run.Variants, again...)
	}
	b.Reset()
	if err := Overview(&b, []RunReport{{steady, "../a/REPORT.md"}, {fault, "../b/REPORT.md"}}); err != nil {
		t.Fatal(err)
	}
	got = b.String()
	if !strings.Contains(got, "## Paired by round (measured)") || !strings.Contains(got, "| steady: p50 latency ") ||
		strings.Contains(got, "| fault: p50") {
		t.Errorf("summary of two rounds: want the steady run's p50 paired, not the fault's:\n%s", got)
	}
	// Each round's p50s are 3× the first's alike: the intervals of two
	// runs overlap, the ratios do not move.
	if !strings.Contains(got, "## Repeatability of steady (measured)") {
		t.Errorf("summary of two rounds lacks the steady run's repeatability:\n%s", got)
	}
	if !regexp.MustCompile(`\| p50 latency \(ms\) +\| steady .*\| monolith, paired by round +\|`).MatchString(got) {
		t.Errorf("summary of two rounds: want the monolith named best on p50, paired by round:\n%s", got)
	}
}

// TestCapacityTable sums up a variant's ramps over CPU budgets in one row.
func TestCapacityTable(t *testing.T) {
	fit := &results.USLFit{Label: results.LabelModeled, Sigma: 0.1, Kappa: 0.02, UnitCPUs: 0.5, PeakCPUs: 3.4, PeakRequestsPerSec: 2500, R2: 0.99}
	var vs []results.VariantResult
	for _, c := range []float64{0.5, 1, 2} {
		vs = append(vs, results.VariantResult{Variant: "monolith", Runtime: "docker", Setting: fmt.Sprintf("%g CPUs", c),
			Ramp: &results.RampSummary{CPUs: c, MaxRequestsPerSec: 1000 * c, CapacityFit: fit}})
	}
	tab := capacityTable(vs, variantNames(vs))
	if len(tab.rows) != 1 {
		t.Fatalf("rows %v, want one for the variant", tab.rows)
	}
	row := strings.Join(tab.rows[0], " | ")
	for _, want := range []string{"monolith", "0.5: 500, 1: 1,000, 2: 2,000", "3.40", "0.1"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
}

// TestHeadlineWinnerPerRuntime: a variant also run on the other runtime,
// side by side, does not stop its own runtime's winner being named.
func TestHeadlineWinnerPerRuntime(t *testing.T) {
	var vs []results.VariantResult
	for rep := 1; rep <= 3; rep++ {
		for _, v := range []struct {
			name, rt string
			p99      float64
		}{{"monolith", "docker", 2}, {"microservices", "docker", 8}, {"monolith", "process", 2}} {
			vs = append(vs, results.VariantResult{Variant: v.name, Runtime: v.rt, Repetition: rep, Label: results.LabelMeasured,
				Total: results.OpStats{Count: 100, LatencyMs: results.Percentiles{P50: 1, P99: v.p99 + 0.01*float64(rep)}}})
		}
	}
	tab := headlineTable(headlineFigures(results.Run{Variants: vs}, make([]*cost.Estimate, len(vs))))
	for _, row := range tab.rows {
		if row[0] == "p99 latency (ms)" && row[len(row)-1] != "monolith" {
			t.Errorf("p99 winner %q, want monolith among the docker variants", row[len(row)-1])
		}
	}
}

// TestRampStepsTable: a step whose CPU was measured shows the cores, the
// CPU per request and the generator's; one whose CPU was not shows none.
func TestRampStepsTable(t *testing.T) {
	vs := []results.VariantResult{{Variant: "monolith", Ramp: &results.RampSummary{Steps: []results.RampStep{
		{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 250, P50Ms: 1, P99Ms: 2, CPUCores: 0.15, GeneratorCPUCores: 0.05},
		{OfferedPerSec: 200, JourneysPerSec: 200, RequestsPerSec: 500, P50Ms: 1, P99Ms: 2},
	}}}}
	tab := rampStepsTable(vs, variantNames(vs))
	if len(tab.rows) != 2 {
		t.Fatalf("rows %v, want one per step", tab.rows)
	}
	n := len(tab.header)
	if got := tab.rows[0][n-3:]; !reflect.DeepEqual(got, []string{"0.150", "600", "0.050"}) {
		t.Errorf("measured step's CPU cells %q, want 0.150 cores, 600 µs a request, 0.050 generator cores, as the resources table writes cores", got)
	}
	if got := tab.rows[1][n-3:]; !reflect.DeepEqual(got, []string{none, none, none}) {
		t.Errorf("unmeasured step's CPU cells %q, want none", got)
	}
}

// TestSummaryTableWithoutRequests: a result without a single request has
// no latency and no error rate to show, rather than 0 ms and 0 %.
func TestSummaryTableWithoutRequests(t *testing.T) {
	vs := []results.VariantResult{
		{Variant: "monolith", Total: results.OpStats{Count: 100, Errors: 1, ErrorRate: 0.01,
			LatencyMs: results.Percentiles{P50: 1, P90: 2, P99: 3, Max: 4}}},
		{Variant: "serverless", Achieved: results.Throughput{Dropped: 500}},
	}
	tab := summaryTable(vs, variantNames(vs))
	col := func(name string) int {
		for i, h := range tab.header {
			if h == name {
				return i
			}
		}
		t.Fatalf("summary has no column %q: %q", name, tab.header)
		return -1
	}
	for _, c := range []string{"errors %", "p50 ms", "p90 ms", "p99 ms", "max ms"} {
		if got := tab.rows[1][col(c)]; got != none {
			t.Errorf("no requests: %s %q, want %q", c, got, none)
		}
		if got := tab.rows[0][col(c)]; got == none {
			t.Errorf("100 requests: %s %q, want a figure", c, got)
		}
	}
	if got := tab.rows[1][col("requests")]; got != "0" {
		t.Errorf("no requests: requests %q, want 0", got)
	}
}

// TestPeakCell: a law with no coherency term has no peak, only a ceiling it
// never reaches, and the ramp and capacity tables say so rather than show
// the ceiling as a peak (or call it unbounded).
func TestPeakCell(t *testing.T) {
	tests := []struct {
		name string
		fit  results.USLFit
		want string
	}{
		{"a peak", results.USLFit{Sigma: 0.05, Kappa: 0.0001, PeakRequestsPerSec: 2433}, "2,433"},
		{"no coherency: a ceiling", results.USLFit{Sigma: 0.0756, PeakRequestsPerSec: 1993}, "none; ceiling 1,993"},
		{"linear: unbounded", results.USLFit{}, "unbounded"},
	}
	for _, tc := range tests {
		if got := peakCell(tc.fit); got != tc.want {
			t.Errorf("%s: peakCell = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCheckoutTable proves the checkout outcomes are shown, with their
// shares, only when some checkout was declined or sold out.
func TestCheckoutTable(t *testing.T) {
	checkout := func(count, errs int64, status map[string]int64) results.VariantResult {
		return results.VariantResult{Variant: "monolith", Operations: []results.OpStats{
			{Name: "GET /products/{id}", Count: 50, Status: map[string]int64{"200": 50}},
			{Name: httpapi.RouteCheckout, Count: count, Errors: errs, Status: status},
		}}
	}
	tests := []struct {
		name string
		v    results.VariantResult
		want []string // the row's cells; nil for no table
	}{
		{name: "all paid", v: checkout(100, 0, map[string]int64{"201": 100})},
		{name: "paid and failed", v: checkout(100, 3, map[string]int64{"201": 97, "503": 3})},
		{name: "declined and sold out", v: checkout(200, 2, map[string]int64{"201": 150, "402": 20, "409": 28, "503": 2}),
			want: []string{"monolith", "200", "150 (75.00%)", "20 (10.00%)", "28 (14.00%)", "2 (1.00%)"}},
		{name: "no checkouts", v: results.VariantResult{Variant: "monolith", Operations: []results.OpStats{{Name: "GET /products/{id}", Count: 5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := checkoutTable([]results.VariantResult{tt.v}, []string{"monolith"})
			if tt.want == nil {
				if len(tab.rows) != 0 {
					t.Fatalf("rows %v, want none", tab.rows)
				}
				return
			}
			if len(tab.rows) != 1 || !slices.Equal(tab.rows[0], tt.want) {
				t.Fatalf("rows %v, want [%v]", tab.rows, tt.want)
			}
		})
	}
}

// TestParams proves a run's params read as one k=v per param: a string
// that holds a comma or an equals sign itself is quoted.
func TestParams(t *testing.T) {
	got := params(map[string]any{
		"catalog": "count=1000,seed=1,stock=1000..2000", "rate": 150.0, "duration": "6s", "replicas": "cart=3,catalog=2",
	})
	want := `catalog="count=1000,seed=1,stock=1000..2000", duration=6s, rate=150, replicas="cart=3,catalog=2"`
	if got != want {
		t.Errorf("params = %s\nwant     %s", got, want)
	}
}
