package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/sqlstore"
)

const (
	stockConserved   = "stock conserved"
	reservationsOK   = "reservations match orders"
	everyOutcome     = "every order has a payment outcome"
	oneChargePerPaid = "one charge per paid order, none else"
	chargedTotal     = "paid orders charged their total"
	confirmedOnce    = audit.CheckConfirmations
)

// goodFacts is a consistent shop: o_1 paid (holds 3, confirmed), o_2
// failed (holds 0).
func goodFacts() audit.Facts {
	return audit.Facts{
		Inventory: &audit.InventoryFacts{Initial: 10, Available: 7, Held: 3, Reservations: map[string]int64{"o_1": 3}},
		Orders: []audit.Order{
			{ID: "o_1", Status: shop.OrderPaid, Quantity: 3, TotalCents: 30, PaymentID: "ch_1"},
			{ID: "o_2", Status: shop.OrderPaymentFailed, Quantity: 2, TotalCents: 20},
		},
		Confirmations: &audit.ConfirmationFacts{Sent: []string{"o_1"}},
	}
}

// reserve has order id hold q items, moving stock between available and
// held so that the stock stays conserved.
func reserve(f *audit.Facts, id string, q int64) {
	d := q - f.Inventory.Reservations[id]
	f.Inventory.Reservations[id] = q
	f.Inventory.Available -= d
	f.Inventory.Held += d
}

func goodCharges() []payment.Charge {
	return []payment.Charge{
		{ID: "ch_1", IdempotencyKey: "o_1", AmountCents: 30, Status: payment.StatusSucceeded},
		{ID: "ch_2", IdempotencyKey: "o_2", AmountCents: 20, Status: payment.StatusDeclined},
		{ID: "ch_3", IdempotencyKey: "o_gone", Status: payment.StatusVoided},
	}
}

