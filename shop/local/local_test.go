package local_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/local"
)

// chargeBook is a fake provider's record per key, settled as the real
// provider settles it, so the audit can check against it.
type chargeBook struct {
	mu      sync.Mutex
	charges map[string]*payment.Charge
}

func newChargeBook() chargeBook { return chargeBook{charges: map[string]*payment.Charge{}} }

// voidLocked settles key as voided, as the provider does: a succeeded
// charge is refunded, a declined one kept, and a key never charged is
// refused any later charge. b.mu is held.
func (b *chargeBook) voidLocked(key string) {
	if c, ok := b.charges[key]; !ok {
		b.charges[key] = &payment.Charge{ID: "ch_void", IdempotencyKey: key, Status: payment.StatusVoided}
	} else if c.Status == payment.StatusSucceeded {
		c.Status = payment.StatusVoided
	}
}

// list returns every charge in the book.
func (b *chargeBook) list() []payment.Charge {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []payment.Charge
	for _, c := range b.charges {
		out = append(out, *c)
	}
	return out
}

// fakePayer is a Payer whose outcomes the test chooses.
type fakePayer struct {
	chargeBook
	outcome error // what Charge returns; nil approves
	voidErr error
	hold    chan struct{} // when set, Charge waits for it to close first
	calls   int
	voids   []string
}

func newFakePayer() *fakePayer { return &fakePayer{chargeBook: newChargeBook()} }

