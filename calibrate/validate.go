package calibrate

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// Target is the largest relative error of throughput and p50 below
// saturation that a model must keep to meet the project's target.
const Target = 0.15

// SaturationUtilization is the utilisation of a station at which a model
// counts as saturated whatever its latency: so near 1 the queue has no
// steady state within a simulation's length.
const SaturationUtilization = sim.SaturatedUtilization

// behindShare is the share of the offered rate below which throughput
// has fallen behind, in a measurement and in a model alike.
const behindShare = 0.95

// Regime says whether a validation point is below saturation in the
// measurement and in the model.
type Regime string

const (
	// RegimeBelow: neither the measurement nor the model saturated. The
	// target applies to these points.
	RegimeBelow Regime = "below saturation"
	// RegimeEarly: the model saturated where the measurement did not; it
	// underestimates capacity.
	RegimeEarly Regime = "model saturates early"
	// RegimeMissed: the measurement saturated where the model did not;
	// it overestimates capacity, or misses what saturated (errors, a
	// platform's limits, the generator).
	RegimeMissed Regime = "model misses saturation"
	// RegimeSaturated: both saturated.
	RegimeSaturated Regime = "saturated"
)

// Figures are what a point compares: throughput in requests per second
// and latency percentiles in milliseconds. In Point.Err they are relative
// errors, (predicted − measured) / measured.
type Figures struct {
	ThroughputPerSec float64 `json:"throughput_per_sec"`
	P50Ms            float64 `json:"p50_ms"`
	P99Ms            float64 `json:"p99_ms"`
	// CPUCores is the CPU in use, in cores on average: measured, the
	// variant's and the load generator's (results.RampStep.CPUCores and
	// GeneratorCPUCores), 0 where not measured; modeled, the busy servers
	// of the cpu station.
	CPUCores float64 `json:"cpu_cores,omitempty"`
	// WriterBusy and WriterWaitedMs are the busiest SQLite writer's busy
	// share (0..1) and the mean time a write waited for it: measured, of
	// a ramp step's writers (results.BusiestWriter), 0 where not measured;
	// modeled, of the model's writer stations (the lock stations of a
	// model calibrated from writes counted per operation), 0 for a model
	// without. Point.Err leaves them 0.
	WriterBusy     float64 `json:"writer_busy,omitempty"`
	WriterWaitedMs float64 `json:"writer_waited_ms,omitempty"`
}

// Point is one measurement predicted by a model.
type Point struct {
	// Label names the measurement, such as "ramp step 3 (200/s)".
	Label      string `json:"label"`
	Repetition int    `json:"repetition,omitempty"`
	// OfferedPerSec is the request rate offered, the model's arrival
	// rate: the journeys offered times the requests a journey made.
	OfferedPerSec float64 `json:"offered_per_sec"`
	// Measured and Predicted are the figures; Err their relative errors.
	// Predicted throughput is the model's completions per second during
	// its measured window, which a saturated model caps. A saturated
	// model has no steady state: its latencies grow with the length
	// simulated (WithRequests), so only its throughput is comparable.
	Measured  Figures `json:"measured"`
	Predicted Figures `json:"predicted"`
	Err       Figures `json:"err"`
	// Utilization is the model's CPU utilisation.
	Utilization float64 `json:"utilization"`
	// MeasuredSaturated and ModelSaturated say whether each saturated,
	// and Why what did.
	MeasuredSaturated bool   `json:"measured_saturated"`
	ModelSaturated    bool   `json:"model_saturated"`
	Why               string `json:"why,omitempty"`
	Regime            Regime `json:"regime"`
	// NearCalibration says the point's rate is within 10 % of a rate the
	// model was calibrated at (its arrival rate, or a point of its load
	// curve), though in another run; the other points are held out.
	NearCalibration bool `json:"near_calibration,omitempty"`
}

