package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func serve(h http.Handler, method, target, body string, header ...string) answer {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// errorCode returns the code of a JSON error envelope, failing the test if
// the body is anything else.
func errorCode(t testing.TB, a answer) string {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status %d: Content-Type %q, want application/json; body %q", a.status, ct, a.body)
	}
	var eb api.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("status %d: body %q is not a JSON error envelope (%v)", a.status, a.body, err)
	}
	return eb.Error.Code
}

// TestRoutes proves each route's status codes and error codes, and that bad
// input is refused before it reaches the shop.
func TestRoutes(t *testing.T) {
	big := `{"product_id":1,"quantity":1` + strings.Repeat(" ", api.MaxBodyBytes) + `}`
	tests := []struct {
		name, method, target, body string
		status                     int
		code                       string // error code, for non-2xx
		allow                      string // Allow header, for 405
		reaches                    string // shop method called, "" for none
	}{
		{"health", "GET", "/healthz", "", 200, "", "", ""},

		{"list default", "GET", "/products", "", 200, "", "", "ListProducts"},
		{"list paged", "GET", "/products?offset=2&limit=2", "", 200, "", "", "ListProducts"},
		{"list max limit", "GET", "/products?limit=100", "", 200, "", "", "ListProducts"},
		{"list limit zero", "GET", "/products?limit=0", "", 400, api.CodeInvalidArgument, "", ""},
		{"list limit too big", "GET", "/products?limit=101", "", 400, api.CodeInvalidArgument, "", ""},
		{"list limit not a number", "GET", "/products?limit=ten", "", 400, api.CodeInvalidArgument, "", ""},
		{"list offset negative", "GET", "/products?offset=-1", "", 400, api.CodeInvalidArgument, "", ""},
		{"list offset huge", "GET", "/products?offset=99999999999999999999", "", 400, api.CodeInvalidArgument, "", ""},
		{"list offset float", "GET", "/products?offset=1.5", "", 400, api.CodeInvalidArgument, "", ""},

		{"get product", "GET", "/products/2", "", 200, "", "", "GetProduct"},
		{"get product missing", "GET", "/products/99", "", 404, api.CodeNotFound, "", "GetProduct"},
		{"get product zero", "GET", "/products/0", "", 400, api.CodeInvalidArgument, "", ""},
		{"get product negative", "GET", "/products/-3", "", 400, api.CodeInvalidArgument, "", ""},
		{"get product word", "GET", "/products/abc", "", 400, api.CodeInvalidArgument, "", ""},
		{"get product overflow", "GET", "/products/9223372036854775808", "", 400, api.CodeInvalidArgument, "", ""},

		{"create cart", "POST", "/carts", "", 201, "", "", "CreateCart"},
		{"get cart", "GET", "/carts/c_1", "", 200, "", "", "GetCart"},
		{"get cart missing", "GET", "/carts/nope", "", 404, api.CodeNotFound, "", "GetCart"},

		{"add item", "POST", "/carts/c_1/items", `{"product_id":1,"quantity":2}`, 200, "", "", "AddItem"},
		{"add item missing cart", "POST", "/carts/nope/items", `{"product_id":1,"quantity":2}`, 404, api.CodeNotFound, "", "AddItem"},
		{"add item missing product", "POST", "/carts/c_1/items", `{"product_id":99,"quantity":2}`, 404, api.CodeNotFound, "", "AddItem"},
		{"add item quantity zero", "POST", "/carts/c_1/items", `{"product_id":1,"quantity":0}`, 400, api.CodeInvalidArgument, "", ""},
		{"add item quantity too big", "POST", "/carts/c_1/items", `{"product_id":1,"quantity":101}`, 400, api.CodeInvalidArgument, "", ""},
		{"add item product zero", "POST", "/carts/c_1/items", `{"product_id":0,"quantity":1}`, 400, api.CodeInvalidArgument, "", ""},
		{"add item no body", "POST", "/carts/c_1/items", "", 400, api.CodeInvalidJSON, "", ""},
		{"add item not json", "POST", "/carts/c_1/items", `product_id=1`, 400, api.CodeInvalidJSON, "", ""},
		{"add item unknown field", "POST", "/carts/c_1/items", `{"product_id":1,"quantity":1,"x":1}`, 400, api.CodeInvalidJSON, "", ""},
		{"add item trailing data", "POST", "/carts/c_1/items", `{"product_id":1,"quantity":1} {}`, 400, api.CodeInvalidJSON, "", ""},
		{"add item wrong type", "POST", "/carts/c_1/items", `{"product_id":"1","quantity":1}`, 400, api.CodeInvalidJSON, "", ""},
		{"add item too large", "POST", "/carts/c_1/items", big, 413, api.CodeBodyTooLarge, "", ""},

		{"remove item not in cart", "DELETE", "/carts/c_1/items/3", "", 404, api.CodeNotFound, "", "RemoveItem"},
		{"remove item bad id", "DELETE", "/carts/c_1/items/x", "", 400, api.CodeInvalidArgument, "", ""},
		{"remove item zero id", "DELETE", "/carts/c_1/items/0", "", 400, api.CodeInvalidArgument, "", ""},

		{"checkout empty cart", "POST", "/carts/c_1/checkout", `{"card_token":"tok"}`, 422, api.CodeEmptyCart, "", "Checkout"},
		{"checkout missing cart", "POST", "/carts/nope/checkout", `{"card_token":"tok"}`, 404, api.CodeNotFound, "", "Checkout"},
		{"checkout no token", "POST", "/carts/c_1/checkout", `{}`, 400, api.CodeInvalidArgument, "", ""},
		{"checkout empty token", "POST", "/carts/c_1/checkout", `{"card_token":""}`, 400, api.CodeInvalidArgument, "", ""},
		{"checkout no body", "POST", "/carts/c_1/checkout", "", 400, api.CodeInvalidJSON, "", ""},
		{"checkout unknown field", "POST", "/carts/c_1/checkout", `{"card_token":"t","cvv":1}`, 400, api.CodeInvalidJSON, "", ""},

		{"get order", "GET", "/orders/o_1", "", 200, "", "", "GetOrder"},
		{"get order missing", "GET", "/orders/o_9", "", 404, api.CodeNotFound, "", "GetOrder"},
		{"notifications", "GET", "/notifications?order_id=o_1", "", 200, "", "", "Notifications"},
		{"notifications unknown order", "GET", "/notifications?order_id=o_9", "", 404, api.CodeNotFound, "", "Notifications"},
		{"notifications no order_id", "GET", "/notifications", "", 400, api.CodeInvalidArgument, "", ""},
		{"notifications empty order_id", "GET", "/notifications?order_id=", "", 400, api.CodeInvalidArgument, "", ""},

		{"unknown route", "GET", "/nope", "", 404, api.CodeNotFound, "", ""},
		{"root", "GET", "/", "", 404, api.CodeNotFound, "", ""},
		{"too deep", "GET", "/products/1/reviews", "", 404, api.CodeNotFound, "", ""},
		{"unclean path", "GET", "/products//1", "", 404, api.CodeNotFound, "", ""},
		{"dot segment", "GET", "/carts/x/../c_1", "", 404, api.CodeNotFound, "", ""},
		{"trailing slash", "GET", "/products/", "", 404, api.CodeNotFound, "", ""},
		{"get on post route", "GET", "/carts", "", 405, api.CodeMethodNotAllowed, "POST", ""},
		{"put on product", "PUT", "/products/1", "", 405, api.CodeMethodNotAllowed, "GET, HEAD", ""},
		{"delete a cart", "DELETE", "/carts/c_1", "", 405, api.CodeMethodNotAllowed, "GET, HEAD", ""},
		{"get on checkout", "GET", "/carts/c_1/checkout", "", 405, api.CodeMethodNotAllowed, "POST", ""},
		{"post on health", "POST", "/healthz", "", 405, api.CodeMethodNotAllowed, "GET, HEAD", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeShop()
			a := serve(New(fake, slog.New(slog.DiscardHandler)), tt.method, tt.target, tt.body)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", a.status, tt.status, a.body)
			}
			if tt.status >= 300 {
				if code := errorCode(t, a); code != tt.code {
					t.Errorf("code = %q, want %q", code, tt.code)
				}
			} else if ct := a.header.Get("Content-Type"); ct != "application/json" || !json.Valid(a.body) {
				t.Errorf("success answer is not JSON: %q %q", ct, a.body)
			}
			if got := a.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			var want []string
			if tt.reaches != "" {
				want = []string{tt.reaches}
			}
			if !slices.Equal(fake.calls, want) {
				t.Errorf("shop calls = %v, want %v", fake.calls, want)
			}
		})
	}
}

