package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and returns either an error or
// a scenario that validates, never both or neither.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"scenario": "steady"}`, `{"scenario": "steady"} x`,
		`{"scenario": "spike", "params": {"factor": 1, "during_sec": 1e300}}`,
		`{"scenario": "ramp", "profile": "full", "params": {"steps": 1e3, "seed": 18446744073709551615}}`,
		`{"scenario": "coldstart", "params": {"keep_alive_sec": [], "bursts": 2.0, "provisioned": null}}`,
		`{"scenario": "steady", "scenario": "steady", "params": {"mix": "browse=1\u0000"}}`,
		`{"scenario": "steady", "params": {"rate_per_sec": -0, "duration_sec": 9223372036.8547}}`,
		`{"scenario": "steady", "params": {"max_in_flight": -9223372036854775808, "warmup_sec": 1e-300}}`,
		`{"params": {"": 1}, "\ud800": 2}`, strings.Repeat("[", 20000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(data)
		switch {
		case err != nil && sc != nil:
			t.Fatalf("Parse(%q) returned %+v and %v", data, sc, err)
		case err != nil:
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("Parse(%q) returned an empty error", data)
			}
			return
		case sc == nil:
			t.Fatalf("Parse(%q) returned neither a scenario nor an error", data)
		}
		v, ok := sc.(interface{ Validate() error })
		if !ok {
			t.Fatalf("Parse(%q) returned %T, which cannot validate", data, sc)
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("Parse(%q) returned a scenario that does not validate: %v", data, err)
		}
		if sc.Params() == nil {
			t.Fatalf("Parse(%q): %s has no Params", data, sc.Name())
		}
	})
}
