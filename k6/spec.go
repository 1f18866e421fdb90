package k6

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/workload"
)

// Defaults that mirror package workload's and loadgen's, so that a Spec
// left at its zero values offers the same load as archbench's generator.
const (
	// DefaultZipf is workload's default product skew (workload.WithZipf).
	DefaultZipf = 1.1
	// DefaultCardToken is the card token workload's checkouts pay with.
	DefaultCardToken = "tok_ok"
	// DefaultGracefulStop is k6's own default: how long in-flight journeys
	// may finish after a scenario's schedule ends.
	DefaultGracefulStop = 30 * time.Second
)

// minDuration is k6's shortest constant-arrival-rate scenario.
const minDuration = time.Second

// maxRate bounds every rate, as the scenarios do (journeys per second).
const maxRate = 1e6

// Spec is one k6 run against the shop: where the shop is, which journeys,
// and the open-loop arrival shape. The shape is either constant (Rate for
// Duration) or ramping (StartRate, then Stages); set one of them. Rates
// count journeys — k6 iterations — per second, as archbench's do, not
// requests. Zero values take the defaults documented on each field.
type Spec struct {
	// Target is the shop's base URL, its front door, such as
	// "http://127.0.0.1:8080".
	Target string
	// Mix weights the journeys, in workload.DefaultMix's syntax
	// ("browse=70,add-to-cart=20,checkout=10"); empty means DefaultMix.
	Mix string
	// Seed seeds each iteration's choices (journey, page, products,
	// quantities): iteration n of a scenario makes the same choices in every
	// run with the same Seed, whichever virtual user runs it.
	Seed uint64
	// Products is how many products the catalog has; journeys pick IDs in
	// 1..Products. Zero means shop.DefaultCatalog.Count. It must be at least
	// one catalog page (api.DefaultPageLimit), as the browse journey reads a
	// whole page.
	Products int
	// Zipf is the skew of product popularity, as in workload.WithZipf:
	// product k is picked with probability proportional to 1/(1+k)^Zipf.
	// Zero means DefaultZipf; a value in (0, 1] picks products uniformly,
	// as the workload does for any skew <= 1.
	Zipf float64
	// CardToken is the card token checkouts pay with; empty means
	// DefaultCardToken.
	CardToken string

	// Rate and Duration are the constant shape: Rate journeys per second
	// for Duration, measured (k6's constant-arrival-rate executor).
	Rate     float64
	Duration time.Duration
	// StartRate and Stages are the ramping shape, as loadgen.RampingRate:
	// the rate moves linearly from StartRate through each stage's Target
	// over its Duration (a zero Duration jumps), and all of it is measured
	// (k6's ramping-arrival-rate executor).
	StartRate float64
	Stages    []loadgen.Stage
	// Warmup runs before the measured shape, rising from nothing to
	// WarmupRate over its first half and holding it for the second, and is
	// left out of the statistics, as archbench's warm-up is. Zero means no warm-up;
	// otherwise it must be at least 1s (k6's shortest scenario).
	Warmup time.Duration
	// WarmupRate is the warm-up's journeys per second; zero means Rate for
	// the constant shape and StartRate for the ramping one.
	WarmupRate float64

	// MaxInFlight caps the journeys running at once — k6's maxVUs, one
	// virtual user per running journey; a journey due when all are busy is
	// dropped and counted. Zero means loadgen.DefaultMaxInFlight.
	MaxInFlight int
	// PreAllocatedVUs is how many virtual users k6 initialises before the
	// test; more are initialised during the test, up to MaxInFlight, when
	// needed (and the journey that found none free is dropped meanwhile).
	// Zero means a fifth of the peak rate (enough for journeys that last
	// up to 200 ms on average), at least 10, at most MaxInFlight. With a
	// warm-up k6 initialises twice as many: the warm-up's graceful stop
	// overlaps the measured scenario, so k6 plans for both at once.
	PreAllocatedVUs int
	// RequestTimeout bounds each request; zero means
	// loadgen.DefaultRequestTimeout.
	RequestTimeout time.Duration
	// GracefulStop is how long journeys still running when a scenario's
	// schedule ends may take to finish before k6 interrupts them; zero
	// means DefaultGracefulStop.
	GracefulStop time.Duration
}

// normalized returns s with its defaults filled in and Target without a
// trailing slash.
func (s Spec) normalized() Spec {
	s.Target = strings.TrimRight(s.Target, "/")
	if s.Mix == "" {
		s.Mix = workload.DefaultMix
	}
	if s.Products == 0 {
		s.Products = shop.DefaultCatalog.Count
	}
	if s.Zipf == 0 {
		s.Zipf = DefaultZipf
	}
	if s.CardToken == "" {
		s.CardToken = DefaultCardToken
	}
	if s.WarmupRate == 0 {
		s.WarmupRate = s.Rate
		if s.ramping() {
			s.WarmupRate = s.StartRate
		}
	}
	if s.MaxInFlight == 0 {
		s.MaxInFlight = loadgen.DefaultMaxInFlight
	}
	if s.PreAllocatedVUs == 0 && s.MaxInFlight > 0 {
		s.PreAllocatedVUs = min(max(int(math.Ceil(s.peakRate()/5)), 10), s.MaxInFlight)
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = loadgen.DefaultRequestTimeout
	}
	if s.GracefulStop == 0 {
		s.GracefulStop = DefaultGracefulStop
	}
	return s
}

// ramping reports whether s has the ramping shape.
func (s Spec) ramping() bool { return len(s.Stages) > 0 }

