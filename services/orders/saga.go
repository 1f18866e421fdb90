// Package orders is the microservices variant's order service: it owns the
// orders, runs checkout as a saga across the cart, inventory and payments
// services, and announces paid orders on the broker through a transactional
// outbox. docs/SERVICES.md describes the saga step by step.
package orders

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Peers are the services the saga calls.
type Peers struct {
	Cart, Inventory, Payments remote.Caller
}

// Waker is told when the outbox has new events (a *broker.Relay).
type Waker interface{ Wake() }

// Service runs checkouts and serves orders.
type Service struct {
	db      *sqlstore.DB
	orders  *sqlstore.Orders
	outbox  *sqlstore.Outbox
	retries *sqlstore.SagaRetries
	peers   Peers
	relay   Waker
	log     *slog.Logger
	// staleAfter is StaleAfter, shorter in tests.
	staleAfter time.Duration
	// writeWait is WriteWait, shorter in tests.
	writeWait time.Duration

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// Schemas are the tables the service owns.
var Schemas = []string{sqlstore.OrdersSchema, sqlstore.OutboxSchema, sqlstore.SagaRetriesSchema}

// CallTimeout bounds one call to a peer. A charge can take as long as the
// payment provider's tail, so it is generous; the gateway's own checkout
// timeout must be longer than the saga's worst case.
const CallTimeout = 4 * time.Second

// retryEvery is how often owed saga steps are retried.
const retryEvery = 500 * time.Millisecond

// WriteWait bounds each of the saga's local write transactions, the wait
// for the database's single writer included. A saga that cannot write its
// order answers 503 unavailable; one that cannot record a charge's outcome
// leaves its order pending for stale recovery and answers 503
// payment_unavailable.
const WriteWait = 2 * time.Second

// StaleAfter is how long a saga may leave its order pending while the
// service lives: reserve and charge, each bounded by CallTimeout, and the
// settling transaction, bounded by WriteWait, with time to spare. An order
// pending for longer lost its saga (the service died mid-way, or could not
// write its outcome) and is failed, voided and released by the retrier.
const StaleAfter = 4 * CallTimeout

// New returns the service over db (migrated with Schemas) and starts the
// retrier of owed saga steps. Close stops it. A nil log discards.
func New(db *sqlstore.DB, peers Peers, relay Waker, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		db: db, orders: sqlstore.NewOrders(db), outbox: sqlstore.NewOutbox(db), retries: sqlstore.NewSagaRetries(db),
		peers: peers, relay: relay, log: log, cancel: cancel, staleAfter: StaleAfter, writeWait: WriteWait,
	}
	s.done.Add(1)
	go s.retryOwed(ctx)
	return s
}

// Close stops the retrier.
func (s *Service) Close() {
	s.cancel()
	s.done.Wait()
}

// Orders is the order store, for the data audit.
func (s *Service) Orders() *sqlstore.Orders { return s.orders }

type reservation struct {
	OrderID string      `json:"order_id"`
	Items   []shop.Item `json:"items"`
}

// placedOrder is the body of the cart's POST /carts/{id}/orders.
type placedOrder struct {
	OrderID string      `json:"order_id"`
	Items   []shop.Item `json:"items"`
}

type chargeRequest struct {
	OrderID     string `json:"order_id"`
	AmountCents int64  `json:"amount_cents"`
	CardToken   string `json:"card_token"`
}

type chargeResponse struct {
	PaymentID string `json:"payment_id"`
}

