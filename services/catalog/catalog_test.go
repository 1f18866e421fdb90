package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// spec is a small catalog with distinct stock levels per product.
var spec = shop.CatalogSpec{Count: 5, Seed: 7, MinStock: 10, MaxStock: 1000}

// counting is a remote.Caller that counts the calls it passes on.
type counting struct {
	next  remote.Caller
	calls atomic.Int64
}

func (c *counting) Call(ctx context.Context, method, path string, in, out any) error {
	c.calls.Add(1)
	return c.next.Call(ctx, method, path, in, out)
}

// shopUnderTest is a catalog service over a real inventory service, each on
// loopback.
type shopUnderTest struct {
	catalog, inventory *httptest.Server
	stockCalls         *counting
}

func start(t *testing.T) shopUnderTest {
	t.Helper()
	db, inv, err := inventory.Open(t.Context(), t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	invSrv := httptest.NewServer(inventory.Handler(db, inv, nil))
	t.Cleanup(invSrv.Close)

	caller, err := remote.NewHTTP("inventory", invSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	counted := &counting{next: caller}
	s, err := catalog.Open(t.Context(), t.TempDir(), spec, counted)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := httptest.NewServer(catalog.Handler(s, nil))
	t.Cleanup(srv.Close)
	return shopUnderTest{catalog: srv, inventory: invSrv, stockCalls: counted}
}

// get sends a GET and decodes a 200 answer into out; it returns the status
// and, for an error answer, the envelope's code.
func get(t *testing.T, url string, out any) (int, string) {
	t.Helper()
	return send(t, http.MethodGet, url, "", out)
}

func send(t *testing.T, method, url, body string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		var eb api.ErrorBody
		if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" {
			t.Fatalf("%s %s: %d with a body that is not a JSON error: %q", method, url, resp.StatusCode, data)
		}
		return resp.StatusCode, eb.Error.Code
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %q", method, url, err, data)
		}
	}
	return resp.StatusCode, ""
}

// TestProductsCarryStock proves the product routes report the inventory's
// stock levels, fetched in one inventory call per request, and follow a
// change made at the inventory.
func TestProductsCarryStock(t *testing.T) {
	s := start(t)
	want := spec.Products()
	if want[0].Stock == want[1].Stock && want[1].Stock == want[2].Stock {
		t.Fatalf("spec gives products equal stock %d; pick another seed so a mix-up shows", want[0].Stock)
	}

	// Reserve 3 of product 2 at the inventory, as the order saga would.
	status, code := send(t, http.MethodPost, s.inventory.URL+"/reservations", `{"order_id":"o_1","items":[{"product_id":2,"quantity":3}]}`, nil)
	if status != http.StatusCreated {
		t.Fatalf("reserve at the inventory: %d %s", status, code)
	}
	want[1].Stock -= 3

	s.stockCalls.calls.Store(0)
	var page api.ProductPage
	if status, code := get(t, s.catalog.URL+"/products", &page); status != http.StatusOK {
		t.Fatalf("GET /products: %d %s", status, code)
	}
	if n := s.stockCalls.calls.Load(); n != 1 {
		t.Errorf("GET /products made %d inventory calls, want 1", n)
	}
	if page.Total != int64(spec.Count) || fmt.Sprint(page.Products) != fmt.Sprint(want) {
		t.Errorf("GET /products = total %d %+v\nwant total %d %+v", page.Total, page.Products, spec.Count, want)
	}

	tests := []struct {
		path string
		want []shop.Product
	}{
		{"/products?offset=1&limit=2", want[1:3]},
		{"/products?offset=4", want[4:]},
	}
	for _, tt := range tests {
		var page api.ProductPage
		if status, code := get(t, s.catalog.URL+tt.path, &page); status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", tt.path, status, code)
		}
		if fmt.Sprint(page.Products) != fmt.Sprint(tt.want) {
			t.Errorf("GET %s = %+v, want %+v", tt.path, page.Products, tt.want)
		}
	}

	for _, p := range want {
		var got shop.Product
		if status, code := get(t, fmt.Sprintf("%s/products/%d", s.catalog.URL, p.ID), &got); status != http.StatusOK {
			t.Fatalf("GET /products/%d: %d %s", p.ID, status, code)
		}
		if got != p {
			t.Errorf("GET /products/%d = %+v, want %+v", p.ID, got, p)
		}
	}

	// Releasing at the inventory shows in the catalog at once.
	if status, code := send(t, http.MethodDelete, s.inventory.URL+"/reservations/o_1", "", nil); status != http.StatusNoContent {
		t.Fatalf("release at the inventory: %d %s", status, code)
	}
	var p2 shop.Product
	if get(t, s.catalog.URL+"/products/2", &p2); p2.Stock != spec.Products()[1].Stock {
		t.Errorf("stock of product 2 after release = %d, want %d", p2.Stock, spec.Products()[1].Stock)
	}
}

// TestPrice proves the internal price route: the catalog's price for a
// known product, 404 for an unknown one, 400 for an ID that is not one.
func TestPrice(t *testing.T) {
	s := start(t)
	tests := []struct {
		id     string
		status int
		code   string
		want   catalog.Price
	}{
		{"1", 200, "", catalog.Price{ID: 1, PriceCents: spec.Products()[0].PriceCents}},
		{"5", 200, "", catalog.Price{ID: 5, PriceCents: spec.Products()[4].PriceCents}},
		{"6", 404, api.CodeNotFound, catalog.Price{}},
		{"0", 400, api.CodeInvalidArgument, catalog.Price{}},
		{"-1", 400, api.CodeInvalidArgument, catalog.Price{}},
		{"abc", 400, api.CodeInvalidArgument, catalog.Price{}},
		{"99999999999999999999", 400, api.CodeInvalidArgument, catalog.Price{}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			var got catalog.Price
			status, code := get(t, s.catalog.URL+"/internal/prices/"+tt.id, &got)
			if status != tt.status || code != tt.code || got != tt.want {
				t.Errorf("GET /internal/prices/%s = %d %q %+v, want %d %q %+v", tt.id, status, code, got, tt.status, tt.code, tt.want)
			}
		})
	}
	if n := s.stockCalls.calls.Load(); n != 0 {
		t.Errorf("prices made %d inventory calls, want none", n)
	}
}

// TestInventoryDown proves that with the inventory down, routes that need
// stock answer 503 "unavailable" (an outage downstream, not a bug here),
// while those that do not keep working.
func TestInventoryDown(t *testing.T) {
	s := start(t)
	s.inventory.Close()
	tests := []struct {
		path   string
		status int
		code   string
	}{
		{"/products", 503, api.CodeUnavailable},
		{"/products/1", 503, api.CodeUnavailable},
		{"/products/6", 404, api.CodeNotFound},
		{"/internal/prices/1", 200, ""},
		{"/healthz", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if status, code := get(t, s.catalog.URL+tt.path, nil); status != tt.status || code != tt.code {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, status, code, tt.status, tt.code)
			}
		})
	}
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath, seeding among them.
func TestServesWriterStats(t *testing.T) {
	s := start(t)
	var rep sqlstore.WriterReport
	if st, code := get(t, s.catalog.URL+sqlstore.WriterPath, &rep); st != http.StatusOK {
		t.Fatalf("GET %s: %d %s, want 200", sqlstore.WriterPath, st, code)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "catalog.db" || rep.Writers[0].Writes < 1 {
		t.Fatalf("writers %+v, want catalog.db's, with the seeding written", rep.Writers)
	}
}
