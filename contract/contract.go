// Package contract is the black-box test suite of the shop's HTTP contract
// (docs/API.md). It takes nothing but a base URL, so every variant, in every
// runtime, is held to exactly the same behaviour:
//
//	func TestContract(t *testing.T) { contract.Run(t, baseURL) }
//
// Run expects a freshly seeded shop whose payment provider approves every
// card token except "tok_decline" (no random declines or errors), and it
// changes the shop for good: it places orders, and it sells one product
// out (the case "checkout/out of stock", on a product no other case uses)
// to see checkout refuse what is not in stock. That case needs a catalog
// with little stock, such as Catalog (a program that seeds one takes
// -catalog stock=1000..2000); against the default catalog's stock, which
// would take thousands of checkouts to sell out, it is skipped.
package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
)

// client talks to the shop under test.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path string, body io.Reader, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (c *client) json(method, path string, v any, header ...string) response {
	c.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return c.do(method, path, body, header...)
}

// want checks the status and decodes the body into v (when v is not nil).
func (c *client) want(r response, status int, v any) {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			c.t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// wantError checks that r is the contract's JSON error with status and code.
func (c *client) wantError(r response, status int, code string) api.ErrorDetail {
	c.t.Helper()
	var eb api.ErrorBody
	c.want(r, status, &eb)
	if eb.Error.Code != code {
		c.t.Fatalf("error code %q, want %q; body: %s", eb.Error.Code, code, r.body)
	}
	if eb.Error.Message == "" {
		c.t.Fatalf("error without a message: %s", r.body)
	}
	return eb.Error
}

func (c *client) newCart() shop.Cart {
	c.t.Helper()
	var cart shop.Cart
	c.want(c.json("POST", "/carts", nil), http.StatusCreated, &cart)
	return cart
}

func (c *client) add(cartID string, productID, qty int64) shop.Cart {
	c.t.Helper()
	var cart shop.Cart
	c.want(c.json("POST", "/carts/"+cartID+"/items", api.AddItemRequest{ProductID: productID, Quantity: qty}), http.StatusOK, &cart)
	return cart
}

func (c *client) product(id int64) shop.Product {
	c.t.Helper()
	var p shop.Product
	c.want(c.json("GET", fmt.Sprintf("/products/%d", id), nil), http.StatusOK, &p)
	return p
}

// Catalog is the catalog to deploy a shop with for Run: the default
// catalog with so little stock (1,000 to 2,000 of each product) that
// "checkout/out of stock" needs at most 20 checkouts to leave a product with
// less than a cart line may ask for, and so runs rather than skips.
func Catalog() shop.CatalogSpec {
	spec := shop.DefaultCatalog
	spec.MinStock, spec.MaxStock = 1_000, 2_000
	return spec
}

// firstFreeID is the lowest product ID no case but "checkout/out of stock"
// uses: the cart case fills a cart with products 1..MaxCartLines and is
// refused product MaxCartLines+1; the other checkout cases buy product 4.
const firstFreeID = shop.MaxCartLines + 2

// maxSellOut is the most checkouts "checkout/out of stock" makes to sell a
// product out; with more stock than they would buy, it skips.
const maxSellOut = 20

// products lists the whole catalog, a page at a time.
func (c *client) products() []shop.Product {
	c.t.Helper()
	var all []shop.Product
	for offset := int64(0); ; {
		var page api.ProductPage
		c.want(c.json("GET", fmt.Sprintf("/products?offset=%d&limit=%d", offset, api.MaxPageLimit), nil), http.StatusOK, &page)
		all = append(all, page.Products...)
		offset += int64(len(page.Products))
		if len(page.Products) == 0 || offset >= page.Total {
			return all
		}
	}
}

// Run checks the whole contract against the shop at baseURL.
func Run(t *testing.T, baseURL string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	newClient := func(t *testing.T) *client { return &client{t: t, base: strings.TrimRight(baseURL, "/"), http: hc} }

	t.Run("health", func(t *testing.T) {
		c := newClient(t)
		var s api.Status
		c.want(c.json("GET", "/healthz", nil), http.StatusOK, &s)
		if s.Status != "ok" {
			t.Fatalf("status %q, want ok", s.Status)
		}
	})
	t.Run("catalog", func(t *testing.T) { catalog(t, newClient(t)) })
	t.Run("cart", func(t *testing.T) { cart(t, newClient(t)) })
	t.Run("checkout", func(t *testing.T) { checkout(t, newClient(t)) })
	t.Run("bad input", func(t *testing.T) { badInput(t, newClient(t)) })
}

func catalog(t *testing.T, c *client) {
	var page api.ProductPage
	c.want(c.json("GET", "/products", nil), http.StatusOK, &page)
	if len(page.Products) != api.DefaultPageLimit || page.Limit != api.DefaultPageLimit || page.Offset != 0 {
		t.Fatalf("default page: %d products, limit %d, offset %d; want %d from 0", len(page.Products), page.Limit, page.Offset, api.DefaultPageLimit)
	}
	if page.Total < int64(api.DefaultPageLimit) {
		t.Fatalf("total %d, want at least %d", page.Total, api.DefaultPageLimit)
	}
	c.want(c.json("GET", "/products?offset=10&limit=5", nil), http.StatusOK, &page)
	for i, p := range page.Products {
		if want := int64(11 + i); p.ID != want {
			t.Fatalf("page offset 10: product %d has id %d, want %d", i, p.ID, want)
		}
	}
	if len(page.Products) != 5 {
		t.Fatalf("limit 5 gave %d products", len(page.Products))
	}
	c.want(c.json("GET", fmt.Sprintf("/products?offset=%d", page.Total), nil), http.StatusOK, &page)
	if len(page.Products) != 0 {
		t.Fatalf("page past the end has %d products", len(page.Products))
	}

	p := c.product(1)
	if p.ID != 1 || p.Name == "" || p.PriceCents <= 0 || p.Stock <= 0 {
		t.Fatalf("product 1 = %+v; want id 1, a name, a positive price and stock", p)
	}
	c.wantError(c.json("GET", "/products/999999999", nil), http.StatusNotFound, api.CodeNotFound)
}

func cart(t *testing.T, c *client) {
	cart := c.newCart()
	if cart.ID == "" || len(cart.Items) != 0 || cart.TotalCents != 0 {
		t.Fatalf("new cart = %+v, want an id and no items", cart)
	}
	p1, p2 := c.product(2), c.product(3)
	c.add(cart.ID, p1.ID, 2)
	got := c.add(cart.ID, p2.ID, 1)
	got = c.add(cart.ID, p1.ID, 1) // merges into the existing line
	if len(got.Items) != 2 || got.Items[0].ProductID != p1.ID || got.Items[0].Quantity != 3 {
		t.Fatalf("cart after adds = %+v; want product %d x3 then %d x1", got, p1.ID, p2.ID)
	}
	if want := 3*p1.PriceCents + p2.PriceCents; got.TotalCents != want {
		t.Fatalf("total %d, want %d", got.TotalCents, want)
	}
	var read shop.Cart
	c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &read)
	if read.TotalCents != got.TotalCents || len(read.Items) != 2 {
		t.Fatalf("GET cart = %+v, want %+v", read, got)
	}
	c.want(c.json("DELETE", fmt.Sprintf("/carts/%s/items/%d", cart.ID, p2.ID), nil), http.StatusOK, &read)
	if len(read.Items) != 1 || read.TotalCents != 3*p1.PriceCents {
		t.Fatalf("cart after removal = %+v", read)
	}
	c.wantError(c.json("DELETE", fmt.Sprintf("/carts/%s/items/%d", cart.ID, p2.ID), nil), http.StatusNotFound, api.CodeNotFound)
	c.wantError(c.json("GET", "/carts/c_doesnotexist", nil), http.StatusNotFound, api.CodeNotFound)
	c.wantError(c.json("POST", "/carts/c_doesnotexist/items", api.AddItemRequest{ProductID: 1, Quantity: 1}), http.StatusNotFound, api.CodeNotFound)
	c.wantError(c.json("POST", "/carts/"+cart.ID+"/items", api.AddItemRequest{ProductID: 999999999, Quantity: 1}), http.StatusNotFound, api.CodeNotFound)
	c.wantError(c.json("POST", "/carts/"+cart.ID+"/items", api.AddItemRequest{ProductID: p1.ID, Quantity: shop.MaxLineQuantity}), http.StatusUnprocessableEntity, api.CodeCartFull)

	// A cart holds at most shop.MaxCartLines lines.
	full := c.newCart()
	for id := int64(1); id <= shop.MaxCartLines; id++ {
		c.add(full.ID, id, 1)
	}
	c.wantError(c.json("POST", "/carts/"+full.ID+"/items", api.AddItemRequest{ProductID: shop.MaxCartLines + 1, Quantity: 1}), http.StatusUnprocessableEntity, api.CodeCartFull)
	c.want(c.json("GET", "/carts/"+full.ID, nil), http.StatusOK, &read)
	if len(read.Items) != shop.MaxCartLines {
		t.Fatalf("full cart has %d lines after a refused add, want %d", len(read.Items), shop.MaxCartLines)
	}
}

