package orders_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archbench/archbench/services/cart"
	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/services/orders"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// peer is an in-memory stand-in for one service: answer decides each call,
// and every call is logged as "METHOD /path".
type peer struct {
	mu     sync.Mutex
	answer func(method, path string, in, out any) error
	calls  []string
}

func (p *peer) Call(_ context.Context, method, path string, in, out any) error {
	p.mu.Lock()
	p.calls = append(p.calls, method+" "+path)
	answer := p.answer
	p.mu.Unlock()
	if answer == nil {
		return nil
	}
	return answer(method, path, in, out)
}

// log returns the calls so far, comma-separated, with order IDs replaced by
// "O" so that expectations can be written down.
func (p *peer) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(p.calls))
	for i, c := range p.calls {
		out[i] = orderIDs(c)
	}
	return strings.Join(out, ",")
}

// saw reports whether the peer was called with exactly call, order IDs
// and all.
func (p *peer) saw(call string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.calls, call)
}

func orderIDs(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "o_") {
			parts[i] = "O"
		}
	}
	return strings.Join(parts, "/")
}

// cartPeer answers GET /carts/{id} with a two-line cart and accepts the rest.
func cartPeer() *peer {
	return &peer{answer: func(method, path string, _, out any) error {
		if method == "GET" {
			c := shop.Cart{ID: strings.TrimPrefix(path, "/carts/"), Items: []shop.Item{
				{ProductID: 1, Quantity: 2, UnitPriceCents: 500}, {ProductID: 2, Quantity: 1, UnitPriceCents: 250}}}
			c.TotalCents = shop.Total(c.Items)
			return reencode(c, out)
		}
		return nil
	}}
}

func reencode(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func charges(err error) func(method, path string, in, out any) error {
	return func(method, path string, _, out any) error {
		if strings.HasSuffix(path, "/void") {
			return nil
		}
		if err != nil {
			return err
		}
		return reencode(map[string]string{"payment_id": "ch_1"}, out)
	}
}

type wakes struct{ n atomic.Int64 }

func (w *wakes) Wake() { w.n.Add(1) }

type fixture struct {
	svc                       *orders.Service
	db                        *sqlstore.DB
	cart, inventory, payments *peer
	relay                     *wakes
}

func newFixture(t *testing.T, inventory, payments *peer, opts ...sqlstore.Option) *fixture {
	t.Helper()
	opts = append([]sqlstore.Option{sqlstore.WithSchemas(orders.Schemas...)}, opts...)
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, cart: cartPeer(), inventory: inventory, payments: payments, relay: &wakes{}}
	f.svc = orders.New(db, orders.Peers{Cart: f.cart, Inventory: inventory, Payments: payments}, f.relay, nil)
	t.Cleanup(f.svc.Close)
	return f
}

