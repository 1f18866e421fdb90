package compare

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
)

// BenchUnit returns the unit WriteBenchfmt writes f's values in, such as
// "p99-ms" or "req/s": no spaces, and no "ns" or "MB" token, which
// benchstat would rescale.
func BenchUnit(f figures.Figure) string {
	switch f.Name {
	case figures.P50:
		return "p50-ms"
	case figures.P99:
		return "p99-ms"
	case figures.Throughput:
		return "req/s"
	case figures.ErrorRate:
		return "err-%"
	case figures.MaxThroughput:
		return "max-req/s"
	case figures.BlastRadius:
		return "blast-%"
	case figures.DeployBlastRadius:
		return "deploy-blast-%"
	case figures.RecoveryTime:
		return "recovery-s"
	case figures.ColdStartP99:
		return "cold-p99-ms"
	case figures.ReadyTime:
		return "ready-s"
	}
	return orNone(sanitise(f.Name)) + "-" + orNone(sanitise(f.Unit))
}

// WriteBenchfmt writes run's figures in the Go benchmark format
// (golang.org/design/14313-benchmark-format), so that `benchstat old.txt
// new.txt` compares two runs: configuration lines (goos, goarch,
// pkg: archbench/<scenario>, cpu), a unit metadata line per unit saying
// which way is better, then one benchmark line per repetition of each
// variant group, with every figure the group has in all its repetitions:
//
//	BenchmarkSteady/variant=monolith/runtime=process 1 3.21 p50-ms 9.87 p99-ms 512.3 req/s 0 err-%
//
// Names are sanitised to the format's rules: the scenario in CamelCase,
// then variant, setting and runtime as key=value parts (benchstat can
// group by them: -col /variant), each value with every run of characters
// other than ASCII letters, digits, '.', '_' and '+' turned into one '-'
// ("keep-alive 2s" → "setting=keep-alive-2s"). A name that would end in
// '-' and digits, which benchstat reads as GOMAXPROCS, gets a '_' for the
// '-'. Figures without samples, and values that are not finite, are left
// out. The iteration count is always 1: each line is one repetition.
func WriteBenchfmt(w io.Writer, run results.Run) error {
	var buf bytes.Buffer
	config := func(key, value string) {
		if v := strings.Join(strings.Fields(value), " "); v != "" {
			fmt.Fprintf(&buf, "%s: %s\n", key, v)
		}
	}
	config("goos", run.Machine.OS)
	config("goarch", run.Machine.Arch)
	pkg := "archbench"
	if s := sanitise(run.Scenario); s != "" {
		pkg += "/" + s
	}
	config("pkg", pkg)
	config("cpu", run.Machine.CPUModel)

	figs := figures.Extract(run)
	seen := map[string]bool{}
	for _, f := range figs {
		u := BenchUnit(f)
		if len(f.Samples) == 0 || seen[u] {
			continue
		}
		seen[u] = true
		fmt.Fprintf(&buf, "Unit %s better=%s\n", u, f.Better)
	}
	base := "Benchmark" + camel(run.Scenario)
	for start := 0; start < len(figs); {
		end := start + 1
		for end < len(figs) && figs[end].Key == figs[start].Key {
			end++
		}
		group := figs[start:end]
		name := benchName(base, group[0].Key)
		reps := 0
		for _, f := range group {
			reps = max(reps, len(f.Samples))
		}
		for i := range reps {
			var line strings.Builder
			for _, f := range group {
				if i >= len(f.Samples) || math.IsNaN(f.Samples[i]) || math.IsInf(f.Samples[i], 0) {
					continue
				}
				fmt.Fprintf(&line, " %s %s", strconv.FormatFloat(f.Samples[i], 'f', -1, 64), BenchUnit(f))
			}
			if line.Len() > 0 { // a benchmark line needs a measurement
				fmt.Fprintf(&buf, "%s 1%s\n", name, line.String())
			}
		}
		start = end
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write run %s in benchmark format: %w", run.ID, err)
	}
	return nil
}

// benchName names a variant group's benchmark: base, then key=value parts.
func benchName(base string, k figures.Key) string {
	name := base + "/variant=" + orNone(sanitise(k.Variant))
	if k.Setting != "" {
		name += "/setting=" + orNone(sanitise(k.Setting))
	}
	if k.Runtime != "" {
		name += "/runtime=" + orNone(sanitise(k.Runtime))
	}
	// A trailing "-123" would be read as GOMAXPROCS.
	digits := strings.TrimRightFunc(name, func(r rune) bool { return r >= '0' && r <= '9' })
	if len(digits) < len(name) && strings.HasSuffix(digits, "-") {
		name = digits[:len(digits)-1] + "_" + name[len(digits):]
	}
	return name
}

// sanitise turns every run of characters other than ASCII letters, digits,
// '.', '_' and '+' into one '-', and trims '-' from both ends.
func sanitise(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '+') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// camel turns a scenario name into the rest of a benchmark name, which must
// start with an upper-case letter: "steady" → "Steady", "cold start" →
// "ColdStart"; "Run" when nothing is left.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(sanitise(s), "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	out := b.String()
	if out == "" {
		return "Run"
	}
	if !unicode.IsUpper(rune(out[0])) { // a digit, '.', '_' or '+'
		return "Run" + out
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
