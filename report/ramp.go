package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// rampIntro explains the ramp tables, whose steps are measured, or modeled
// in a simulated run (see origin).
func rampIntro(vs []results.VariantResult) string {
	rs := rampResults(vs)
	o, cpu := results.Origin(rs), rampCPU
	if o == results.LabelModeled && !slices.ContainsFunc(rs, func(v results.VariantResult) bool {
		return slices.ContainsFunc(v.Ramp.Steps, func(s results.RampStep) bool { return s.CPUCores > 0 })
	}) {
		cpu = rampCPUModeled
	}
	return fmt.Sprintf(rampIntroFormat, o) + cpu
}

// rampResults returns the results of vs that ramped.
func rampResults(vs []results.VariantResult) []results.VariantResult {
	var out []results.VariantResult
	for _, v := range vs {
		if v.Ramp != nil {
			out = append(out, v)
		}
	}
	return out
}

// rampIntroFormat is rampIntro's text but for the CPU columns, %s saying
// how the steps came about.
const rampIntroFormat = "The offered rate steps up until the variant saturates; stopped by says what came first. " +
	"The Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)), is fitted to each step's throughput against its concurrency " +
	"(Little's law: throughput × mean latency, in units of the first step's): σ is contention (a shared writer, lock or hot key), " +
	"κ coherency (crosstalk between units). σ, κ and the peak are **modeled**; the steps are %s. "

// rampCPU explains the ramp steps' CPU columns; rampCPUModeled, why a
// simulated sweep leaves them empty.
const (
	rampCPU = "CPU cores is what the variant's processes used during a step, on average, and CPU µs/req that over its requests; " +
		"gen CPU cores is the load generator's, which shares the machine (measured where the runtime reports resources)."
	rampCPUModeled = "CPU cores, CPU µs/req and gen CPU cores are left empty: the simulator does not model them per step."
)

// rampSummaryTable sets each variant's ramp outcome and fit side by side.
func rampSummaryTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "steps", "max req/s (" + results.Origin(rampResults(vs)) + ")", "stopped by", "σ (modeled)", "κ (modeled)", "peak req/s (modeled)", "fit R²"},
		right:  []bool{false, true, true, false, true, true, true, true},
	}
	for i, v := range vs {
		r := v.Ramp
		if r == nil {
			continue
		}
		sigma, kappa, peak, r2 := none, none, none, none
		if f := r.Fit; f != nil && f.Error == "" {
			sigma, kappa, r2 = sig3(f.Sigma), sig3(f.Kappa), strconv.FormatFloat(f.R2, 'f', 3, 64)
			peak = peakCell(*f)
		}
		t.rows = append(t.rows, []string{names[i], strconv.Itoa(len(r.Steps)), rate(r.MaxRequestsPerSec), r.StoppedBy, sigma, kappa, peak, r2})
	}
	return t
}

// rampStepsTable lists every step; when some step holds its SQLite
// writers, with the busiest's figures (see stepWriterCells).
func rampStepsTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "offered /s", "achieved /s", "requests/s", "errors %", "dropped", "late", "p50 ms", "p99 ms", "concurrency",
			"CPU cores", "CPU µs/req", "gen CPU cores"},
		right: []bool{false, true, true, true, true, true, true, true, true, true, true, true, true},
	}
	writers, several := rampWriters(vs)
	if writers {
		t.header = append(t.header, "writer busy %", "writer waited ms/write")
		t.right = append(t.right, true, true)
		if several {
			t.header = append(t.header, "busiest writer")
			t.right = append(t.right, false)
		}
	}
	for i, v := range vs {
		if v.Ramp == nil {
			continue
		}
		for _, s := range v.Ramp.Steps {
			cores, perReq, gen := none, none, none
			if s.CPUCores > 0 {
				cores, gen = amount(s.CPUCores), amount(s.GeneratorCPUCores)
				if s.RequestsPerSec > 0 {
					perReq = sig3(s.CPUCores / s.RequestsPerSec * 1e6)
				}
			}
			row := []string{names[i], rate(s.OfferedPerSec), rate(s.JourneysPerSec), rate(s.RequestsPerSec),
				percent(s.ErrorRate), thousands(s.Dropped), thousands(s.Late), ms(s.P50Ms), ms(s.P99Ms), sig3(s.Concurrency),
				cores, perReq, gen}
			if writers {
				row = append(row, stepWriterCells(s.Writers, several)...)
			}
			t.rows = append(t.rows, row)
		}
	}
	return t
}

