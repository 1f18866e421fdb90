package k6

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants/monolith/monolithtest"
	"github.com/archbench/archbench/workload"
)

var update = flag.Bool("update", false, "rewrite testdata/summary.json with the summary of the end-to-end run")

// fixtureSpec is the spec testdata/summary.json was written for, less its
// target.
func fixtureSpec(target string) Spec {
	return Spec{Target: target, Rate: 50, Warmup: time.Second, Duration: 2 * time.Second, Seed: 1, MaxInFlight: 64}
}

// productViews counts GET /products/{id} by product ID.
type productViews struct {
	mu   sync.Mutex
	hits map[int]int
	// first is closed on the first request the server sees.
	first     chan struct{}
	firstOnce sync.Once
}

func (v *productViews) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.firstOnce.Do(func() { close(v.first) })
		if rest, ok := strings.CutPrefix(r.URL.Path, "/products/"); ok && r.Method == http.MethodGet {
			if id, err := strconv.Atoi(rest); err == nil {
				v.mu.Lock()
				v.hits[id]++
				v.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

// startShop serves the monolith's handler in this process, next to a
// payment provider, over loopback.
func startShop(t *testing.T) (string, *productViews) {
	t.Helper()
	views := &productViews{hits: map[int]int{}, first: make(chan struct{})}
	shopURL := monolithtest.Serve(t, monolithtest.WithWrap(views.wrap)).URL
	return shopURL, views
}

// TestRunEndToEnd runs the real k6 against the monolith for 3 s (1 s of
// warm-up, 2 s measured) at 50 journeys/s, then has it interrupted.
func TestRunEndToEnd(t *testing.T) {
	bin := k6Binary(t)
	target, views := startShop(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	r, err := Run(ctx, fixtureSpec(target), WithWorkDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "summary.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if r.Label != results.LabelMeasured || r.Generator.Name != GeneratorName {
		t.Errorf("Label %q, Generator.Name %q; want %q, %q", r.Label, r.Generator.Name, results.LabelMeasured, GeneratorName)
	}
	if r.Total.Count == 0 || r.Achieved.Requests != r.Total.Count || r.Achieved.Iterations == 0 {
		t.Fatalf("k6 sent %d requests (achieved: %+v)", r.Total.Count, r.Achieved)
	}
	if r.Total.Errors != 0 || r.Total.ErrorRate != 0 {
		t.Errorf("%d requests failed (rate %v)", r.Total.Errors, r.Total.ErrorRate)
	}
	if r.Total.LatencyMs.P50 <= 0 || r.Total.LatencyMs.Max < r.Total.LatencyMs.P99 {
		t.Errorf("total latency %+v", r.Total.LatencyMs)
	}
	if r.Achieved.WarmupRequests == 0 {
		t.Error("no warm-up requests counted apart")
	}
	if r.Generator.CPU <= 0 || r.Generator.CPUMicrosPerRequest <= 0 {
		t.Errorf("generator %+v: k6's CPU was not measured", r.Generator)
	}
	t.Logf("k6: %d requests, %d journeys, %d dropped; CPU %s, %.0f µs/request; p50 %.3f ms, p99 %.3f ms",
		r.Total.Count, r.Achieved.Iterations, r.Achieved.Dropped, r.Generator.CPU, r.Generator.CPUMicrosPerRequest,
		r.Total.LatencyMs.P50, r.Total.LatencyMs.P99)

	var sum int64
	got := map[string]results.OpStats{}
	for _, op := range r.Operations {
		got[op.Name] = op
		sum += op.Count
	}
	for _, op := range allOps {
		if st := got[op]; st.Count == 0 || st.ErrorRate != 0 || st.LatencyMs.Max <= 0 {
			t.Errorf("operation %q: %+v", op, st)
		}
	}
	if sum != r.Total.Count {
		t.Errorf("operations count %d requests, the total %d", sum, r.Total.Count)
	}
	if len(r.Journeys) != 3 {
		t.Errorf("journeys %+v, want %s, %s and %s", r.Journeys, workload.AddToCart, workload.Browse, workload.Checkout)
	}

	// Product popularity is skewed as the workload's: product 1, the most
	// popular, is viewed most (about 18% of views; 0.1% if uniform).
	views.mu.Lock()
	top, total := 0, 0
	for id, n := range views.hits {
		total += n
		if n > views.hits[top] {
			top = id
		}
	}
	views.mu.Unlock()
	if top != 1 || views.hits[1] < total/20 {
		t.Errorf("product 1 had %d of %d views, the most-viewed is %d: not Zipf-skewed", views.hits[1], total, top)
	}

	t.Run("interrupted", func(t *testing.T) {
		target, views := startShop(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-views.first:
				cancel() // k6 is sending: interrupt it
			case <-ctx.Done():
			}
		}()
		spec := fixtureSpec(target)
		spec.Warmup, spec.Duration = 0, time.Minute
		const stopDelay = 20 * time.Second
		start := time.Now()
		_, err := Run(ctx, spec, WithK6(bin), WithStopDelay(stopDelay))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		// Run returns once k6 has exited and been reaped; well before the
		// stop delay means SIGINT stopped it, not the kill.
		if d := time.Since(start); d > stopDelay/2 {
			t.Errorf("Run took %s to stop k6", d)
		}
	})
}

// TestRunCheckoutConflict runs the real k6 against a monolith whose
// checkouts all answer 409 with a given body, and checks that k6's result
// counts them as workload does: an error unless the code is out_of_stock.
func TestRunCheckoutConflict(t *testing.T) {
	bin := k6Binary(t)
	for _, tc := range []struct {
		name   string
		body   string
		errors bool
	}{
		{"out of stock", `{"error":{"code":"out_of_stock","message":"sold out"}}`, false},
		{"conflict", `{"error":{"code":"conflict","message":"checkout in progress"}}`, true},
		{"no error code", `not JSON`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := monolithtest.Serve(t, monolithtest.WithWrap(func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/checkout") {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusConflict)
						io.WriteString(w, tc.body)
						return
					}
					h.ServeHTTP(w, r)
				})
			})).URL
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			spec := Spec{Target: target, Mix: workload.Checkout, Rate: 20, Duration: time.Second, Seed: 1, MaxInFlight: 16}
			r, err := Run(ctx, spec, WithK6(bin))
			if err != nil {
				t.Fatal(err)
			}
			var checkout, journey results.OpStats
			for _, op := range r.Operations {
				if op.Name == httpapi.RouteCheckout {
					checkout = op
				}
			}
			for _, j := range r.Journeys {
				if j.Name == workload.Checkout {
					journey = j
				}
			}
			if checkout.Count == 0 {
				t.Fatalf("no checkouts in %+v", r.Operations)
			}
			want := int64(0)
			if tc.errors {
				want = checkout.Count // every checkout answered 409
			}
			if checkout.Errors != want || journey.Errors != want || r.Total.Errors != want {
				t.Errorf("errors: checkout %d, journey %d, total %d; want %d of %d checkouts",
					checkout.Errors, journey.Errors, r.Total.Errors, want, checkout.Count)
			}
			if tc.errors && checkout.ErrorRate != 1 {
				t.Errorf("checkout error rate %v, want 1", checkout.ErrorRate)
			}
		})
	}
}

func TestK6Env(t *testing.T) {
	got := k6Env([]string{"PATH=/bin", "K6_DURATION=1h", "k6_vus=9", "HOME=/root", "XK6_FOO=1"})
	want := []string{"PATH=/bin", "HOME=/root", "XK6_FOO=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("k6Env = %q, want %q", got, want)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	b.Write([]byte("0123"))
	if b.String() != "0123" {
		t.Errorf("tail %q", b.String())
	}
	b.Write([]byte("456789ab"))
	if b.String() != "…456789ab" {
		t.Errorf("tail %q, want the last 8 bytes after an ellipsis", b.String())
	}
}

func TestFindModuleRoot(t *testing.T) {
	root, err := findModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if filepath.Dir(wd) != root { // tests run in the package's directory, k6/
		t.Errorf("module root %q, want %q", root, filepath.Dir(wd))
	}
}