func checkout(t *testing.T, c *client) {
	const pid = 4
	t.Run("empty cart", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		cart := c.newCart()
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusUnprocessableEntity, api.CodeEmptyCart)
	})
	t.Run("paid", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		before := c.product(pid)
		cart := c.newCart()
		c.add(cart.ID, pid, 2)
		var order shop.Order
		c.want(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusCreated, &order)
		if order.ID == "" || order.Status != shop.OrderPaid || order.PaymentID == "" || order.TotalCents != 2*before.PriceCents {
			t.Fatalf("order = %+v; want paid, with a payment id and total %d", order, 2*before.PriceCents)
		}
		if after := c.product(pid); after.Stock != before.Stock-2 {
			t.Fatalf("stock %d after buying 2 of %d", after.Stock, before.Stock)
		}
		var emptied shop.Cart
		c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &emptied)
		if len(emptied.Items) != 0 {
			t.Fatalf("cart not cleared by checkout: %+v", emptied)
		}
		var read shop.Order
		c.want(c.json("GET", "/orders/"+order.ID, nil), http.StatusOK, &read)
		if read.ID != order.ID || read.Status != shop.OrderPaid || read.TotalCents != order.TotalCents {
			t.Fatalf("GET order = %+v, want %+v", read, order)
		}
		waitNotified(t, c, order.ID)
	})
	t.Run("declined", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		before := c.product(pid)
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		key := "contract-" + cart.ID
		e := c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_decline"}, api.IdempotencyKeyHeader, key), http.StatusPaymentRequired, api.CodePaymentDeclined)
		if e.OrderID == "" {
			t.Fatal("declined checkout does not name its order")
		}
		var order shop.Order
		c.want(c.json("GET", "/orders/"+e.OrderID, nil), http.StatusOK, &order)
		if order.Status != shop.OrderPaymentFailed || order.FailureReason != api.CodePaymentDeclined {
			t.Fatalf("declined order is %q (failure reason %q), want %q (%q)", order.Status, order.FailureReason, shop.OrderPaymentFailed, api.CodePaymentDeclined)
		}
		// A repeat with the same key answers as the first time, naming the
		// same order.
		again := c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_decline"}, api.IdempotencyKeyHeader, key), http.StatusPaymentRequired, api.CodePaymentDeclined)
		if again.OrderID != e.OrderID {
			t.Fatalf("repeated declined checkout names order %s, want %s", again.OrderID, e.OrderID)
		}
		if after := c.product(pid); after.Stock != before.Stock {
			t.Fatalf("stock %d after a declined order, want %d back", after.Stock, before.Stock)
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		before := c.product(pid)
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		key := "contract-" + cart.ID
		var first, second shop.Order
		c.want(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, key), http.StatusCreated, &first)
		c.want(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, key), http.StatusCreated, &second)
		if first.ID != second.ID || first.PaymentID != second.PaymentID {
			t.Fatalf("repeated checkout made order %s then %s; want the same order", first.ID, second.ID)
		}
		if after := c.product(pid); after.Stock != before.Stock-1 {
			t.Fatalf("stock %d after an idempotent repeat, want %d (reserved once)", after.Stock, before.Stock-1)
		}
		other := c.newCart()
		c.add(other.ID, pid, 1)
		c.wantError(c.json("POST", "/carts/"+other.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, key), http.StatusConflict, api.CodeConflict)
	})
	t.Run("missing card", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{}), http.StatusBadRequest, api.CodeInvalidArgument)
	})
	t.Run("over-long idempotency key", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, strings.Repeat("k", 129)), http.StatusBadRequest, api.CodeInvalidArgument)
		var read shop.Cart
		c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &read)
		if len(read.Items) != 1 {
			t.Fatalf("a refused checkout changed the cart: %+v", read)
		}
	})
	t.Run("out of stock", func(t *testing.T) {
		outOfStock(t, &client{t: t, base: c.base, http: c.http})
	})
	t.Run("unknown", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		c.wantError(c.json("POST", "/carts/c_doesnotexist/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusNotFound, api.CodeNotFound)
		c.wantError(c.json("GET", "/orders/o_doesnotexist", nil), http.StatusNotFound, api.CodeNotFound)
		c.wantError(c.json("GET", "/notifications?order_id=o_doesnotexist", nil), http.StatusNotFound, api.CodeNotFound)
	})
}