// TestListProductsPaging proves the query parameters, or their defaults,
// reach the shop and its page is returned as it is.
func TestListProductsPaging(t *testing.T) {
	tests := []struct {
		query         string
		offset, limit int64
		n             int
	}{
		{"", 0, api.DefaultPageLimit, 5},
		{"?offset=1&limit=3", 1, 3, 3},
		{"?offset=4", 4, api.DefaultPageLimit, 1},
		{"?offset=10&limit=1", 10, 1, 0},
	}
	for _, tt := range tests {
		fake := newFakeShop()
		a := serve(New(fake, nil), "GET", "/products"+tt.query, "")
		var page api.ProductPage
		if err := json.Unmarshal(a.body, &page); err != nil || a.status != 200 {
			t.Fatalf("%s: %d %s", tt.query, a.status, a.body)
		}
		if fake.lastPage != [2]int64{tt.offset, tt.limit} {
			t.Errorf("%s: shop asked for %v, want [%d %d]", tt.query, fake.lastPage, tt.offset, tt.limit)
		}
		if len(page.Products) != tt.n || page.Total != 5 || page.Offset != tt.offset || page.Limit != tt.limit {
			t.Errorf("%s: page = %+v", tt.query, page)
		}
	}
}

// TestCartLifecycle proves a cart created, filled, trimmed and checked out
// over the API sees every change, and checkout answers 201 with the order.
func TestCartLifecycle(t *testing.T) {
	fake := newFakeShop()
	h := New(fake, nil)
	var c shop.Cart
	a := serve(h, "POST", "/carts", "")
	if err := json.Unmarshal(a.body, &c); a.status != 201 || err != nil || c.ID == "" || len(c.Items) != 0 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	for _, body := range []string{`{"product_id":1,"quantity":2}`, `{"product_id":2,"quantity":1}`, `{"product_id":1,"quantity":3}`} {
		if a = serve(h, "POST", "/carts/"+c.ID+"/items", body); a.status != 200 {
			t.Fatalf("add %s: %d %s", body, a.status, a.body)
		}
	}
	if a = serve(h, "DELETE", "/carts/"+c.ID+"/items/2", ""); a.status != 200 {
		t.Fatalf("remove: %d %s", a.status, a.body)
	}
	a = serve(h, "GET", "/carts/"+c.ID, "")
	if err := json.Unmarshal(a.body, &c); err != nil || len(c.Items) != 1 || c.Items[0].Quantity != 5 {
		t.Fatalf("cart = %s", a.body)
	}
	a = serve(h, "POST", "/carts/"+c.ID+"/checkout", `{"card_token":"tok_ok"}`)
	var o shop.Order
	if err := json.Unmarshal(a.body, &o); a.status != 201 || err != nil || o.Status != shop.OrderPaid || o.CartID != c.ID {
		t.Fatalf("checkout: %d %s", a.status, a.body)
	}
	if fake.lastTok != "tok_ok" {
		t.Errorf("card token %q reached the shop, want tok_ok", fake.lastTok)
	}
	a = serve(h, "GET", "/orders/"+o.ID, "")
	if a.status != 200 {
		t.Fatalf("get order: %d %s", a.status, a.body)
	}
}

