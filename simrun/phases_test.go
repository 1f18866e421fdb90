package simrun

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// spikePhases are 10 s at 200 req/s, 5 s at 2,000, 10 s at 200.
var spikePhases = []sim.Phase{{DurationSec: 10, RatePerSec: 200}, {DurationSec: 5, RatePerSec: 2000}, {DurationSec: 10, RatePerSec: 200}}

// TestPhasesSpike drives poolBound through a spike: the series covers the
// phases second by second, from the first phase's start, and shows the
// burst: ten times the requests, instances started for it (cold starts
// in its first second, none in the warm seconds before it), and more
// instances than before it.
func TestPhasesSpike(t *testing.T) {
	t.Parallel()
	v, r, err := Phases(context.Background(), poolBound(0, 64), spikePhases)
	if err != nil {
		t.Fatal(err)
	}
	if v.Label != results.LabelModeled || len(v.Series) != 25 || v.Series[0].T != 0 || v.Series[24].T != 24 {
		t.Fatalf("label %q, %d seconds: want a modeled series of the 25 s of phases, from 0", v.Label, len(v.Series))
	}
	if got, want := v.Requested.Rate, (200*20+2000*5)/25.0; got != want {
		t.Errorf("requested rate %g, want the phases' mean %g", got, want)
	}
	if got := v.Requested.Duration.Seconds(); got != 25 {
		t.Errorf("requested duration %g s, want the phases' 25", got)
	}
	var before, during int64
	var coldBefore, peakBefore, peakDuring int
	for _, s := range v.Series {
		switch {
		case s.T < 10:
			before += s.Requests
			coldBefore += int(s.ColdStarts)
			peakBefore = max(peakBefore, s.Instances)
		case s.T < 15:
			during += s.Requests
			peakDuring = max(peakDuring, s.Instances)
		}
		if s.BusyInstances > s.Instances || s.Requests > 0 && s.BusyInstances == 0 {
			t.Errorf("second %d: %d busy of %d instances: want some busy, and no more than exist", s.T, s.BusyInstances, s.Instances)
		}
		if s.Requests > 0 && !(s.P50Ms >= 10 && s.P99Ms >= s.P50Ms) {
			t.Errorf("second %d: p50 %g ms, p99 %g ms: want at least the 11 ms of service, p99 ≥ p50", s.T, s.P50Ms, s.P99Ms)
		}
	}
	if math.Abs(float64(before)-2000)/2000 > 0.1 || math.Abs(float64(during)-10_000)/10_000 > 0.05 {
		t.Errorf("%d requests before the burst and %d during it: want about 2,000 and 10,000", before, during)
	}
	if coldBefore > 3 || v.Series[10].ColdStarts < 5 || peakDuring < 2*peakBefore {
		t.Errorf("cold starts %d before the burst and %d in its first second; instances %d before and %d during: "+
			"want warm instances before it and new ones for it", coldBefore, v.Series[10].ColdStarts, peakBefore, peakDuring)
	}
	if r.WarmupSec != PhaseWarmupSec || r.WindowSec != 25 {
		t.Errorf("warm-up %g s, window %g s: want %d and 25", r.WarmupSec, r.WindowSec, PhaseWarmupSec)
	}
	if note := v.Notes[len(v.Notes)-1]; !strings.Contains(note, "10 s at 200 req/s, then 5 s at 2,000 req/s, then 10 s at 200 req/s") {
		t.Errorf("last note %q: want the phases described", note)
	}
	again, _, err := Phases(context.Background(), poolBound(0, 64), spikePhases)
	if err != nil || !reflect.DeepEqual(again.Series, v.Series) {
		t.Errorf("a second run differs (err %v): want the same series under the same seed", err)
	}
}

// TestPhasesFaultTimes checks that a model's fault window counts from the
// first phase's start, not from the warm-up's.
func TestPhasesFaultTimes(t *testing.T) {
	t.Parallel()
	m := cpuBound(4)
	m.Faults = []sim.Fault{{Station: "cpu", Kind: sim.FaultDown, StartSec: 3, EndSec: 4}}
	v, _, err := Phases(context.Background(), m, []sim.Phase{{DurationSec: 6, RatePerSec: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Series {
		if failing := s.Errors > s.Requests/2; failing != (s.T == 3) {
			t.Errorf("second %d: %d errors of %d requests; want them failing in second 3 only", s.T, s.Errors, s.Requests)
		}
	}
}

func TestPhasesBadInput(t *testing.T) {
	t.Parallel()
	withBurst := poolBound(0, 64)
	withBurst.Arrivals.Bursts = []sim.Burst{{AtSec: 30, Requests: 10}}
	tests := []struct {
		name   string
		m      sim.Model
		phases []sim.Phase
		want   string
	}{
		{"none", cpuBound(4), nil, "no phases"},
		{"a fraction of a second", cpuBound(4), []sim.Phase{{DurationSec: 1.5, RatePerSec: 10}}, "phase 1's duration must be a whole number of seconds"},
		{"a negative rate", cpuBound(4), []sim.Phase{{DurationSec: 1, RatePerSec: 10}, {DurationSec: 1, RatePerSec: -1}}, "phase 2's rate must be 0 to 10000000"},
		{"all idle", cpuBound(4), []sim.Phase{{DurationSec: 5}}, "every phase's rate is 0"},
		{"too many requests", cpuBound(4), []sim.Phase{{DurationSec: 100, RatePerSec: 1e7}}, "more than the 100000000 a phased simulation may"},
		{"a burst after them", withBurst, spikePhases, "arrivals.bursts[0] comes at 30 s, after the phases' end (25 s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Phases(context.Background(), tc.m, tc.phases)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v: want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParsePhases(t *testing.T) {
	t.Parallel()
	got, err := ParsePhases(" 30s:1000, 5s:10000 ,1m:0")
	want := []sim.Phase{{DurationSec: 30, RatePerSec: 1000}, {DurationSec: 5, RatePerSec: 10000}, {DurationSec: 60, RatePerSec: 0}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePhases = %+v, %v; want %+v", got, err, want)
	}
	bad := []struct{ in, want string }{
		{"", "no phases"},
		{"30s", `phase 1 is "30s": want DURATION:RATE`},
		{"30s:1000,5:10", `phase 2's duration "5" is not a duration`},
		{"30s:lots", `phase 1's rate "lots" is not a number`},
		{"500ms:10", "phase 1's duration must be a whole number of seconds, at least 1, but is 0.5 s"},
		{"10s:0", "every phase's rate is 0"},
		{strings.Repeat("1s:1,", MaxPhases) + "1s:1", "65 phases, at most 64"},
	}
	for _, tc := range bad {
		if _, err := ParsePhases(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePhases(%q) error %v: want one containing %q", tc.in, err, tc.want)
		}
	}
}
