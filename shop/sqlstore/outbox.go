package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// OutboxSchema creates the transactional outbox: an event is written in the
// same local transaction as the state change it announces, and a publisher
// sends it to the broker afterwards. Nothing is announced that did not
// happen, and nothing that happened goes unannounced.
const OutboxSchema = `CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	msg_id TEXT NOT NULL UNIQUE,
	subject TEXT NOT NULL,
	payload BLOB NOT NULL,
	sent INTEGER NOT NULL DEFAULT 0
);`

// Outbox stores events waiting to be published.
type Outbox struct{ db *DB }

// NewOutbox returns the outbox store over db.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

// Message is one outbox event.
type Message struct {
	Seq int64
	// MsgID identifies the event to the broker, which drops duplicates.
	MsgID   string
	Subject string
	Payload []byte
}

// Add queues an event within q. Adding the same msgID twice is a no-op.
func (o *Outbox) Add(ctx context.Context, q DBTX, msgID, subject string, payload []byte) error {
	if _, err := q.ExecContext(ctx, `INSERT OR IGNORE INTO outbox (msg_id, subject, payload) VALUES (?, ?, ?)`, msgID, subject, payload); err != nil {
		return fmt.Errorf("add %s to outbox: %w", msgID, err)
	}
	return nil
}

// Pending returns up to limit unsent events, oldest first.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]Message, error) {
	rows, err := o.db.R.QueryContext(ctx, `SELECT seq, msg_id, subject, payload FROM outbox WHERE sent = 0 ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.Seq, &m.MsgID, &m.Subject, &m.Payload); err != nil {
			return nil, fmt.Errorf("pending outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkSent records that events were published.
func (o *Outbox) MarkSent(ctx context.Context, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	if _, err := o.db.Exec(ctx, `UPDATE outbox SET sent = 1 WHERE seq IN (?`+strings.Repeat(",?", len(seqs)-1)+`)`, args...); err != nil {
		return fmt.Errorf("mark outbox sent: %w", err)
	}
	return nil
}