// TestIdempotencyKey proves the Idempotency-Key header reaches Checkout as
// sent, and a key over 128 bytes is refused before checkout.
func TestIdempotencyKey(t *testing.T) {
	tests := []struct {
		name   string
		key    []string
		status int
		want   string
	}{
		{"no key", nil, 201, ""},
		{"short key", []string{api.IdempotencyKeyHeader, "k-1"}, 201, "k-1"},
		{"128 bytes", []string{api.IdempotencyKeyHeader, strings.Repeat("k", 128)}, 201, strings.Repeat("k", 128)},
		{"129 bytes", []string{api.IdempotencyKeyHeader, strings.Repeat("k", 129)}, 400, ""},
		{"129 bytes of multibyte runes", []string{api.IdempotencyKeyHeader, strings.Repeat("é", 64) + "k"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeShop()
			fake.carts["c_1"].Items = []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 10}}
			a := serve(New(fake, nil), "POST", "/carts/c_1/checkout", `{"card_token":"tok"}`, tt.key...)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.body)
			}
			if tt.status != 201 {
				if code := errorCode(t, a); code != api.CodeInvalidArgument {
					t.Errorf("code = %q", code)
				}
				if len(fake.calls) != 0 {
					t.Errorf("shop was called: %v", fake.calls)
				}
				return
			}
			if fake.lastKey != tt.want {
				t.Errorf("key %q reached Checkout, want %q", fake.lastKey, tt.want)
			}
		})
	}
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPanicIsJSON500 proves a panicking shop method, over a real server,
// yields a 500 JSON error that hides the panic's text (which is logged)
// instead of a dropped connection, and the server keeps serving.
func TestPanicIsJSON500(t *testing.T) {
	routes := []struct{ method, target, body, panicIn string }{
		{"GET", "/products", "", "ListProducts"},
		{"GET", "/products/1", "", "GetProduct"},
		{"POST", "/carts", "", "CreateCart"},
		{"GET", "/carts/c_1", "", "GetCart"},
		{"POST", "/carts/c_1/items", `{"product_id":1,"quantity":1}`, "AddItem"},
		{"DELETE", "/carts/c_1/items/1", "", "RemoveItem"},
		{"POST", "/carts/c_1/checkout", `{"card_token":"t"}`, "Checkout"},
		{"GET", "/orders/o_1", "", "GetOrder"},
		{"GET", "/notifications?order_id=o_1", "", "Notifications"},
	}
	fake := newFakeShop()
	var logs lockedBuffer
	srv := httptest.NewServer(New(fake, slog.New(slog.NewTextHandler(&logs, nil))))
	t.Cleanup(srv.Close)
	for _, rt := range routes {
		t.Run(rt.panicIn, func(t *testing.T) {
			fake.mu.Lock()
			fake.panicIn = rt.panicIn
			fake.mu.Unlock()
			req, err := http.NewRequest(rt.method, srv.URL+rt.target, strings.NewReader(rt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("connection dropped: %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			a := answer{status: resp.StatusCode, header: resp.Header, body: body}
			if a.status != 500 || errorCode(t, a) != api.CodeInternal {
				t.Fatalf("answer %d %s, want 500 internal", a.status, body)
			}
			if strings.Contains(string(body), "boom") {
				t.Errorf("body leaks the panic: %s", body)
			}
			if !strings.Contains(logs.String(), "boom in "+rt.panicIn) {
				t.Errorf("panic not logged: %s", logs.String())
			}
		})
	}
	fake.mu.Lock()
	fake.panicIn = ""
	fake.mu.Unlock()
	resp, err := srv.Client().Get(srv.URL + "/products/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after panics: status %d", resp.StatusCode)
	}
}

// TestHardenKeepsAbortHandler proves http.ErrAbortHandler still aborts: it is
// the one panic a handler uses on purpose to drop a response.
func TestHardenKeepsAbortHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	serve(Harden(mux, nil), "GET", "/abort", "")
	t.Fatal("ErrAbortHandler was swallowed")
}
