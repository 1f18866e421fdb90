package report

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
)

// writerUsage returns what a writer did over span seconds: writes writes,
// holding it held seconds and waiting waited seconds in total.
func writerUsage(component string, replica int, database string, span float64, writes int64, held, waited float64) results.WriterUsage {
	sec := func(s float64) results.Duration { return results.Duration(s * float64(time.Second)) }
	return results.WriterUsage{Component: component, Replica: replica, Database: database,
		Span: sec(span), Writes: writes, Held: sec(held), Waited: sec(waited)}
}

// TestWritersTable checks the SQLite writers table's figures: writes/s over
// the span, busy as a share of it, per-write held and waited times, rows
// without writes left out, the replica column only when a component has
// several, restarted replicas marked.
func TestWritersTable(t *testing.T) {
	// 36,000 writes over 60 s holding the writer 19.8 s and waiting 270 s
	// for it: 600/s, busy 33%, 0.55 ms held and 7.5 ms waited a write.
	core := writerUsage("core", 0, "shop.db", 60, 36_000, 19.8, 270) // 600/s, 33.00%, 0.550 ms, 7.50 ms
	idle := writerUsage("core", 0, "notifications.db", 60, 0, 0, 0)
	orders := writerUsage("orders", 1, "orders.db", 70.5, 1_234, 0.987, 0.0123) // 17.5/s, 1.40%, 0.800 ms, 0.010 ms
	restarted := orders
	restarted.Restarted = true
	noSpan := writerUsage("orders", 0, "orders.db", 0, 10, 0.02, 0)
	tests := []struct {
		name   string
		vs     []results.VariantResult
		header []string
		rows   [][]string
	}{
		{"one replica each, idle database left out", []results.VariantResult{{Writers: []results.WriterUsage{core, idle}}},
			[]string{"variant", "component", "database", "writes/s", "busy %", "held ms/write", "waited ms/write"},
			[][]string{{"v0", "core", "shop.db", "600", "33.00%", "0.550", "7.50"}}},
		{"replicas", []results.VariantResult{{}, {Writers: []results.WriterUsage{core, orders}}},
			[]string{"variant", "component", "replica", "database", "writes/s", "busy %", "held ms/write", "waited ms/write"},
			[][]string{{"v1", "core", "0", "shop.db", "600", "33.00%", "0.550", "7.50"},
				{"v1", "orders", "1", "orders.db", "17.5", "1.40%", "0.800", "0.010"}}},
		{"restarted marked", []results.VariantResult{{Writers: []results.WriterUsage{core}}, {Writers: []results.WriterUsage{restarted}}},
			[]string{"variant", "component", "replica", "database", "writes/s", "busy %", "held ms/write", "waited ms/write"},
			[][]string{{"v0", "core", "0", "shop.db", "600", "33.00%", "0.550", "7.50"},
				{"v1", "orders [restarted]", "1", "orders.db", "17.5", "1.40%", "0.800", "0.010"}}},
		{"no span", []results.VariantResult{{Writers: []results.WriterUsage{noSpan}}},
			[]string{"variant", "component", "database", "writes/s", "busy %", "held ms/write", "waited ms/write"},
			[][]string{{"v0", "orders", "orders.db", none, none, "2.00", "0"}}},
		{"no writes", []results.VariantResult{{Writers: []results.WriterUsage{idle}}}, nil, nil},
		{"no writers", []results.VariantResult{{}, {}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writersTable(tt.vs, []string{"v0", "v1"})
			if !reflect.DeepEqual(got.rows, tt.rows) || tt.rows != nil && !reflect.DeepEqual(got.header, tt.header) {
				t.Errorf("table = %q\n%q\nwant %q\n%q", got.header, got.rows, tt.header, tt.rows)
			}
		})
	}
}

