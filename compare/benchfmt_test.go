package compare

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/archbench/archbench/results"
)

// benchLine is one parsed benchmark result line.
type benchLine struct {
	name   string
	iters  int
	values map[string]float64
}

// procsSuffix is what benchstat reads as GOMAXPROCS at the end of a name.
var procsSuffix = regexp.MustCompile(`-[0-9]+$`)

// parseBenchfmt parses text by the rules of the Go benchmark format
// (golang.org/design/14313-benchmark-format), strictly: every line must be
// blank, a configuration line, a unit metadata line or a benchmark line.
func parseBenchfmt(text string) (config map[string]string, better map[string]string, lines []benchLine, err error) {
	config, better = map[string]string{}, map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		if !utf8.ValidString(line) {
			return nil, nil, nil, fail("not UTF-8")
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case strings.HasPrefix(line, "Benchmark"):
			name := fields[0]
			if r, _ := utf8.DecodeRuneInString(name[len("Benchmark"):]); len(name) > len("Benchmark") && !unicode.IsUpper(r) {
				return nil, nil, nil, fail("Benchmark not followed by an upper-case letter")
			}
			if procsSuffix.MatchString(name) {
				return nil, nil, nil, fail("name ends in -digits, read as GOMAXPROCS")
			}
			for _, part := range strings.Split(name, "/")[1:] {
				if k, v, ok := strings.Cut(part, "="); !ok || k == "" || v == "" || strings.Contains(v, "=") {
					return nil, nil, nil, fail("name part %q is not key=value", part)
				}
			}
			if len(fields) < 4 || len(fields)%2 != 0 {
				return nil, nil, nil, fail("want a name, iterations and value/unit pairs")
			}
			iters, err := strconv.Atoi(fields[1])
			if err != nil || iters < 1 {
				return nil, nil, nil, fail("iterations %q", fields[1])
			}
			b := benchLine{name: name, iters: iters, values: map[string]float64{}}
			for j := 2; j < len(fields); j += 2 {
				v, err := strconv.ParseFloat(fields[j], 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil, nil, fail("value %q", fields[j])
				}
				unit := fields[j+1]
				if _, ok := better[unit]; !ok {
					return nil, nil, nil, fail("unit %q has no Unit line", unit)
				}
				for _, tok := range strings.FieldsFunc(unit, func(r rune) bool { return r == '-' || r == '/' || r == '*' }) {
					if tok == "ns" || tok == "MB" {
						return nil, nil, nil, fail("unit %q would be rescaled by benchstat", unit)
					}
				}
				if _, dup := b.values[unit]; dup {
					return nil, nil, nil, fail("unit %q twice", unit)
				}
				b.values[unit] = v
			}
			lines = append(lines, b)
		case fields[0] == "Unit":
			if len(fields) < 3 {
				return nil, nil, nil, fail("want Unit, a unit and key=value pairs")
			}
			for _, kv := range fields[2:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k != "better" || (v != "lower" && v != "higher") {
					return nil, nil, nil, fail("metadata %q", kv)
				}
				better[fields[1]] = v
			}
		default:
			key, value, ok := strings.Cut(line, ":")
			if !ok || key == "" {
				return nil, nil, nil, fail("neither a configuration nor a benchmark line")
			}
			if r, _ := utf8.DecodeRuneInString(key); !unicode.IsLower(r) {
				return nil, nil, nil, fail("key does not begin with a lower-case letter")
			}
			if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsUpper(r) }) >= 0 {
				return nil, nil, nil, fail("key has a space or an upper-case letter")
			}
			if !strings.HasPrefix(value, " ") && !strings.HasPrefix(value, "\t") || strings.TrimSpace(value) == "" {
				return nil, nil, nil, fail("want a space and a value after the colon")
			}
			config[key] = strings.TrimLeft(value, " \t")
		}
	}
	return config, better, lines, nil
}

