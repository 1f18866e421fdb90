package results

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/v1.json from sampleRun")

// sampleRun returns a small but complete run, as a real one would look.
func sampleRun() Run {
	started := time.Date(2026, 11, 22, 23, 58, 15, 0, time.UTC)
	mono := VariantResult{
		Variant: "monolith", Runtime: "process", Label: LabelMeasured, Repetition: 1,
		Requested: Load{Rate: 200, Duration: Duration(70 * time.Second), Warmup: Duration(10 * time.Second)},
		Achieved: Throughput{
			Scheduled: 14000, Iterations: 13997, Late: 12, MaxLatenessMs: 4.2,
			IterationsPerSec: 199.96, Elapsed: Duration(70 * time.Second),
			Requests: 24000, Dropped: 3, RequestsPerSec: 400, Duration: Duration(60 * time.Second), WarmupRequests: 4000,
		},
		Generator: Generator{CPU: Duration(2800 * time.Millisecond), CPUMicrosPerRequest: 100},
		Total: OpStats{
			Name: "total", Count: 24000, Errors: 24, ErrorRate: 0.001, Dropped: 3, ThroughputPerSec: 400,
			Status:    map[string]int64{"200": 23976, "503": 24},
			LatencyMs: Percentiles{Min: 0.101, Mean: 0.61, P50: 0.412, P90: 0.9, P99: 2.31, P999: 8.1, Max: 12.3},
		},
		Operations: []OpStats{{
			Name: "GET /products/{id}", Count: 12000, ThroughputPerSec: 200,
			Status:    map[string]int64{"200": 12000},
			LatencyMs: Percentiles{Min: 0.101, Mean: 0.4, P50: 0.35, P90: 0.6, P99: 1.2, P999: 3, Max: 5.5},
		}, {
			Name: "POST /orders", Count: 12000, Errors: 24, ErrorRate: 0.002, ThroughputPerSec: 200,
			Status:    map[string]int64{"200": 11976, "503": 24},
			LatencyMs: Percentiles{Min: 0.2, Mean: 0.8, P50: 0.6, P90: 1.1, P99: 3.4, P999: 9, Max: 12.3},
		}},
		Journeys: []OpStats{{
			Name: "buy", Count: 24000, Errors: 24, ErrorRate: 0.001, Dropped: 3, ThroughputPerSec: 400,
			LatencyMs: Percentiles{Min: 0.101, Mean: 0.61, P50: 0.412, P90: 0.9, P99: 2.31, P999: 8.1, Max: 12.3},
		}},
		Series: []Second{
			{T: 10, Requests: 400, Errors: 1, P50Ms: 0.41, P99Ms: 2.3},
			{T: 11, Requests: 400, Dropped: 3, P50Ms: 0.42, P99Ms: 2.4},
		},
		Errors: []ErrorCount{{Message: "HTTP 503", Count: 24}},
		Audit: &Audit{Passed: true, Checks: []AuditCheck{
			{Name: "no oversell", Passed: true, Detail: "stock never below 0"},
		}},
		Hops: map[string]int{"GET /products/{id}": 0},
		Resources: &Resources{
			Source: "proc", Interval: Duration(500 * time.Millisecond), Samples: 142, Duration: Duration(70500 * time.Millisecond),
			Replicas: []ReplicaResources{
				{Component: "psp", CPU: Duration(7050 * time.Millisecond), CPUCoresAvg: 0.1, MemPeakBytes: 24 << 20, MemAvgBytes: 20 << 20},
				{Component: "monolith", CPU: Duration(84600 * time.Millisecond), CPUCoresAvg: 1.2, MemPeakBytes: 96 << 20, MemAvgBytes: 80 << 20},
			},
			Total: ResourceTotal{CPU: Duration(91650 * time.Millisecond), CPUCoresAvg: 1.3, MemPeakBytes: 118 << 20, MemAvgBytes: 100 << 20},
		},
	}
	faas := mono
	faas.Variant, faas.Audit, faas.Errors, faas.Resources = "serverless", nil, nil, nil
	faas.ColdStarts = &ColdStarts{
		Count: 4, WarmupCount: 2, Share: 0.0002,
		ColdLatencyMs: Percentiles{P50: 180, P99: 320, Max: 320},
		WarmLatencyMs: Percentiles{P50: 0.5, P99: 2.5, Max: 12.3},
	}
	faas.Notes = []string{"cold starts reported by the X-Cold-Start header"}
	faas.StartedAt = started.Add(10 * time.Second)
	faas.Series = []Second{
		{T: 10, Requests: 400, Errors: 1, ColdStarts: 3, P50Ms: 0.41, P99Ms: 180, Instances: 3, BusyInstances: 2},
		{T: 11, Requests: 400, Dropped: 3, ColdStarts: 1, P50Ms: 0.42, P99Ms: 2.4, Instances: 4, BusyInstances: 1},
	}
	fns := []PlatformFunction{{
		Name: "catalog", MemoryMB: 128, Routes: []string{"GET /products", "GET /products/{id}"}, ReservedConcurrency: 20,
		Invocations: 14000, ColdStarts: 3,
		InitMs: InitPercentiles{P50: 150, P99: 210, Max: 210}, BilledMs: 28000, GBSeconds: 3.5, PeakInstances: 3,
	}, {
		Name: "checkout", MemoryMB: 512, Invocations: 12000, Errors: 2, Throttles: 5, ColdStarts: 3, DeadLetters: 1,
		InitMs: InitPercentiles{P50: 170, P99: 300, Max: 300}, BilledMs: 36000, GBSeconds: 18, PeakInstances: 2,
	}}
	faas.Platform = &Platform{Component: "platform", AccountConcurrency: 100, KeepAliveSec: 60, Functions: fns, Total: SumPlatform(fns)}
	return Run{
		Schema: SchemaVersion, ID: "20261122-235815-steady-3f9a0c", Scenario: "steady", Profile: "quick",
		StartedAt: started, FinishedAt: started.Add(150 * time.Second),
		Machine: Machine{OS: "linux", Arch: "amd64", CPUs: 2, CPUModel: "AMD EPYC 7B13", Kernel: "6.8.0",
			GoVersion: "go1.26.0", MemoryBytes: 8 << 30},
		Archbench: Build{Version: "(devel)", Revision: "0123456789abcdef0123456789abcdef01234567", Time: "2026-11-22T20:00:00Z"},
		Params:    map[string]any{"rate": 200.0, "duration": "70s", "variants": []any{"monolith", "serverless"}},
		Variants:  []VariantResult{mono, faas},
	}
}