// Summary is how well a model predicted a variant's measurements.
type Summary struct {
	// Variant, Model, RunID and Scenario say what was compared.
	Variant  string `json:"variant"`
	Model    string `json:"model"`
	RunID    string `json:"run_id"`
	Scenario string `json:"scenario"`
	// Points are in the order measured.
	Points []Point `json:"points"`
	// Below counts the points below saturation; MaxThroughputErr,
	// MaxP50Err and MaxP99Err are the largest relative errors over them,
	// in absolute value.
	Below            int     `json:"below"`
	MaxThroughputErr float64 `json:"max_throughput_err"`
	MaxP50Err        float64 `json:"max_p50_err"`
	MaxP99Err        float64 `json:"max_p99_err"`
	// HeldOut counts the points below saturation at rates the model was
	// not calibrated at, and MaxP50ErrHeldOut is the largest p50 error
	// over them.
	HeldOut          int     `json:"held_out"`
	MaxP50ErrHeldOut float64 `json:"max_p50_err_held_out"`
	// Early counts the points where the model saturates and the
	// measurement did not (RegimeEarly): each misses its p50 by more than
	// any target.
	Early int `json:"early,omitempty"`
	// MaxP50ErrCalibrated is the largest p50 error below saturation at
	// the rates the model was calibrated at, in other runs: how far two
	// runs' measurements at one rate differ, which no model can predict.
	MaxP50ErrCalibrated float64 `json:"max_p50_err_calibrated,omitempty"`
	// LeaveOneOut says each point was predicted with a load curve fitted
	// to the run's other rates (ValidateLeaveOneOut), not the model's own.
	LeaveOneOut bool `json:"leave_one_out,omitempty"`
	// CalibratedAt lists the rates the model was calibrated at, and
	// LoadCurve describes its load curve, for a report ("" without one).
	CalibratedAt []float64 `json:"calibrated_at"`
	LoadCurve    string    `json:"load_curve,omitempty"`
	// MeetsTarget says whether there is a point below saturation, the
	// model saturates at none the measurement carried (Early is 0) and,
	// over them, throughput and p50 are within Target.
	MeetsTarget bool `json:"meets_target"`
	// TrustedUpToPerSec is the highest measured rate up to which every
	// point is below saturation with throughput and p50 within Target: 0
	// when even the lowest is not.
	TrustedUpToPerSec float64 `json:"trusted_up_to_per_sec"`
	// Verdict says the above in a sentence, for a report.
	Verdict string `json:"verdict"`
}

// target is a measurement to predict.
type target struct {
	label   string
	rep     int
	offered float64
	// journeys is a ramp step's offered journeys per second, its setting.
	journeys  float64
	meas      Figures
	saturated bool
	why       string
	// sloMs is the latency objective the measurement was held to, if any.
	sloMs float64
}

// Validate runs m at the rate of each of variant's measurements in
// against (each step of a ramp; the whole run for a steady-load result)
// and compares its throughput, p50 and p99 with the measured ones.
// Calibrate from one run and validate against another: a model always
// fits the run it was calibrated on.
func Validate(ctx context.Context, m sim.Model, against results.Run, variant string, opts ...Option) (Summary, error) {
	cfg, vs, err := validationInputs(m, against, variant, opts)
	if err != nil {
		return Summary{}, err
	}
	var targets []target
	for _, v := range vs {
		ts, err := targetsOf(v)
		if err != nil {
			return Summary{}, fmt.Errorf("calibrate: validate against %s's result in run %s: %w", variant, against.ID, err)
		}
		targets = append(targets, ts...)
	}
	s := Summary{Variant: variant, Model: m.Described(), RunID: against.ID, Scenario: against.Scenario}
	curve := loadCurveOf(m)
	s.CalibratedAt = []float64{m.Arrivals.RatePerSec}
	for _, f := range curve {
		if !slices.Contains(s.CalibratedAt, f.RatePerSec) {
			s.CalibratedAt = append(s.CalibratedAt, f.RatePerSec)
		}
	}
	slices.Sort(s.CalibratedAt)
	s.LoadCurve = describeCurve(curve)
	for _, t := range targets {
		p, err := predict(ctx, m, t, cfg)
		if err != nil {
			return Summary{}, fmt.Errorf("calibrate: validate %q at %s: %w", m.Name, t.label, err)
		}
		p.NearCalibration = slices.ContainsFunc(s.CalibratedAt, func(r float64) bool { return math.Abs(p.OfferedPerSec-r) <= samePoint*r })
		s.Points = append(s.Points, p)
	}
	s.summarize()
	return s, nil
}

