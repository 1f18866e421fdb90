package broker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/shop/sqlstore"
)

// Relay publishes an outbox's events to JetStream, oldest first, each with
// its outbox message ID so the stream drops a duplicate when a publish is
// retried after a lost acknowledgement. It runs until Stop.
type Relay struct {
	js     jetstream.JetStream
	outbox *sqlstore.Outbox
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// relaySweep bounds how long an event waits when a wake-up was missed or a
// publish failed.
const relaySweep = 250 * time.Millisecond

// StartRelay starts relaying outbox to js. It logs the publishes that fail
// (and are retried) to log, or nowhere if log is nil.
func StartRelay(js jetstream.JetStream, outbox *sqlstore.Outbox, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Relay{js: js, outbox: outbox, log: log, wake: make(chan struct{}, 1), cancel: cancel}
	r.done.Add(1)
	go r.run(ctx)
	return r
}

// Wake tells the relay there are new events, without waiting.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Stop ends the relay and waits for it.
func (r *Relay) Stop() {
	r.cancel()
	r.done.Wait()
}

func (r *Relay) run(ctx context.Context) {
	defer r.done.Done()
	t := time.NewTicker(relaySweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-t.C:
		}
		if err := r.flush(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("relay outbox", "err", err)
		}
	}
}

func (r *Relay) flush(ctx context.Context) error {
	for {
		msgs, err := r.outbox.Pending(ctx, 100)
		if err != nil || len(msgs) == 0 {
			return err
		}
		sent := make([]int64, 0, len(msgs))
		var pubErr error
		for _, m := range msgs {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, pubErr = r.js.Publish(pctx, m.Subject, m.Payload, jetstream.WithMsgID(m.MsgID))
			cancel()
			if pubErr != nil {
				break
			}
			sent = append(sent, m.Seq)
		}
		if err := r.outbox.MarkSent(ctx, sent...); err != nil {
			return err
		}
		if pubErr != nil {
			return pubErr
		}
	}
}
