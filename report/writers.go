package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// restartedMark marks the rows of a writer whose replica started again
// while the scenario ran (results.WriterUsage.Restarted), and a ramp
// step's busiest writer whose replica started again during the step.
const restartedMark = " [restarted]"

// hasWriters reports whether v's components reported their SQLite
// writers.
func hasWriters(v results.VariantResult) bool { return len(v.Writers) > 0 }

// writersHeading titles the SQLite writers section by the results that
// have writers: "(measured)", as replicas count them.
func writersHeading(vs []results.VariantResult) string {
	return "SQLite writers " + labelled(resultsWith(vs, hasWriters))
}

// writersIntro explains the SQLite writers table: what its columns mean,
// why a busy writer matters, and, when some replica restarted, what its
// rows' figures cover.
func writersIntro(vs []results.VariantResult) string {
	s := "Counted by each replica itself (a function platform sums its instances' counts, read as each one leaves), per database file, when the scenario's warm-up ended and right after its load " +
		"(in runs that did not count writes per operation, the table below, from before the warm-up), as the load tables above, unlike the resources. " +
		"SQLite lets one connection write to a database at a time, so every write (a transaction, or a single statement) " +
		"queues for its database's one writer: a busy writer is a shared resource that the CPU figures above do not show. " +
		"Writes/s divides the writes between the two counts by the wall time between them; " +
		"busy % is the share of that time some write held the writer. " +
		"Held ms/write is the mean time a write held it, from taking the file's write lock to giving the writer back, commit included, " +
		"and counts the time its goroutine waited for a CPU with the writer held; " +
		"waited ms/write is the mean time a write queued for it, and then for the file's write lock where other processes write the same file " +
		"(replicas sharing one, function instances): time that adds to the latencies above " +
		"while no CPU is busy with it (results from before 4432551 counted the wait for the lock as held). " +
		"Databases that no write reached are left out."
	if slices.ContainsFunc(vs, func(v results.VariantResult) bool { return len(results.RestartedWriters(v.Writers)) > 0 }) {
		s += " Rows marked" + restartedMark + " are of a replica that started again during the run (a fault or a deploy), " +
			"so its counts began again: its figures are from its restart to the second count."
	}
	return s
}

// writersTable lists, per result, what the SQLite writer of each database
// of each replica did, in the order the result holds them, leaving out
// databases without writes. The replica column is left out when no
// component has more than one.
func writersTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "component", "replica", "database", "writes/s", "busy %", "held ms/write", "waited ms/write"},
		right:  []bool{false, false, true, false, true, true, true, true},
	}
	replicas := false
	for i, v := range vs {
		for _, w := range v.Writers {
			if w.Writes <= 0 {
				continue
			}
			replicas = replicas || w.Replica > 0
			component := w.Component
			if w.Restarted {
				component += restartedMark
			}
			perSec, busy := none, none
			if w.Span > 0 {
				perSec, busy = rate(float64(w.Writes)/w.Span.Seconds()), percent(w.Busy())
			}
			t.rows = append(t.rows, []string{
				names[i], component, strconv.Itoa(w.Replica), w.Database, perSec, busy,
				ms(w.MeanHeldMs()), ms(w.MeanWaitedMs()),
			})
		}
	}
	if !replicas {
		t = t.without(2)
	}
	return t
}

// writerOpsIntro explains the writes-by-operation table.
const writerOpsIntro = "What each operation wrote, per database (all its replicas together): " +
	"each write counted under the public operation whose request it served, carried from the component that matched the route " +
	"to every service called on its behalf. Writes/request divides its writes by the operation's measured requests; " +
	"held ms/write is as above. Writes no request started (a broker event's consumer, an outbox) show as \"(no request)\", " +
	"with their writes/s instead. This is what the simulator's models hold each writer for (see a bench's SUMMARY.md)."

// noRequest names the writes no request started in the writes-by-operation
// table.
const noRequest = "(no request)"

// writerOpsTable lists, per result, what each operation wrote to each
// database, replicas summed: writes per request and the mean hold. Empty
// when no result counted its writes per operation.
func writerOpsTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "operation", "database", "writes/request", "held ms/write"},
		right:  []bool{false, false, false, true, true},
	}
	for i, v := range vs {
		type key struct{ op, db string }
		sums := map[key]*results.OperationWrites{}
		var keys []key
		var span float64 // the longest replica's, for the writes no request made
		for _, w := range v.Writers {
			span = max(span, w.Span.Seconds())
			for _, o := range w.Operations {
				k := key{o.Operation, w.Component + " " + w.Database}
				s := sums[k]
				if s == nil {
					s = &results.OperationWrites{Operation: o.Operation}
					sums[k] = s
					keys = append(keys, k)
				}
				s.Writes += o.Writes
				s.Held += o.Held
			}
		}
		slices.SortFunc(keys, func(a, b key) int { return cmp.Or(strings.Compare(a.op, b.op), strings.Compare(a.db, b.db)) })
		for _, k := range keys {
			s := sums[k]
			op, perReq := k.op, none
			if op == "" {
				op = noRequest
				if span > 0 {
					perReq = rate(float64(s.Writes)/span) + "/s"
				}
			} else if n := requestsOf(v, op); n > 0 {
				perReq = sig3(float64(s.Writes) / float64(n))
			}
			t.rows = append(t.rows, []string{names[i], op, k.db, perReq, ms(s.MeanHeldMs())})
		}
	}
	return t
}

// requestsOf returns the measured requests of operation op in v, 0 when
// it has none.
func requestsOf(v results.VariantResult, op string) int64 {
	for _, o := range v.Operations {
		if o.Name == op {
			return o.Count
		}
	}
	return 0
}