func TestWriteBenchfmt(t *testing.T) {
	run := steadyRun("r", 3, func(v *results.VariantResult) {
		if v.Variant == "microservices" {
			v.Setting = "keep-alive 2s"
		}
	})
	var b strings.Builder
	if err := WriteBenchfmt(&b, run); err != nil {
		t.Fatal(err)
	}
	config, better, lines, err := parseBenchfmt(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	wantConfig := map[string]string{"goos": "linux", "goarch": "amd64", "pkg": "archbench/steady", "cpu": "AMD EPYC"}
	if fmt.Sprint(config) != fmt.Sprint(wantConfig) {
		t.Errorf("config %v, want %v", config, wantConfig)
	}
	wantBetter := map[string]string{"p50-ms": "lower", "p99-ms": "lower", "req/s": "higher", "err-%": "lower"}
	if fmt.Sprint(better) != fmt.Sprint(wantBetter) {
		t.Errorf("units %v, want %v", better, wantBetter)
	}
	if len(lines) != 6 {
		t.Fatalf("%d benchmark lines, want 6 (2 groups × 3 repetitions):\n%s", len(lines), b.String())
	}
	names := []string{
		"BenchmarkSteady/variant=monolith/runtime=process",
		"BenchmarkSteady/variant=microservices/setting=keep-alive-2s/runtime=process",
	}
	for i, l := range lines {
		group, rep := i/3, i%3+1
		if l.name != names[group] || l.iters != 1 || len(l.values) != 4 {
			t.Errorf("line %d: %+v, want %s, 1 iteration, 4 values", i, l, names[group])
		}
		// Repetition order: the values are repetition rep's.
		v := run.Variants[(rep-1)*2+group]
		if l.values["p99-ms"] != v.Total.LatencyMs.P99 || l.values["req/s"] != v.Achieved.RequestsPerSec {
			t.Errorf("line %d: %v, want repetition %d's figures", i, l.values, rep)
		}
	}
}

func TestWriteBenchfmtScenarios(t *testing.T) {
	v := func(rep int, setting string) results.VariantResult {
		return results.VariantResult{Variant: "serverless", Setting: setting, Runtime: "process", Repetition: rep,
			Achieved: results.Throughput{RequestsPerSec: 100}, ReadySec: 0.05,
			Total: results.OpStats{Count: 10, LatencyMs: results.Percentiles{P50: 1, P99: 2}},
			Spike: &results.SpikeSummary{RecoverySec: float64(rep) - 2}, // -1: never, then 0
		}
	}
	run := results.Run{Scenario: "cold start", Variants: []results.VariantResult{v(1, "provisioned, keep-alive 1m0s"), v(2, "provisioned, keep-alive 1m0s")}}
	var b strings.Builder
	if err := WriteBenchfmt(&b, run); err != nil {
		t.Fatal(err)
	}
	config, _, lines, err := parseBenchfmt(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if config["pkg"] != "archbench/cold-start" || config["cpu"] != "" {
		t.Errorf("config %v", config)
	}
	if len(lines) != 2 || lines[0].name != "BenchmarkColdStart/variant=serverless/setting=provisioned-keep-alive-1m0s/runtime=process" {
		t.Fatalf("lines %+v", lines)
	}
	if _, ok := lines[0].values["recovery-s"]; ok {
		t.Errorf("recovery time written though one repetition never recovered: %v", lines[0].values)
	}
	if lines[1].values["ready-s"] != 0.05 {
		t.Errorf("ready time: %v", lines[1].values)
	}
}

func TestWriteBenchfmtOdd(t *testing.T) {
	// No results: only the configuration; NaN figures left out.
	for _, run := range []results.Run{
		{},
		{Variants: []results.VariantResult{{Variant: "x y", Runtime: "", Achieved: results.Throughput{RequestsPerSec: math.NaN()}}}},
	} {
		var b strings.Builder
		if err := WriteBenchfmt(&b, run); err != nil {
			t.Fatal(err)
		}
		_, _, lines, err := parseBenchfmt(b.String())
		if err != nil || len(lines) != 0 {
			t.Errorf("lines %v, err %v:\n%s", lines, err, b.String())
		}
	}
}

func TestBenchName(t *testing.T) {
	tests := []struct {
		scenario, variant, setting, runtime string
		want                                string
	}{
		{"steady", "monolith", "", "process", "BenchmarkSteady/variant=monolith/runtime=process"},
		{"coldstart", "serverless", "keep-alive 2s", "process", "BenchmarkColdstart/variant=serverless/setting=keep-alive-2s/runtime=process"},
		{"fault", "hybrid", "crash cart", "", "BenchmarkFault/variant=hybrid/setting=crash-cart"},
		{"fault", "hybrid", "a/b=c", "", "BenchmarkFault/variant=hybrid/setting=a-b-c"},
		{"x", "m", "keep-alive 2", "", "BenchmarkX/variant=m/setting=keep-alive_2"},
		{"", "", "  ", "", "BenchmarkRun/variant=none/setting=none"},
		{"2fast", "v", "", "é", "BenchmarkRun2fast/variant=v/runtime=none"},
		{"spike  test!", "v", "", "docker", "BenchmarkSpikeTest/variant=v/runtime=docker"},
	}
	for _, tt := range tests {
		k := struct{ v, s, r string }{tt.variant, tt.setting, tt.runtime}
		run := results.Run{Scenario: tt.scenario, Variants: []results.VariantResult{{
			Variant: k.v, Setting: k.s, Runtime: k.r, Achieved: results.Throughput{RequestsPerSec: 1}}}}
		var b strings.Builder
		if err := WriteBenchfmt(&b, run); err != nil {
			t.Fatal(err)
		}
		_, _, lines, err := parseBenchfmt(b.String())
		if err != nil {
			t.Errorf("%+v: %v\n%s", tt, err, b.String())
			continue
		}
		if len(lines) != 1 || lines[0].name != tt.want {
			t.Errorf("%+v: lines %+v, want name %q", tt, lines, tt.want)
		}
	}
}

// TestWriteBenchfmtExamples writes every example run and parses it back.
func TestWriteBenchfmtExamples(t *testing.T) {
	paths, err := filepath.Glob("../results/example/*/results.json")
	if err != nil || len(paths) == 0 {
		t.Skipf("no example runs: %v", err)
	}
	for _, p := range paths {
		run, err := results.Read(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		var b strings.Builder
		if err := WriteBenchfmt(&b, run); err != nil {
			t.Fatal(err)
		}
		_, _, lines, err := parseBenchfmt(b.String())
		if err != nil {
			t.Errorf("%s: %v\n%s", p, err, b.String())
		}
		if len(lines) == 0 {
			t.Errorf("%s: no benchmark lines", p)
		}
	}
}
