// Package notifications is the microservices variant's notification
// service: it consumes order.placed events from the broker with a durable
// consumer and records each order's confirmation once (delivery is at least
// once, so recording is idempotent), and serves GET /notifications.
package notifications

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Consumer is the durable consumer's name on the shop's stream.
const Consumer = "notifications"

// Service records and serves confirmations.
type Service struct {
	db     *sqlstore.DB
	store  *sqlstore.Notifications
	orders remote.Caller
	log    *slog.Logger
}

// New returns the service over db (migrated with sqlstore.NotificationsSchema).
// orders is asked only to tell an unknown order from one whose confirmation
// is still on its way.
// A nil log discards.
func New(db *sqlstore.DB, orders remote.Caller, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, store: sqlstore.NewNotifications(db), orders: orders, log: log}
}

// Consume receives order.placed events from js until the returned stop is
// called.
func (s *Service) Consume(ctx context.Context, js jetstream.JetStream) (stop func(), err error) {
	stream, err := broker.EnsureStream(ctx, js)
	if err != nil {
		return nil, err
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       Consumer,
		FilterSubject: broker.SubjectOrderPlaced,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       10 * time.Second,
		MaxDeliver:    -1,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", Consumer, err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		if err := s.handle(msg.Data()); err != nil {
			s.log.Warn("handle order.placed; will be redelivered", "err", err)
			_ = msg.NakWithDelay(200 * time.Millisecond)
			return
		}
		_ = msg.Ack()
	})
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", broker.SubjectOrderPlaced, err)
	}
	return cc.Stop, nil
}

// handle records one order's confirmation as sent. Recording twice is a no-op.
func (s *Service) handle(data []byte) error {
	var ev broker.OrderPlaced
	if err := json.Unmarshal(data, &ev); err != nil || ev.OrderID == "" {
		s.log.Error("drop malformed order.placed event", "data", string(data), "err", err)
		return nil // redelivering cannot fix it
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.db.InTx(ctx, func(tx *sql.Tx) error { return s.store.Enqueue(ctx, tx, ev.OrderID, "email") }); err != nil {
		return err
	}
	return s.store.MarkSent(ctx, ev.OrderID, time.Now())
}

// Notifications returns an order's confirmations. An order with none yet
// is either unknown (not found, as the orders service says) or on its way
// (an empty list).
func (s *Service) Notifications(ctx context.Context, orderID string) ([]shop.Notification, error) {
	ns, err := s.store.List(ctx, orderID)
	if err != nil || len(ns) > 0 {
		return ns, err
	}
	if err := s.orders.Call(ctx, http.MethodGet, "/orders/"+url.PathEscape(orderID), nil, nil); err != nil {
		return nil, err
	}
	return ns, nil
}

// Handler serves GET /notifications?order_id=, /healthz, the
// confirmations for the data audit at audit.FactsPath and its database's
// writer counts at sqlstore.WriterPath.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	httpapi.RegisterNotifications(mux, s, log)
	mux.Handle("GET "+audit.FactsPath, audit.Handler(nil, nil, audit.WithNotifications(s.store), audit.WithLogger(log)))
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.db))
	return httpapi.Harden(mux, log)
}
