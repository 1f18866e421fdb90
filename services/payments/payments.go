// Package payments is the microservices variant's payment service: the one
// place that talks to the external payment provider. It charges an order
// under the order's ID as the provider's idempotency key (so a retried
// charge never charges twice), voids a charge whose outcome the saga never
// learned, and keeps one row per order with the last known outcome.
package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Routes of the service (docs/SERVICES.md).
const (
	RouteCharge = "POST /charges"
	RouteVoid   = "POST /charges/{order_id}/void"
)

// Schema creates the payments table: one row per order, with the last
// outcome the provider told (or "unknown" while a charge has no answer).
const Schema = `CREATE TABLE IF NOT EXISTS payments (
	order_id     TEXT PRIMARY KEY,
	amount_cents INTEGER NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('unknown', 'charged', 'declined', 'voided')),
	payment_id   TEXT NOT NULL DEFAULT '',
	updated_ns   INTEGER NOT NULL
);`

// ChargeRequest is the body of POST /charges.
type ChargeRequest struct {
	OrderID     string `json:"order_id"`
	AmountCents int64  `json:"amount_cents"`
	CardToken   string `json:"card_token"`
}

// ChargeResponse is the answer to a successful charge.
type ChargeResponse struct {
	PaymentID string `json:"payment_id"`
}

// Provider is the external payment provider; *payment.Client is one.
type Provider interface {
	Charge(ctx context.Context, key, cardToken string, amountCents int64) (string, error)
	Void(ctx context.Context, key string) error
}

// Service charges and voids.
type Service struct {
	db  *sqlstore.DB
	psp Provider
	now func() time.Time
}

// Open opens (creating if needed) the payments database in dataDir. Close
// closes it.
func Open(ctx context.Context, dataDir string, psp Provider) (*Service, error) {
	db, err := sqlstore.Open(ctx, filepath.Join(dataDir, "payments.db"), sqlstore.WithSchemas(Schema))
	if err != nil {
		return nil, fmt.Errorf("open payments: %w", err)
	}
	return &Service{db: db, psp: psp, now: time.Now}, nil
}

// Close closes the database.
func (s *Service) Close() error { return s.db.Close() }

// Charge charges the order's amount. It returns the provider's payment ID,
// or an error of kind shop.ErrPaymentDeclined or shop.ErrPaymentUnavailable
// (no answer: the outcome is unknown until the order is voided). Charging an
// order again asks the provider again under the same key, which answers
// with the first outcome.
func (s *Service) Charge(ctx context.Context, req ChargeRequest) (string, error) {
	if err := req.validate(); err != nil {
		return "", err
	}
	var amount int64
	var status string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO payments (order_id, amount_cents, status, updated_ns) VALUES (?, ?, 'unknown', ?)
		ON CONFLICT (order_id) DO UPDATE SET updated_ns = excluded.updated_ns RETURNING amount_cents, status`,
			req.OrderID, req.AmountCents, s.now().UnixNano()).Scan(&amount, &status)
	})
	if err != nil {
		return "", fmt.Errorf("record charge of %s: %w", req.OrderID, err)
	}
	if status == "voided" { // the provider would refuse it too
		return "", fmt.Errorf("order %s was voided: %w", req.OrderID, shop.ErrPaymentDeclined)
	}
	if amount != req.AmountCents {
		return "", fmt.Errorf("order %s was charged %d cents before, not %d: %w", req.OrderID, amount, req.AmountCents, shop.ErrConflict)
	}
	id, chargeErr := s.psp.Charge(ctx, req.OrderID, req.CardToken, req.AmountCents)
	status = "charged"
	switch {
	case chargeErr == nil:
	case errors.Is(chargeErr, shop.ErrPaymentDeclined):
		status = "declined"
	case !errors.Is(chargeErr, shop.ErrPaymentUnavailable):
		// Any other failure is no answer too (the outcome is unknown), not
		// a bug here: without the kind it would be answered 500.
		return "", fmt.Errorf("%w: %w", chargeErr, shop.ErrPaymentUnavailable)
	default:
		return "", chargeErr // still unknown
	}
	if err := s.record(context.WithoutCancel(ctx), req.OrderID, status, id); err != nil {
		return "", err
	}
	return id, chargeErr
}

// Void settles the order as not charged at the provider, refunding a charge
// that went through. Voiding an order never charged is a no-op.
func (s *Service) Void(ctx context.Context, orderID string) error {
	if err := validOrderID(orderID); err != nil {
		return err
	}
	if err := s.psp.Void(ctx, orderID); err != nil {
		return fmt.Errorf("%w: %w", err, api.ErrUnavailable)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO payments (order_id, amount_cents, status, updated_ns) VALUES (?, 0, 'voided', ?)
		ON CONFLICT (order_id) DO UPDATE SET status = 'voided', updated_ns = excluded.updated_ns`, orderID, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("record void of %s: %w", orderID, err)
	}
	return nil
}

// Outcomes counts the orders by last known status, for operators.
func (s *Service) Outcomes(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT status, COUNT(*) FROM payments GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count payments: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count payments: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

func (s *Service) record(ctx context.Context, orderID, status, paymentID string) error {
	_, err := s.db.Exec(ctx, `UPDATE payments SET status = ?, payment_id = ?, updated_ns = ? WHERE order_id = ? AND status != 'voided'`,
		status, paymentID, s.now().UnixNano(), orderID)
	if err != nil {
		return fmt.Errorf("record outcome of %s: %w", orderID, err)
	}
	return nil
}

func (r ChargeRequest) validate() error {
	if err := validOrderID(r.OrderID); err != nil {
		return err
	}
	if r.AmountCents < 1 {
		return fmt.Errorf("amount_cents must be positive, but is %d: %w", r.AmountCents, shop.ErrInvalid)
	}
	if r.CardToken == "" {
		return fmt.Errorf("card_token is required: %w", shop.ErrInvalid)
	}
	return nil
}

func validOrderID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("order_id must be 1 to 64 bytes: %w", shop.ErrInvalid)
	}
	return nil
}

// Handler serves the payment routes, payment outcome counts at
// GET /internal/payments, its database's writer counts at
// sqlstore.WriterPath, and /healthz.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	mux.HandleFunc(RouteCharge, func(w http.ResponseWriter, r *http.Request) {
		var req ChargeRequest
		if err := api.Decode(w, r, &req); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		id, err := s.Charge(r.Context(), req)
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusCreated, ChargeResponse{PaymentID: id})
	})
	mux.HandleFunc(RouteVoid, func(w http.ResponseWriter, r *http.Request) {
		if err := s.Void(r.Context(), r.PathValue("order_id")); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, struct{}{})
	})
	mux.HandleFunc("GET /internal/payments", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.Outcomes(r.Context())
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, map[string]any{"outcomes": out})
	})
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.db))
	return httpapi.Harden(mux, log)
}
