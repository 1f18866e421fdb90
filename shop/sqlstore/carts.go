package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/archbench/archbench/shop"
)

// CartsSchema creates the carts' tables. cart_orders lists the orders whose
// items were taken out of a cart (RemoveOrdered), so that taking them out
// again changes nothing.
const CartsSchema = `CREATE TABLE IF NOT EXISTS carts (
	id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS cart_items (
	cart_id TEXT NOT NULL REFERENCES carts(id),
	product_id INTEGER NOT NULL,
	quantity INTEGER NOT NULL CHECK (quantity > 0),
	unit_price_cents INTEGER NOT NULL,
	line INTEGER NOT NULL,
	PRIMARY KEY (cart_id, product_id)
);
CREATE TABLE IF NOT EXISTS cart_orders (
	cart_id TEXT NOT NULL REFERENCES carts(id),
	order_id TEXT NOT NULL,
	PRIMARY KEY (cart_id, order_id)
);`

// Carts stores shopping carts.
type Carts struct{ db *DB }

// NewCarts returns the cart store over db.
func NewCarts(db *DB) *Carts { return &Carts{db: db} }

// Create stores a new empty cart.
func (c *Carts) Create(ctx context.Context, id string) (shop.Cart, error) {
	if _, err := c.db.Exec(ctx, `INSERT INTO carts (id) VALUES (?)`, id); err != nil {
		return shop.Cart{}, fmt.Errorf("create cart: %w", err)
	}
	return shop.Cart{ID: id, Items: []shop.Item{}}, nil
}

// Get returns a cart with its items, reading through q (the reader pool when
// q is nil).
func (c *Carts) Get(ctx context.Context, q DBTX, id string) (shop.Cart, error) {
	if q == nil {
		q = c.db.R
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM carts WHERE id = ?`, id).Scan(&n); err != nil {
		return shop.Cart{}, fmt.Errorf("get cart %s: %w", id, err)
	}
	if n == 0 {
		return shop.Cart{}, fmt.Errorf("cart %s: %w", id, shop.ErrNotFound)
	}
	rows, err := q.QueryContext(ctx, `SELECT product_id, quantity, unit_price_cents FROM cart_items WHERE cart_id = ? ORDER BY line`, id)
	if err != nil {
		return shop.Cart{}, fmt.Errorf("get cart %s: %w", id, err)
	}
	defer rows.Close()
	cart := shop.Cart{ID: id, Items: []shop.Item{}}
	for rows.Next() {
		var it shop.Item
		if err := rows.Scan(&it.ProductID, &it.Quantity, &it.UnitPriceCents); err != nil {
			return shop.Cart{}, fmt.Errorf("get cart %s: %w", id, err)
		}
		cart.Items = append(cart.Items, it)
	}
	if err := rows.Err(); err != nil {
		return shop.Cart{}, fmt.Errorf("get cart %s: %w", id, err)
	}
	cart.TotalCents = shop.Total(cart.Items)
	return cart, nil
}

// AddItem adds quantity of a product at unitPrice to a cart, applying the
// shop's cart rules in one transaction, and returns the updated cart.
func (c *Carts) AddItem(ctx context.Context, cartID string, productID, quantity, unitPrice int64) (shop.Cart, error) {
	var cart shop.Cart
	err := c.db.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := c.Get(ctx, tx, cartID)
		if err != nil {
			return err
		}
		items, err := shop.AddItem(cur.Items, productID, quantity, unitPrice)
		if err != nil {
			return err
		}
		// Every line is renumbered by its position: after a removal, a new
		// line's number would otherwise tie with an old one's and the cart
		// would come back in another order.
		for line, it := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cart_items (cart_id, product_id, quantity, unit_price_cents, line) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity, unit_price_cents = excluded.unit_price_cents, line = excluded.line`,
				cartID, it.ProductID, it.Quantity, it.UnitPriceCents, line); err != nil {
				return fmt.Errorf("add product %d to cart %s: %w", productID, cartID, err)
			}
		}
		cart = shop.Cart{ID: cartID, Items: items, TotalCents: shop.Total(items)}
		return nil
	})
	return cart, err
}

// RemoveItem removes a product's line from a cart and returns the cart. It
// fails with shop.ErrNotFound if the cart does not hold the product.
func (c *Carts) RemoveItem(ctx context.Context, cartID string, productID int64) (shop.Cart, error) {
	var cart shop.Cart
	err := c.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := c.Get(ctx, tx, cartID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = ? AND product_id = ?`, cartID, productID)
		if err != nil {
			return fmt.Errorf("remove product %d from cart %s: %w", productID, cartID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("product %d in cart %s: %w", productID, cartID, shop.ErrNotFound)
		}
		cart, err = c.Get(ctx, tx, cartID)
		return err
	})
	return cart, err
}

// RemoveOrdered takes the items of an order placed from a cart out of it, in
// one transaction: each line loses the quantity ordered, and goes when
// nothing is left. What was added to the cart while the order was being
// placed stays. It is done once per order: called again for the same order
// (a retried step), it changes nothing, even if the same products were added
// since. It fails with shop.ErrNotFound if there is no such cart.
func (c *Carts) RemoveOrdered(ctx context.Context, cartID, orderID string, items []shop.Item) error {
	return c.db.InTx(ctx, func(tx *sql.Tx) error { return c.RemoveOrderedIn(ctx, tx, cartID, orderID, items) })
}

// RemoveOrderedIn is RemoveOrdered within q, for a caller that settles the
// order in the same transaction.
func (c *Carts) RemoveOrderedIn(ctx context.Context, q DBTX, cartID, orderID string, items []shop.Item) error {
	for _, it := range items {
		if err := shop.ValidateProductID(it.ProductID); err != nil {
			return err
		}
		if err := shop.ValidateQuantity(it.Quantity); err != nil {
			return err
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM carts WHERE id = ?`, cartID).Scan(&n); err != nil {
		return fmt.Errorf("remove order %s from cart %s: %w", orderID, cartID, err)
	}
	if n == 0 {
		return fmt.Errorf("cart %s: %w", cartID, shop.ErrNotFound)
	}
	res, err := q.ExecContext(ctx, `INSERT OR IGNORE INTO cart_orders (cart_id, order_id) VALUES (?, ?)`, cartID, orderID)
	if err != nil {
		return fmt.Errorf("remove order %s from cart %s: %w", orderID, cartID, err)
	}
	added, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("remove order %s from cart %s: %w", orderID, cartID, err)
	}
	if added == 0 {
		return nil // taken out before
	}
	for _, it := range items {
		if _, err := q.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = ? AND product_id = ? AND quantity <= ?`,
			cartID, it.ProductID, it.Quantity); err != nil {
			return fmt.Errorf("remove order %s from cart %s: %w", orderID, cartID, err)
		}
		if _, err := q.ExecContext(ctx, `UPDATE cart_items SET quantity = quantity - ? WHERE cart_id = ? AND product_id = ?`,
			it.Quantity, cartID, it.ProductID); err != nil {
			return fmt.Errorf("remove order %s from cart %s: %w", orderID, cartID, err)
		}
	}
	return nil
}