// TestVerify proves each kind of inconsistency fails exactly the rule that
// names it, and a consistent shop passes every rule.
func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		facts   func(*audit.Facts)
		charges func([]payment.Charge) []payment.Charge
		fail    []string // the checks that must fail; the others must pass
		detail  string   // a phrase the failed check's detail must contain
	}{
		{name: "all good"},
		{name: "product mismatch", facts: func(f *audit.Facts) { f.Inventory.Mismatched = []int64{4} },
			fail: []string{stockConserved}, detail: "product 4"},
		{name: "totals do not add up", facts: func(f *audit.Facts) { f.Inventory.Available = 8 },
			fail: []string{stockConserved}, detail: "initial 10 != available 8 + held 3"},
		{name: "held is not what the reservations hold", facts: func(f *audit.Facts) {
			f.Inventory.Available, f.Inventory.Held = 6, 4
		}, fail: []string{stockConserved}, detail: "held 4, but the reservations hold 3"},
		{name: "pending order", facts: func(f *audit.Facts) {
			f.Orders = append(f.Orders, audit.Order{ID: "o_3", Status: shop.OrderPending, Quantity: 1})
			reserve(f, "o_3", 1)
		}, fail: []string{everyOutcome}, detail: "o_3"},
		{name: "paid order without charge", charges: func(c []payment.Charge) []payment.Charge { return c[1:] },
			fail: []string{oneChargePerPaid}, detail: "no charge"},
		{name: "paid order whose charge was voided", charges: func(c []payment.Charge) []payment.Charge {
			c[0].Status = payment.StatusVoided
			return c
		}, fail: []string{oneChargePerPaid}, detail: "no charge"},
		{name: "charge without order", charges: func(c []payment.Charge) []payment.Charge {
			return append(c, payment.Charge{ID: "ch_9", IdempotencyKey: "o_9", Status: payment.StatusSucceeded})
		}, fail: []string{oneChargePerPaid}, detail: "o_9, which is no order"},
		{name: "failed order charged", charges: func(c []payment.Charge) []payment.Charge {
			c[1].Status = payment.StatusSucceeded
			return c
		}, fail: []string{oneChargePerPaid}, detail: "o_2 is payment_failed but was charged"},
		{name: "charged more than the total", facts: func(f *audit.Facts) { f.Orders[0].TotalCents = 25 },
			fail: []string{chargedTotal}, detail: "order o_1 totals 25 cents, charge ch_1 is for 30"},
		{name: "charged less than the total", charges: func(c []payment.Charge) []payment.Charge {
			c[0].AmountCents = 3
			return c
		}, fail: []string{chargedTotal}, detail: "charge ch_1 is for 3"},
		{name: "paid order reports no total", facts: func(f *audit.Facts) { f.Orders[0].TotalCents = 0 }},
		{name: "payment id differs", facts: func(f *audit.Facts) { f.Orders[0].PaymentID = "ch_7" },
			fail: []string{oneChargePerPaid}, detail: "names charge ch_7, provider has ch_1"},
		{name: "duplicated order", facts: func(f *audit.Facts) { f.Orders = append(f.Orders, f.Orders[1]) },
			fail: []string{oneChargePerPaid}, detail: "o_2 appears twice"},
		{name: "failed order holds stock", facts: func(f *audit.Facts) {
			reserve(f, "o_2", 2)
		}, fail: []string{reservationsOK}, detail: "o_2"},
		{name: "paid order holds too little", facts: func(f *audit.Facts) { reserve(f, "o_1", 2) },
			fail: []string{reservationsOK}, detail: "holds 2, want 3"},
		{name: "reservation of no order", facts: func(f *audit.Facts) { reserve(f, "o_x", 1) },
			fail: []string{reservationsOK}, detail: "o_x, which is no live order"},
		{name: "paid order without confirmation", facts: func(f *audit.Facts) { f.Confirmations.Sent = nil },
			fail: []string{confirmedOnce}, detail: "o_1 is paid but has no confirmation"},
		{name: "paid order's confirmation not sent", facts: func(f *audit.Facts) {
			f.Confirmations.Sent, f.Confirmations.Queued = nil, []string{"o_1"}
		}, fail: []string{confirmedOnce}, detail: "o_1 is paid but its confirmation is queued, not sent"},
		{name: "failed order confirmed", facts: func(f *audit.Facts) { f.Confirmations.Queued = []string{"o_2"} },
			fail: []string{confirmedOnce}, detail: "o_2 is payment_failed but was confirmed"},
		{name: "paid order confirmed twice", facts: func(f *audit.Facts) { f.Confirmations.Sent = []string{"o_1", "o_1"} },
			fail: []string{confirmedOnce}, detail: "o_1 has 2 confirmations"},
		{name: "confirmation of no order", facts: func(f *audit.Facts) { f.Confirmations.Sent = append(f.Confirmations.Sent, "o_9") },
			fail: []string{confirmedOnce}, detail: "o_9, which is no order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := goodFacts(), goodCharges()
			if tt.facts != nil {
				tt.facts(&f)
			}
			if tt.charges != nil {
				c = tt.charges(c)
			}
			r := audit.Verify(f, c)
			if r.Passed != (len(tt.fail) == 0) {
				t.Errorf("Passed = %v, want %v", r.Passed, len(tt.fail) == 0)
			}
			names := map[string]bool{}
			for _, ch := range r.Checks {
				names[ch.Name] = true
				wantFail := false
				for _, n := range tt.fail {
					wantFail = wantFail || n == ch.Name
				}
				if ch.Passed == wantFail {
					t.Errorf("check %q passed=%v (%s), want %v", ch.Name, ch.Passed, ch.Detail, !wantFail)
				}
				if wantFail && !strings.Contains(ch.Detail, tt.detail) {
					t.Errorf("check %q detail %q does not mention %q", ch.Name, ch.Detail, tt.detail)
				}
			}
			for _, n := range []string{stockConserved, reservationsOK, everyOutcome, oneChargePerPaid, chargedTotal, confirmedOnce} {
				if !names[n] {
					t.Errorf("check %q missing", n)
				}
			}
		})
	}
}

