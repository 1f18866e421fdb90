// Package contract is the black-box test suite of the shop's HTTP contract
// (docs/API.md). It takes nothing but a base URL, so every variant, in every
// runtime, is held to exactly the same behaviour:
//
//	func TestContract(t *testing.T) { contract.Run(t, baseURL) }
//
// Run expects a freshly seeded shop whose payment provider approves every
// card token except "tok_decline" (no random declines or errors), and it
// changes the shop for good: it places orders, and it sells one product
// out (the case "checkout/out of stock") to see checkout refuse what is not
// in stock. That case needs a catalog with little stock, such as Catalog (a
// program that seeds one takes -catalog stock=1000..2000); against the
// default catalog's stock, which would take thousands of checkouts to sell
// out, it is skipped. Each case that buys products, sells them out or puts
// them in carts is handed products no other case is, so that none depends
// on what another does, or on the order they run in.
//
// Given WithPaymentProvider, Run also takes the shop's payment provider
// down for a while, to check out without it (the case "checkout/payment
// provider down"), and brings it back; without it, that case is skipped.
package contract

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
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

// allocator hands each case the products it buys, sells out or puts in
// carts, none of them handed to another case: no case's stock or cart then
// depends on what another case does, nor on the order the cases run in.
// The catalog's products are numbered from 1 (as "catalog" checks). Cases
// run one at a time, so it needs no lock.
type allocator struct {
	taken map[int64]bool
	total int64 // the catalog's size, once read
}

func newAllocator() *allocator { return &allocator{taken: map[int64]bool{}} }

// take hands the case c runs the n lowest product IDs no case has been
// handed, and fails it when the catalog has fewer left.
func (a *allocator) take(c *client, n int) []int64 {
	c.t.Helper()
	if a.total == 0 {
		var page api.ProductPage
		c.want(c.json("GET", "/products?limit=1", nil), http.StatusOK, &page)
		a.total = page.Total
	}
	var ids []int64
	for id := int64(1); id <= a.total && len(ids) < n; id++ {
		if !a.taken[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) < n {
		c.t.Fatalf("the catalog has %d products, and the other cases hold %d of them; this case needs %d of its own: seed the shop with a bigger catalog",
			a.total, len(a.taken), n)
	}
	a.claim(ids...)
	return ids
}

// free reports whether no case has been handed product id.
func (a *allocator) free(id int64) bool { return !a.taken[id] }

// claim hands the case the products ids, which it picked among the free.
func (a *allocator) claim(ids ...int64) {
	for _, id := range ids {
		a.taken[id] = true
	}
}

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

// Option configures Run.
type Option func(*config)

// config is what Run's options set.
type config struct {
	// psp runs the shop's payment provider as its component pspName; nil
	// when Run has no way to take the provider down.
	psp     Crasher
	pspName string
}

// Crasher is a deployment that can crash one of its components and start
// it again where it was: the process and container runtimes' deployments
// are Crashers, and so is monolithtest.Shop, for its payment provider.
type Crasher interface {
	// Kill stops a replica of component at once, as a crash would.
	Kill(component string, replica int) error
	// Restart starts a killed replica again, on the same address and with
	// the same data, and returns once it serves.
	Restart(ctx context.Context, component string, replica int) error
}

// WithPaymentProvider tells Run that dep runs the shop's payment provider
// as component (one replica), for the case "checkout/payment provider
// down" to kill it and restart it. Without it, that case is skipped.
func WithPaymentProvider(dep Crasher, component string) Option {
	return func(c *config) { c.psp, c.pspName = dep, component }
}

// Run checks the whole contract against the shop at baseURL.
func Run(t *testing.T, baseURL string, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
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
	ids := newAllocator()
	t.Run("cart", func(t *testing.T) { cart(t, newClient(t), ids) })
	t.Run("checkout", func(t *testing.T) { checkout(t, newClient(t), ids, cfg) })
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

func cart(t *testing.T, c *client, ids *allocator) {
	// Enough products to fill a cart, and one more it refuses.
	own := ids.take(c, shop.MaxCartLines+1)
	cart := c.newCart()
	if cart.ID == "" || len(cart.Items) != 0 || cart.TotalCents != 0 {
		t.Fatalf("new cart = %+v, want an id and no items", cart)
	}
	p1, p2 := c.product(own[0]), c.product(own[1])
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
	for _, id := range own[:shop.MaxCartLines] {
		c.add(full.ID, id, 1)
	}
	c.wantError(c.json("POST", "/carts/"+full.ID+"/items", api.AddItemRequest{ProductID: own[shop.MaxCartLines], Quantity: 1}), http.StatusUnprocessableEntity, api.CodeCartFull)
	c.want(c.json("GET", "/carts/"+full.ID, nil), http.StatusOK, &read)
	if len(read.Items) != shop.MaxCartLines {
		t.Fatalf("full cart has %d lines after a refused add, want %d", len(read.Items), shop.MaxCartLines)
	}
}

func checkout(t *testing.T, c *client, ids *allocator, cfg config) {
	t.Run("empty cart", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		cart := c.newCart()
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusUnprocessableEntity, api.CodeEmptyCart)
	})
	t.Run("paid", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		pid := ids.take(c, 1)[0]
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
		pid := ids.take(c, 1)[0]
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
		// The cart is as it was, for the shopper to pay another way.
		var kept shop.Cart
		c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &kept)
		if len(kept.Items) != 1 || kept.Items[0].ProductID != pid || kept.Items[0].Quantity != 1 {
			t.Fatalf("cart after a declined checkout = %+v, want 1 of product %d in it", kept, pid)
		}
		var paid shop.Order
		c.want(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, key+"-again"), http.StatusCreated, &paid)
		if paid.ID == e.OrderID || paid.Status != shop.OrderPaid {
			t.Fatalf("paying for the cart with another card = %+v, want a new paid order", paid)
		}
		if after := c.product(pid); after.Stock != before.Stock-1 {
			t.Fatalf("stock %d after paying for 1 of %d", after.Stock, before.Stock)
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		pid := ids.take(c, 1)[0]
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
		pid := ids.take(c, 1)[0]
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{}), http.StatusBadRequest, api.CodeInvalidArgument)
	})
	t.Run("over-long idempotency key", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		pid := ids.take(c, 1)[0]
		cart := c.newCart()
		c.add(cart.ID, pid, 1)
		c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, strings.Repeat("k", 129)), http.StatusBadRequest, api.CodeInvalidArgument)
		var read shop.Cart
		c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &read)
		if len(read.Items) != 1 {
			t.Fatalf("a refused checkout changed the cart: %+v", read)
		}
	})
	t.Run("payment provider down", func(t *testing.T) {
		paymentDown(t, &client{t: t, base: c.base, http: c.http}, ids, cfg)
	})
	t.Run("out of stock", func(t *testing.T) {
		outOfStock(t, &client{t: t, base: c.base, http: c.http}, ids)
	})
	t.Run("unknown", func(t *testing.T) {
		c := &client{t: t, base: c.base, http: c.http}
		c.wantError(c.json("POST", "/carts/c_doesnotexist/checkout", api.CheckoutRequest{CardToken: "tok_ok"}), http.StatusNotFound, api.CodeNotFound)
		c.wantError(c.json("GET", "/orders/o_doesnotexist", nil), http.StatusNotFound, api.CodeNotFound)
		c.wantError(c.json("GET", "/notifications?order_id=o_doesnotexist", nil), http.StatusNotFound, api.CodeNotFound)
	})
}

