// Package local is the whole shop in one process over one database: every
// capability is a local call, and checkout reserves stock and creates the
// order in one local transaction, and settles it (paid, with the ordered
// items taken out of the cart; or failed, with the stock released) in
// another. The monolith variant serves
// it as it is; the hybrid variant uses it as its core.
package local

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Payer charges for orders. *payment.Client implements it.
type Payer interface {
	Charge(ctx context.Context, key, cardToken string, amountCents int64) (string, error)
	Void(ctx context.Context, key string) error
}

// Shop is the in-process shop. It implements httpapi.Shop.
type Shop struct {
	db            *sqlstore.DB
	catalog       *sqlstore.Catalog
	inventory     *sqlstore.Inventory
	carts         *sqlstore.Carts
	orders        *sqlstore.Orders
	notifications *sqlstore.Notifications
	retries       *sqlstore.SagaRetries // compensations owed to the provider
	payer         Payer
	dispatcher    Dispatcher
	notifier      *Notifier // the default dispatcher, when no other is given
	log           *slog.Logger

	staleAfter    time.Duration
	stopRecoverer context.CancelFunc // nil when no recoverer runs
	recovering    sync.WaitGroup
}

// Dispatcher is told, once checkout has committed, that a paid order's
// confirmation is queued (a pending row in the notifications table, the
// shop's outbox). It must not block for long: the checkout's client waits.
// The default is an in-process Notifier; the serverless variant publishes
// an event for a function instead.
type Dispatcher interface {
	Queued(ctx context.Context, order shop.Order)
}

// Option configures a Shop.
type Option func(*config)

type config struct {
	catalog    shop.CatalogSpec
	log        *slog.Logger
	dbOpts     []sqlstore.Option
	dispatcher Dispatcher
	attach     bool
	staleAfter time.Duration
}

// WithCatalog sets the catalog to seed (default shop.DefaultCatalog).
func WithCatalog(spec shop.CatalogSpec) Option { return func(c *config) { c.catalog = spec } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithDispatcher hands queued confirmations to d instead of starting the
// in-process Notifier: the shop then runs no goroutine of its own.
func WithDispatcher(d Dispatcher) Option { return func(c *config) { c.dispatcher = d } }

// Attached opens a database that another process has already created and
// seeded, as it is: no migration and no seeding, so opening is cheap (a
// serverless instance's cold start).
func Attached() Option { return func(c *config) { c.attach = true } }

// WithDBOptions passes options to the database.
func WithDBOptions(opts ...sqlstore.Option) Option {
	return func(c *config) { c.dbOpts = append(c.dbOpts, opts...) }
}

// Open opens (creating and seeding if needed, unless Attached) the shop's
// database in dataDir and starts its notification dispatcher (unless
// WithDispatcher gives another). Close stops both.
func Open(ctx context.Context, dataDir string, payer Payer, opts ...Option) (*Shop, error) {
	cfg := config{catalog: shop.DefaultCatalog, log: slog.New(slog.DiscardHandler), staleAfter: DefaultStaleAfter}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.catalog.Validate(); err != nil {
		return nil, fmt.Errorf("open shop: %w", err)
	}
	db, err := sqlstore.Open(ctx, filepath.Join(dataDir, "shop.db"), cfg.dbOpts...)
	if err != nil {
		return nil, fmt.Errorf("open shop: %w", err)
	}
	s := &Shop{
		db: db, payer: payer, log: cfg.log, staleAfter: cfg.staleAfter,
		catalog: sqlstore.NewCatalog(db), inventory: sqlstore.NewInventory(db), carts: sqlstore.NewCarts(db),
		orders: sqlstore.NewOrders(db), notifications: sqlstore.NewNotifications(db),
		retries: sqlstore.NewSagaRetries(db),
	}
	if !cfg.attach {
		if err := s.setUp(ctx, cfg.catalog); err != nil {
			db.Close()
			return nil, fmt.Errorf("open shop: %w", err)
		}
	}
	s.dispatcher = cfg.dispatcher
	if s.dispatcher == nil {
		s.notifier = StartNotifier(s.notifications, cfg.log)
		s.dispatcher = s.notifier
	}
	if !cfg.attach {
		s.startRecoverer()
	}
	return s, nil
}

// recoverEvery is how often a long-running shop looks for stale checkouts
// and retries the voids it owes.
const recoverEvery = time.Second

// startRecoverer runs RecoverStale in the background until Close. A shop
// opened Attached (a function instance) runs nothing in the background:
// a scheduled function calls RecoverStale instead.
func (s *Shop) startRecoverer() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRecoverer = cancel
	s.recovering.Add(1)
	go func() {
		defer s.recovering.Done()
		t := time.NewTicker(min(recoverEvery, s.staleAfter))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.RecoverStale(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("recover stale checkouts", "err", err)
			}
		}
	}()
}

