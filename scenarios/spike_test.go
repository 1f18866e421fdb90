package scenarios

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
)

// TestSpikeSummarise reads known series: the burst's errors and worst p99,
// and the recovery, which counts from the burst's end to the first second
// after which every second meets the SLO with no error.
func TestSpikeSummarise(t *testing.T) {
	s := Spike{Base: 10, Factor: 5, Before: 3 * time.Second, During: 2 * time.Second, After: 5 * time.Second, SLO: 50 * time.Millisecond}
	sec := func(t int64, p99 float64, errs int64) results.Second {
		return results.Second{T: t, P99Ms: p99, Errors: errs, Requests: 10}
	}
	tests := []struct {
		name       string
		series     []results.Second
		recovery   float64
		errsDuring int64
		maxDuring  float64
	}{
		{"never breached", []results.Second{sec(0, 5, 0), sec(1, 6, 0), sec(2, 5, 0), sec(3, 20, 0), sec(4, 30, 0), sec(5, 5, 0), sec(6, 5, 0)}, 0, 0, 30},
		{"recovers 2 s after", []results.Second{sec(0, 5, 0), sec(1, 5, 0), sec(2, 5, 0), sec(3, 80, 2), sec(4, 200, 9), sec(5, 120, 0), sec(6, 60, 0), sec(7, 9, 0), sec(8, 8, 0), sec(9, 7, 0)}, 2, 11, 200},
		{"an error after recovery delays it", []results.Second{sec(0, 5, 0), sec(3, 80, 0), sec(4, 80, 0), sec(5, 10, 0), sec(6, 10, 1), sec(7, 10, 0), sec(8, 10, 0)}, 2, 0, 80},
		{"not recovered", []results.Second{sec(0, 5, 0), sec(3, 80, 0), sec(4, 80, 0), sec(5, 90, 0), sec(6, 95, 0)}, -1, 0, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Summarise(tt.series)
			if got.RecoverySec != tt.recovery || got.ErrorsDuring != tt.errsDuring || got.MaxP99MsDuring != tt.maxDuring {
				t.Fatalf("summary %+v: want recovery %g, errors during %d, max p99 during %g", got, tt.recovery, tt.errsDuring, tt.maxDuring)
			}
			if got.StartSec != 3 || got.EndSec != 5 || got.PeakRate != 50 || got.P99MsBefore != 5 {
				t.Fatalf("summary %+v: want the burst at [3, 5), peak 50/s, p99 before 5 ms", got)
			}
		})
	}
}

func TestSpikeValidateNamesFields(t *testing.T) {
	err := Spike{Factor: 1, SLO: 0, MaxInFlight: 0, Mix: "browse=1"}.Validate()
	if err == nil {
		t.Fatal("an empty spike validated")
	}
	for _, field := range []string{"base", "factor", "before", "during", "after", "slo", "max-in-flight"} {
		if !strings.Contains(err.Error(), field+" must") {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

// TestSpikeWindows: the burst and the base after it leave out their first
// second, unless a phase is that short.
func TestSpikeWindows(t *testing.T) {
	s := time.Second
	tests := []struct {
		name                  string
		before, during, after time.Duration
		want                  []results.Window
	}{
		{"quick", 4 * s, 5 * s, 8 * s, []results.Window{
			{Name: WindowBefore, From: 0, To: 4 * s},
			{Name: WindowBurst, From: 5 * s, To: 9 * s},
			{Name: WindowAfter, From: 10 * s, To: 17 * s},
		}},
		{"one-second phases", s, s, s, []results.Window{
			{Name: WindowBefore, From: 0, To: s},
			{Name: WindowBurst, From: s, To: 2 * s},
			{Name: WindowAfter, From: 2 * s, To: 3 * s},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Spike{Before: tc.before, During: tc.during, After: tc.after}.windows()
			if !slices.Equal(got, tc.want) {
				t.Errorf("windows %+v, want %+v", got, tc.want)
			}
		})
	}
}
