package usl

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Errors returned by [Fit], wrapped with the details of the problem; test
// for them with errors.Is.
var (
	// ErrInvalidPoint reports a point with N < 1, X ≤ 0, or a NaN or
	// infinite value.
	ErrInvalidPoint = errors.New("usl: invalid point")
	// ErrTooFewPoints reports fewer than three distinct capacities: the
	// law has three parameters, so fewer cannot determine them.
	ErrTooFewPoints = errors.New("usl: too few capacities")
	// ErrNoFit reports that the optimizer failed or did not converge to
	// finite parameters.
	ErrNoFit = errors.New("usl: fit failed")
)

// Result is a [Model] fitted to measured points, with how well it fits.
// Everything derived from Model is modeled, not measured.
type Result struct {
	// Model is the fitted curve. A Sigma or Kappa of exactly 0 means the
	// fit drove it to its lower bound: the data show none of it.
	Model Model
	// Residual is the root mean square of the relative errors
	// (modeled − measured) / measured over the points: 0.03 means the
	// curve is typically 3 % off the measurements.
	Residual float64
	// R2 is the coefficient of determination of the modeled throughputs
	// against the measured ones: 1 is a perfect fit, and it can be
	// negative for a fit worse than the mean. When all throughputs are
	// equal it is undefined and reported as 0; read Residual instead.
	R2 float64
	// Points is the number of points fitted.
	Points int
}

const (
	// minDistinctN is the number of distinct capacities needed to fit
	// three parameters.
	minDistinctN = 3
	// floor is the lower bound of σ and κ during the search. It keeps
	// them positive in log space while letting them become effectively 0;
	// a fitted value at the floor is reported as 0.
	floor = 1e-9
	// startSigma and startKappa are where the search starts: mild
	// contention and crosstalk.
	startSigma = 0.01
	startKappa = 0.0001
	// maxRuns bounds the Nelder–Mead restarts from the best point so far;
	// a restart rebuilds the simplex, which gets the method unstuck when
	// it has collapsed early.
	maxRuns = 5
	// maxEvaluations bounds the objective evaluations of one run.
	maxEvaluations = 20_000
)

// Fit fits the Universal Scalability Law to the points by least squares on
// the relative errors, so every point weighs the same whatever its
// throughput. Points may repeat a capacity (several runs at the same N), but
// there must be at least three distinct capacities.
//
// The search is a Nelder–Mead minimisation ([optimize.NelderMead]) over the
// logarithms of λ, σ and κ, which keeps them positive; σ and κ are bounded
// below by 1e-9 so that they can become effectively 0. It starts from λ =
// the throughput at N = 1 (or X/N at the smallest N measured), σ = 0.01 and
// κ = 0.0001.
func Fit(points []Point) (Result, error) {
	if err := validate(points); err != nil {
		return Result{}, err
	}
	d := newData(points)

	x := []float64{d.startLogLambda(), math.Log(startSigma), math.Log(startKappa)}
	best := d.objective(x)
	for run := 0; run < maxRuns; run++ {
		res, err := optimize.Minimize(
			optimize.Problem{Func: d.objective},
			x,
			&optimize.Settings{FuncEvaluations: maxEvaluations},
			&optimize.NelderMead{},
		)
		if err != nil {
			return Result{}, fmt.Errorf("%w: nelder-mead run %d: %w", ErrNoFit, run+1, err)
		}
		if res.Status.Early() {
			return Result{}, fmt.Errorf("%w: nelder-mead run %d stopped early: %s", ErrNoFit, run+1, res.Status)
		}
		improved := res.F < best*(1-1e-9)
		if res.F <= best {
			x, best = res.X, res.F
		}
		if !improved {
			break
		}
	}

	lnLambda := x[0]
	m := Model{
		Lambda: math.Exp(lnLambda),
		Sigma:  fromLog(x[1]),
		Kappa:  fromLog(x[2]),
	}
	if !finitePositive(m.Lambda) || !finite(m.Sigma) || !finite(m.Kappa) {
		return Result{}, fmt.Errorf("%w: parameters not finite (λ=%g, σ=%g, κ=%g)", ErrNoFit, m.Lambda, m.Sigma, m.Kappa)
	}
	residual, r2 := d.stats(lnLambda, m.Sigma, m.Kappa)
	if !finite(residual) || !finite(r2) {
		return Result{}, fmt.Errorf("%w: fit statistics not finite (residual=%g, R²=%g)", ErrNoFit, residual, r2)
	}
	return Result{Model: m, Residual: residual, R2: r2, Points: len(points)}, nil
}

