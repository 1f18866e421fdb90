package faas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Paths and headers of the platform.
const (
	// StatsPath serves the platform's Stats as JSON.
	StatsPath = "/internal/faas/stats"
	// HealthPath answers 200 while the front door serves.
	HealthPath = "/healthz"
	// EventPath is where an instance of an event-triggered or scheduled
	// function receives an event: POST, the message as the body, the
	// subject in SubjectHeader.
	EventPath = "/event"
	// SubjectHeader names an event's subject ("schedule" for a schedule).
	SubjectHeader = "X-Event-Subject"
	// ColdStartHeader is "true" on a response whose instance was started for
	// it, "false" otherwise.
	ColdStartHeader = "X-Cold-Start"
	// InitDurationHeader carries a cold start's duration in milliseconds.
	InitDurationHeader = "X-Init-Duration-Ms"
	// InstanceHeader names the instance that served a response.
	InstanceHeader = "X-Instance-Id"
	// MaxPayloadBytes bounds a synchronous request's body (Lambda's 6 MB).
	MaxPayloadBytes = 6 << 20
)

// launchTimeout bounds one cold start.
const launchTimeout = 30 * time.Second

// Errors of an invocation that never reached an instance.
var (
	// ErrThrottled marks an invocation refused for a concurrency limit.
	ErrThrottled = errors.New("throttled")
	// ErrClosed marks an invocation after the platform began to close.
	ErrClosed = errors.New("platform closed")
)

// Platform is a function platform: a front door that maps HTTP routes to
// functions, pools of single-request instances started on demand, and
// triggers that invoke functions from broker subjects and schedules. It
// behaves as a cloud FaaS does; the package documentation lists the rules.
type Platform struct {
	cfg      Config
	launcher Launcher
	log      *slog.Logger
	meter    *meter
	proxy    *httputil.ReverseProxy
	client   *http.Client

	mu     sync.Mutex
	pools  map[string]*pool
	faults faultTable             // faults in the functions' code (see FaultPath)
	busy   int                    // instances serving or starting, over all functions
	total  int                    // instances existing, over all functions
	leased map[*instance]struct{} // instances serving an invocation
	nextID int
	closed bool
	// released is signalled, once the platform is closed, whenever busy
	// drops: Close waits on it for the invocations in flight.
	released sync.Cond

	// observer, if not nil, is told of every instance started and retired
	// (see WithObserver).
	observer Observer

	ctx    context.Context
	cancel context.CancelFunc
	// wg tracks the platform's goroutines. Add is called only under mu
	// while the platform is not closed (see goTracked), or from a goroutine
	// wg already tracks, or, for stopLater, while an invocation is in flight,
	// which Close waits for before it waits on wg.
	wg sync.WaitGroup
}

type pool struct {
	fn    Function
	idle  []*instance // most recently used last
	busy  int         // serving or starting
	count int         // idle + busy
	// provisioned counts the instances of count that are provisioned ones,
	// starting ones included; the reaper starts more while it is below
	// fn.Provisioned.
	provisioned int
}

type instance struct {
	Instance
	fn       string // its function's name
	id       string
	lastUsed time.Time
	// retiring is set, under p.mu, by the first stopLater: the platform has
	// let the instance go, and its observer has been, or is being, told.
	retiring bool
	// provisioned marks one of its function's provisioned instances: started
	// ahead of invocations, never reclaimed for idleness, taken before the
	// others, and billed apart (see FunctionStats.ProvisionedGBSeconds).
	provisioned bool
	// faultVersion is the version of the fault table the instance was
	// last brought up to date with (0: never); faultMu serialises that.
	// It is written holding both faultMu and the platform's mu, and read
	// holding either.
	faultMu      sync.Mutex
	faultVersion int
}

// exited reports whether in has exited.
func (in *instance) exited() bool {
	select {
	case <-in.Done():
		return true
	default:
		return false
	}
}

// Option configures a Platform.
type Option func(*Platform)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(p *Platform) { p.log = l } }

