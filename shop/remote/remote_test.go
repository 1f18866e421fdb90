package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
)

// serve runs h on loopback until the test ends.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// caller returns an HTTP caller of urls, failing the test if it cannot.
func caller(t *testing.T, urls string, opts ...remote.Option) *remote.HTTP {
	t.Helper()
	c, err := remote.NewHTTP("peer", urls, opts...)
	if err != nil {
		t.Fatalf("NewHTTP(%q): %v", urls, err)
	}
	return c
}

// answer returns a handler that answers every request with status and body.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// envelope is the contract's JSON error body.
func envelope(code, msg, orderID string) string {
	b, _ := json.Marshal(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg, OrderID: orderID}})
	return string(b)
}

// TestCallSendsAndDecodes proves a 2xx answer is decoded into out and that
// the request carries the method, the path with its query, and in as JSON.
func TestCallSendsAndDecodes(t *testing.T) {
	type payload struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	var got struct {
		method, uri, contentType string
		body                     payload
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.uri, got.contentType = r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type")
		if err := json.NewDecoder(r.Body).Decode(&got.body); err != nil {
			api.WriteError(w, r, nil, fmt.Errorf("%v: %w", err, shop.ErrInvalid))
			return
		}
		api.WriteJSON(w, http.StatusCreated, payload{Name: got.body.Name + "!", Count: got.body.Count + 1})
	})
	var out payload
	if err := caller(t, srv.URL+"/").Call(t.Context(), http.MethodPost, "/things?x=1", payload{"a", 1}, &out); err != nil {
		t.Fatal(err)
	}
	if want := (payload{"a!", 2}); out != want {
		t.Errorf("out = %+v, want %+v", out, want)
	}
	if got.method != http.MethodPost || got.uri != "/things?x=1" || got.contentType != "application/json" || got.body != (payload{"a", 1}) {
		t.Errorf("peer saw %s %s (%s) %+v, want POST /things?x=1 (application/json) {a 1}", got.method, got.uri, got.contentType, got.body)
	}
}

// TestCallSuccessBodies proves how 2xx answers other than a JSON value are
// taken: no body leaves out untouched, a body that is not JSON is an error
// but not an outage.
func TestCallSuccessBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr bool
	}{
		{"204 no content", http.StatusNoContent, "", false},
		{"200 empty", http.StatusOK, "", false},
		{"200 not JSON", http.StatusOK, "<html>", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, answer(tt.status, tt.body))
			out := map[string]int{"kept": 1}
			err := caller(t, srv.URL).Call(t.Context(), http.MethodDelete, "/x", nil, &out)
			if (err != nil) != tt.wantErr || errors.Is(err, remote.ErrUnavailable) {
				t.Errorf("Call = %v, want error %v and never ErrUnavailable", err, tt.wantErr)
			}
			if !tt.wantErr && (len(out) != 1 || out["kept"] != 1) {
				t.Errorf("out = %v, want it untouched", out)
			}
		})
	}
}

// TestCallErrorKinds proves a peer's error answers come back as the shop's
// error kinds, and that only a 5xx or a malformed 5xx counts as
// ErrUnavailable: a 4xx is the peer's considered answer, not an outage.
func TestCallErrorKinds(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		is      []error // err must match each
		isNot   []error // and none of these
		orderID string  // the *api.OrderError's order, if any
	}{
		{
			name: "404 not_found", status: http.StatusNotFound, body: envelope(api.CodeNotFound, "product 7: not found", ""),
			is: []error{shop.ErrNotFound}, isNot: []error{remote.ErrUnavailable, shop.ErrInvalid},
		},
		{
			name: "409 out_of_stock", status: http.StatusConflict, body: envelope(api.CodeOutOfStock, "product 1: out of stock", ""),
			is: []error{shop.ErrOutOfStock}, isNot: []error{remote.ErrUnavailable, shop.ErrConflict},
		},
		{
			name: "400 invalid_argument", status: http.StatusBadRequest, body: envelope(api.CodeInvalidArgument, "bad", ""),
			is: []error{shop.ErrInvalid}, isNot: []error{remote.ErrUnavailable},
		},
		{
			name: "503 payment_unavailable", status: http.StatusServiceUnavailable, body: envelope(api.CodePaymentUnavailable, "no answer", ""),
			is: []error{shop.ErrPaymentUnavailable, remote.ErrUnavailable, api.ErrUnavailable}, isNot: []error{shop.ErrPaymentDeclined},
		},
		{
			name: "503 unavailable", status: http.StatusServiceUnavailable, body: envelope(api.CodeUnavailable, "inventory down", ""),
			is: []error{remote.ErrUnavailable}, isNot: []error{shop.ErrPaymentUnavailable},
		},
		{
			name: "500 not JSON", status: http.StatusInternalServerError, body: "oops",
			is: []error{remote.ErrUnavailable}, isNot: []error{shop.ErrInvalid, shop.ErrNotFound},
		},
		{
			name: "402 payment_declined with order", status: http.StatusPaymentRequired, body: envelope(api.CodePaymentDeclined, "order o_1: declined", "o_1"),
			is: []error{shop.ErrPaymentDeclined}, isNot: []error{remote.ErrUnavailable}, orderID: "o_1",
		},
		{
			name: "503 payment_unavailable with order", status: http.StatusServiceUnavailable, body: envelope(api.CodePaymentUnavailable, "order o_2: no answer", "o_2"),
			is: []error{shop.ErrPaymentUnavailable, remote.ErrUnavailable}, orderID: "o_2",
		},
		// A 4xx without a code this side knows keeps its status's meaning:
		// the peer refused the request, and that must not become a 500 here.
		{
			name: "418 unknown code", status: http.StatusTeapot, body: envelope("teapot", "short and stout", ""),
			is: []error{shop.ErrInvalid}, isNot: []error{remote.ErrUnavailable, shop.ErrNotFound},
		},
		{
			name: "431 in plain text", status: http.StatusRequestHeaderFieldsTooLarge, body: "431 Request Header Fields Too Large",
			is: []error{shop.ErrInvalid}, isNot: []error{remote.ErrUnavailable},
		},
		{
			name: "404 in plain text", status: http.StatusNotFound, body: "404 page not found",
			is: []error{shop.ErrNotFound}, isNot: []error{shop.ErrInvalid},
		},
		{
			name: "409 in plain text", status: http.StatusConflict, body: "conflict",
			is: []error{shop.ErrConflict}, isNot: []error{shop.ErrInvalid},
		},
		{
			name: "429 throttled", status: http.StatusTooManyRequests, body: envelope("throttled", "over the concurrency limit", ""),
			is: []error{remote.ErrUnavailable}, isNot: []error{shop.ErrInvalid},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, answer(tt.status, tt.body))
			var out map[string]any
			err := caller(t, srv.URL).Call(t.Context(), http.MethodGet, "/x", nil, &out)
			if err == nil {
				t.Fatalf("Call succeeded (out %v), want an error", out)
			}
			for _, k := range tt.is {
				if !errors.Is(err, k) {
					t.Errorf("errors.Is(%q, %q) = false, want true", err, k)
				}
			}
			for _, k := range tt.isNot {
				if errors.Is(err, k) {
					t.Errorf("errors.Is(%q, %q) = true, want false", err, k)
				}
			}
			var oe *api.OrderError
			if got := errors.As(err, &oe); got != (tt.orderID != "") || (got && oe.OrderID != tt.orderID) {
				t.Errorf("errors.As(%q, *api.OrderError) = %v %+v, want order %q", err, got, oe, tt.orderID)
			}
			if out != nil {
				t.Errorf("out = %v after an error answer, want it untouched", out)
			}
		})
	}
}

