package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/sqlstore"
)

// openDB opens a fresh database file with every store's tables.
func openDB(t *testing.T, opts ...sqlstore.Option) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "test.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sqlstore.CatalogSchema, sqlstore.InventorySchema, sqlstore.CartsSchema,
		sqlstore.OrdersSchema, sqlstore.NotificationsSchema); err != nil {
		t.Fatal(err)
	}
	return db
}

func products(stock ...int64) []shop.Product {
	out := make([]shop.Product, len(stock))
	for i, s := range stock {
		out[i] = shop.Product{ID: int64(i + 1), Name: fmt.Sprintf("P%d", i+1), PriceCents: int64(100 * (i + 1)), Stock: s}
	}
	return out
}

func TestOpenSynchronous(t *testing.T) {
	tests := []struct {
		mode string
		ok   bool
	}{
		{"NORMAL", true}, {"FULL", true}, {"OFF", true},
		{"", false}, {"normal", false}, {"EXTRA", false}, {"FULL)&_pragma=foo(1", false},
	}
	for _, tt := range tests {
		db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), sqlstore.WithSynchronous(tt.mode))
		if db != nil {
			t.Cleanup(func() { db.Close() })
		}
		if tt.ok != (err == nil) {
			t.Errorf("Open(synchronous %q) = %v, want ok=%v", tt.mode, err, tt.ok)
		}
		if err != nil {
			continue
		}
		var journal string
		if err := db.R.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil || journal != "wal" {
			t.Errorf("journal mode %q, %v; want wal", journal, err)
		}
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	cat := sqlstore.NewCatalog(openDB(t))
	ps := products(1, 2, 3, 4, 5)
	if err := cat.Seed(ctx, ps); err != nil {
		t.Fatal(err)
	}
	// Seeding again, even with other names, keeps what is there.
	renamed := products(1, 2, 3, 4, 5)
	renamed[0].Name = "changed"
	if err := cat.Seed(ctx, append(renamed, shop.Product{ID: 6, Name: "P6", PriceCents: 600})); err != nil {
		t.Fatal(err)
	}
	got, err := cat.Get(ctx, 1)
	if err != nil || got != (shop.Product{ID: 1, Name: "P1", PriceCents: 100}) {
		t.Errorf("Get(1) = %+v, %v", got, err)
	}
	if _, err := cat.Get(ctx, 99); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Get(99) = %v, want ErrNotFound", err)
	}
	tests := []struct {
		offset, limit int64
		ids           []int64
	}{
		{0, 2, []int64{1, 2}},
		{2, 3, []int64{3, 4, 5}},
		{4, 10, []int64{5, 6}},
		{6, 10, nil},
		{100, 1, nil},
		{0, 0, nil},
	}
	for _, tt := range tests {
		page, total, err := cat.List(ctx, tt.offset, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range page {
			ids = append(ids, p.ID)
			if p.Name == "" || p.PriceCents != 100*p.ID {
				t.Errorf("product %+v", p)
			}
		}
		if total != 6 || !slices.Equal(ids, tt.ids) {
			t.Errorf("List(%d, %d) = %v, total %d; want %v, total 6", tt.offset, tt.limit, ids, total, tt.ids)
		}
	}
}

