package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/archbench/archbench/shop"
)

// NotificationsSchema creates the notification outbox. A row is written in
// the same transaction that marks an order paid, so a confirmation is never
// lost; a dispatcher delivers pending rows and marks them sent.
const NotificationsSchema = `CREATE TABLE IF NOT EXISTS notifications (
	order_id TEXT PRIMARY KEY,
	channel TEXT NOT NULL,
	sent_at TEXT
);`

// Notifications stores order confirmations.
type Notifications struct{ db *DB }

// NewNotifications returns the notification store over db.
func NewNotifications(db *DB) *Notifications { return &Notifications{db: db} }

// Enqueue records a pending confirmation for an order within q. Enqueuing
// twice is a no-op, which makes event consumers idempotent.
func (n *Notifications) Enqueue(ctx context.Context, q DBTX, orderID, channel string) error {
	if _, err := q.ExecContext(ctx, `INSERT OR IGNORE INTO notifications (order_id, channel) VALUES (?, ?)`, orderID, channel); err != nil {
		return fmt.Errorf("enqueue notification for %s: %w", orderID, err)
	}
	return nil
}

// Pending returns up to limit order IDs whose confirmation is not sent yet.
func (n *Notifications) Pending(ctx context.Context, limit int) ([]string, error) {
	rows, err := n.db.R.QueryContext(ctx, `SELECT order_id FROM notifications WHERE sent_at IS NULL LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending notifications: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pending notifications: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PendingOrders returns up to limit orders whose confirmation is not sent
// yet, the longest queued first (a sweep that re-publishes them cannot
// leave the oldest behind), read whole from the orders table, which must be in the same database
// (as in the local shop, where both are written in one transaction). A
// pending confirmation without its order is left out.
func (n *Notifications) PendingOrders(ctx context.Context, limit int) ([]shop.Order, error) {
	orders, err := queryOrders(ctx, n.db, `SELECT `+orderColumns+` FROM notifications JOIN orders ON orders.id = notifications.order_id
		WHERE notifications.sent_at IS NULL ORDER BY notifications.rowid LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("orders of pending notifications: %w", err)
	}
	return orders, nil
}

// MarkSent records that an order's confirmation was delivered at t.
func (n *Notifications) MarkSent(ctx context.Context, orderID string, t time.Time) error {
	if _, err := n.db.Exec(ctx, `UPDATE notifications SET sent_at = ? WHERE order_id = ? AND sent_at IS NULL`,
		t.UTC().Format(time.RFC3339Nano), orderID); err != nil {
		return fmt.Errorf("mark notification for %s sent: %w", orderID, err)
	}
	return nil
}

// List returns the notifications of an order.
func (n *Notifications) List(ctx context.Context, orderID string) ([]shop.Notification, error) {
	out, err := n.query(ctx, `SELECT order_id, channel, COALESCE(sent_at, '') FROM notifications WHERE order_id = ?`, orderID)
	if err != nil {
		return nil, fmt.Errorf("list notifications of %s: %w", orderID, err)
	}
	return out, nil
}

// All returns every notification, sent or not, for the data audit.
func (n *Notifications) All(ctx context.Context) ([]shop.Notification, error) {
	out, err := n.query(ctx, `SELECT order_id, channel, COALESCE(sent_at, '') FROM notifications ORDER BY order_id`)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return out, nil
}

// query reads notifications, an empty sent_at for one not sent.
func (n *Notifications) query(ctx context.Context, q string, args ...any) ([]shop.Notification, error) {
	rows, err := n.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []shop.Notification{}
	for rows.Next() {
		var nt shop.Notification
		if err := rows.Scan(&nt.OrderID, &nt.Channel, &nt.SentAt); err != nil {
			return nil, err
		}
		out = append(out, nt)
	}
	return out, rows.Err()
}
