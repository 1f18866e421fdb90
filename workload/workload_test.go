package workload_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants/monolith/monolithtest"
	"github.com/archbench/archbench/workload"
)

// TestJourneysAgainstTheShop runs each journey against a real monolith and
// checks that it makes the requests it should, all succeeding.
func TestJourneysAgainstTheShop(t *testing.T) {
	shopURL := monolithtest.Serve(t).URL

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
			gen := loadgen.New(shopURL)
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

// fakeShop serves what the journeys need of a shop, closed when the test
// ends: a new cart, every checkout answered with status and body, the
// product list by list (when not nil), and {} for anything else.
func fakeShop(t *testing.T, status int, body string, list http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/carts":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"c_1","items":[],"total_cents":0}`)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/checkout"):
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		case r.Method == http.MethodGet && r.URL.Path == "/products" && list != nil:
			list(w, r)
		default:
			fmt.Fprint(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFewProducts runs every journey with catalogs smaller than a page and
// than a checkout's cart: WithProducts takes MinProducts at least, so no
// journey panics or loops looking for distinct products that do not exist.
func TestFewProducts(t *testing.T) {
	for _, n := range []int{0, 1, 2, workload.MinProducts} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			srv := fakeShop(t, http.StatusCreated, `{"id":"o_1","status":"paid"}`, func(w http.ResponseWriter, r *http.Request) {
				if off, _ := strconv.Atoi(r.URL.Query().Get("offset")); off >= workload.MinProducts {
					t.Errorf("listed from offset %d, past the first page of a catalog of %d", off, workload.MinProducts)
				}
				fmt.Fprint(w, `{"items":[]}`)
			})
			mix, err := workload.Mix("browse=1,add-to-cart=1,checkout=1", workload.WithProducts(n))
			if err != nil {
				t.Fatal(err)
			}
			gen := loadgen.New(srv.URL)
			t.Cleanup(gen.CloseIdleConnections)
			attack := gen.Start(context.Background(), loadgen.ConstantRate{Rate: 100, Duration: 300 * time.Millisecond}, mix)
			journeys := map[string]bool{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				for r := range attack.Results() {
					journeys[r.Journey] = true
				}
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				// A journey spinning on distinct products ignores its
				// context, so the attack cannot be stopped: fail now.
				t.Fatal("the journeys did not finish: a cart looking for more distinct products than the catalog has")
			}
			if err := attack.Err(); err != nil {
				t.Fatal(err)
			}
			if len(journeys) != 3 {
				t.Errorf("journeys run: %v, want all three", journeys)
			}
		})
	}
}

// TestCheckoutOutcomes answers every checkout with one status and body and
// checks how the checkout journey counts it: a decline and a sold-out
// product are the shop working as designed; any other 409, an unavailable
// provider or a server error are errors.
func TestCheckoutOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		failed  bool
		errPart string // in the failed Result's Err
	}{
		{"paid", http.StatusCreated, `{"id":"o_1","status":"paid"}`, false, ""},
		{"declined", http.StatusPaymentRequired, `{"error":{"code":"payment_declined","message":"declined"}}`, false, ""},
		{"out of stock", http.StatusConflict, `{"error":{"code":"out_of_stock","message":"product 7: 2 wanted: out of stock"}}`, false, ""},
		{"idempotency conflict", http.StatusConflict, `{"error":{"code":"conflict","message":"a checkout with this idempotency key is still in progress; retry"}}`, true, "409 conflict"},
		{"409 without a code", http.StatusConflict, `conflict`, true, "without an error code"},
		{"provider unavailable", http.StatusServiceUnavailable, `{"error":{"code":"payment_unavailable","message":"no answer"}}`, true, "status 503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeShop(t, tc.status, tc.body, nil)
			mix, err := workload.Mix("checkout=1")
			if err != nil {
				t.Fatal(err)
			}
			gen := loadgen.New(srv.URL)
			t.Cleanup(gen.CloseIdleConnections)
			attack := gen.Start(context.Background(), loadgen.ConstantRate{Rate: 20, Duration: 200 * time.Millisecond}, mix)
			checkouts := 0
			for r := range attack.Results() {
				if r.Op != httpapi.RouteCheckout {
					if r.Failed() {
						t.Errorf("%s failed: status %d, %s", r.Op, r.Status, r.Err)
					}
					continue
				}
				checkouts++
				if r.Failed() != tc.failed || !strings.Contains(r.Err, tc.errPart) {
					t.Errorf("checkout answered %d %s: failed %v with %q; want failed %v with %q", tc.status, tc.body, r.Failed(), r.Err, tc.failed, tc.errPart)
				}
			}
			if err := attack.Err(); err != nil {
				t.Fatal(err)
			}
			if checkouts == 0 {
				t.Fatal("no checkout was made")
			}
		})
	}
}