// validationInputs reads a validation's options, checks its model and
// returns variant's results in against.
func validationInputs(m sim.Model, against results.Run, variant string, opts []Option) (config, []results.VariantResult, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return config{}, nil, fmt.Errorf("calibrate: validate: %w", err)
	}
	if err := m.Validate(); err != nil {
		return config{}, nil, fmt.Errorf("calibrate: validate %q: the model is not valid: %w", m.Name, err)
	}
	vs, err := resultsOf(against, variant, cfg.setting)
	return cfg, vs, err
}

// targetsOf reads the measurements of one result.
func targetsOf(v results.VariantResult) ([]target, error) {
	if v.Label == results.LabelModeled {
		return nil, fmt.Errorf("its label is %q: validate against measured results only", v.Label)
	}
	switch {
	case v.Ramp != nil:
		return rampTargets(v)
	case v.Spike != nil, len(v.Bursts) > 0, v.Fault != nil:
		return nil, fmt.Errorf("its load was shaped (a spike, bursts or a fault): validate against steady-load or ramp results")
	}
	a := v.Achieved
	if !finitePos(a.RequestsPerSec) || !(v.Total.LatencyMs.P50 > 0) {
		return nil, fmt.Errorf("achieved.requests_per_sec and total.latency_ms.p50 must be > 0, but are %g and %g", a.RequestsPerSec, v.Total.LatencyMs.P50)
	}
	offered := a.RequestsPerSec
	var why []string
	if a.IterationsPerSec > 0 && v.Requested.Rate > 0 {
		offered = v.Requested.Rate * a.RequestsPerSec / a.IterationsPerSec
		if a.IterationsPerSec < behindShare*v.Requested.Rate {
			why = append(why, fmt.Sprintf("iterations fell behind the requested rate (%.1f/s of %.1f/s)", a.IterationsPerSec, v.Requested.Rate))
		}
	}
	if v.Total.ErrorRate > 0.01 {
		why = append(why, fmt.Sprintf("%.1f %% errors", 100*v.Total.ErrorRate))
	}
	if a.Dropped > 0 {
		why = append(why, fmt.Sprintf("%d iterations dropped", a.Dropped))
	}
	return []target{{
		label:   fmt.Sprintf("%s at %.1f req/s", cmp.Or(v.Setting, "steady load"), a.RequestsPerSec),
		rep:     v.Repetition,
		offered: offered,
		meas: Figures{ThroughputPerSec: a.RequestsPerSec, P50Ms: v.Total.LatencyMs.P50, P99Ms: v.Total.LatencyMs.P99,
			CPUCores: machineCores(v.Total.CPUCores, v.Total.GeneratorCPUCores)},
		saturated: len(why) > 0,
		why:       strings.Join(why, "; "),
	}}, nil
}

