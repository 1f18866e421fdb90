package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestParseFile decodes good files: each scenario, the profile's values
// alone, and overrides. A loaded scenario equals the profile with the
// overrides put in, and its Params are the profile's with the file's
// params applied: the file round-trips.
func TestParseFile(t *testing.T) {
	steady := func(profile string, edit func(*Steady)) Scenario {
		s, err := SteadyProfile(profile)
		if err != nil {
			t.Fatal(err)
		}
		edit(&s)
		return s
	}
	ramp := func(edit func(*Ramp)) Scenario {
		r, err := RampProfile("quick")
		if err != nil {
			t.Fatal(err)
		}
		edit(&r)
		return r
	}
	spike := func(profile string, edit func(*Spike)) Scenario {
		s, err := SpikeProfile(profile)
		if err != nil {
			t.Fatal(err)
		}
		edit(&s)
		return s
	}
	coldstart := func(profile string, edit func(*ColdStart)) Scenario {
		c, err := ColdStartProfile(profile)
		if err != nil {
			t.Fatal(err)
		}
		edit(&c)
		return c
	}
	tests := []struct {
		name string
		file string
		want Scenario
	}{
		{"steady, defaults", `{"scenario": "steady"}`, steady("quick", func(*Steady) {})},
		{"steady, full profile, empty params", `{"scenario": "steady", "profile": "full", "params": {}}`, steady("full", func(*Steady) {})},
		{"steady, every param", `{"scenario": "steady", "params": {"rate_per_sec": 300.5, "duration_sec": 30, "warmup_sec": 0,
			"mix": "browse=1,checkout=1", "seed": 18446744073709551615, "max_in_flight": 64}}`,
			steady("quick", func(s *Steady) {
				s.Rate, s.Duration, s.Warmup, s.Mix, s.Seed, s.MaxInFlight = 300.5, 30*time.Second, 0, "browse=1,checkout=1", 1<<64-1, 64
			})},
		{"steady, fractional seconds", `{"scenario": "steady", "params": {"duration_sec": 1.5, "warmup_sec": 0.25}}`,
			steady("quick", func(s *Steady) { s.Duration, s.Warmup = 1500*time.Millisecond, 250*time.Millisecond })},
		{"an integer written as 1e3 or 4.0", `{"scenario": "steady", "params": {"max_in_flight": 1e3, "seed": 4.0}}`,
			steady("quick", func(s *Steady) { s.MaxInFlight, s.Seed = 1000, 4 })},
		{"ramp, every param", `{"scenario": "ramp", "params": {"start_per_sec": 20, "growth": 1.5, "steps": 5, "step_sec": 2,
			"warmup_sec": 1, "slo_p99_ms": 250, "mix": "browse=1", "seed": 7, "max_in_flight": 100}}`,
			ramp(func(r *Ramp) {
				r.Start, r.Growth, r.Steps, r.StepFor, r.Warmup, r.SLO, r.Mix, r.Seed, r.MaxInFlight =
					20, 1.5, 5, 2*time.Second, time.Second, 250*time.Millisecond, "browse=1", 7, 100
			})},
		{"spike, the example", `{"scenario": "spike", "profile": "quick", "params": {"base_per_sec": 40, "factor": 6, "slo_p99_ms": 80}}`,
			spike("quick", func(s *Spike) { s.Base, s.Factor, s.SLO = 40, 6, 80*time.Millisecond })},
		{"spike, windows on full", `{"params": {"before_sec": 10, "during_sec": 2, "after_sec": 20, "warmup_sec": 0}, "profile": "full", "scenario": "spike"}`,
			spike("full", func(s *Spike) {
				s.Before, s.During, s.After, s.Warmup = 10*time.Second, 2*time.Second, 20*time.Second, 0
			})},
		{"coldstart, every param", `{"scenario": "coldstart", "params": {"rate_per_sec": 20, "burst_sec": 1, "gap_sec": 3, "bursts": 4,
			"keep_alive_sec": [0.5, 30], "provisioned": false, "mix": "checkout=1", "seed": 3, "max_in_flight": 16}}`,
			coldstart("quick", func(c *ColdStart) {
				c.Rate, c.BurstFor, c.Gap, c.Bursts, c.KeepAlives, c.Provisioned, c.Mix, c.Seed, c.MaxInFlight =
					20, time.Second, 3*time.Second, 4, []time.Duration{500 * time.Millisecond, 30 * time.Second}, false, "checkout=1", 3, 16
			})},
		{"coldstart, full profile", "\n\t{ \"scenario\" : \"coldstart\" , \"profile\" : \"full\" }\n\n", coldstart("full", func(*ColdStart) {})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse = %+v\nwant    %+v", got, tt.want)
			}
			roundTrip(t, []byte(tt.file), got)
		})
	}
}

