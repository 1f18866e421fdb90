package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/archbench/archbench/loadgen"
)

// Histogram geometry. Latencies are recorded in nanoseconds, from 1 µs (the
// lowest discernible value) to 60 s; longer latencies are recorded as 60 s
// and noted. Whole-run histograms keep 3 significant digits (~150 KB each);
// the per-second ones keep 2 (~20 KB each), and only openSeconds of them
// exist at a time.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(60 * time.Second)
	histDigits  = 3
	secDigits   = 2
)

const (
	// openSeconds is how many recent seconds of the series keep a histogram.
	// A second is finalised, its p50 and p99 fixed, when a result arrives for
	// the second openSeconds later; results arrive roughly when they finish,
	// so only a request slower than about a minute misses its second's
	// percentiles (it still counts in the second's totals).
	openSeconds = 64
	// maxSeriesSeconds bounds the series, and so its memory, to a day of
	// schedule after the warmup.
	maxSeriesSeconds = 24 * 60 * 60
	// maxNames bounds the distinct operations and journeys kept; more are
	// aggregated under otherName. Operations are route patterns, so a real
	// run stays far below it.
	maxNames = 256
	// maxMessageBytes bounds the length of a kept error message.
	maxMessageBytes = 300
	// defaultMaxErrorMessages is how many distinct error messages a Recorder
	// keeps unless told otherwise.
	defaultMaxErrorMessages = 20
)

const (
	otherName   = "(other)"
	unnamedName = "(unnamed)"
	totalName   = "total"
)

// Recorder aggregates the Results of one variant's run into a VariantResult.
// Its memory is bounded whatever the run's length: histograms per operation
// and journey, a bounded set of error messages, and a few counters per
// second of schedule.
//
// A Recorder is not safe for concurrent use: one goroutine calls Add for
// every Result (for instance the one draining the generator's channel),
// then Summary.
type Recorder struct {
	warmup    time.Duration
	maxErrors int

	total    *stats
	ops      map[string]*stats
	windows  []Window
	winStats map[string]*stats
	winNames []string // in the order first given
	journeys map[string]*stats
	cold     *hdrhistogram.Histogram
	warm     *hdrhistogram.Histogram

	coldCount, coldWarmup int64
	warmupRequests        int64
	warmupDropped         int64

	errors      map[string]int64
	otherErrors int64

	base   int64          // first second of the series: the warmup's second
	series []secondCounts // indexed by second - base
	open   [openSeconds]openSecond

	maxScheduled   time.Duration
	clamped        int64 // latencies outside the histograms' range
	unranked       int64 // results whose second was already finalised
	beyondSeries   int64 // results after maxSeriesSeconds
	negativeSched  int64 // results scheduled before the run started
	namesOverflown bool
}

// stats aggregates one operation, one journey or the total.
type stats struct {
	hist                   *hdrhistogram.Histogram
	count, errors, dropped int64
	status                 map[int]int64
}

type secondCounts struct {
	requests, errors, dropped, cold int64
	p50Ms, p99Ms                    float64 // set when the second is finalised
}

type openSecond struct {
	sec  int64 // absolute second held, -1 when none
	hist *hdrhistogram.Histogram
}

// Option configures a Recorder.
type Option func(*Recorder)

// WithWarmup excludes results scheduled in the first d of the run from the
// statistics; they are only counted, as warmup requests.
func WithWarmup(d time.Duration) Option {
	return func(r *Recorder) { r.warmup = max(d, 0) }
}

// WithMaxErrorMessages sets how many distinct error messages are kept
// (default 20); later messages are counted together as OtherErrors.
func WithMaxErrorMessages(n int) Option {
	return func(r *Recorder) { r.maxErrors = max(n, 0) }
}

// Window is a named part of a run's schedule, [From, To) on the clock of
// the Results' Scheduled times, over which a Recorder keeps statistics of
// its own: a phase of a multi-phase scenario. Windows that share a name
// are summarised together.
type Window struct {
	Name     string
	From, To time.Duration
}