func (f *fixture) outboxLen(t *testing.T) int {
	t.Helper()
	msgs, err := sqlstore.NewOutbox(f.db).Pending(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// orders returns every order in the store.
func (f *fixture) orders(t *testing.T) []sqlstore.OrderSummary {
	t.Helper()
	all, err := sqlstore.NewOrders(f.db).All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestCheckoutSaga runs one checkout per peer behaviour and checks the
// answer, the order left behind, and exactly which calls each peer saw,
// compensations included.
func TestCheckoutSaga(t *testing.T) {
	unavailable := fmt.Errorf("payments: %w", remote.ErrUnavailable)
	tests := []struct {
		name                string
		reserve, charge     error
		wantErr             error
		wantStatus          shop.OrderStatus
		wantInventory       string
		wantPayments        string
		wantCartCalls       string
		wantOutbox, wantOwe int
	}{
		{name: "paid", wantStatus: shop.OrderPaid,
			wantInventory: "POST /reservations", wantPayments: "POST /charges",
			wantCartCalls: "GET /carts/c1,POST /carts/c1/orders", wantOutbox: 1},
		{name: "declined releases the stock", charge: fmt.Errorf("psp: %w", shop.ErrPaymentDeclined),
			wantErr: shop.ErrPaymentDeclined, wantStatus: shop.OrderPaymentFailed,
			wantInventory: "POST /reservations,DELETE /reservations/O", wantPayments: "POST /charges",
			wantCartCalls: "GET /carts/c1"},
		{name: "no answer from payments voids, then releases", charge: unavailable,
			wantErr: shop.ErrPaymentUnavailable, wantStatus: shop.OrderPaymentFailed,
			wantInventory: "POST /reservations,DELETE /reservations/O", wantPayments: "POST /charges,POST /charges/O/void",
			wantCartCalls: "GET /carts/c1"},
		{name: "out of stock creates no order and charges nothing", reserve: fmt.Errorf("inventory: %w", shop.ErrOutOfStock),
			wantErr:       shop.ErrOutOfStock,
			wantInventory: "POST /reservations", wantCartCalls: "GET /carts/c1"},
		{name: "no answer from inventory releases what may be held", reserve: fmt.Errorf("inventory: %w", remote.ErrUnavailable),
			wantErr:       remote.ErrUnavailable,
			wantInventory: "POST /reservations,DELETE /reservations/O", wantCartCalls: "GET /carts/c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &peer{answer: func(method, _ string, _, _ any) error {
				if method == "POST" {
					return tt.reserve
				}
				return nil
			}}
			f := newFixture(t, inv, &peer{answer: charges(tt.charge)})
			o, err := f.svc.Checkout(t.Context(), "c1", "", "tok_ok")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("checkout error %v, want %v", err, tt.wantErr)
			}
			if tt.wantStatus != "" {
				id := o.ID
				var oe *api.OrderError
				if errors.As(err, &oe) {
					id = oe.OrderID
				}
				got, gerr := f.svc.GetOrder(t.Context(), id)
				if gerr != nil || got.Status != tt.wantStatus || got.TotalCents != 1250 {
					t.Fatalf("order %q: %+v, %v; want %s totalling 1250", id, got, gerr, tt.wantStatus)
				}
			}
			if tt.wantStatus == "" {
				if left := f.orders(t); len(left) != 0 {
					t.Errorf("orders left behind %+v, want none", left)
				}
			}
			if got := f.inventory.log(); got != tt.wantInventory {
				t.Errorf("inventory saw %q, want %q", got, tt.wantInventory)
			}
			if got := f.payments.log(); got != tt.wantPayments {
				t.Errorf("payments saw %q, want %q", got, tt.wantPayments)
			}
			if got := f.cart.log(); got != tt.wantCartCalls {
				t.Errorf("cart saw %q, want %q", got, tt.wantCartCalls)
			}
			if got := f.outboxLen(t); got != tt.wantOutbox {
				t.Errorf("outbox holds %d events, want %d", got, tt.wantOutbox)
			}
			if owed, err := f.svc.Owed(t.Context()); err != nil || owed != tt.wantOwe {
				t.Errorf("owed steps %d (%v), want %d", owed, err, tt.wantOwe)
			}
		})
	}
}

// TestIdempotentRetry: a checkout retried with the same key answers the
// first outcome without reserving or charging again; the key on another
// cart is a conflict.
func TestIdempotentRetry(t *testing.T) {
	f := newFixture(t, &peer{}, &peer{answer: charges(nil)})
	first, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
	if err != nil || again.ID != first.ID || again.Status != shop.OrderPaid {
		t.Fatalf("retry: %+v, %v; want order %s paid", again, err, first.ID)
	}
	if _, err := f.svc.Checkout(t.Context(), "c2", "k1", "tok_ok"); !errors.Is(err, shop.ErrConflict) {
		t.Fatalf("key reused on another cart: %v, want a conflict", err)
	}
	if got := f.inventory.log(); got != "POST /reservations" {
		t.Errorf("inventory saw %q, want one reservation", got)
	}
	if got := f.payments.log(); got != "POST /charges" {
		t.Errorf("payments saw %q, want one charge", got)
	}
}