// outOfStock sells out the product with least stock that no other case
// uses, down to fewer than MaxLineQuantity, then checks out a cart that
// asks for one of a plentiful product and MaxLineQuantity of the scarce
// one: 409 out_of_stock, leaving no order behind, the same again on a
// retry with the same key, the cart as it was, and no stock taken, not
// even the plentiful line's.
func outOfStock(t *testing.T, c *client) {
	var free []shop.Product
	for _, p := range c.products() {
		if p.ID >= firstFreeID {
			free = append(free, p)
		}
	}
	if len(free) < 2 {
		t.Fatalf("the catalog has %d products from id %d on; the suite needs at least 2 there", len(free), firstFreeID)
	}
	// The scarcest product, and the one with most stock of the others.
	byStock := func(a, b shop.Product) int { return cmp.Compare(a.Stock, b.Stock) }
	scarce := slices.MinFunc(free, byStock)
	plenty := slices.MaxFunc(slices.DeleteFunc(free, func(p shop.Product) bool { return p.ID == scarce.ID }), byStock)
	if limit := int64(maxSellOut * shop.MaxLineQuantity); scarce.Stock > limit {
		t.Skipf("product %d, the scarcest of those no other case uses, has %d in stock: selling it out would take more than %d checkouts. "+
			"Deploy the shop with a small catalog stock (e.g. -catalog stock=1000..2000, or contract.Catalog()) for this case to run",
			scarce.ID, scarce.Stock, maxSellOut)
	}
	if plenty.Stock < 1 {
		t.Fatalf("no product from id %d on other than %d has stock to put in the cart", firstFreeID, scarce.ID)
	}

	// Buy the scarce product down to fewer than a line's worth.
	left, sales := scarce.Stock, 0
	for ; left >= shop.MaxLineQuantity; sales++ {
		cart := c.newCart()
		c.add(cart.ID, scarce.ID, shop.MaxLineQuantity)
		var order shop.Order
		c.want(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusCreated, &order)
		if order.Status != shop.OrderPaid {
			t.Fatalf("buying %d of product %d (%d in stock): order %+v, want paid", shop.MaxLineQuantity, scarce.ID, left, order)
		}
		left -= shop.MaxLineQuantity
	}
	if got := c.product(scarce.ID).Stock; got != left {
		t.Fatalf("product %d: stock %d after selling %d of %d, want %d", scarce.ID, got, scarce.Stock-left, scarce.Stock, left)
	}
	plentyBefore := c.product(plenty.ID).Stock

	cart := c.newCart()
	c.add(cart.ID, plenty.ID, 1)
	want := c.add(cart.ID, scarce.ID, shop.MaxLineQuantity)
	key := "contract-" + cart.ID
	for _, attempt := range []string{"checkout", "retry with the same key"} {
		e := c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, key),
			http.StatusConflict, api.CodeOutOfStock)
		if e.OrderID != "" {
			t.Fatalf("%s of %d of product %d (%d in stock) names order %s; an out-of-stock checkout leaves no order behind",
				attempt, shop.MaxLineQuantity, scarce.ID, left, e.OrderID)
		}
	}
	var read shop.Cart
	c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &read)
	if !sameLines(read, want) {
		t.Fatalf("cart after an out-of-stock checkout = %+v, want it unchanged: %+v", read, want)
	}
	if got := c.product(scarce.ID).Stock; got != left {
		t.Fatalf("product %d: stock %d after an out-of-stock checkout, want %d (nothing taken)", scarce.ID, got, left)
	}
	if got := c.product(plenty.ID).Stock; got != plentyBefore {
		t.Fatalf("product %d: stock %d after an out-of-stock checkout, want %d (its line's reservation undone)", plenty.ID, got, plentyBefore)
	}
	t.Logf("product %d sold from %d down to %d in %d checkouts, then refused %d of it next to 1 of product %d (%d in stock)",
		scarce.ID, scarce.Stock, left, sales, shop.MaxLineQuantity, plenty.ID, plentyBefore)
}

