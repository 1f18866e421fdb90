package report

import (
	"slices"
	"strconv"

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
	s := "Counted by each replica itself, per database file, right before the scenario and right after: " +
		"the warmup included, as in the resources, unlike the load tables above. " +
		"SQLite lets one connection write to a database at a time, so every write (a transaction, or a single statement) " +
		"queues for its database's one writer: a busy writer is a shared resource that the CPU figures above do not show. " +
		"Writes/s divides the writes between the two counts by the wall time between them; " +
		"busy % is the share of that time some write held the writer. " +
		"Held ms/write is the mean time a write held it, from getting it to giving it back, commit included, " +
		"and counts the time its goroutine waited for a CPU with the writer held; " +
		"waited ms/write is the mean time a write queued for it: time that adds to the latencies above " +
		"while no CPU is busy with it. Databases that no write reached are left out."
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