// rampStepsIntro explains the ramp steps table's writer columns, when it
// has them, and names the steps during which a replica started again (see
// stepRestarts): "" otherwise.
func rampStepsIntro(vs []results.VariantResult) string {
	writers, several := rampWriters(vs)
	if !writers {
		return ""
	}
	s := "Writer busy % and writer waited ms/write are of the step's busiest SQLite writer, the written database whose writer " +
		"some write held for the largest share of the step"
	if several {
		s += " (busiest writer names it: component, with its replica where it has several, and database)"
	}
	return s + ": that share, and the mean time a write queued for the writer, time that adds to the step's latencies " +
		"(measured: counted by the replicas right before the step's load began and right after its last journey ended; " +
		"the SQLite writers section has the whole measured run's). " +
		"No figure where a step has no writers counted, and no wait where no write reached any." + stepRestarts(vs)
}

// stepRestarts names, for the ramp steps' lead, each step during which a
// replica started again, with the written databases of that replica
// (results.RestartedWriters), whose counts began again, as in the SQLite
// writers section. A step's busiest writer among them is marked in the
// table too (see stepWriterCells); the others are named here alone. ""
// when no replica started again during a step.
func stepRestarts(vs []results.VariantResult) string {
	names := variantNames(vs)
	var during []string
	for i, v := range vs {
		if v.Ramp == nil {
			continue
		}
		for n, s := range v.Ramp.Steps {
			restarted := results.RestartedWriters(s.Writers)
			if len(restarted) == 0 {
				continue
			}
			dbs := make([]string, len(restarted))
			for j, w := range restarted {
				dbs[j] = stepWriterName(w, s.Writers)
			}
			during = append(during, fmt.Sprintf("%s step %d (%s/s offered): %s", names[i], n+1, rate(s.OfferedPerSec), strings.Join(dbs, ", ")))
		}
	}
	if len(during) == 0 {
		return ""
	}
	return " A replica started again during some steps (a crash, a fault or a deploy), so its counts began again: " +
		"its figures for such a step are from its restart to the step's second count, and a busiest writer " +
		"that is one of them is marked" + restartedMark + ". Started again during " + strings.Join(during, "; ") + "."
}

// rampWriters reports whether some step of vs holds its SQLite writers,
// and whether the steps wrote to more than one database (of one replica)
// in all: then the steps table names the busiest.
func rampWriters(vs []results.VariantResult) (writers, several bool) {
	type database struct {
		component string
		replica   int
		name      string
	}
	written := map[database]bool{}
	for _, v := range vs {
		if v.Ramp == nil {
			continue
		}
		for _, s := range v.Ramp.Steps {
			writers = writers || len(s.Writers) > 0
			for _, w := range s.Writers {
				if w.Writes > 0 {
					written[database{w.Component, w.Replica, w.Database}] = true
				}
			}
		}
	}
	return writers, len(written) > 1
}

// stepWriterCells returns a step's writer cells from its writers: the
// busiest written database's busy share and mean wait per write, and,
// when named, its name (see stepWriterName). Without writers they are
// none; without writes, the busy share is 0 and the rest none. When the
// busiest writer's replica started again during the step, its name, or
// its busy share where it is not named, is marked as the SQLite writers
// section marks it (restartedMark).
func stepWriterCells(ws []results.WriterUsage, named bool) []string {
	cells := []string{none, none}
	if named {
		cells = append(cells, none)
	}
	if len(ws) == 0 {
		return cells
	}
	w, ok := results.BusiestWriter(ws)
	if !ok {
		cells[0] = percent(0)
		return cells
	}
	if w.Span > 0 {
		cells[0] = percent(w.Busy())
	}
	cells[1] = ms(w.MeanWaitedMs())
	mark := 0
	if named {
		cells[2], mark = stepWriterName(w, ws), 2
	}
	if w.Restarted {
		cells[mark] += restartedMark
	}
	return cells
}

