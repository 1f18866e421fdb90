package calibrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// minWritesPerRequest is the fewest writes a request of an operation must
// make on a database, on average, for the model to hold its writer: below
// it the writes are a stray few (a retry, a sell-out) that would not
// change a prediction.
const minWritesPerRequest = 0.01

// writeMeasure is what one replica's database writer did for one
// operation in a measured result (results.WriterUsage.Operations).
type writeMeasure struct {
	// station is the model's station for the database's writer (see
	// writerStation); op the operation.
	station, op string
	writes      int64
	heldMs      float64
}

// writerStation names the model's station for the single writer of
// database in component: one station for all of the component's
// replicas, since SQLite lets one connection write a database file at a
// time, whoever opened it.
func writerStation(component, database string) string {
	return "writer " + component + " " + database
}

// writesOf reads what each writer did for each operation in ws, and
// counts the writes no request started (Operation "": an event's
// consumer, an outbox), which are in out too, with op "".
func writesOf(ws []results.WriterUsage) (out []writeMeasure, background int64) {
	for _, w := range ws {
		for _, o := range w.Operations {
			if o.Writes <= 0 {
				continue
			}
			if o.Operation == "" {
				background += o.Writes
			}
			out = append(out, writeMeasure{station: writerStation(w.Component, w.Database), op: o.Operation,
				writes: o.Writes, heldMs: o.Held.Seconds() * 1000})
		}
	}
	return out, background
}

// backgroundWrites returns the writes no request started to each of
// stations (the writers requests hold) as async holds of the writer that
// a request sets off, per request as measured over requests, each as long
// as such a write held it on average: load on the writer off any
// request's path, which requests then queue behind. Writers no request
// holds, and stations written less than minWritesPerRequest a request in
// the background, are left out.
func backgroundWrites(ws []writeMeasure, stations []string, requests int64) []asyncVisit {
	if requests <= 0 {
		return nil
	}
	var out []asyncVisit
	for _, st := range stations {
		var writes int64
		var heldMs float64
		for _, w := range ws {
			if w.op == "" && w.station == st {
				writes += w.writes
				heldMs += w.heldMs
			}
		}
		n := float64(writes) / float64(requests)
		if n < minWritesPerRequest || !(heldMs > 0) {
			continue
		}
		out = append(out, asyncVisit{station: st, prob: round4(n), service: sim.Deterministic(max(round4(heldMs/float64(writes)), minMs))})
	}
	return out
}

// WriterFit is how an operation's writes to one database became a hold
// of that database's writer station in the operation's route: the
// writer is taken, held through the part of the operation's CPU demand
// the writes took (and, beyond that demand, a delay), and released.
type WriterFit struct {
	// Station is the writer's station in the model.
	Station string `json:"station"`
	// WritesPerRequest is the operation's writes to the database per
	// request, and HeldMs the mean time a write held the writer, both
	// measured.
	WritesPerRequest float64 `json:"writes_per_request"`
	HeldMs           float64 `json:"held_ms"`
	// CPUMs is the part of the hold spent at the cpu station, taken from
	// the operation's demand on its path, and DelayMs the rest, at the
	// wait station: their sum is WritesPerRequest × HeldMs.
	CPUMs   float64 `json:"cpu_ms"`
	DelayMs float64 `json:"delay_ms,omitempty"`
}

// writerFits returns, for one operation with count measured requests and
// onPath ms of CPU demand on its path, a WriterFit per database it wrote,
// by station name, from the merged writes ws of every operation: each
// write's hold comes out of the demand on the path, in proportion, as
// long as the demand lasts, and the rest is a delay.
func writerFits(ws []writeMeasure, op string, count int64, onPath float64) []WriterFit {
	if count <= 0 {
		return nil
	}
	type sum struct {
		writes int64
		heldMs float64
	}
	byStation := map[string]*sum{}
	for _, w := range ws {
		if w.op != op {
			continue
		}
		s := byStation[w.station]
		if s == nil {
			s = &sum{}
			byStation[w.station] = s
		}
		s.writes += w.writes
		s.heldMs += w.heldMs
	}
	var fits []WriterFit
	var held float64 // per request, over the databases
	for _, st := range slices.Sorted(maps.Keys(byStation)) {
		s := byStation[st]
		n := float64(s.writes) / float64(count)
		if n < minWritesPerRequest || !(s.heldMs > 0) {
			continue
		}
		f := WriterFit{Station: st, WritesPerRequest: round4(n), HeldMs: round4(s.heldMs / float64(s.writes))}
		held += n * s.heldMs / float64(s.writes)
		fits = append(fits, f)
	}
	if len(fits) == 0 {
		return nil
	}
	share := min(1, onPath/held)
	for i := range fits {
		f := &fits[i]
		h := f.WritesPerRequest * f.HeldMs
		f.CPUMs = max(round3(h*share), minMs)
		if d := round3(h - f.CPUMs); d >= minMs {
			f.DelayMs = d
		}
	}
	return fits
}

// heldWriters names the writer stations some operation of m holds (see
// writerFits), in order.
func heldWriters(m measure) []string {
	var out []string
	for _, o := range m.ops {
		for _, f := range writerFits(m.writes, o.name, o.count, 1) {
			if !slices.Contains(out, f.Station) {
				out = append(out, f.Station)
			}
		}
	}
	slices.Sort(out)
	return out
}

