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

// Bounds of the load curve's fit.
const (
	// samePoint is how close, relatively, two rates must be to count as
	// one point of the load curve.
	samePoint = 0.10
	// minFactor and maxFactor bound a fitted factor: beyond them the
	// latency did not move with load the way a speed-up can explain (the
	// measurement saturated, say, or its p50 lies under the model's CPU
	// demand alone), and the point is left out. The lower bound is low: a
	// busy monolith's p50 comes within a few per cent of its CPU demand,
	// a fifth or less of the delays it had at a tenth of the rate (the
	// example of 2026-12-06, 1,000 to 4,000 req/s); and a factor scales
	// only the delays' body (see sim.LoadFactor), so taking a mix of
	// operations' p50 that far down takes a smaller one still.
	minFactor, maxFactor = 0.02, 4.0
	// loadTolerance is the relative p50 error at which a factor's fit
	// stops; loadIterations bounds its simulations.
	loadTolerance  = 0.01
	loadIterations = 6
	// pointErrorRate is the largest error rate of a window that is a load
	// point.
	pointErrorRate = 0.01
)

// LoadPoint is a latency measured at one offered load, in a run other
// than the one a model is calibrated from: what the model's load curve is
// fitted to (WithLoadPoints).
type LoadPoint struct {
	// Source says where it was measured, such as "spike run X, burst".
	Source string `json:"source"`
	// RatePerSec is the request rate and P50Ms the median latency there;
	// Requests counts the requests measured.
	RatePerSec float64 `json:"rate_per_sec"`
	P50Ms      float64 `json:"p50_ms"`
	Requests   int64   `json:"requests"`
	// CPUCores is the CPU the variant used there, in cores on average,
	// and GeneratorCPUCores the load generator's; 0 where not measured.
	// DemandMarginal reads them.
	CPUCores          float64 `json:"cpu_cores,omitempty"`
	GeneratorCPUCores float64 `json:"generator_cpu_cores,omitempty"`
}

// LoadFit is how a load point became a point of the model's load curve.
type LoadFit struct {
	LoadPoint
	// Factor multiplies the model's delays at the point's rate; 0 when
	// the point was left out, and Skipped says why.
	Factor  float64 `json:"factor,omitempty"`
	Skipped string  `json:"skipped,omitempty"`
	// ModeledP50Ms is the model's p50 at the point's rate with Factor.
	ModeledP50Ms float64 `json:"modeled_p50_ms,omitempty"`
}

// WithLoadPoints fits the model's load curve to latencies measured at
// other rates (see LoadPoints and [Method]): the factor by which the
// model's delays must shrink or grow at each rate for the model to
// reproduce the measured p50 there. For Calibrate and FromRun.
func WithLoadPoints(ps ...LoadPoint) Option {
	return func(c *config) {
		for i, p := range ps {
			if !finitePos(p.RatePerSec) || !finitePos(p.P50Ms) {
				c.fail("WithLoadPoints: point %d (%s): rate_per_sec and p50_ms must be > 0, but are %g and %g", i+1, p.Source, p.RatePerSec, p.P50Ms)
			}
		}
		c.loadPoints = append(c.loadPoints, ps...)
	}
}

// LoadPoints reads the load points of variant in run: one per window of
// each of its results (the spike's before, burst and after) or, for a
// result without windows, its whole run; windows with more than 1 %
// errors or any iteration dropped are left out, as saturated. Points
// within 10 % of each other's rate are pooled, weighted by their requests.
func LoadPoints(run results.Run, variant string, opts ...Option) ([]LoadPoint, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	vs, err := resultsOf(run, variant, cfg.setting)
	if err != nil {
		return nil, err
	}
	var ps []LoadPoint
	for _, v := range vs {
		if v.Label == results.LabelModeled {
			return nil, fmt.Errorf("calibrate: run %s: %s's result is %q: fit load curves to measured results only", run.ID, variant, v.Label)
		}
		ws := v.Windows
		if len(ws) == 0 {
			ws = []results.OpStats{v.Total}
		}
		for _, w := range ws {
			if w.Count == 0 || w.Dropped > 0 || w.ErrorRate > pointErrorRate || !finitePos(w.ThroughputPerSec) || !finitePos(w.LatencyMs.P50) {
				continue
			}
			src := fmt.Sprintf("%s run %s", cmp.Or(run.Scenario, "a"), cmp.Or(run.ID, "(unnamed)"))
			if len(v.Windows) > 0 {
				src += ", " + w.Name
			}
			ps = append(ps, LoadPoint{Source: src, RatePerSec: w.ThroughputPerSec, P50Ms: w.LatencyMs.P50, Requests: w.Count,
				CPUCores: w.CPUCores, GeneratorCPUCores: w.GeneratorCPUCores})
		}
	}
	return pool(ps), nil
}

