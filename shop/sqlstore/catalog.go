package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/archbench/archbench/shop"
)

// CatalogSchema creates the catalog's tables.
const CatalogSchema = `CREATE TABLE IF NOT EXISTS products (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
);`

// Catalog stores product names and prices. Stock belongs to Inventory.
type Catalog struct{ db *DB }

// NewCatalog returns the catalog store over db.
func NewCatalog(db *DB) *Catalog { return &Catalog{db: db} }

// Seed inserts products that are not there yet, in one transaction.
func (c *Catalog) Seed(ctx context.Context, products []shop.Product) error {
	return c.db.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO products (id, name, price_cents) VALUES (?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("seed catalog: %w", err)
		}
		defer stmt.Close()
		for _, p := range products {
			if _, err := stmt.ExecContext(ctx, p.ID, p.Name, p.PriceCents); err != nil {
				return fmt.Errorf("seed product %d: %w", p.ID, err)
			}
		}
		return nil
	})
}

// Get returns one product without its stock.
func (c *Catalog) Get(ctx context.Context, id int64) (shop.Product, error) {
	p := shop.Product{ID: id}
	err := c.db.R.QueryRowContext(ctx, `SELECT name, price_cents FROM products WHERE id = ?`, id).Scan(&p.Name, &p.PriceCents)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Product{}, fmt.Errorf("product %d: %w", id, shop.ErrNotFound)
	}
	if err != nil {
		return shop.Product{}, fmt.Errorf("get product %d: %w", id, err)
	}
	return p, nil
}

// List returns a page of products ordered by ID, and the total count.
func (c *Catalog) List(ctx context.Context, offset, limit int64) ([]shop.Product, int64, error) {
	var total int64
	if err := c.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count products: %w", err)
	}
	rows, err := c.db.R.QueryContext(ctx, `SELECT id, name, price_cents FROM products ORDER BY id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	out := make([]shop.Product, 0, limit)
	for rows.Next() {
		var p shop.Product
		if err := rows.Scan(&p.ID, &p.Name, &p.PriceCents); err != nil {
			return nil, 0, fmt.Errorf("list products: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list products: %w", err)
	}
	return out, total, nil
}
