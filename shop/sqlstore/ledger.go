package sqlstore

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// WriterLedger sums the writer counts of processes that come and go, each
// serving its own at WriterPath (a function platform's instances, which
// all write one shared database file), into one WriterReport whose counts
// only grow, as one long-lived process's would: the live processes'
// counts, fetched when the report is asked for, plus the last counts of
// the processes gone. It serves that report as WriterHandler does, with
// Opened fixed at the ledger's creation, so a bench samples it like any
// component's.
//
// A process's counts are read whenever a report is made and as it leaves:
// the writes a process made after its last read are lost if it exits
// before it can be asked (a crash), and a warning says so.
type WriterLedger struct {
	client *http.Client
	log    *slog.Logger
	opened time.Time

	// mu serialises reads of the processes' counts with their joining
	// and leaving, so that each process's counts are in a report exactly
	// once: live, or gone.
	mu   sync.Mutex
	live map[string][]WriterStats // by base URL: the last counts read
	gone []WriterStats            // by database, summed
}

// LedgerOption configures a WriterLedger.
type LedgerOption func(*WriterLedger)

// WithLedgerLogger sets where warnings about lost counts go (default:
// discarded).
func WithLedgerLogger(l *slog.Logger) LedgerOption {
	return func(w *WriterLedger) { w.log = l }
}

// NewWriterLedger returns an empty ledger.
func NewWriterLedger(opts ...LedgerOption) *WriterLedger {
	w := &WriterLedger{client: &http.Client{}, log: slog.New(slog.DiscardHandler), opened: time.Now(),
		live: map[string][]WriterStats{}}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Join adds the process serving at baseURL. It has written nothing yet
// (it joins before it serves any work), so its counts are not read until
// a report is made or it leaves.
func (w *WriterLedger) Join(baseURL string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.live[baseURL]; !ok {
		w.live[baseURL] = nil
	}
}

// Leave reads the final counts of the process serving at baseURL, which
// must still serve, and moves them to the processes gone. If it cannot be
// read, the counts last read are kept and a warning logged.
func (w *WriterLedger) Leave(ctx context.Context, baseURL string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.live[baseURL]
	if !ok {
		return
	}
	delete(w.live, baseURL)
	if rep, err := w.fetch(ctx, baseURL); err != nil {
		w.log.Warn("writer counts lost: a process left without answering", "url", baseURL, "err", err)
	} else {
		last = rep.Writers
	}
	w.gone = sumWriters(w.opened, w.gone, last)
}

// Report reads every live process's counts, concurrently, and returns
// them summed with those of the processes gone, one WriterStats per
// database. A live process that does not answer counts with what it
// said last, and a warning is logged.
func (w *WriterLedger) Report(ctx context.Context) WriterReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	urls := slices.Sorted(maps.Keys(w.live))
	reps := make([]WriterReport, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() { reps[i], errs[i] = w.fetch(ctx, u) })
	}
	wg.Wait()
	sum := slices.Clone(w.gone)
	for i, u := range urls {
		if errs[i] != nil {
			w.log.Warn("writer counts: a process did not answer; counting what it said last", "url", u, "err", errs[i])
		} else {
			w.live[u] = reps[i].Writers
		}
		sum = sumWriters(w.opened, sum, w.live[u])
	}
	return WriterReport{Writers: sum}
}

// ServeHTTP serves Report as WriterHandler serves a process's counts.
func (w *WriterLedger) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rep := w.Report(r.Context())
	if rep.Writers == nil {
		rep.Writers = []WriterStats{}
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(rep)
}

// ledgerReadTimeout bounds each read of a process's counts: a process on
// the same machine answers in a millisecond unless it is stuck.
const ledgerReadTimeout = 2 * time.Second

func (w *WriterLedger) fetch(ctx context.Context, baseURL string) (WriterReport, error) {
	ctx, cancel := context.WithTimeout(ctx, ledgerReadTimeout)
	defer cancel()
	return FetchWriters(ctx, w.client, baseURL)
}

// sumWriters returns sum with add's counts added, database by database
// and operation by operation, in order of database; every entry's Opened
// is opened. sum is not modified.
func sumWriters(opened time.Time, sum, add []WriterStats) []WriterStats {
	out := make([]WriterStats, 0, len(sum)+len(add))
	for _, s := range sum {
		s.Operations = slices.Clone(s.Operations)
		out = append(out, s)
	}
	for _, a := range add {
		i := slices.IndexFunc(out, func(s WriterStats) bool { return s.Database == a.Database })
		if i < 0 {
			out = append(out, WriterStats{Database: a.Database})
			i = len(out) - 1
		}
		s := &out[i]
		s.Writes += a.Writes
		s.Held += a.Held
		s.Waited += a.Waited
		for _, o := range a.Operations {
			j := slices.IndexFunc(s.Operations, func(x OperationWrites) bool { return x.Operation == o.Operation })
			if j < 0 {
				s.Operations = append(s.Operations, OperationWrites{Operation: o.Operation})
				j = len(s.Operations) - 1
			}
			s.Operations[j].Writes += o.Writes
			s.Operations[j].Held += o.Held
			s.Operations[j].Waited += o.Waited
		}
		slices.SortFunc(s.Operations, func(x, y OperationWrites) int { return strings.Compare(x.Operation, y.Operation) })
	}
	for i := range out {
		out[i].Opened = opened
	}
	slices.SortFunc(out, func(x, y WriterStats) int { return strings.Compare(x.Database, y.Database) })
	return out
}
