package calibrate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// toyModel is toy calibrated: it saturates at about 1333 req/s.
func toyModel(t *testing.T) sim.Model {
	t.Helper()
	c, err := Calibrate(context.Background(), toy(), 2, WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	return c.Model
}

// toyRamp is a ramp run of toy with steps, stopped by errors, held to a
// 100 ms SLO.
func toyRamp(id string, steps ...results.RampStep) results.Run {
	v := toy()
	v.Ramp = &results.RampSummary{StoppedBy: "errors", SLOMs: 100, Steps: steps}
	return results.Run{ID: id, Scenario: "ramp", Variants: []results.VariantResult{v}}
}

func TestValidateRamp(t *testing.T) {
	run := toyRamp("ramp1",
		results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 200, P50Ms: 2.6, P99Ms: 8},
		results.RampStep{OfferedPerSec: 575, JourneysPerSec: 575, RequestsPerSec: 1150, P50Ms: 3, P99Ms: 9, CPUCores: 1.5, GeneratorCPUCores: 0.2},
		results.RampStep{OfferedPerSec: 900, JourneysPerSec: 900, RequestsPerSec: 1800, P50Ms: 3, P99Ms: 9},
		results.RampStep{OfferedPerSec: 1000, JourneysPerSec: 1000, RequestsPerSec: 2000, ErrorRate: 0.05, P50Ms: 50, P99Ms: 500},
	)
	s, err := Validate(context.Background(), toyModel(t), run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 4 {
		t.Fatalf("%d points, want one per step", len(s.Points))
	}
	p := s.Points
	for i, want := range []float64{200, 1150, 1800, 2000} { // two requests a journey
		if !near(p[i].OfferedPerSec, want, 1e-9) {
			t.Errorf("point %d offered %g req/s, want %g", i, p[i].OfferedPerSec, want)
		}
	}
	if p[0].Regime != RegimeBelow || !near(p[0].Predicted.ThroughputPerSec, 200, 0.03) {
		t.Errorf("point 0: %s at %g req/s, want below saturation at about 200", p[0].Regime, p[0].Predicted.ThroughputPerSec)
	}
	// The model saturates at 1333 req/s. At step 2 its CPUs are 86 %
	// busy, but it keeps up within the SLO, as the measurement did: both
	// below saturation, and the CPU in use is there to compare.
	if p[1].Regime != RegimeBelow || p[1].Measured.CPUCores != 1.7 || !near(p[1].Predicted.CPUCores, 2*1150/1333.3, 0.03) || p[0].Measured.CPUCores != 0 {
		t.Errorf("step 2: %s (%s), CPU cores measured %g, modeled %g; want below saturation, 1.7 and about 1.72 (and step 1's unmeasured)",
			p[1].Regime, p[1].Why, p[1].Measured.CPUCores, p[1].Predicted.CPUCores)
	}
	// Early at step 3, with the measurement at step 4, where it completes
	// no more than it can.
	if p[2].Regime != RegimeEarly || p[3].Regime != RegimeSaturated {
		t.Errorf("regimes %s and %s, want %s and %s", p[2].Regime, p[3].Regime, RegimeEarly, RegimeSaturated)
	}
	if !near(p[3].Predicted.ThroughputPerSec, 1333, 0.05) {
		t.Errorf("saturated throughput %g req/s, want the model's capacity, about 1333", p[3].Predicted.ThroughputPerSec)
	}
	if !strings.Contains(p[3].Why, "the ramp stopped here: errors") || !strings.Contains(p[3].Why, "cpu 100 % busy") {
		t.Errorf("why %q, want both the measurement's and the model's reasons", p[3].Why)
	}
	if s.Below != 2 || s.MaxThroughputErr != max(abs(p[0].Err.ThroughputPerSec), abs(p[1].Err.ThroughputPerSec)) ||
		s.MaxP50Err != max(abs(p[0].Err.P50Ms), abs(p[1].Err.P50Ms)) {
		t.Errorf("summary %+v, want it over the two points below saturation", s)
	}
	if !strings.Contains(s.Verdict, "saturates early at 1 point") {
		t.Errorf("verdict %q, want it to say the model saturates early", s.Verdict)
	}
	if len(s.CalibratedAt) != 1 || s.CalibratedAt[0] != 100 || p[0].NearCalibration || s.HeldOut != 2 || s.LoadCurve != "" {
		t.Errorf("calibrated at %v, step 1 near it: %v, %d held out, load curve %q; want 100 req/s only, every point held out and no curve",
			s.CalibratedAt, p[0].NearCalibration, s.HeldOut, s.LoadCurve)
	}

	// A load curve through 190 req/s makes step 1 (200 req/s) a
	// calibrated rate: only step 2 is held out.
	m := toyModel(t)
	m.Stations[1].LoadFactors = []sim.LoadFactor{{RatePerSec: 100, Factor: 1}, {RatePerSec: 190, Factor: 0.9}}
	s, err = Validate(context.Background(), m, run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Points[0].NearCalibration || s.HeldOut != 1 || len(s.CalibratedAt) != 2 || !strings.Contains(s.LoadCurve, "×0.90 at 190 req/s") ||
		!strings.Contains(s.Verdict, "at the 1 of them at rates the model was not calibrated at") {
		t.Errorf("with a load curve: near %v, %d held out, calibrated at %v, curve %q, verdict %q",
			s.Points[0].NearCalibration, s.HeldOut, s.CalibratedAt, s.LoadCurve, s.Verdict)
	}
	// The calibrated step's error is the run-to-run difference at one
	// rate, reported apart from the held-out one.
	if s.MaxP50ErrCalibrated != abs(s.Points[0].Err.P50Ms) || s.MaxP50ErrHeldOut != abs(s.Points[1].Err.P50Ms) ||
		!strings.Contains(s.Verdict, fmt.Sprintf("%.0f %% at the rates it was calibrated at, in another run", 100*s.MaxP50ErrCalibrated)) {
		t.Errorf("calibrated p50 error %g, held out %g, verdict %q; want step 1's and step 2's, and the first in the verdict",
			s.MaxP50ErrCalibrated, s.MaxP50ErrHeldOut, s.Verdict)
	}
	// Through 1150 req/s as well, nothing below saturation is held out.
	m.Stations[1].LoadFactors = append(m.Stations[1].LoadFactors, sim.LoadFactor{RatePerSec: 1150, Factor: 1})
	s, err = Validate(context.Background(), m, run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if s.HeldOut != 0 || !strings.Contains(s.Verdict, "none of them at a rate the model was not calibrated at") {
		t.Errorf("with every step near the curve: %d held out, verdict %q", s.HeldOut, s.Verdict)
	}
}

// TestValidateRampWriters proves a ramp step's measured SQLite writer,
// the busiest written one, reaches its point and the validation table,
// and that a run without writers has no writer columns.
func TestValidateRampWriters(t *testing.T) {
	second := time.Second
	writers := []results.WriterUsage{
		{Component: "core", Database: "shop.db", Span: results.Duration(second), Writes: 400,
			Held: results.Duration(second / 2), Waited: results.Duration(4 * second)}, // 50 %, 10 ms a write
		{Component: "catalog", Database: "catalog.db", Span: results.Duration(second), Writes: 10,
			Held: results.Duration(second / 100)}, // 1 %
	}
	run := toyRamp("ramp1",
		results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 200, P50Ms: 2.6, P99Ms: 8},
		results.RampStep{OfferedPerSec: 200, JourneysPerSec: 200, RequestsPerSec: 400, P50Ms: 12, P99Ms: 40, Writers: writers},
	)
	s, err := Validate(context.Background(), toyModel(t), run, "toy", WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Points
	if p[0].Measured.WriterBusy != 0 || p[0].Measured.WriterWaitedMs != 0 {
		t.Errorf("step 1 without writers: busy %g, waited %g ms; want none", p[0].Measured.WriterBusy, p[0].Measured.WriterWaitedMs)
	}
	if !near(p[1].Measured.WriterBusy, 0.5, 1e-9) || !near(p[1].Measured.WriterWaitedMs, 10, 1e-9) ||
		p[1].Predicted.WriterBusy != 0 || p[1].Err.WriterBusy != 0 {
		t.Errorf("step 2: measured busy %g, waited %g ms, modeled busy %g; want the core's 0.5 and 10 ms, none modeled",
			p[1].Measured.WriterBusy, p[1].Measured.WriterWaitedMs, p[1].Predicted.WriterBusy)
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{writersNote, "| writer busy measured | writer busy modeled | writer waited ms measured | writer waited ms modeled | regime |",
		"| 50 % | — | 10 | — | model misses saturation", "| — | — | — | — | below saturation |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}

	run.Variants[0].Ramp.Steps[1].Writers = nil
	s, err = Validate(context.Background(), toyModel(t), run, "toy", WithRequests(5_000))
	if err != nil {
		t.Fatal(err)
	}
	md.Reset()
	if err := WriteMarkdown(&md, s); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "writer busy") {
		t.Errorf("markdown without writers has writer columns:\n%s", md.String())
	}
}

// TestValidateRampKnee checks that a step the ramp tried again at its
// knee counts as saturated even when the second try passed, and that the
// step before it, whose request rate errors brought near, does not.
func TestValidateRampKnee(t *testing.T) {
	run := toyRamp("ramp2",
		results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 200, P50Ms: 2.6, P99Ms: 8},
		results.RampStep{OfferedPerSec: 200, JourneysPerSec: 200, RequestsPerSec: 400, P50Ms: 2.7, P99Ms: 120}, // over the SLO
		results.RampStep{OfferedPerSec: 200, JourneysPerSec: 200, RequestsPerSec: 400, P50Ms: 2.6, P99Ms: 60},  // the retry passes
		// Half its requests failed early: its request rate is the
		// first step's, though it was offered four times the journeys.
		results.RampStep{OfferedPerSec: 400, JourneysPerSec: 200, RequestsPerSec: 200, ErrorRate: 0.5, P50Ms: 40, P99Ms: 900},
	)
	s, err := Validate(context.Background(), toyModel(t), run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Points
	if len(p) != 4 {
		t.Fatalf("%d points, want 4", len(p))
	}
	if p[0].MeasuredSaturated || p[0].Regime != RegimeBelow {
		t.Errorf("step 1: saturated %v (%s), want below saturation", p[0].MeasuredSaturated, p[0].Why)
	}
	if !p[2].MeasuredSaturated || !strings.Contains(p[2].Why, "at the knee") || p[2].Regime == RegimeBelow {
		t.Errorf("step 3, the retry that passed: saturated %v, regime %s, why %q; want saturated at the knee", p[2].MeasuredSaturated, p[2].Regime, p[2].Why)
	}
	if s.Below != 1 {
		t.Errorf("%d points below saturation, want only step 1", s.Below)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestValidateSteady(t *testing.T) {
	v := toy()
	v.Requested.Rate = 200
	v.Achieved.IterationsPerSec, v.Achieved.RequestsPerSec = 200, 200
	v.Total.LatencyMs = results.Percentiles{P50: 2.5, P99: 8}
	run := results.Run{ID: "s2", Variants: []results.VariantResult{v}}
	s, err := Validate(context.Background(), toyModel(t), run, "toy", WithRequests(20_000))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 1 || s.Points[0].Regime != RegimeBelow || s.Points[0].Label != "steady load at 200.0 req/s" {
		t.Fatalf("points %+v, want one below saturation", s.Points)
	}
	if !near(s.Points[0].OfferedPerSec, 200, 1e-9) || s.Points[0].Measured.P50Ms != 2.5 {
		t.Errorf("point %+v, want the run's rate and p50", s.Points[0])
	}

	v.Spike = &results.SpikeSummary{}
	run.Variants = []results.VariantResult{v}
	if _, err := Validate(context.Background(), toyModel(t), run, "toy"); err == nil || !strings.Contains(err.Error(), "shaped") {
		t.Errorf("error %v, want a spike refused", err)
	}
	if _, err := Validate(context.Background(), sim.Model{Name: "empty"}, run, "toy"); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("error %v, want an invalid model refused", err)
	}
}

func TestSummarize(t *testing.T) {
	pt := func(rate, thr, p50 float64, r Regime) Point {
		return Point{OfferedPerSec: rate, Measured: Figures{ThroughputPerSec: rate}, Err: Figures{ThroughputPerSec: thr, P50Ms: p50, P99Ms: 2 * p50}, Regime: r}
	}
	tests := []struct {
		name    string
		points  []Point
		meets   bool
		trusted float64
		max50   float64
		verdict string
	}{
		{"all good", []Point{pt(100, 0.01, -0.1, RegimeBelow), pt(200, -0.02, 0.12, RegimeBelow)}, true, 200, 0.12, "target 15 % for throughput and p50: met"},
		{"p50 off at the top", []Point{pt(200, 0.01, 0.3, RegimeBelow), pt(100, 0.01, 0.1, RegimeBelow)}, false, 100, 0.3, "not met"},
		// Saturating where the measurement did not is a miss, whatever
		// the other points' errors.
		{"early", []Point{pt(100, 0.01, 0.1, RegimeBelow), pt(200, -0.5, 9, RegimeEarly), pt(300, 0, 0, RegimeBelow)}, false, 100, 0.1, "p50: not met); every one of them at a rate the model was not calibrated at; the model saturates early at 1 point"},
		{"nothing below", []Point{pt(100, 0, 0, RegimeMissed)}, false, 0, 0, "no point below saturation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summary{Variant: "v", Points: tt.points}
			s.summarize()
			if s.MeetsTarget != tt.meets || s.TrustedUpToPerSec != tt.trusted || s.MaxP50Err != tt.max50 {
				t.Errorf("meets %v, trusted up to %g, max p50 err %g; want %v, %g, %g", s.MeetsTarget, s.TrustedUpToPerSec, s.MaxP50Err, tt.meets, tt.trusted, tt.max50)
			}
			if !strings.Contains(s.Verdict, tt.verdict) {
				t.Errorf("verdict %q, want %q in it", s.Verdict, tt.verdict)
			}
		})
	}
}

func TestMeasureGap(t *testing.T) {
	from := toy()
	from.Requested.Rate = 100
	from.Total.LatencyMs = results.Percentiles{P50: 2.4, P99: 8}
	ramp := toy()
	ramp.Ramp = &results.RampSummary{StoppedBy: "errors", Steps: []results.RampStep{
		{OfferedPerSec: 25, JourneysPerSec: 25, RequestsPerSec: 50, P50Ms: 1, P99Ms: 4},
		{OfferedPerSec: 75, JourneysPerSec: 75, RequestsPerSec: 150, P50Ms: 3, P99Ms: 12},
		{OfferedPerSec: 150, JourneysPerSec: 150, RequestsPerSec: 300, ErrorRate: 0.5, P50Ms: 1, P99Ms: 1},
	}}
	g, err := MeasureGap(results.Run{Variants: []results.VariantResult{from}}, results.Run{Variants: []results.VariantResult{ramp}}, "toy")
	if err != nil {
		t.Fatal(err)
	}
	// Halfway between the steps below saturation: p50 2, p99 8.
	if g.RatePerSec != 100 || !near(g.Against.P50Ms, 2, 1e-9) || !near(g.Against.P99Ms, 8, 1e-9) || !near(g.Err.P50Ms, 0.2, 1e-9) || g.Err.P99Ms != 0 || g.Note != "" {
		t.Errorf("gap %+v, want p50 2 and p99 8 against, +20 %% and 0", g)
	}
	// A storm in a second repetition of the steady run is left out.
	calm := from
	calm.Repetition = 1
	g, err = MeasureGap(results.Run{Variants: []results.VariantResult{calm, storm(2)}}, results.Run{Variants: []results.VariantResult{ramp}}, "toy")
	if err != nil || g.From.P50Ms != 2.4 || !strings.HasPrefix(g.Note, "from's repetitions left out") {
		t.Errorf("gap %+v, %v; want the calm repetition's p50, 2.4, and a note leaving the storm out", g, err)
	}
	from.Achieved.RequestsPerSec = 1000
	g, err = MeasureGap(results.Run{Variants: []results.VariantResult{from}}, results.Run{Variants: []results.VariantResult{ramp}}, "toy")
	if err != nil || g.Against.P50Ms != 3 || !strings.Contains(g.Note, "nearest") {
		t.Errorf("gap %+v, %v; want the nearest step below saturation, and a note", g, err)
	}
}

func TestOptionsDefaults(t *testing.T) {
	c, err := newConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.demand != DemandFloor || !c.generator || c.requests != DefaultRequests || c.rounds != DefaultRounds || c.service != sim.KindDeterministic || c.seed != 1 {
		t.Errorf("defaults %+v", c)
	}
	if DefaultKeepAlive != 60*time.Second {
		t.Errorf("DefaultKeepAlive %v, want the variants' 60 s", DefaultKeepAlive)
	}
}
