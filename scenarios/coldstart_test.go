package scenarios_test

import (
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/scenarios"
)

// TestColdStart runs short bursts after idle gaps on real processes. The
// serverless variant runs once per keep-alive and once pre-warmed: a gap
// longer than the keep-alive brings cold starts back, a longer keep-alive
// does not, and pre-warmed instances serve the first burst with fewer cold
// starts than a fresh platform. The monolith runs once.
func TestColdStart(t *testing.T) {
	cs := scenarios.ColdStart{Rate: 30, BurstFor: time.Second, Gap: 2500 * time.Millisecond, Bursts: 2,
		KeepAlives: []time.Duration{500 * time.Millisecond, time.Minute}, Provisioned: true,
		Mix: "browse=70,add-to-cart=20,checkout=10", Seed: 1, MaxInFlight: 1024}
	run := benchRun(t, "monolith,serverless", cs)
	bySetting := map[string]results.VariantResult{}
	for _, v := range run.Variants {
		if len(v.Bursts) != 2 || v.ReadySec <= 0 {
			t.Fatalf("%s %q: %d bursts, ready %g s; want 2 bursts and a ready time", v.Variant, v.Setting, len(v.Bursts), v.ReadySec)
		}
		if v.Audit == nil || !v.Audit.Passed {
			t.Errorf("%s %q: audit did not pass", v.Variant, v.Setting)
		}
		bySetting[v.Variant+"|"+v.Setting] = v
	}
	if _, ok := bySetting["serverless|keep-alive 500ms"]; !ok {
		return // run with -variant without serverless: nothing to compare
	}
	short := bySetting["serverless|keep-alive 500ms"].Bursts
	long := bySetting["serverless|keep-alive 1m0s"].Bursts
	warm := bySetting["serverless|provisioned, keep-alive 1m0s"].Bursts
	if short[0].ColdStarts == 0 || long[0].ColdStarts == 0 {
		t.Errorf("the first burst on a fresh platform had no cold start: %+v, %+v", short[0], long[0])
	}
	if short[1].ColdStarts == 0 || short[1].ColdStarts <= long[1].ColdStarts {
		t.Errorf("after a gap past a 500ms keep-alive: %d cold starts; with 1m: %d; want more with the short one",
			short[1].ColdStarts, long[1].ColdStarts)
	}
	if warm[0].ColdShare >= long[0].ColdShare {
		t.Errorf("pre-warmed first burst: %.2f cold, fresh platform: %.2f; want fewer pre-warmed", warm[0].ColdShare, long[0].ColdShare)
	}
}
