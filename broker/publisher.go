package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/shop"
)

// PublishTimeout bounds one publication of an order.placed event.
const PublishTimeout = 2 * time.Second

// OrderPublisher announces paid orders on SubjectOrderPlaced, with the
// order ID as message ID, so that the stream drops a re-publication within
// its duplicate window. It is the dispatcher (shop/local.Dispatcher) of a
// shop whose confirmations are sent by someone else: a function, say.
type OrderPublisher struct {
	JS  jetstream.JetStream
	Log *slog.Logger
}

// Queued publishes order.placed for a paid order. A failure is logged, not
// returned: the confirmation stays queued in the shop's database, and
// Republish sends it again.
func (p OrderPublisher) Queued(ctx context.Context, o shop.Order) {
	if err := p.Publish(ctx, orderPlaced(o)); err != nil && p.Log != nil {
		p.Log.Warn("publish order.placed; it will be re-published", "order", o.ID, "err", err)
	}
}

// Publish publishes one order.placed event and waits for the stream's
// acknowledgement.
func (p OrderPublisher) Publish(ctx context.Context, ev OrderPlaced) error {
	if p.JS == nil {
		return errors.New("publish order.placed: no broker connection")
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()
	if _, err := p.JS.Publish(ctx, SubjectOrderPlaced, data, jetstream.WithMsgID(ev.OrderID+"/"+SubjectOrderPlaced)); err != nil {
		return fmt.Errorf("publish order.placed for %s: %w", ev.OrderID, err)
	}
	return nil
}

// orderPlaced is the order.placed event of a paid order: the one event
// both the first publication (Queued) and Republish send, so a consumer
// gets the same event whichever one reaches it.
func orderPlaced(o shop.Order) OrderPlaced {
	return OrderPlaced{OrderID: o.ID, CartID: o.CartID, TotalCents: o.TotalCents}
}

// PendingConfirmations lists the paid orders whose confirmation is queued
// but not delivered yet (*local.Shop has it).
type PendingConfirmations interface {
	// PendingConfirmations returns up to limit such orders, whole: at
	// least their ID, cart ID and total, from which order.placed is made.
	PendingConfirmations(ctx context.Context, limit int) ([]shop.Order, error)
}

// Republish publishes order.placed again for every confirmation still
// pending, in case a publication was lost or its consumer gave up on it:
// the same event, with the same message ID, as the first publication, so
// the stream drops those it stored within DuplicateWindow and delivers the
// older ones again.
func (p OrderPublisher) Republish(ctx context.Context, src PendingConfirmations) error {
	orders, err := src.PendingConfirmations(ctx, 1000)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range orders {
		errs = append(errs, p.Publish(ctx, orderPlaced(o)))
	}
	return errors.Join(errs...)
}
