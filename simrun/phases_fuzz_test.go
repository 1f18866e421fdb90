package simrun

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzParsePhases checks that ParsePhases never panics, that what it
// accepts is valid, and that the phases it returns read back the same
// when written out again.
func FuzzParsePhases(f *testing.F) {
	for _, s := range []string{"30s:1000,5s:10000,30s:1000", "1m:0,10s:50", "1.5s:10", "5s:-1", "x", "", "10s:1e7", "2s:3:4", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePhases(s)
		if err != nil {
			return
		}
		if err := ValidatePhases(ps); err != nil {
			t.Fatalf("ParsePhases(%q) accepted invalid phases %+v: %v", s, ps, err)
		}
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = fmt.Sprintf("%gs:%g", p.DurationSec, p.RatePerSec)
		}
		again, err := ParsePhases(strings.Join(parts, ","))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("phases %+v written out as %q read back as %+v, %v", ps, strings.Join(parts, ","), again, err)
		}
		for i := range ps {
			if again[i] != ps[i] {
				t.Fatalf("phase %d read back as %+v, want %+v", i+1, again[i], ps[i])
			}
		}
	})
}
