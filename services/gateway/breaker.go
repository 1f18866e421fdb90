package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerSettings say when a service's circuit opens and how it closes
// again. The circuit tracks whether a service is alive, not whether its
// calls succeed: a call fails when it gets no answer (connection refused or
// reset, timeout) or a 5xx that is not the service's own JSON error (an
// empty, HTML or garbled 5xx, such as a proxy's 502). Any answer in the
// contract's error envelope, 5xx included, is the service at work: a 503
// payment_unavailable while the payment provider is down must not cut off
// the service's other routes. A call the client abandoned counts neither
// way.
type BreakerSettings struct {
	// ConsecutiveFailures opens the circuit after that many failed calls
	// in a row.
	ConsecutiveFailures uint32
	// MinRequests and FailureRatio open the circuit when, within Window,
	// at least MinRequests calls were made and at least FailureRatio of
	// them failed.
	MinRequests  uint32
	FailureRatio float64
	// Window is how far back the closed circuit counts calls, in a rolling
	// window of ten buckets.
	Window time.Duration
	// OpenFor is how long an open circuit answers at once, without calling
	// the service; then it turns half-open.
	OpenFor time.Duration
	// Probes is how many calls a half-open circuit lets through: that many
	// successes in a row close it, and one failure opens it again.
	Probes uint32
}

// DefaultBreakerSettings opens a circuit after 5 failures in a row, or when
// half of at least 20 calls in 10 s failed; it stays open for 2 s and then
// lets 3 probes through.
func DefaultBreakerSettings() BreakerSettings {
	return BreakerSettings{
		ConsecutiveFailures: 5,
		MinRequests:         20,
		FailureRatio:        0.5,
		Window:              10 * time.Second,
		OpenFor:             2 * time.Second,
		Probes:              3,
	}
}

func (s BreakerSettings) validate() []error {
	var errs []error
	if s.ConsecutiveFailures < 1 {
		errs = append(errs, errors.New("breaker: ConsecutiveFailures must be at least 1, but is 0"))
	}
	if s.FailureRatio <= 0 || s.FailureRatio > 1 {
		errs = append(errs, fmt.Errorf("breaker: FailureRatio must be within (0, 1], but is %g", s.FailureRatio))
	}
	if s.Window <= 0 {
		errs = append(errs, fmt.Errorf("breaker: Window must be positive, but is %s", s.Window))
	}
	if s.OpenFor <= 0 {
		errs = append(errs, fmt.Errorf("breaker: OpenFor must be positive, but is %s", s.OpenFor))
	}
	if s.Probes < 1 {
		errs = append(errs, errors.New("breaker: Probes must be at least 1, but is 0"))
	}
	return errs
}

// Outcomes reported to a breaker.
var (
	// errFailed is a call that got no usable answer.
	errFailed = errors.New("call failed")
	// errAbandoned is a call the client gave up on: no verdict on the service.
	errAbandoned = errors.New("call abandoned by the client")
)

// breaker is one service's circuit breaker.
type breaker = gobreaker.TwoStepCircuitBreaker[struct{}]

func newBreaker(name string, s BreakerSettings, log *slog.Logger) *breaker {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         name,
		MaxRequests:  s.Probes,
		Interval:     s.Window,
		BucketPeriod: s.Window / 10,
		Timeout:      s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			if c.ConsecutiveFailures >= s.ConsecutiveFailures {
				return true
			}
			n := c.Requests - min(c.TotalExclusions, c.Requests)
			return n > 0 && n >= s.MinRequests && float64(c.TotalFailures) >= s.FailureRatio*float64(n)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errAbandoned) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.Warn("circuit state changed", "service", name, "from", from.String(), "to", to.String())
		},
	})
}

// isOpen reports whether b refuses calls outright.
func isOpen(b *breaker) bool { return b.State() == gobreaker.StateOpen }