// WithWindows makes the Recorder summarise the requests scheduled in each
// window apart, in VariantResult.Windows; the warm-up's are left out.
func WithWindows(ws ...Window) Option {
	return func(r *Recorder) {
		for _, w := range ws {
			if w.To <= w.From {
				continue
			}
			r.windows = append(r.windows, w)
			if _, ok := r.winStats[w.Name]; !ok {
				r.winStats[w.Name] = newStats()
				r.winNames = append(r.winNames, w.Name)
			}
		}
	}
}

// NewRecorder returns a Recorder with no warmup, configured by opts.
func NewRecorder(opts ...Option) *Recorder {
	r := &Recorder{
		maxErrors: defaultMaxErrorMessages,
		total:     newStats(),
		ops:       map[string]*stats{},
		journeys:  map[string]*stats{},
		cold:      newHist(),
		warm:      newHist(),
		errors:    map[string]int64{},
		winStats:  map[string]*stats{},
	}
	for _, opt := range opts {
		opt(r)
	}
	r.base = int64(r.warmup / time.Second)
	for i := range r.open {
		r.open[i].sec = -1
	}
	return r
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histLowest, histHighest, histDigits) }

func newStats() *stats { return &stats{hist: newHist(), status: map[int]int64{}} }

// Add records one Result.
func (r *Recorder) Add(res loadgen.Result) {
	sched := res.Scheduled
	if sched < 0 {
		r.negativeSched++
		sched = 0
	}
	r.maxScheduled = max(r.maxScheduled, sched)
	if sched < r.warmup {
		switch {
		case res.Dropped:
			r.warmupDropped++
		default:
			r.warmupRequests++
			if res.Cold {
				r.coldWarmup++
			}
		}
		return
	}

	sec := int64(sched / time.Second)
	sc := r.second(sec)
	journey := r.named(r.journeys, res.Journey)
	var win *stats
	for _, w := range r.windows {
		if sched >= w.From && sched < w.To {
			win = r.winStats[w.Name]
			break
		}
	}
	if res.Dropped {
		r.total.dropped++
		if journey != nil {
			journey.dropped++
		}
		if win != nil {
			win.dropped++
		}
		if sc != nil {
			sc.dropped++
		}
		return
	}

	ns := r.clamp(res.Latency)
	failed := res.Failed()
	op := r.named(r.ops, cmp.Or(res.Op, unnamedName))
	for _, s := range [...]*stats{r.total, op, journey, win} {
		if s == nil {
			continue
		}
		s.count++
		s.status[res.Status]++
		if failed {
			s.errors++
		}
		_ = s.hist.RecordValue(ns) // cannot fail: ns is clamped into range
	}
	if failed {
		r.countError(res)
	}
	if res.Cold {
		r.coldCount++
		_ = r.cold.RecordValue(ns)
	} else {
		_ = r.warm.RecordValue(ns)
	}
	if sc == nil {
		return
	}
	sc.requests++
	if failed {
		sc.errors++
	}
	if res.Cold {
		sc.cold++
	}
	if h := r.openHist(sec); h != nil {
		_ = h.RecordValue(ns)
	}
}

// clamp returns d in nanoseconds within the histograms' range.
func (r *Recorder) clamp(d time.Duration) int64 {
	ns := int64(d)
	switch {
	case ns < 0:
		r.clamped++
		return 0
	case ns > histHighest:
		r.clamped++
		return histHighest
	}
	return ns
}

// named returns the stats for name in m, creating them while there are
// fewer than maxNames, or nil for an empty name.
func (r *Recorder) named(m map[string]*stats, name string) *stats {
	if name == "" {
		return nil
	}
	if s, ok := m[name]; ok {
		return s
	}
	if len(m) >= maxNames-1 {
		r.namesOverflown = true
		name = otherName
		if s, ok := m[name]; ok {
			return s
		}
	}
	s := newStats()
	m[name] = s
	return s
}

