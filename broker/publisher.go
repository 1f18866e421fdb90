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
	if err := p.Publish(ctx, OrderPlaced{OrderID: o.ID, CartID: o.CartID, TotalCents: o.TotalCents}); err != nil && p.Log != nil {
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

// PendingConfirmations lists orders whose confirmation is queued but not
// delivered yet (*local.Shop has it).
type PendingConfirmations interface {
	PendingConfirmations(ctx context.Context, limit int) ([]string, error)
}

// Republish publishes order.placed again for every confirmation still
// pending, in case a publication was lost; the stream drops those it has.
func (p OrderPublisher) Republish(ctx context.Context, src PendingConfirmations) error {
	ids, err := src.PendingConfirmations(ctx, 1000)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, p.Publish(ctx, OrderPlaced{OrderID: id}))
	}
	return errors.Join(errs...)
}
