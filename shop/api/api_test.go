package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/archbench/archbench/shop"
)

// TestDecodeReader proves decoding is strict: one JSON value of the right
// shape, nothing unknown, nothing after it; every refusal is 400 invalid_json.
func TestDecodeReader(t *testing.T) {
	tests := []struct {
		name string
		body string
		want AddItemRequest
		ok   bool
	}{
		{"valid", `{"product_id":3,"quantity":2}`, AddItemRequest{3, 2}, true},
		{"valid with whitespace around", " \n{\"product_id\":3}\n\t ", AddItemRequest{ProductID: 3}, true},
		{"empty object", `{}`, AddItemRequest{}, true},
		{"null", `null`, AddItemRequest{}, true},
		{"empty body", ``, AddItemRequest{}, false},
		{"only whitespace", "  \n", AddItemRequest{}, false},
		{"unknown field", `{"product_id":3,"quantity":2,"coupon":"x"}`, AddItemRequest{}, false},
		{"trailing value", `{"product_id":3}{"product_id":4}`, AddItemRequest{}, false},
		{"trailing garbage", `{"product_id":3} x`, AddItemRequest{}, false},
		{"trailing brace", `{"product_id":3}}`, AddItemRequest{}, false},
		{"wrong type string", `{"product_id":"3"}`, AddItemRequest{}, false},
		{"wrong type float", `{"quantity":1.5}`, AddItemRequest{}, false},
		{"overflow", `{"quantity":1e400}`, AddItemRequest{}, false},
		{"array", `[1,2]`, AddItemRequest{}, false},
		{"truncated", `{"product_id":3`, AddItemRequest{}, false},
		{"not json", `product_id=3`, AddItemRequest{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got AddItemRequest
			err := DecodeReader(strings.NewReader(tt.body), &got)
			if tt.ok {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got != tt.want {
					t.Errorf("decoded %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("decoded %+v, want an error", got)
			}
			if status, code := Classify(err); status != http.StatusBadRequest || code != CodeInvalidJSON {
				t.Errorf("Classify(%v) = %d %s, want 400 %s", err, status, code, CodeInvalidJSON)
			}
		})
	}
}

func TestDecodeEmptyBodyMessage(t *testing.T) {
	err := DecodeReader(strings.NewReader(""), &CheckoutRequest{})
	if err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("err = %v, want it to say the body is empty", err)
	}
}

// TestDecodeBodyLimit proves Decode answers 413 body_too_large for a body
// over MaxBodyBytes, wherever the limit falls, and accepts one just under it.
func TestDecodeBodyLimit(t *testing.T) {
	pad := func(n int) string { // a valid CheckoutRequest exactly n bytes long
		const pre, post = `{"card_token":"`, `"}`
		return pre + strings.Repeat("a", n-len(pre)-len(post)) + post
	}
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"at the limit", pad(MaxBodyBytes), 0},
		{"one byte over", pad(MaxBodyBytes + 1), http.StatusRequestEntityTooLarge},
		{"far over", pad(4 * MaxBodyBytes), http.StatusRequestEntityTooLarge},
		{"valid value then padding over the limit", `{"card_token":"x"}` + strings.Repeat(" ", MaxBodyBytes), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/carts/c/checkout", strings.NewReader(tt.body))
			var req CheckoutRequest
			err := Decode(w, r, &req)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			status, code := Classify(fmt.Errorf("checkout: %w", err))
			if status != tt.wantStatus || code != CodeBodyTooLarge {
				t.Fatalf("Classify(%v) = %d %s, want %d %s", err, status, code, tt.wantStatus, CodeBodyTooLarge)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(MaxBodyBytes)) {
				t.Errorf("message %q does not state the limit", err)
			}
		})
	}
}

