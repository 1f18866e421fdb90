package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/sqlstore"
)

// writerTimeout bounds sampling one replica's writers, so that a replica
// that does not answer cannot hold up the bench.
const writerTimeout = 5 * time.Second

// writerLineMax is how many databases the progress line lists one by one;
// beyond it, it names the busiest.
const writerLineMax = 3

// errNoURL is a component the deployment has no URL for.
var errNoURL = errors.New("the deployment has no URL for it")

// replicaWriters is what one replica said of its SQLite writers at one
// instant (when its answer arrived), or why it said nothing. Replica -1
// stands for a component without replicas to ask.
type replicaWriters struct {
	key   replicaKey
	at    time.Time
	stats []sqlstore.WriterStats
	err   error
}

// writerSampler samples the SQLite writers of a deployment's components
// right before a scenario and right after it. Sampling never fails a run:
// a replica that does not answer is left out, with a note.
type writerSampler struct {
	dep        runtime.Deployment
	components []string
	before     []replicaWriters
}

// startWriters samples the writers of every replica of components (see
// variants.Variant.Writers) in dep. It returns nil without components;
// stop on nil is a no-op.
func startWriters(ctx context.Context, dep runtime.Deployment, components []string) *writerSampler {
	if len(components) == 0 {
		return nil
	}
	return &writerSampler{dep: dep, components: components, before: sampleWriters(ctx, dep, components)}
}

// stop samples the writers again and returns what each replica's
// databases did since startWriters (see writerUsage), and a note for each
// replica left out.
func (s *writerSampler) stop(ctx context.Context) (usage []results.WriterUsage, notes []string) {
	if s == nil {
		return nil, nil
	}
	return writerUsage(s.before, sampleWriters(ctx, s.dep, s.components))
}

// rebase samples the writers again as the start of what stop measures:
// a scenario calls it (through prepare) once its warm-up is over, so that
// the figures cover the load it measures. No-op on nil.
func (s *writerSampler) rebase(ctx context.Context) {
	if s == nil {
		return
	}
	s.before = sampleWriters(ctx, s.dep, s.components)
}

// sample samples the writers again, as startWriters did, and returns the
// answers, for writerUsage to set against another sample; nil on nil.
func (s *writerSampler) sample(ctx context.Context) []replicaWriters {
	if s == nil {
		return nil
	}
	return sampleWriters(ctx, s.dep, s.components)
}

// sampleWriters asks every replica of components in dep for its
// WriterReport, all at once so that the replicas' samples are close in
// time, and returns the answers in the order of components and replicas.
// The component's replicas are looked up anew, as a redeployed replica may
// serve at another URL.
func sampleWriters(ctx context.Context, dep runtime.Deployment, components []string) []replicaWriters {
	client := &http.Client{Timeout: writerTimeout}
	defer client.CloseIdleConnections()
	var out []replicaWriters
	var urls []string
	for _, c := range components {
		us := dep.URLs(c)
		if len(us) == 0 {
			out = append(out, replicaWriters{key: replicaKey{c, -1}, at: time.Now(), err: errNoURL})
			urls = append(urls, "")
			continue
		}
		for i, u := range us {
			out = append(out, replicaWriters{key: replicaKey{c, i}})
			urls = append(urls, u)
		}
	}
	var wg sync.WaitGroup
	for i := range out {
		if out[i].err != nil {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, writerTimeout)
			defer cancel()
			rep, err := sqlstore.FetchWriters(ctx, client, urls[i])
			out[i].at, out[i].stats, out[i].err = time.Now(), rep.Writers, err
		})
	}
	wg.Wait()
	return out
}

