package calibrate

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// exampleModel reads a model the example's summary wrote.
func exampleModel(t *testing.T, variant string) sim.Model {
	t.Helper()
	f, err := os.Open("../results/example/summary/" + variant + ".json")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := sim.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCheckSpike checks the example's serverless model against the
// example's measured spike: the measured side is the run's own spike,
// read by the same rule, in requests per second over the phases the
// series shows; the modeled side is a simulation of those phases, and
// the check is deterministic.
func TestCheckSpike(t *testing.T) {
	run, err := results.Read("../results/example/spike")
	if err != nil {
		t.Fatal(err)
	}
	var sp *results.SpikeSummary
	for _, v := range run.Variants {
		if v.Variant == "serverless" {
			sp = v.Spike
		}
	}
	c, err := CheckSpike(context.Background(), exampleModel(t, "serverless"), run, "serverless")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Measured
	if m.MaxP99MsDuring != sp.MaxP99MsDuring || m.ErrorsDuring != sp.ErrorsDuring || m.PeakInstances != sp.PeakInstances ||
		m.RecoverySec != sp.RecoverySec || m.StartSec != sp.StartSec || m.EndSec != sp.EndSec {
		t.Errorf("measured %+v: want the run's own spike figures %+v", m, *sp)
	}
	if len(c.Phases) != 3 || c.Phases[0].DurationSec != float64(sp.StartSec) || c.Phases[1].DurationSec != float64(sp.EndSec-sp.StartSec) ||
		!(c.Phases[1].RatePerSec > 2*c.Phases[0].RatePerSec) || m.BaseRate != c.Phases[0].RatePerSec {
		t.Errorf("phases %+v, base %g: want the burst over seconds %d–%d at several times the base, in requests/s", c.Phases, m.BaseRate, sp.StartSec, sp.EndSec)
	}
	if c.Modeled.RequestsDuring == 0 || c.Modeled.PeakInstances == 0 || c.Modeled.SLOMs != sp.SLOMs {
		t.Errorf("modeled %+v: want the burst's requests, instances and the run's SLO", c.Modeled)
	}
	again, err := CheckSpike(context.Background(), exampleModel(t, "serverless"), run, "serverless")
	if err != nil || again.Modeled != c.Modeled {
		t.Errorf("a second check gave %+v (%v), want %+v: the same under the same seed", again.Modeled, err, c.Modeled)
	}
	var b strings.Builder
	if err := WriteSpikeChecks(&b, c); err != nil || !strings.Contains(b.String(), "| serverless | ") {
		t.Errorf("table %q (%v): want a row for serverless", b.String(), err)
	}
}

func TestCheckSpikeBadInput(t *testing.T) {
	run, err := results.Read("../results/example/spike")
	if err != nil {
		t.Fatal(err)
	}
	short := run
	short.Variants = append([]results.VariantResult(nil), run.Variants...)
	for i := range short.Variants {
		short.Variants[i].Series = short.Variants[i].Series[:3]
	}
	tests := []struct {
		name    string
		run     results.Run
		variant string
		want    string
	}{
		{"no such variant", run, "mainframe", "has no spike of it"},
		{"a series that ends before the burst does", short, "monolith", "does not cover a burst over seconds"},
	}
	for _, tc := range tests {
		if _, err := CheckSpike(context.Background(), exampleModel(t, "monolith"), tc.run, tc.variant); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestSpikePhases reads a spike's phases off a series: whole seconds
// before, during and after the burst, each at the rate offered in it,
// the dropped iterations' requests included.
func TestSpikePhases(t *testing.T) {
	var series []results.Second
	for s := range int64(10) {
		sec := results.Second{T: s, Requests: 100}
		if s >= 4 && s < 6 {
			sec.Requests, sec.Dropped = 500, 100 // 100 iterations of 2.5 requests never sent
		}
		series = append(series, sec)
	}
	got, err := spikePhases(series, 4, 6, 2.5)
	want := []sim.Phase{{DurationSec: 4, RatePerSec: 100}, {DurationSec: 2, RatePerSec: 750}, {DurationSec: 4, RatePerSec: 100}}
	if err != nil || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("phases %+v (%v), want %+v", got, err, want)
	}
}
