package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archbench/archbench/internal/cputime"
)

// Defaults of a [Generator]'s options.
const (
	DefaultMaxInFlight    = 1024
	DefaultRequestTimeout = 10 * time.Second
	DefaultLateThreshold  = 5 * time.Millisecond
	DefaultBufferSize     = 8192
)

// Generator runs open-loop attacks against one system under test. It is
// configured once with [Option]s and may run several attacks, one after
// another or at once.
type Generator struct {
	baseURL       string
	client        *http.Client
	maxInFlight   int
	seed          uint64
	timeout       time.Duration
	lateThreshold time.Duration
	bufferSize    int
	// sleep is the scheduler's final, precise sleep (preciseSleep).
	sleep func(time.Duration)
}

// Option configures a [Generator].
type Option func(*Generator)

// WithClient makes the generator send with c instead of its own client,
// tuned for load (see [New]). If c has no Timeout, the request timeout is
// applied to a copy of it.
func WithClient(c *http.Client) Option { return func(g *Generator) { g.client = c } }

// WithMaxInFlight caps how many iterations run at once (default
// [DefaultMaxInFlight]); an iteration due while all are busy is dropped and
// counted, never delayed.
func WithMaxInFlight(n int) Option { return func(g *Generator) { g.maxInFlight = n } }

// WithSeed seeds journey choice and each iteration's [Session.Rand], so runs
// with the same seed, schedule and mix make the same choices (default 1).
func WithSeed(seed uint64) Option { return func(g *Generator) { g.seed = seed } }

// WithRequestTimeout bounds each request, body included (default
// [DefaultRequestTimeout]).
func WithRequestTimeout(d time.Duration) Option { return func(g *Generator) { g.timeout = d } }

// WithLateThreshold sets how long after its due time an iteration may start
// before [Stats] counts it as late (default [DefaultLateThreshold]). Late
// iterations say the generator could not keep up; their latency is still
// measured from the due time.
func WithLateThreshold(d time.Duration) Option { return func(g *Generator) { g.lateThreshold = d } }

// WithBufferSize sets the capacity of the Results channel (default
// [DefaultBufferSize]). A consumer that falls further behind stalls workers,
// which then shows as dropped iterations.
func WithBufferSize(n int) Option { return func(g *Generator) { g.bufferSize = n } }

// New returns a generator that attacks the server at baseURL. Unless
// [WithClient] says otherwise it sends with its own http.Client, whose
// transport speaks HTTP/1.1 on the calling goroutine (no per-connection
// goroutines), keeps up to MaxInFlight idle connections per host alive and
// does not ask for compression; https goes through a standard
// http.Transport with the same settings.
func New(baseURL string, opts ...Option) *Generator {
	g := &Generator{
		baseURL:       strings.TrimRight(baseURL, "/"),
		maxInFlight:   DefaultMaxInFlight,
		seed:          1,
		timeout:       DefaultRequestTimeout,
		lateThreshold: DefaultLateThreshold,
		bufferSize:    DefaultBufferSize,
		sleep:         preciseSleep,
	}
	for _, o := range opts {
		o(g)
	}
	g.maxInFlight = max(g.maxInFlight, 1)
	g.bufferSize = max(g.bufferSize, 0)
	switch {
	case g.client == nil:
		g.client = &http.Client{Transport: newTransport(g.maxInFlight, g.timeout)}
	case g.client.Timeout == 0 && g.timeout > 0:
		c := *g.client
		c.Timeout = g.timeout
		g.client = &c
	}
	return g
}

// CloseIdleConnections closes the kept-alive connections of the
// generator's client, and with them their goroutines. Call it when done with
// the generator.
func (g *Generator) CloseIdleConnections() { g.client.CloseIdleConnections() }

// Stats accounts for a whole run: what the schedule asked for next to what
// happened.
type Stats struct {
	// Scheduled counts the iterations that came due before the run ended.
	// Scheduled − Started − Dropped were handed to a worker but not started
	// because the run was cancelled.
	Scheduled uint64
	// Started counts the iterations a worker began.
	Started uint64
	// Dropped counts the iterations that were due while MaxInFlight were
	// running; each was emitted as a dropped Result.
	Dropped uint64
	// Late counts the iterations started more than the late threshold after
	// they were due.
	Late uint64
	// MaxLateness is the longest an iteration waited past its due time to start.
	MaxLateness time.Duration
	// Requests counts the requests sent.
	Requests uint64
	// Start is the wall-clock time of the run's start: the instant every
	// offset in its Results (Scheduled, Sent) is counted from.
	Start time.Time
	// Elapsed is the wall time from the start of the run until its last
	// iteration finished.
	Elapsed time.Duration
	// CPU is the user and system CPU time the process used during the run
	// (getrusage RUSAGE_SELF): the whole process, so anything else running in
	// it, a target served in-process included, is counted too. Zero where
	// unsupported.
	CPU time.Duration
	// MaxWorkers is the most iterations that ran at once.
	MaxWorkers int
}

