package calibrate

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// delayQ returns the quantiles of a delay's empirical distribution: a
// measured latency summary's min, p50, p90, p99, p999 and max.
func delayQ() [6]float64 { return [6]float64{0, 0.5, 0.9, 0.99, 0.999, 1} }

// iP50 is the index in delayQ of p50, followed by p90 and p99: the
// quantiles the correction rounds match (the tail beyond rests on too few
// requests to be matched).
const iP50 = 1

// delayOf fits the rest of an operation's latency once its CPU demand
// (mean demandMs) is taken out: the measured percentiles less demandMs,
// at least minMs. It returns the log-normal fitted to them when it comes
// within logNormalTolerance of p50, p90 and p99, and the empirical
// distribution through them otherwise, with the log-normal's largest
// relative error (1 when none fits).
func delayOf(lat results.Percentiles, demandMs float64) (sim.Dist, float64) {
	meas := [...]float64{lat.Min, lat.P50, lat.P90, lat.P99, lat.P999, lat.Max}
	var r [len(meas)]float64
	for i, x := range meas {
		r[i] = max(x-demandMs, minMs)
	}
	emp := empirical(r[:])
	median, p99, lnErr := fitLogNormal(r[1], r[2], r[3])
	if lnErr <= logNormalTolerance {
		return sim.LogNormal(median, p99), lnErr
	}
	return emp, lnErr
}

// tailQ are the quantiles an empirical delay gains between the measured
// ones from p50 up: a simulator draws linearly between two points, and
// from p90 to p99 a straight line would put the tenth of requests beyond
// p90 evenly across a range that usually holds most of them near p90 and
// a few near p99, making a mix of operations much slower at its p99 than
// each operation at its own. Their values follow a power law of the
// share of requests beyond (log value linear in log(1-q)), the shape of a
// latency tail.
var tailQ = []float64{0.75, 0.95, 0.97, 0.98, 0.995, 0.998}

// empirical returns the empirical distribution with values r at delayQ,
// rounded to the microsecond and made non-decreasing, and between them,
// from p50 up, points at tailQ (see there).
func empirical(r []float64) sim.Dist {
	qs := delayQ()
	var pts []sim.Quantile
	prev := 0.0
	add := func(q, x float64) {
		v := max(round3(x), minMs, prev)
		pts = append(pts, sim.Quantile{Q: q, Ms: v})
		prev = v
	}
	for i, x := range r[:len(qs)] {
		if i > iP50 && i < len(qs)-1 {
			lo, hi := pts[len(pts)-1], sim.Quantile{Q: qs[i], Ms: max(x, prev)}
			for _, q := range tailQ {
				if q > lo.Q && q < hi.Q {
					add(q, powerTail(lo, hi, q))
				}
			}
		}
		add(qs[i], x)
	}
	return sim.Empirical(pts...)
}

// powerTail is the value at q between the points lo and hi of a
// distribution whose value is a power of the share of requests beyond
// it: log value linear in log(1-q).
func powerTail(lo, hi sim.Quantile, q float64) float64 {
	if !(lo.Ms > 0 && hi.Ms > lo.Ms) {
		return lo.Ms
	}
	w := math.Log((1-q)/(1-lo.Q)) / math.Log((1-hi.Q)/(1-lo.Q))
	return lo.Ms * math.Pow(hi.Ms/lo.Ms, w)
}

// anchors returns the values of d, an empirical delay made by empirical,
// at delayQ; ok is false for any other distribution.
func anchors(d sim.Dist) (r []float64, ok bool) {
	qs := delayQ()
	for _, p := range d.Quantiles {
		if i := len(r); i < len(qs) && p.Q == qs[i] {
			r = append(r, p.Ms)
		}
	}
	return r, len(r) == len(qs) && len(d.Quantiles) == len(qs)+len(tailQ)
}

