package sqlstore

import (
	"context"
	"fmt"
)

// SagaRetriesSchema creates a saga's list of steps that must eventually
// succeed but have not yet: compensations (void a charge, release stock) and
// forward steps after the decision (empty the cart). A peer that was down
// when the saga needed it is asked again until it answers, so the data
// converges.
const SagaRetriesSchema = `CREATE TABLE IF NOT EXISTS saga_retries (
	order_id TEXT NOT NULL,
	step TEXT NOT NULL,
	PRIMARY KEY (order_id, step)
);`

// Saga steps that are retried until they succeed.
const (
	// StepVoid voids the order's charge at the payment provider.
	StepVoid = "void"
	// StepRelease releases the order's stock reservation.
	StepRelease = "release"
	// StepClearCart takes the order's items out of the cart it was placed
	// from.
	StepClearCart = "clear_cart"
)

// SagaRetries stores the steps owed.
type SagaRetries struct{ db *DB }

// NewSagaRetries returns the store over db.
func NewSagaRetries(db *DB) *SagaRetries { return &SagaRetries{db: db} }

// Owe records that step is owed for orderID, within q.
func (s *SagaRetries) Owe(ctx context.Context, q DBTX, orderID, step string) error {
	if _, err := q.ExecContext(ctx, `INSERT OR IGNORE INTO saga_retries (order_id, step) VALUES (?, ?)`, orderID, step); err != nil {
		return fmt.Errorf("owe %s for %s: %w", step, orderID, err)
	}
	return nil
}

// Done records that step succeeded for orderID.
func (s *SagaRetries) Done(ctx context.Context, orderID, step string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM saga_retries WHERE order_id = ? AND step = ?`, orderID, step); err != nil {
		return fmt.Errorf("settle %s for %s: %w", step, orderID, err)
	}
	return nil
}

// OwedStep is one step still owed.
type OwedStep struct{ OrderID, Step string }

// Owed returns up to limit owed steps; a void comes before its release.
func (s *SagaRetries) Owed(ctx context.Context, limit int) ([]OwedStep, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT order_id, step FROM saga_retries ORDER BY order_id, step DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("owed saga steps: %w", err)
	}
	defer rows.Close()
	var out []OwedStep
	for rows.Next() {
		var x OwedStep
		if err := rows.Scan(&x.OrderID, &x.Step); err != nil {
			return nil, fmt.Errorf("owed saga steps: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