// Checkout places and pays for an order as a saga; see docs/SERVICES.md.
//
// The order is written pending, with its creation time, before any peer is
// asked to change anything: whatever the saga did remotely is then named by
// a local row, so that if the process dies at any later point the retrier's
// stale recovery fails the order, voids its charge and releases its stock.
// A saga that ends without an order (out of stock, no answer from
// inventory) discards the row again, freeing its idempotency key.
func (s *Service) Checkout(ctx context.Context, cartID, idempotencyKey, cardToken string) (shop.Order, error) {
	if idempotencyKey != "" {
		if o, err := s.orders.ByIdempotencyKey(ctx, s.db.R, idempotencyKey); err == nil {
			return replay(o, cartID)
		} else if !errors.Is(err, shop.ErrNotFound) {
			return shop.Order{}, err
		}
	}
	var cart shop.Cart
	if err := s.peers.Cart.Call(ctx, http.MethodGet, "/carts/"+url.PathEscape(cartID), nil, &cart); err != nil {
		return shop.Order{}, err
	}
	order, err := shop.NewOrder("o_"+rand.Text(), cart)
	if err != nil {
		return shop.Order{}, err
	}
	// From here on the saga runs to a decision even if the client leaves.
	ctx = context.WithoutCancel(ctx)

	// The key is looked up again in the transaction that writes the order:
	// write transactions are serialized, so a concurrent checkout with the
	// same key has either written its order (answered as in the lookup
	// above) or not (or taken it back again), and then the key is free.
	var existing *shop.Order
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if idempotencyKey != "" {
			o, err := s.orders.ByIdempotencyKey(ctx, tx, idempotencyKey)
			if err == nil {
				existing = &o
				return nil
			}
			if !errors.Is(err, shop.ErrNotFound) {
				return err
			}
		}
		return s.orders.Create(ctx, tx, order, idempotencyKey)
	})
	if err != nil {
		return shop.Order{}, fmt.Errorf("checkout cart %s: %w", cartID, err)
	}
	if existing != nil {
		return replay(*existing, cartID)
	}

	if err := s.peers.Inventory.Call(ctx, http.MethodPost, "/reservations", reservation{OrderID: order.ID, Items: order.Items}, nil); err != nil {
		// Out of stock holds nothing; no answer may hold the stock all the
		// same, so its release is owed with the discard.
		release := !errors.Is(err, shop.ErrOutOfStock)
		if derr := s.discard(ctx, order.ID, release); derr != nil {
			// The order stays pending, and stale recovery settles it.
			s.log.Error("discard order without stock", "order", order.ID, "err", derr)
		}
		if release {
			s.runOwed(ctx, order.ID, sqlstore.StepRelease)
		}
		return shop.Order{}, err
	}

	var charged chargeResponse
	chargeErr := s.peers.Payments.Call(ctx, http.MethodPost, "/charges",
		chargeRequest{OrderID: order.ID, AmountCents: order.TotalCents, CardToken: cardToken}, &charged)
	switch {
	case chargeErr == nil:
		err = s.settlePaid(ctx, &order, charged.PaymentID)
	case errors.Is(chargeErr, shop.ErrPaymentDeclined):
		err = s.settleFailed(ctx, &order, api.CodePaymentDeclined, false)
	default: // no answer: the charge may have gone through, so void it
		err = s.settleFailed(ctx, &order, api.CodePaymentUnavailable, true)
	}
	if err != nil {
		// The order stays pending (or a stale recovery has just settled
		// it), and stale recovery fails it, voids its charge and releases
		// its stock: the outcome of a charge whose answer was lost.
		s.log.Warn("settle order; stale recovery will", "order", order.ID, "err", err)
		return shop.Order{}, &api.OrderError{OrderID: order.ID,
			Err: fmt.Errorf("checkout: record the outcome: %v: %w", err, shop.ErrPaymentUnavailable)}
	}
	return outcome(order)
}

// settlePaid marks the order paid and queues its order.placed event in one
// local transaction, then takes the order's items out of the cart.
func (s *Service) settlePaid(ctx context.Context, order *shop.Order, paymentID string) error {
	payload, err := json.Marshal(broker.OrderPlaced{OrderID: order.ID, CartID: order.CartID, TotalCents: order.TotalCents})
	if err != nil {
		return err
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.orders.Settle(ctx, tx, order.ID, shop.OrderPaid, paymentID, ""); err != nil {
			return err
		}
		if err := s.outbox.Add(ctx, tx, order.ID+"/"+broker.SubjectOrderPlaced, broker.SubjectOrderPlaced, payload); err != nil {
			return err
		}
		return s.retries.Owe(ctx, tx, order.ID, sqlstore.StepClearCart)
	})
	if err != nil {
		return err
	}
	order.Status, order.PaymentID = shop.OrderPaid, paymentID
	s.relay.Wake()
	s.runOwed(ctx, order.ID, sqlstore.StepClearCart)
	return nil
}

// settleFailed marks the order failed and owes the release of its stock
// (and a void, when the charge's outcome is unknown) in one local
// transaction, then runs what it owes.
func (s *Service) settleFailed(ctx context.Context, order *shop.Order, reason string, void bool) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.orders.Settle(ctx, tx, order.ID, shop.OrderPaymentFailed, "", reason); err != nil {
			return err
		}
		if void {
			if err := s.retries.Owe(ctx, tx, order.ID, sqlstore.StepVoid); err != nil {
				return err
			}
		}
		return s.retries.Owe(ctx, tx, order.ID, sqlstore.StepRelease)
	})
	if err != nil {
		return err
	}
	order.Status, order.FailureReason = shop.OrderPaymentFailed, reason
	if void {
		s.runOwed(ctx, order.ID, sqlstore.StepVoid)
	}
	s.runOwed(ctx, order.ID, sqlstore.StepRelease)
	return nil
}

// write runs fn in a local write transaction, waiting for the database's
// single writer for at most s.writeWait, transaction included. The saga's
// context outlives the client, so without this bound a checkout would hang
// for as long as the writer is held; past it, the error matches
// api.ErrUnavailable and nothing is written.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.writeWait)
	defer cancel()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) })
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("order database: no write within %s: %w: %w", s.writeWait, err, api.ErrUnavailable)
	}
	return err
}