// TestVerifyWithoutFacts proves the checks of a part no component served
// (inventory, confirmations) are skipped rather than failed, and the order
// checks still apply.
func TestVerifyWithoutFacts(t *testing.T) {
	tests := []struct {
		name    string
		drop    func(*audit.Facts)
		skipped []string
	}{
		{name: "no inventory", drop: func(f *audit.Facts) { f.Inventory = nil }, skipped: []string{stockConserved, reservationsOK}},
		{name: "no confirmations", drop: func(f *audit.Facts) { f.Confirmations = nil }, skipped: []string{confirmedOnce}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodFacts()
			tt.drop(&f)
			r := audit.Verify(f, goodCharges())
			if !r.Passed {
				t.Errorf("report = %+v, want passed", r)
			}
			for _, c := range r.Checks {
				if slices.Contains(tt.skipped, c.Name) {
					t.Errorf("check %q ran without its facts", c.Name)
				}
			}
			f.Orders[0].Status = shop.OrderPending
			if audit.Verify(f, goodCharges()).Passed {
				t.Error("a pending order passed")
			}
		})
	}
}

// TestUnsettled proves the work a harness waits for is counted: owed saga
// steps, orders without an outcome and paid orders whose confirmation is
// not delivered, and nothing in a settled shop.
func TestUnsettled(t *testing.T) {
	tests := []struct {
		name  string
		facts func(*audit.Facts)
		want  int
	}{
		{name: "settled", want: 0},
		{name: "saga steps owed", facts: func(f *audit.Facts) { f.SagaPending = 2 }, want: 2},
		{name: "order pending", facts: func(f *audit.Facts) { f.Orders[1].Status = shop.OrderPending }, want: 1},
		{name: "confirmation queued", facts: func(f *audit.Facts) {
			f.Confirmations.Sent, f.Confirmations.Queued = []string{}, []string{"o_1"}
		}, want: 1},
		{name: "confirmation not yet recorded", facts: func(f *audit.Facts) { f.Confirmations.Sent = nil }, want: 1},
		{name: "no notification store", facts: func(f *audit.Facts) { f.Confirmations = nil }, want: 0},
		{name: "all at once", facts: func(f *audit.Facts) {
			f.SagaPending = 1
			f.Orders = append(f.Orders, audit.Order{ID: "o_3", Status: shop.OrderPending})
			f.Confirmations.Sent = nil
		}, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodFacts()
			if tt.facts != nil {
				tt.facts(&f)
			}
			if got := f.Unsettled(); got != tt.want {
				t.Errorf("Unsettled() = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestVerifyFactsWithoutTotals proves facts from a component that does not
// report order totals (their JSON has no total_cents) still pass a
// consistent shop, and the check says how many charges it did not compare.
func TestVerifyFactsWithoutTotals(t *testing.T) {
	var f audit.Facts
	old := `{"inventory":{"initial":10,"available":7,"held":3,"reservations":{"o_1":3}},
		"orders":[{"id":"o_1","status":"paid","quantity":3,"payment_id":"ch_1"},{"id":"o_2","status":"payment_failed","quantity":2}]}`
	if err := json.Unmarshal([]byte(old), &f); err != nil {
		t.Fatal(err)
	}
	r := audit.Verify(f, goodCharges())
	if !r.Passed {
		t.Errorf("consistent shop without totals failed the audit: %+v", r.Checks)
	}
	for _, c := range r.Checks {
		if c.Name == chargedTotal && !strings.Contains(c.Detail, "1 report no total") {
			t.Errorf("detail = %q, want it to count the order without a total", c.Detail)
		}
	}
}

// TestVerifySummarizes proves a failed check's detail stays short.
func TestVerifySummarizes(t *testing.T) {
	f := goodFacts()
	for i := range 12 {
		f.Inventory.Mismatched = append(f.Inventory.Mismatched, int64(i))
	}
	for _, c := range audit.Verify(f, goodCharges()).Checks {
		if c.Name == stockConserved && !strings.HasSuffix(c.Detail, "and 7 more") {
			t.Errorf("detail = %q", c.Detail)
		}
	}
}

// TestFetch proves facts served by Handler over real stores, split across
// two components as microservices would, merge into what Collect reports, and
// that Verify agrees with the provider's charges.
func TestFetch(t *testing.T) {
	ctx := context.Background()
	open := func(name string) *sqlstore.DB {
		db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx, sqlstore.InventorySchema, sqlstore.OrdersSchema, sqlstore.NotificationsSchema); err != nil {
			t.Fatal(err)
		}
		return db
	}
	invDB, ordDB, noteDB := open("inv.db"), open("orders.db"), open("notifications.db")
	inv, orders, notes := sqlstore.NewInventory(invDB), sqlstore.NewOrders(ordDB), sqlstore.NewNotifications(noteDB)
	if err := inv.Seed(ctx, []shop.Product{{ID: 1, Stock: 10}, {ID: 2, Stock: 5}}); err != nil {
		t.Fatal(err)
	}
	place := func(id string, status shop.OrderStatus, paymentID string, items ...shop.Item) {
		o := shop.Order{ID: id, CartID: "c", Items: items, TotalCents: shop.Total(items), Status: shop.OrderPending}
		if err := invDB.InTx(ctx, func(tx *sql.Tx) error { return inv.Reserve(ctx, tx, id, items) }); err != nil {
			t.Fatal(err)
		}
		if err := orders.Create(ctx, ordDB.W, o, ""); err != nil {
			t.Fatal(err)
		}
		if status == shop.OrderPending {
			return
		}
		if err := orders.Settle(ctx, ordDB.W, id, status, paymentID, ""); err != nil {
			t.Fatal(err)
		}
		if status == shop.OrderPaymentFailed {
			if err := inv.Release(ctx, invDB.W, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	place("o_1", shop.OrderPaid, "ch_1", shop.Item{ProductID: 1, Quantity: 2, UnitPriceCents: 100}, shop.Item{ProductID: 2, Quantity: 1, UnitPriceCents: 50})
	place("o_2", shop.OrderPaymentFailed, "", shop.Item{ProductID: 1, Quantity: 4, UnitPriceCents: 100})
	if err := notes.Enqueue(ctx, noteDB.W, "o_1", "email"); err != nil {
		t.Fatal(err)
	}

	invSrv := httptest.NewServer(serveAt(audit.Handler(inv, nil)))
	t.Cleanup(invSrv.Close)
	ordSrv := httptest.NewServer(serveAt(audit.Handler(nil, orders)))
	t.Cleanup(ordSrv.Close)
	noteSrv := httptest.NewServer(serveAt(audit.Handler(nil, nil, audit.WithNotifications(notes))))
	t.Cleanup(noteSrv.Close)

	// The confirmation is queued, not yet sent: the shop has not settled.
	f, err := audit.Fetch(ctx, http.DefaultClient, invSrv.URL, ordSrv.URL, noteSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Confirmations; c == nil || len(c.Sent) != 0 || len(c.Queued) != 1 || c.Queued[0] != "o_1" {
		t.Errorf("confirmations = %+v, want o_1 queued", c)
	}
	if n := f.Unsettled(); n != 1 {
		t.Errorf("Unsettled() = %d with o_1's confirmation queued, want 1", n)
	}
	if err := notes.MarkSent(ctx, "o_1", time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err = audit.Fetch(ctx, http.DefaultClient, invSrv.URL, ordSrv.URL, noteSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Confirmations; c == nil || len(c.Sent) != 1 || c.Sent[0] != "o_1" || len(c.Queued) != 0 {
		t.Errorf("confirmations = %+v, want o_1 sent", c)
	}
	if f.Inventory == nil || f.Inventory.Initial != 15 || f.Inventory.Available != 12 || f.Inventory.Held != 3 ||
		len(f.Inventory.Reservations) != 1 || f.Inventory.Reservations["o_1"] != 3 {
		t.Errorf("inventory facts = %+v", f.Inventory)
	}
	want := []audit.Order{
		{ID: "o_1", Status: shop.OrderPaid, Quantity: 3, TotalCents: 250, PaymentID: "ch_1"},
		{ID: "o_2", Status: shop.OrderPaymentFailed, Quantity: 4, TotalCents: 400},
	}
	if len(f.Orders) != 2 || f.Orders[0] != want[0] || f.Orders[1] != want[1] {
		t.Errorf("orders = %+v, want %+v", f.Orders, want)
	}
	collected, err := audit.Collect(ctx, inv, orders)
	if err != nil || collected.Inventory.Held != f.Inventory.Held || len(collected.Orders) != len(f.Orders) {
		t.Errorf("Collect = %+v, %v; Fetch = %+v", collected, err, f)
	}
	charges := []payment.Charge{{ID: "ch_1", IdempotencyKey: "o_1", AmountCents: 250, Status: payment.StatusSucceeded}}
	if r := audit.Verify(f, charges); !r.Passed {
		t.Errorf("consistent shop failed the audit: %+v", r)
	}
	charges[0].AmountCents = 200
	if r := audit.Verify(f, charges); r.Passed {
		t.Errorf("an order charged less than its total passed the audit: %+v", r)
	}
	charges[0].AmountCents = 250

	// Compensations still owed are reported through the whole path, and
	// the data has not converged while there are any.
	owing := httptest.NewServer(serveAt(audit.Handler(nil, orders, audit.WithOwed(func(context.Context) (int, error) { return 2, nil }))))
	t.Cleanup(owing.Close)
	f, err = audit.Fetch(ctx, http.DefaultClient, invSrv.URL, owing.URL)
	if err != nil || f.SagaPending != 2 {
		t.Fatalf("Fetch with 2 owed = %+v, %v; want saga_pending 2", f, err)
	}
	if r := audit.Verify(f, charges); r.Passed {
		t.Errorf("a shop owing compensations passed the audit: %+v", r)
	}
	failing := httptest.NewServer(serveAt(audit.Handler(nil, orders, audit.WithOwed(func(context.Context) (int, error) { return 0, errors.New("disk gone") }))))
	t.Cleanup(failing.Close)
	if _, err := audit.Fetch(ctx, http.DefaultClient, invSrv.URL, failing.URL); err == nil {
		t.Error("Fetch succeeded though the owed compensations could not be counted")
	}

	// A pending order is flagged through the whole path.
	place("o_3", shop.OrderPending, "", shop.Item{ProductID: 2, Quantity: 1})
	f, err = audit.Fetch(ctx, http.DefaultClient, invSrv.URL, ordSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if r := audit.Verify(f, charges); r.Passed {
		t.Errorf("pending order passed the audit: %+v", r)
	}
}

// TestFetchErrors proves Fetch reports a component that fails or is gone.
func TestFetchErrors(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	t.Cleanup(bad.Close)
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{")) }))
	t.Cleanup(garbage.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	for _, u := range []string{bad.URL, garbage.URL, gone.URL} {
		if _, err := audit.Fetch(context.Background(), http.DefaultClient, u); err == nil || !strings.Contains(err.Error(), u) {
			t.Errorf("Fetch(%s) = %v, want an error naming it", u, err)
		}
	}
}

// TestFetchRejectsTwoInventories proves Fetch fails, naming both, when two
// components serve inventory, rather than keep one and drop the other.
func TestFetchRejectsTwoInventories(t *testing.T) {
	serve := func(f audit.Facts) string {
		srv := httptest.NewServer(serveAt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(f)
		})))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	inv := goodFacts().Inventory
	a := serve(audit.Facts{Inventory: inv})
	orders := serve(audit.Facts{Orders: goodFacts().Orders})
	b := serve(audit.Facts{Inventory: inv})
	_, err := audit.Fetch(context.Background(), http.DefaultClient, a, orders, b)
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Errorf("Fetch with two inventories = %v, want an error naming both", err)
	}
	if _, err := audit.Fetch(context.Background(), http.DefaultClient, a, orders); err != nil {
		t.Errorf("Fetch with one inventory: %v", err)
	}
}

// serveAt serves h at audit.FactsPath only.
func serveAt(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+audit.FactsPath, h)
	return mux
}

// TestCollectReadsOrdersBeforeStock fails a checkout while Collect runs,
// after the order is read if Collect reads orders first, or between its
// reads of the stock and of the orders if it reads the stock first: the
// latter sees the order failed yet still holding its stock, and the audit
// fails a consistent shop.
func TestCollectReadsOrdersBeforeStock(t *testing.T) {
	ctx := context.Background()
	open := func(name string, opts ...sqlstore.Option) *sqlstore.DB {
		db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), name), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx, sqlstore.InventorySchema, sqlstore.OrdersSchema); err != nil {
			t.Fatal(err)
		}
		return db
	}
	invDB, ordDB := open("inv.db"), open("orders.db", sqlstore.WithReaders(1))
	inv, orders := sqlstore.NewInventory(invDB), sqlstore.NewOrders(ordDB)
	if err := inv.Seed(ctx, []shop.Product{{ID: 1, Stock: 10}}); err != nil {
		t.Fatal(err)
	}
	items := []shop.Item{{ProductID: 1, Quantity: 2}}
	if err := invDB.InTx(ctx, func(tx *sql.Tx) error { return inv.Reserve(ctx, tx, "o_1", items) }); err != nil {
		t.Fatal(err)
	}
	if err := orders.Create(ctx, ordDB.W, shop.Order{ID: "o_1", CartID: "c", Items: items, Status: shop.OrderPending}, ""); err != nil {
		t.Fatal(err)
	}

	// Hold the orders' only reader, so that Collect waits at its read of
	// the orders while the checkout fails.
	held, err := ordDB.R.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		f   audit.Facts
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := audit.Collect(ctx, inv, orders)
		done <- result{f, err}
	}()
	for ordDB.R.Stats().WaitCount == 0 {
		runtime.Gosched()
	}
	if err := orders.Settle(ctx, ordDB.W, "o_1", shop.OrderPaymentFailed, "", "payment_declined"); err != nil {
		t.Fatal(err)
	}
	if err := inv.Release(ctx, invDB.W, "o_1"); err != nil {
		t.Fatal(err)
	}
	held.Close()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if r := audit.Verify(res.f, nil); !r.Passed {
		t.Errorf("a consistent shop failed the audit: %+v", r.Checks)
	}
}

// TestFetchReadsStockLast fails a checkout between Fetch's reads of the
// inventory's facts and of the orders' (listed after it), as a saga that
// fails an order and releases its stock does: the audit must still see one
// consistent shop, so the stock is read after every order.
func TestFetchReadsStockLast(t *testing.T) {
	var mu sync.Mutex
	failed := false // the checkout of o_1 has failed and released its stock
	inventory := httptest.NewServer(serveAt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		f := audit.Facts{Inventory: &audit.InventoryFacts{Initial: 10, Available: 8, Held: 2, Reservations: map[string]int64{"o_1": 2}}}
		if failed {
			f.Inventory = &audit.InventoryFacts{Initial: 10, Available: 10, Reservations: map[string]int64{}}
		}
		json.NewEncoder(w).Encode(f)
	})))
	t.Cleanup(inventory.Close)
	orders := httptest.NewServer(serveAt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		failed = true // the checkout failed just before this read
		json.NewEncoder(w).Encode(audit.Facts{Orders: []audit.Order{{ID: "o_1", Status: shop.OrderPaymentFailed, Quantity: 2}}})
	})))
	t.Cleanup(orders.Close)

	f, err := audit.Fetch(context.Background(), http.DefaultClient, inventory.URL, orders.URL)
	if err != nil {
		t.Fatal(err)
	}
	if r := audit.Verify(f, nil); !r.Passed {
		t.Errorf("a consistent shop failed the audit: %+v", r.Checks)
	}
}

