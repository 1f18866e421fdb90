package calibrate

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// minRateSpread is how far apart, as a ratio, the lowest and highest
// rates of DemandMarginal's measurements must lie for a slope to mean
// anything.
const minRateSpread = 1.5

// Bounds of MarginalCPU.Exponent: a fit beyond them says more about the
// measurements' noise than about the machine.
const (
	minExponent = 0.3
	maxExponent = 1.5
)

// ErrNoMarginalCPU says that DemandMarginal has too little to fit: CPU
// measured at fewer than two rates far enough apart, or CPU that did not
// grow with throughput. Fall back to DemandFloor when errors.Is.
var ErrNoMarginalCPU = errors.New("no marginal CPU")

// MarginalCPU is DemandMarginal's estimate of the CPU a request adds: the
// slope of a straight line fitted by least squares to the CPU measured,
// in cores, against the throughput, in requests per second, over the
// calibration run's repetitions and the load points at its rate and
// above (the utilisation law, U = U₀ + X·D, read off measurements at
// several rates near those the model predicts).
type MarginalCPU struct {
	// MsPerRequest is the slope, D: ms of CPU a request adds.
	MsPerRequest float64 `json:"ms_per_request"`
	// IdleCores is the intercept, U₀: the CPU the line gives at no load,
	// the part that does not grow with it (runtimes, timers, the
	// generator's clock). It may come out negative when busy CPUs get
	// more done per request.
	IdleCores float64 `json:"idle_cores"`
	// R2 is the line's coefficient of determination.
	R2 float64 `json:"r2"`
	// FromPerSec is the least rate a point must have been measured at to
	// be fitted: the points below it (LeftOut) are left out, because a
	// nearly idle machine spends CPU on each request that a busy one
	// does not (threads and CPUs woken for it), which steepens the line
	// and overstates the demand at higher rates. 0 when every point was
	// fitted, there being too few at or above it.
	FromPerSec float64 `json:"from_per_sec,omitempty"`
	// Exponent is k of the power law U = c·Xᵏ fitted by least squares to
	// the logarithms of every point, LeftOut included, held within 0.3 to
	// 1.5: how the CPU grows with the rate. Below 1 a request takes less
	// CPU the busier the machine, so a straight line holds only near the
	// rates it was fitted at. The model does not use it (see Method); it
	// is there to read.
	Exponent float64 `json:"exponent"`
	// Generator says whether the generator's CPU was counted
	// (WithGenerator).
	Generator bool `json:"generator"`
	// GeneratorMsPerRequest is the part of MsPerRequest that is the load
	// generator's: the slope of its CPU alone over the same points, held
	// within 0 to MsPerRequest. 0 unless Generator. It is spent in the
	// generator's process, outside the variant, before a request reaches
	// it and after it has answered.
	GeneratorMsPerRequest float64 `json:"generator_ms_per_request,omitempty"`
	// Points are the measurements fitted, and LeftOut those below
	// FromPerSec: rate, and CPU in CPUCores (GeneratorCPUCores included
	// when Generator, and kept apart too).
	Points  []LoadPoint `json:"points"`
	LeftOut []LoadPoint `json:"left_out,omitempty"`
}

