package shop

import "fmt"

// OrderStatus is where an order is in its life.
//
//	pending ──charge ok──▶ paid
//	   └─────declined / unavailable──▶ payment_failed (stock released)
//
// paid and payment_failed are final. An order is never left without a
// payment outcome once checkout has returned.
type OrderStatus string

// The order states.
const (
	OrderPending       OrderStatus = "pending"
	OrderPaid          OrderStatus = "paid"
	OrderPaymentFailed OrderStatus = "payment_failed"
)

// Final reports whether no transition leaves s.
func (s OrderStatus) Final() bool { return s == OrderPaid || s == OrderPaymentFailed }

// Transition checks that an order may move from one status to another.
func Transition(from, to OrderStatus) error {
	if from == OrderPending && (to == OrderPaid || to == OrderPaymentFailed) {
		return nil
	}
	return fmt.Errorf("order cannot move from %q to %q: %w", from, to, ErrConflict)
}

// Order is a placed checkout.
type Order struct {
	ID         string      `json:"id"`
	CartID     string      `json:"cart_id"`
	Items      []Item      `json:"items"`
	TotalCents int64       `json:"total_cents"`
	Status     OrderStatus `json:"status"`
	// PaymentID is the provider's charge ID once the order is paid.
	PaymentID string `json:"payment_id,omitempty"`
	// FailureReason is the error code of a failed payment ("payment_declined"
	// or "payment_unavailable"), when it failed.
	FailureReason string `json:"failure_reason,omitempty"`
}

// NewOrder prices a cart into a pending order. It fails with ErrEmptyCart
// when there is nothing to buy.
func NewOrder(id string, cart Cart) (Order, error) {
	if len(cart.Items) == 0 {
		return Order{}, fmt.Errorf("cart %s: %w", cart.ID, ErrEmptyCart)
	}
	items := append([]Item(nil), cart.Items...)
	return Order{ID: id, CartID: cart.ID, Items: items, TotalCents: Total(items), Status: OrderPending}, nil
}

// Notification is the order confirmation sent after an order is paid.
type Notification struct {
	OrderID string `json:"order_id"`
	Channel string `json:"channel"`
	// SentAt is when it was delivered, in RFC 3339; empty while pending.
	SentAt string `json:"sent_at,omitempty"`
}
