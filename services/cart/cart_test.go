package cart_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/archbench/archbench/services/cart"
	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// spec is a small catalog; prices come from it.
var spec = shop.CatalogSpec{Count: 3, Seed: 3, MinStock: 10, MaxStock: 10}

// noInventory is an inventory that never answers: the cart only asks the
// catalog for prices, which need no stock.
type noInventory struct{}

func (noInventory) Call(context.Context, string, string, any, any) error {
	return fmt.Errorf("inventory: %w", remote.ErrUnavailable)
}

// services is a cart service over a real catalog service, each on loopback.
type services struct {
	cart, catalog *httptest.Server
}

func start(t *testing.T) services {
	t.Helper()
	cat, err := catalog.Open(t.Context(), t.TempDir(), spec, noInventory{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	catSrv := httptest.NewServer(catalog.Handler(cat, nil))
	t.Cleanup(catSrv.Close)

	caller, err := remote.NewHTTP("catalog", catSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cart.Open(t.Context(), t.TempDir(), caller)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := httptest.NewServer(cart.Handler(s, nil))
	t.Cleanup(srv.Close)
	return services{cart: srv, catalog: catSrv}
}

// send sends one request and decodes a 2xx answer into out; it returns the
// status and, for an error answer, the envelope's code.
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
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %q", method, url, err, data)
		}
	}
	return resp.StatusCode, ""
}

// newCart creates a cart and returns its ID.
func newCart(t *testing.T, base string) string {
	t.Helper()
	var c shop.Cart
	if status, code := send(t, http.MethodPost, base+"/carts", "", &c); status != http.StatusCreated || c.ID == "" {
		t.Fatalf("POST /carts: %d %s %+v", status, code, c)
	}
	return c.ID
}

func getCart(t *testing.T, base, id string) shop.Cart {
	t.Helper()
	var c shop.Cart
	if status, code := send(t, http.MethodGet, base+"/carts/"+id, "", &c); status != http.StatusOK {
		t.Fatalf("GET /carts/%s: %d %s", id, status, code)
	}
	return c
}

func addItem(productID, quantity int64) string {
	return fmt.Sprintf(`{"product_id":%d,"quantity":%d}`, productID, quantity)
}

// TestAddItemPricedByCatalog proves an added item takes the catalog's
// price, and that adding fails without changing the cart when the product
// or the cart is unknown.
func TestAddItemPricedByCatalog(t *testing.T) {
	s := start(t)
	id := newCart(t, s.cart.URL)

	var price catalog.Price
	if status, code := send(t, http.MethodGet, s.catalog.URL+"/internal/prices/2", "", &price); status != http.StatusOK {
		t.Fatalf("catalog price of 2: %d %s", status, code)
	}
	if want := spec.Products()[1].PriceCents; price.PriceCents != want {
		t.Fatalf("catalog prices product 2 at %d, want %d", price.PriceCents, want)
	}
	wantCart := shop.Cart{ID: id, Items: []shop.Item{{ProductID: 2, Quantity: 3, UnitPriceCents: price.PriceCents}}, TotalCents: 3 * price.PriceCents}

	var got shop.Cart
	if status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+id+"/items", addItem(2, 3), &got); status != http.StatusOK {
		t.Fatalf("add product 2: %d %s", status, code)
	}
	if fmt.Sprint(got) != fmt.Sprint(wantCart) {
		t.Errorf("add product 2 = %+v, want %+v", got, wantCart)
	}

	tests := []struct {
		name, cart, body string
		status           int
		code             string
	}{
		{"unknown product", id, addItem(99, 1), 404, api.CodeNotFound},
		{"unknown cart", "c_nope", addItem(2, 1), 404, api.CodeNotFound},
		{"quantity 0", id, addItem(2, 0), 400, api.CodeInvalidArgument},
		{"product 0", id, addItem(0, 1), 400, api.CodeInvalidArgument},
		{"line above the limit", id, addItem(2, shop.MaxLineQuantity), 422, api.CodeCartFull},
		{"not JSON", id, `{"product_id":`, 400, api.CodeInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+tt.cart+"/items", tt.body, nil)
			if status != tt.status || code != tt.code {
				t.Errorf("add = %d %q, want %d %q", status, code, tt.status, tt.code)
			}
			if c := getCart(t, s.cart.URL, id); fmt.Sprint(c) != fmt.Sprint(wantCart) {
				t.Errorf("cart after a failed add = %+v, want %+v", c, wantCart)
			}
		})
	}
}