// peakRate is the highest rate s asks for, warm-up included.
func (s Spec) peakRate() float64 {
	peak := max(s.Rate, s.StartRate, s.WarmupRate)
	for _, st := range s.Stages {
		peak = max(peak, st.Target)
	}
	if math.IsNaN(peak) || math.IsInf(peak, 0) {
		return 0
	}
	return peak
}

// Measured returns the length of the measured shape: Duration, or the
// stages' total.
func (s Spec) Measured() time.Duration {
	if !s.ramping() {
		return s.Duration
	}
	var d time.Duration
	for _, st := range s.Stages {
		d += max(st.Duration, 0)
	}
	return d
}

// MeanRate returns the mean rate of the measured shape in journeys per
// second: Rate, or the ramp's integral over its length.
func (s Spec) MeanRate() float64 {
	if !s.ramping() {
		return s.Rate
	}
	total := s.Measured().Seconds()
	if total <= 0 {
		return 0
	}
	var n float64
	rate := s.StartRate
	for _, st := range s.Stages {
		n += (rate + st.Target) / 2 * max(st.Duration, 0).Seconds()
		rate = st.Target
	}
	return n / total
}

// Validate reports every problem with s, each naming its field and the bad
// value. Zero values that have defaults are not problems.
func (s Spec) Validate() error {
	n := s.normalized()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if u, err := url.Parse(n.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		bad("Target must be an absolute http(s) URL without query, fragment or credentials, such as %q, but is %q",
			"http://127.0.0.1:8080", s.Target)
	}
	if _, err := workload.Mix(n.Mix); err != nil {
		bad("Mix: %w", err)
	}
	if n.Products < api.DefaultPageLimit || n.Products > 1_000_000 {
		bad("Products must be in [%d, 1000000] (at least one catalog page), but is %d", api.DefaultPageLimit, s.Products)
	}
	if !(n.Zipf > 0) || math.IsInf(n.Zipf, 0) {
		bad("Zipf must be a finite number > 0 (or 0 for the default %v), but is %v", DefaultZipf, s.Zipf)
	}
	if strings.ContainsFunc(n.CardToken, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		bad("CardToken must not hold control characters, but is %q", s.CardToken)
	}

	rate := func(field string, r float64, positive bool) {
		switch {
		case math.IsNaN(r) || math.IsInf(r, 0) || r < 0 || r > maxRate:
			bad("%s must be a number in [0, %g] journeys/s, but is %v", field, float64(maxRate), r)
		case positive && r == 0:
			bad("%s must be > 0 journeys/s, but is 0", field)
		}
	}
	if !n.ramping() {
		rate("Rate", n.Rate, true)
		if n.Duration < minDuration {
			bad("Duration must be at least %s (k6's shortest scenario), but is %s", minDuration, n.Duration)
		}
		if n.StartRate != 0 {
			bad("StartRate belongs to the ramping shape, but Stages is empty and StartRate is %v", n.StartRate)
		}
	} else {
		if n.Rate != 0 || n.Duration != 0 {
			bad("set either Rate and Duration (constant shape) or Stages (ramping shape), but Rate is %v, Duration is %s and Stages has %d",
				n.Rate, n.Duration, len(n.Stages))
		}
		rate("StartRate", n.StartRate, false)
		for i, st := range n.Stages {
			rate(fmt.Sprintf("Stages[%d].Target", i), st.Target, false)
			if st.Duration < 0 {
				bad("Stages[%d].Duration must be >= 0, but is %s", i, st.Duration)
			}
		}
		if n.Measured() <= 0 {
			bad("Stages must last longer than 0s in total, but last %s", n.Measured())
		}
	}
	switch {
	case n.Warmup < 0 || (n.Warmup > 0 && n.Warmup < minDuration):
		bad("Warmup must be 0 or at least %s (k6's shortest scenario), but is %s", minDuration, n.Warmup)
	case n.Warmup > 0:
		rate("WarmupRate", n.WarmupRate, true)
	}
	if n.MaxInFlight < 1 {
		bad("MaxInFlight must be >= 1, but is %d", s.MaxInFlight)
	}
	if n.PreAllocatedVUs < 1 || n.PreAllocatedVUs > n.MaxInFlight {
		bad("PreAllocatedVUs must be in [1, MaxInFlight=%d], but is %d", n.MaxInFlight, s.PreAllocatedVUs)
	}
	if n.RequestTimeout < time.Millisecond {
		bad("RequestTimeout must be at least 1ms, but is %s", s.RequestTimeout)
	}
	if n.GracefulStop < 0 {
		bad("GracefulStop must be >= 0, but is %s", s.GracefulStop)
	}
	if len(errs) == 0 {
		if _, err := n.timeUnit(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("k6 spec: %w", errors.Join(errs...))
	}
	return nil
}

// timeUnit returns the seconds per k6 time unit: k6 takes rates as whole
// iterations per time unit, so a rate such as 12.5/s becomes 125 per 10s.
// It is the smallest power of ten up to 1000 that makes every rate whole.
func (s Spec) timeUnit() (int64, error) {
	rates := []float64{s.Rate, s.StartRate, s.WarmupRate}
	for _, st := range s.Stages {
		rates = append(rates, st.Target)
	}
	for unit := int64(1); unit <= 1000; unit *= 10 {
		whole := true
		for _, r := range rates {
			x := r * float64(unit)
			if math.Abs(x-math.Round(x)) > 1e-9*max(1, x) {
				whole = false
				break
			}
		}
		if whole {
			return unit, nil
		}
	}
	return 0, fmt.Errorf("every rate must be a multiple of 0.001 journeys/s (k6 counts whole iterations per time unit), but the rates are %v", rates)
}