func (r *Recorder) countError(res loadgen.Result) {
	msg := errorMessage(res)
	if _, ok := r.errors[msg]; ok || len(r.errors) < r.maxErrors {
		r.errors[msg]++
		return
	}
	r.otherErrors++
}

// errorMessage names a failed request's failure.
func errorMessage(res loadgen.Result) string {
	switch {
	case res.Err != "":
		msg := res.Err
		if len(msg) > maxMessageBytes {
			msg = msg[:maxMessageBytes] + "…"
		}
		return msg
	case res.Status == 0:
		return "no response"
	default:
		return "HTTP " + strconv.Itoa(res.Status)
	}
}

// second returns the counters of absolute second sec, growing the series as
// needed, or nil beyond maxSeriesSeconds.
func (r *Recorder) second(sec int64) *secondCounts {
	i := sec - r.base
	if i >= maxSeriesSeconds {
		r.beyondSeries++
		return nil
	}
	if n := int(i) + 1; n > len(r.series) {
		r.series = append(r.series, make([]secondCounts, n-len(r.series))...)
	}
	return &r.series[i]
}

// openHist returns the histogram of second sec, finalising the older second
// that held its slot, or nil when sec itself was finalised already.
func (r *Recorder) openHist(sec int64) *hdrhistogram.Histogram {
	slot := &r.open[sec%openSeconds]
	switch {
	case slot.sec == sec:
		return slot.hist
	case slot.sec > sec:
		r.unranked++
		return nil
	}
	if slot.hist == nil {
		slot.hist = hdrhistogram.New(histLowest, histHighest, secDigits)
	} else {
		r.finalise(slot)
	}
	slot.sec = sec
	return slot.hist
}

// finalise fixes the percentiles of the second in slot and empties the slot.
func (r *Recorder) finalise(slot *openSecond) {
	if slot.sec < 0 {
		return
	}
	sc := &r.series[slot.sec-r.base]
	sc.p50Ms, sc.p99Ms = quantileMs(slot.hist, 50), quantileMs(slot.hist, 99)
	slot.hist.Reset()
	slot.sec = -1
}

// Info is what a Recorder cannot learn from Results: which variant ran, the
// load that was asked, and the generator's account of the run. Summary
// copies it into the VariantResult.
type Info struct {
	// Variant, Runtime, Label and Repetition identify the result; Label
	// defaults to LabelMeasured.
	Variant    string
	Runtime    string
	Label      string
	Repetition int
	// Requested is the load asked for; a zero Warmup is taken from WithWarmup.
	Requested Load
	// WarmupRequests counts the requests of a warm-up run apart from the
	// Recorder, as its own load before the measured one; Summary adds them
	// to those the Recorder set aside (WithWarmup) in
	// Throughput.WarmupRequests, so that usage measured over both can be
	// shared over every request that caused it.
	WarmupRequests int64
	// Stats is the generator's account of the whole run, warmup included.
	// Its Elapsed less the warmup is the measured window the rates are over;
	// when Elapsed is zero, Requested.Duration stands in for it, and when that
	// is zero too, the span of the schedule observed. Its Start becomes the
	// VariantResult's StartedAt.
	Stats loadgen.Stats
}