// outOfStock sells out the product with least stock of those no other
// case has been handed, down to fewer than MaxLineQuantity, then checks out
// a cart that asks for one of a plentiful product and MaxLineQuantity of
// the scarce one: 409 out_of_stock, leaving no order behind, the same again
// on a retry with the same key, the cart as it was, and no stock taken, not
// even the plentiful line's.
func outOfStock(t *testing.T, c *client, ids *allocator) {
	var free []shop.Product
	for _, p := range c.products() {
		if ids.free(p.ID) {
			free = append(free, p)
		}
	}
	if len(free) < 2 {
		t.Fatalf("the catalog has %d products no other case holds; this case needs 2: seed the shop with a bigger catalog", len(free))
	}
	// The scarcest product, and the one with most stock of the others.
	byStock := func(a, b shop.Product) int { return cmp.Compare(a.Stock, b.Stock) }
	scarce := slices.MinFunc(free, byStock)
	plenty := slices.MaxFunc(slices.DeleteFunc(free, func(p shop.Product) bool { return p.ID == scarce.ID }), byStock)
	ids.claim(scarce.ID, plenty.ID)
	if limit := int64(maxSellOut * shop.MaxLineQuantity); scarce.Stock > limit {
		t.Skipf("product %d, the scarcest of those no other case uses, has %d in stock: selling it out would take more than %d checkouts. "+
			"Deploy the shop with a small catalog stock (e.g. -catalog stock=1000..2000, or contract.Catalog()) for this case to run",
			scarce.ID, scarce.Stock, maxSellOut)
	}
	if plenty.Stock < 1 {
		t.Fatalf("no product other than %d that no other case holds has stock to put in the cart", scarce.ID)
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

// settleWithin is how long a shop may take to settle a checkout whose
// charge got no answer, after answering it: the order's outcome is
// payment_failed, with its stock back, at once or nearly (a saga may
// release the stock as a step after the answer). A void the shop cannot
// run while the provider is down is owed and retried, not a reason to
// leave the order pending.
const settleWithin = 2 * time.Second

// paymentDown kills the payment provider and checks out a cart with an
// idempotency key: 503 payment_unavailable naming the order, which is never
// paid and, within settleWithin, is payment_failed (payment_unavailable)
// with its stock back; the cart is as it was. Then, with the provider
// back, a retry with the same key answers the same, and charges nothing.
func paymentDown(t *testing.T, c *client, ids *allocator, cfg config) {
	if cfg.psp == nil {
		t.Skip("the suite has no way to take the payment provider down: pass contract.WithPaymentProvider for this case to run")
	}
	pid := ids.take(c, 1)[0]
	before := c.product(pid)
	cart := c.newCart()
	want := c.add(cart.ID, pid, 2)

	if err := cfg.psp.Kill(cfg.pspName, 0); err != nil {
		t.Fatalf("take the payment provider (%s) down: %v", cfg.pspName, err)
	}
	restart := sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return cfg.psp.Restart(ctx, cfg.pspName, 0)
	})
	// The provider comes back even when a check fails, for the cases after.
	t.Cleanup(func() {
		if err := restart(); err != nil {
			t.Errorf("bring the payment provider (%s) back: %v", cfg.pspName, err)
		}
	})

	checkout := func() api.ErrorDetail {
		return c.wantError(c.json("POST", "/carts/"+cart.ID+"/checkout", api.CheckoutRequest{CardToken: "tok_ok"}, api.IdempotencyKeyHeader, "contract-"+cart.ID),
			http.StatusServiceUnavailable, api.CodePaymentUnavailable)
	}
	down := time.Now()
	e := checkout()
	if e.OrderID == "" {
		t.Fatal("a checkout with the payment provider down does not name its order")
	}
	// The shop fails the order (owing the void it cannot run yet) rather
	// than leave it pending, holding its stock, until the provider is back.
	var order shop.Order
	c.eventually(settleWithin, func() string {
		c.want(c.json("GET", "/orders/"+e.OrderID, nil), http.StatusOK, &order)
		if order.Status == shop.OrderPending {
			return fmt.Sprintf("order %s of a checkout with the payment provider down is still pending", order.ID)
		}
		return ""
	})
	if order.Status != shop.OrderPaymentFailed || order.FailureReason != api.CodePaymentUnavailable || order.PaymentID != "" {
		t.Fatalf("order of a checkout with the payment provider down = %+v; want %q (%q) without a payment id",
			order, shop.OrderPaymentFailed, api.CodePaymentUnavailable)
	}
	c.eventually(settleWithin, func() string {
		if got := c.product(pid).Stock; got != before.Stock {
			return fmt.Sprintf("product %d: stock %d after its order failed for want of a payment provider, want %d back", pid, got, before.Stock)
		}
		return ""
	})
	// A failed payment leaves the cart as it was (docs/API.md), for the
	// shopper to pay later.
	var read shop.Cart
	c.want(c.json("GET", "/carts/"+cart.ID, nil), http.StatusOK, &read)
	if !sameLines(read, want) {
		t.Fatalf("cart after a checkout with the payment provider down = %+v, want it as it was (%+v)", read, want)
	}
	t.Logf("with the payment provider down, order %s was payment_failed and its stock back %s after the checkout",
		order.ID, time.Since(down).Round(100*time.Millisecond))

	if err := restart(); err != nil {
		t.Fatalf("bring the payment provider (%s) back: %v", cfg.pspName, err)
	}
	if again := checkout(); again.OrderID != e.OrderID {
		t.Fatalf("retry with the same key, the payment provider back, names order %s, want %s", again.OrderID, e.OrderID)
	}
	var after shop.Order
	c.want(c.json("GET", "/orders/"+e.OrderID, nil), http.StatusOK, &after)
	if after.Status != shop.OrderPaymentFailed || after.PaymentID != "" {
		t.Fatalf("order after a retry with the payment provider back = %+v, want it still %q, charging nothing", after, shop.OrderPaymentFailed)
	}
	if got := c.product(pid).Stock; got != before.Stock {
		t.Fatalf("product %d: stock %d after the retry, want %d (nothing taken)", pid, got, before.Stock)
	}
}

// eventually calls check until it finds nothing wrong (returns ""), and
// fails the test with what it found last if that takes longer than within.
func (c *client) eventually(within time.Duration, check func() string) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for backoff := 5 * time.Millisecond; ; backoff = min(2*backoff, 250*time.Millisecond) {
		problem := check()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s; still so after %s", problem, within)
		}
		time.Sleep(backoff)
	}
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
	c.eventually(10*time.Second, func() string {
		var list api.NotificationList
		c.want(c.json("GET", "/notifications?order_id="+orderID, nil), http.StatusOK, &list)
		if len(list.Notifications) != 1 || list.Notifications[0].SentAt == "" {
			return fmt.Sprintf("order %s: confirmation not sent: %+v", orderID, list)
		}
		if list.Notifications[0].OrderID != orderID {
			t.Fatalf("notification for %s listed under %s", list.Notifications[0].OrderID, orderID)
		}
		return ""
	})
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