// Observer is told of a platform's instances as they come and go, so that
// it can read what each one serves (its databases' counts, say) while the
// instance still runs. Its methods are called from the platform's
// goroutines, possibly concurrently, never with the platform's lock held.
type Observer interface {
	// Started is called once for each instance that came up, with its
	// function's name, before the platform uses the instance: parks it
	// idle, hands it an invocation, or, if the platform closed meanwhile,
	// retires it. It must not block for long: a cold start waits for it.
	Started(fn string, in Instance)
	// Retired is called once for each instance Started was called for,
	// when the platform lets it go: reclaimed for idleness, discarded
	// after a failure, found to have exited (a provisioned one is then
	// replaced), or stopped by Close. It is called before the platform
	// stops the instance, so one that has not exited on its own still
	// serves during the call. ctx is not cancelled by Close, which waits
	// for every Retired call: the observer bounds its own calls.
	Retired(ctx context.Context, fn string, in Instance)
}

// WithObserver has o told of every instance the platform starts and
// retires (default: none).
func WithObserver(o Observer) Option { return func(p *Platform) { p.observer = o } }

// New returns a platform for cfg whose instances launcher starts. Start it
// before serving its Handler; Close stops everything it started.
func New(cfg Config, launcher Launcher, opts ...Option) (*Platform, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("faas config: %w", err)
	}
	cfg = cfg.withDefaults()
	p := &Platform{cfg: cfg, launcher: launcher, log: slog.New(slog.DiscardHandler), pools: map[string]*pool{}, leased: map[*instance]struct{}{}}
	p.released.L = &p.mu
	for _, o := range opts {
		o(p)
	}
	for _, f := range cfg.Functions {
		p.pools[f.Name] = &pool{fn: f}
	}
	p.meter = newMeter(cfg)
	transport := &http.Transport{
		MaxIdleConns:        4 * cfg.AccountConcurrency,
		MaxIdleConnsPerHost: 2, // an instance serves one request at a time
		IdleConnTimeout:     cfg.KeepAlive + time.Minute,
	}
	p.client = &http.Client{Transport: transport}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			l := pr.In.Context().Value(leaseKey{}).(*lease)
			pr.SetURL(l.target)
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Del("Expect") // the body is in hand (see readPayload)
		},
		Transport:      transport,
		BufferPool:     newBufferPool(),
		ModifyResponse: func(r *http.Response) error { r.Request.Context().Value(leaseKey{}).(*lease).mark(r); return nil },
		ErrorHandler:   p.proxyError,
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Handler is the front door: the configured routes, HealthPath and
// StatsPath. wrap, if not nil, wraps the mux, e.g. to answer unknown routes
// in the API's own error format.
func (p *Platform) Handler(wrap func(*http.ServeMux) http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, r := range p.cfg.Routes {
		mux.Handle(r.Pattern, p.serve(r.Function))
	}
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET "+StatsPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, p.Stats())
	})
	mux.HandleFunc(FaultPath, p.serveFault)
	if wrap == nil {
		return mux
	}
	return wrap(mux)
}