// Summary returns the statistics recorded so far, completed with info. It
// does not change the Recorder: more Results may be added and Summary called
// again.
func (r *Recorder) Summary(info Info) VariantResult {
	if info.Requested.Warmup == 0 {
		info.Requested.Warmup = Duration(r.warmup)
	}
	v := VariantResult{
		Variant:    info.Variant,
		Runtime:    info.Runtime,
		Label:      cmp.Or(info.Label, LabelMeasured),
		Repetition: info.Repetition,
		Requested:  info.Requested,
	}

	window, note := r.window(info)
	if note != "" {
		v.Notes = append(v.Notes, note)
	}
	secs := window.Seconds()
	perSec := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}

	st := info.Stats
	v.Achieved = Throughput{
		Scheduled:      clampInt(st.Scheduled),
		Iterations:     clampInt(st.Started),
		Late:           clampInt(st.Late),
		MaxLatenessMs:  ms(float64(st.MaxLateness)),
		Elapsed:        Duration(st.Elapsed),
		Requests:       r.total.count,
		Dropped:        r.total.dropped,
		RequestsPerSec: perSec(r.total.count),
		Duration:       Duration(window),
		WarmupRequests: r.warmupRequests + max(info.WarmupRequests, 0),
	}
	if st.Elapsed > 0 {
		v.Achieved.IterationsPerSec = float64(st.Started) / st.Elapsed.Seconds()
	}
	v.StartedAt = st.Start.Round(0) // the wall clock only: it is a record
	v.Generator.CPU = Duration(st.CPU)
	sent := cmp.Or(clampInt(st.Requests), r.total.count+r.warmupRequests)
	if sent > 0 {
		v.Generator.CPUMicrosPerRequest = float64(st.CPU) / float64(time.Microsecond) / float64(sent)
	}

	v.Total = r.total.summary(totalName, perSec)
	v.LatencyCDF = cdf(r.total.hist)
	v.Operations = summaries(r.ops, perSec)
	v.Journeys = summaries(r.journeys, perSec)
	v.Windows = r.windowSummary()
	if r.coldCount > 0 || r.coldWarmup > 0 {
		v.ColdStarts = &ColdStarts{
			Count:         r.coldCount,
			WarmupCount:   r.coldWarmup,
			Share:         ratio(r.coldCount, r.total.count),
			ColdLatencyMs: percentiles(r.cold),
			WarmLatencyMs: percentiles(r.warm),
		}
	}
	v.Series = r.seriesSummary()
	v.Errors = r.errorSummary()
	v.Notes = append(v.Notes, r.notes()...)
	return v
}

// windowSummary summarises the named windows, in the order first given,
// each one's throughput over its length.
func (r *Recorder) windowSummary() []OpStats {
	var out []OpStats
	for _, name := range r.winNames {
		var length time.Duration
		for _, w := range r.windows {
			if w.Name == name {
				// The warm-up's part is not recorded, so it does not count.
				length += max(w.To-max(w.From, r.warmup), 0)
			}
		}
		secs := length.Seconds()
		out = append(out, r.winStats[name].summary(name, func(n int64) float64 {
			if secs <= 0 {
				return 0
			}
			return float64(n) / secs
		}))
	}
	return out
}

// window returns the measured window the rates are over, and a note when
// it had to be inferred from the schedule.
func (r *Recorder) window(info Info) (time.Duration, string) {
	elapsed := cmp.Or(info.Stats.Elapsed, info.Requested.Duration.Std())
	if w := elapsed - r.warmup; w > 0 {
		return w, ""
	}
	observed := time.Duration(r.base+int64(len(r.series)))*time.Second - r.warmup
	if observed <= 0 {
		return 0, ""
	}
	return observed, fmt.Sprintf("rates are over the %s of schedule observed: neither the elapsed time nor the requested duration was given", observed)
}

func (r *Recorder) seriesSummary() []Second {
	if len(r.series) == 0 {
		return nil
	}
	out := make([]Second, len(r.series))
	for i, sc := range r.series {
		sec := r.base + int64(i)
		out[i] = Second{
			T: sec, Requests: sc.requests, Errors: sc.errors, Dropped: sc.dropped,
			ColdStarts: sc.cold, P50Ms: sc.p50Ms, P99Ms: sc.p99Ms,
		}
		if slot := r.open[sec%openSeconds]; slot.sec == sec {
			out[i].P50Ms, out[i].P99Ms = quantileMs(slot.hist, 50), quantileMs(slot.hist, 99)
		}
	}
	return out
}