// writerCPU is the demand on the path that fits take from an operation's
// cpu visit.
func writerCPU(fits []WriterFit) float64 {
	var ms float64
	for _, f := range fits {
		ms += f.CPUMs
	}
	return ms
}

// writerDelay is the part of fits' holds beyond the CPU demand: time the
// operation's latency spends at the wait station inside a hold.
func writerDelay(fits []WriterFit) float64 {
	var ms float64
	for _, f := range fits {
		ms += f.DelayMs
	}
	return ms
}

// appendWriters ends route with a hold of each fit's writer: the writer
// taken (a zero service), held through the fit's CPU at the cpu station
// and its delay at the wait station, then released.
func appendWriters(route []sim.Visit, fits []WriterFit, service func(float64) sim.Dist) []sim.Visit {
	for _, f := range fits {
		route = append(route,
			sim.Visit{Station: f.Station, Service: sim.Deterministic(0), Hold: true},
			sim.Visit{Station: StationCPU, Service: service(f.CPUMs), Release: f.DelayMs == 0})
		if f.DelayMs > 0 {
			route = append(route, sim.Visit{Station: StationWait, Service: sim.Deterministic(f.DelayMs), Release: true})
		}
	}
	return route
}

// sqliteBusyPollMs is SQLite's busy handler's schedule of sleeps between
// tries for a file's write lock (sqliteDefaultBusyCallback, built with
// HAVE_USLEEP as modernc.org/sqlite is), the last one repeating; and
// sqliteBusyTimeoutMs the busy_timeout package sqlstore sets, past which
// the write fails.
var sqliteBusyPollMs = []float64{1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100}

const sqliteBusyTimeoutMs = 5000.0

// writerStations returns a lock station for each writer the fits of ops
// hold, by name. The writers of a function platform (see pm; nil for
// none) are its instances': processes of their own, each writing the
// file through a connection of its own, so their writes poll SQLite's
// busy handler for the file's lock rather than queue for a connection.
func writerStations(ops []OpFit, pm *platformMeasure) []sim.Station {
	var names []string
	for _, o := range ops {
		for _, f := range o.Writers {
			if !slices.Contains(names, f.Station) {
				names = append(names, f.Station)
			}
		}
	}
	slices.Sort(names)
	out := make([]sim.Station, len(names))
	for i, n := range names {
		out[i] = sim.Station{Name: n, Servers: 1, Replicas: 1, Lock: true}
		if pm != nil && strings.HasPrefix(n, writerStation(pm.component, "")) {
			out[i].PollMs, out[i].PollTimeoutMs = slices.Clone(sqliteBusyPollMs), sqliteBusyTimeoutMs
		}
	}
	return out
}

// explainWriters describes the writer stations of c for Explain: "" when
// it has none.
func (c Calibration) explainWriters() string {
	type perStation struct {
		heldMs float64 // per request over the mix
		ops    []string
	}
	by := map[string]*perStation{}
	for _, o := range c.Ops {
		for _, f := range o.Writers {
			p := by[f.Station]
			if p == nil {
				p = &perStation{}
				by[f.Station] = p
			}
			p.heldMs += o.Share * f.WritesPerRequest * f.HeldMs
			p.ops = append(p.ops, fmt.Sprintf("%s %.2g a request, %.2g ms each", o.Op, f.WritesPerRequest, f.HeldMs))
		}
	}
	if len(by) == 0 {
		return ""
	}
	var parts []string
	for _, st := range slices.Sorted(maps.Keys(by)) {
		p := by[st]
		parts = append(parts, fmt.Sprintf("%s (%s; %.0f %% busy at the calibration rate)", st, strings.Join(p.ops, ", "), 100*c.WriterBusy[st]))
	}
	out := "Each SQLite writer is a station with one server, which a request's writes take and hold through their part of its CPU demand, as measured per operation (a write waiting for a CPU keeps the writer): " +
		strings.Join(parts, "; ") + ". "
	var polled []string
	for _, st := range c.Model.Stations {
		if len(st.PollMs) > 0 {
			polled = append(polled, st.Name)
		}
	}
	if len(polled) > 0 {
		out += fmt.Sprintf("Each function instance, a process of its own, writes through a connection of its own (%s): "+
			"a write that finds the file's lock held polls for it on SQLite's busy-handler schedule (%g to %g ms between tries; it fails after %g s), "+
			"so a freed writer idles until the next try. ", strings.Join(polled, ", "), sqliteBusyPollMs[0], slices.Max(sqliteBusyPollMs), sqliteBusyTimeoutMs/1000)
	}
	if c.instanceHeld() {
		out += "A full writer thus keeps the functions' instances busy, and billed, as a platform's would be, up to its concurrency limits. "
	}
	return out
}

// backgroundNote says how many writes no request started, which the
// model leaves out; "" for none.
func backgroundNote(background int64, requests int64) string {
	if background <= 0 || requests <= 0 {
		return ""
	}
	return fmt.Sprintf("%d writes (%.2g a request) were made by no request (event consumers, outboxes): a writer that requests hold gets those made to its database as async holds that requests set off, spread evenly over the operations; those to other databases are left out.",
		background, float64(background)/float64(requests))
}