func available(t *testing.T, inv *sqlstore.Inventory, id int64) int64 {
	t.Helper()
	n, err := inv.Available(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func auditOK(t *testing.T, inv *sqlstore.Inventory) sqlstore.StockAudit {
	t.Helper()
	a, err := inv.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Mismatched) != 0 || a.Initial != a.Available+a.Held {
		t.Fatalf("audit = %+v", a)
	}
	var held int64
	for _, q := range a.Reservations {
		held += q
	}
	if held != a.Held {
		t.Fatalf("audit = %+v: its reservations hold %d, its total %d", a, held, a.Held)
	}
	return a
}

// TestInventoryReserveRelease proves Reserve takes stock once per order,
// Release gives it back once, and the audit balances throughout.
func TestInventoryReserveRelease(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	inv := sqlstore.NewInventory(db)
	if err := errors.Join(inv.Seed(ctx, products(10, 5)), inv.Seed(ctx, products(99, 99))); err != nil {
		t.Fatal(err)
	}
	if a := available(t, inv, 1); a != 10 {
		t.Fatalf("seeding twice changed stock: %d", a)
	}
	if _, err := inv.Available(ctx, 3); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Available(3) = %v, want ErrNotFound", err)
	}
	items := []shop.Item{{ProductID: 1, Quantity: 3}, {ProductID: 2, Quantity: 5}}
	for range 2 { // the second is a no-op
		if err := inv.Reserve(ctx, db.W, "o_1", items); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := available(t, inv, 1), available(t, inv, 2); a != 7 || b != 0 {
		t.Fatalf("available = %d, %d; want 7, 0", a, b)
	}
	res, err := inv.Reservations(ctx)
	if err != nil || !(len(res) == 1 && res["o_1"] == 8) {
		t.Fatalf("reservations = %v, %v", res, err)
	}
	if a := auditOK(t, inv); a.Held != 8 || a.Initial != 15 {
		t.Errorf("audit = %+v", a)
	}
	many, err := inv.AvailableMany(ctx, []int64{1, 2, 3})
	if err != nil || len(many) != 2 || many[1] != 7 || many[2] != 0 {
		t.Errorf("AvailableMany = %v, %v", many, err)
	}

	if err := inv.Reserve(ctx, db.W, "o_2", []shop.Item{{ProductID: 2, Quantity: 1}}); !errors.Is(err, shop.ErrOutOfStock) {
		t.Fatalf("Reserve beyond stock = %v, want ErrOutOfStock", err)
	}
	if err := inv.Reserve(ctx, db.W, "o_3", []shop.Item{{ProductID: 3, Quantity: 1}}); !errors.Is(err, shop.ErrOutOfStock) {
		t.Fatalf("Reserve of unknown product = %v, want ErrOutOfStock", err)
	}

	for range 2 { // the second is a no-op
		if err := inv.Release(ctx, db.W, "o_1"); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := available(t, inv, 1), available(t, inv, 2); a != 10 || b != 5 {
		t.Fatalf("after release available = %d, %d; want 10, 5", a, b)
	}
	if err := inv.Release(ctx, db.W, "o_late"); err != nil {
		t.Fatal(err)
	}
	// A reservation that arrives after its order's release (a delayed or
	// retried call) holds nothing.
	if err := inv.Reserve(ctx, db.W, "o_late", items); err != nil {
		t.Fatal(err)
	}
	if a := available(t, inv, 1); a != 10 {
		t.Fatalf("a reservation after its release took stock: available %d, want 10", a)
	}
	// A released order cannot take its stock again.
	if err := inv.Reserve(ctx, db.W, "o_1", items); err != nil {
		t.Fatal(err)
	}
	if a := auditOK(t, inv); a.Held != 0 || a.Available != 15 {
		t.Errorf("audit = %+v", a)
	}
}

// TestReserveAllOrNothing proves that inside a transaction a shortage on one
// line leaves nothing reserved on the others.
func TestReserveAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	inv := sqlstore.NewInventory(db)
	if err := inv.Seed(ctx, products(10, 10, 1)); err != nil {
		t.Fatal(err)
	}
	items := []shop.Item{{ProductID: 1, Quantity: 4}, {ProductID: 2, Quantity: 4}, {ProductID: 3, Quantity: 2}}
	err := db.InTx(ctx, func(tx *sql.Tx) error { return inv.Reserve(ctx, tx, "o_1", items) })
	if !errors.Is(err, shop.ErrOutOfStock) {
		t.Fatalf("err = %v, want ErrOutOfStock", err)
	}
	for id, want := range map[int64]int64{1: 10, 2: 10, 3: 1} {
		if got := available(t, inv, id); got != want {
			t.Errorf("product %d: available %d, want %d", id, got, want)
		}
	}
	if res, _ := inv.Reservations(ctx); len(res) != 0 {
		t.Errorf("reservations = %v, want none", res)
	}
	// The order can still reserve what is there: its failed attempt left no mark.
	if err := db.InTx(ctx, func(tx *sql.Tx) error { return inv.Reserve(ctx, tx, "o_1", items[:2]) }); err != nil {
		t.Fatal(err)
	}
	if got := available(t, inv, 1); got != 6 {
		t.Errorf("available = %d, want 6", got)
	}
	auditOK(t, inv)
}

// TestNoOversell proves that 200 concurrent checkouts of one item, each in
// its own transaction, sell exactly the 50 in stock, with no SQLITE_BUSY,
// and that the audit balances afterwards.
func TestNoOversell(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	inv := sqlstore.NewInventory(db)
	if err := inv.Seed(ctx, products(50)); err != nil {
		t.Fatal(err)
	}
	const buyers = 200
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range buyers {
		wg.Go(func() {
			<-start
			errs[i] = db.InTx(ctx, func(tx *sql.Tx) error {
				return inv.Reserve(ctx, tx, fmt.Sprintf("o_%d", i), []shop.Item{{ProductID: 1, Quantity: 1}})
			})
		})
	}
	// Readers run meanwhile, as they would in a benchmark.
	for range 4 {
		wg.Go(func() {
			<-start
			for range 50 {
				if _, err := inv.Available(ctx, 1); err != nil {
					t.Errorf("concurrent read: %v", err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	sold := 0
	for _, err := range errs {
		switch {
		case err == nil:
			sold++
		case errors.Is(err, shop.ErrOutOfStock):
		default:
			t.Errorf("unexpected error (busy?): %v", err)
		}
		if err != nil && strings.Contains(strings.ToLower(err.Error()), "busy") {
			t.Errorf("SQLITE_BUSY surfaced: %v", err)
		}
	}
	if sold != 50 {
		t.Errorf("sold %d, want 50", sold)
	}
	if got := available(t, inv, 1); got != 0 {
		t.Errorf("available = %d, want 0", got)
	}
	if a := auditOK(t, inv); a.Held != 50 {
		t.Errorf("held = %d, want 50", a.Held)
	}
	res, err := inv.Reservations(ctx)
	if err != nil || len(res) != 50 {
		t.Errorf("%d orders hold stock, want 50 (%v)", len(res), err)
	}
}

func TestCarts(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	carts := sqlstore.NewCarts(db)
	if _, err := carts.Create(ctx, "c_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := carts.Create(ctx, "c_1"); err == nil {
		t.Error("created the same cart twice")
	}
	if c, err := carts.Get(ctx, nil, "c_1"); err != nil || c.ID != "c_1" || c.Items == nil || len(c.Items) != 0 || c.TotalCents != 0 {
		t.Errorf("new cart = %+v, %v", c, err)
	}
	if _, err := carts.Get(ctx, nil, "c_9"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Get(c_9) = %v, want ErrNotFound", err)
	}

	steps := []struct {
		name         string
		op           string // "add" or "remove"
		cart         string
		product, qty int64
		price        int64
		wantErr      error
		want         []shop.Item // the cart afterwards, when no error
	}{
		{name: "add", op: "add", cart: "c_1", product: 5, qty: 2, price: 100,
			want: []shop.Item{{ProductID: 5, Quantity: 2, UnitPriceCents: 100}}},
		{name: "add another", op: "add", cart: "c_1", product: 3, qty: 1, price: 40,
			want: []shop.Item{{ProductID: 5, Quantity: 2, UnitPriceCents: 100}, {ProductID: 3, Quantity: 1, UnitPriceCents: 40}}},
		{name: "merge at new price", op: "add", cart: "c_1", product: 5, qty: 3, price: 110,
			want: []shop.Item{{ProductID: 5, Quantity: 5, UnitPriceCents: 110}, {ProductID: 3, Quantity: 1, UnitPriceCents: 40}}},
		{name: "line limit", op: "add", cart: "c_1", product: 5, qty: 96, price: 110, wantErr: shop.ErrCartFull},
		{name: "bad quantity", op: "add", cart: "c_1", product: 5, qty: 0, price: 110, wantErr: shop.ErrInvalid},
		{name: "missing cart", op: "add", cart: "c_9", product: 5, qty: 1, price: 110, wantErr: shop.ErrNotFound},
		{name: "remove absent product", op: "remove", cart: "c_1", product: 7, wantErr: shop.ErrNotFound},
		{name: "remove from missing cart", op: "remove", cart: "c_9", product: 5, wantErr: shop.ErrNotFound},
		{name: "remove first", op: "remove", cart: "c_1", product: 5,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 40}}},
		{name: "add after remove goes last", op: "add", cart: "c_1", product: 1, qty: 1, price: 7,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 40}, {ProductID: 1, Quantity: 1, UnitPriceCents: 7}}},
		{name: "and the next too", op: "add", cart: "c_1", product: 2, qty: 1, price: 8,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 40}, {ProductID: 1, Quantity: 1, UnitPriceCents: 7}, {ProductID: 2, Quantity: 1, UnitPriceCents: 8}}},
	}
	for _, st := range steps {
		var c shop.Cart
		var err error
		if st.op == "add" {
			c, err = carts.AddItem(ctx, st.cart, st.product, st.qty, st.price)
		} else {
			c, err = carts.RemoveItem(ctx, st.cart, st.product)
		}
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		stored, err := carts.Get(ctx, nil, st.cart)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []shop.Cart{c, stored} {
			if !slices.Equal(got.Items, st.want) || got.TotalCents != shop.Total(st.want) {
				t.Fatalf("%s: cart = %+v (returned %+v), want items %v", st.name, stored, c, st.want)
			}
		}
	}

}

// TestCartRemoveOrdered proves that taking an order's items out of a cart
// leaves what was added after the order read the cart, and that doing it
// again for the same order changes nothing, even once the same products
// are back in the cart.
func TestCartRemoveOrdered(t *testing.T) {
	ctx := context.Background()
	carts := sqlstore.NewCarts(openDB(t))
	for _, id := range []string{"c_1", "c_2"} {
		if _, err := carts.Create(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	add := func(cart string, product, qty int64) {
		t.Helper()
		if _, err := carts.AddItem(ctx, cart, product, qty, 100*product); err != nil {
			t.Fatal(err)
		}
	}
	add("c_1", 1, 2)
	add("c_1", 2, 1)
	add("c_2", 1, 2)
	ordered := []shop.Item{{ProductID: 1, Quantity: 2, UnitPriceCents: 100}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}
	add("c_1", 1, 1) // added while the order was being placed
	add("c_1", 3, 1)

	steps := []struct {
		name    string
		before  func() // the shopper's moves first, if any
		cart    string
		order   string
		items   []shop.Item
		wantErr error
		want    []shop.Item // c_1 afterwards
	}{
		{name: "the ordered quantities go", cart: "c_1", order: "o_1", items: ordered,
			want: []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 100}, {ProductID: 3, Quantity: 1, UnitPriceCents: 300}}},
		{name: "again for the same order", cart: "c_1", order: "o_1", items: ordered,
			want: []shop.Item{{ProductID: 1, Quantity: 1, UnitPriceCents: 100}, {ProductID: 3, Quantity: 1, UnitPriceCents: 300}}},
		{name: "again once the products are back", before: func() { add("c_1", 2, 1); add("c_1", 1, 1) }, cart: "c_1", order: "o_1", items: ordered,
			want: []shop.Item{{ProductID: 1, Quantity: 2, UnitPriceCents: 100}, {ProductID: 3, Quantity: 1, UnitPriceCents: 300}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}},
		{name: "more than the line holds takes the line", cart: "c_1", order: "o_2", items: []shop.Item{{ProductID: 1, Quantity: 5}, {ProductID: 9, Quantity: 1}},
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 300}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}},
		{name: "bad quantity", cart: "c_1", order: "o_3", items: []shop.Item{{ProductID: 3, Quantity: 0}}, wantErr: shop.ErrInvalid,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 300}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}},
		{name: "bad product", cart: "c_1", order: "o_3", items: []shop.Item{{ProductID: -3, Quantity: 1}}, wantErr: shop.ErrInvalid,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 300}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}},
		{name: "missing cart", cart: "c_9", order: "o_4", items: ordered, wantErr: shop.ErrNotFound,
			want: []shop.Item{{ProductID: 3, Quantity: 1, UnitPriceCents: 300}, {ProductID: 2, Quantity: 1, UnitPriceCents: 200}}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		if err := carts.RemoveOrdered(ctx, st.cart, st.order, st.items); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
		}
		got, err := carts.Get(ctx, nil, "c_1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Items, st.want) {
			t.Fatalf("%s: cart holds %v, want %v", st.name, got.Items, st.want)
		}
	}
	if got, err := carts.Get(ctx, nil, "c_2"); err != nil || !slices.Equal(got.Items, []shop.Item{{ProductID: 1, Quantity: 2, UnitPriceCents: 100}}) {
		t.Errorf("the other cart holds %v (%v), want it untouched", got.Items, err)
	}
}