// roundTrip checks that sc's Params are its file's profile's Params with
// the file's params put in, compared as JSON values.
func roundTrip(t *testing.T, file []byte, sc Scenario) {
	t.Helper()
	var f struct {
		Scenario, Profile string
		Params            map[string]any
	}
	if err := json.Unmarshal(file, &f); err != nil {
		t.Fatal(err)
	}
	if f.Profile == "" {
		f.Profile = "quick"
	}
	base, ok, err := formFor(f.Scenario, f.Profile)
	if !ok || err != nil {
		t.Fatalf("formFor(%q, %q): %v, %v", f.Scenario, f.Profile, ok, err)
	}
	want := asJSON(t, base.scenario().Params())
	for k, v := range asJSON(t, f.Params) {
		want[k] = v
	}
	if got := asJSON(t, sc.Params()); !reflect.DeepEqual(got, want) {
		t.Errorf("Params = %v\nwant     %v (the profile's with the file's params)", got, want)
	}
	if sc.Name() != f.Scenario {
		t.Errorf("Name = %q, want %q", sc.Name(), f.Scenario)
	}
}

// asJSON is v as encoding/json decodes it into any.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParseFileErrors decodes bad files: each error names what is wrong,
// and every problem in a file is reported.
func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"empty file", ``, []string{"empty"}},
		{"only white space", " \n\t ", []string{"empty"}},
		{"not an object", `["steady"]`, []string{"must be a JSON object, but is an array"}},
		{"null", `null`, []string{"must be a JSON object, but is null"}},
		{"invalid JSON", "{\n  \"scenario\": steady\n}", []string{"invalid JSON at line 2, column 15"}},
		{"unclosed object", `{"scenario": "steady"`, []string{"invalid JSON: the input ends inside the object"}},
		{"trailing object", `{"scenario": "steady"} {"scenario": "spike"}`, []string{"trailing data after the JSON object, at line 1, column 24"}},
		{"trailing garbage", "{\"scenario\": \"steady\"}\n,", []string{"trailing data after the JSON object, at line 2, column 1"}},
		{"oversized", strings.Repeat(" ", MaxFileSize) + `{"scenario": "steady"}`, []string{"larger than 1048576 bytes (1 MiB)"}},
		{"no scenario", `{"profile": "quick"}`, []string{"scenario is missing; it must be one of steady, ramp, spike, coldstart"}},
		{"unknown scenario lists the names", `{"scenario": "chaos"}`, []string{`scenario must be one of steady, ramp, spike, coldstart, but is "chaos"`}},
		{"scenario not a string", `{"scenario": 1}`, []string{"scenario must be a string, but is a number"}},
		{"unknown profile", `{"scenario": "ramp", "profile": "medium"}`, []string{`profile must be quick or full, but is "medium"`}},
		{"profile null", `{"scenario": "ramp", "profile": null}`, []string{"profile must be a string, but is null"}},
		{"unknown field lists the fields", `{"scenario": "steady", "parms": {}}`, []string{"parms is not a field; the fields are scenario, profile and params"}},
		{"odd unknown field is quoted", `{"scenario": "steady", "a b\n": 1}`, []string{`"a b\n" is not a field`}},
		{"field given twice", `{"scenario": "steady", "scenario": "spike"}`, []string{"scenario is given twice"}},
		{"param given twice", `{"scenario": "steady", "params": {"seed": 1, "seed": 2}}`, []string{"params.seed is given twice"}},
		{"params not an object", `{"scenario": "steady", "params": [1]}`, []string{"params must be an object, but is an array"}},
		{"unknown param lists the params", `{"scenario": "spike", "params": {"rate_per_sec": 10}}`,
			[]string{"params.rate_per_sec is not a spike param; spike's params are base_per_sec, factor, warmup_sec, before_sec, during_sec, after_sec, slo_p99_ms, mix, seed, max_in_flight"}},
		{"a duration as a Go duration", `{"scenario": "steady", "params": {"duration_sec": "30s"}}`, []string{"params.duration_sec must be a number, but is a string"}},
		{"a rate as null", `{"scenario": "steady", "params": {"rate_per_sec": null}}`, []string{"params.rate_per_sec must be a number, but is null"}},
		{"a fractional integer", `{"scenario": "ramp", "params": {"steps": 2.5}}`, []string{"params.steps must be an integer from"}},
		{"an integer as a string", `{"scenario": "ramp", "params": {"steps": "5"}}`, []string{"params.steps must be an integer, but is a string"}},
		{"a negative seed", `{"scenario": "ramp", "params": {"seed": -1}}`, []string{"params.seed must be an integer from 0 to 18446744073709551615, but is -1"}},
		{"a mix as an object", `{"scenario": "steady", "params": {"mix": {"browse": 1}}}`, []string{"params.mix must be a string, but is an object"}},
		{"provisioned as a string", `{"scenario": "coldstart", "params": {"provisioned": "yes"}}`, []string{"params.provisioned must be true or false, but is a string"}},
		{"keep-alives not an array", `{"scenario": "coldstart", "params": {"keep_alive_sec": 60}}`, []string{"params.keep_alive_sec must be an array of numbers (seconds), but is a number"}},
		{"a keep-alive not a number", `{"scenario": "coldstart", "params": {"keep_alive_sec": [60, "2m"]}}`, []string{"params.keep_alive_sec[1] must be a number, but is a string"}},
		{"a number out of range", `{"scenario": "steady", "params": {"rate_per_sec": 1e999}}`, []string{"params.rate_per_sec must be a finite number, but is 1e999"}},
		{"a duration out of range", `{"scenario": "steady", "params": {"duration_sec": 1e300}}`, []string{"params.duration_sec must be at most 9223372036 in magnitude"}},
		{"bad value", `{"scenario": "spike", "params": {"factor": 1}}`, []string{"params.factor must be in (1, 100], but is 1"}},
		{"bad window", `{"scenario": "spike", "params": {"during_sec": 0.5}}`, []string{"params.during_sec must be at least 1s, but is 500ms"}},
		{"bad slo", `{"scenario": "ramp", "params": {"slo_p99_ms": 0}}`, []string{"params.slo_p99_ms must be > 0, but is 0s"}},
		{"bad step", `{"scenario": "ramp", "params": {"step_sec": 0.5}}`, []string{"params.step_sec must be at least 1s"}},
		{"bad keep-alive keeps its index", `{"scenario": "coldstart", "params": {"keep_alive_sec": [60, 0]}}`, []string{"params.keep_alive_sec[1] must be > 0, but is 0s"}},
		{"bad burst", `{"scenario": "coldstart", "params": {"burst_sec": 0, "bursts": 1}}`,
			[]string{"params.burst_sec must be at least 100ms", "params.bursts must be 2..100, but is 1"}},
		{"bad mix", `{"scenario": "steady", "params": {"mix": "browse=70,shoplift=30"}}`, []string{`params.mix: parse mix "browse=70,shoplift=30": mix entry 2 "shoplift=30": unknown journey "shoplift"`}},
		{"every problem at once", `{"scenario": "steady", "extra": 1, "params": {"rate_per_sec": 0, "duration_sec": "x", "max_in_flight": 0, "nope": 1}}`,
			[]string{"extra is not a field", "params.duration_sec must be a number", "params.nope is not a steady param",
				"params.rate_per_sec must be in (0, 1000000]", "params.max_in_flight must be >= 1, but is 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse([]byte(tt.file))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", sc)
			}
			if sc != nil {
				t.Errorf("Parse returned %+v with its error", sc)
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, w) }) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if len(lines) != len(tt.want) {
				t.Errorf("error has %d lines, want %d (one per problem):\n%v", len(lines), len(tt.want), err)
			}
		})
	}
}

