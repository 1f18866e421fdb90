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
// calibration run's repetitions and the load points (the utilisation law,
// U = U₀ + X·D, read off measurements at several rates).
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
	// Exponent is k of the power law U = c·Xᵏ fitted by least squares to
	// the logarithms of the same points, held within 0.3 to 1.5: how the
	// CPU grows with the rate. Below 1 a request takes less CPU the
	// busier the machine (threads that stay awake, batched system calls),
	// so the straight line holds only near the rates it was fitted at.
	// The model does not use it (see Method); it is there to read.
	Exponent float64 `json:"exponent"`
	// Generator says whether the generator's CPU was counted
	// (WithGenerator).
	Generator bool `json:"generator"`
	// Points are the measurements fitted: rate, and CPU in CPUCores
	// (GeneratorCPUCores included when Generator).
	Points []LoadPoint `json:"points"`
}

// marginalCPU fits MarginalCPU to the points that measured CPU, counting
// the generator's when generator is set.
func marginalCPU(points []LoadPoint, generator bool) (MarginalCPU, error) {
	out := MarginalCPU{Generator: generator}
	var xs, ys []float64
	for _, p := range points {
		if !(p.CPUCores > 0) || !finitePos(p.RatePerSec) {
			continue
		}
		cores := p.CPUCores
		if generator {
			cores += max(p.GeneratorCPUCores, 0)
		}
		p.CPUCores, p.GeneratorCPUCores = round4(cores), 0
		out.Points = append(out.Points, p)
		xs = append(xs, p.RatePerSec)
		ys = append(ys, cores)
	}
	if len(xs) < 2 {
		return out, fmt.Errorf("%w: CPU was measured at %d rate(s) (results' total.cpu_cores and windows' cpu_cores); the slope needs two or more", ErrNoMarginalCPU, len(xs))
	}
	lo, hi := math.Inf(1), 0.0
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
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
	for i := range xs {
		xs[i], ys[i] = math.Log(xs[i]), math.Log(ys[i])
	}
	_, k := stat.LinearRegression(xs, ys, nil, false)
	out.Exponent = round4(min(max(k, minExponent), maxExponent))
	return out, nil
}

// String says what the fit is, for a report.
func (m MarginalCPU) String() string {
	var pts []string
	for _, p := range m.Points {
		pts = append(pts, fmt.Sprintf("%.3g cores at %.0f req/s", p.CPUCores, p.RatePerSec))
	}
	whose := "the variant's"
	if m.Generator {
		whose = "the variant's and the generator's"
	}
	return fmt.Sprintf("the slope of %s CPU against throughput, %s (R² %.2f; %.2f cores at no load; the CPU grows as the rate to the power %.2f)",
		whose, strings.Join(pts, ", "), m.R2, m.IdleCores, m.Exponent)
}