// TestOwedCompensationIsRetried: a release that fails because inventory is
// down stays owed (and is counted for the audit) until inventory answers
// again; then the retrier settles it.
func TestOwedCompensationIsRetried(t *testing.T) {
	down := true
	var mu sync.Mutex
	inv := &peer{answer: func(method, _ string, _, _ any) error {
		mu.Lock()
		defer mu.Unlock()
		if method == "DELETE" && down {
			return fmt.Errorf("inventory: %w", remote.ErrUnavailable)
		}
		return nil
	}}
	f := newFixture(t, inv, &peer{answer: charges(shop.ErrPaymentDeclined)})
	if _, err := f.svc.Checkout(t.Context(), "c1", "", "tok_ok"); !errors.Is(err, shop.ErrPaymentDeclined) {
		t.Fatalf("checkout: %v, want declined", err)
	}
	if owed, err := f.svc.Owed(t.Context()); err != nil || owed != 1 {
		t.Fatalf("owed steps with inventory down: %d (%v), want 1", owed, err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		owed, err := f.svc.Owed(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if owed == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("release still owed 10 s after inventory came back; inventory saw %s", f.inventory.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if releases := strings.Count(f.inventory.log(), "DELETE"); releases < 2 {
		t.Fatalf("inventory saw %d releases, want the failed one and its retry", releases)
	}
	if !slices.Contains(strings.Split(f.inventory.log(), ","), "DELETE /reservations/O") {
		t.Fatalf("inventory saw %s, want a release of the order", f.inventory.log())
	}
}

// TestLostSagaIsRecovered: an order left pending by a saga that died (here:
// written straight to the store, as a crash after the order's creation
// would leave it) is failed by the retrier once stale, its charge voided
// and its stock released.
func TestLostSagaIsRecovered(t *testing.T) {
	f := newFixture(t, &peer{}, &peer{answer: charges(nil)})
	orders.SetStaleAfter(f.svc, 50*time.Millisecond)
	o, err := shop.NewOrder("o_lost", shop.Cart{ID: "c9", Items: []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewOrders(f.db).Create(t.Context(), f.db.W, o, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := f.svc.GetOrder(t.Context(), "o_lost")
		if err != nil {
			t.Fatal(err)
		}
		owed, _ := f.svc.Owed(t.Context())
		if got.Status == shop.OrderPaymentFailed && owed == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lost order %+v not recovered after 10 s (%d steps owed)", got, owed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := f.payments.log(); got != "POST /charges/O/void" {
		t.Errorf("payments saw %q, want the void", got)
	}
	if got := f.inventory.log(); got != "DELETE /reservations/O" {
		t.Errorf("inventory saw %q, want the release", got)
	}
}

// orderIDOf returns the order_id of a saga request body.
func orderIDOf(t *testing.T, in any) string {
	t.Helper()
	var body struct {
		OrderID string `json:"order_id"`
	}
	if err := reencode(in, &body); err != nil || body.OrderID == "" {
		t.Errorf("request %+v names no order (%v)", in, err)
	}
	return body.OrderID
}

// TestCrashedSagaIsRecovered: the orders process dies while a peer holds
// the saga's call, after the peer committed its side. A service restarted on
// the same database fails the order once stale, voids its charge and
// releases its stock, whichever step the saga died in.
func TestCrashedSagaIsRecovered(t *testing.T) {
	tests := []struct {
		name    string
		blockOn string // "inventory" or "payments": whose POST never answers
	}{
		{name: "after reserving", blockOn: "inventory"},
		{name: "after charging", blockOn: "payments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dead := make(chan struct{}) // closed at cleanup: the dead saga may go on
			held := make(chan string, 1)
			blocking := func(next func(method, path string, in, out any) error) func(method, path string, in, out any) error {
				return func(method, path string, in, out any) error {
					if method != "POST" || strings.HasSuffix(path, "/void") {
						return next(method, path, in, out)
					}
					held <- orderIDOf(t, in) // the peer committed; the process dies now
					<-dead
					return errors.New("the caller is gone")
				}
			}
			inv, pay := &peer{}, &peer{answer: charges(nil)}
			if tt.blockOn == "inventory" {
				inv.answer = blocking(func(string, string, any, any) error { return nil })
			} else {
				pay.answer = blocking(charges(nil))
			}
			f := newFixture(t, inv, pay)
			checkedOut := make(chan struct{})
			t.Cleanup(func() { close(dead); <-checkedOut })
			go func() {
				defer close(checkedOut)
				f.svc.Checkout(context.Background(), "c1", "k1", "tok_ok")
			}()
			id := <-held

			restarted := orders.New(f.db, orders.Peers{Cart: cartPeer(), Inventory: inv, Payments: pay}, &wakes{}, nil)
			t.Cleanup(restarted.Close)
			orders.SetStaleAfter(restarted, 10*time.Millisecond)
			deadline := time.Now().Add(10 * time.Second)
			for {
				got, err := restarted.GetOrder(t.Context(), id)
				owed, _ := restarted.Owed(t.Context())
				if err == nil && got.Status == shop.OrderPaymentFailed && owed == 0 &&
					inv.saw("DELETE /reservations/"+id) && pay.saw("POST /charges/"+id+"/void") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("order %s not recovered after 10 s: %+v, %v; %d steps owed; inventory saw %s, payments %s",
						id, got, err, owed, inv.log(), pay.log())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, err := restarted.Checkout(t.Context(), "c1", "k1", "tok_ok"); !errors.Is(err, shop.ErrPaymentUnavailable) {
				t.Errorf("checkout retried after recovery: %v, want the recovered order's outcome", err)
			}
		})
	}
}

// TestConcurrentKeyReuse: two checkouts with one idempotency key race past
// the key lookup. Only one saga runs; the other answers its order (or that
// it is in progress) for the same cart, and a conflict for another cart.
func TestConcurrentKeyReuse(t *testing.T) {
	tests := []struct {
		name  string
		carts [2]string
	}{
		{name: "same cart", carts: [2]string{"c1", "c1"}},
		{name: "other cart", carts: [2]string{"c1", "c2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, &peer{}, &peer{answer: charges(nil)})
			var arrived sync.WaitGroup // both checkouts read their cart, then go on together
			arrived.Add(2)
			f.cart.mu.Lock()
			next := f.cart.answer
			f.cart.answer = func(method, path string, in, out any) error {
				if method == "GET" {
					arrived.Done()
					arrived.Wait()
				}
				return next(method, path, in, out)
			}
			f.cart.mu.Unlock()

			type answer struct {
				order shop.Order
				err   error
			}
			var answers [2]answer
			var wg sync.WaitGroup
			for i, cart := range tt.carts {
				wg.Go(func() {
					o, err := f.svc.Checkout(t.Context(), cart, "k1", "tok_ok")
					answers[i] = answer{o, err}
				})
			}
			wg.Wait()

			won, err := sqlstore.NewOrders(f.db).ByIdempotencyKey(t.Context(), f.db.R, "k1")
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range answers {
				var oe *api.OrderError
				switch {
				case tt.carts[i] != won.CartID:
					if !errors.Is(a.err, shop.ErrConflict) {
						t.Errorf("checkout of %s with the key of %s's order: %+v, %v; want a conflict", tt.carts[i], won.CartID, a.order, a.err)
					}
				case a.err == nil:
					if a.order.ID != won.ID {
						t.Errorf("checkout %d answered order %s, want %s", i, a.order.ID, won.ID)
					}
				case !errors.As(a.err, &oe) || oe.OrderID != won.ID || !errors.Is(a.err, shop.ErrConflict):
					t.Errorf("checkout %d: %v; want order %s or its checkout in progress", i, a.err, won.ID)
				}
			}
			if got := f.inventory.log(); got != "POST /reservations" {
				t.Errorf("inventory saw %q, want one reservation", got)
			}
			if got := f.payments.log(); got != "POST /charges" {
				t.Errorf("payments saw %q, want one charge", got)
			}
		})
	}
}

// TestKeyFreedWithoutOrder: a checkout that ends without an order leaves
// none behind, so a retry with the same idempotency key runs the saga anew.
func TestKeyFreedWithoutOrder(t *testing.T) {
	tests := []struct {
		name    string
		reserve error
	}{
		{name: "out of stock", reserve: fmt.Errorf("inventory: %w", shop.ErrOutOfStock)},
		{name: "no answer from inventory", reserve: fmt.Errorf("inventory: %w", remote.ErrUnavailable)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failed atomic.Bool
			inv := &peer{answer: func(method, _ string, _, _ any) error {
				if method == "POST" && !failed.Swap(true) {
					return tt.reserve
				}
				return nil
			}}
			f := newFixture(t, inv, &peer{answer: charges(nil)})
			if _, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok"); !errors.Is(err, tt.reserve) {
				t.Fatalf("first checkout: %v, want %v", err, tt.reserve)
			}
			o, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
			if err != nil || o.Status != shop.OrderPaid {
				t.Fatalf("retry with the same key: %+v, %v; want a paid order", o, err)
			}
			if left := f.orders(t); len(left) != 1 || left[0].ID != o.ID {
				t.Errorf("orders %+v, want only %s", left, o.ID)
			}
		})
	}
}

// TestKeyFreedAfterLosingTheRace: a checkout loses the race for its
// idempotency key to another one, which then runs out of stock and takes its
// order back (the pending row is deleted) before the loser looks the key up.
// The loser must still answer the contract (here: the other checkout is in
// progress, or the key belongs to another cart), never a 500; and once the
// key is free, a retry runs its own checkout.
//
// The interleaving is forced through the pools: the test holds the only
// reader connection while the loser writes, so a lookup after a failed
// write has to wait, and the winner's order is discarded meanwhile.
func TestKeyFreedAfterLosingTheRace(t *testing.T) {
	tests := []struct {
		name, winnerCart string
		want             error
	}{
		{name: "same cart", winnerCart: "c1", want: shop.ErrConflict},
		{name: "other cart", winnerCart: "c2", want: shop.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, &peer{}, &peer{answer: charges(nil)}, sqlstore.WithReaders(1))
			store := sqlstore.NewOrders(f.db)
			winner, err := shop.NewOrder("o_winner", shop.Cart{ID: tt.winnerCart, Items: []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 100}}})
			if err != nil {
				t.Fatal(err)
			}
			held := make(chan *sql.Conn, 1) // the only reader, once the winner wrote
			var once sync.Once
			f.cart.mu.Lock()
			next := f.cart.answer
			f.cart.answer = func(method, path string, in, out any) error {
				once.Do(func() { // past the loser's first lookup: the winner writes its order
					if err := store.Create(t.Context(), f.db.W, winner, "k1"); err != nil {
						t.Error(err)
					}
					reader, err := f.db.R.Conn(t.Context())
					if err != nil {
						t.Error(err)
					}
					held <- reader
				})
				return next(method, path, in, out)
			}
			f.cart.mu.Unlock()

			waitsBefore := f.db.R.Stats().WaitCount
			done := make(chan error, 1)
			go func() {
				_, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
				done <- err
			}()
			reader := <-held
			// Wait until the loser answered, or waits for a reader to look
			// the key up after its write failed.
			var loserErr error
			answered := false
			for !answered && f.db.R.Stats().WaitCount == waitsBefore {
				select {
				case loserErr = <-done:
					answered = true
				case <-time.After(time.Millisecond):
				}
			}
			if ok, err := store.DiscardPending(t.Context(), f.db.W, winner.ID); err != nil || !ok {
				t.Errorf("discard the winner's order: %v, %v", ok, err)
			}
			if reader != nil {
				reader.Close()
			}
			if !answered {
				loserErr = <-done
			}
			if status, code := api.Classify(loserErr); !errors.Is(loserErr, tt.want) {
				t.Fatalf("loser answered %d %s (%v), want %v", status, code, loserErr, tt.want)
			}
			o, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
			if err != nil || o.Status != shop.OrderPaid {
				t.Fatalf("retry once the key is free: %+v, %v; want a paid order", o, err)
			}
		})
	}
}