// TestCartLimits proves the store enforces the cart's line limit.
func TestCartLimits(t *testing.T) {
	ctx := context.Background()
	carts := sqlstore.NewCarts(openDB(t))
	if _, err := carts.Create(ctx, "c_1"); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= shop.MaxCartLines; id++ {
		if _, err := carts.AddItem(ctx, "c_1", id, 1, 10); err != nil {
			t.Fatalf("line %d: %v", id, err)
		}
	}
	if _, err := carts.AddItem(ctx, "c_1", shop.MaxCartLines+1, 1, 10); !errors.Is(err, shop.ErrCartFull) {
		t.Fatalf("line %d: %v, want ErrCartFull", shop.MaxCartLines+1, err)
	}
	c, err := carts.Get(ctx, nil, "c_1")
	if err != nil || len(c.Items) != shop.MaxCartLines {
		t.Fatalf("cart has %d lines, %v", len(c.Items), err)
	}
	for i, it := range c.Items {
		if it.ProductID != int64(i+1) {
			t.Fatalf("line %d holds product %d: order lost", i, it.ProductID)
		}
	}
}

func order(id string, qty ...int64) shop.Order {
	o := shop.Order{ID: id, CartID: "c_" + id, Status: shop.OrderPending}
	for i, q := range qty {
		o.Items = append(o.Items, shop.Item{ProductID: int64(i + 1), Quantity: q, UnitPriceCents: 10})
	}
	o.TotalCents = shop.Total(o.Items)
	return o
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	orders := sqlstore.NewOrders(db)
	if err := orders.Create(ctx, db.W, order("o_1", 2, 3), "key-1"); err != nil {
		t.Fatal(err)
	}
	if err := orders.Create(ctx, db.W, order("o_2", 1), "key-1"); err == nil {
		t.Error("created a second order under the same idempotency key")
	}
	// Orders without a key do not clash with each other.
	for _, id := range []string{"o_3", "o_4"} {
		if err := orders.Create(ctx, db.W, order(id, 1), ""); err != nil {
			t.Fatalf("%s without key: %v", id, err)
		}
	}
	if err := orders.Create(ctx, db.W, order("o_1", 1), "key-2"); err == nil {
		t.Error("created the same order ID twice")
	}
	got, err := orders.ByIdempotencyKey(ctx, db.R, "key-1")
	if err != nil || got.ID != "o_1" || got.TotalCents != 50 || len(got.Items) != 2 || got.Status != shop.OrderPending {
		t.Errorf("ByIdempotencyKey = %+v, %v", got, err)
	}
	if _, err := orders.ByIdempotencyKey(ctx, db.R, "key-9"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("ByIdempotencyKey(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := orders.ByIdempotencyKey(ctx, db.R, ""); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("ByIdempotencyKey(\"\") = %v, want ErrNotFound (keyless orders have no key)", err)
	}
	if _, err := orders.Get(ctx, nil, "o_9"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Get(o_9) = %v, want ErrNotFound", err)
	}

	settles := []struct {
		id, paymentID, reason string
		to                    shop.OrderStatus
		wantErr               error
	}{
		{"o_1", "ch_1", "", shop.OrderPaid, nil},
		{"o_1", "ch_2", "", shop.OrderPaid, shop.ErrConflict},
		{"o_1", "", "payment_declined", shop.OrderPaymentFailed, shop.ErrConflict},
		{"o_3", "", "payment_declined", shop.OrderPaymentFailed, nil},
		{"o_3", "ch_3", "", shop.OrderPaid, shop.ErrConflict},
		{"o_4", "", "", shop.OrderPending, shop.ErrConflict},
		{"o_9", "ch_9", "", shop.OrderPaid, shop.ErrConflict},
	}
	for _, s := range settles {
		err := orders.Settle(ctx, db.W, s.id, s.to, s.paymentID, s.reason)
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
			t.Errorf("Settle(%s → %s) = %v, want %v", s.id, s.to, err, s.wantErr)
		}
	}
	o1, _ := orders.Get(ctx, nil, "o_1")
	o3, _ := orders.Get(ctx, db.W, "o_3")
	if o1.Status != shop.OrderPaid || o1.PaymentID != "ch_1" || o1.FailureReason != "" {
		t.Errorf("o_1 = %+v", o1)
	}
	if o3.Status != shop.OrderPaymentFailed || o3.PaymentID != "" || o3.FailureReason != "payment_declined" {
		t.Errorf("o_3 = %+v", o3)
	}
	all, err := orders.All(ctx)
	want := []sqlstore.OrderSummary{
		{ID: "o_1", Status: shop.OrderPaid, Quantity: 5, TotalCents: 50, PaymentID: "ch_1"},
		{ID: "o_3", Status: shop.OrderPaymentFailed, Quantity: 1, TotalCents: 10},
		{ID: "o_4", Status: shop.OrderPending, Quantity: 1, TotalCents: 10},
	}
	if err != nil || !slices.Equal(all, want) {
		t.Errorf("All = %+v, %v; want %+v", all, err, want)
	}
}