// TestFetchSettled proves FetchSettled polls until the facts settle and
// returns them, and gives up after its wait with the unsettled facts, for
// the verdict to name what is missing.
func TestFetchSettled(t *testing.T) {
	tests := []struct {
		name        string
		settleAfter int // calls before the facts settle; 0 never
		wantPending int
	}{
		{name: "settled at once", settleAfter: 1},
		{name: "settles on the third call", settleAfter: 3},
		{name: "never settles", wantPending: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(serveAt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				f := goodFacts()
				if tt.settleAfter == 0 || calls < tt.settleAfter {
					f.SagaPending = 1
				}
				mu.Unlock()
				json.NewEncoder(w).Encode(f)
			})))
			t.Cleanup(srv.Close)
			f, err := audit.FetchSettled(context.Background(), http.DefaultClient, time.Second, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Unsettled(); got != tt.wantPending {
				t.Errorf("Unsettled() = %d, want %d", got, tt.wantPending)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.settleAfter > 0 && calls != tt.settleAfter {
				t.Errorf("%d calls, want %d: it should stop once settled", calls, tt.settleAfter)
			}
			if tt.settleAfter == 0 && calls < 3 {
				t.Errorf("%d calls in a second of waiting, want it to keep polling", calls)
			}
		})
	}
}