// stepWriterName names w, a written database of a step's writers ws:
// "core shop.db", or "cart-1 cart.db" where the component has several
// replicas.
func stepWriterName(w results.WriterUsage, ws []results.WriterUsage) string {
	name := w.Component
	if slices.ContainsFunc(ws, func(o results.WriterUsage) bool { return o.Component == w.Component && o.Replica > 0 }) {
		name += "-" + strconv.Itoa(w.Replica)
	}
	return name + " " + w.Database
}

// rampConclusion names the variant that carried the most, from the numbers.
func rampConclusion(vs []results.VariantResult, names []string) string {
	best, n := -1, 0
	for i, v := range vs {
		if v.Ramp == nil {
			continue
		}
		n++
		if best < 0 || v.Ramp.MaxRequestsPerSec > vs[best].Ramp.MaxRequestsPerSec {
			best = i
		}
	}
	if n < 2 {
		return ""
	}
	r := vs[best].Ramp
	s := fmt.Sprintf("%s: %s carried the most, %s requests/s, and stopped at %s. "+
		"A ramp that stops at the generator's limit says the generator, not the variant, ran out", originTitle(vs),
		names[best], rate(r.MaxRequestsPerSec), r.StoppedBy)
	if repeated(vs) {
		return s + "." + repeatedCaveat
	}
	return s + "; one run per variant: repeat it before calling a winner."
}

// capacityIntro explains the scaling-with-capacity table.
const capacityIntro = "The whole ramp ran once per CPU budget (-capacities, containers only), each on a deployment whose " +
	"containers shared that many CPUs; the Universal Scalability Law is fitted to the most each budget carried against its CPUs, " +
	"in units of the smallest budget. The maxima are measured; σ, κ and the peak are **modeled**. σ near 0 and κ near 0: " +
	"the variant turns more CPU into proportionally more throughput; a peak within reach: more CPU would make it slower."

// capacityTable sets each variant's scaling with allocated CPU side by
// side: what each budget carried, and the law fitted across them.
func capacityTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "max req/s by CPUs (measured)", "σ (modeled)", "κ (modeled)", "peak req/s (modeled)", "at CPUs (modeled)", "fit R²"},
		right:  []bool{false, false, true, true, true, true, true},
	}
	type group struct {
		name string
		fit  *results.USLFit
		by   []string
	}
	var groups []*group
	index := map[string]*group{}
	for i, v := range vs {
		r := v.Ramp
		if r == nil || r.CPUs <= 0 || r.CapacityFit == nil {
			continue
		}
		k := v.Variant + "/" + v.Runtime
		g, ok := index[k]
		if !ok {
			g = &group{name: strings.TrimSuffix(names[i], " · "+v.Setting), fit: r.CapacityFit}
			index[k] = g
			groups = append(groups, g)
		}
		g.by = append(g.by, fmt.Sprintf("%g: %s", r.CPUs, rate(r.MaxRequestsPerSec)))
	}
	for _, g := range groups {
		sigma, kappa, peak, at, r2 := none, none, none, none, none
		if f := g.fit; f.Error == "" {
			sigma, kappa, r2 = sig3(f.Sigma), sig3(f.Kappa), strconv.FormatFloat(f.R2, 'f', 3, 64)
			peak, at = peakCell(*f), "—"
			if f.PeakCPUs > 0 {
				at = strconv.FormatFloat(f.PeakCPUs, 'f', 2, 64)
			}
		}
		t.rows = append(t.rows, []string{g.name, strings.Join(g.by, ", "), sigma, kappa, peak, at, r2})
	}
	return t
}

// peakCell says where a fitted law peaks: its peak throughput; with no
// coherency (κ = 0) it has none, only the ceiling λ/σ it approaches and
// never reaches; with no contention either, nothing bounds it.
func peakCell(f results.USLFit) string {
	switch {
	case !(f.PeakRequestsPerSec > 0):
		return "unbounded"
	case f.Kappa == 0:
		return "none; ceiling " + rate(f.PeakRequestsPerSec)
	}
	return rate(f.PeakRequestsPerSec)
}