// TestCallNoAnswer proves a peer that does not answer (down, or slower than
// the timeout) is ErrUnavailable, which the API answers 503.
func TestCallNoAnswer(t *testing.T) {
	closed := httptest.NewServer(answer(http.StatusOK, `{}`))
	closed.Close()

	// The slow handler holds the request until the caller gives up (or the
	// test ends), so the caller's timeout is the only way the call returns.
	release := make(chan struct{})
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before slow.Close

	tests := []struct {
		name string
		url  string
		opts []remote.Option
	}{
		{"connection refused", closed.URL, nil},
		{"slower than the timeout", slow.URL, []remote.Option{remote.WithTimeout(50 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := caller(t, tt.url, tt.opts...).Call(t.Context(), http.MethodGet, "/x", nil, nil)
			if !errors.Is(err, remote.ErrUnavailable) {
				t.Fatalf("Call = %v, want ErrUnavailable", err)
			}
			if status, code := api.Classify(err); status != http.StatusServiceUnavailable || code != api.CodeUnavailable {
				t.Errorf("Classify = %d %s, want 503 %s", status, code, api.CodeUnavailable)
			}
		})
	}
}

// TestCallRoundRobin proves calls alternate over a peer's replicas.
func TestCallRoundRobin(t *testing.T) {
	replica := func(name string) *httptest.Server {
		return serve(t, func(w http.ResponseWriter, r *http.Request) {
			api.WriteJSON(w, http.StatusOK, map[string]string{"replica": name})
		})
	}
	a, b := replica("a"), replica("b")
	c := caller(t, " "+a.URL+" , "+b.URL+"/ ,")
	var seen []string
	for range 6 {
		var out struct{ Replica string }
		if err := c.Call(t.Context(), http.MethodGet, "/who", nil, &out); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, out.Replica)
	}
	if got, want := strings.Join(seen, ""), "ababab"; got != want {
		t.Errorf("replicas answered %q, want %q", got, want)
	}
}

// TestNewHTTPNoURL proves a peer without any URL is refused up front.
func TestNewHTTPNoURL(t *testing.T) {
	for _, urls := range []string{"", " ", ",", " , ,"} {
		if c, err := remote.NewHTTP("inventory", urls); err == nil {
			t.Errorf("NewHTTP(%q) = %v, nil; want an error", urls, c)
		}
	}
}

// book is an in-memory AddressBook.
type book map[string]string

func (b book) Peer(name string) (string, error) {
	u, ok := b[name]
	if !ok {
		return "", fmt.Errorf("no peer %q", name)
	}
	return u, nil
}

// TestDial proves Dial finds a peer by name, and fails for a name the book
// does not have or whose entry holds no URL.
func TestDial(t *testing.T) {
	srv := serve(t, answer(http.StatusOK, `{"ok":true}`))
	b := book{"catalog": srv.URL, "empty": ""}
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"catalog", false},
		{"inventory", true},
		{"empty", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := remote.Dial(b, tt.name)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Dial(%q) = %v, nil; want an error", tt.name, c)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial(%q): %v", tt.name, err)
			}
			var out struct{ OK bool }
			if err := c.Call(context.Background(), http.MethodGet, "/", nil, &out); err != nil || !out.OK {
				t.Errorf("Call through the dialled caller = %+v, %v; want {OK:true}, nil", out, err)
			}
		})
	}
}
