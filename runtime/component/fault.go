package component

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FaultPath is where every component accepts a fault into its own code:
// PUT a Fault to inject it (replacing any other), DELETE to heal, GET to
// read what is injected. The fault scenario uses it to make one
// capability's code slow, failing, leaking or CPU-hungry while the rest of
// the process runs as before, which is what a bug in that code does.
//
// The route is for benchmarks on loopback and on the run's own Docker
// network; it is not protected.
const FaultPath = "/internal/fault"

// Kinds of fault a component can have injected into its code.
const (
	// FaultLatency delays each request the fault hits by LatencyMs, as a
	// slow query or a slow dependency call inside that code would.
	FaultLatency = "latency"
	// FaultErrors fails a share (ErrorRate) of the requests it hits with a
	// 500, as a bug would.
	FaultErrors = "errors"
	// FaultLeak keeps LeakKB of memory for good on each request it hits,
	// as a leak would: the process grows, the collector works harder, and
	// under a memory limit the process is eventually killed.
	FaultLeak = "leak"
	// FaultHog keeps HogGoroutines goroutines spinning, as a runaway loop
	// would: the whole process, and whatever shares its CPUs, slows down.
	FaultHog = "hog"
)

// FaultKinds lists the kinds of fault in the order reports show them.
var FaultKinds = []string{FaultLatency, FaultErrors, FaultLeak, FaultHog}

// Fault describes a fault injected into a component's code.
type Fault struct {
	// Kind is one of FaultKinds.
	Kind string `json:"kind"`
	// Routes are the route patterns ("GET /carts/{id}") of the requests
	// that run the faulty code; empty means every request. A process that
	// hosts several capabilities (a monolith) gets the routes of one of
	// them. A hog ignores them: a spinning loop slows the whole process.
	Routes []string `json:"routes,omitempty"`
	// LatencyMs is the delay a latency fault adds.
	LatencyMs float64 `json:"latency_ms,omitempty"`
	// ErrorRate is the share of requests an errors fault fails, (0, 1].
	ErrorRate float64 `json:"error_rate,omitempty"`
	// LeakKB is the memory a leak fault keeps per request.
	LeakKB int `json:"leak_kb,omitempty"`
	// HogGoroutines is how many goroutines a hog fault keeps spinning.
	HogGoroutines int `json:"hog_goroutines,omitempty"`
}