// TestFileNamesValidateErrors checks that every problem a scenario's Validate
// finds is named as the file names it: a key of the scenario's Params,
// not the flag-like name Validate uses.
func TestFileNamesValidateErrors(t *testing.T) {
	for _, name := range scenarioNames() {
		t.Run(name, func(t *testing.T) {
			f, ok, err := formFor(name, "quick")
			if !ok || err != nil {
				t.Fatalf("formFor(%q): %v, %v", name, ok, err)
			}
			keys := f.scenario().Params()
			if len(keys) != len(f.params) {
				t.Errorf("the file sets %d params, Params records %d", len(f.params), len(keys))
			}
			// Make every param as wrong as its type allows.
			for _, p := range f.params {
				if _, ok := keys[p.key]; !ok {
					t.Errorf("param %s is not a key of Params", p.key)
				}
				for _, bad := range []string{`-1`, `""`, `[-1]`} {
					if p.set(json.RawMessage(bad)) == nil {
						break
					}
				}
			}
			errs := rename(f.validate(), map[string]string{})
			if len(errs) < 5 {
				t.Fatalf("Validate found %d problems, want most params wrong", len(errs))
			}
			renames := map[string]string{}
			for _, p := range f.params {
				renames[p.name] = p.key
			}
			for _, e := range rename(f.validate(), renames) {
				fe := e.(*fieldError)
				key, _, _ := strings.Cut(strings.TrimPrefix(fe.field, "params."), "[")
				if _, ok := keys[key]; !ok || fe.rest == "" || fe.rest[0] != ' ' && fe.rest[0] != ':' {
					t.Errorf("%q does not start by naming a param", e)
				}
			}
		})
	}
}