// TestMarkdownWriters checks the SQLite writers section of REPORT.md: after
// the resources, with its lead and figures, when some result has writers;
// absent when none has; the restart explained only when a row is marked.
func TestMarkdownWriters(t *testing.T) {
	withWriters := func(ws ...results.WriterUsage) results.Run {
		run := twoVariants()
		run.Variants[0].Writers = ws
		run.Variants[1].Writers = nil
		return run
	}
	shop := writerUsage("monolith", 0, "shop.db", 70.5, 141_000, 23.265, 846) // 2,000/s, 33.00%, 0.165 ms, 6.00 ms
	restarted := shop
	restarted.Restarted = true
	const restartNote = "Rows marked [restarted] are of a replica that started again during the run"
	tests := []struct {
		name          string
		run           results.Run
		want, notWant []string
	}{
		{"writers", withWriters(shop, writerUsage("monolith", 0, "notifications.db", 70.5, 0, 0, 0)),
			[]string{
				"## SQLite writers (measured)\n\nCounted by each replica itself",
				"when the scenario's warm-up ended and right after its load",
				"SQLite lets one connection write to a database at a time",
				"a busy writer is a shared resource that the CPU figures above do not show",
				"with the writer held",
				"| variant  | component | database | writes/s | busy % | held ms/write | waited ms/write |",
				"|:---------|:----------|:---------|---------:|-------:|--------------:|----------------:|",
				"| monolith | monolith  | shop.db  |    2,000 | 33.00% |         0.165 |            6.00 |",
			},
			[]string{"notifications.db", restartNote, "[restarted]"}},
		{"restarted", withWriters(restarted),
			[]string{
				"## SQLite writers (measured)",
				restartNote,
				"| monolith | monolith [restarted] | shop.db  |    2,000 | 33.00% |         0.165 |            6.00 |",
			},
			nil},
		{"no writers", withWriters(),
			nil,
			[]string{"SQLite writers", "held ms/write", "[restarted]"}},
		{"no writes", withWriters(writerUsage("monolith", 0, "shop.db", 70.5, 0, 0, 0)),
			nil,
			[]string{"SQLite writers", "held ms/write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := render(t, tt.run)
			for _, want := range tt.want {
				if !strings.Contains(md, want) {
					t.Errorf("Markdown lacks %q", want)
				}
			}
			for _, absent := range tt.notWant {
				if strings.Contains(md, absent) {
					t.Errorf("Markdown has %q", absent)
				}
			}
			if w := strings.Index(md, "## SQLite writers"); w >= 0 {
				if r, c := strings.Index(md, "## Resources"), strings.Index(md, "## Cost"); r < 0 || r > w || c < w {
					t.Errorf("SQLite writers at %d, want it between Resources (%d) and Cost (%d)", w, r, c)
				}
			}
		})
	}
}

