// Package api is the shop's HTTP contract, shared by every variant: the
// request bodies, the JSON error envelope, strict bounded JSON decoding, and
// the one mapping from shop error kinds to status codes. docs/API.md describes
// the same contract for people.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/archbench/archbench/shop"
)

// MaxBodyBytes bounds every request body. Larger bodies get 413.
const MaxBodyBytes = 64 << 10

// MaxOrderIDBytes bounds an order ID a request names: the shop's own are
// 28 bytes, so a longer one names no order (404) and is not passed on to
// the services that own orders.
const MaxOrderIDBytes = 64

// MaxCardTokenBytes bounds a checkout's card_token, which is passed on to
// the payment provider: a provider's tokens are short, and a long one
// (JSON-escaped, up to six times longer) could exceed what the provider
// accepts and turn the shopper's bad request into a provider failure.
const MaxCardTokenBytes = 256

// IdempotencyKeyHeader carries a client's key for a retry-safe checkout:
// repeating a checkout with the same key returns the same order and charges
// once.
const IdempotencyKeyHeader = "Idempotency-Key"

// Error codes in the JSON error envelope.
const (
	CodeInvalidJSON        = "invalid_json"
	CodeInvalidArgument    = "invalid_argument"
	CodeBodyTooLarge       = "body_too_large"
	CodeNotFound           = "not_found"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeOutOfStock         = "out_of_stock"
	CodeEmptyCart          = "empty_cart"
	CodeCartFull           = "cart_full"
	CodeConflict           = "conflict"
	CodePaymentDeclined    = "payment_declined"
	CodePaymentUnavailable = "payment_unavailable"
	CodeUnavailable        = "unavailable"
	CodeInternal           = "internal"
)

// ErrorBody is the envelope of every error response:
// {"error":{"code":"not_found","message":"product 7: not found"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong, for programs (Code) and people (Message).
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// OrderID names the order a failed checkout left behind, if any.
	OrderID string `json:"order_id,omitempty"`
}

// AddItemRequest is the body of POST /carts/{id}/items.
type AddItemRequest struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

// CheckoutRequest is the body of POST /carts/{id}/checkout.
type CheckoutRequest struct {
	// CardToken stands in for payment details; the provider declines
	// "tok_decline" and approves any other non-empty token.
	CardToken string `json:"card_token"`
}

// ProductPage is the body of GET /products.
type ProductPage struct {
	Products []shop.Product `json:"products"`
	Total    int64          `json:"total"`
	Offset   int64          `json:"offset"`
	Limit    int64          `json:"limit"`
}

// NotificationList is the body of GET /notifications?order_id=.
type NotificationList struct {
	Notifications []shop.Notification `json:"notifications"`
}

// Status is the body of GET /healthz.
type Status struct {
	Status string `json:"status"`
}

// Paging limits for GET /products.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// statusError carries a status and code chosen at the HTTP layer, such as for
// a body that is not JSON.
type statusError struct {
	status int
	code   string
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// Decode reads one JSON value from r's body into v: at most MaxBodyBytes,
// unknown fields rejected, trailing data rejected. Its errors carry the status
// WriteError should answer with (400 or 413).
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeReader(http.MaxBytesReader(w, r.Body, MaxBodyBytes), v)
}

// DecodeReader is Decode over any reader; the caller bounds its size.
func DecodeReader(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data after the JSON value")
		}
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &statusError{http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			fmt.Errorf("request body is larger than %d bytes", tooLarge.Limit)}
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("request body is empty")
	}
	return &statusError{http.StatusBadRequest, CodeInvalidJSON, fmt.Errorf("request body is not valid JSON: %w", err)}
}

// ErrUnavailable marks a failure to get an answer from a peer (another
// service, a database server): the peer is down, slower than the timeout, or
// failed itself. It is answered 503 "unavailable" unless the error also has a
// more specific kind (payment_unavailable), so that a caller can tell an
// outage downstream from a bug here.
var ErrUnavailable = errors.New("peer unavailable")

// Classify maps an error to the status code and error code every variant
// answers it with. Unknown errors are 500 internal.
func Classify(err error) (status int, code string) {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se.status, se.code
	case errors.Is(err, shop.ErrInvalid):
		return http.StatusBadRequest, CodeInvalidArgument
	case errors.Is(err, shop.ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, shop.ErrOutOfStock):
		return http.StatusConflict, CodeOutOfStock
	case errors.Is(err, shop.ErrConflict):
		return http.StatusConflict, CodeConflict
	case errors.Is(err, shop.ErrEmptyCart):
		return http.StatusUnprocessableEntity, CodeEmptyCart
	case errors.Is(err, shop.ErrCartFull):
		return http.StatusUnprocessableEntity, CodeCartFull
	case errors.Is(err, shop.ErrPaymentDeclined):
		return http.StatusPaymentRequired, CodePaymentDeclined
	case errors.Is(err, shop.ErrPaymentUnavailable):
		return http.StatusServiceUnavailable, CodePaymentUnavailable
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	return http.StatusInternalServerError, CodeInternal
}

// OrderError is returned by a checkout that failed after creating an order,
// so the error response can name the order.
type OrderError struct {
	OrderID string
	Err     error
}

func (e *OrderError) Error() string { return fmt.Sprintf("order %s: %v", e.OrderID, e.Err) }
func (e *OrderError) Unwrap() error { return e.Err }

// WriteError answers with err's status and the JSON envelope. Internal errors
// are logged with the request and answered with a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code := Classify(err)
	detail := ErrorDetail{Code: code, Message: err.Error()}
	if status == http.StatusInternalServerError {
		if log != nil {
			log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		detail.Message = "internal error"
	}
	var oe *OrderError
	if errors.As(err, &oe) {
		detail.OrderID = oe.OrderID
	}
	WriteJSON(w, status, ErrorBody{Error: detail})
}

// WriteJSON answers with status and v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ReadError turns an error response from a peer (another service, or the
// shop seen by a client) back into an error of the matching shop kind, so
// that errors keep their meaning across a network hop.
func ReadError(status int, body []byte) error {
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code == "" {
		return fmt.Errorf("status %d: %s", status, strings.TrimSpace(string(body)))
	}
	kind := map[string]error{
		CodeInvalidJSON: shop.ErrInvalid, CodeInvalidArgument: shop.ErrInvalid, CodeBodyTooLarge: shop.ErrInvalid,
		CodeNotFound: shop.ErrNotFound, CodeOutOfStock: shop.ErrOutOfStock, CodeEmptyCart: shop.ErrEmptyCart,
		CodeCartFull: shop.ErrCartFull, CodeConflict: shop.ErrConflict, CodePaymentDeclined: shop.ErrPaymentDeclined,
		CodePaymentUnavailable: shop.ErrPaymentUnavailable,
	}[eb.Error.Code]
	if kind == nil {
		return fmt.Errorf("status %d: %s: %s", status, eb.Error.Code, eb.Error.Message)
	}
	// The message already names the order: an *OrderError outside it would
	// prefix "order <id>: " again at every hop, so it goes inside.
	if eb.Error.OrderID != "" {
		kind = &OrderError{OrderID: eb.Error.OrderID, Err: kind}
	}
	return &peerError{msg: eb.Error.Message, kind: kind}
}

// peerError keeps a peer's message as it was and its kind (and order, if
// any) for errors.Is and errors.As.
type peerError struct {
	msg  string
	kind error
}

func (e *peerError) Error() string { return e.msg }
func (e *peerError) Unwrap() error { return e.kind }