// TestRemoveOrdered proves POST /carts/{id}/orders takes a paid order's
// items out of its cart (204), leaving what was added meanwhile, does it
// once per order, and answers bad input with a 4xx JSON error, changing
// nothing.
func TestRemoveOrdered(t *testing.T) {
	s := start(t)
	id := newCart(t, s.cart.URL)
	for _, p := range []int64{1, 3} {
		if status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+id+"/items", addItem(p, 2), nil); status != http.StatusOK {
			t.Fatalf("add product %d: %d %s", p, status, code)
		}
	}
	ordered := getCart(t, s.cart.URL, id).Items
	for _, p := range []int64{1, 2} { // added while the order was placed
		if status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+id+"/items", addItem(p, 1), nil); status != http.StatusOK {
			t.Fatalf("add product %d: %d %s", p, status, code)
		}
	}
	added := getCart(t, s.cart.URL, id)
	wantLeft := []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: added.Items[0].UnitPriceCents}, added.Items[2]}
	body := func(order string, items []shop.Item) string {
		b, err := json.Marshal(cart.PlacedOrder{OrderID: order, Items: items})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	tests := []struct {
		name, cart, body string
		status           int
		code             string
	}{
		{"the order's items", id, body("o_1", ordered), 204, ""},
		{"the same order again", id, body("o_1", ordered), 204, ""},
		{"unknown cart", "c_nope", body("o_2", ordered), 404, api.CodeNotFound},
		{"no order", id, body("", ordered), 400, api.CodeInvalidArgument},
		{"no items", id, body("o_2", nil), 400, api.CodeInvalidArgument},
		{"quantity 0", id, body("o_2", []shop.Item{{ProductID: 1, Quantity: 0}}), 400, api.CodeInvalidArgument},
		{"product 0", id, body("o_2", []shop.Item{{ProductID: 0, Quantity: 1}}), 400, api.CodeInvalidArgument},
		{"product twice", id, body("o_2", []shop.Item{{ProductID: 1, Quantity: 1}, {ProductID: 1, Quantity: 1}}), 400, api.CodeInvalidArgument},
		{"not JSON", id, `{"order_id":`, 400, api.CodeInvalidJSON},
		{"unknown field", id, `{"order_id":"o_2","items":[{"product_id":1,"quantity":1}],"x":1}`, 400, api.CodeInvalidJSON},
		{"no body", id, ``, 400, api.CodeInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+tt.cart+"/orders", tt.body, nil)
			if status != tt.status || code != tt.code {
				t.Fatalf("remove ordered = %d %q, want %d %q", status, code, tt.status, tt.code)
			}
			if c := getCart(t, s.cart.URL, id); fmt.Sprint(c.Items) != fmt.Sprint(wantLeft) {
				t.Errorf("cart holds %+v, want what was added meanwhile, %+v", c.Items, wantLeft)
			}
		})
	}
}

// TestCatalogDown proves that with the catalog down, adding an item answers
// 503 "unavailable" and leaves the cart as it was, while routes that do not
// need prices keep working.
func TestCatalogDown(t *testing.T) {
	s := start(t)
	id := newCart(t, s.cart.URL)
	if status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+id+"/items", addItem(1, 1), nil); status != http.StatusOK {
		t.Fatalf("add product 1: %d %s", status, code)
	}
	before := getCart(t, s.cart.URL, id)
	s.catalog.Close()

	if status, code := send(t, http.MethodPost, s.cart.URL+"/carts/"+id+"/items", addItem(2, 1), nil); status != http.StatusServiceUnavailable || code != api.CodeUnavailable {
		t.Errorf("add with the catalog down = %d %q, want 503 %q", status, code, api.CodeUnavailable)
	}
	if c := getCart(t, s.cart.URL, id); fmt.Sprint(c) != fmt.Sprint(before) {
		t.Errorf("cart after a failed add = %+v, want %+v", c, before)
	}
	if status, code := send(t, http.MethodDelete, s.cart.URL+"/carts/"+id+"/items/1", "", nil); status != http.StatusOK {
		t.Errorf("remove with the catalog down: %d %s, want 200", status, code)
	}
	newCart(t, s.cart.URL)
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath, a new cart among them.
func TestServesWriterStats(t *testing.T) {
	s := start(t)
	if st, code := send(t, http.MethodPost, s.cart.URL+"/carts", "", nil); st != http.StatusCreated {
		t.Fatalf("create cart: %d %s", st, code)
	}
	var rep sqlstore.WriterReport
	if st, code := send(t, http.MethodGet, s.cart.URL+sqlstore.WriterPath, "", &rep); st != http.StatusOK {
		t.Fatalf("GET %s: %d %s, want 200", sqlstore.WriterPath, st, code)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "cart.db" || rep.Writers[0].Writes < 1 {
		t.Fatalf("writers %+v, want cart.db's, with the new cart written", rep.Writers)
	}
}