// TestClassify proves every error kind, wrapped with context, maps to its one
// status and code, and anything else is 500 internal.
func TestClassify(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{shop.ErrInvalid, 400, CodeInvalidArgument},
		{shop.ErrNotFound, 404, CodeNotFound},
		{shop.ErrOutOfStock, 409, CodeOutOfStock},
		{shop.ErrConflict, 409, CodeConflict},
		{shop.ErrEmptyCart, 422, CodeEmptyCart},
		{shop.ErrCartFull, 422, CodeCartFull},
		{shop.ErrPaymentDeclined, 402, CodePaymentDeclined},
		{shop.ErrPaymentUnavailable, 503, CodePaymentUnavailable},
		{DecodeReader(strings.NewReader("{"), &CheckoutRequest{}), 400, CodeInvalidJSON},
		{errors.New("disk on fire"), 500, CodeInternal},
		{&OrderError{OrderID: "o_1", Err: shop.ErrPaymentDeclined}, 402, CodePaymentDeclined},
		{errors.Join(errors.New("a"), shop.ErrInvalid), 400, CodeInvalidArgument},
		{fmt.Errorf("cart GET /carts/c1: dial: %w", ErrUnavailable), 503, CodeUnavailable},
		// A specific kind wins over the outage it came through.
		{fmt.Errorf("%w: %w", shop.ErrPaymentUnavailable, ErrUnavailable), 503, CodePaymentUnavailable},
		{fmt.Errorf("%w: %w", shop.ErrNotFound, ErrUnavailable), 404, CodeNotFound},
	}
	for _, tt := range tests {
		for _, err := range []error{tt.err, fmt.Errorf("ctx: %w", tt.err), fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tt.err))} {
			if status, code := Classify(err); status != tt.status || code != tt.code {
				t.Errorf("Classify(%v) = %d %s, want %d %s", err, status, code, tt.status, tt.code)
			}
		}
	}
}

func writeError(t *testing.T, err error) (*httptest.ResponseRecorder, ErrorBody) {
	t.Helper()
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest(http.MethodGet, "/x", nil), slog.New(slog.DiscardHandler), err)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var eb ErrorBody
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil {
		t.Fatalf("body %q is not an error envelope: %v", w.Body, err)
	}
	return w, eb
}

// TestWriteError proves the envelope carries the status and code, the
// message of a client error, an order ID for an *OrderError, and never the
// text of an internal error.
func TestWriteError(t *testing.T) {
	const secret = "password=hunter2 at /var/db"
	tests := []struct {
		name        string
		err         error
		status      int
		code        string
		message     string
		orderID     string
		leakAllowed bool
	}{
		{"not found", fmt.Errorf("product 7: %w", shop.ErrNotFound), 404, CodeNotFound, "product 7: not found", "", false},
		{"internal", errors.New(secret), 500, CodeInternal, "internal error", "", false},
		{"wrapped internal", fmt.Errorf("query: %w", errors.New(secret)), 500, CodeInternal, "internal error", "", false},
		{"order error", &OrderError{OrderID: "o_9", Err: fmt.Errorf("checkout: %w", shop.ErrPaymentDeclined)}, 402, CodePaymentDeclined,
			"order o_9: checkout: payment declined", "o_9", false},
		{"wrapped order error", fmt.Errorf("gateway: %w", &OrderError{OrderID: "o_9", Err: shop.ErrPaymentUnavailable}), 503, CodePaymentUnavailable,
			"gateway: order o_9: payment provider unavailable", "o_9", false},
		{"internal order error", &OrderError{OrderID: "o_3", Err: errors.New(secret)}, 500, CodeInternal, "internal error", "o_3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, eb := writeError(t, tt.err)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			want := ErrorDetail{Code: tt.code, Message: tt.message, OrderID: tt.orderID}
			if eb.Error != want {
				t.Errorf("envelope = %+v, want %+v", eb.Error, want)
			}
			if strings.Contains(w.Body.String(), "hunter2") {
				t.Errorf("body leaks the internal error: %s", w.Body)
			}
		})
	}
}

