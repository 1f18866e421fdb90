package local_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/shop/sqlstore"
)

// openAttached creates and seeds a shop's database in a fresh directory,
// then opens it Attached, as a serverless function instance does: no
// recoverer runs in the background, so the test calls RecoverStale itself
// and decides when. It returns the shop and its directory.
func openAttached(t *testing.T, payer local.Payer, staleAfter time.Duration) (*local.Shop, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	setup, err := local.Open(ctx, dir, payer, local.WithCatalog(testCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if err := setup.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := local.Open(ctx, dir, payer, local.Attached(), local.WithCatalog(testCatalog), local.WithStaleAfter(staleAfter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// waitFor polls cond, with a deadline, until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// crossingPayer is a payment provider whose answer to a charge crosses a
// stale recovery's void. Charge says it has started, then waits for the
// first Void before it answers. With takeFirst the provider takes the money
// as the charge starts (the void then refunds it); without, the charge
// reaches the provider after the void, which refuses it as the real
// provider does. With loseAnswer the answer never arrives (unavailable).
// The first Void answers only once the checkout has answered its client,
// so that a checkout can settle between a void and the recovery's settle.
type crossingPayer struct {
	takeFirst, loseAnswer bool

	started  chan struct{} // closed when Charge has started
	voided   chan struct{} // closed by the first Void
	answered chan struct{} // closed by the test when Checkout has returned
	once     sync.Once

	chargeBook
	voids int
}

func newCrossingPayer(takeFirst, loseAnswer bool) *crossingPayer {
	return &crossingPayer{
		takeFirst: takeFirst, loseAnswer: loseAnswer,
		started: make(chan struct{}), voided: make(chan struct{}), answered: make(chan struct{}),
		chargeBook: newChargeBook(),
	}
}

// take records a succeeded charge for key unless the key is settled
// already, and returns the key's status.
func (p *crossingPayer) take(key string, amount int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.charges[key]
	if !ok {
		c = &payment.Charge{ID: "ch_1", IdempotencyKey: key, AmountCents: amount, Status: payment.StatusSucceeded}
		p.charges[key] = c
	}
	return c.Status
}

func (p *crossingPayer) Charge(ctx context.Context, key, _ string, amount int64) (string, error) {
	status := ""
	if p.takeFirst {
		status = p.take(key, amount)
	}
	close(p.started)
	<-p.voided
	if !p.takeFirst {
		status = p.take(key, amount)
	}
	switch {
	case p.loseAnswer:
		return "", fmt.Errorf("charge %s: timeout: %w", key, shop.ErrPaymentUnavailable)
	case status != payment.StatusSucceeded:
		return "", fmt.Errorf("charge %s: %w", key, shop.ErrPaymentDeclined)
	}
	return "ch_1", nil
}

func (p *crossingPayer) Void(ctx context.Context, key string) error {
	p.mu.Lock()
	p.voids++
	p.voidLocked(key)
	p.mu.Unlock()
	first := false
	p.once.Do(func() { close(p.voided); first = true })
	if first {
		select { // the void's answer is still on its way
		case <-p.answered:
		case <-time.After(5 * time.Second):
		}
	}
	return nil
}

// TestCheckoutAnswersWithTheRecoveredOutcome proves that when RecoverStale
// fails a checkout that is still running (it outlived the stale age), the
// recovery's outcome stands whatever the charge then answers: the checkout
// answers payment_failed (unavailable) naming the order, not 201 paid nor a
// bare conflict; the charge is voided; the stock is released; nothing is
// owed; and the data audit passes.
func TestCheckoutAnswersWithTheRecoveredOutcome(t *testing.T) {
	tests := []struct {
		name                  string
		takeFirst, loseAnswer bool
	}{
		{name: "charge went through, answered after the void", takeFirst: true},
		{name: "charge reached the provider after the void"},
		{name: "charge went through, answer lost", takeFirst: true, loseAnswer: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			payer := newCrossingPayer(tt.takeFirst, tt.loseAnswer)
			s, _ := openAttached(t, payer, time.Millisecond)
			cart := fill(t, s, 2)

			type result struct {
				order shop.Order
				err   error
			}
			done := make(chan result, 1)
			go func() {
				o, err := s.Checkout(ctx, cart.ID, "", "tok")
				done <- result{o, err}
				close(payer.answered)
			}()
			<-payer.started
			time.Sleep(10 * time.Millisecond) // the order is now stale
			n, err := s.RecoverStale(ctx)
			if err != nil {
				t.Fatalf("RecoverStale: %v", err)
			}
			if n != 1 {
				t.Errorf("RecoverStale settled %d orders, want 1", n)
			}
			res := <-done

			var oe *api.OrderError
			if !errors.Is(res.err, shop.ErrPaymentUnavailable) || !errors.As(res.err, &oe) || oe.OrderID == "" {
				t.Fatalf("Checkout = %+v, %v; want an *api.OrderError matching ErrPaymentUnavailable", res.order, res.err)
			}
			stored, err := s.GetOrder(ctx, oe.OrderID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != shop.OrderPaymentFailed || stored.FailureReason != api.CodePaymentUnavailable || stored.PaymentID != "" {
				t.Errorf("stored order = %+v, want payment_failed %q", stored, api.CodePaymentUnavailable)
			}
			for _, c := range payer.list() {
				if c.Status == payment.StatusSucceeded {
					t.Errorf("charge %+v not voided", c)
				}
			}
			if got := stock(t, s, 1); got != 10 {
				t.Errorf("stock = %d, want 10 (released)", got)
			}
			if ns, err := s.Notifications(ctx, oe.OrderID); err != nil || len(ns) != 0 {
				t.Errorf("notifications for a failed order: %+v, %v", ns, err)
			}
			if r := verify(t, s, payer.list()); !r.Passed {
				t.Errorf("audit: %+v", r.Checks)
			}
		})
	}
}

// gatedPayer is a fakePayer whose charges wait for the test to open the
// gate.
type gatedPayer struct {
	*fakePayer
	started chan struct{} // closed when Charge has started
	gate    chan struct{} // closed by the test to let Charge answer
}

func (p *gatedPayer) Charge(ctx context.Context, key, token string, amount int64) (string, error) {
	close(p.started)
	<-p.gate
	return p.fakePayer.Charge(ctx, key, token, amount)
}

// TestRecoverStaleSparesACheckoutThatSettlesFirst proves that a stale
// recovery that loses the race to settle a checkout leaves its charge
// alone. The checkout, slower than the stale age, has been charged and is
// waiting for the database's write lock (held here by another connection,
// as another process holds it in the serverless variant) when RecoverStale
// finds its order pending and queues behind it for the lock. The checkout
// settles paid first, so the recovery must neither void the charge nor
// count the order: the customer's 201 and the provider's charge stand.
func TestRecoverStaleSparesACheckoutThatSettlesFirst(t *testing.T) {
	ctx := context.Background()
	payer := &gatedPayer{fakePayer: newFakePayer(), started: make(chan struct{}), gate: make(chan struct{})}
	s, dir := openAttached(t, payer, time.Millisecond)
	other, err := sqlstore.Open(ctx, filepath.Join(dir, "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	writer := s.Inventory().DB().W
	cart := fill(t, s, 2)

	type result struct {
		order shop.Order
		err   error
	}
	checkedOut := make(chan result, 1)
	go func() {
		o, err := s.Checkout(ctx, cart.ID, "", "tok")
		checkedOut <- result{o, err}
	}()
	<-payer.started
	lock, err := other.W.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Rollback() })
	close(payer.gate)
	waitFor(t, "the checkout's settle waits for the write lock", func() bool { return writer.Stats().InUse == 1 })
	time.Sleep(10 * time.Millisecond) // the order is now stale

	waitsBefore := writer.Stats().WaitCount
	type recovered struct {
		n   int
		err error
	}
	recoveredCh := make(chan recovered, 1)
	go func() {
		n, err := s.RecoverStale(ctx)
		recoveredCh <- recovered{n, err}
	}()
	waitFor(t, "the recovery queues behind the checkout", func() bool { return writer.Stats().WaitCount > waitsBefore })
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}

	res := <-checkedOut
	if res.err != nil || res.order.Status != shop.OrderPaid || res.order.PaymentID != "ch_1" {
		t.Fatalf("Checkout = %+v, %v; want paid with ch_1", res.order, res.err)
	}
	rec := <-recoveredCh
	if rec.err != nil || rec.n != 0 {
		t.Errorf("RecoverStale = %d, %v; want 0 settled, no error", rec.n, rec.err)
	}
	stored, err := s.GetOrder(ctx, res.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != shop.OrderPaid || stored.PaymentID != "ch_1" {
		t.Errorf("stored order = %+v, want paid with ch_1", stored)
	}
	payer.mu.Lock()
	voids := payer.voids
	payer.mu.Unlock()
	if len(voids) != 0 {
		t.Errorf("voids = %v, want none: the order was paid", voids)
	}
	if got := stock(t, s, 1); got != 8 {
		t.Errorf("stock = %d, want 8 (held by the paid order)", got)
	}
	waitSent(t, s, res.order.ID)
	if r := verify(t, s, payer.list()); !r.Passed {
		t.Errorf("audit: %+v", r.Checks)
	}
}