// Start starts the provisioned instances, the reaper of idle instances and
// the schedules. It returns once the provisioned instances serve, or with
// an error when one cannot start or ctx ends first.
func (p *Platform) Start(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
provision:
	for _, f := range p.cfg.Functions {
		for range f.Provisioned {
			wg.Add(1)
			started := p.goTracked(func() {
				defer wg.Done()
				if err := p.prewarm(ctx, f.Name); err != nil {
					fail(err)
				}
			})
			if !started {
				wg.Done()
				fail(ErrClosed)
				break provision
			}
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("provision instances: %w", err)
	}
	if !p.goTracked(p.reap) {
		return fmt.Errorf("start: %w", ErrClosed)
	}
	for _, s := range p.cfg.Schedules {
		p.goTracked(func() { p.schedule(s) })
	}
	return nil
}

// Close stops the triggers, the schedules and every instance, and waits
// for all of it. Instances busy with an invocation are stopped too: a
// process instance gets SIGTERM, so it may finish the invocation within
// its stop grace; an invocation cut short answers 503, and is not counted
// as an error of the function. Invocations after Close are refused with
// ErrClosed.
func (p *Platform) Close() {
	p.mu.Lock()
	p.closed = true
	for _, pl := range p.pools {
		for _, in := range pl.idle {
			p.stopLater(in)
			p.forget(pl, in.provisioned)
		}
		pl.idle = nil
	}
	for in := range p.leased {
		p.stopLater(in)
	}
	p.mu.Unlock()
	p.cancel() // cold starts, event invocations and fault syncs give up
	// The invocations in flight end once their instances stop; wait for
	// them, so that none starts a goroutine after wg.Wait.
	p.mu.Lock()
	for p.busy > 0 {
		p.released.Wait()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.client.CloseIdleConnections()
}

// goTracked runs f in a goroutine that Close waits for, and reports true;
// once the platform is closed it does not run f and reports false.
func (p *Platform) goTracked(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
	return true
}

// Stats returns the platform's account so far.
func (p *Platform) Stats() Stats { return p.meter.snapshot() }

// lease is one invocation's hold on an instance.
type lease struct {
	fn     string
	in     *instance
	cold   bool
	init   time.Duration
	target *url.URL
	// For a synchronous invocation: the writer the proxy answers the
	// caller through.
	w callerWriter
	// Set by the proxy's hooks.
	status int
	failed bool // no usable answer: crash or timeout; the instance is discarded
	broken bool // the instance is discarded, but not for the function's fault
}

// callerWriter is what the proxy writes a synchronous invocation's answer
// to: the caller's ResponseWriter, until a write to it fails because the
// caller left. From then on it drops the answer and reports success, so the
// proxy reads the instance's answer to its end: the instance finishes its
// invocation, as a cloud FaaS lets it, before it is reused.
type callerWriter struct {
	http.ResponseWriter
	gone bool // a write to the caller failed
}

func (w *callerWriter) Write(b []byte) (int, error) {
	if !w.gone {
		if _, err := w.ResponseWriter.Write(b); err != nil {
			w.gone = true
		}
	}
	return len(b), nil
}

// Unwrap lets http.ResponseController, which the proxy flushes through,
// reach the caller's writer.
func (w *callerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// invocation is what the meter learns of the invocation that held l: it
// ran for took, and failed on the platform's side if failed.
func (l *lease) invocation(took time.Duration, failed bool) invocation {
	return invocation{took: took, init: l.init, cold: l.cold, provisioned: l.in.provisioned, failed: failed}
}

type leaseKey struct{}

// mark adds the platform's headers to an instance's response.
func (l *lease) mark(r *http.Response) {
	l.status = r.StatusCode
	r.Header.Set(ColdStartHeader, strconv.FormatBool(l.cold))
	r.Header.Set(InstanceHeader, l.in.id)
	if l.cold {
		r.Header.Set(InitDurationHeader, strconv.FormatFloat(float64(l.init)/float64(time.Millisecond), 'f', 3, 64))
	}
}

// acquire takes an idle instance of fn (see pool.takeIdle), or starts one:
// a cold start. It fails with ErrThrottled when a concurrency limit is
// reached.
func (p *Platform) acquire(fn string) (*lease, error) {
	p.mu.Lock()
	pl := p.pools[fn]
	switch {
	case p.closed:
		p.mu.Unlock()
		return nil, ErrClosed
	case p.busy >= p.cfg.AccountConcurrency:
		p.mu.Unlock()
		p.meter.throttled(fn)
		return nil, fmt.Errorf("function %s: account concurrency limit %d reached: %w", fn, p.cfg.AccountConcurrency, ErrThrottled)
	case pl.fn.ReservedConcurrency > 0 && pl.busy >= pl.fn.ReservedConcurrency:
		p.mu.Unlock()
		p.meter.throttled(fn)
		return nil, fmt.Errorf("function %s: reserved concurrency %d reached: %w", fn, pl.fn.ReservedConcurrency, ErrThrottled)
	}
	p.busy++
	pl.busy++
	p.meter.tick(p.total, p.busy, time.Now())
	for len(pl.idle) > 0 {
		in := pl.takeIdle()
		if in.exited() { // died while idle
			p.forget(pl, in.provisioned)
			p.stopLater(in) // Stop is safe on an exited instance
			continue
		}
		p.leased[in] = struct{}{}
		p.mu.Unlock()
		p.syncFault(in, fn)
		return p.newLease(fn, in, false, 0), nil
	}
	pl.count++
	p.total++
	p.countInstances(pl)
	p.mu.Unlock()

	started := time.Now()
	// The launch goes on if the invocation's caller leaves, as a cloud FaaS
	// finishes an init it began.
	in, err := p.launch(p.ctx, pl.fn)
	p.mu.Lock()
	if p.closed { // Close did not see the instance: stop it here
		if in != nil {
			p.stopLater(in)
		}
		err = fmt.Errorf("function %s: %w", fn, ErrClosed)
	}
	if err != nil {
		p.unbusy(pl)
		p.forget(pl, false)
		p.mu.Unlock()
		return nil, err
	}
	p.leased[in] = struct{}{}
	p.mu.Unlock()
	p.syncFault(in, fn) // part of the cold start: the new code has the fault too
	return p.newLease(fn, in, true, time.Since(started)), nil
}

// takeIdle removes from the idle pool, which is not empty, the instance an
// invocation goes to: a provisioned one if one is idle, as the cloud sends
// invocations to provisioned concurrency before on-demand instances; the
// most recently used among those. p.mu is held.
func (pl *pool) takeIdle() *instance {
	i := len(pl.idle) - 1
	if pl.provisioned > 0 {
		for j := i; j >= 0; j-- {
			if pl.idle[j].provisioned {
				i = j
				break
			}
		}
	}
	in := pl.idle[i]
	pl.idle = slices.Delete(pl.idle, i, i+1)
	return in
}

// unbusy counts one instance of pl as no longer busy. p.mu is held.
func (p *Platform) unbusy(pl *pool) {
	pl.busy--
	p.busy--
	if p.closed {
		p.released.Broadcast()
	}
}

func (p *Platform) newLease(fn string, in *instance, cold bool, init time.Duration) *lease {
	u, err := url.Parse(in.URL())
	if err != nil { // launchers return URLs they built; keep going safely
		u = &url.URL{Scheme: "http", Host: "invalid"}
	}
	return &lease{fn: fn, in: in, cold: cold, init: init, target: u}
}

// launch starts an instance of fn. It gives up after launchTimeout, when
// ctx ends, or when the platform closes.
func (p *Platform) launch(ctx context.Context, fn Function) (*instance, error) {
	ctx, cancel := context.WithTimeout(ctx, launchTimeout)
	defer cancel()
	defer context.AfterFunc(p.ctx, cancel)()
	in, err := p.launcher.Launch(ctx, fn)
	if err != nil {
		return nil, fmt.Errorf("cold start of %s: %w", fn.Name, err)
	}
	p.mu.Lock()
	p.nextID++
	id := fmt.Sprintf("%s-%d", fn.Name, p.nextID)
	p.mu.Unlock()
	if p.observer != nil {
		p.observer.Started(fn.Name, in)
	}
	// Every caller either uses the instance or stops it (stopLater), which
	// tells the observer it is retired.
	return &instance{Instance: in, fn: fn.Name, id: id, lastUsed: time.Now()}, nil
}

// prewarm starts one provisioned instance of fn, giving up when ctx ends,
// and parks it idle. It does nothing if fn has all its provisioned
// instances, starting ones included.
func (p *Platform) prewarm(ctx context.Context, fn string) error {
	p.mu.Lock()
	pl := p.pools[fn]
	if pl.provisioned >= pl.fn.Provisioned {
		p.mu.Unlock()
		return nil
	}
	pl.provisioned++
	pl.count++
	p.total++
	p.countInstances(pl)
	p.mu.Unlock()
	in, err := p.launch(ctx, pl.fn)
	if err != nil {
		p.mu.Lock()
	} else if !p.lockSynced(in, fn) { // a fault may have changed meanwhile
		err = fmt.Errorf("prewarm %s: the new instance did not take its code's fault", fn)
	}
	defer p.mu.Unlock()
	if err != nil || p.closed {
		p.forget(pl, true)
		if in != nil {
			p.stopLater(in)
		}
		return err
	}
	in.provisioned = true
	pl.idle = append(pl.idle, in)
	return nil
}

// lockSynced locks p.mu once in has the fault its function's code has now,
// syncing it first if it is behind: setFaults reaches only the instances
// idle at the time, so one that was busy or starting catches up before it
// is parked idle (a hog healed while its instance served must not spin on
// in the idle pool). p.mu is not held across the sync. It reports false,
// p.mu held all the same, if a sync failed; on a closed platform it does not
// sync.
func (p *Platform) lockSynced(in *instance, fn string) bool {
	for {
		p.mu.Lock()
		if p.closed || in.faultVersion == p.faults.version {
			return true
		}
		p.mu.Unlock()
		if !p.syncFault(in, fn) {
			p.mu.Lock()
			return false
		}
	}
}

// release returns an instance after an invocation: to the idle pool if it
// is healthy, brought up to date with its code's fault first; otherwise
// it is stopped and forgotten.
func (p *Platform) release(l *lease, healthy bool) {
	healthy = healthy && !l.in.exited()
	if healthy {
		healthy = p.lockSynced(l.in, l.fn) // an instance it cannot sync is not reused
	} else {
		p.mu.Lock()
	}
	defer p.mu.Unlock()
	pl := p.pools[l.fn]
	delete(p.leased, l.in)
	p.unbusy(pl)
	if healthy && !p.closed {
		l.in.lastUsed = time.Now()
		pl.idle = append(pl.idle, l.in)
		return
	}
	p.forget(pl, l.in.provisioned)
	p.stopLater(l.in)
}

// stopLater retires an instance: in the background, tracked by Close, it
// tells the observer, then stops the instance. Every instance the platform
// lets go goes through it; calls after the first (Close, then the release
// of the invocation that held the instance) do nothing. p.mu is held (see
// Platform.wg for when it may be called).
func (p *Platform) stopLater(in *instance) {
	if in.retiring {
		return
	}
	in.retiring = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if p.observer != nil {
			p.observer.Retired(context.WithoutCancel(p.ctx), in.fn, in.Instance)
		}
		in.Stop()
	}()
}

// forget takes one instance of pl out of the counts: one that exited, is
// being stopped, or failed to start; provisioned says whether it is, or was
// to be, a provisioned one. p.mu is held.
func (p *Platform) forget(pl *pool, provisioned bool) {
	pl.count--
	p.total--
	if provisioned {
		pl.provisioned--
	}
	p.countInstances(pl)
}

// countInstances reports pl's instance count to the meter. p.mu is held.
func (p *Platform) countInstances(pl *pool) {
	p.meter.instances(pl.fn.Name, pl.count, p.total, p.busy, time.Now())
}

// reap reclaims instances idle for longer than the keep-alive, except
// provisioned ones, and replaces provisioned instances that are gone.
func (p *Platform) reap() {
	every := min(max(p.cfg.KeepAlive/4, 5*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var refill []string
		p.mu.Lock()
		for _, pl := range p.pools {
			kept := pl.idle[:0]
			for i, in := range pl.idle {
				dead := false
				select {
				case <-in.Done():
					dead = true
				default:
				}
				expired := !in.provisioned && now.Sub(in.lastUsed) >= p.cfg.KeepAlive
				if dead || expired {
					p.forget(pl, in.provisioned)
					p.stopLater(in) // Stop is safe on an exited instance
					continue
				}
				kept = append(kept, pl.idle[i])
			}
			clear(pl.idle[len(kept):])
			pl.idle = kept
			for range pl.fn.Provisioned - pl.provisioned {
				refill = append(refill, pl.fn.Name)
			}
		}
		closed := p.closed
		p.meter.tick(p.total, p.busy, now)
		p.mu.Unlock()
		for _, fn := range refill {
			if closed {
				break
			}
			p.goTracked(func() {
				if err := p.prewarm(p.ctx, fn); err != nil && p.ctx.Err() == nil {
					p.log.Warn("replace provisioned instance", "function", fn, "err", err)
				}
			})
		}
	}
}

// serve is the front door's handler for fn: a synchronous invocation.
func (p *Platform) serve(fn string) http.Handler {
	timeout := p.pools[fn].fn.Timeout
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxPayloadBytes {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("request body exceeds %d bytes", MaxPayloadBytes))
			return
		}
		body, err := readPayload(w, r)
		if err != nil {
			refusePayload(w, err)
			return
		}
		l, err := p.acquire(fn)
		if err != nil {
			p.refuse(w, err)
			return
		}
		l.w.ResponseWriter = w
		// The invocation runs to its end, or its timeout, even if the
		// caller leaves, as a cloud FaaS's does: its context is not the
		// caller's, and l.w drops the answer the caller no longer reads. So
		// the instance is free when it is reused, and billed for what it ran.
		ctx, cancel := context.WithTimeout(context.WithValue(context.WithoutCancel(r.Context()), leaseKey{}, l), timeout)
		defer cancel()
		started := time.Now()
		completed := false
		// The proxy panics with http.ErrAbortHandler if the instance's answer
		// breaks off mid-body (l.w never fails): account for the invocation
		// all the same, as a failed one.
		defer func() {
			if !completed {
				l.failed = true
			}
			p.meter.invoked(fn, l.invocation(time.Since(started), l.failed || l.status >= 500))
			p.release(l, !l.failed && !l.broken)
		}()
		r = r.WithContext(ctx)
		if body != nil {
			r.Body, r.ContentLength, r.TransferEncoding = body, body.Size(), nil
		}
		p.proxy.ServeHTTP(&l.w, r)
		completed = true
	})
}