// Attack is one running open-loop run. Drain [Attack.Results] until it is
// closed.
type Attack struct {
	baseURL string
	client  *http.Client
	seed    uint64
	maxIn   int64
	sleep   func(time.Duration)
	late    time.Duration
	journey Mix
	choose  chooser
	sched   Schedule
	ctx     context.Context
	start   time.Time

	results  chan Result
	work     chan item
	inFlight atomic.Int64
	wg       sync.WaitGroup

	mu    sync.Mutex // guards stats until done
	stats Stats
	done  chan struct{}
	err   error
}

// item is one iteration handed to a worker.
type item struct {
	n       uint64
	due     time.Duration
	journey int
}

// Start begins running m on schedule s and returns at once. The run ends when
// the schedule does and every started iteration has finished, or promptly
// when ctx is cancelled, which also cancels the requests in flight.
//
// If s (when it has a Validate method) or m is invalid, nothing is run: the
// Attack's Results are closed at once and [Attack.Err] says why.
func (g *Generator) Start(ctx context.Context, s Schedule, m Mix) *Attack {
	a := &Attack{
		baseURL: g.baseURL,
		client:  g.client,
		seed:    g.seed,
		maxIn:   int64(g.maxInFlight),
		late:    g.lateThreshold,
		sleep:   g.sleep,
		journey: m,
		sched:   s,
		ctx:     ctx,
		results: make(chan Result, g.bufferSize),
		done:    make(chan struct{}),
	}
	if err := validate(s, m); err != nil {
		a.err = err
		close(a.done)
		close(a.results)
		return a
	}
	a.choose = newChooser(m)
	a.work = make(chan item, g.maxInFlight)
	go a.run()
	return a
}

func validate(s Schedule, m Mix) error {
	var errs []error
	if s == nil {
		errs = append(errs, errors.New("schedule is nil"))
	} else if v, ok := s.(interface{ Validate() []error }); ok {
		if e := v.Validate(); len(e) > 0 {
			errs = append(errs, fmt.Errorf("invalid schedule: %w", errors.Join(e...)))
		}
	}
	if err := m.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("invalid mix: %w", err))
	}
	return errors.Join(errs...)
}

// Results streams one Result per request and per dropped iteration, in no
// particular order. It is closed when the run has ended and every iteration
// has finished. The consumer must keep draining it: a stalled consumer
// stalls workers (seen as drops). Once ctx is cancelled the channel closes
// even if not drained, and results still pending may be discarded.
func (a *Attack) Results() <-chan Result { return a.results }

// Stats returns the run's accounting. It is complete once Results is
// closed; before that it is the zero Stats.
func (a *Attack) Stats() Stats {
	select {
	case <-a.done:
		return a.stats
	default:
		return Stats{}
	}
}

// Err returns why the run could not start, or nil.
func (a *Attack) Err() error { return a.err }

// since returns the time elapsed since the start of the run.
func (a *Attack) since() time.Duration { return time.Since(a.start) }

// emit sends r to the consumer, giving up once the run is cancelled.
func (a *Attack) emit(r Result) {
	select {
	case a.results <- r:
	case <-a.ctx.Done():
	}
}

// run is the scheduler: it owns the workers, and closes Results after they
// have all returned.
func (a *Attack) run() {
	cpu0 := cputime.Process()
	a.start = time.Now()
	scheduled, dropped, maxWorkers := a.dispatch()
	close(a.work)
	a.wg.Wait()
	a.stats.Elapsed = a.since()
	if cpu0 >= 0 {
		a.stats.CPU = cputime.Process() - cpu0
	}
	a.stats.Scheduled, a.stats.Dropped, a.stats.MaxWorkers = scheduled, dropped, maxWorkers
	a.stats.Start = a.start
	close(a.done)
	close(a.results)
}