// marginalCPU fits MarginalCPU to the points that measured CPU, counting
// the generator's when generator is set: the line to those measured at
// from req/s and above if they allow one, else to all of them.
func marginalCPU(points []LoadPoint, generator bool, from float64) (MarginalCPU, error) {
	var all, upper, lower []LoadPoint
	for _, p := range points {
		if !(p.CPUCores > 0) || !finitePos(p.RatePerSec) {
			continue
		}
		cores, gen := p.CPUCores, 0.0
		if generator {
			gen = max(p.GeneratorCPUCores, 0)
			cores += gen
		}
		p.CPUCores, p.GeneratorCPUCores = round4(cores), round4(gen)
		all = append(all, p)
		if p.RatePerSec >= from {
			upper = append(upper, p)
		} else {
			lower = append(lower, p)
		}
	}
	out, err := fitLine(upper)
	if err != nil {
		// Too few from there: every point.
		lower = nil
		out, err = fitLine(all)
	}
	out.Generator = generator
	if err != nil {
		return out, err
	}
	if len(lower) > 0 {
		out.FromPerSec, out.LeftOut = round3(from), lower
	}
	if generator {
		out.GeneratorMsPerRequest = generatorSlope(out.Points, out.MsPerRequest)
	}
	xs, ys := make([]float64, len(all)), make([]float64, len(all))
	for i, p := range all {
		xs[i], ys[i] = math.Log(p.RatePerSec), math.Log(p.CPUCores)
	}
	_, k := stat.LinearRegression(xs, ys, nil, false)
	out.Exponent = round4(min(max(k, minExponent), maxExponent))
	return out, nil
}

// fitLine fits the straight line of MarginalCPU to points.
func fitLine(points []LoadPoint) (MarginalCPU, error) {
	out := MarginalCPU{Points: points}
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	lo, hi := math.Inf(1), 0.0
	for i, p := range points {
		xs[i], ys[i] = p.RatePerSec, p.CPUCores
		lo, hi = min(lo, p.RatePerSec), max(hi, p.RatePerSec)
	}
	if len(xs) < 2 {
		return out, fmt.Errorf("%w: CPU was measured at %d rate(s) (results' total.cpu_cores and windows' cpu_cores); the slope needs two or more", ErrNoMarginalCPU, len(xs))
	}
	if hi < minRateSpread*lo {
		return out, fmt.Errorf("%w: the rates CPU was measured at, %.0f to %.0f req/s, lie within a factor %g of each other", ErrNoMarginalCPU, lo, hi, minRateSpread)
	}
	alpha, beta := stat.LinearRegression(xs, ys, nil, false)
	if !(beta > 0) {
		return out, fmt.Errorf("%w: the CPU measured did not grow with the rate (slope %.3g ms a request)", ErrNoMarginalCPU, beta*1000)
	}
	out.MsPerRequest, out.IdleCores = round4(beta*1000), round4(alpha)
	out.R2 = round4(stat.RSquared(xs, ys, nil, alpha, beta))
	return out, nil
}

// generatorSlope is the slope, in ms a request, of the generator's CPU
// against throughput over points, held within 0 to total.
func generatorSlope(points []LoadPoint, total float64) float64 {
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		xs[i], ys[i] = p.RatePerSec, p.GeneratorCPUCores
	}
	_, beta := stat.LinearRegression(xs, ys, nil, false)
	return round4(min(max(beta*1000, 0), total))
}

// String says what the fit is, for a report.
func (m MarginalCPU) String() string {
	list := func(ps []LoadPoint) string {
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%.3g cores at %.0f req/s", p.CPUCores, p.RatePerSec))
		}
		return strings.Join(out, ", ")
	}
	whose := "the variant's"
	if m.Generator {
		whose = "the variant's and the generator's"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the slope of %s CPU against throughput", whose)
	if m.FromPerSec > 0 {
		fmt.Fprintf(&b, " from %.0f req/s up", m.FromPerSec)
	}
	fmt.Fprintf(&b, ", %s (R² %.2f; %.2f cores at no load", list(m.Points), m.R2, m.IdleCores)
	if m.GeneratorMsPerRequest > 0 {
		fmt.Fprintf(&b, "; the generator's CPU alone grows by %.3g ms a request", m.GeneratorMsPerRequest)
	}
	if len(m.LeftOut) > 0 {
		fmt.Fprintf(&b, "; left out, at lower load, where a nearly idle machine spends more CPU on each request: %s", list(m.LeftOut))
	}
	fmt.Fprintf(&b, "; over every point the CPU grows as the rate to the power %.2f)", m.Exponent)
	return b.String()
}