// TestSettleWaitIsBounded: the charge went through, but the database's
// single writer stays busy, so the saga cannot record the payment. The
// checkout answers 503 payment_unavailable naming the order within the
// write bound instead of hanging, and leaves the order pending; once the
// writer is free, stale recovery fails the order, voids its charge and
// releases its stock, and a retry with the key answers that outcome.
func TestSettleWaitIsBounded(t *testing.T) {
	var writer *sql.Conn
	held := make(chan struct{})
	pay := &peer{}
	f := newFixture(t, &peer{}, pay)
	orders.SetWriteWait(f.svc, 50*time.Millisecond)
	orders.SetStaleAfter(f.svc, 300*time.Millisecond)
	pay.mu.Lock()
	pay.answer = func(method, path string, in, out any) error {
		if !strings.HasSuffix(path, "/void") {
			var err error
			if writer, err = f.db.W.Conn(context.Background()); err != nil { // someone else writes
				t.Error(err)
			}
			close(held)
		}
		return charges(nil)(method, path, in, out)
	}
	pay.mu.Unlock()

	type answer struct {
		order shop.Order
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		o, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok")
		done <- answer{o, err}
	}()
	<-held
	var a answer
	select {
	case a = <-done:
		writer.Close()
	case <-time.After(5 * time.Second):
		t.Errorf("checkout still waiting for the writer after 5 s")
		writer.Close()
		a = <-done
	}
	var oe *api.OrderError
	if status, code := api.Classify(a.err); status != 503 || code != api.CodePaymentUnavailable || !errors.As(a.err, &oe) {
		t.Fatalf("checkout with the writer held: %+v, %d %s (%v); want 503 %s naming the order", a.order, status, code, a.err, api.CodePaymentUnavailable)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := f.svc.GetOrder(t.Context(), oe.OrderID)
		owed, _ := f.svc.Owed(t.Context())
		if err == nil && got.Status == shop.OrderPaymentFailed && owed == 0 &&
			f.payments.saw("POST /charges/"+oe.OrderID+"/void") && f.inventory.saw("DELETE /reservations/"+oe.OrderID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s not recovered after 10 s: %+v, %v; %d steps owed; inventory saw %s, payments %s",
				oe.OrderID, got, err, owed, f.inventory.log(), f.payments.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := f.svc.Checkout(t.Context(), "c1", "k1", "tok_ok"); !errors.Is(err, shop.ErrPaymentUnavailable) {
		t.Errorf("retry after recovery: %v, want the recovered order's outcome", err)
	}
	if got := f.cart.log(); got != "GET /carts/c1" {
		t.Errorf("cart saw %q, want only the read: an unpaid order's cart stays as it is", got)
	}
}

// noInventory is an inventory the catalog asks for stock in vain: the cart
// only asks the catalog for prices.
type noInventory struct{}

func (noInventory) Call(context.Context, string, string, any, any) error {
	return fmt.Errorf("inventory: %w", remote.ErrUnavailable)
}

// TestItemsAddedDuringCheckoutStay runs the saga against the real cart
// service while the shopper adds to the cart between the saga's read of the
// cart and the end of the checkout: the paid order's items leave the cart,
// the ones added meanwhile stay, and a retried step takes nothing more.
func TestItemsAddedDuringCheckoutStay(t *testing.T) {
	cat, err := catalog.Open(t.Context(), t.TempDir(), shop.CatalogSpec{Count: 3, Seed: 3, MinStock: 10, MaxStock: 10}, noInventory{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	catSrv := httptest.NewServer(catalog.Handler(cat, nil))
	t.Cleanup(catSrv.Close)
	catCaller, err := remote.NewHTTP("catalog", catSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	carts, err := cart.Open(t.Context(), t.TempDir(), catCaller)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carts.Close() })
	cartSrv := httptest.NewServer(cart.Handler(carts, nil))
	t.Cleanup(cartSrv.Close)
	cartCaller, err := remote.NewHTTP("cart", cartSrv.URL)
	if err != nil {
		t.Fatal(err)
	}

	ctx := t.Context()
	c, err := carts.CreateCart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int64{1, 2} {
		if _, err := carts.AddItem(ctx, c.ID, p, 2); err != nil {
			t.Fatal(err)
		}
	}
	pay := &peer{answer: func(method, path string, in, out any) error {
		if method == "POST" && path == "/charges" { // the shopper adds while the saga runs
			if _, err := carts.AddItem(ctx, c.ID, 1, 1); err != nil {
				t.Error(err)
			}
			if _, err := carts.AddItem(ctx, c.ID, 3, 1); err != nil {
				t.Error(err)
			}
		}
		return charges(nil)(method, path, in, out)
	}}
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "orders.db"), sqlstore.WithSchemas(orders.Schemas...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := orders.New(db, orders.Peers{Cart: cartCaller, Inventory: &peer{}, Payments: pay}, &wakes{}, nil)
	t.Cleanup(svc.Close)

	// lines is a cart's or an order's lines as "product×quantity".
	lines := func(items []shop.Item) string {
		var out []string
		for _, it := range items {
			out = append(out, fmt.Sprintf("%d×%d", it.ProductID, it.Quantity))
		}
		return strings.Join(out, ",")
	}
	o, err := svc.Checkout(ctx, c.ID, "k1", "tok_ok")
	if err != nil || o.Status != shop.OrderPaid {
		t.Fatalf("checkout: %+v, %v; want a paid order", o, err)
	}
	if got := lines(o.Items); got != "1×2,2×2" {
		t.Fatalf("order lines %s, want the cart as the saga read it: 1×2,2×2", got)
	}
	const want = "1×1,3×1" // what was added during the saga
	left, err := carts.GetCart(ctx, c.ID)
	if err != nil || lines(left.Items) != want {
		t.Fatalf("cart after checkout holds %s (%v), want what was added during the saga: %s", lines(left.Items), err, want)
	}
	// The step again, as the retrier would run it had its success been lost.
	if err := cartCaller.Call(ctx, "POST", "/carts/"+c.ID+"/orders", map[string]any{"order_id": o.ID, "items": o.Items}, nil); err != nil {
		t.Fatal(err)
	}
	if again, err := carts.GetCart(ctx, c.ID); err != nil || lines(again.Items) != want {
		t.Fatalf("cart after the step ran again holds %s (%v), want %s", lines(again.Items), err, want)
	}
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath, a checkout's among them.
func TestServesWriterStats(t *testing.T) {
	f := newFixture(t, &peer{}, &peer{answer: charges(nil)})
	if _, err := f.svc.Checkout(t.Context(), "c1", "", "tok_ok"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(orders.Handler(f.svc, nil))
	t.Cleanup(srv.Close)
	rep, err := sqlstore.FetchWriters(t.Context(), http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "orders.db" || rep.Writers[0].Writes < 1 {
		t.Fatalf("writers %+v, want orders.db's, with the checkout written", rep.Writers)
	}
}