// validate checks every point, then that there are enough distinct
// capacities.
func validate(points []Point) error {
	distinct := make(map[float64]struct{}, len(points))
	for i, p := range points {
		switch {
		case math.IsNaN(p.N) || math.IsInf(p.N, 0) || p.N < 1:
			return fmt.Errorf("%w %d (N=%g, X=%g): N must be a finite capacity of at least 1", ErrInvalidPoint, i, p.N, p.X)
		case math.IsNaN(p.X) || math.IsInf(p.X, 0) || p.X <= 0:
			return fmt.Errorf("%w %d (N=%g, X=%g): X must be a finite throughput above 0", ErrInvalidPoint, i, p.N, p.X)
		}
		distinct[p.N] = struct{}{}
	}
	if len(distinct) < minDistinctN {
		return fmt.Errorf("%w: %d distinct N in %d points, need at least %d: measure more capacities",
			ErrTooFewPoints, len(distinct), len(points), minDistinctN)
	}
	return nil
}

// data holds the points in the forms the objective needs, computed once.
type data struct {
	logN, logX []float64 // ln N, ln X
	n1, nn1    []float64 // N−1, N(N−1)
	x          []float64 // X
}

// newData precomputes the logs and polynomial terms of the points.
func newData(points []Point) *data {
	d := &data{
		logN: make([]float64, len(points)),
		logX: make([]float64, len(points)),
		n1:   make([]float64, len(points)),
		nn1:  make([]float64, len(points)),
		x:    make([]float64, len(points)),
	}
	for i, p := range points {
		d.logN[i] = math.Log(p.N)
		d.logX[i] = math.Log(p.X)
		d.n1[i] = p.N - 1
		d.nn1[i] = p.N * (p.N - 1)
		d.x[i] = p.X
	}
	return d
}

// startLogLambda returns ln of the starting λ: the geometric mean of X/N
// over the points at the smallest N, which is the throughput at N = 1 when
// that was measured. Working in logs cannot overflow.
func (d *data) startLogLambda() float64 {
	minLogN := math.Inf(1)
	for _, v := range d.logN {
		minLogN = math.Min(minLogN, v)
	}
	var sum float64
	var count int
	for i, v := range d.logN {
		if v == minLogN {
			sum += d.logX[i] - v
			count++
		}
	}
	return sum / float64(count)
}

// relErr returns (modeled − measured) / measured at point i, computed in log
// space so that extreme inputs give ±Inf rather than NaN.
func (d *data) relErr(i int, lnLambda, sigma, kappa float64) float64 {
	lnDenominator := math.Log1p(sigma*d.n1[i] + kappa*d.nn1[i])
	return math.Expm1(lnLambda + d.logN[i] - lnDenominator - d.logX[i])
}

// objective is the sum of squared relative errors at the log-parameters
// x = (ln λ, ln σ, ln κ), with σ and κ bounded below by floor.
func (d *data) objective(x []float64) float64 {
	sigma, kappa := math.Max(math.Exp(x[1]), floor), math.Max(math.Exp(x[2]), floor)
	var sum float64
	for i := range d.logN {
		e := d.relErr(i, x[0], sigma, kappa)
		sum += e * e
	}
	if math.IsNaN(sum) {
		return math.Inf(1)
	}
	return sum
}

// stats returns the RMS relative error and R² of the model (ln λ, σ, κ).
// Throughputs are scaled by the largest one so that squares cannot
// overflow; R² does not depend on the scale.
func (d *data) stats(lnLambda, sigma, kappa float64) (residual, r2 float64) {
	var scale, mean float64
	for _, x := range d.x {
		scale = math.Max(scale, x)
	}
	for _, x := range d.x {
		mean += x / scale
	}
	mean /= float64(len(d.x))

	var sumRel, ssRes, ssTot float64
	for i, x := range d.x {
		e := d.relErr(i, lnLambda, sigma, kappa)
		sumRel += e * e
		diff := x / scale * e // (modeled − measured) / scale
		ssRes += diff * diff
		dev := x/scale - mean
		ssTot += dev * dev
	}
	residual = math.Sqrt(sumRel / float64(len(d.x)))
	if ssTot == 0 {
		return residual, 0
	}
	return residual, 1 - ssRes/ssTot
}

// fromLog turns a log-parameter into σ or κ, reporting the floor as 0.
func fromLog(v float64) float64 {
	p := math.Exp(v)
	if p <= floor {
		return 0
	}
	return p
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finitePositive(v float64) bool { return finite(v) && v > 0 }
