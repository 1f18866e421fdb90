package local

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Notifier delivers order confirmations from the outbox, asynchronously to
// the checkout that queued them. Delivery here is recording the send time:
// what a benchmark needs is the work and its decoupling, not an email.
type Notifier struct {
	store  *sqlstore.Notifications
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// sweepInterval bounds how long a queued confirmation waits if a wake-up is
// missed (for example after a restart).
const sweepInterval = 500 * time.Millisecond

// StartNotifier starts a dispatcher over store. Stop ends it.
func StartNotifier(store *sqlstore.Notifications, log *slog.Logger) *Notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{store: store, log: log, wake: make(chan struct{}, 1), cancel: cancel}
	n.done.Add(1)
	go n.run(ctx)
	return n
}

// Wake tells the dispatcher there is work, without waiting for it.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Stop ends the dispatcher and waits for it.
func (n *Notifier) Stop() {
	n.cancel()
	n.done.Wait()
}

func (n *Notifier) run(ctx context.Context) {
	defer n.done.Done()
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-t.C:
		}
		if err := n.deliver(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("deliver notifications", "err", err)
		}
	}
}

func (n *Notifier) deliver(ctx context.Context) error {
	for {
		ids, err := n.store.Pending(ctx, 100)
		if err != nil || len(ids) == 0 {
			return err
		}
		for _, id := range ids {
			if err := n.store.MarkSent(ctx, id, time.Now()); err != nil {
				return err
			}
		}
	}
}

// Queued wakes the dispatcher: it implements Dispatcher.
func (n *Notifier) Queued(context.Context, shop.Order) { n.Wake() }