// dispatch hands every iteration to a worker when it is due, or drops it,
// until the schedule ends or the run is cancelled. Woken by its timer, it
// dispatches all iterations due by then at once, each carrying its own due
// time, then sleeps until the next is due: timers cannot wake it every few
// microseconds, and latency is measured from the due time anyway.
func (a *Attack) dispatch() (scheduled, dropped uint64, workers int) {
	rnd := rand.New(rand.NewPCG(a.seed, 0x6c6f616467656e)) // "loadgen"
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// The precise sleep blocks this goroutine's OS thread in the kernel, so
	// keep the goroutine on one thread for the run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	done := a.ctx.Done()
	var n uint64
	due, ok := a.sched.At(0)
	for ok {
		now := a.since()
		if due > now {
			if a.sleepUntil(due, timer, done) {
				return scheduled, dropped, workers
			}
			now = a.since()
		} else {
			select {
			case <-done:
				return scheduled, dropped, workers
			default:
			}
		}
		for ok && due <= now {
			j := a.choose.pick(rnd)
			scheduled++
			if a.inFlight.Load() >= a.maxIn {
				dropped++
				a.emit(Result{Journey: a.journey[j].Name, Scheduled: due, Dropped: true})
			} else {
				// A worker per iteration in flight: the idle ones are waiting
				// or about to, so the send neither blocks nor waits long.
				if int(a.inFlight.Add(1)) > workers {
					workers++
					a.wg.Add(1)
					go a.worker()
				}
				a.work <- item{n: n, due: due, journey: j}
			}
			n++
			due, ok = a.sched.At(n)
		}
	}
	return scheduled, dropped, workers
}

// coarseSlack is how long before a due time the scheduler stops relying on a
// Go timer. Go's timers ride the netpoller, whose waits have millisecond
// resolution: on this project's 2-core VM a 50 µs timer fired 1.08 ms late
// and a 3 ms one 0.2 ms late (p50), while a nanosleep woke 70-130 µs late.
// Every microsecond the scheduler oversleeps is charged to the system under
// test, since latency counts from the due time.
const coarseSlack = 2 * time.Millisecond

// sleepUntil waits until the run's clock reaches due: on a Go timer, which
// cancellation can interrupt, until coarseSlack before it, then on the
// generator's precise sleep. It reports whether the run was cancelled.
func (a *Attack) sleepUntil(due time.Duration, timer *time.Timer, done <-chan struct{}) (cancelled bool) {
	if d := due - a.since() - coarseSlack; d > 0 {
		timer.Reset(d)
		select {
		case <-done:
			return true
		case <-timer.C:
		}
	}
	if d := due - a.since(); d > 0 {
		a.sleep(d)
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// worker runs iterations one at a time. Its counters are its own and are
// added to the run's Stats when it returns.
type worker struct {
	a        *Attack
	pcg      *rand.PCG
	rnd      *rand.Rand
	sess     Session
	started  uint64
	late     uint64
	maxLate  time.Duration
	requests uint64
}

func (a *Attack) worker() {
	defer a.wg.Done()
	w := &worker{a: a, pcg: rand.NewPCG(0, 0)}
	w.rnd = rand.New(w.pcg)
	w.sess.w = w
	for it := range a.work {
		if a.ctx.Err() == nil {
			w.iterate(it)
		}
		a.inFlight.Add(-1)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats.Started += w.started
	a.stats.Late += w.late
	a.stats.MaxLateness = max(a.stats.MaxLateness, w.maxLate)
	a.stats.Requests += w.requests
}

// iterate runs one iteration.
func (w *worker) iterate(it item) {
	a := w.a
	lateness := a.since() - it.due
	w.started++
	if lateness > a.late {
		w.late++
	}
	w.maxLate = max(w.maxLate, lateness)

	w.pcg.Seed(w.a.seed, splitmix64(it.n))
	j := &a.journey[it.journey]
	s := &w.sess
	*s = Session{w: w, ctx: a.ctx, journey: j.Name, scheduled: it.due}
	s.finish(runJourney(a.ctx, j, s))
}

// runJourney calls j.Run, turning a panic into an error.
func runJourney(ctx context.Context, j *Journey, s *Session) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("journey %s panicked: %v", j.Name, p)
		}
	}()
	return j.Run(ctx, s)
}

// splitmix64 scrambles x, so consecutive iteration indexes seed unrelated
// random streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