// readPayload reads a synchronous invocation's whole request body before
// any instance is taken, as API Gateway does before it invokes a Lambda
// function: an instance only ever gets a complete request, so a caller
// that leaves before or while it sends its body never reaches one, and an
// instance is neither held nor billed while a caller uploads. It returns
// nil for a request without a body.
func readPayload(w http.ResponseWriter, r *http.Request) (*payload, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	in := http.MaxBytesReader(w, r.Body, MaxPayloadBytes)
	var (
		b   []byte
		err error
	)
	if r.ContentLength < 0 { // chunked
		b, err = io.ReadAll(in)
	} else {
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(in, b)
	}
	if err != nil {
		return nil, err
	}
	pl := &payload{}
	pl.Reset(b)
	return pl, nil
}

// payload is a request body read in full, to be sent to an instance.
type payload struct{ bytes.Reader }

func (*payload) Close() error { return nil }

// refusePayload answers a request whose body could not be read: too large
// (a chunked body over MaxPayloadBytes), or cut off (the caller left, and
// reads no answer).
func refusePayload(w http.ResponseWriter, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("request body exceeds %d bytes", MaxPayloadBytes))
		return
	}
	writeError(w, http.StatusBadRequest, "incomplete_body", fmt.Sprintf("request body: %v", err))
}

