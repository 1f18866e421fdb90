package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/sqlstore"
	"github.com/archbench/archbench/variants"
)

// ws is a database's writer counts, with held and waited in milliseconds.
func ws(db string, writes int64, heldMs, waitedMs int) sqlstore.WriterStats {
	return sqlstore.WriterStats{Database: db, Writes: writes,
		Held: time.Duration(heldMs) * time.Millisecond, Waited: time.Duration(waitedMs) * time.Millisecond}
}

// opened is w as the process that opened its database at when reports it.
func opened(when time.Time, w sqlstore.WriterStats) sqlstore.WriterStats {
	w.Opened = when
	return w
}

// wu is a WriterUsage over 10 s, with held and waited in milliseconds.
func wu(component string, replica int, db string, writes int64, heldMs, waitedMs int, restarted bool) results.WriterUsage {
	return results.WriterUsage{Component: component, Replica: replica, Database: db, Span: results.Duration(10 * time.Second),
		Writes: writes, Held: results.Duration(time.Duration(heldMs) * time.Millisecond),
		Waited: results.Duration(time.Duration(waitedMs) * time.Millisecond), Restarted: restarted}
}

// byOp is w with its writes split by operation, as name=writes pairs
// that each held 1 ms and waited 2 ms a write.
func byOp(w sqlstore.WriterStats, ops ...any) sqlstore.WriterStats {
	for i := 0; i < len(ops); i += 2 {
		n := int64(ops[i+1].(int))
		w.Operations = append(w.Operations, sqlstore.OperationWrites{Operation: ops[i].(string), Writes: n,
			Held: time.Duration(n) * time.Millisecond, Waited: time.Duration(2*n) * time.Millisecond})
	}
	return w
}

// opWrites is an operation's results.OperationWrites as byOp counts it.
func opWrites(op string, n int64) results.OperationWrites {
	return results.OperationWrites{Operation: op, Writes: n,
		Held: results.Duration(time.Duration(n) * time.Millisecond), Waited: results.Duration(time.Duration(2*n) * time.Millisecond)}
}

// withOps is u with ops.
func withOps(u results.WriterUsage, ops ...results.OperationWrites) results.WriterUsage {
	u.Operations = ops
	return u
}

// over is u over span instead.
func over(span time.Duration, u results.WriterUsage) results.WriterUsage {
	u.Span = results.Duration(span)
	return u
}

// TestWriterUsage checks the differences between two samples of the
// writers: after − before per replica and database, over the time between
// the replica's answers; a database opened again in between (another
// Opened) or since, as it is, from its opening on; and a replica or
// database missing from a sample left out with a note naming it.
func TestWriterUsage(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	t1 := t0.Add(10 * time.Second)
	// boot is when the replicas opened their databases, before t0.
	boot := t0.Add(-time.Hour)
	at := func(when time.Time, component string, replica int, stats ...sqlstore.WriterStats) replicaWriters {
		return replicaWriters{key: replicaKey{component, replica}, at: when, stats: stats}
	}
	failed := func(when time.Time, component string, replica int, err error) replicaWriters {
		return replicaWriters{key: replicaKey{component, replica}, at: when, err: err}
	}
	refused := errors.New("writer stats: dial tcp 127.0.0.1:4242: connect: connection refused")
	tests := []struct {
		name          string
		before, after []replicaWriters
		want          []results.WriterUsage
		// notes are what each note must contain, in order.
		notes [][]string
	}{
		{name: "normal",
			before: []replicaWriters{
				at(t0, "core", 0, ws("shop.db", 100, 1000, 2000), ws("events.db", 5, 10, 0)),
				at(t0, "cart", 0, ws("cart.db", 0, 0, 0)), at(t0, "cart", 1, ws("cart.db", 7, 70, 7))},
			after: []replicaWriters{
				at(t1, "core", 0, ws("shop.db", 400, 4000, 5000), ws("events.db", 5, 10, 0)),
				at(t1, "cart", 0, ws("cart.db", 20, 200, 40)), at(t1, "cart", 1, ws("cart.db", 27, 270, 27))},
			want: []results.WriterUsage{
				wu("core", 0, "shop.db", 300, 3000, 3000, false), wu("core", 0, "events.db", 0, 0, 0, false),
				wu("cart", 0, "cart.db", 20, 200, 40, false), wu("cart", 1, "cart.db", 20, 200, 20, false)}},
		{name: "the span is per replica, between its answers",
			before: []replicaWriters{at(t0, "core", 0, ws("shop.db", 1, 1, 1))},
			after:  []replicaWriters{at(t1.Add(1500*time.Millisecond), "core", 0, ws("shop.db", 2, 2, 2))},
			want: []results.WriterUsage{{Component: "core", Database: "shop.db", Span: results.Duration(11500 * time.Millisecond),
				Writes: 1, Held: results.Duration(time.Millisecond), Waited: results.Duration(time.Millisecond)}}},
		{name: "restarted: the counts went down",
			before: []replicaWriters{
				at(t0, "core", 0, opened(boot, ws("shop.db", 100, 1000, 2000))),
				at(t0, "core", 1, opened(boot, ws("shop.db", 50, 500, 50)))},
			after: []replicaWriters{
				at(t1, "core", 0, opened(t0.Add(4*time.Second), ws("shop.db", 40, 300, 100))),
				at(t1, "core", 1, opened(boot, ws("shop.db", 60, 600, 60)))},
			want: []results.WriterUsage{
				over(6*time.Second, wu("core", 0, "shop.db", 40, 300, 100, true)),
				wu("core", 1, "shop.db", 10, 100, 10, false)}},
		{name: "restarted by a crash though its counts ended higher",
			before: []replicaWriters{
				at(t0, "core", 0, opened(boot, ws("shop.db", 2, 2, 2))),
				at(t0, "core", 1, opened(boot, ws("shop.db", 2, 2, 2)))},
			after: []replicaWriters{
				at(t1, "core", 0, opened(boot, ws("shop.db", 150, 1500, 10))),
				at(t1, "core", 1, opened(t0.Add(2500*time.Millisecond), ws("shop.db", 150, 1500, 10)))},
			want: []results.WriterUsage{
				wu("core", 0, "shop.db", 148, 1498, 8, false),
				over(7500*time.Millisecond, wu("core", 1, "shop.db", 150, 1500, 10, true))}},
		{name: "restarted: each database by its own opening",
			before: []replicaWriters{at(t0, "core", 0,
				opened(boot, ws("shop.db", 100, 1000, 2000)), opened(boot, ws("events.db", 5, 10, 0)))},
			after: []replicaWriters{at(t1, "core", 0,
				opened(boot, ws("shop.db", 400, 4000, 5000)), opened(t0.Add(time.Second), ws("events.db", 9, 20, 1)))},
			want: []results.WriterUsage{
				wu("core", 0, "shop.db", 300, 3000, 3000, false),
				over(9*time.Second, wu("core", 0, "events.db", 9, 20, 1, true))}},
		{name: "restarted: the span no longer than between the answers",
			// The replica's clock may be off the bench's.
			before: []replicaWriters{
				at(t0, "core", 0, opened(boot, ws("shop.db", 100, 1000, 2000))),
				at(t0, "core", 1, opened(boot, ws("shop.db", 100, 1000, 2000)))},
			after: []replicaWriters{
				at(t1, "core", 0, opened(t0.Add(-time.Minute), ws("shop.db", 1, 1, 1))),
				at(t1, "core", 1, opened(t1.Add(time.Second), ws("shop.db", 1, 1, 1)))},
			want: []results.WriterUsage{
				wu("core", 0, "shop.db", 1, 1, 1, true),
				over(0, wu("core", 1, "shop.db", 1, 1, 1, true))}},
		{name: "per operation: the differences, of those that wrote",
			before: []replicaWriters{at(t0, "core", 0, opened(boot, byOp(ws("shop.db", 60, 60, 120), "", 10, "POST /carts", 50)))},
			after: []replicaWriters{at(t1, "core", 0, opened(boot, byOp(ws("shop.db", 110, 110, 220),
				"", 10, "POST /carts", 80, "POST /carts/{id}/checkout", 20)))},
			want: []results.WriterUsage{withOps(wu("core", 0, "shop.db", 50, 50, 100, false),
				opWrites("POST /carts", 30), opWrites("POST /carts/{id}/checkout", 20))}},
		{name: "per operation: restarted, as they are",
			before: []replicaWriters{at(t0, "core", 0, opened(boot, byOp(ws("shop.db", 60, 60, 120), "POST /carts", 60)))},
			after: []replicaWriters{at(t1, "core", 0, opened(t0.Add(4*time.Second), byOp(ws("shop.db", 7, 7, 14),
				"", 0, "POST /carts", 7)))},
			want: []results.WriterUsage{withOps(over(6*time.Second, wu("core", 0, "shop.db", 7, 7, 14, true)), opWrites("POST /carts", 7))}},
		{name: "a database missing after",
			before: []replicaWriters{at(t0, "core", 0, ws("shop.db", 100, 1000, 2000), ws("events.db", 5, 10, 0))},
			after:  []replicaWriters{at(t1, "core", 0, ws("shop.db", 400, 4000, 5000))},
			want:   []results.WriterUsage{wu("core", 0, "shop.db", 300, 3000, 3000, false)},
			notes:  [][]string{{"events.db", "core", "did not report it after"}}},
		{name: "a database new after counts from its opening",
			before: []replicaWriters{at(t0, "core", 0, opened(boot, ws("shop.db", 100, 1000, 2000)))},
			after: []replicaWriters{at(t1, "core", 0,
				opened(boot, ws("shop.db", 400, 4000, 5000)), opened(t0.Add(3*time.Second), ws("events.db", 5, 10, 0)))},
			want: []results.WriterUsage{
				wu("core", 0, "shop.db", 300, 3000, 3000, false), over(7*time.Second, wu("core", 0, "events.db", 5, 10, 0, true))}},
		{name: "a failed fetch after",
			before: []replicaWriters{at(t0, "cart", 0, ws("cart.db", 0, 0, 0)), at(t0, "cart", 1, ws("cart.db", 7, 70, 7))},
			after:  []replicaWriters{at(t1, "cart", 0, ws("cart.db", 20, 200, 40)), failed(t1, "cart", 1, refused)},
			want:   []results.WriterUsage{wu("cart", 0, "cart.db", 20, 200, 40, false)},
			notes:  [][]string{{"cart replica 1", "after the scenario", refused.Error()}}},
		{name: "a failed fetch before",
			before: []replicaWriters{failed(t0, "core", 0, refused), at(t0, "cart", 0, ws("cart.db", 0, 0, 0))},
			after:  []replicaWriters{at(t1, "core", 0, ws("shop.db", 1, 1, 1)), at(t1, "cart", 0, ws("cart.db", 20, 200, 40))},
			want:   []results.WriterUsage{wu("cart", 0, "cart.db", 20, 200, 40, false)},
			notes:  [][]string{{"writers of core are", "before the scenario", refused.Error()}}},
		{name: "failed before and after: one note",
			before: []replicaWriters{failed(t0, "core", 0, refused)},
			after:  []replicaWriters{failed(t1, "core", 0, errors.New("writer stats: HTTP 500"))},
			notes:  [][]string{{"core", "before the scenario", refused.Error()}}},
		{name: "a component without URLs",
			before: []replicaWriters{failed(t0, "core", -1, errNoURL)},
			after:  []replicaWriters{failed(t1, "core", -1, errNoURL)},
			notes:  [][]string{{"writers of core are", errNoURL.Error()}}},
		{name: "a replica only after",
			before: []replicaWriters{at(t0, "cart", 0, ws("cart.db", 0, 0, 0))},
			after:  []replicaWriters{at(t1, "cart", 0, ws("cart.db", 1, 1, 1)), at(t1, "cart", 1, ws("cart.db", 5, 5, 5))},
			want:   []results.WriterUsage{wu("cart", 0, "cart.db", 1, 1, 1, false)},
			notes:  [][]string{{"cart replica 1", "not in the deployment before"}}},
		{name: "a replica only before",
			before: []replicaWriters{at(t0, "cart", 0, ws("cart.db", 0, 0, 0)), at(t0, "cart", 1, ws("cart.db", 5, 5, 5))},
			after:  []replicaWriters{at(t1, "cart", 0, ws("cart.db", 1, 1, 1))},
			want:   []results.WriterUsage{wu("cart", 0, "cart.db", 1, 1, 1, false)},
			notes:  [][]string{{"cart replica 1", "not in the deployment after"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes := writerUsage(tt.before, tt.after)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("usage:\n got %+v\nwant %+v", got, tt.want)
			}
			if len(notes) != len(tt.notes) {
				t.Fatalf("notes %q, want %d", notes, len(tt.notes))
			}
			for i, want := range tt.notes {
				for _, s := range want {
					if !strings.Contains(notes[i], s) {
						t.Errorf("note %q does not contain %q", notes[i], s)
					}
				}
			}
		})
	}
}

