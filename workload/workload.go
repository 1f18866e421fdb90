// Package workload is the shop's user journeys for the load generator: what
// a visitor does, as sequences of API calls, and the mix of visitors. The
// same journeys drive every variant, so the variants see the same work.
package workload

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
)

// Journey names.
const (
	Browse    = "browse"
	AddToCart = "add-to-cart"
	Checkout  = "checkout"
)

// DefaultMix is the default share of each journey: most visitors browse,
// some fill a cart, few buy.
const DefaultMix = "browse=70,add-to-cart=20,checkout=10"

// Option configures the journeys.
type Option func(*config)

type config struct {
	products  uint64
	zipf      float64
	cardToken string
}

// WithProducts sets how many products the catalog has (default
// shop.DefaultCatalog.Count); journeys pick product IDs in 1..n. n is at
// least MinProducts: browsing lists whole pages, and a checkout's cart
// holds up to three distinct products.
func WithProducts(n int) Option {
	return func(c *config) { c.products = uint64(max(n, MinProducts)) }
}

// MinProducts is the fewest products WithProducts takes: one page of the
// product list.
const MinProducts = api.DefaultPageLimit

// WithZipf sets the skew of product popularity: visitors pick product k with
// probability proportional to 1/(1+k)^s, so a few products are hot, as in
// real shops. s must be > 1; 0 picks products uniformly (default 1.1).
func WithZipf(s float64) Option { return func(c *config) { c.zipf = s } }

// WithCardToken sets the card token checkouts pay with (default "tok_ok").
func WithCardToken(tok string) Option { return func(c *config) { c.cardToken = tok } }

// Journeys returns the shop's journeys: browse, add-to-cart and checkout.
// Their weights are zero; loadgen.ParseMix sets them.
func Journeys(opts ...Option) []loadgen.Journey {
	c := &config{products: uint64(shop.DefaultCatalog.Count), zipf: 1.1, cardToken: "tok_ok"}
	for _, o := range opts {
		o(c)
	}
	return []loadgen.Journey{
		{Name: Browse, Run: c.browse},
		{Name: AddToCart, Run: c.addToCart},
		{Name: Checkout, Run: c.checkout},
	}
}

// Mix parses a mix such as DefaultMix over the shop's journeys.
func Mix(spec string, opts ...Option) (loadgen.Mix, error) {
	return loadgen.ParseMix(spec, Journeys(opts...))
}

// product picks a product ID, skewed by popularity.
func (c *config) product(r *rand.Rand) int64 {
	if c.zipf <= 1 {
		return 1 + r.Int64N(int64(c.products))
	}
	return 1 + int64(rand.NewZipf(r, c.zipf, 1, c.products-1).Uint64())
}

// browse: a page of the catalog, then one product.
func (c *config) browse(ctx context.Context, s *loadgen.Session) error {
	offset := s.Rand().Int64N(int64(c.products)/api.DefaultPageLimit) * api.DefaultPageLimit
	if _, _, err := call(ctx, s, httpapi.RouteListProducts, http.MethodGet, "/products?offset="+strconv.FormatInt(offset, 10), nil, nil, http.StatusOK); err != nil {
		return err
	}
	_, _, err := call(ctx, s, httpapi.RouteGetProduct, http.MethodGet, "/products/"+strconv.FormatInt(c.product(s.Rand()), 10), nil, nil, http.StatusOK)
	return err
}

// addToCart: a new cart, one or two products into it, a look at the cart.
func (c *config) addToCart(ctx context.Context, s *loadgen.Session) error {
	id, err := c.fillCart(ctx, s, 1+s.Rand().IntN(2))
	if err != nil {
		return err
	}
	_, _, err = call(ctx, s, httpapi.RouteGetCart, http.MethodGet, "/carts/"+id, nil, nil, http.StatusOK)
	return err
}

// checkout: a new cart with one to three products, then checkout. A decline
// (402 payment_declined) or a sold-out product (409 out_of_stock, which a
// catalog seeded with little stock makes common) is the shop working as
// designed, so the journey accepts them. Any other 409 is an error: a
// conflict over the idempotency key means the checkout did not complete
// (a replay found the first attempt still in progress) or the key was
// reused, which unique carts never do. A 503 from an unavailable payment
// provider counts as an error too.
func (c *config) checkout(ctx context.Context, s *loadgen.Session) error {
	id, err := c.fillCart(ctx, s, 1+s.Rand().IntN(3))
	if err != nil {
		return err
	}
	// The cart ID is unique, so it makes a unique idempotency key; with it a
	// retry after a broken connection can never pay twice.
	body := mustJSON(api.CheckoutRequest{CardToken: c.cardToken})
	status, resp, err := call(ctx, s, httpapi.RouteCheckout, http.MethodPost, "/carts/"+id+"/checkout", body,
		[]string{api.IdempotencyKeyHeader, "checkout-" + id}, http.StatusCreated, http.StatusPaymentRequired, http.StatusConflict)
	if err != nil || status != http.StatusConflict {
		return err
	}
	if code := errorCode(resp); code != api.CodeOutOfStock {
		return s.Fail(fmt.Errorf("status 409 %s, want 409 only as %s", cmp.Or(code, "without an error code"), api.CodeOutOfStock))
	}
	return nil
}

// errorCode returns the code of an error response's JSON envelope
// (api.ErrorBody), or "" if body is none.
func errorCode(body []byte) string {
	var eb api.ErrorBody
	if json.Unmarshal(body, &eb) != nil {
		return ""
	}
	return eb.Error.Code
}

// fillCart creates a cart and adds lines distinct products to it.
func (c *config) fillCart(ctx context.Context, s *loadgen.Session, lines int) (string, error) {
	_, body, err := call(ctx, s, httpapi.RouteCreateCart, http.MethodPost, "/carts", nil, nil, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var cart shop.Cart
	if err := json.Unmarshal(body, &cart); err != nil || cart.ID == "" {
		return "", fmt.Errorf("create cart: no cart id in %q", body)
	}
	seen := map[int64]bool{}
	for len(seen) < lines {
		p := c.product(s.Rand())
		if seen[p] {
			continue
		}
		seen[p] = true
		add := mustJSON(api.AddItemRequest{ProductID: p, Quantity: 1 + s.Rand().Int64N(2)})
		if _, _, err := call(ctx, s, httpapi.RouteAddItem, http.MethodPost, "/carts/"+cart.ID+"/items", add, nil, http.StatusOK); err != nil {
			return "", err
		}
	}
	return cart.ID, nil
}

// call makes one request as operation op, with header given as name/value
// pairs, checks its status against want and returns it with the body.
func call(ctx context.Context, s *loadgen.Session, op, method, path string, body []byte, header []string, want ...int) (int, []byte, error) {
	var rd io.Reader // an interface, so that no body stays a true nil
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL()+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	status, respBody, err := s.Do(req, op)
	if err != nil {
		return status, nil, err
	}
	if err := s.Expect(status, respBody, want...); err != nil {
		return status, nil, err
	}
	return status, respBody, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only fixed, known-good types are marshalled here
	}
	return b
}