// pool merges points within samePoint of each other's rate, weighted by
// their requests (their CPU over those that measured it), and returns
// them by increasing rate.
func pool(ps []LoadPoint) []LoadPoint {
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, func(a, b LoadPoint) int { return cmp.Compare(a.RatePerSec, b.RatePerSec) })
	var out []LoadPoint
	for i := 0; i < len(ps); {
		j, first := i, ps[i].RatePerSec
		var n, rate, p50, nCPU, cpu, gen float64
		var reqs int64
		var srcs []string
		for ; j < len(ps) && ps[j].RatePerSec <= first*(1+samePoint); j++ {
			w := float64(max(ps[j].Requests, 1))
			n += w
			rate += w * ps[j].RatePerSec
			p50 += w * ps[j].P50Ms
			reqs += ps[j].Requests
			if ps[j].CPUCores > 0 {
				nCPU += w
				cpu += w * ps[j].CPUCores
				gen += w * ps[j].GeneratorCPUCores
			}
			if !slices.Contains(srcs, ps[j].Source) {
				srcs = append(srcs, ps[j].Source)
			}
		}
		p := LoadPoint{Source: strings.Join(srcs, " + "), RatePerSec: rate / n, P50Ms: p50 / n, Requests: reqs}
		if nCPU > 0 {
			p.CPUCores, p.GeneratorCPUCores = cpu/nCPU, gen/nCPU
		}
		out = append(out, p)
		i = j
	}
	return out
}

// fitLoad fits the load curve of c's model to cfg's load points: a
// factor per point on the delays, found by simulation, with factor 1 at
// the calibration rate. The curve goes on the station or pool that holds
// the delays.
func (c *Calibration) fitLoad(ctx context.Context, cfg config) error {
	if len(cfg.loadPoints) == 0 {
		return nil
	}
	r0 := c.Model.Arrivals.RatePerSec
	curve := []sim.LoadFactor{{RatePerSec: r0, Factor: 1}}
	for _, p := range pool(cfg.loadPoints) {
		fit := LoadFit{LoadPoint: p}
		switch {
		case math.Abs(p.RatePerSec-r0) <= samePoint*r0:
			fit.Skipped = fmt.Sprintf("within %.0f %% of the calibration rate, where the factor is 1", 100*samePoint)
		default:
			f, got, err := factorAt(ctx, c.Model, cfg, p.RatePerSec, p.P50Ms)
			if err != nil {
				return fmt.Errorf("fit the load curve at %.0f req/s: %w", p.RatePerSec, err)
			}
			fit.ModeledP50Ms = got
			if f < minFactor || f > maxFactor {
				fit.Skipped = fmt.Sprintf("the model would need a factor of %.2g, beyond %g to %g: the measurement is not the model's regime (saturation, errors)", f, minFactor, maxFactor)
				fit.ModeledP50Ms = 0
				break
			}
			fit.Factor = f
			curve = append(curve, sim.LoadFactor{RatePerSec: round3(p.RatePerSec), Factor: round4(f)})
		}
		c.LoadCurve = append(c.LoadCurve, fit)
	}
	// Pooled points lie apart, and more than samePoint from r0, but two
	// may round to one rate: keep the first.
	curve = sortedCurve(curve)
	if len(curve) < 2 {
		c.Notes = append(c.Notes, "No load point could be fitted: the model's delays do not change with load.")
		return nil
	}
	setLoadCurve(&c.Model, curve)
	return c.Model.Validate()
}

// withLoadCurve returns m with curve on the station or pool that holds
// its delays, leaving m's own stations and pools untouched.
func withLoadCurve(m sim.Model, curve []sim.LoadFactor) sim.Model {
	m.Stations = slices.Clone(m.Stations)
	m.Pools = slices.Clone(m.Pools)
	setLoadCurve(&m, curve)
	return m
}

// setLoadCurve puts curve on m's station, or pools, that hold the delays.
func setLoadCurve(m *sim.Model, curve []sim.LoadFactor) {
	for i := range m.Stations {
		if m.Stations[i].Name == StationWait {
			m.Stations[i].LoadFactors = curve
			return
		}
	}
	// The delays are in the pools, one or one per function.
	for i := range m.Pools {
		m.Pools[i].LoadFactors = curve
	}
}

// factorAt finds the factor on model's delays at which its p50 at rate
// is wantP50 (ms), by the secant method on simulations, and returns it
// with the p50 it gives. Any load curve of model's is replaced.
func factorAt(ctx context.Context, model sim.Model, cfg config, rate, wantP50 float64) (factor, p50 float64, err error) {
	at := func(f float64) (float64, error) {
		m := withLoadCurve(model.WithRate(rate), []sim.LoadFactor{{RatePerSec: rate, Factor: f}})
		res, err := sim.Run(ctx, m, sim.WithRequests(cfg.requests), sim.WithSeed(cfg.seed))
		if err != nil {
			return 0, err
		}
		return res.Total.Latency.P50Ms, nil
	}
	f0, p0 := 1.0, 0.0
	if p0, err = at(f0); err != nil {
		return 0, 0, err
	}
	if math.Abs(relErr(p0, wantP50)) <= loadTolerance || !(p0 > 0) {
		return f0, p0, nil
	}
	f1 := wantP50 / p0
	for range loadIterations {
		f1 = min(max(f1, minFactor/2), maxFactor*2)
		p1, err := at(f1)
		if err != nil {
			return 0, 0, err
		}
		if math.Abs(relErr(p1, wantP50)) <= loadTolerance || p1 == p0 {
			return f1, p1, nil
		}
		f0, p0, f1 = f1, p1, f1+(wantP50-p1)*(f1-f0)/(p1-p0)
	}
	return f0, p0, nil
}
