package results

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that decoding any input never panics, and that whatever
// decodes encodes and decodes again.
func FuzzRead(f *testing.F) {
	if golden, err := os.ReadFile(filepath.Join("testdata", "v1.json")); err == nil {
		f.Add(golden)
	}
	for _, seed := range []string{
		`{"schema": "archbench.results/v1"}`,
		`{"schema": "archbench.results/v2"}`,
		`{"id": "x"}`,
		`{"schema": "archbench.results/v1", "variants": [{"requested": {"duration_sec": 9.3e18}}]}`,
		`{"schema": "archbench.results/v1", "params": {"a": [1, {"b": null}]}, "started_at": "2026-01-01T00:00:00Z"}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		if run.Schema != SchemaVersion {
			t.Fatalf("Decode accepted schema %q", run.Schema)
		}
		enc, err := Encode(run)
		if err != nil {
			t.Fatalf("Encode after Decode: %v", err)
		}
		if _, err := Decode(bytes.NewReader(enc)); err != nil {
			t.Fatalf("Decode after Encode: %v\n%s", err, enc)
		}
	})
}