// writerUsage returns what each replica's databases did from before to
// after: one WriterUsage per replica and database of the after sample,
// in its order. A database opened at the same instant in both samples
// (sqlstore.WriterStats.Opened) was open throughout: its counts are the
// differences, over the time between the replica's two answers. One
// opened at another instant after, or not reported before, was opened
// since (a crash, a redeploy) and its counts began again: its figures
// are the after sample's as they are, marked Restarted, over the time
// from its opening to the replica's second answer (at most the time
// between its answers). A replica missing from a sample, or that failed
// to answer, is left out with a note naming it and why; so is a database
// reported before and not after.
func writerUsage(before, after []replicaWriters) (usage []results.WriterUsage, notes []string) {
	prev := make(map[replicaKey]replicaWriters, len(before))
	for _, b := range before {
		prev[b.key] = b
	}
	seen := make(map[replicaKey]bool, len(after))
	for _, a := range after {
		seen[a.key] = true
		b, ok := prev[a.key]
		name := replicaName(a.key, after)
		switch {
		case !ok:
			notes = append(notes, "the writers of "+name+" are not in the writer figures: it was not in the deployment before the scenario")
			continue
		case b.err != nil:
			notes = append(notes, "the writers of "+name+" are not in the writer figures: sampling them before the scenario failed: "+b.err.Error())
			continue
		case a.err != nil:
			notes = append(notes, "the writers of "+name+" are not in the writer figures: sampling them after the scenario failed: "+a.err.Error())
			continue
		}
		old := make(map[string]sqlstore.WriterStats, len(b.stats))
		for _, w := range b.stats {
			old[w.Database] = w
		}
		span := a.at.Sub(b.at)
		for _, w := range a.stats {
			u := results.WriterUsage{
				Component: a.key.component, Replica: a.key.replica, Database: w.Database, Span: results.Duration(span),
				Writes: w.Writes, Held: results.Duration(w.Held), Waited: results.Duration(w.Waited),
			}
			if o, had := old[w.Database]; had && o.Opened.Equal(w.Opened) {
				u.Writes -= o.Writes
				u.Held -= results.Duration(o.Held)
				u.Waited -= results.Duration(o.Waited)
				u.Operations = operationWrites(w.Operations, o.Operations)
			} else {
				u.Restarted = true
				u.Span = results.Duration(min(max(a.at.Sub(w.Opened), 0), span))
				u.Operations = operationWrites(w.Operations, nil)
			}
			usage = append(usage, u)
			delete(old, w.Database)
		}
		for _, w := range b.stats {
			if _, gone := old[w.Database]; gone {
				notes = append(notes, fmt.Sprintf("the writer of %s in %s is not in the writer figures: the replica did not report it after the scenario", w.Database, name))
			}
		}
	}
	for _, b := range before {
		if !seen[b.key] {
			notes = append(notes, "the writers of "+replicaName(b.key, before)+" are not in the writer figures: it was not in the deployment after the scenario")
		}
	}
	return usage, notes
}

// operationWrites returns what each operation wrote from before to after,
// two samples of one database opened once: the differences, in after's
// order (by name), leaving out operations that did not write.
func operationWrites(after, before []sqlstore.OperationWrites) []results.OperationWrites {
	var out []results.OperationWrites
	for _, a := range after {
		o := results.OperationWrites{Operation: a.Operation, Writes: a.Writes, Held: results.Duration(a.Held), Waited: results.Duration(a.Waited)}
		if i := slices.IndexFunc(before, func(b sqlstore.OperationWrites) bool { return b.Operation == a.Operation }); i >= 0 {
			o.Writes -= before[i].Writes
			o.Held -= results.Duration(before[i].Held)
			o.Waited -= results.Duration(before[i].Waited)
		}
		if o.Writes > 0 {
			out = append(out, o)
		}
	}
	return out
}

// replicaName names a replica of sample in notes: the component alone when
// it has one replica (or none to ask).
func replicaName(k replicaKey, sample []replicaWriters) string {
	if k.replica < 0 || !slices.ContainsFunc(sample, func(r replicaWriters) bool { return r.key.component == k.component && r.key.replica != k.replica }) {
		return k.component
	}
	return k.component + " replica " + strconv.Itoa(k.replica)
}

// writerLine sums up usage for the progress line: each database written
// when there are a few, else the busiest; "" without any. A replica is
// named "cart-1", as the runtimes name it, when its component has several.
func writerLine(usage []results.WriterUsage) string {
	usage = slices.DeleteFunc(slices.Clone(usage), func(u results.WriterUsage) bool { return u.Writes <= 0 })
	if len(usage) == 0 {
		return ""
	}
	several := map[string]bool{}
	for _, u := range usage {
		several[u.Component] = several[u.Component] || u.Replica > 0
	}
	show := usage
	suffix := ""
	if len(usage) > writerLineMax {
		busiest, _ := results.BusiestWriter(usage)
		show = []results.WriterUsage{busiest}
		suffix = fmt.Sprintf(" (the busiest of %d)", len(usage))
	}
	parts := make([]string, 0, len(show))
	for _, u := range show {
		name := u.Component
		if several[u.Component] {
			name += "-" + strconv.Itoa(u.Replica)
		}
		s := fmt.Sprintf("%s %s %.0f%% busy, %s ms held and %s ms waited per write", name, u.Database, 100*u.Busy(), fmtMillis(u.MeanHeldMs()), fmtMillis(u.MeanWaitedMs()))
		if u.Restarted {
			s += " (restarted)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ") + suffix
}

// fmtMillis formats a time in milliseconds to about two significant digits,
// without an exponent: 0.058, 0.58, 3.2, 41.
func fmtMillis(ms float64) string {
	switch {
	case ms < 0.1:
		return strconv.FormatFloat(ms, 'f', 3, 64)
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}