// proxyError answers an invocation whose instance gave no usable answer:
// 504 if it outlasted the function's timeout (the instance is then
// discarded, as Lambda discards a timed-out environment), 502 if it crashed.
// Close stopping the instance is not the function's failure: not counted
// as an error. The caller cannot cause an error here: its body was read
// in full before (see readPayload), and callerWriter absorbs its leaving.
func (p *Platform) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	l := r.Context().Value(leaseKey{}).(*lease)
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	switch {
	case errors.Is(r.Context().Err(), context.DeadlineExceeded):
		l.failed = true
		writeError(w, http.StatusGatewayTimeout, "function_timeout", fmt.Sprintf("function %s timed out", l.fn))
	case closed:
		l.broken = true
		writeError(w, http.StatusServiceUnavailable, "unavailable", fmt.Sprintf("function %s: %v", l.fn, ErrClosed))
	default:
		l.failed = true
		p.log.Warn("instance failed", "function", l.fn, "instance", l.in.id, "err", err)
		writeError(w, http.StatusBadGateway, "function_error", fmt.Sprintf("function %s failed: its instance gave no answer", l.fn))
	}
}

// refuse answers an invocation that never reached an instance.
func (p *Platform) refuse(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrThrottled):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "throttled", err.Error())
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		p.log.Warn("invocation failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bufferPool lends the proxy its copy buffers, so a request does not
// allocate 32 KB (measured: ~40 % of a hop's cost without it).
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *b.p.Get().(*[]byte) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }
