package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// TestJourneysFollowTheCatalog drives the journeys a scenario prepares for
// a Target at a stand-in shop that records the products asked for: they
// pick IDs in
// 1..Target.Products (the default catalog's when zero), and list pages
// within it.
func TestJourneysFollowTheCatalog(t *testing.T) {
	tests := []struct {
		name     string
		products int
		max      int64 // the highest ID, and offset, the journeys may ask for
		above    int64 // some ID asked for must exceed it; 0 for no such check
	}{
		{"default", 0, int64(shop.DefaultCatalog.Count), 0},
		{"one page", workload.MinProducts, workload.MinProducts, 0},
		{"small", 40, 40, 0},
		{"large", 100_000, 100_000, int64(shop.DefaultCatalog.Count)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				maxID    int64
				maxPage  int64
				requests int
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				requests++
				if id, ok := strings.CutPrefix(r.URL.Path, "/products/"); ok {
					n, err := strconv.ParseInt(id, 10, 64)
					if err != nil || n < 1 {
						t.Errorf("asked for product %q", id)
					}
					maxID = max(maxID, n)
				} else if r.URL.Path == "/products" {
					off, _ := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
					maxPage = max(maxPage, off+workload.MinProducts)
				}
				w.Write([]byte(`{}`))
			}))
			t.Cleanup(srv.Close)
			st := Steady{Rate: 200, Duration: time.Second, Mix: "browse=1", Seed: 1, MaxInFlight: 64}
			gen, mix, _, err := prepare(t.Context(), Target{BaseURL: srv.URL, Products: tc.products}, st, st.Mix, st.Seed, st.MaxInFlight, st.Rate, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(gen.CloseIdleConnections)
			attack := gen.Start(t.Context(), loadgen.ConstantRate{Rate: st.Rate, Duration: 300 * time.Millisecond}, mix)
			for r := range attack.Results() {
				if r.Failed() {
					t.Errorf("%s failed: status %d, %s", r.Op, r.Status, r.Err)
				}
			}
			if err := attack.Err(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if requests == 0 {
				t.Fatal("the journeys made no requests")
			}
			if maxID > tc.max || maxPage > tc.max {
				t.Errorf("asked for product %d and listed up to %d, past a catalog of %d", maxID, maxPage, tc.max)
			}
			if tc.above > 0 && maxID <= tc.above {
				t.Errorf("asked for products up to %d only, never past %d in a catalog of %d", maxID, tc.above, tc.products)
			}
		})
	}
	t.Run("too small", func(t *testing.T) {
		st := Steady{Rate: 10, Duration: time.Second, Mix: "browse=1", Seed: 1, MaxInFlight: 1}
		_, err := st.Run(t.Context(), Target{BaseURL: "http://127.0.0.1:9", Products: workload.MinProducts - 1})
		if err == nil || !strings.Contains(err.Error(), "too small") {
			t.Errorf("Run with a catalog of %d = %v, want an error saying it is too small", workload.MinProducts-1, err)
		}
	})
}

// targetRecorder is a scenario that measures nothing and a cross-checker
// that checks nothing: both record the Target they are given.
type targetRecorder struct {
	mu      sync.Mutex
	run     []Target
	crossed []Target
}

func (r *targetRecorder) Name() string           { return "steady" }
func (r *targetRecorder) Params() map[string]any { return map[string]any{"rate_per_sec": 1.0} }
func (r *targetRecorder) Run(_ context.Context, t Target) (results.VariantResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.run = append(r.run, t)
	return results.VariantResult{Variant: t.Variant}, nil
}

func (r *targetRecorder) CrossCheck(_ context.Context, t Target, _ Scenario) (results.VariantResult, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.crossed = append(r.crossed, t)
	return results.VariantResult{}, false, nil
}

// TestBenchThreadsTheCatalog checks that Bench hands the scenario and the
// cross-check the count of the catalog the variant was deployed with,
// records the catalog in the run's params, and refuses a catalog too small
// for the journeys before deploying anything.
func TestBenchThreadsTheCatalog(t *testing.T) {
	monolith, err := variants.Lookup("monolith")
	if err != nil {
		t.Fatal(err)
	}
	big := shop.CatalogSpec{Count: 100_000, Seed: 7, MinStock: 500, MaxStock: 1000}
	tests := []struct {
		name    string
		env     variants.Env
		want    int    // Target.Products
		catalog string // params["catalog"]
	}{
		{"default", variants.Env{}, shop.DefaultCatalog.Count, shop.DefaultCatalog.String()},
		{"set", variants.Env{Catalog: big}, big.Count, "count=100000,seed=7,stock=500..1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &targetRecorder{}
			b := &Bench{Runtime: plainRuntime{}, Env: tc.env, Variants: []variants.Variant{monolith}, Scenario: rec, CrossCheck: rec}
			run, err := b.Run(t.Context())
			// The stand-in deployment serves no audit facts, so the bench
			// ends at the audit, after the scenario and the cross-check.
			if err == nil || !strings.Contains(err.Error(), "audit") {
				t.Fatalf("Run = %v, want the stand-in deployment's audit to fail", err)
			}
			if len(rec.run) != 1 || len(rec.crossed) != 1 {
				t.Fatalf("scenario ran %d times, cross-check %d; want once each", len(rec.run), len(rec.crossed))
			}
			if got := rec.run[0].Products; got != tc.want {
				t.Errorf("scenario's Target.Products = %d, want %d", got, tc.want)
			}
			if got := rec.crossed[0].Products; got != tc.want {
				t.Errorf("cross-check's Target.Products = %d, want %d", got, tc.want)
			}
			if got := run.Params["catalog"]; got != tc.catalog {
				t.Errorf(`params["catalog"] = %v, want %q`, got, tc.catalog)
			}
			if got, ok := run.Params["replicas"]; ok {
				t.Errorf(`params["replicas"] = %v with none asked for, want it absent`, got)
			}
		})
	}
	t.Run("replicas", func(t *testing.T) {
		ms, err := variants.Lookup("microservices")
		if err != nil {
			t.Fatal(err)
		}
		b := &Bench{Runtime: plainRuntime{}, Env: variants.Env{Replicas: map[string]int{"cart": 3, "catalog": 2}},
			Variants: []variants.Variant{ms}, Scenario: &targetRecorder{}}
		run, _ := b.Run(t.Context()) // ends at the stand-in's audit, as above
		if got := run.Params["replicas"]; got != "cart=3,catalog=2" {
			t.Errorf(`params["replicas"] = %v, want "cart=3,catalog=2"`, got)
		}
	})
	t.Run("too small", func(t *testing.T) {
		rec := &targetRecorder{}
		small := shop.CatalogSpec{Count: workload.MinProducts - 1, Seed: 1, MinStock: 1, MaxStock: 1}
		b := &Bench{Runtime: plainRuntime{}, Env: variants.Env{Catalog: small}, Variants: []variants.Variant{monolith}, Scenario: rec}
		if _, err := b.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "catalog") || !strings.Contains(err.Error(), "too small") {
			t.Errorf("Run with a catalog of %d = %v, want an error naming the catalog", small.Count, err)
		}
		if len(rec.run) != 0 {
			t.Errorf("the scenario ran %d times with a catalog too small for it", len(rec.run))
		}
	})
}