// sameLines reports whether two carts hold the same lines at the same
// prices.
func sameLines(a, b shop.Cart) bool {
	return a.ID == b.ID && a.TotalCents == b.TotalCents && slices.Equal(a.Items, b.Items)
}

// waitNotified polls until the order's confirmation is sent: it is
// asynchronous by design, so the contract allows it a few seconds.
func waitNotified(t *testing.T, c *client, orderID string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for backoff := 5 * time.Millisecond; ; backoff = min(2*backoff, 250*time.Millisecond) {
		var list api.NotificationList
		c.want(c.json("GET", "/notifications?order_id="+orderID, nil), http.StatusOK, &list)
		if len(list.Notifications) == 1 && list.Notifications[0].SentAt != "" {
			if list.Notifications[0].OrderID != orderID {
				t.Fatalf("notification for %s listed under %s", list.Notifications[0].OrderID, orderID)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s: confirmation not sent within 10s: %+v", orderID, list)
		}
		time.Sleep(backoff)
	}
}

func badInput(t *testing.T, c *client) {
	cart := c.newCart()
	items := "/carts/" + cart.ID + "/items"
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"non-numeric product id", "GET", "/products/abc", "", 400, api.CodeInvalidArgument},
		{"zero product id", "GET", "/products/0", "", 400, api.CodeInvalidArgument},
		{"negative product id", "GET", "/products/-3", "", 400, api.CodeInvalidArgument},
		{"limit zero", "GET", "/products?limit=0", "", 400, api.CodeInvalidArgument},
		{"limit too large", "GET", "/products?limit=100000", "", 400, api.CodeInvalidArgument},
		{"limit not a number", "GET", "/products?limit=ten", "", 400, api.CodeInvalidArgument},
		{"negative offset", "GET", "/products?offset=-1", "", 400, api.CodeInvalidArgument},
		{"negative quantity", "POST", items, `{"product_id":1,"quantity":-1}`, 400, api.CodeInvalidArgument},
		{"zero quantity", "POST", items, `{"product_id":1,"quantity":0}`, 400, api.CodeInvalidArgument},
		{"quantity too large", "POST", items, `{"product_id":1,"quantity":101}`, 400, api.CodeInvalidArgument},
		{"missing product", "POST", items, `{"quantity":1}`, 400, api.CodeInvalidArgument},
		{"malformed JSON", "POST", items, `{"product_id":1,`, 400, api.CodeInvalidJSON},
		{"not JSON", "POST", items, `product_id=1&quantity=1`, 400, api.CodeInvalidJSON},
		{"empty body", "POST", items, ``, 400, api.CodeInvalidJSON},
		{"wrong type", "POST", items, `{"product_id":1,"quantity":"2"}`, 400, api.CodeInvalidJSON},
		{"unknown field", "POST", items, `{"product_id":1,"quantity":1,"discount":100}`, 400, api.CodeInvalidJSON},
		{"trailing data", "POST", items, `{"product_id":1,"quantity":1} {}`, 400, api.CodeInvalidJSON},
		{"array body", "POST", items, `[1,2]`, 400, api.CodeInvalidJSON},
		{"huge number", "POST", items, `{"product_id":1e400,"quantity":1}`, 400, api.CodeInvalidJSON},
		{"oversized body", "POST", items, `{"product_id":1,"quantity":1,"pad":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, 413, api.CodeBodyTooLarge},
		{"checkout malformed", "POST", "/carts/" + cart.ID + "/checkout", `{"card_token":`, 400, api.CodeInvalidJSON},
		// Within the body limit, but six times longer once JSON-escaped
		// on its way to the payment provider.
		{"checkout with an over-long card token", "POST", "/carts/" + cart.ID + "/checkout", `{"card_token":"` + strings.Repeat("<", 10_000) + `"}`, 400, api.CodeInvalidArgument},
		{"order with an over-long ID", "GET", "/orders/" + strings.Repeat("o", 10_000), "", 404, api.CodeNotFound},
		{"notifications of an over-long order ID", "GET", "/notifications?order_id=" + strings.Repeat("/", 200_000), "", 404, api.CodeNotFound},
		{"notifications without order", "GET", "/notifications", "", 400, api.CodeInvalidArgument},
		{"remove non-numeric product", "DELETE", items + "/abc", "", 400, api.CodeInvalidArgument},
		{"unknown route", "GET", "/admin", "", 404, api.CodeNotFound},
		// An unclean path is not redirected to its clean form: it names no
		// route.
		{"unclean path: empty segment", "GET", "/products//1", "", 404, api.CodeNotFound},
		{"unclean path: dot-dot segment", "GET", "/carts/../products", "", 404, api.CodeNotFound},
		{"unclean path: leading double slash", "GET", "//healthz", "", 404, api.CodeNotFound},
		{"wrong method", "DELETE", "/products", "", 405, api.CodeMethodNotAllowed},
		{"wrong method on item", "PATCH", "/products/1", "", 405, api.CodeMethodNotAllowed},
		{"wrong method on checkout", "GET", "/carts/" + cart.ID + "/checkout", "", 405, api.CodeMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &client{t: t, base: c.base, http: c.http}
			var body io.Reader
			if tc.body != "" || tc.method == "POST" {
				body = strings.NewReader(tc.body)
			}
			r := c.do(tc.method, tc.path, body)
			c.wantError(r, tc.status, tc.code)
			// A 405 names the methods the route allows, which the
			// refused one is not.
			if allow := r.header.Get("Allow"); tc.status == http.StatusMethodNotAllowed && (allow == "" || strings.Contains(allow, tc.method)) {
				t.Fatalf("Allow %q, want the route's methods, without %s", allow, tc.method)
			}
		})
	}
	// Nothing bad input did may change the cart.
	var after shop.Cart
	c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &after)
	if len(after.Items) != 0 {
		t.Fatalf("bad requests changed the cart: %+v", after)
	}
}