// Validate reports every field out of range, each naming the field.
func (f Fault) Validate() error {
	var errs []error
	switch f.Kind {
	case FaultLatency:
		if f.LatencyMs <= 0 || f.LatencyMs > 60_000 {
			errs = append(errs, fmt.Errorf("latency_ms must be in (0, 60000], but is %g", f.LatencyMs))
		}
	case FaultErrors:
		if !(f.ErrorRate > 0 && f.ErrorRate <= 1) {
			errs = append(errs, fmt.Errorf("error_rate must be in (0, 1], but is %g", f.ErrorRate))
		}
	case FaultLeak:
		if f.LeakKB <= 0 || f.LeakKB > 64<<10 {
			errs = append(errs, fmt.Errorf("leak_kb must be 1..65536, but is %d", f.LeakKB))
		}
	case FaultHog:
		if f.HogGoroutines <= 0 || f.HogGoroutines > 64 {
			errs = append(errs, fmt.Errorf("hog_goroutines must be 1..64, but is %d", f.HogGoroutines))
		}
	default:
		errs = append(errs, fmt.Errorf("kind must be one of %s, but is %q", strings.Join(FaultKinds, ", "), f.Kind))
	}
	mux := http.NewServeMux()
	for i, r := range f.Routes {
		if err := register(mux, r); err != nil {
			errs = append(errs, fmt.Errorf("routes[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// DecodeFault reads a fault as a fault route takes it: JSON, at most 64
// KiB, no unknown field, and valid; the error names what is wrong.
func DecodeFault(r io.Reader) (Fault, error) {
	var f Fault
	dec := json.NewDecoder(io.LimitReader(r, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Fault{}, fmt.Errorf("fault: %w", err)
	}
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("fault: %w", err)
	}
	return f, nil
}

// register adds a route pattern to mux, turning the panic ServeMux raises
// on a bad or conflicting pattern into an error.
func register(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bad route pattern %q: %v", pattern, r)
		}
	}()
	if pattern == "" {
		return errors.New("route pattern is empty")
	}
	mux.Handle(pattern, http.NotFoundHandler())
	return nil
}

// injector holds the fault injected into one process, if any, and applies
// it to the requests it hits.
type injector struct {
	log    *slog.Logger
	mu     sync.Mutex // serialises inject and heal
	active atomic.Pointer[activeFault]
}

// activeFault is an injected fault and what it holds on to.
type activeFault struct {
	Fault
	routes *http.ServeMux // nil: every request
	stop   context.CancelFunc
	mu     sync.Mutex
	leaked [][]byte
}

// wrap serves FaultPath and applies the active fault before next.
func (in *injector) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == FaultPath {
			in.serve(w, r)
			return
		}
		if f := in.active.Load(); f != nil && f.hits(r) {
			if done := f.apply(w, r); done {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hits reports whether r runs the faulty code.
func (f *activeFault) hits(r *http.Request) bool {
	if f.routes == nil {
		return true
	}
	_, pattern := f.routes.Handler(r)
	return pattern != ""
}

// apply does to r what the fault does, and reports whether it answered r.
func (f *activeFault) apply(w http.ResponseWriter, r *http.Request) bool {
	switch f.Kind {
	case FaultLatency:
		t := time.NewTimer(time.Duration(f.LatencyMs * float64(time.Millisecond)))
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	case FaultErrors:
		if rand.Float64() < f.ErrorRate {
			writeError(w, http.StatusInternalServerError, "internal", "injected fault: "+f.Kind)
			return true
		}
	case FaultLeak:
		b := make([]byte, f.LeakKB<<10)
		for i := 0; i < len(b); i += 4096 { // touch every page, so it is really used
			b[i] = 1
		}
		f.mu.Lock()
		f.leaked = append(f.leaked, b)
		f.mu.Unlock()
	}
	return false
}

// serve answers FaultPath.
func (in *injector) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		if f := in.active.Load(); f != nil {
			writeJSON(w, http.StatusOK, f.Fault)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	case http.MethodPut:
		f, err := DecodeFault(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_fault", err.Error())
			return
		}
		in.inject(f)
		writeJSON(w, http.StatusOK, f)
	case http.MethodDelete:
		in.heal()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" not allowed on "+FaultPath)
	}
}

// inject makes f the active fault, healing any other first. f is valid.
func (in *injector) inject(f Fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.healLocked()
	a := &activeFault{Fault: f}
	if len(f.Routes) > 0 {
		a.routes = http.NewServeMux()
		for _, r := range f.Routes {
			_ = register(a.routes, r) // validated
		}
	}
	if f.Kind == FaultHog {
		ctx, cancel := context.WithCancel(context.Background())
		a.stop = cancel
		for range f.HogGoroutines {
			go spin(ctx)
		}
	}
	in.active.Store(a)
	in.log.Warn("fault injected", "kind", f.Kind, "routes", len(f.Routes))
}

// heal removes the active fault and gives back what it held.
func (in *injector) heal() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.healLocked()
}

func (in *injector) healLocked() {
	a := in.active.Swap(nil)
	if a == nil {
		return
	}
	if a.stop != nil {
		a.stop()
	}
	if a.Kind == FaultLeak {
		a.mu.Lock()
		a.leaked = nil
		a.mu.Unlock()
		runtime.GC()
		debug.FreeOSMemory()
	}
	in.log.Info("fault healed", "kind", a.Kind)
}

// spin burns CPU until ctx ends, checking it every so often.
func spin(ctx context.Context) {
	x := uint64(1)
	for ctx.Err() == nil {
		for range 100_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	_ = x
}

// writeError answers with the shop API's JSON error shape (docs/API.md),
// so a client cannot tell an injected error from one of the code's own.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, msg
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// InjectFault injects f into the component serving at baseURL, replacing
// any fault it has.
func InjectFault(ctx context.Context, c *http.Client, baseURL string, f Fault) error {
	return PutFault(ctx, c, strings.TrimRight(baseURL, "/")+FaultPath, f)
}

// HealFault removes any fault from the component serving at baseURL.
func HealFault(ctx context.Context, c *http.Client, baseURL string) error {
	return DeleteFault(ctx, c, strings.TrimRight(baseURL, "/")+FaultPath)
}

// PutFault sends f to a fault route at url: FaultPath of a component, or
// another route that takes faults the same way (a function platform's).
func PutFault(ctx context.Context, c *http.Client, url string, f Fault) error {
	body, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("inject %s fault: %w", f.Kind, err)
	}
	return faultRequest(ctx, c, http.MethodPut, url, strings.NewReader(string(body)))
}

// DeleteFault heals what a fault route at url holds.
func DeleteFault(ctx context.Context, c *http.Client, url string) error {
	return faultRequest(ctx, c, http.MethodDelete, url, nil)
}

func faultRequest(ctx context.Context, c *http.Client, method, url string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}