// fitLogNormal fits a log-normal to a p50, p90 and p99 by least squares
// on the log scale: log x_q = μ + σ z_q, z_q being the standard normal's
// q-quantile. It returns the fit's median and p99, rounded to the
// microsecond, and its largest relative error at the three quantiles; the
// error is 1 when no log-normal fits (σ ≤ 0).
func fitLogNormal(p50, p90, p99 float64) (median, q99, worst float64) {
	qs := []float64{0.5, 0.9, 0.99}
	xs := []float64{p50, p90, p99}
	z := make([]float64, len(qs))
	y := make([]float64, len(qs))
	for i, q := range qs {
		if !(xs[i] > 0) {
			return 0, 0, 1
		}
		z[i] = distuv.UnitNormal.Quantile(q)
		y[i] = math.Log(xs[i])
	}
	mu, sigma := stat.LinearRegression(z, y, nil, false)
	if !(sigma > 0) || math.IsNaN(mu) {
		return 0, 0, 1
	}
	median = round3(math.Exp(mu))
	q99 = round3(math.Exp(mu + sigma*z[2]))
	if !(median >= minMs) || !(q99 > median) {
		return 0, 0, 1
	}
	// The error of the distribution as rounded, which is what the model
	// gets.
	s := math.Log(q99/median) / z[2]
	for i := range qs {
		worst = max(worst, math.Abs(median*math.Exp(s*z[i])-xs[i])/xs[i])
	}
	return median, q99, worst
}

// correct simulates the calibration run and moves each operation's delay
// quantiles by what the simulation got wrong, until the model reproduces
// the measured p50, p90 and p99 within 1 %, or for cfg.rounds rounds. The
// last simulation fills in Modeled and Utilization.
func (c *Calibration) correct(ctx context.Context, cfg config) error {
	for round := 0; ; round++ {
		res, err := sim.Run(ctx, c.Model, sim.WithRequests(cfg.requests), sim.WithSeed(cfg.seed))
		if err != nil {
			return fmt.Errorf("simulate the calibration run: %w", err)
		}
		if st, ok := res.Station(StationCPU); ok {
			c.Utilization = st.Utilization
		}
		for _, st := range c.Model.Stations {
			if r, ok := res.Station(st.Name); ok && st.Lock {
				if c.WriterBusy == nil {
					c.WriterBusy = map[string]float64{}
				}
				c.WriterBusy[st.Name] = round4(r.Utilization)
			}
		}
		var worst float64
		var missing []string
		for i := range c.Ops {
			o := &c.Ops[i]
			cr, ok := res.Class(o.Class)
			if !ok {
				return fmt.Errorf("simulate the calibration run: class %q: %w", o.Class, errNoClass)
			}
			if cr.Completed == 0 {
				o.Modeled = Quantiles{}
				missing = append(missing, o.Class)
				continue
			}
			o.Modeled = Quantiles{P50Ms: cr.Latency.P50Ms, P90Ms: cr.Latency.P90Ms, P99Ms: cr.Latency.P99Ms}
			for _, e := range quantileErrs(o.Modeled, o.Measured) {
				worst = max(worst, math.Abs(e))
			}
		}
		if worst <= converged || round >= cfg.rounds {
			if len(missing) > 0 {
				c.Notes = append(c.Notes, fmt.Sprintf("No request of %q completed in the simulation of the calibration run (too small a share for WithRequests): their delays are not corrected.", missing))
			}
			return nil
		}
		for i := range c.Ops {
			o := &c.Ops[i]
			if o.Modeled == (Quantiles{}) {
				continue
			}
			o.Delay = shift(o.Delay, o.Measured, o.Modeled)
			route := c.Model.Classes[i].Route
			route[delayVisit(route)].Service = o.Delay
		}
	}
}

func quantileErrs(pred, meas Quantiles) [3]float64 {
	return [3]float64{relErr(pred.P50Ms, meas.P50Ms), relErr(pred.P90Ms, meas.P90Ms), relErr(pred.P99Ms, meas.P99Ms)}
}

// shift moves d's p50, p90 and p99 by the measured less the modeled ones:
// an empirical distribution's points at those quantiles, or a
// log-normal's median and p99.
func shift(d sim.Dist, meas, got Quantiles) sim.Dist {
	delta := [...]float64{meas.P50Ms - got.P50Ms, meas.P90Ms - got.P90Ms, meas.P99Ms - got.P99Ms}
	switch d.Kind {
	case sim.KindLogNormal:
		median := max(round3(d.MedianMs+delta[0]), minMs)
		p99 := max(round3(d.P99Ms+delta[2]), median+minMs)
		return sim.LogNormal(median, p99)
	case sim.KindEmpirical:
		r, ok := anchors(d)
		if !ok {
			return d // not one of ours: leave it be
		}
		for k, dk := range delta {
			r[iP50+k] += dk
		}
		return empirical(r)
	default:
		return d
	}
}