// TestRampStepsWriters checks the ramp steps table's writer columns: the
// busiest written database of each step, its busy share and mean wait per
// write, named when the steps wrote to more than one; none for a step
// without writers, no wait for one without writes; a busiest writer whose
// replica started again during the step marked as the SQLite writers
// section marks it, on its name or, unnamed, on its busy share; every
// written database restarted during a step, busiest or not, named with
// its step in the lead, and no such sentence without one; and no writer
// columns, nor their lead in REPORT.md, when no step has writers.
func TestRampStepsWriters(t *testing.T) {
	// 4 s steps of the monolith: 17 % busy with 0.5 ms waited a write,
	// then 90 % busy with 301 ms waited a write.
	calm := writerUsage("monolith", 0, "shop.db", 4, 800, 0.68, 0.4)
	saturated := writerUsage("monolith", 0, "shop.db", 4, 1600, 3.6, 481.6)
	idle := writerUsage("monolith", 0, "shop.db", 4, 0, 0, 0)
	// The hybrid's core is 40 % busy; catalog's replica 1 is 60 % busy.
	core := writerUsage("core", 0, "shop.db", 4, 400, 1.6, 0.8)          // 2.00 ms waited a write
	catalog0 := writerUsage("catalog", 0, "catalog.db", 4, 10, 0.4, 0)   // 10 %
	catalog1 := writerUsage("catalog", 1, "catalog.db", 4, 100, 2.4, 12) // 120 ms waited a write
	restarted := func(w results.WriterUsage) results.WriterUsage {
		w.Restarted = true
		return w
	}
	step := func(ws ...results.WriterUsage) results.RampStep {
		return results.RampStep{OfferedPerSec: 100, JourneysPerSec: 100, RequestsPerSec: 250, P50Ms: 1, P99Ms: 2, Writers: ws}
	}
	// at is a step at offered journeys/s.
	at := func(offered float64, s results.RampStep) results.RampStep {
		s.OfferedPerSec = offered
		return s
	}
	ramp := func(steps ...results.RampStep) results.VariantResult {
		return results.VariantResult{Variant: "v", Ramp: &results.RampSummary{Steps: steps}}
	}
	base := []string{"variant", "offered /s", "achieved /s", "requests/s", "errors %", "dropped", "late", "p50 ms", "p99 ms", "concurrency",
		"CPU cores", "CPU µs/req", "gen CPU cores"}
	tests := []struct {
		name   string
		vs     []results.VariantResult
		header []string   // after base
		cells  [][]string // each row's cells after base
		lead   string     // in the lead; "" for none
		// restarts is the lead's sentence naming the steps during which a
		// replica started again; "" for none.
		restarts string
	}{
		{"one database", []results.VariantResult{ramp(step(calm), step(saturated), step(), step(idle)), ramp(step())},
			[]string{"writer busy %", "writer waited ms/write"},
			[][]string{{"17.00%", "0.500"}, {"90.00%", "301"}, {none, none}, {"0.00%", none}, {none, none}},
			"Writer busy % and writer waited ms/write are of the step's busiest SQLite writer", ""},
		{"several databases", []results.VariantResult{ramp(step(core, catalog0, catalog1), step(core, idle))},
			[]string{"writer busy %", "writer waited ms/write", "busiest writer"},
			[][]string{{"60.00%", "120", "catalog-1 catalog.db"}, {"40.00%", "2.00", "core shop.db"}},
			"busiest writer names it", ""},
		{"no writers", []results.VariantResult{ramp(step(), step()), {Variant: "steady"}}, nil, [][]string{{}, {}}, "", ""},
		{name: "the busiest restarted, named",
			vs:     []results.VariantResult{ramp(step(core, idle), at(200, step(core, catalog0, restarted(catalog1))), step(core))},
			header: []string{"writer busy %", "writer waited ms/write", "busiest writer"},
			cells: [][]string{{"40.00%", "2.00", "core shop.db"}, {"60.00%", "120", "catalog-1 catalog.db [restarted]"},
				{"40.00%", "2.00", "core shop.db"}},
			lead:     "busiest writer names it",
			restarts: "Started again during v step 2 (200/s offered): catalog-1 catalog.db."},
		{name: "the busiest restarted, unnamed",
			vs:       []results.VariantResult{ramp(step(calm), at(200, step(restarted(saturated))), step(idle))},
			header:   []string{"writer busy %", "writer waited ms/write"},
			cells:    [][]string{{"17.00%", "0.500"}, {"90.00% [restarted]", "301"}, {"0.00%", none}},
			lead:     "Writer busy % and writer waited ms/write are of the step's busiest SQLite writer",
			restarts: "Started again during v step 2 (200/s offered): monolith shop.db."},
		{name: "others restarted: named in the lead, the busiest unmarked",
			vs: []results.VariantResult{
				ramp(at(50, step(restarted(core), restarted(catalog0), catalog1))),
				ramp(step(core), at(400, step(restarted(core), catalog1)))},
			header: []string{"writer busy %", "writer waited ms/write", "busiest writer"},
			cells: [][]string{{"60.00%", "120", "catalog-1 catalog.db"},
				{"40.00%", "2.00", "core shop.db"}, {"60.00%", "120", "catalog-1 catalog.db"}},
			lead: "busiest writer names it",
			restarts: "Started again during v #1 step 1 (50.0/s offered): core shop.db, catalog-0 catalog.db; " +
				"v #2 step 2 (400/s offered): core shop.db."},
		{name: "restarted without writes since: not a restart to show",
			vs:     []results.VariantResult{ramp(step(calm, restarted(writerUsage("monolith", 0, "events.db", 4, 0, 0, 0))))},
			header: []string{"writer busy %", "writer waited ms/write"},
			cells:  [][]string{{"17.00%", "0.500"}},
			lead:   "Writer busy % and writer waited ms/write are of the step's busiest SQLite writer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := rampStepsTable(tt.vs, variantNames(tt.vs))
			if want := append(slices.Clone(base), tt.header...); !reflect.DeepEqual(tab.header, want) {
				t.Errorf("header %q, want %q", tab.header, want)
			}
			if len(tab.right) != len(tab.header) {
				t.Errorf("%d alignments for %d columns", len(tab.right), len(tab.header))
			}
			if len(tab.rows) != len(tt.cells) {
				t.Fatalf("rows %q, want %d", tab.rows, len(tt.cells))
			}
			for i, row := range tab.rows {
				if got := row[len(base):]; !reflect.DeepEqual(got, tt.cells[i]) {
					t.Errorf("row %d: writer cells %q, want %q", i+1, got, tt.cells[i])
				}
			}
			run := twoVariants()
			run.Variants = tt.vs
			md := render(t, run)
			if tt.lead == "" {
				if strings.Contains(md, "writer busy %") || strings.Contains(md, "Writer busy %") {
					t.Errorf("Markdown has writer columns or their lead without writers:\n%s", md)
				}
				return
			}
			if !strings.Contains(md, "## Ramp steps (measured)\n\n"+"Writer busy % and writer waited ms/write") || !strings.Contains(md, tt.lead) ||
				!strings.Contains(md, "(measured: counted by the replicas right before the step's load began") {
				t.Errorf("Markdown lacks the writer columns' lead %q under Ramp steps:\n%s", tt.lead, md)
			}
			const restartLead = "A replica started again during some steps (a crash, a fault or a deploy), so its counts began again: " +
				"its figures for such a step are from its restart to the step's second count, and a busiest writer that is one of them is marked [restarted]."
			if tt.restarts == "" {
				if strings.Contains(md, "started again during some steps") {
					t.Errorf("Markdown explains restarts during steps without any:\n%s", md)
				}
				return
			}
			if !strings.Contains(md, restartLead+" "+tt.restarts+"\n") {
				t.Errorf("Markdown's Ramp steps lead lacks %q, then %q:\n%s", restartLead, tt.restarts, md)
			}
		})
	}
}

