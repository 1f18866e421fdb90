package shop

import (
	"errors"
	"slices"
	"testing"
)

var allStatuses = []OrderStatus{OrderPending, OrderPaid, OrderPaymentFailed, "", "shipped"}

// TestTransition proves the state machine allows exactly pending→paid and
// pending→payment_failed, and that every refusal is a conflict.
func TestTransition(t *testing.T) {
	allowed := map[[2]OrderStatus]bool{
		{OrderPending, OrderPaid}:          true,
		{OrderPending, OrderPaymentFailed}: true,
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			err := Transition(from, to)
			if allowed[[2]OrderStatus{from, to}] {
				if err != nil {
					t.Errorf("Transition(%q, %q) = %v, want nil", from, to, err)
				}
			} else if !errors.Is(err, ErrConflict) {
				t.Errorf("Transition(%q, %q) = %v, want ErrConflict", from, to, err)
			}
		}
	}
}

func TestFinal(t *testing.T) {
	want := map[OrderStatus]bool{OrderPaid: true, OrderPaymentFailed: true}
	for _, s := range allStatuses {
		if got := s.Final(); got != want[s] {
			t.Errorf("%q.Final() = %v, want %v", s, got, want[s])
		}
		// A final status has no way out.
		if s.Final() {
			for _, to := range allStatuses {
				if Transition(s, to) == nil {
					t.Errorf("final status %q may move to %q", s, to)
				}
			}
		}
	}
}

func TestNewOrder(t *testing.T) {
	t.Run("empty cart", func(t *testing.T) {
		for _, items := range [][]Item{nil, {}} {
			if _, err := NewOrder("o_1", Cart{ID: "c_1", Items: items}); !errors.Is(err, ErrEmptyCart) {
				t.Errorf("items %v: err = %v, want ErrEmptyCart", items, err)
			}
		}
	})
	t.Run("prices a pending order from a copy of the items", func(t *testing.T) {
		cart := Cart{ID: "c_1", Items: []Item{{1, 2, 300}, {5, 1, 45}}}
		o, err := NewOrder("o_1", cart)
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != "o_1" || o.CartID != "c_1" || o.Status != OrderPending || o.TotalCents != 645 {
			t.Errorf("order = %+v", o)
		}
		if o.PaymentID != "" || o.FailureReason != "" {
			t.Errorf("new order has a payment outcome: %+v", o)
		}
		if !slices.Equal(o.Items, cart.Items) {
			t.Fatalf("items = %v, want %v", o.Items, cart.Items)
		}
		cart.Items[0].Quantity = 99
		if o.Items[0].Quantity != 2 {
			t.Errorf("order shares its items with the cart")
		}
	})
}
