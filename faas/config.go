package faas

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Function is one deployed function and its settings, as a cloud FaaS
// takes them per function.
type Function struct {
	// Name identifies the function ("get-product"); the launcher starts its
	// code by this name.
	Name string
	// MemoryMB is the memory size, 128..10240 MB. Billing charges it by
	// the GB-second; the container launcher gives an instance CPU in
	// proportion to it, as Lambda does.
	MemoryMB int
	// Timeout bounds one invocation; an instance that outlasts it is
	// killed and the caller gets 504.
	Timeout time.Duration
	// ReservedConcurrency caps the function's instances busy at once (0: only
	// the account limit applies). Beyond it invocations are throttled.
	ReservedConcurrency int
	// Provisioned is how many instances are started before the first
	// invocation and never reclaimed for idleness (provisioned concurrency).
	Provisioned int
}

// Route maps an HTTP route pattern of the front door, as net/http's
// ServeMux takes it ("GET /products/{id}"), to a function.
type Route struct {
	Pattern  string
	Function string
}

// Trigger invokes a function asynchronously for each message on a broker
// subject, retrying failed invocations.
type Trigger struct {
	// Subject is the JetStream subject ("order.placed"); a stream holding it
	// must exist.
	Subject string
	// Function handles each message.
	Function string
	// MaxAttempts bounds the invocations per message (default 3, as Lambda's
	// asynchronous invocation: the first try and two retries); a message
	// that fails them all is dropped and counted as dead-lettered. A
	// throttled invocation is retried without counting as an attempt.
	MaxAttempts int
}

// Schedule invokes a function at a fixed interval, as a cron rule does.
type Schedule struct {
	Every    time.Duration
	Function string
}

// Config is a platform's deployment: its functions, how requests and events
// reach them, and the account's limits.
type Config struct {
	Functions []Function
	Routes    []Route
	Triggers  []Trigger
	Schedules []Schedule
	// AccountConcurrency caps busy instances over all functions (Lambda's
	// regional limit, 1,000 by default there; ours defaults to 100 to fit
	// one machine).
	AccountConcurrency int
	// KeepAlive is how long an idle instance is kept for reuse before it is
	// reclaimed (scale to zero); default 10 minutes, Lambda's observed order.
	KeepAlive time.Duration
}

// Limits of the settings, as Lambda documents them.
const (
	MinMemoryMB            = 128
	MaxMemoryMB            = 10240
	MaxTimeout             = 15 * time.Minute
	DefaultMemoryMB        = 128
	DefaultTimeout         = 3 * time.Second
	DefaultAccountLimit    = 100
	DefaultKeepAlive       = 10 * time.Minute
	DefaultMaxAttempts     = 3
	defaultMinScheduleTick = 10 * time.Millisecond
)

// withDefaults fills unset settings.
func (c Config) withDefaults() Config {
	out := c
	out.Functions = make([]Function, len(c.Functions))
	for i, f := range c.Functions {
		if f.MemoryMB == 0 {
			f.MemoryMB = DefaultMemoryMB
		}
		if f.Timeout == 0 {
			f.Timeout = DefaultTimeout
		}
		out.Functions[i] = f
	}
	out.Triggers = make([]Trigger, len(c.Triggers))
	for i, t := range c.Triggers {
		if t.MaxAttempts == 0 {
			t.MaxAttempts = DefaultMaxAttempts
		}
		out.Triggers[i] = t
	}
	if out.AccountConcurrency == 0 {
		out.AccountConcurrency = DefaultAccountLimit
	}
	if out.KeepAlive == 0 {
		out.KeepAlive = DefaultKeepAlive
	}
	return out
}

// Validate reports every setting out of range, each naming its field.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	names := map[string]bool{}
	provisioned := 0
	for i, f := range c.Functions {
		switch {
		case f.Name == "" || strings.ContainsAny(f.Name, " /\t\n"):
			bad("functions[%d].name must be a non-empty word, but is %q", i, f.Name)
		case names[f.Name]:
			bad("functions[%d].name %q appears twice", i, f.Name)
		}
		names[f.Name] = true
		if f.MemoryMB != 0 && (f.MemoryMB < MinMemoryMB || f.MemoryMB > MaxMemoryMB) {
			bad("function %s: memory must be %d..%d MB, but is %d", f.Name, MinMemoryMB, MaxMemoryMB, f.MemoryMB)
		}
		if f.Timeout < 0 || f.Timeout > MaxTimeout {
			bad("function %s: timeout must be in (0, %s], but is %s", f.Name, MaxTimeout, f.Timeout)
		}
		if f.ReservedConcurrency < 0 {
			bad("function %s: reserved concurrency must be >= 0, but is %d", f.Name, f.ReservedConcurrency)
		}
		if f.Provisioned < 0 || (f.ReservedConcurrency > 0 && f.Provisioned > f.ReservedConcurrency) {
			bad("function %s: provisioned must be 0..reserved concurrency, but is %d", f.Name, f.Provisioned)
		}
		provisioned += f.Provisioned
	}
	if c.AccountConcurrency < 0 {
		bad("account concurrency must be >= 0, but is %d", c.AccountConcurrency)
	} else if limit := c.withDefaults().AccountConcurrency; provisioned > limit {
		bad("provisioned instances (%d in all) exceed the account concurrency %d", provisioned, limit)
	}
	if c.KeepAlive < 0 {
		bad("keep-alive must be >= 0, but is %s", c.KeepAlive)
	}
	known := func(where, fn string) {
		if !names[fn] {
			bad("%s names unknown function %q", where, fn)
		}
	}
	mux := http.NewServeMux()
	for i, r := range c.Routes {
		known(fmt.Sprintf("routes[%d] (%s)", i, r.Pattern), r.Function)
		if err := register(mux, r.Pattern); err != nil {
			bad("routes[%d]: pattern %q: %v", i, r.Pattern, err)
		}
	}
	triggers := map[Trigger]int{}
	for i, t := range c.Triggers {
		known(fmt.Sprintf("triggers[%d] (%s)", i, t.Subject), t.Function)
		key := Trigger{Subject: t.Subject, Function: t.Function}
		if j, dup := triggers[key]; dup {
			bad("triggers[%d] repeats triggers[%d]: subject %q to function %q", i, j, t.Subject, t.Function)
		} else {
			triggers[key] = i
		}
		if t.Subject == "" {
			bad("triggers[%d].subject is empty", i)
		}
		if t.MaxAttempts < 0 {
			bad("triggers[%d].max_attempts must be >= 0, but is %d", i, t.MaxAttempts)
		}
	}
	for i, s := range c.Schedules {
		known(fmt.Sprintf("schedules[%d]", i), s.Function)
		if s.Every < defaultMinScheduleTick {
			bad("schedules[%d].every must be at least %s, but is %s", i, defaultMinScheduleTick, s.Every)
		}
	}
	return errors.Join(errs...)
}

// register adds pattern to mux, turning ServeMux's panic on a bad or
// conflicting pattern into an error.
func register(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return nil
}
