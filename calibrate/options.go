package calibrate

import (
	"errors"
	"fmt"
	"time"

	"github.com/archbench/archbench/sim"
)

// Defaults of the options.
const (
	// DefaultRequests is how many requests each simulation simulates
	// after its warm-up: enough for a stable p99 of the whole mix.
	DefaultRequests = 200_000
	// DefaultRounds is how many times Calibrate corrects the delays so the
	// model reproduces the run it was calibrated on.
	DefaultRounds = 3
	// DefaultKeepAlive is how long a function platform keeps an idle
	// instance when the result does not say: the serverless and hybrid
	// variants' default.
	DefaultKeepAlive = 60 * time.Second
	// DefaultMaxConcurrency is a function platform's account concurrency
	// limit when the result does not say (results do not record it): the
	// platform's default (faas.DefaultAccountLimit).
	DefaultMaxConcurrency = 100
)

// Demand says where a request's CPU demand comes from (see [Method]).
type Demand string

const (
	// DemandFloor takes each operation's CPU demand to be its latency
	// floor: the fastest the operation was measured to complete, when it
	// neither queued nor waited. It is the default.
	DemandFloor Demand = "latency floor"
	// DemandCPU takes the CPU time the machine's processes accounted per
	// request (the variant's replicas, and the load generator unless
	// WithGenerator(false)), split over the operations in proportion to
	// their latency floors. It needs the result's Resources.
	DemandCPU Demand = "cpu accounting"
	// DemandMarginal takes the CPU a request adds as load grows (see
	// MarginalCPU): the slope of the CPU measured against throughput over
	// the calibration run and its load points (WithLoadPoints) from the
	// calibration rate up (all of them if those are too few), the
	// variant's and, unless WithGenerator(false), the load generator's;
	// split over the operations in proportion to their latency floors. CPU
	// that does not grow with load stays out, as it does not take the CPUs
	// from requests. It needs CPU measured per phase (results' cpu_cores)
	// at two rates or more; without, calibration fails with
	// ErrNoMarginalCPU.
	DemandMarginal Demand = "marginal cpu"
)

// Option changes how Calibrate, FromRun and Validate work; each option
// says which of them it applies to.
type Option func(*config)

type config struct {
	demand         Demand
	service        string
	generator      bool
	requests       int
	rounds         int
	seed           uint64
	setting        *string
	keepAlive      time.Duration
	maxConcurrency int
	loadPoints     []LoadPoint
	// runID and scenario name the calibration source, and leftOut counts
	// its repetitions left out; FromRun sets them.
	runID, scenario string
	leftOut         int
	err             error
}

func newConfig(opts []Option) (config, error) {
	c := config{
		demand:    DemandFloor,
		service:   sim.KindDeterministic,
		generator: true,
		requests:  DefaultRequests,
		rounds:    DefaultRounds,
		seed:      1,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c, c.err
}

func (c *config) fail(format string, args ...any) {
	c.err = errors.Join(c.err, fmt.Errorf(format, args...))
}

// WithDemand chooses where the CPU demand comes from: DemandFloor (the
// default), DemandCPU or DemandMarginal. For Calibrate and FromRun.
func WithDemand(d Demand) Option {
	return func(c *config) {
		if d != DemandFloor && d != DemandCPU && d != DemandMarginal {
			c.fail("WithDemand must be %q, %q or %q, but is %q", DemandFloor, DemandCPU, DemandMarginal, d)
		}
		c.demand = d
	}
}

// WithCPUService sets the distribution of a request's time at the cpu
// station, whose mean is the request's CPU demand: sim.KindDeterministic
// (the default), always the demand, so that no request completes faster
// than its floor, as measured (the cpu station is then an M/D/c queue);
// or sim.KindExponential (an M/M/c queue, with more queueing, whose tail
// is longer than some operations' measured p99 when the demand is their
// floor). For Calibrate and FromRun.
func WithCPUService(kind string) Option {
	return func(c *config) {
		if kind != sim.KindDeterministic && kind != sim.KindExponential {
			c.fail("WithCPUService must be %q or %q, but is %q", sim.KindDeterministic, sim.KindExponential, kind)
		}
		c.service = kind
	}
}

// WithGenerator says whether DemandCPU and DemandMarginal count the load
// generator's CPU time with the variant's. Count it (the default) to predict runs on the
// machine the calibration ran on, where the generator took CPU from the
// variant; leave it out to extrapolate to a variant with a machine of its
// own. For Calibrate and FromRun, with DemandCPU and DemandMarginal.
func WithGenerator(include bool) Option { return func(c *config) { c.generator = include } }

// WithRequests sets how many requests each simulation simulates after its
// warm-up (default DefaultRequests): fewer run faster, with noisier
// tails. For Calibrate, FromRun and Validate.
func WithRequests(n int) Option {
	return func(c *config) {
		if n < 1000 {
			c.fail("WithRequests must be at least 1000, but is %d", n)
		}
		c.requests = n
	}
}

// WithRounds sets how many times Calibrate simulates the calibration run
// and corrects the delays by what the simulation got wrong (default
// DefaultRounds); 0 keeps the delays as first estimated. For Calibrate
// and FromRun.
func WithRounds(n int) Option {
	return func(c *config) {
		if n < 0 || n > 20 {
			c.fail("WithRounds must be 0 to 20, but is %d", n)
		}
		c.rounds = n
	}
}

// WithSeed seeds every simulation (default 1): the same inputs, options
// and seed give the same model and the same predictions. For Calibrate,
// FromRun and Validate.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithSetting picks the results whose Setting is s (as "keep-alive 2s"),
// when a scenario ran a variant with several settings. For FromRun,
// Validate and MeasureGap.
func WithSetting(s string) Option { return func(c *config) { c.setting = &s } }

// WithKeepAlive sets the function pools' keep-alive, overriding what the
// platform recorded, what the result's setting says and DefaultKeepAlive.
// For Calibrate and FromRun.
func WithKeepAlive(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("WithKeepAlive must be >= 0, but is %v", d)
		}
		c.keepAlive = d
	}
}

// WithMaxConcurrency sets the account's concurrency limit over the
// function pools, overriding what the platform recorded: with a pool per
// function, the model's account_concurrency; with one pool for every
// function (a result from before the platform recorded its limits), that
// pool's limit (default DefaultMaxConcurrency). For Calibrate and FromRun.
func WithMaxConcurrency(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithMaxConcurrency must be >= 1, but is %d", n)
		}
		c.maxConcurrency = n
	}
}