func (r *Recorder) errorSummary() []ErrorCount {
	if len(r.errors) == 0 && r.otherErrors == 0 {
		return nil
	}
	out := make([]ErrorCount, 0, len(r.errors)+1)
	for msg, n := range r.errors {
		out = append(out, ErrorCount{Message: msg, Count: n})
	}
	slices.SortFunc(out, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Message, b.Message))
	})
	if r.otherErrors > 0 {
		out = append(out, ErrorCount{Message: OtherErrors, Count: r.otherErrors})
	}
	return out
}

func (r *Recorder) notes() []string {
	var notes []string
	add := func(n int64, format string) {
		if n > 0 {
			notes = append(notes, fmt.Sprintf(format, n))
		}
	}
	add(r.warmupDropped, "%d iterations dropped during the warmup are not counted")
	add(r.negativeSched, "%d results scheduled before the run started were counted in its first second")
	add(r.clamped, "%d latencies outside 0–60 s were recorded at the nearest bound")
	add(r.unranked, "%d results arrived after their second's percentiles were fixed: the series counts them but its p50/p99 miss them")
	add(r.beyondSeries, "%d results scheduled more than a day after the warmup are missing from the series")
	if r.namesOverflown {
		notes = append(notes, fmt.Sprintf("more than %d distinct operations or journeys: the rest are aggregated as %q", maxNames-1, otherName))
	}
	return notes
}

func (s *stats) summary(name string, perSec func(int64) float64) OpStats {
	o := OpStats{
		Name:             name,
		Count:            s.count,
		Errors:           s.errors,
		ErrorRate:        ratio(s.errors, s.count),
		Dropped:          s.dropped,
		ThroughputPerSec: perSec(s.count),
		LatencyMs:        percentiles(s.hist),
	}
	if len(s.status) > 0 {
		o.Status = make(map[string]int64, len(s.status))
		for code, n := range s.status {
			o.Status[strconv.Itoa(code)] = n
		}
	}
	return o
}

func summaries(m map[string]*stats, perSec func(int64) float64) []OpStats {
	if len(m) == 0 {
		return nil
	}
	out := make([]OpStats, 0, len(m))
	for name, s := range m {
		out = append(out, s.summary(name, perSec))
	}
	slices.SortFunc(out, func(a, b OpStats) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Min:  ms(float64(h.Min())),
		Mean: ms(math.Round(h.Mean())),
		P50:  quantileMs(h, 50),
		P90:  quantileMs(h, 90),
		P99:  quantileMs(h, 99),
		P999: quantileMs(h, 99.9),
		Max:  ms(float64(h.Max())),
	}
}

// cdfQuantiles are the points LatencyCDF holds: every percent, then the
// tail in finer steps, where the architectures differ most.
var cdfQuantiles = func() []float64 {
	var qs []float64
	for p := 1; p <= 99; p++ {
		qs = append(qs, float64(p))
	}
	return append(qs, 99.5, 99.9, 99.95, 99.99, 100)
}()

// cdf returns h as quantiles, or nil when it is empty.
func cdf(h *hdrhistogram.Histogram) []Quantile {
	if h.TotalCount() == 0 {
		return nil
	}
	out := make([]Quantile, 0, len(cdfQuantiles))
	for _, q := range cdfQuantiles {
		out = append(out, Quantile{Q: q / 100, Ms: quantileMs(h, q)})
	}
	return out
}

// quantileMs returns the q-th percentile (0–100) of h in milliseconds, or 0
// when h is empty.
func quantileMs(h *hdrhistogram.Histogram, q float64) float64 {
	if h.TotalCount() == 0 {
		return 0
	}
	return ms(float64(h.ValueAtQuantile(q)))
}

// ms converts nanoseconds to milliseconds.
func ms(ns float64) float64 { return ns / 1e6 }

// clampInt converts a generator count to the schema's int64.
func clampInt(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
