package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/archbench/archbench/shop"
)

// InventorySchema creates the inventory's tables. stock.initial is kept so the
// data audit can check that stock is conserved; reservations record what each
// order holds, which makes Reserve and Release idempotent per order;
// released_orders remembers every released order, so that a reservation
// arriving after its release (a retried or delayed call) holds nothing.
const InventorySchema = `CREATE TABLE IF NOT EXISTS stock (
	product_id INTEGER PRIMARY KEY,
	available INTEGER NOT NULL CHECK (available >= 0),
	initial INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
	order_id TEXT NOT NULL,
	product_id INTEGER NOT NULL,
	quantity INTEGER NOT NULL CHECK (quantity > 0),
	released INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (order_id, product_id)
);
CREATE TABLE IF NOT EXISTS released_orders (
	order_id TEXT PRIMARY KEY
);`

// Inventory stores stock levels and per-order reservations.
type Inventory struct{ db *DB }

// NewInventory returns the inventory store over db.
func NewInventory(db *DB) *Inventory { return &Inventory{db: db} }

// DB is the database the inventory lives in, for callers that join its
// operations into a wider transaction.
func (inv *Inventory) DB() *DB { return inv.db }

// Seed sets the initial stock of products that have none yet.
func (inv *Inventory) Seed(ctx context.Context, products []shop.Product) error {
	return inv.db.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO stock (product_id, available, initial) VALUES (?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("seed stock: %w", err)
		}
		defer stmt.Close()
		for _, p := range products {
			if _, err := stmt.ExecContext(ctx, p.ID, p.Stock, p.Stock); err != nil {
				return fmt.Errorf("seed stock of %d: %w", p.ID, err)
			}
		}
		return nil
	})
}

// Available returns a product's available stock.
func (inv *Inventory) Available(ctx context.Context, productID int64) (int64, error) {
	var n int64
	err := inv.db.R.QueryRowContext(ctx, `SELECT available FROM stock WHERE product_id = ?`, productID).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("stock of product %d: %w", productID, shop.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("stock of product %d: %w", productID, err)
	}
	return n, nil
}

// AvailableMany returns the available stock of several products in one
// query, keyed by product ID; products without stock rows are absent.
func (inv *Inventory) AvailableMany(ctx context.Context, productIDs []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(productIDs))
	if len(productIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(productIDs))
	for i, id := range productIDs {
		args[i] = id
	}
	q := `SELECT product_id, available FROM stock WHERE product_id IN (?` + strings.Repeat(",?", len(productIDs)-1) + `)`
	rows, err := inv.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("stock of %d products: %w", len(productIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("stock of %d products: %w", len(productIDs), err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Reserve takes items out of available stock for orderID, within q (a
// transaction, so that a shortage on one line undoes the others). It fails
// with shop.ErrOutOfStock if any line cannot be had. Reserving again for the
// same order, or for an order already released, is a no-op.
func (inv *Inventory) Reserve(ctx context.Context, q DBTX, orderID string, items []shop.Item) error {
	var held int
	if err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM reservations WHERE order_id = ?) +
		(SELECT COUNT(*) FROM released_orders WHERE order_id = ?)`, orderID, orderID).Scan(&held); err != nil {
		return fmt.Errorf("reserve for order %s: %w", orderID, err)
	}
	if held > 0 {
		return nil
	}
	for _, it := range items {
		// The conditional update never oversells, even on one hot row.
		res, err := q.ExecContext(ctx, `UPDATE stock SET available = available - ? WHERE product_id = ? AND available >= ?`, it.Quantity, it.ProductID, it.Quantity)
		if err != nil {
			return fmt.Errorf("reserve product %d: %w", it.ProductID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("reserve product %d: %w", it.ProductID, err)
		} else if n == 0 {
			return fmt.Errorf("product %d: %d wanted: %w", it.ProductID, it.Quantity, shop.ErrOutOfStock)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO reservations (order_id, product_id, quantity) VALUES (?, ?, ?)`, orderID, it.ProductID, it.Quantity); err != nil {
			return fmt.Errorf("record reservation of product %d: %w", it.ProductID, err)
		}
	}
	return nil
}

// Release returns orderID's reserved stock, within q, and marks the order
// released so that a later Reserve for it holds nothing. Releasing twice, or
// releasing an order that reserved nothing, is a no-op.
func (inv *Inventory) Release(ctx context.Context, q DBTX, orderID string) error {
	if _, err := q.ExecContext(ctx, `UPDATE stock SET available = available + (
		SELECT COALESCE(SUM(quantity), 0) FROM reservations r
		WHERE r.order_id = ? AND r.product_id = stock.product_id AND r.released = 0)
		WHERE product_id IN (SELECT product_id FROM reservations WHERE order_id = ? AND released = 0)`, orderID, orderID); err != nil {
		return fmt.Errorf("release order %s: %w", orderID, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE reservations SET released = 1 WHERE order_id = ?`, orderID); err != nil {
		return fmt.Errorf("release order %s: %w", orderID, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT OR IGNORE INTO released_orders (order_id) VALUES (?)`, orderID); err != nil {
		return fmt.Errorf("release order %s: %w", orderID, err)
	}
	return nil
}

// StockAudit is the inventory's side of the data audit.
type StockAudit struct {
	// Products whose initial stock differs from available + held.
	Mismatched []int64
	// Initial, Available and Held are totals over all products.
	Initial, Available, Held int64
	// Reservations is the quantity each order holds (unreleased), read
	// in the same transaction as the totals.
	Reservations map[string]int64
}

// Audit checks that, for every product, initial stock equals available stock
// plus the quantities held by unreleased reservations, and lists what each
// order holds. It reads one snapshot, so that the totals and the
// reservations agree while checkouts go on.
func (inv *Inventory) Audit(ctx context.Context) (StockAudit, error) {
	var a StockAudit
	tx, err := inv.db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return a, fmt.Errorf("audit stock: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to undo
	rows, err := tx.QueryContext(ctx, `SELECT s.product_id, s.initial, s.available,
		COALESCE((SELECT SUM(quantity) FROM reservations r WHERE r.product_id = s.product_id AND r.released = 0), 0)
		FROM stock s ORDER BY s.product_id`)
	if err != nil {
		return a, fmt.Errorf("audit stock: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, initial, available, held int64
		if err := rows.Scan(&id, &initial, &available, &held); err != nil {
			return a, fmt.Errorf("audit stock: %w", err)
		}
		a.Initial += initial
		a.Available += available
		a.Held += held
		if initial != available+held {
			a.Mismatched = append(a.Mismatched, id)
		}
	}
	if err := rows.Err(); err != nil {
		return a, fmt.Errorf("audit stock: %w", err)
	}
	if a.Reservations, err = reservations(ctx, tx); err != nil {
		return a, err
	}
	return a, nil
}

// Reservations returns the quantity each order holds (unreleased), for
// cross-checking against orders in the audit.
func (inv *Inventory) Reservations(ctx context.Context) (map[string]int64, error) {
	return reservations(ctx, inv.db.R)
}

func reservations(ctx context.Context, q DBTX) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT order_id, SUM(quantity) FROM reservations WHERE released = 0 GROUP BY order_id`)
	if err != nil {
		return nil, fmt.Errorf("list reservations: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var q int64
		if err := rows.Scan(&id, &q); err != nil {
			return nil, fmt.Errorf("list reservations: %w", err)
		}
		out[id] = q
	}
	return out, rows.Err()
}