// discard deletes the pending order of a saga that ended without one, in
// one local transaction with the release of its stock when that is owed.
// An order a stale recovery has settled meanwhile is left as it is.
func (s *Service) discard(ctx context.Context, orderID string, release bool) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := s.orders.DiscardPending(ctx, tx, orderID); err != nil {
			return err
		}
		if !release {
			return nil
		}
		return s.retries.Owe(ctx, tx, orderID, sqlstore.StepRelease)
	})
}

// replay is checkout's answer for the order already made under the
// request's idempotency key: a conflict if it was made for another cart,
// its outcome otherwise.
func replay(o shop.Order, cartID string) (shop.Order, error) {
	if o.CartID != cartID {
		return shop.Order{}, fmt.Errorf("idempotency key reused for another cart: %w", shop.ErrConflict)
	}
	return outcome(o)
}

// outcome is checkout's answer for an order: the order, an error that names
// it, or, while another checkout with the same key is still running, a
// conflict to retry.
func outcome(o shop.Order) (shop.Order, error) {
	if o.Status == shop.OrderPending {
		return shop.Order{}, &api.OrderError{OrderID: o.ID, Err: fmt.Errorf("a checkout with this idempotency key is still in progress; retry: %w", shop.ErrConflict)}
	}
	if o.Status != shop.OrderPaymentFailed {
		return o, nil
	}
	kind := shop.ErrPaymentDeclined
	if o.FailureReason == api.CodePaymentUnavailable {
		kind = shop.ErrPaymentUnavailable
	}
	return shop.Order{}, &api.OrderError{OrderID: o.ID, Err: fmt.Errorf("checkout: %w", kind)}
}

// runOwed tries an owed step once; on success it is no longer owed, and on
// failure the retrier tries again later.
func (s *Service) runOwed(ctx context.Context, orderID, step string) {
	var err error
	switch step {
	case sqlstore.StepRelease:
		err = s.peers.Inventory.Call(ctx, http.MethodDelete, "/reservations/"+url.PathEscape(orderID), nil, nil)
	case sqlstore.StepVoid:
		err = s.peers.Payments.Call(ctx, http.MethodPost, "/charges/"+url.PathEscape(orderID)+"/void", nil, nil)
	case sqlstore.StepClearCart:
		// Only the order's items go: whatever was added to the cart while
		// the saga ran stays. The cart does it once per order, so a retry
		// never takes out items added since.
		var o shop.Order
		if o, err = s.orders.Get(ctx, nil, orderID); err == nil {
			err = s.peers.Cart.Call(ctx, http.MethodPost, "/carts/"+url.PathEscape(o.CartID)+"/orders",
				placedOrder{OrderID: o.ID, Items: o.Items}, nil)
			if errors.Is(err, shop.ErrNotFound) {
				err = nil // no cart left to empty
			}
		}
	default:
		err = fmt.Errorf("unknown saga step %q", step)
	}
	if err != nil {
		s.log.Warn("saga step failed; will retry", "order", orderID, "step", step, "err", err)
		return
	}
	// Bounded like the saga's transactions: a step still listed is run
	// again, and every step is idempotent.
	ctx, cancel := context.WithTimeout(ctx, s.writeWait)
	defer cancel()
	if err := s.retries.Done(ctx, orderID, step); err != nil {
		s.log.Error("record saga step done", "order", orderID, "step", step, "err", err)
	}
}

func (s *Service) retryOwed(ctx context.Context) {
	defer s.done.Done()
	t := time.NewTicker(retryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		owed, err := s.retries.Owed(ctx, 100)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("list owed saga steps", "err", err)
			}
			continue
		}
		for _, o := range owed {
			if ctx.Err() != nil {
				return
			}
			s.runOwed(ctx, o.OrderID, o.Step)
		}
		s.recoverStale(ctx)
	}
}

// recoverStale fails the orders whose saga was lost, owing the void of
// their charge and the release of their stock like any failed payment.
func (s *Service) recoverStale(ctx context.Context) {
	stale, err := s.orders.StalePending(ctx, time.Now().Add(-s.staleAfter), 100)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("list stale orders", "err", err)
		}
		return
	}
	for _, o := range stale {
		if err := s.settleFailed(ctx, &o, api.CodePaymentUnavailable, true); err != nil && ctx.Err() == nil {
			s.log.Warn("recover a stale order", "order", o.ID, "err", err)
		}
	}
}

// Owed counts the saga steps still owed, for the data audit.
func (s *Service) Owed(ctx context.Context) (int, error) {
	owed, err := s.retries.Owed(ctx, 1_000_000)
	return len(owed), err
}