func (p *fakePayer) Charge(ctx context.Context, key, token string, amount int64) (string, error) {
	if p.hold != nil {
		<-p.hold
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	c := &payment.Charge{ID: fmt.Sprintf("ch_%d", p.calls), IdempotencyKey: key, AmountCents: amount}
	switch {
	case p.outcome == nil:
		c.Status = payment.StatusSucceeded
	case errors.Is(p.outcome, shop.ErrPaymentDeclined):
		c.Status = payment.StatusDeclined
	default:
		// Unavailable: the provider took the money, but the answer was lost.
		c.Status = payment.StatusSucceeded
		p.charges[key] = c
		return "", p.outcome
	}
	p.charges[key] = c
	if p.outcome != nil {
		return "", p.outcome
	}
	return c.ID, nil
}

func (p *fakePayer) Void(ctx context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.voids = append(p.voids, key)
	if p.voidErr != nil {
		return p.voidErr
	}
	p.voidLocked(key)
	return nil
}

var testCatalog = shop.CatalogSpec{Count: 5, Seed: 1, MinStock: 10, MaxStock: 10}

func openShop(t *testing.T, payer local.Payer) *local.Shop {
	t.Helper()
	s, err := local.Open(context.Background(), t.TempDir(), payer, local.WithCatalog(testCatalog))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fill creates a cart holding the given quantities of products 1, 2, ...
func fill(t *testing.T, s *local.Shop, qty ...int64) shop.Cart {
	t.Helper()
	ctx := context.Background()
	c, err := s.CreateCart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range qty {
		if c, err = s.AddItem(ctx, c.ID, int64(i+1), q); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func stock(t *testing.T, s *local.Shop, id int64) int64 {
	t.Helper()
	p, err := s.GetProduct(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

// verify runs the data audit over the shop, the voids it still owes and
// the payer's charges.
func verify(t *testing.T, s *local.Shop, charges []payment.Charge) audit.Report {
	t.Helper()
	f, err := audit.Collect(context.Background(), s.Inventory(), s.Orders())
	if err != nil {
		t.Fatal(err)
	}
	if f.SagaPending, err = s.Owed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return audit.Verify(f, charges)
}

// TestCheckoutOutcomes proves each payment outcome leaves the order, the
// stock, the cart, the provider and the audit as docs/API.md says.
func TestCheckoutOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		outcome    error
		voidErr    error
		wantStatus shop.OrderStatus
		wantReason string
		wantErr    error
		wantVoid   bool
		held       bool     // stock stays reserved
		owed       int      // voids owed after the checkout
		auditFails []string // the audit checks that must fail
	}{
		{name: "paid", wantStatus: shop.OrderPaid, held: true},
		{name: "declined", outcome: fmt.Errorf("charge: %w", shop.ErrPaymentDeclined), wantStatus: shop.OrderPaymentFailed,
			wantReason: api.CodePaymentDeclined, wantErr: shop.ErrPaymentDeclined},
		{name: "unavailable", outcome: fmt.Errorf("charge: timeout: %w", shop.ErrPaymentUnavailable), wantStatus: shop.OrderPaymentFailed,
			wantReason: api.CodePaymentUnavailable, wantErr: shop.ErrPaymentUnavailable, wantVoid: true},
		{name: "unavailable and void fails", outcome: fmt.Errorf("charge: timeout: %w", shop.ErrPaymentUnavailable),
			voidErr: errors.New("provider down"), wantStatus: shop.OrderPaymentFailed, wantReason: api.CodePaymentUnavailable,
			wantErr: shop.ErrPaymentUnavailable, wantVoid: true, owed: 1,
			// The fake took the money and the void is owed: the audit
			// flags the charge of a failed order until the void is done.
			auditFails: []string{"one charge per paid order, none else", "saga settled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			payer := newFakePayer()
			payer.outcome, payer.voidErr = tt.outcome, tt.voidErr
			s := openShop(t, payer)
			cart := fill(t, s, 2, 3)

			o, err := s.Checkout(ctx, cart.ID, "", "tok")
			orderID := o.ID
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Checkout: %v", err)
				}
				if o.Status != shop.OrderPaid || o.PaymentID != "ch_1" || o.TotalCents != cart.TotalCents || o.CartID != cart.ID {
					t.Errorf("order = %+v", o)
				}
			} else {
				var oe *api.OrderError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &oe) || oe.OrderID == "" {
					t.Fatalf("Checkout = %v, want an *api.OrderError matching %v", err, tt.wantErr)
				}
				orderID = oe.OrderID
			}

			stored, err := s.GetOrder(ctx, orderID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != tt.wantStatus || stored.FailureReason != tt.wantReason {
				t.Errorf("stored order = %+v, want %s %q", stored, tt.wantStatus, tt.wantReason)
			}
			if payer.calls != 1 {
				t.Errorf("%d charges, want 1", payer.calls)
			}
			if wantVoids := map[bool]int{true: 1}[tt.wantVoid]; len(payer.voids) != wantVoids || (wantVoids == 1 && payer.voids[0] != orderID) {
				t.Errorf("voids = %v, want %d of %s", payer.voids, wantVoids, orderID)
			}
			wantStock := map[bool][2]int64{true: {8, 7}, false: {10, 10}}[tt.held]
			if got := [2]int64{stock(t, s, 1), stock(t, s, 2)}; got != wantStock {
				t.Errorf("stock = %v, want %v", got, wantStock)
			}
			// A paid order takes its items out of the cart; any other
			// outcome leaves the cart as it was, to pay for another way.
			wantLines := map[bool]int{false: len(cart.Items)}[tt.wantStatus == shop.OrderPaid]
			if c, err := s.GetCart(ctx, cart.ID); err != nil || len(c.Items) != wantLines {
				t.Errorf("cart after checkout = %+v, %v; want %d lines", c, err, wantLines)
			}

			if tt.wantStatus == shop.OrderPaid {
				waitSent(t, s, orderID)
			} else if ns, err := s.Notifications(ctx, orderID); err != nil || len(ns) != 0 {
				t.Errorf("notifications for an unpaid order: %+v, %v", ns, err)
			}

			if owed, err := s.Owed(ctx); err != nil || owed != tt.owed {
				t.Errorf("owed = %d, %v; want %d", owed, err, tt.owed)
			}
			r := verify(t, s, payer.list())
			for _, c := range r.Checks {
				if c.Passed == slices.Contains(tt.auditFails, c.Name) {
					t.Errorf("audit check %q passed=%v: %s", c.Name, c.Passed, c.Detail)
				}
			}
			if tt.owed == 0 {
				return
			}
			// The provider back, the next recovery round runs the owed
			// void: nothing is owed and the audit passes.
			payer.mu.Lock()
			payer.voidErr = nil
			payer.mu.Unlock()
			if _, err := s.RecoverStale(ctx); err != nil {
				t.Fatalf("RecoverStale: %v", err)
			}
			if owed, err := s.Owed(ctx); err != nil || owed != 0 {
				t.Errorf("owed after a recovery round with the provider back = %d, %v; want 0", owed, err)
			}
			if r := verify(t, s, payer.list()); !r.Passed {
				t.Errorf("audit after the owed void ran: %+v", r)
			}
		})
	}
}

// waitSent polls, with a deadline, until the asynchronous notifier has sent
// the order's confirmation.
func waitSent(t *testing.T, s *local.Shop, orderID string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ns, err := s.Notifications(context.Background(), orderID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) == 1 && ns[0].SentAt != "" {
			if ns[0].OrderID != orderID || ns[0].Channel != "email" {
				t.Errorf("notification = %+v", ns[0])
			}
			return
		}
		if len(ns) > 1 {
			t.Fatalf("%d notifications for one order", len(ns))
		}
		if time.Now().After(deadline) {
			t.Fatalf("confirmation of %s not sent in time: %+v", orderID, ns)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCheckoutIdempotent proves a repeated checkout with the same key returns
// the first order (or its failure) and charges once, and a key reused for
// another cart is a conflict.
func TestCheckoutIdempotent(t *testing.T) {
	ctx := context.Background()
	payer := newFakePayer()
	s := openShop(t, payer)
	cart := fill(t, s, 1)
	first, err := s.Checkout(ctx, cart.ID, "key-1", "tok")
	if err != nil {
		t.Fatal(err)
	}
	// The cart is refilled: a replay must still not buy again.
	fill(t, s, 1)
	if _, err := s.AddItem(ctx, cart.ID, 3, 1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		again, err := s.Checkout(ctx, cart.ID, "key-1", "tok")
		if err != nil || again.ID != first.ID || again.Status != shop.OrderPaid || again.PaymentID != first.PaymentID {
			t.Fatalf("replay = %+v, %v; want %+v", again, err, first)
		}
	}
	other := fill(t, s, 1)
	if _, err := s.Checkout(ctx, other.ID, "key-1", "tok"); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("key reused for another cart: %v, want ErrConflict", err)
	}
	if payer.calls != 1 {
		t.Errorf("%d charges, want 1", payer.calls)
	}
	if got := stock(t, s, 3); got != 10 {
		t.Errorf("replay reserved stock: %d left of 10", got)
	}
	if c, _ := s.GetCart(ctx, other.ID); len(c.Items) != 1 {
		t.Errorf("conflicting checkout touched the cart: %+v", c)
	}

	// A failed checkout replays as the same failure, without charging.
	payer.outcome = shop.ErrPaymentDeclined
	_, err1 := s.Checkout(ctx, other.ID, "key-2", "tok")
	_, err2 := s.Checkout(ctx, other.ID, "key-2", "tok")
	var oe1, oe2 *api.OrderError
	if !errors.As(err1, &oe1) || !errors.As(err2, &oe2) || oe1.OrderID != oe2.OrderID || !errors.Is(err2, shop.ErrPaymentDeclined) {
		t.Errorf("declined replay: %v then %v", err1, err2)
	}
	if payer.calls != 2 {
		t.Errorf("%d charges, want 2", payer.calls)
	}
	if r := verify(t, s, payer.list()); !r.Passed {
		t.Errorf("audit: %+v", r)
	}
}

// TestCheckoutRefusals proves a checkout refused before payment changes
// nothing: no order, no charge, the cart intact, the stock untouched.
func TestCheckoutRefusals(t *testing.T) {
	tests := []struct {
		name    string
		qty     []int64
		cartID  string
		wantErr error
	}{
		{name: "out of stock", qty: []int64{1, 11}, wantErr: shop.ErrOutOfStock},
		{name: "empty cart", qty: nil, wantErr: shop.ErrEmptyCart},
		{name: "no such cart", cartID: "c_nope", wantErr: shop.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			payer := newFakePayer()
			s := openShop(t, payer)
			cart := fill(t, s, tt.qty...)
			id := cart.ID
			if tt.cartID != "" {
				id = tt.cartID
			}
			if _, err := s.Checkout(ctx, id, "k", "tok"); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Checkout = %v, want %v", err, tt.wantErr)
			}
			if payer.calls != 0 {
				t.Errorf("charged %d times", payer.calls)
			}
			if all, err := s.Orders().All(ctx); err != nil || len(all) != 0 {
				t.Errorf("orders = %+v, %v; want none", all, err)
			}
			if c, err := s.GetCart(ctx, cart.ID); err != nil || len(c.Items) != len(tt.qty) {
				t.Errorf("cart = %+v, %v; want it intact", c, err)
			}
			for id := int64(1); id <= 2; id++ {
				if got := stock(t, s, id); got != 10 {
					t.Errorf("product %d stock %d, want 10", id, got)
				}
			}
			// The refused key is still free.
			if _, err := s.Orders().ByIdempotencyKey(ctx, s.Inventory().DB().R, "k"); !errors.Is(err, shop.ErrNotFound) {
				t.Errorf("refused checkout kept its key: %v", err)
			}
			if r := verify(t, s, payer.list()); !r.Passed {
				t.Errorf("audit: %+v", r)
			}
		})
	}
}

// TestCheckoutRealProvider proves the shop and the real payment provider,
// over loopback, agree: a good card is paid once, tok_decline fails and
// releases its stock, and the audit passes against the provider's charges.
func TestCheckoutRealProvider(t *testing.T) {
	ctx := context.Background()
	prov, err := payment.NewProvider()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(prov)
	t.Cleanup(srv.Close)
	client := payment.NewClient(srv.URL, payment.WithHTTPClient(srv.Client()))
	s := openShop(t, client)

	paid, err := s.Checkout(ctx, fill(t, s, 2).ID, "", "tok_visa")
	if err != nil || paid.Status != shop.OrderPaid || !strings.HasPrefix(paid.PaymentID, "ch_") {
		t.Fatalf("Checkout = %+v, %v", paid, err)
	}
	_, err = s.Checkout(ctx, fill(t, s, 3).ID, "", payment.DeclineToken)
	var oe *api.OrderError
	if !errors.Is(err, shop.ErrPaymentDeclined) || !errors.As(err, &oe) {
		t.Fatalf("declined Checkout = %v", err)
	}
	if o, _ := s.GetOrder(ctx, oe.OrderID); o.Status != shop.OrderPaymentFailed || o.FailureReason != api.CodePaymentDeclined {
		t.Errorf("declined order = %+v", o)
	}
	if got := stock(t, s, 1); got != 8 {
		t.Errorf("stock = %d, want 8 (only the paid order's 2 gone)", got)
	}
	waitSent(t, s, paid.ID)
	charges, err := client.Charges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := verify(t, s, charges); !r.Passed {
		t.Errorf("audit: %+v", r)
	}
}

// TestRecoverStale: a checkout that outlives the stale age (its charge
// hangs, as when its process dies between charging and settling) is
// failed by the shop's recoverer, its stock released and its void owed;
// the void fails while the provider is down and is retried until it
// answers again. When the hung charge then goes through, the checkout
// finds its order failed, voids its own charge and answers with the
// failure, so the data audit passes without anyone retrying the checkout.
func TestRecoverStale(t *testing.T) {
	ctx := context.Background()
	payer := newFakePayer()
	payer.hold = make(chan struct{})
	payer.voidErr = errors.New("provider down")
	s, err := local.Open(ctx, t.TempDir(), payer, local.WithCatalog(testCatalog), local.WithStaleAfter(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	before := stock(t, s, 1)
	c := fill(t, s, 2)
	checkedOut := make(chan error, 1)
	go func() {
		_, err := s.Checkout(ctx, c.ID, "", "tok_ok")
		checkedOut <- err
	}()
	t.Cleanup(func() {
		select {
		case <-payer.hold:
		default:
			close(payer.hold) // a failed test must not leave the checkout hanging
		}
	})

	// settled waits until the only order has status and owed voids are
	// owed, and returns it.
	settled := func(status shop.OrderStatus, owed int) shop.Order {
		t.Helper()
		var id string
		waitFor(t, fmt.Sprintf("the order is %s with %d voids owed", status, owed), func() bool {
			all, err := s.Orders().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.Owed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 1 || all[0].Status != status || n != owed {
				return false
			}
			id = all[0].ID
			return true
		})
		o, err := s.GetOrder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := settled(shop.OrderPaymentFailed, 1)
	if o.FailureReason != api.CodePaymentUnavailable {
		t.Errorf("recovered order %+v, want failure reason %s", o, api.CodePaymentUnavailable)
	}
	if got := stock(t, s, 1); got != before {
		t.Errorf("stock %d after recovery, want %d released", got, before)
	}

	payer.mu.Lock()
	payer.voidErr = nil
	payer.mu.Unlock()
	settled(shop.OrderPaymentFailed, 0)

	close(payer.hold)
	err = <-checkedOut
	var oe *api.OrderError
	if !errors.Is(err, shop.ErrPaymentUnavailable) || !errors.As(err, &oe) || oe.OrderID != o.ID {
		t.Fatalf("the outlived checkout answered %v, want payment unavailable naming %s", err, o.ID)
	}
	if rep := verify(t, s, payer.list()); !rep.Passed {
		t.Errorf("audit after recovery and the late charge: %+v", rep.Checks)
	}
}