func (s *Shop) setUp(ctx context.Context, catalog shop.CatalogSpec) error {
	if err := s.db.Migrate(ctx, sqlstore.CatalogSchema, sqlstore.InventorySchema, sqlstore.CartsSchema,
		sqlstore.OrdersSchema, sqlstore.NotificationsSchema, sqlstore.SagaRetriesSchema); err != nil {
		return err
	}
	products := catalog.Products()
	return errors.Join(s.catalog.Seed(ctx, products), s.inventory.Seed(ctx, products))
}

// Close stops the notification dispatcher, if it is the shop's own, and
// closes the database.
func (s *Shop) Close() error {
	if s.stopRecoverer != nil {
		s.stopRecoverer()
		s.recovering.Wait()
	}
	if s.notifier != nil {
		s.notifier.Stop()
	}
	return s.db.Close()
}

// ListProducts returns a page of the catalog with stock levels.
func (s *Shop) ListProducts(ctx context.Context, offset, limit int64) (api.ProductPage, error) {
	ps, total, err := s.catalog.List(ctx, offset, limit)
	if err != nil {
		return api.ProductPage{}, err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	stock, err := s.inventory.AvailableMany(ctx, ids)
	if err != nil {
		return api.ProductPage{}, err
	}
	for i := range ps {
		ps[i].Stock = stock[ps[i].ID]
	}
	return api.ProductPage{Products: ps, Total: total, Offset: offset, Limit: limit}, nil
}

// GetProduct returns a product with its stock level.
func (s *Shop) GetProduct(ctx context.Context, id int64) (shop.Product, error) {
	p, err := s.catalog.Get(ctx, id)
	if err != nil {
		return shop.Product{}, err
	}
	p.Stock, err = s.inventory.Available(ctx, id)
	return p, err
}

// CreateCart makes an empty cart.
func (s *Shop) CreateCart(ctx context.Context) (shop.Cart, error) {
	return s.carts.Create(ctx, "c_"+rand.Text())
}

// GetCart returns a cart.
func (s *Shop) GetCart(ctx context.Context, id string) (shop.Cart, error) {
	return s.carts.Get(ctx, nil, id)
}

// AddItem adds a product at its current price.
func (s *Shop) AddItem(ctx context.Context, cartID string, productID, quantity int64) (shop.Cart, error) {
	p, err := s.catalog.Get(ctx, productID)
	if err != nil {
		return shop.Cart{}, err
	}
	return s.carts.AddItem(ctx, cartID, productID, quantity, p.PriceCents)
}

// RemoveItem removes a product's line.
func (s *Shop) RemoveItem(ctx context.Context, cartID string, productID int64) (shop.Cart, error) {
	return s.carts.RemoveItem(ctx, cartID, productID)
}

// GetOrder returns an order.
func (s *Shop) GetOrder(ctx context.Context, id string) (shop.Order, error) {
	return s.orders.Get(ctx, nil, id)
}

// Notifications returns an order's confirmations.
func (s *Shop) Notifications(ctx context.Context, orderID string) ([]shop.Notification, error) {
	if _, err := s.orders.Get(ctx, nil, orderID); err != nil {
		return nil, err
	}
	return s.notifications.List(ctx, orderID)
}

// Checkout places and pays for an order:
//
//  1. one local transaction reserves the stock and creates the pending
//     order (all or nothing);
//  2. the payment provider is charged under the order's ID as idempotency
//     key, outside any transaction (never hold a database lock across a
//     network call);
//  3. one more transaction settles the order: paid, with the ordered items
//     taken out of the cart (what was added meanwhile stays) and the
//     confirmation queued in the outbox; or payment_failed, with the stock
//     released and the cart as it was, for the shopper to pay another way.
//     A charge with no answer is voided first, so the outcome is never
//     unknown; a void that fails too is owed, in the same transaction, and
//     retried by RecoverStale until the provider takes it.
//
// If RecoverStale settled the order first (the checkout outlived the stale
// age), the settle finds it no longer pending: the checkout then answers
// with the stored outcome, payment_failed, and voids its own charge if it
// went through (the recoverer owes that void too; voiding is idempotent).
//
// A repeated call with the same idempotency key returns the first order.
func (s *Shop) Checkout(ctx context.Context, cartID, idempotencyKey, cardToken string) (shop.Order, error) {
	order, existing, err := s.place(ctx, cartID, idempotencyKey)
	if err != nil {
		return shop.Order{}, err
	}
	if existing {
		return s.outcome(ctx, order)
	}
	// Settle even if the client has gone: the order must reach a final state.
	ctx = context.WithoutCancel(ctx)
	paymentID, chargeErr := s.payer.Charge(ctx, order.ID, cardToken, order.TotalCents)
	oweVoid := false
	if errors.Is(chargeErr, shop.ErrPaymentUnavailable) {
		if err := s.payer.Void(ctx, order.ID); err != nil {
			// The charge may still go through: fail the order and owe
			// the void, which RecoverStale retries until the provider
			// takes it (refunding the charge, or refusing a late one).
			s.log.Warn("void an unanswered charge; owed", "order", order.ID, "err", err)
			oweVoid = true
		}
	}
	if err := s.settle(ctx, &order, paymentID, chargeErr, oweVoid); err != nil {
		if !errors.Is(err, shop.ErrConflict) {
			return shop.Order{}, err
		}
		return s.settledMeanwhile(ctx, order.ID, chargeErr == nil)
	}
	return s.outcome(ctx, order)
}

// settledMeanwhile is checkout's answer when its own settle found the order
// already settled: only RecoverStale settles another checkout's order, and
// only as payment_failed, with the void of the charge owed in the same
// transaction. A checkout whose charge went through runs that void itself
// rather than leave the refund to the next recovery round (in serverless a
// scheduled function), then answers with the stored outcome.
func (s *Shop) settledMeanwhile(ctx context.Context, orderID string, charged bool) (shop.Order, error) {
	stored, err := s.orders.Get(ctx, nil, orderID)
	if err != nil {
		return shop.Order{}, &api.OrderError{OrderID: orderID, Err: fmt.Errorf("checkout settled meanwhile: %w", err)}
	}
	if charged && stored.Status == shop.OrderPaymentFailed {
		s.runOwed(ctx, orderID, sqlstore.StepVoid)
	}
	return s.outcome(ctx, stored)
}

// place runs checkout's local transaction. With an idempotency key already
// used, it returns that order and existing = true instead. The lookup runs
// inside the write transaction, and write transactions are serialized
// (BEGIN IMMEDIATE on the single writer), so two concurrent checkouts with
// the same key cannot both place an order.
func (s *Shop) place(ctx context.Context, cartID, idempotencyKey string) (order shop.Order, existing bool, err error) {
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if idempotencyKey != "" {
			o, err := s.orders.ByIdempotencyKey(ctx, tx, idempotencyKey)
			if err == nil {
				if o.CartID != cartID {
					return fmt.Errorf("idempotency key reused for another cart: %w", shop.ErrConflict)
				}
				order, existing = o, true
				return nil
			}
			if !errors.Is(err, shop.ErrNotFound) {
				return err
			}
		}
		cart, err := s.carts.Get(ctx, tx, cartID)
		if err != nil {
			return err
		}
		if order, err = shop.NewOrder("o_"+rand.Text(), cart); err != nil {
			return err
		}
		if err := s.inventory.Reserve(ctx, tx, order.ID, order.Items); err != nil {
			return err
		}
		return s.orders.Create(ctx, tx, order, idempotencyKey)
	})
	return order, existing, err
}