// TestSchemaGolden pins the JSON layout of v1: a change to testdata/v1.json
// is a change to the schema and needs a reason (and, unless it only adds
// optional fields, a new SchemaVersion).
func TestSchemaGolden(t *testing.T) {
	got, err := Encode(sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "v1.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode(sampleRun()) differs from %s; if the schema change is intended, run go test -update\ngot:\n%s", golden, got)
	}
	for _, bad := range []string{"_ns\"", "Duration", "\"Schema\""} {
		if bytes.Contains(got, []byte(bad)) {
			t.Errorf("encoded run contains %q: want snake_case names and no nanoseconds", bad)
		}
	}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	run := sampleRun()
	path, err := Write(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, run.ID, FileName); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	for _, p := range []string{path, filepath.Join(dir, run.ID)} {
		got, err := Read(p)
		if err != nil {
			t.Fatalf("Read(%s): %v", p, err)
		}
		if !reflect.DeepEqual(got, run) {
			t.Errorf("Read(%s) = %+v\nwant %+v", p, got, run)
		}
	}
	latest, err := Latest(dir)
	if err != nil || latest != path {
		t.Errorf("Latest = %q, %v; want %q", latest, err, path)
	}

	// A second run moves latest; the folder holds no temporary files.
	second := sampleRun()
	second.ID = NewRunID("spike", time.Now())
	second.Schema = ""
	path2, err := Write(dir, second)
	if err != nil {
		t.Fatal(err)
	}
	if latest, _ := Latest(dir); latest != path2 {
		t.Errorf("Latest = %q after a second Write, want %q", latest, path2)
	}
	if got, err := Read(filepath.Join(dir, LatestLink)); err != nil || got.ID != second.ID || got.Schema != SchemaVersion {
		t.Errorf("Read(latest) = %q %q, %v; want %q with the schema filled in", got.ID, got.Schema, err, second.ID)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, run.ID))
	if len(entries) != 1 {
		t.Errorf("run folder holds %d entries, want only %s", len(entries), FileName)
	}
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Run)
		want string
	}{
		{"empty ID", func(r *Run) { r.ID = "" }, "empty run ID"},
		{"path in ID", func(r *Run) { r.ID = "../escape" }, "not a plain folder name"},
		{"dot dot", func(r *Run) { r.ID = ".." }, "not a plain folder name"},
		{"latest", func(r *Run) { r.ID = LatestLink }, "not a plain folder name"},
		{"other schema", func(r *Run) { r.Schema = "archbench.results/v0" }, "writes only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := sampleRun()
			tt.edit(&run)
			_, err := Write(t.TempDir(), run)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSumPlatform(t *testing.T) {
	tests := []struct {
		name string
		fns  []PlatformFunction
		want PlatformTotal
	}{
		{"none", nil, PlatformTotal{}},
		{"one", []PlatformFunction{{Name: "a", Invocations: 3, Throttles: 1, BilledMs: 30, GBSeconds: 0.5}},
			PlatformTotal{Invocations: 3, Throttles: 1, BilledMs: 30, GBSeconds: 0.5}},
		{"several", []PlatformFunction{
			{Name: "a", Invocations: 3, Errors: 1, Throttles: 1, ColdStarts: 2, DeadLetters: 1, BilledMs: 30, GBSeconds: 0.5, PeakInstances: 2},
			{Name: "b", Invocations: 4, Errors: 2, Throttles: 3, ColdStarts: 1, DeadLetters: 2, BilledMs: 70, GBSeconds: 0.25, PeakInstances: 5},
		}, PlatformTotal{Invocations: 7, Errors: 3, Throttles: 4, ColdStarts: 3, DeadLetters: 3, BilledMs: 100, GBSeconds: 0.75}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SumPlatform(tt.fns); got != tt.want {
				t.Errorf("SumPlatform = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestResourceLimitsJSON checks that a replica's limits are written only
// where set: a process has none.
func TestResourceLimitsJSON(t *testing.T) {
	tests := []struct {
		name    string
		r       ReplicaResources
		want    []string
		wantNot []string
	}{
		{"process", ReplicaResources{Component: "cart", Replica: 0, CPU: Duration(1500 * time.Millisecond), MemPeakBytes: 1 << 20},
			[]string{`"component":"cart"`, `"replica":0`, `"cpu_sec":1.5`, `"cpu_cores_avg":0`, `"mem_peak_bytes":1048576`, `"mem_avg_bytes":0`},
			[]string{"limit"}},
		{"container", ReplicaResources{Component: "cart", Replica: 1, CPULimit: 0.5, MemLimitBytes: 256 << 20},
			[]string{`"replica":1`, `"cpu_limit":0.5`, `"mem_limit_bytes":268435456`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("%s lacks %s", b, want)
				}
			}
			for _, bad := range tt.wantNot {
				if bytes.Contains(b, []byte(bad)) {
					t.Errorf("%s has %s", b, bad)
				}
			}
		})
	}
}

func TestReadTestdata(t *testing.T) {
	run, err := Read(filepath.Join("testdata", "v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Variants) != 2 || run.Variants[0].Requested.Warmup.Std() != 10*time.Second ||
		run.Variants[1].ColdStarts == nil || run.Variants[0].Total.LatencyMs.P99 != 2.31 ||
		run.Variants[0].Platform != nil || run.Variants[1].Platform == nil || run.Variants[1].Platform.Total.GBSeconds != 21.5 ||
		run.Variants[1].Series[1].Instances != 4 || run.Variants[1].StartedAt.IsZero() || !run.Variants[0].StartedAt.IsZero() ||
		run.Variants[0].Resources == nil || run.Variants[0].Resources.Total.CPU.Seconds() != 91.65 || run.Variants[1].Resources != nil {
		t.Errorf("Read(testdata/v1.json) = %+v", run)
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"missing schema", `{"id": "x"}`, `missing "schema" field`},
		{"unknown version", `{"schema": "archbench.results/v2", "id": "x"}`, `unsupported "schema" field "archbench.results/v2"`},
		{"empty version", `{"schema": ""}`, `unsupported "schema" field ""`},
		{"not JSON", `results`, "decode results"},
		{"two documents", `{"schema": "archbench.results/v1"} {}`, "decode results"},
		{"bad duration", `{"schema": "archbench.results/v1", "variants": [{"requested": {"duration_sec": "10s"}}]}`, "number of seconds"},
		{"huge duration", `{"schema": "archbench.results/v1", "variants": [{"requested": {"duration_sec": 1e300}}]}`, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	doc := `{"schema": "archbench.results/v1", "id": "x", "added_later": {"a": 1},
		"variants": [{"variant": "monolith", "requested": {"warmup_sec": 1.5}, "new_section": []}]}`
	run, err := Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != "x" || run.Variants[0].Requested.Warmup.Std() != 1500*time.Millisecond {
		t.Errorf("Decode = %+v", run)
	}
}

func TestNewRunID(t *testing.T) {
	at := time.Date(2026, 11, 22, 23, 58, 15, 0, time.FixedZone("CET", 3600))
	tests := []struct{ scenario, want string }{
		{"steady", `^20261122-225815-steady-[0-9a-f]{6}$`},
		{"Step Load/2", `^20261122-225815-step-load-2-[0-9a-f]{6}$`},
		{"../..", `^20261122-225815-run-[0-9a-f]{6}$`},
		{strings.Repeat("x", 100), `^20261122-225815-x{40}-[0-9a-f]{6}$`},
	}
	for _, tt := range tests {
		id := NewRunID(tt.scenario, at)
		if !regexp.MustCompile(tt.want).MatchString(id) {
			t.Errorf("NewRunID(%q) = %q, want match %s", tt.scenario, id, tt.want)
		}
		if err := checkID(id); err != nil {
			t.Errorf("NewRunID(%q) = %q: %v", tt.scenario, id, err)
		}
	}
	if a, b := NewRunID("x", at), NewRunID("x", at); a == b {
		t.Errorf("two IDs in the same second are equal: %q", a)
	}
}

func TestMachineParsing(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel([]byte(cpuinfo)); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel([]byte("processor : 0\nHardware : BCM2835\n")); got != "BCM2835" {
		t.Errorf("cpuModel (ARM) = %q", got)
	}
	if got := memTotal([]byte("MemTotal:        8000000 kB\nMemFree: 1 kB\n")); got != 8000000*1024 {
		t.Errorf("memTotal = %d", got)
	}
	m := CurrentMachine()
	if m.OS == "" || m.Arch == "" || m.CPUs < 1 || m.GoVersion == "" {
		t.Errorf("CurrentMachine = %+v", m)
	}
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		d    time.Duration
		json string
	}{
		{0, "0"},
		{1500 * time.Millisecond, "1.5"},
		{time.Nanosecond, "0.000000001"},
		{-2 * time.Second, "-2"},
	}
	for _, tt := range tests {
		b, err := Duration(tt.d).MarshalJSON()
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.d, b, err, tt.json)
		}
		var d Duration
		if err := d.UnmarshalJSON(b); err != nil || d.Std() != tt.d {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, d, err, tt.d)
		}
	}
}
