package faas

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stats is the platform's account of itself: per function, what it did and
// what it would be billed; and how many instances ran, second by second.
// The platform serves it at StatsPath.
type Stats struct {
	// AccountConcurrency and KeepAliveSec are the platform's settings (see
	// Config), so that an account says what limited it.
	AccountConcurrency int     `json:"account_concurrency"`
	KeepAliveSec       float64 `json:"keep_alive_sec"`
	// Functions in the order they were configured.
	Functions []FunctionStats `json:"functions"`
	// Seconds holds, for each wall-clock second the platform was up (the
	// most recent hour), the instances that existed and were busy, at most.
	Seconds []InstanceSecond `json:"seconds"`
}

// FunctionStats is one function's account.
type FunctionStats struct {
	Name     string `json:"name"`
	MemoryMB int    `json:"memory_mb"`
	// Routes are the front door's route patterns that invoke the function
	// ("GET /products/{id}"), as configured; none for a function that only
	// events or a schedule invoke.
	Routes []string `json:"routes,omitempty"`
	// ReservedConcurrency is the function's own limit, as configured; 0
	// for none (the account's applies).
	ReservedConcurrency int `json:"reserved_concurrency,omitempty"`
	// Invocations counts invocations that reached an instance (throttled
	// ones did not), synchronous and asynchronous.
	Invocations int64 `json:"invocations"`
	// Errors counts invocations that failed on the platform's side: the
	// instance crashed, timed out, or answered 5xx.
	Errors int64 `json:"errors"`
	// Throttles counts invocations refused for a concurrency limit (429).
	Throttles int64 `json:"throttles"`
	// ColdStarts counts invocations that had to start an instance first.
	ColdStarts int64 `json:"cold_starts"`
	// InitMs summarises cold starts: from launching an instance to its
	// readiness (a new process or container, the runtime's start, the
	// function's initialisation).
	InitMs InitPercentiles `json:"init_ms"`
	// DeadLetters counts events dropped after their last failed attempt.
	DeadLetters int64 `json:"dead_letters"`
	// BilledMs is the billed duration: each invocation's duration, its
	// instance's initialisation included on a cold start, rounded up to the
	// millisecond (Lambda's rule since 2020; it bills the init phase since
	// August 2025).
	BilledMs int64 `json:"billed_ms"`
	// GBSeconds is BilledMs × MemoryMB, in GB-seconds.
	GBSeconds float64 `json:"gb_seconds"`
	// Provisioned is how many provisioned instances the function is
	// configured with (provisioned concurrency), which the cloud bills by
	// the GB-second configured, busy or not; absent for none.
	Provisioned int `json:"provisioned,omitempty"`
	// ProvisionedGBSeconds is the part of GBSeconds billed for invocations
	// that a provisioned instance served, which the cloud bills at a lower
	// duration price; the rest ran on instances started on demand.
	ProvisionedGBSeconds float64 `json:"provisioned_gb_seconds,omitempty"`
	// Instances is how many instances exist now; PeakInstances the most at
	// once since the platform started.
	Instances     int `json:"instances"`
	PeakInstances int `json:"peak_instances"`
}

// InitPercentiles summarises cold-start durations in milliseconds.
type InitPercentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// InstanceSecond is one wall-clock second of the platform's instance count.
type InstanceSecond struct {
	// Unix is the second, in seconds since the Unix epoch.
	Unix int64 `json:"unix"`
	// Instances is the most instances that existed during the second, over
	// all functions; Busy the most that were serving at once.
	Instances int `json:"instances"`
	Busy      int `json:"busy"`
}

// GBSeconds is the billed compute of one invocation: its billed duration in
// seconds times its memory in GB (1 GB = 1024 MB, as Lambda counts).
func GBSeconds(billedMs int64, memoryMB int) float64 {
	return float64(billedMs) / 1000 * float64(memoryMB) / 1024
}

// BilledMs rounds a duration up to whole milliseconds, as Lambda bills.
func BilledMs(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(float64(d) / float64(time.Millisecond)))
}

// meter keeps the per-function account. Its methods are safe for
// concurrent use.
type meter struct {
	mu      sync.Mutex
	account int     // Config.AccountConcurrency
	keep    float64 // Config.KeepAlive, seconds
	order   []string
	fns     map[string]*fnMeter
	seconds []InstanceSecond // ring of the last maxSeconds, oldest first
}

