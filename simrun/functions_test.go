package simrun

import (
	"context"
	"strings"
	"testing"

	"github.com/archbench/archbench/sim"
)

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

// TestSizeFunctionsUnderTheAccount sizes both pools of splitPools under
// an account's limit of 14, too few for the burst's needs: the first
// pool takes all the account's limit left it, the second is left none,
// both throttle, and the sizing says so and what to raise instead.
func TestSizeFunctionsUnderTheAccount(t *testing.T) {
	t.Parallel()
	phases := []sim.Phase{{DurationSec: 10, RatePerSec: 200}, {DurationSec: 5, RatePerSec: 2000}, {DurationSec: 10, RatePerSec: 200}}
	f, _, err := SizeFunctions(context.Background(), splitPools(14), phases, 25)
	if err != nil {
		t.Fatal(err)
	}
	if f.Met() || f.Counts[0] != 14 || f.Counts[1] != 0 || f.CappedBy[0] != "account_concurrency" || f.CappedBy[1] != "account_concurrency" {
		t.Fatalf("sized %+v: want read at the account's 14, write left none, the SLO missed", f)
	}
	if f.Throttled[0] == 0 || f.Throttled[1] == 0 {
		t.Errorf("throttled %v: want both pools throttled", f.Throttled)
	}
	text := f.String()
	for _, want := range []string{
		"read 14 (all the account's limit left it; ",
		"write 0 (all the account's limit left it; ",
		"The account's concurrency limit capped them: raise it (-instances account=N)",
		"Requests were throttled at the concurrency limits, which provisioning does not raise",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("sizing says %q: want %q", text, want)
		}
	}
}