// TestStalePendingUsesTheIndex checks that looking for stale checkouts, as
// the recoverers do every second or so, reads the index by status and age
// rather than every order ever placed.
func TestStalePendingUsesTheIndex(t *testing.T) {
	db := openDB(t)
	rows, err := db.R.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT id FROM orders WHERE status = ? AND created_ms < ? LIMIT ?`,
		shop.OrderPending, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "USING INDEX orders_by_status") }) {
		t.Errorf("query plan %q does not use orders_by_status", plan)
	}
}

// TestDiscardPending takes back a pending order, freeing its key, and
// keeps a settled one.
func TestDiscardPending(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	orders := sqlstore.NewOrders(db)
	for _, id := range []string{"o_1", "o_2"} {
		if err := orders.Create(ctx, db.W, order(id, 1), "key-"+id); err != nil {
			t.Fatal(err)
		}
	}
	if err := orders.Settle(ctx, db.W, "o_2", shop.OrderPaid, "ch_2", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want bool
	}{{"o_1", true}, {"o_1", false}, {"o_2", false}, {"o_9", false}}
	for _, tc := range tests {
		if got, err := orders.DiscardPending(ctx, db.W, tc.id); err != nil || got != tc.want {
			t.Errorf("DiscardPending(%s) = %v, %v; want %v", tc.id, got, err, tc.want)
		}
	}
	if _, err := orders.Get(ctx, db.W, "o_1"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("o_1 after its discard: %v, want ErrNotFound", err)
	}
	if o, err := orders.Get(ctx, db.W, "o_2"); err != nil || o.Status != shop.OrderPaid {
		t.Errorf("o_2 = %+v, %v; want it kept, paid", o, err)
	}
	if err := orders.Create(ctx, db.W, order("o_3", 1), "key-o_1"); err != nil {
		t.Errorf("the discarded order's key is still taken: %v", err)
	}
}

// TestOrderCreateRollsBack proves an order created in a transaction that
// fails leaves no order and frees its idempotency key.
func TestOrderCreateRollsBack(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	orders := sqlstore.NewOrders(db)
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := orders.Create(ctx, tx, order("o_1", 1), "k"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if _, err := orders.ByIdempotencyKey(ctx, db.R, "k"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("rolled-back order still found: %v", err)
	}
	if err := orders.Create(ctx, db.W, order("o_2", 1), "k"); err != nil {
		t.Errorf("key not free after rollback: %v", err)
	}
}

func TestNotifications(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	ns := sqlstore.NewNotifications(db)
	for _, id := range []string{"o_1", "o_1", "o_2"} {
		if err := ns.Enqueue(ctx, db.W, id, "email"); err != nil {
			t.Fatal(err)
		}
	}
	pending, err := ns.Pending(ctx, 10)
	slices.Sort(pending)
	if err != nil || !slices.Equal(pending, []string{"o_1", "o_2"}) {
		t.Fatalf("Pending = %v, %v", pending, err)
	}
	if p, _ := ns.Pending(ctx, 1); len(p) != 1 {
		t.Errorf("Pending(1) = %v", p)
	}
	list, err := ns.List(ctx, "o_1")
	if err != nil || !slices.Equal(list, []shop.Notification{{OrderID: "o_1", Channel: "email"}}) {
		t.Fatalf("List = %+v, %v", list, err)
	}
	sent := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	if err := ns.MarkSent(ctx, "o_1", sent); err != nil {
		t.Fatal(err)
	}
	if err := ns.MarkSent(ctx, "o_1", sent.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, _ = ns.List(ctx, "o_1")
	if len(list) != 1 || list[0].SentAt != "2026-01-02T02:04:05.000000006Z" {
		t.Errorf("after MarkSent: %+v (the first send time, in UTC, wanted)", list)
	}
	if pending, _ := ns.Pending(ctx, 10); !slices.Equal(pending, []string{"o_2"}) {
		t.Errorf("Pending = %v, want [o_2]", pending)
	}
	if list, err := ns.List(ctx, "o_9"); err != nil || list == nil || len(list) != 0 {
		t.Errorf("List(unknown) = %#v, %v; want empty, not nil", list, err)
	}
}

// TestPendingOrders checks that the orders of pending confirmations come
// whole, as stored, and that a sent confirmation, or one without its order,
// is left out.
func TestPendingOrders(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	orders, ns := sqlstore.NewOrders(db), sqlstore.NewNotifications(db)
	for _, o := range []shop.Order{order("o_1", 1), order("o_2", 2, 3)} {
		if err := orders.Create(ctx, db.W, o, ""); err != nil {
			t.Fatal(err)
		}
		if err := orders.Settle(ctx, db.W, o.ID, shop.OrderPaid, "ch_"+o.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"o_1", "o_2", "o_9"} {
		if err := ns.Enqueue(ctx, db.W, id, "email"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ns.MarkSent(ctx, "o_1", time.Now()); err != nil {
		t.Fatal(err)
	}
	want, err := orders.Get(ctx, nil, "o_2")
	if err != nil {
		t.Fatal(err)
	}
	if want.CartID == "" || want.TotalCents == 0 || len(want.Items) != 2 {
		t.Fatalf("stored order = %+v", want)
	}
	got, err := ns.PendingOrders(ctx, 10)
	if err != nil || len(got) != 1 || got[0].ID != want.ID || got[0].CartID != want.CartID ||
		got[0].TotalCents != want.TotalCents || got[0].PaymentID != want.PaymentID || !slices.Equal(got[0].Items, want.Items) {
		t.Fatalf("PendingOrders = %+v, %v; want [%+v]", got, err, want)
	}
	if err := ns.MarkSent(ctx, "o_2", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := ns.PendingOrders(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("PendingOrders after all sent = %+v, %v; want none", got, err)
	}
}

// openHelperEnv makes the test binary open the database it names and exit,
// for TestOpenConcurrently.
const openHelperEnv = "SQLSTORE_OPEN_HELPER"

// TestHelperOpen is not a test: run by TestOpenConcurrently in a process
// of its own, it opens the database file named by openHelperEnv.
func TestHelperOpen(t *testing.T) {
	path := os.Getenv(openHelperEnv)
	if path == "" {
		t.Skip("helper process for TestOpenConcurrently")
	}
	db, err := sqlstore.Open(context.Background(), path, sqlstore.WithSchemas(sqlstore.CatalogSchema, sqlstore.InventorySchema))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenConcurrently opens one new database file from several processes
// at once, as replicas sharing a file start together: every open succeeds.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	const n = 8
	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperOpen$")
		cmds[i].Env = append(os.Environ(), openHelperEnv+"="+path)
	}
	outs := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Go(func() { outs[i], errs[i] = c.CombinedOutput() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
}