// TestLoadFileTestdata loads the example files, one per scenario, each named
// for its scenario.
func TestLoadFileTestdata(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sc, err := LoadFile(path)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			if want := strings.TrimSuffix(filepath.Base(path), ".json"); sc.Name() != want {
				t.Errorf("%s holds a %s scenario, want %s", path, sc.Name(), want)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, data, sc)
			names = append(names, sc.Name())
		})
	}
	for _, name := range scenarioNames() {
		if !slices.Contains(names, name) {
			t.Errorf("no example file for %s in testdata", name)
		}
	}
}

// TestLoadFileErrors checks errors reading a file, and that every line of
// a file's errors starts with its path.
func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"missing", filepath.Join(dir, "missing.json"), []string{"read scenario file", "missing.json", "no such file"}},
		{"a directory", dir, []string{"read scenario file"}},
		{"oversized", write("big.json", bytes.Repeat([]byte(" "), MaxFileSize+1)), []string{"big.json: larger than 1048576 bytes"}},
		{"empty", write("empty.json", nil), []string{"empty.json: empty"}},
		{"bad values", write("spike.json", []byte(`{"scenario": "spike", "params": {"factor": 1, "slo_p99_ms": -5, "surge": 2}}`)),
			[]string{"spike.json: params.factor must be in (1, 100], but is 1", "spike.json: params.slo_p99_ms must be > 0", "spike.json: params.surge is not a spike param"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := LoadFile(tt.path)
			if err == nil {
				t.Fatalf("LoadFile = %+v, want an error", sc)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if strings.HasPrefix(tt.path, dir+string(filepath.Separator)) && !strings.HasPrefix(err.Error(), "read") {
				for _, line := range strings.Split(err.Error(), "\n") {
					if !strings.HasPrefix(line, tt.path+": ") {
						t.Errorf("line %q does not start with the file's path", line)
					}
				}
			}
		})
	}
}
