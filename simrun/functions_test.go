package simrun

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/archbench/archbench/sim"
)

// TestFewestWarm checks the search for the fewest provisioned instances
// with no cold start, on a pool that needs 13.
func TestFewestWarm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		start, limit int
		want         int
	}{
		{"from none", 0, 0, 13},
		{"from too many", 40, 0, 13},
		{"from a few", 5, 0, 13},
		{"capped by the limit", 0, 10, 10},
		{"the limit exactly", 0, 13, 13},
		{"none needed", 0, 0, 0},
		{"none needed, from some", 6, 0, 0},
	}
	for _, tc := range tests {
		var tried []int
		need := 13
		if strings.HasPrefix(tc.name, "none needed") {
			need = 0
		}
		cold := func(n int) (int64, error) {
			tried = append(tried, n)
			return int64(max(need-n, 0)), nil
		}
		got, err := fewestWarm(tc.start, tc.limit, cold)
		if err != nil || got != tc.want {
			t.Errorf("%s: %d, %v (tried %v); want %d", tc.name, got, err, tried, tc.want)
		}
	}
	boom := errors.New("boom")
	if _, err := fewestWarm(0, 0, func(int) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing simulation: %v, want it returned", err)
	}
}

// TestSizeFunctions sizes both pools of splitPools for a burst: each
// gets the fewest instances with which it starts none, one fewer starts
// some, and with them all the burst meets the SLO.
func TestSizeFunctions(t *testing.T) {
	t.Parallel()
	m := splitPools(200)
	phases := []sim.Phase{{DurationSec: 10, RatePerSec: 200}, {DurationSec: 5, RatePerSec: 2000}, {DurationSec: 10, RatePerSec: 200}}
	f, v, err := SizeFunctions(context.Background(), m, phases, 25)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Counts) != 2 || f.Pools[0] != "read" || f.Pools[1] != "write" {
		t.Fatalf("sized %+v, want read and write", f)
	}
	for i, n := range f.Counts {
		// 1,000 req/s of 10 ms each: 10 at once on average, Poisson
		// peaks in the twenties.
		if n < 12 || n > 40 {
			t.Errorf("%s: %d provisioned, want 12..40", f.Pools[i], n)
		}
		fewer := setProvisioned(m, f.Pools[i], n-1)
		if i == 1 {
			fewer = setProvisioned(fewer, f.Pools[0], f.Counts[0])
		}
		_, r, err := Phases(context.Background(), fewer, phases)
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := r.Pool(f.Pools[i]); p.ColdStarts == 0 {
			t.Errorf("%s: %d provisioned start no instance either: %d is not the fewest", f.Pools[i], n-1, n)
		}
	}
	if !f.Met() || f.ColdStarts != 0 || f.Errors != 0 {
		t.Errorf("with them: p99 %g ms, %d cold starts, %d errors; want the 25 ms SLO met with none", f.P99Ms, f.ColdStarts, f.Errors)
	}
	n, gb := f.Total()
	if n != f.Counts[0]+f.Counts[1] || gb != float64(n)*128/1024 {
		t.Errorf("total %d instances, %g GB; want the counts' sum at 128 MB each", n, gb)
	}
	if note := v.Notes[len(v.Notes)-1]; !strings.HasPrefix(note, "Sized the provisioned instances of every function pool") || !strings.Contains(note, "meets it") {
		t.Errorf("last note %q: want the sizing, met", note)
	}
	if _, _, err := SizeFunctions(context.Background(), poolBound(0, 8), phases, 25); err == nil || !strings.Contains(err.Error(), "size one by its name") {
		t.Errorf("a model with one pool: %v, want an error saying to size it by name", err)
	}
}