type fnMeter struct {
	stats FunctionStats
	init  *hdrhistogram.Histogram // microseconds
}

// maxSeconds bounds the instance time series kept in memory.
const maxSeconds = 3600

// newMeter returns a meter for cfg's functions.
func newMeter(cfg Config) *meter {
	m := &meter{account: cfg.AccountConcurrency, keep: cfg.KeepAlive.Seconds(), fns: make(map[string]*fnMeter, len(cfg.Functions))}
	for _, f := range cfg.Functions {
		m.order = append(m.order, f.Name)
		m.fns[f.Name] = &fnMeter{
			stats: FunctionStats{Name: f.Name, MemoryMB: f.MemoryMB, ReservedConcurrency: f.ReservedConcurrency, Provisioned: f.Provisioned},
			init:  hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3),
		}
	}
	for _, r := range cfg.Routes {
		if f, ok := m.fns[r.Function]; ok {
			f.stats.Routes = append(f.stats.Routes, r.Pattern)
		}
	}
	return m
}

// invocation is what the meter learns of one invocation that reached an
// instance.
type invocation struct {
	// took is how long the invocation ran; init how long its instance took
	// to start, if it was started for it (cold), 0 if warm.
	took, init time.Duration
	cold       bool
	// provisioned marks an invocation served by one of the function's
	// provisioned instances.
	provisioned bool
	// failed marks an invocation that failed on the platform's side.
	failed bool
}

// invoked records one invocation of fn that reached an instance.
func (m *meter) invoked(fn string, inv invocation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.fns[fn]
	s := &f.stats
	s.Invocations++
	billed := BilledMs(inv.took + inv.init)
	gbs := GBSeconds(billed, s.MemoryMB)
	s.BilledMs += billed
	s.GBSeconds += gbs
	if inv.provisioned {
		s.ProvisionedGBSeconds += gbs
	}
	if inv.cold {
		s.ColdStarts++
		_ = f.init.RecordValue(max(int64(inv.init/time.Microsecond), 1))
	}
	if inv.failed {
		s.Errors++
	}
}

func (m *meter) throttled(fn string) {
	m.mu.Lock()
	m.fns[fn].stats.Throttles++
	m.mu.Unlock()
}

func (m *meter) deadLettered(fn string) {
	m.mu.Lock()
	m.fns[fn].stats.DeadLetters++
	m.mu.Unlock()
}

// instances records fn's instance count now, and the platform's totals.
func (m *meter) instances(fn string, n, total, busy int, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &m.fns[fn].stats
	s.Instances = n
	s.PeakInstances = max(s.PeakInstances, n)
	m.sample(total, busy, now)
}

// sample folds the platform's instance counts into the current second.
// m.mu is held.
func (m *meter) sample(total, busy int, now time.Time) {
	sec := now.Unix()
	if n := len(m.seconds); n > 0 && m.seconds[n-1].Unix == sec {
		last := &m.seconds[n-1]
		last.Instances = max(last.Instances, total)
		last.Busy = max(last.Busy, busy)
		return
	}
	if len(m.seconds) == maxSeconds {
		m.seconds = slices.Delete(m.seconds, 0, 1)
	}
	m.seconds = append(m.seconds, InstanceSecond{Unix: sec, Instances: total, Busy: busy})
}

// tick folds the platform's instance counts into the current second without
// a per-function change: quiet seconds appear too, and so does every peak
// of busy instances.
func (m *meter) tick(total, busy int, now time.Time) {
	m.mu.Lock()
	m.sample(total, busy, now)
	m.mu.Unlock()
}

func (m *meter) snapshot() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := Stats{AccountConcurrency: m.account, KeepAliveSec: m.keep, Seconds: slices.Clone(m.seconds)}
	for _, name := range m.order {
		f := m.fns[name]
		s := f.stats
		s.Routes = slices.Clone(s.Routes)
		if f.init.TotalCount() > 0 {
			s.InitMs = InitPercentiles{
				P50: float64(f.init.ValueAtQuantile(50)) / 1000,
				P99: float64(f.init.ValueAtQuantile(99)) / 1000,
				Max: float64(f.init.Max()) / 1000,
			}
		}
		out.Functions = append(out.Functions, s)
	}
	return out
}