func rampTargets(v results.VariantResult) ([]target, error) {
	r := v.Ramp
	if len(r.Steps) == 0 {
		return nil, fmt.Errorf("ramp.steps is empty")
	}
	// A step's own requests per journey; steps without journeys borrow the
	// others' median.
	var ratios []float64
	for _, st := range r.Steps {
		if st.JourneysPerSec > 0 && st.RequestsPerSec > 0 {
			ratios = append(ratios, st.RequestsPerSec/st.JourneysPerSec)
		}
	}
	if len(ratios) == 0 {
		return nil, fmt.Errorf("no ramp step has both journeys_per_sec and requests_per_sec > 0: requests per journey are unknown")
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	stopped := !strings.Contains(r.StoppedBy, "not saturated")
	var out []target
	for i, st := range r.Steps {
		if !(st.OfferedPerSec > 0) || !(st.P50Ms > 0) {
			return nil, fmt.Errorf("ramp.steps[%d]: offered_per_sec and p50_ms must be > 0, but are %g and %g", i, st.OfferedPerSec, st.P50Ms)
		}
		ratio := median
		if st.JourneysPerSec > 0 && st.RequestsPerSec > 0 {
			ratio = st.RequestsPerSec / st.JourneysPerSec
		}
		var why []string
		if stopped && i == len(r.Steps)-1 {
			why = append(why, "the ramp stopped here: "+r.StoppedBy)
		}
		if st.ErrorRate > 0.01 {
			why = append(why, fmt.Sprintf("%.1f %% errors", 100*st.ErrorRate))
		}
		if st.Dropped > 0 {
			why = append(why, fmt.Sprintf("%d iterations dropped", st.Dropped))
		}
		if st.JourneysPerSec < behindShare*st.OfferedPerSec {
			why = append(why, fmt.Sprintf("journeys fell behind the offered load (%.0f/s of %.0f/s)", st.JourneysPerSec, st.OfferedPerSec))
		}
		if r.SLOMs > 0 && st.P99Ms > r.SLOMs {
			why = append(why, fmt.Sprintf("p99 %.3g ms over the %.3g ms SLO", st.P99Ms, r.SLOMs))
		}
		meas := Figures{ThroughputPerSec: st.RequestsPerSec, P50Ms: st.P50Ms, P99Ms: st.P99Ms, CPUCores: machineCores(st.CPUCores, st.GeneratorCPUCores)}
		if w, ok := results.BusiestWriter(st.Writers); ok {
			meas.WriterBusy, meas.WriterWaitedMs = w.Busy(), w.MeanWaitedMs()
		}
		out = append(out, target{
			label:     fmt.Sprintf("ramp step %d (%.0f journeys/s)", i+1, st.OfferedPerSec),
			rep:       v.Repetition,
			offered:   st.OfferedPerSec * ratio,
			journeys:  st.OfferedPerSec,
			meas:      meas,
			sloMs:     r.SLOMs,
			saturated: len(why) > 0,
			why:       strings.Join(why, "; "),
		})
	}
	markKnee(out)
	return out, nil
}

// markKnee counts as saturated every ramp step offered the journeys of a
// step that saturated: a ramp tries a rate again when it finds a knee
// there, and a try that passes is at the knee, not below saturation
// (which of the tries passes is luck). The steps' settings are compared,
// not their request rates, which errors change.
func markKnee(ts []target) {
	var knees []float64
	for _, t := range ts {
		if t.saturated {
			knees = append(knees, t.journeys)
		}
	}
	for i, t := range ts {
		if t.saturated || !slices.Contains(knees, t.journeys) {
			continue
		}
		ts[i].saturated = true
		ts[i].why = "another try at this rate saturated: at the knee"
	}
}

// predict simulates m at t's rate.
func predict(ctx context.Context, m sim.Model, t target, cfg config) (Point, error) {
	res, err := sim.Run(ctx, m.WithRate(t.offered), sim.WithRequests(cfg.requests), sim.WithSeed(cfg.seed))
	if err != nil {
		return Point{}, err
	}
	p := Point{
		Label:         t.label,
		Repetition:    t.rep,
		OfferedPerSec: t.offered,
		Measured:      t.meas,
		Predicted: Figures{
			ThroughputPerSec: res.DeparturesPerSec(),
			P50Ms:            res.Total.Latency.P50Ms,
			P99Ms:            res.Total.Latency.P99Ms,
		},
		MeasuredSaturated: t.saturated,
	}
	p.Err = Figures{
		ThroughputPerSec: relErr(p.Predicted.ThroughputPerSec, p.Measured.ThroughputPerSec),
		P50Ms:            relErr(p.Predicted.P50Ms, p.Measured.P50Ms),
		P99Ms:            relErr(p.Predicted.P99Ms, p.Measured.P99Ms),
	}
	var why []string
	if t.why != "" {
		why = append(why, "measured: "+t.why)
	}
	// The model saturates by the measurement's own tests (its p99 over
	// the SLO, requests lost, throughput behind the offered load), or
	// with a station too busy for a steady state.
	var modelWhy []string
	locks := map[string]bool{}
	for _, st := range m.Stations {
		locks[st.Name] = st.Lock
	}
	for _, st := range res.Stations {
		if locks[st.Name] && st.Utilization >= p.Predicted.WriterBusy && st.Utilization > 0 {
			p.Predicted.WriterBusy, p.Predicted.WriterWaitedMs = round4(st.Utilization), st.MeanWaitMs
		}
		p.Utilization = max(p.Utilization, st.Utilization)
		if st.Name == StationCPU {
			p.Predicted.CPUCores = round4(st.Utilization * float64(cpuServers(m)))
		}
		if st.Utilization >= SaturationUtilization {
			modelWhy = append(modelWhy, fmt.Sprintf("%s %.0f %% busy", st.Name, 100*st.Utilization))
		}
	}
	tot := res.Total
	if lost := tot.Rejected + tot.Throttled + tot.Unfinished; tot.Arrivals > 0 && float64(lost) > 0.01*float64(tot.Arrivals) {
		modelWhy = append(modelWhy, fmt.Sprintf("%.1f %% of requests rejected, throttled or unfinished", 100*float64(lost)/float64(tot.Arrivals)))
	}
	if p.Predicted.ThroughputPerSec < behindShare*t.offered {
		modelWhy = append(modelWhy, fmt.Sprintf("%.0f req/s of %.0f offered", p.Predicted.ThroughputPerSec, t.offered))
	}
	if t.sloMs > 0 && p.Predicted.P99Ms > t.sloMs {
		modelWhy = append(modelWhy, fmt.Sprintf("p99 %.3g ms over the %.3g ms SLO", p.Predicted.P99Ms, t.sloMs))
	}
	p.ModelSaturated = len(modelWhy) > 0
	if p.ModelSaturated {
		why = append(why, "model: "+strings.Join(modelWhy, ", "))
	}
	p.Why = strings.Join(why, "; ")
	switch {
	case !p.MeasuredSaturated && !p.ModelSaturated:
		p.Regime = RegimeBelow
	case !p.MeasuredSaturated:
		p.Regime = RegimeEarly
	case !p.ModelSaturated:
		p.Regime = RegimeMissed
	default:
		p.Regime = RegimeSaturated
	}
	return p, nil
}

// machineCores is the CPU a measurement used, the variant's (sut) and
// the generator's, or 0 where the variant's was not measured.
func machineCores(sut, generator float64) float64 {
	if !(sut > 0) {
		return 0
	}
	return round4(sut + max(generator, 0))
}

// cpuServers counts the servers of m's cpu station over its replicas.
func cpuServers(m sim.Model) int {
	for _, st := range m.Stations {
		if st.Name == StationCPU {
			return st.Servers * max(st.Replicas, 1)
		}
	}
	return 0
}

// loadCurveOf returns the load curve of m's delays: the first station's
// or pool's that has one.
func loadCurveOf(m sim.Model) []sim.LoadFactor {
	for _, st := range m.Stations {
		if len(st.LoadFactors) > 0 {
			return st.LoadFactors
		}
	}
	for _, p := range m.Pools {
		if len(p.LoadFactors) > 0 {
			return p.LoadFactors
		}
	}
	return nil
}

// describeCurve says what a load curve does, for a report.
func describeCurve(curve []sim.LoadFactor) string {
	if len(curve) == 0 {
		return ""
	}
	parts := make([]string, len(curve))
	for i, f := range curve {
		parts[i] = fmt.Sprintf("×%.2f at %.0f req/s", f.Factor, f.RatePerSec)
	}
	return "the delays scale with the offered load, " + strings.Join(parts, ", ") + " (between them by the logarithm of the rate; held beyond)"
}

// summarize fills in the summary's figures from its points.
func (s *Summary) summarize() {
	s.Below, s.MaxThroughputErr, s.MaxP50Err, s.MaxP99Err = 0, 0, 0, 0
	s.HeldOut, s.MaxP50ErrHeldOut, s.MaxP50ErrCalibrated, s.Early = 0, 0, 0, 0
	var missed int
	for _, p := range s.Points {
		switch p.Regime {
		case RegimeBelow:
			s.Below++
			s.MaxThroughputErr = max(s.MaxThroughputErr, math.Abs(p.Err.ThroughputPerSec))
			s.MaxP50Err = max(s.MaxP50Err, math.Abs(p.Err.P50Ms))
			s.MaxP99Err = max(s.MaxP99Err, math.Abs(p.Err.P99Ms))
			if !p.NearCalibration {
				s.HeldOut++
				s.MaxP50ErrHeldOut = max(s.MaxP50ErrHeldOut, math.Abs(p.Err.P50Ms))
			} else {
				s.MaxP50ErrCalibrated = max(s.MaxP50ErrCalibrated, math.Abs(p.Err.P50Ms))
			}
		case RegimeEarly:
			s.Early++
		case RegimeMissed:
			missed++
		}
	}
	s.MeetsTarget = s.Below > 0 && s.Early == 0 && s.MaxThroughputErr <= Target && s.MaxP50Err <= Target

	byRate := slices.Clone(s.Points)
	slices.SortStableFunc(byRate, func(a, b Point) int {
		switch {
		case a.OfferedPerSec < b.OfferedPerSec:
			return -1
		case a.OfferedPerSec > b.OfferedPerSec:
			return 1
		}
		return 0
	})
	s.TrustedUpToPerSec = 0
	for _, p := range byRate {
		if p.Regime != RegimeBelow || math.Abs(p.Err.ThroughputPerSec) > Target || math.Abs(p.Err.P50Ms) > Target {
			break
		}
		s.TrustedUpToPerSec = p.Measured.ThroughputPerSec
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", s.Variant)
	if s.Below == 0 {
		b.WriteString("no point below saturation to judge the model by")
	} else {
		met := "met"
		if !s.MeetsTarget {
			met = "not met"
		}
		fmt.Fprintf(&b, "below saturation (%d of %d points) throughput within %.1f %%, p50 within %.0f %%, p99 within %.0f %% (target %.0f %% for throughput and p50: %s)",
			s.Below, len(s.Points), 100*s.MaxThroughputErr, 100*s.MaxP50Err, 100*s.MaxP99Err, 100*Target, met)
		switch {
		case s.HeldOut == s.Below:
			b.WriteString("; every one of them at a rate the model was not calibrated at")
		case s.HeldOut > 0:
			fmt.Fprintf(&b, "; p50 within %.0f %% at the %d of them at rates the model was not calibrated at", 100*s.MaxP50ErrHeldOut, s.HeldOut)
		default:
			b.WriteString("; none of them at a rate the model was not calibrated at")
		}
		if s.HeldOut < s.Below {
			fmt.Fprintf(&b, "; %.0f %% at the rates it was calibrated at, in another run: measurements at one rate differ that much from run to run", 100*s.MaxP50ErrCalibrated)
		}
	}
	if s.Early > 0 {
		fmt.Fprintf(&b, "; the model saturates early at %d point(s): it underestimates capacity", s.Early)
	}
	if missed > 0 {
		fmt.Fprintf(&b, "; the model misses saturation at %d point(s)", missed)
	}
	if s.TrustedUpToPerSec > 0 {
		fmt.Fprintf(&b, "; trustworthy up to %.0f req/s", s.TrustedUpToPerSec)
	} else {
		b.WriteString("; not trustworthy at any measured rate")
	}
	b.WriteString(".")
	s.Verdict = b.String()
}