// TestWriterOpsTable checks the writes-by-operation table: an operation's
// writes to a database summed over replicas and divided by its measured
// requests, its mean hold, the writes no request made per second, and no
// rows for results that did not count writes per operation.
func TestWriterOpsTable(t *testing.T) {
	op := func(name string, writes int64, heldSec float64) results.OperationWrites {
		return results.OperationWrites{Operation: name, Writes: writes, Held: results.Duration(heldSec * float64(time.Second))}
	}
	with := func(w results.WriterUsage, ops ...results.OperationWrites) results.WriterUsage {
		w.Operations = ops
		return w
	}
	v := results.VariantResult{
		Operations: []results.OpStats{{Name: "POST /carts", Count: 1000}, {Name: "POST /carts/{id}/checkout", Count: 200}},
		Writers: []results.WriterUsage{
			with(writerUsage("cart", 0, "cart.db", 10, 700, 0.35, 0), op("POST /carts", 500, 0.25), op("POST /carts/{id}/checkout", 200, 0.1)),
			with(writerUsage("cart", 1, "cart.db", 10, 700, 0.35, 0), op("POST /carts", 500, 0.25), op("", 200, 0.1)),
			with(writerUsage("orders", 0, "orders.db", 10, 600, 0.6, 0), op("POST /carts/{id}/checkout", 600, 0.6)),
		},
	}
	got := writerOpsTable([]results.VariantResult{{Writers: []results.WriterUsage{writerUsage("core", 0, "shop.db", 10, 5, 0.01, 0)}}, v}, []string{"old", "new"})
	want := [][]string{
		{"new", noRequest, "cart cart.db", "20.0/s", "0.500"},
		{"new", "POST /carts", "cart cart.db", "1.00", "0.500"},
		{"new", "POST /carts/{id}/checkout", "cart cart.db", "1.00", "0.500"},
		{"new", "POST /carts/{id}/checkout", "orders orders.db", "3.00", "1.00"},
	}
	if !reflect.DeepEqual(got.rows, want) {
		t.Errorf("rows:\n got %q\nwant %q", got.rows, want)
	}
}
