package httpapi

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
)

var fuzzMethods = []string{"GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"}

// FuzzHandler sends arbitrary requests (a method from fuzzMethods, any path,
// query, Idempotency-Key and body a server would deliver) through the full
// handler over a fake shop that never fails internally. It holds the API to
// "zero 5xx on malformed requests": no answer is 5xx, and every non-2xx
// answer is the JSON error envelope with a code.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method      byte
		path, query string
		key, body   string
	}{
		{0, "/healthz", "", "", ""},
		{0, "/products", "offset=1&limit=2", "", ""},
		{0, "/products", "limit=-1", "", ""},
		{0, "/products/3", "", "", ""},
		{0, "/products/%31", "", "", ""},
		{1, "/carts", "", "", ""},
		{0, "/carts/c_1", "", "", ""},
		{1, "/carts/c_1/items", "", "", `{"product_id":1,"quantity":2}`},
		{1, "/carts/c_1/items", "", "", `{"product_id":1,"quantity":200}`},
		{1, "/carts/c_1/items", "", "", `{"product_id":9,"quantity":1}`},
		{2, "/carts/c_1/items/1", "", "", ""},
		{1, "/carts/c_1/checkout", "", "key", `{"card_token":"tok"}`},
		{1, "/carts/c_1/checkout", "", strings.Repeat("k", 200), `{"card_token":"tok"}`},
		{0, "/orders/o_1", "", "", ""},
		{0, "/notifications", "order_id=o_1", "", ""},
		{3, "/products/1", "", "", ""},
		{0, "/products//1", "", "", ""},
		{0, "/carts/a%2Fb", "", "", ""},
		{0, "/carts/../products", "", "", ""},
		{4, "/nope", "x=%zz", "", "{"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.key, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, m byte, path, query, key string, body []byte) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		// Only what a server would hand to a handler: a parsable request
		// target and a header value that may be sent.
		u, err := url.ParseRequestURI(path + "?" + query)
		if err != nil || !strings.HasPrefix(path, "/") || strings.ContainsAny(key, "\r\n\x00") {
			t.Skip()
		}
		r := httptest.NewRequest(method, "/", bytes.NewReader(body))
		r.URL, r.RequestURI = u, u.RequestURI()
		if key != "" {
			r.Header.Set(api.IdempotencyKeyHeader, key)
		}
		fake := newFakeShop()
		fake.carts["c_1"].Items = []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 10}}
		w := httptest.NewRecorder()
		New(fake, nil).ServeHTTP(w, r)
		a := answer{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
		if a.status >= 500 {
			t.Fatalf("%s %s: status %d: %s", method, u, a.status, a.body)
		}
		if a.status < 200 || a.status >= 300 {
			errorCode(t, a)
		}
	})
}