// TestReadErrorRoundTrip proves an error written by WriteError and read back
// by ReadError keeps its kind (errors.Is), its message and its order ID, so
// errors mean the same on both sides of a network hop — over several hops.
func TestReadErrorRoundTrip(t *testing.T) {
	kinds := []error{shop.ErrInvalid, shop.ErrNotFound, shop.ErrOutOfStock, shop.ErrConflict, shop.ErrEmptyCart,
		shop.ErrCartFull, shop.ErrPaymentDeclined, shop.ErrPaymentUnavailable}
	for _, kind := range kinds {
		for _, orderID := range []string{"", "o_42"} {
			var err error = fmt.Errorf("thing 7: %w", kind)
			if orderID != "" {
				err = &OrderError{OrderID: orderID, Err: err}
			}
			t.Run(fmt.Sprintf("%v/%q", kind, orderID), func(t *testing.T) {
				wantStatus, wantCode := Classify(err)
				cur := err
				for hop := range 3 {
					w, _ := writeError(t, cur)
					got := ReadError(w.Code, w.Body.Bytes())
					if !errors.Is(got, kind) {
						t.Fatalf("hop %d: %v does not match %v", hop, got, kind)
					}
					if got.Error() != err.Error() {
						t.Fatalf("hop %d: message %q, want %q", hop, got.Error(), err.Error())
					}
					if status, code := Classify(got); status != wantStatus || code != wantCode {
						t.Fatalf("hop %d: Classify = %d %s, want %d %s", hop, status, code, wantStatus, wantCode)
					}
					var oe *OrderError
					if errors.As(got, &oe) != (orderID != "") || (oe != nil && oe.OrderID != orderID) {
						t.Fatalf("hop %d: order error %+v, want order %q", hop, oe, orderID)
					}
					cur = got
				}
			})
		}
	}
}

// TestReadErrorDecodeKinds proves the HTTP layer's own codes read back as
// invalid input.
func TestReadErrorDecodeKinds(t *testing.T) {
	for _, err := range []error{
		DecodeReader(strings.NewReader("{"), &CheckoutRequest{}),
		DecodeReader(io.MultiReader(strings.NewReader(`{"card_token":"`), strings.NewReader(strings.Repeat("a", MaxBodyBytes))), &CheckoutRequest{}),
	} {
		w, _ := writeError(t, err)
		if got := ReadError(w.Code, w.Body.Bytes()); !errors.Is(got, shop.ErrInvalid) {
			t.Errorf("ReadError of %v = %v, want ErrInvalid", err, got)
		}
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat(" ", MaxBodyBytes+1)))
	w2, _ := writeError(t, Decode(w, r, &CheckoutRequest{}))
	if got := ReadError(w2.Code, w2.Body.Bytes()); w2.Code != 413 || !errors.Is(got, shop.ErrInvalid) {
		t.Errorf("413 reads back as %v (status %d), want ErrInvalid", got, w2.Code)
	}
}

// TestReadErrorUnknown proves bodies that are not a known envelope become
// errors of no shop kind that still say what the peer answered.
func TestReadErrorUnknown(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{500, `{"error":{"code":"internal","message":"internal error"}}`, "status 500: internal: internal error"},
		{503, `{"error":{"code":"unavailable","message":"down"}}`, "status 503: unavailable: down"},
		{502, "<html>bad gateway</html>\n", "status 502: <html>bad gateway</html>"},
		{404, `{"error":{}}`, `status 404: {"error":{}}`},
		{400, ``, "status 400: "},
	}
	for _, tt := range tests {
		err := ReadError(tt.status, []byte(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ReadError(%d, %q) = %v, want %q", tt.status, tt.body, err, tt.want)
		}
		for _, kind := range []error{shop.ErrInvalid, shop.ErrNotFound, shop.ErrPaymentUnavailable} {
			if errors.Is(err, kind) {
				t.Errorf("ReadError(%d, %q) matches %v", tt.status, tt.body, kind)
			}
		}
	}
}
