package workload_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants/monolith"
	"github.com/archbench/archbench/workload"
)

// TestJourneysAgainstTheShop runs each journey against a real monolith and
// checks that it makes the requests it should, all succeeding.
func TestJourneysAgainstTheShop(t *testing.T) {
	provider, err := payment.NewProvider()
	if err != nil {
		t.Fatal(err)
	}
	psp := httptest.NewServer(provider)
	t.Cleanup(psp.Close)
	h, closeShop, err := monolith.New(context.Background(), t.TempDir(), psp.URL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); closeShop() })

	tests := []struct {
		journey string
		ops     []string // every operation the journey must make
	}{
		{workload.Browse, []string{httpapi.RouteListProducts, httpapi.RouteGetProduct}},
		{workload.AddToCart, []string{httpapi.RouteCreateCart, httpapi.RouteAddItem, httpapi.RouteGetCart}},
		{workload.Checkout, []string{httpapi.RouteCreateCart, httpapi.RouteAddItem, httpapi.RouteCheckout}},
	}
	for _, tc := range tests {
		t.Run(tc.journey, func(t *testing.T) {
			mix, err := workload.Mix(tc.journey + "=1")
			if err != nil {
				t.Fatal(err)
			}
			gen := loadgen.New(srv.URL)
			t.Cleanup(gen.CloseIdleConnections)
			attack := gen.Start(context.Background(), loadgen.ConstantRate{Rate: 40, Duration: 500 * time.Millisecond}, mix)
			seen := map[string]int{}
			for r := range attack.Results() {
				if r.Failed() {
					t.Errorf("%s %s failed: status %d, %s", r.Journey, r.Op, r.Status, r.Err)
				}
				seen[r.Op]++
			}
			if err := attack.Err(); err != nil {
				t.Fatal(err)
			}
			for _, op := range tc.ops {
				if seen[op] == 0 {
					t.Errorf("journey made no %s request; made %v", op, seen)
				}
			}
		})
	}
}

func TestMixRejectsUnknownJourney(t *testing.T) {
	_, err := workload.Mix("browse=50,teleport=50")
	if err == nil || !strings.Contains(err.Error(), "teleport") {
		t.Fatalf("Mix with an unknown journey = %v, want an error naming it", err)
	}
}
