package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/remote"
)

// Defaults of a gateway's resilience settings.
const (
	// DefaultTimeout bounds a call to a service, retries included.
	DefaultTimeout = 2 * time.Second
	// CheckoutTimeout bounds a checkout: the saga may take several seconds
	// when the payment provider is slow. It outlasts the saga's own worst
	// case, so that the answer is the saga's and not a gateway timeout:
	// four peer calls of orders.CallTimeout (4 s) and two local writes of
	// orders.WriteWait (2 s).
	CheckoutTimeout = 25 * time.Second
	// DefaultMaxRetries is how many times an idempotent call is retried.
	DefaultMaxRetries = 2
	// DefaultRetryRatio is the share of a service's traffic that may be
	// retries: each request earns this many retry tokens.
	DefaultRetryRatio = 0.1
	// DefaultRetryBurst is the most retry tokens a service's budget holds,
	// and what it starts with.
	DefaultRetryBurst = 10
	// DefaultBackoffMin and DefaultBackoffMax bound the random pause before
	// a retry.
	DefaultBackoffMin = 10 * time.Millisecond
	DefaultBackoffMax = 30 * time.Millisecond
)

// Option configures a Gateway.
type Option func(*config)

type config struct {
	log            *slog.Logger
	transport      http.RoundTripper
	defaultTimeout time.Duration
	timeouts       map[string]time.Duration
	maxRetries     int
	budgetRatio    float64
	budgetMax      float64
	backoffMin     time.Duration
	backoffMax     time.Duration
	breaker        BreakerSettings
}

func defaultConfig() *config {
	return &config{
		log:            slog.New(slog.DiscardHandler),
		transport:      remote.NewTransport(),
		defaultTimeout: DefaultTimeout,
		timeouts:       map[string]time.Duration{httpapi.RouteCheckout: CheckoutTimeout},
		maxRetries:     DefaultMaxRetries,
		budgetRatio:    DefaultRetryRatio,
		budgetMax:      DefaultRetryBurst,
		backoffMin:     DefaultBackoffMin,
		backoffMax:     DefaultBackoffMax,
		breaker:        DefaultBreakerSettings(),
	}
}

// validate collects every problem with the settings.
func (c *config) validate() []error {
	var errs []error
	if c.transport == nil {
		errs = append(errs, errors.New("the transport must not be nil"))
	}
	if c.log == nil {
		errs = append(errs, errors.New("the logger must not be nil"))
	}
	if c.defaultTimeout <= 0 {
		errs = append(errs, fmt.Errorf("the default timeout must be positive, but is %s", c.defaultTimeout))
	}
	routes := publicRoutes()
	for route, d := range c.timeouts {
		if !slices.ContainsFunc(routes, func(r publicRoute) bool { return r.pattern == route }) {
			errs = append(errs, fmt.Errorf("timeout for %q: not a forwarded route (use an httpapi.Route constant)", route))
		}
		if d <= 0 {
			errs = append(errs, fmt.Errorf("the timeout for %q must be positive, but is %s", route, d))
		}
	}
	if c.maxRetries < 0 {
		errs = append(errs, fmt.Errorf("the retry count must be at least 0, but is %d", c.maxRetries))
	}
	if c.budgetRatio < 0 || c.budgetRatio > 1 {
		errs = append(errs, fmt.Errorf("the retry ratio must be within 0..1, but is %g", c.budgetRatio))
	}
	if c.budgetMax < 0 {
		errs = append(errs, fmt.Errorf("the retry burst must be at least 0, but is %g", c.budgetMax))
	}
	if c.backoffMin < 0 || c.backoffMax < c.backoffMin {
		errs = append(errs, fmt.Errorf("the backoff must satisfy 0 <= min <= max, but is %s..%s", c.backoffMin, c.backoffMax))
	}
	return append(errs, c.breaker.validate()...)
}

// WithLogger logs circuit state changes and failed calls to log (default:
// discard).
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// WithTransport sends calls to services with rt (default: one
// remote.NewTransport shared by all services, keeping connections alive).
// The gateway does not follow redirects: it passes them on.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithDefaultTimeout bounds the calls of every route without its own
// timeout (default DefaultTimeout). The bound covers retries.
func WithDefaultTimeout(d time.Duration) Option { return func(c *config) { c.defaultTimeout = d } }

// WithTimeout bounds the calls of one route, named by its httpapi.Route
// constant (default: CheckoutTimeout for httpapi.RouteCheckout, the default
// timeout for the others).
func WithTimeout(route string, d time.Duration) Option {
	return func(c *config) { c.timeouts[route] = d }
}

// WithRetries sets how many times an idempotent call may be retried
// (default DefaultMaxRetries); 0 disables retries.
func WithRetries(n int) Option { return func(c *config) { c.maxRetries = n } }

// WithRetryBudget sets each service's retry budget, a token bucket: every
// request adds ratio tokens, up to burst, and every retry takes one, so
// retries stay near ratio of the traffic and cannot multiply an outage's load
// (default DefaultRetryRatio, DefaultRetryBurst). A budget starts full.
func WithRetryBudget(ratio, burst float64) Option {
	return func(c *config) { c.budgetRatio, c.budgetMax = ratio, burst }
}

// WithBackoff sets the bounds of the random pause before a retry (default
// DefaultBackoffMin..DefaultBackoffMax).
func WithBackoff(lo, hi time.Duration) Option {
	return func(c *config) { c.backoffMin, c.backoffMax = lo, hi }
}

// WithBreakerSettings sets when each service's circuit opens and how it
// recovers (default DefaultBreakerSettings).
func WithBreakerSettings(s BreakerSettings) Option { return func(c *config) { c.breaker = s } }