// settle moves a pending order to its outcome in one transaction: paid,
// with its items taken out of the cart and the confirmation queued; or
// payment_failed, with the stock released
// and, when oweVoid is set, the void of its charge recorded as owed (run it
// with runOwed once the transaction has committed). An order no longer
// pending is left as it is, with an error matching shop.ErrConflict. order
// is updated only when the transaction commits.
func (s *Shop) settle(ctx context.Context, order *shop.Order, paymentID string, chargeErr error, oweVoid bool) error {
	settled := *order
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if chargeErr == nil {
			settled.Status, settled.PaymentID = shop.OrderPaid, paymentID
			if err := s.orders.Settle(ctx, tx, order.ID, shop.OrderPaid, paymentID, ""); err != nil {
				return err
			}
			if err := s.carts.RemoveOrderedIn(ctx, tx, order.CartID, order.ID, order.Items); err != nil {
				return err
			}
			return s.notifications.Enqueue(ctx, tx, order.ID, "email")
		}
		_, code := api.Classify(chargeErr)
		settled.Status, settled.FailureReason = shop.OrderPaymentFailed, code
		if err := s.orders.Settle(ctx, tx, order.ID, shop.OrderPaymentFailed, "", code); err != nil {
			return err
		}
		if err := s.inventory.Release(ctx, tx, order.ID); err != nil {
			return err
		}
		if oweVoid {
			return s.retries.Owe(ctx, tx, order.ID, sqlstore.StepVoid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("settle checkout %s: %w", order.ID, err)
	}
	*order = settled
	return nil
}

// outcome turns an order into checkout's answer: the order, an error that
// names it, or, while another checkout with the same key is still paying
// for it, a conflict to retry.
func (s *Shop) outcome(ctx context.Context, o shop.Order) (shop.Order, error) {
	if o.Status == shop.OrderPending {
		return shop.Order{}, &api.OrderError{OrderID: o.ID, Err: fmt.Errorf("a checkout with this idempotency key is still in progress; retry: %w", shop.ErrConflict)}
	}
	if o.Status == shop.OrderPaymentFailed {
		kind := shop.ErrPaymentDeclined
		if o.FailureReason == api.CodePaymentUnavailable {
			kind = shop.ErrPaymentUnavailable
		}
		return shop.Order{}, &api.OrderError{OrderID: o.ID, Err: fmt.Errorf("checkout: %w", kind)}
	}
	if o.Status == shop.OrderPaid {
		s.dispatcher.Queued(context.WithoutCancel(ctx), o)
	}
	return o, nil
}

// DefaultStaleAfter is how long a checkout may stay pending before
// RecoverStale settles it: longer than a checkout usually takes while its
// process lives (a charge and a void, each bounded by the payment client's
// 2 s timeout). A live checkout may still outlast it (waiting for the
// write lock of a database shared between processes); recovery is safe
// then too, since it settles before it voids.
const DefaultStaleAfter = 8 * time.Second

// WithStaleAfter sets how long a checkout may stay pending before
// RecoverStale settles it (default DefaultStaleAfter).
func WithStaleAfter(d time.Duration) Option { return func(c *config) { c.staleAfter = d } }

// RecoverStale first retries the voids owed by earlier rounds, then
// settles the checkouts left pending for longer than the stale age
// (WithStaleAfter): their process died between charging and settling, or
// the payment provider could not be reached to void an unanswered charge.
//
// Each is failed, with its stock released and the void of its charge owed,
// in one transaction that applies only while the order is still pending;
// the void (refunding a charge that went through, refusing a late one) runs
// after the commit, and one that fails stays owed for the next call. So a
// live checkout whose settle commits first keeps its paid order and its
// charge: recovery never voids an order it did not fail. It returns how
// many orders it settled.
func (s *Shop) RecoverStale(ctx context.Context) (int, error) {
	owedErr := s.retryOwed(ctx)
	stale, err := s.orders.StalePending(ctx, time.Now().Add(-s.staleAfter), 100)
	if err != nil {
		return 0, errors.Join(owedErr, fmt.Errorf("recover stale checkouts: %w", err))
	}
	n := 0
	for _, o := range stale {
		err := s.settle(ctx, &o, "", fmt.Errorf("recovered a stale checkout: %w", shop.ErrPaymentUnavailable), true)
		if errors.Is(err, shop.ErrConflict) {
			continue // its checkout settled it meanwhile; its charge stands
		}
		if err != nil {
			return n, errors.Join(owedErr, fmt.Errorf("recover stale checkouts: %w", err))
		}
		n++
		s.runOwed(ctx, o.ID, sqlstore.StepVoid)
	}
	return n, owedErr
}

// retryOwed runs once each step owed (a void whose first attempt failed).
// A step that fails again stays owed; only failing to list them is an error.
func (s *Shop) retryOwed(ctx context.Context) error {
	owed, err := s.retries.Owed(ctx, 100)
	if err != nil {
		return fmt.Errorf("retry owed voids: %w", err)
	}
	for _, o := range owed {
		if ctx.Err() != nil {
			return fmt.Errorf("retry owed voids: %w", ctx.Err())
		}
		s.runOwed(ctx, o.OrderID, o.Step)
	}
	return nil
}

// runOwed tries an owed step once: on success it is no longer owed, and on
// failure it stays owed for RecoverStale to retry. The local shop owes only
// voids; its stock is released in the transaction that fails the order.
func (s *Shop) runOwed(ctx context.Context, orderID, step string) {
	var err error
	switch step {
	case sqlstore.StepVoid:
		err = s.payer.Void(ctx, orderID)
	default:
		err = fmt.Errorf("unknown owed step %q", step)
	}
	if err != nil {
		s.log.Warn("owed step failed; will retry", "order", orderID, "step", step, "err", err)
		return
	}
	if err := s.retries.Done(ctx, orderID, step); err != nil {
		s.log.Error("record owed step done", "order", orderID, "step", step, "err", err)
	}
}

// Owed counts the steps still owed (voids not yet acknowledged by the
// payment provider), for the data audit's Facts.SagaPending: the data has
// converged once it is zero.
func (s *Shop) Owed(ctx context.Context) (int, error) {
	owed, err := s.retries.Owed(ctx, 1_000_000)
	if err != nil {
		return 0, err
	}
	return len(owed), nil
}

// DeliverConfirmation records an order's queued confirmation as sent, as
// the Notifier does for each pending one. Delivering twice is a no-op, so
// an event consumer may call it for every redelivery.
func (s *Shop) DeliverConfirmation(ctx context.Context, orderID string) error {
	return s.notifications.MarkSent(ctx, orderID, time.Now())
}

// PendingConfirmations returns up to limit paid orders, whole, whose
// confirmation is queued but not delivered yet: what a dispatcher was told
// of in Queued, for re-publishing it (broker.OrderPublisher.Republish).
func (s *Shop) PendingConfirmations(ctx context.Context, limit int) ([]shop.Order, error) {
	return s.notifications.PendingOrders(ctx, limit)
}

// Inventory is the shop's inventory store, for the data audit.
func (s *Shop) Inventory() *sqlstore.Inventory { return s.inventory }

// Orders is the shop's order store, for the data audit.
func (s *Shop) Orders() *sqlstore.Orders { return s.orders }

// NotificationStore is the confirmation store, for the data audit.
func (s *Shop) NotificationStore() *sqlstore.Notifications { return s.notifications }

// DB is the shop's database, for its writer's counts
// (sqlstore.WriterHandler).
func (s *Shop) DB() *sqlstore.DB { return s.db }