// standInWriters stands in for a replica's sqlstore.WriterHandler: it
// serves its stats, which a test changes between samples, or fails with
// status.
type standInWriters struct {
	mu     sync.Mutex
	stats  []sqlstore.WriterStats
	status int // what to answer instead, 0 for the stats
	body   string
}

// set replaces the stats.
func (s *standInWriters) set(stats ...sqlstore.WriterStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = stats
}

// add counts writes into the first database.
func (s *standInWriters) add(writes int64, heldMs, waitedMs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats[0].Writes += writes
	s.stats[0].Held += time.Duration(heldMs) * time.Millisecond
	s.stats[0].Waited += time.Duration(waitedMs) * time.Millisecond
}

// failWith has the stand-in answer with status from now on.
func (s *standInWriters) failWith(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *standInWriters) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.status != 0:
		http.Error(w, s.body, s.status)
	case s.body != "":
		_, _ = w.Write([]byte(s.body))
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sqlstore.WriterReport{Writers: s.stats})
	}
}

// serveWriters starts a replica stand-in on loopback that serves s at
// sqlstore.WriterPath, and, for the audit, no facts and no charges.
func serveWriters(t *testing.T, s *standInWriters) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET "+sqlstore.WriterPath, s)
	mux.HandleFunc("GET "+audit.FactsPath, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	mux.HandleFunc("GET /v1/charges", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"charges":[]}`)) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// writes returns the writes counted into the first database.
func (s *standInWriters) writes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats[0].Writes
}

// standInDeployment is a deployment of replica stand-ins: urls per
// component, the writers the test drives, and the entry URL, if any.
type standInDeployment struct {
	urls    map[string][]string
	writers []*standInWriters
	entry   string
}

// EntryURL is entry, or a port where nothing answers.
func (d *standInDeployment) EntryURL() string {
	if d.entry != "" {
		return d.entry
	}
	return "http://127.0.0.1:9"
}

func (d *standInDeployment) URLs(component string) []string { return d.urls[component] }
func (d *standInDeployment) Stop(context.Context) error     { return nil }

// TestWriterSampler samples stand-in replicas before and after their
// writes: the figures are the differences, and a replica that does not
// answer, or answers wrongly, is left out with a note naming it and why.
func TestWriterSampler(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		// second is cart's replica 1, and its writes during the scenario.
		second *standInWriters
		url    string // the second replica's URL instead of a stand-in's
		want   []results.WriterUsage
		note   []string
	}{
		{name: "both answer", second: &standInWriters{},
			want: []results.WriterUsage{wu("cart", 0, "cart.db", 30, 60, 90, false), wu("cart", 1, "cart.db", 30, 60, 90, false)}},
		{name: "HTTP error", second: &standInWriters{status: http.StatusInternalServerError, body: "meter broken"},
			want: []results.WriterUsage{wu("cart", 0, "cart.db", 30, 60, 90, false)},
			note: []string{"cart replica 1", "HTTP 500", "meter broken", sqlstore.WriterPath}},
		{name: "not JSON", second: &standInWriters{body: "<html>"},
			want: []results.WriterUsage{wu("cart", 0, "cart.db", 30, 60, 90, false)},
			note: []string{"cart replica 1", "decode"}},
		{name: "not answering", url: closed.URL,
			want: []results.WriterUsage{wu("cart", 0, "cart.db", 30, 60, 90, false)},
			note: []string{"cart replica 1", "before the scenario", "writer stats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := &standInWriters{}
			first.set(ws("cart.db", 10, 10, 10))
			dep := &standInDeployment{urls: map[string][]string{"cart": {serveWriters(t, first)}}}
			if tt.second != nil {
				tt.second.set(ws("cart.db", 10, 10, 10))
				dep.urls["cart"] = append(dep.urls["cart"], serveWriters(t, tt.second))
			} else {
				dep.urls["cart"] = append(dep.urls["cart"], tt.url)
			}
			s := startWriters(t.Context(), dep, []string{"cart"})
			for _, w := range []*standInWriters{first, tt.second} {
				if w != nil && w.status == 0 && w.body == "" {
					w.add(30, 60, 90)
				}
			}
			got, notes := s.stop(t.Context())
			for i := range got {
				if got[i].Span <= 0 || got[i].Span.Std() > time.Minute {
					t.Errorf("%s-%d: span %s", got[i].Component, got[i].Replica, got[i].Span)
				}
				got[i].Span = results.Duration(10 * time.Second) // as wu has it
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("usage:\n got %+v\nwant %+v", got, tt.want)
			}
			if len(tt.note) == 0 {
				if len(notes) != 0 {
					t.Errorf("notes %q, want none", notes)
				}
				return
			}
			if len(notes) != 1 {
				t.Fatalf("notes %q, want one", notes)
			}
			for _, s := range tt.note {
				if !strings.Contains(notes[0], s) {
					t.Errorf("note %q does not contain %q", notes[0], s)
				}
			}
		})
	}
	t.Run("no writers", func(t *testing.T) {
		s := startWriters(t.Context(), &standInDeployment{}, nil)
		if got, notes := s.stop(t.Context()); got != nil || notes != nil {
			t.Errorf("stop = %v, %q; want nothing without writers", got, notes)
		}
	})
}

// TestWriterLine checks the progress line: each database when there are a
// few, the busiest of many; replicas numbered where a component has
// several.
func TestWriterLine(t *testing.T) {
	core := wu("core", 0, "shop.db", 1000, 3300, 3200, false) // 33% busy, 3.3 ms held, 3.2 ms waited
	tests := []struct {
		name  string
		usage []results.WriterUsage
		want  string
	}{
		{"none", nil, ""},
		{"one", []results.WriterUsage{core}, "core shop.db 33% busy, 3.3 ms held and 3.2 ms waited per write"},
		{"no writes", []results.WriterUsage{wu("core", 0, "shop.db", 0, 0, 0, false)}, ""},
		{"databases without writes left out", []results.WriterUsage{core,
			wu("catalog", 0, "catalog.db", 0, 0, 0, false), wu("catalog", 1, "catalog.db", 0, 0, 0, false)},
			"core shop.db 33% busy, 3.3 ms held and 3.2 ms waited per write"},
		{"replicas and a restart", []results.WriterUsage{
			wu("cart", 0, "cart.db", 100, 58, 5, false), wu("cart", 1, "cart.db", 100, 4100, 1200, true)},
			"cart-0 cart.db 1% busy, 0.58 ms held and 0.050 ms waited per write; " +
				"cart-1 cart.db 41% busy, 41 ms held and 12 ms waited per write (restarted)"},
		{"the busiest of many", []results.WriterUsage{
			wu("cart", 0, "cart.db", 100, 58, 5, false), core,
			wu("orders", 0, "orders.db", 10, 10, 10, false), wu("inventory", 0, "inventory.db", 10, 10, 10, false)},
			"core shop.db 33% busy, 3.3 ms held and 3.2 ms waited per write (the busiest of 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := writerLine(tt.usage); got != tt.want {
				t.Errorf("writerLine =\n %q\nwant %q", got, tt.want)
			}
		})
	}
}

// standInRuntime deploys replica stand-ins of monolith, whose first also
// stands in for the payment provider (and the audit's facts), each with a
// shop.db opened on deploying that has seen 10 writes since; with shop,
// its entry is a stand-in shop writing into them (see serveShop). It
// keeps what it deployed, last last.
type standInRuntime struct {
	t        *testing.T
	replicas int
	shop     bool
	deployed []*standInDeployment
}

func (*standInRuntime) Name() string { return "stand-in" }
func (r *standInRuntime) Deploy(context.Context, runtime.Plan) (runtime.Deployment, error) {
	dep := &standInDeployment{urls: map[string][]string{}}
	for range r.replicas {
		w := &standInWriters{}
		w.set(opened(time.Now(), ws("shop.db", 10, 10, 10)))
		dep.writers = append(dep.writers, w)
		dep.urls["monolith"] = append(dep.urls["monolith"], serveWriters(r.t, w))
	}
	dep.urls[variants.PSPName] = dep.urls["monolith"][:1]
	if r.shop {
		dep.entry = serveShop(r.t, dep)
	}
	r.deployed = append(r.deployed, dep)
	return dep, nil
}

// last returns the deployment deployed last.
func (r *standInRuntime) last() *standInDeployment { return r.deployed[len(r.deployed)-1] }

// writingScenario is a scenario whose Run has the stand-in replicas write
// (run), and a cross-checker that writes more (cross).
type writingScenario struct {
	rt    *standInRuntime
	run   func(ctx context.Context, t Target, dep *standInDeployment) error
	cross func(dep *standInDeployment)
}

func (writingScenario) Name() string           { return "steady" }
func (writingScenario) Params() map[string]any { return map[string]any{} }
func (s writingScenario) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	return results.VariantResult{Variant: t.Variant}, s.run(ctx, t, s.rt.last())
}

func (s writingScenario) CrossCheck(_ context.Context, t Target, _ Scenario) (results.VariantResult, bool, error) {
	s.cross(s.rt.last())
	return results.VariantResult{}, false, nil
}

// writingVarier is a writingScenario run under two settings.
type writingVarier struct{ writingScenario }

func (writingVarier) Settings(_ variants.Variant, env variants.Env) []Setting {
	return []Setting{{Label: "a", Env: env}, {Label: "b", Env: env}}
}

// TestBenchSamplesWriters runs a bench on stand-in replicas: each result
// holds what its own deployment's writers did while the scenario ran, not
// before it nor in the cross-check after it; a restarted replica's counts
// (another Opened) as they are, from its restart on, whether they went
// down or not; a replica that stops answering is left out with a note, and the run goes
// on; and the progress says so in one line.
func TestBenchSamplesWriters(t *testing.T) {
	monolith, err := variants.Lookup("monolith")
	if err != nil {
		t.Fatal(err)
	}
	monolith.Writers = []string{"monolith"}
	// spanless returns ws with their spans checked and set to wu's.
	spanless := func(t *testing.T, ws []results.WriterUsage) []results.WriterUsage {
		t.Helper()
		for i := range ws {
			if ws[i].Span <= 0 || ws[i].Span.Std() > time.Minute {
				t.Errorf("replica %d: span %s", ws[i].Replica, ws[i].Span)
			}
			ws[i].Span = results.Duration(10 * time.Second)
		}
		return ws
	}

	t.Run("replicas", func(t *testing.T) {
		rt := &standInRuntime{t: t, replicas: 2}
		sc := writingScenario{rt: rt,
			run: func(_ context.Context, t Target, dep *standInDeployment) error {
				if t.Deployment != runtime.Deployment(dep) {
					return errors.New("the target's deployment is not the one deployed")
				}
				dep.writers[0].add(100, 50, 20)
				dep.writers[1].set(opened(time.Now(), ws("shop.db", 3, 1, 0))) // started again
				return nil
			},
			cross: func(dep *standInDeployment) { dep.writers[0].add(1000, 1000, 1000) },
		}
		var out bytes.Buffer
		b := &Bench{Runtime: rt, Variants: []variants.Variant{monolith}, Scenario: sc, CrossCheck: sc, Progress: NewProgress(&out)}
		run, err := b.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Variants) != 1 {
			t.Fatalf("%d results, want 1", len(run.Variants))
		}
		res := run.Variants[0]
		want := []results.WriterUsage{wu("monolith", 0, "shop.db", 100, 50, 20, false), wu("monolith", 1, "shop.db", 3, 1, 0, true)}
		if got := spanless(t, res.Writers); !reflect.DeepEqual(got, want) {
			t.Errorf("writers:\n got %+v\nwant %+v", got, want)
		}
		if len(res.Notes) != 0 {
			t.Errorf("notes %q, want none", res.Notes)
		}
		// How busy depends on the wall time between the samples.
		line := regexp.MustCompile(`(?m)^steady monolith: writers: monolith-0 shop\.db \d+% busy, 0\.50 ms held and 0\.20 ms waited per write; ` +
			`monolith-1 shop\.db \d+% busy, 0\.33 ms held and 0\.000 ms waited per write \(restarted\)$`)
		if !line.MatchString(out.String()) {
			t.Errorf("progress:\n%s\nwant a line matching %s", out.String(), line)
		}
	})

	t.Run("restarted with more writes than before", func(t *testing.T) {
		rt := &standInRuntime{t: t, replicas: 2}
		// pause is how long the scenario writes before replica 1 restarts.
		const pause = 100 * time.Millisecond
		var restarted time.Time
		sc := writingScenario{rt: rt,
			run: func(_ context.Context, _ Target, dep *standInDeployment) error {
				dep.writers[0].add(100, 50, 20)
				dep.writers[1].add(5, 5, 5)
				time.Sleep(pause)
				// A crash and a restart: a new process, whose counts began
				// again and end above the 10 writes before the scenario.
				restarted = time.Now()
				dep.writers[1].set(opened(restarted, ws("shop.db", 40, 40, 40)))
				return nil
			},
			cross: func(*standInDeployment) {},
		}
		b := &Bench{Runtime: rt, Variants: []variants.Variant{monolith}, Scenario: sc}
		run, err := b.Run(t.Context())
		sinceRestart := time.Since(restarted)
		if err != nil {
			t.Fatal(err)
		}
		got := run.Variants[0].Writers
		if len(got) != 2 {
			t.Fatalf("writers %+v, want two", got)
		}
		// Replica 1's span runs from its restart, replica 0's from before
		// the scenario.
		if span := got[1].Span.Std(); span <= 0 || span > sinceRestart {
			t.Errorf("restarted replica's span %s, want it from the restart on (at most %s)", span, sinceRestart)
		}
		if span := got[0].Span.Std(); span < pause {
			t.Errorf("replica 0's span %s, want it over the whole scenario (at least %s)", span, pause)
		}
		want := []results.WriterUsage{wu("monolith", 0, "shop.db", 100, 50, 20, false), wu("monolith", 1, "shop.db", 40, 40, 40, true)}
		if got := spanless(t, got); !reflect.DeepEqual(got, want) {
			t.Errorf("writers:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("settings", func(t *testing.T) {
		rt := &standInRuntime{t: t, replicas: 1}
		writes := map[string]int64{"a": 7, "b": 9}
		sc := writingVarier{writingScenario{rt: rt,
			run: func(_ context.Context, t Target, dep *standInDeployment) error {
				dep.writers[0].add(writes[t.Setting], 1, 1)
				return nil
			},
			cross: func(dep *standInDeployment) { dep.writers[0].add(1000, 1000, 1000) },
		}}
		b := &Bench{Runtime: rt, Variants: []variants.Variant{monolith}, Scenario: sc, CrossCheck: sc}
		run, err := b.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Variants) != 2 || len(rt.deployed) != 2 {
			t.Fatalf("%d results of %d deployments, want one per setting", len(run.Variants), len(rt.deployed))
		}
		for _, res := range run.Variants {
			if len(res.Writers) != 1 || res.Writers[0].Writes != writes[res.Setting] || res.Writers[0].Restarted {
				t.Errorf("setting %q: writers %+v, want %d writes", res.Setting, res.Writers, writes[res.Setting])
			}
		}
	})

	t.Run("a replica not answering", func(t *testing.T) {
		rt := &standInRuntime{t: t, replicas: 2}
		sc := writingScenario{rt: rt,
			run: func(_ context.Context, _ Target, dep *standInDeployment) error {
				dep.writers[1].failWith(http.StatusServiceUnavailable)
				return nil
			},
			cross: func(*standInDeployment) {},
		}
		b := &Bench{Runtime: rt, Variants: []variants.Variant{monolith}, Scenario: sc}
		run, err := b.Run(t.Context())
		if err != nil {
			t.Fatalf("Run = %v, want the run to go on without the replica's writers", err)
		}
		res := run.Variants[0]
		if len(res.Writers) != 1 || res.Writers[0].Replica != 0 {
			t.Errorf("writers %+v, want replica 0's alone", res.Writers)
		}
		if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "monolith replica 1") || !strings.Contains(res.Notes[0], "HTTP 503") {
			t.Errorf("notes %q, want one naming monolith replica 1 and its HTTP 503", res.Notes)
		}
	})

	t.Run("no writers", func(t *testing.T) {
		rt := &standInRuntime{t: t, replicas: 1}
		sc := writingScenario{rt: rt,
			run: func(_ context.Context, t Target, dep *standInDeployment) error {
				if t.Deployment != runtime.Deployment(dep) {
					return fmt.Errorf("the target's deployment is a %T, want the one deployed", t.Deployment)
				}
				dep.writers[0].add(1, 1, 1)
				return nil
			},
			cross: func(*standInDeployment) {},
		}
		plain := monolith
		plain.Writers = nil
		b := &Bench{Runtime: rt, Variants: []variants.Variant{plain}, Scenario: sc}
		run, err := b.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if w := run.Variants[0].Writers; w != nil {
			t.Errorf("writers %+v of a variant without any", w)
		}
	})
}
