package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/archbench/archbench/shop"
)

// OrdersSchema creates the orders' tables. An idempotency key maps to at most
// one order, so a repeated checkout finds the order it already made. The
// index by status and age serves StalePending, which the recoverers run every
// second or so: without it each run would read every order ever placed.
const OrdersSchema = `CREATE TABLE IF NOT EXISTS orders (
	id TEXT PRIMARY KEY,
	cart_id TEXT NOT NULL,
	idempotency_key TEXT UNIQUE,
	status TEXT NOT NULL,
	total_cents INTEGER NOT NULL,
	items TEXT NOT NULL,
	payment_id TEXT NOT NULL DEFAULT '',
	failure_reason TEXT NOT NULL DEFAULT '',
	created_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, created_ms);`

// Orders stores orders.
type Orders struct{ db *DB }

// NewOrders returns the order store over db.
func NewOrders(db *DB) *Orders { return &Orders{db: db} }

// Create stores a new order within q, under an optional idempotency key.
func (o *Orders) Create(ctx context.Context, q DBTX, order shop.Order, idempotencyKey string) error {
	items, err := json.Marshal(order.Items)
	if err != nil {
		return fmt.Errorf("create order %s: %w", order.ID, err)
	}
	var key any
	if idempotencyKey != "" {
		key = idempotencyKey
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO orders (id, cart_id, idempotency_key, status, total_cents, items, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		order.ID, order.CartID, key, order.Status, order.TotalCents, string(items), time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("create order %s: %w", order.ID, err)
	}
	return nil
}

const orderColumns = `id, cart_id, status, total_cents, items, payment_id, failure_reason`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanOrder(row scanner) (shop.Order, error) {
	var o shop.Order
	var items string
	if err := row.Scan(&o.ID, &o.CartID, &o.Status, &o.TotalCents, &items, &o.PaymentID, &o.FailureReason); err != nil {
		return shop.Order{}, err
	}
	if err := json.Unmarshal([]byte(items), &o.Items); err != nil {
		return shop.Order{}, fmt.Errorf("decode items: %w", err)
	}
	return o, nil
}

// Get returns an order, reading through q (the reader pool when q is nil).
func (o *Orders) Get(ctx context.Context, q DBTX, id string) (shop.Order, error) {
	if q == nil {
		q = o.db.R
	}
	ord, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Order{}, fmt.Errorf("order %s: %w", id, shop.ErrNotFound)
	}
	if err != nil {
		return shop.Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	return ord, nil
}

// ByIdempotencyKey returns the order made under key, or shop.ErrNotFound.
func (o *Orders) ByIdempotencyKey(ctx context.Context, q DBTX, key string) (shop.Order, error) {
	ord, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE idempotency_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Order{}, fmt.Errorf("idempotency key %q: %w", key, shop.ErrNotFound)
	}
	if err != nil {
		return shop.Order{}, fmt.Errorf("find order by idempotency key: %w", err)
	}
	return ord, nil
}

// Settle moves a pending order to a final status within q, recording the
// payment ID or failure reason. The state machine in package shop decides
// which moves are allowed.
func (o *Orders) Settle(ctx context.Context, q DBTX, id string, to shop.OrderStatus, paymentID, reason string) error {
	if err := shop.Transition(shop.OrderPending, to); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE orders SET status = ?, payment_id = ?, failure_reason = ? WHERE id = ? AND status = ?`,
		to, paymentID, reason, id, shop.OrderPending)
	if err != nil {
		return fmt.Errorf("settle order %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("settle order %s as %s: not pending: %w", id, to, shop.ErrConflict)
	}
	return nil
}

// DiscardPending deletes an order within q if it is still pending, and
// reports whether it did: a checkout that wrote its order before reserving
// stock (so that a crash leaves a row to recover) takes it back when the
// order is never placed. A settled order is kept.
func (o *Orders) DiscardPending(ctx context.Context, q DBTX, id string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM orders WHERE id = ? AND status = ?`, id, shop.OrderPending)
	if err != nil {
		return false, fmt.Errorf("discard order %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("discard order %s: %w", id, err)
	}
	return n > 0, nil
}

// StalePending returns up to limit orders still pending that were created
// before olderThan: checkouts whose process died, or whose outcome could not
// be settled, at any point between writing the order and settling it.
func (o *Orders) StalePending(ctx context.Context, olderThan time.Time, limit int) ([]shop.Order, error) {
	out, err := queryOrders(ctx, o.db, `SELECT `+orderColumns+` FROM orders WHERE status = ? AND created_ms < ? LIMIT ?`,
		shop.OrderPending, olderThan.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("stale pending orders: %w", err)
	}
	return out, nil
}

// queryOrders reads whole orders with q, a query on db's readers that
// selects orderColumns.
func queryOrders(ctx context.Context, db *DB, q string, args ...any) ([]shop.Order, error) {
	rows, err := db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shop.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrderSummary is one order as the data audit sees it.
type OrderSummary struct {
	ID         string
	Status     shop.OrderStatus
	Quantity   int64
	TotalCents int64
	PaymentID  string
}

// All returns every order's summary, for the data audit.
func (o *Orders) All(ctx context.Context) ([]OrderSummary, error) {
	rows, err := o.db.R.QueryContext(ctx, `SELECT id, status, total_cents, items, payment_id FROM orders ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	var out []OrderSummary
	for rows.Next() {
		var s OrderSummary
		var items string
		if err := rows.Scan(&s.ID, &s.Status, &s.TotalCents, &items, &s.PaymentID); err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		var its []shop.Item
		if err := json.Unmarshal([]byte(items), &its); err != nil {
			return nil, fmt.Errorf("order %s items: %w", s.ID, err)
		}
		for _, it := range its {
			s.Quantity += it.Quantity
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
