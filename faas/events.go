package faas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// retryDelay is how long a failed or throttled event waits before it is
// tried again; it doubles with each attempt, or each throttle in a row up
// to maxThrottleDoublings.
const retryDelay = 200 * time.Millisecond

// maxThrottleDoublings caps the wait between two throttled tries of one
// event (retryDelay << 4: 3.2 s).
const maxThrottleDoublings = 4

// Subscribe starts the triggers: for each, a durable JetStream consumer on
// its subject whose messages invoke the function asynchronously. A failed
// invocation is retried after a growing delay until MaxAttempts; a
// throttled one is retried without counting as an attempt. Close stops the
// consumers.
func (p *Platform) Subscribe(ctx context.Context, js jetstream.JetStream) error {
	for _, t := range p.cfg.Triggers {
		stream, err := js.StreamNameBySubject(ctx, t.Subject)
		if err != nil {
			return fmt.Errorf("trigger %s → %s: find the stream holding the subject: %w", t.Subject, t.Function, err)
		}
		fn := p.pools[t.Function].fn
		cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
			Durable:       durableName(t),
			FilterSubject: t.Subject,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       fn.Timeout + launchTimeout,
			MaxDeliver:    -1, // the platform counts attempts itself
		})
		if err != nil {
			return fmt.Errorf("trigger %s → %s: create consumer: %w", t.Subject, t.Function, err)
		}
		cc, err := cons.Consume(func(msg jetstream.Msg) {
			// Once the platform is closed the message is left unsettled, to
			// be redelivered after a restart.
			p.goTracked(func() { p.deliver(msg, t) })
		})
		if err != nil {
			return fmt.Errorf("trigger %s → %s: consume: %w", t.Subject, t.Function, err)
		}
		stopper := func() {
			<-p.ctx.Done()
			cc.Stop()
		}
		if !p.goTracked(stopper) {
			cc.Stop()
			return fmt.Errorf("trigger %s → %s: %w", t.Subject, t.Function, ErrClosed)
		}
	}
	return nil
}

// durableName names t's consumer, uniquely per trigger: two triggers of
// one function on subjects of one stream must not share a consumer, or the
// second's subject filter would replace the first's. JetStream names take
// no '.', '*', '>', whitespace or path separator, so other characters
// become '_', and a hash of the function and the subject keeps apart
// triggers that would then look alike ("order.*" and "order.>").
func durableName(t Trigger) string {
	safe := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_':
				return r
			}
			return '_'
		}, s)
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(t.Function + "\x00" + t.Subject))
	return fmt.Sprintf("faas-%s-%s-%08x", safe(t.Function), safe(t.Subject), h.Sum32())
}

// deliver invokes t's function with one message and settles the message.
// A throttled invocation is no attempt: deliver keeps the message in
// progress and tries again after a growing delay, so JetStream's delivery
// count, which bounds the attempts, counts only real ones (every
// redelivery follows a failed attempt). A delivery that Close cuts short is
// left to be redelivered, and counts.
func (p *Platform) deliver(msg jetstream.Msg, t Trigger) {
	attempt := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		attempt = md.NumDelivered
	}
	err := p.InvokeEvent(p.ctx, t.Function, msg.Subject(), msg.Data())
	for throttles := 0; errors.Is(err, ErrThrottled); throttles++ {
		_ = msg.InProgress() // restarts the ack wait
		wait := time.NewTimer(retryDelay << min(throttles, maxThrottleDoublings))
		select {
		case <-p.ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		err = p.InvokeEvent(p.ctx, t.Function, msg.Subject(), msg.Data())
	}
	switch {
	case err == nil:
		_ = msg.Ack()
	case p.ctx.Err() != nil:
		// Closing: leave the message to be redelivered after a restart.
	case attempt >= uint64(t.MaxAttempts):
		p.log.Warn("event dropped after its last attempt", "function", t.Function, "subject", msg.Subject(), "attempts", attempt, "err", err)
		p.meter.deadLettered(t.Function)
		_ = msg.Term()
	default:
		_ = msg.NakWithDelay(retryDelay << min(attempt-1, 6))
	}
}

// schedule invokes s's function every s.Every until the platform closes.
// An invocation that is still running, or throttled, when the next is due
// is not doubled up: that tick is skipped.
func (p *Platform) schedule(s Schedule) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		if err := p.InvokeEvent(p.ctx, s.Function, "schedule", nil); err != nil && p.ctx.Err() == nil {
			p.log.Warn("scheduled invocation failed", "function", s.Function, "err", err)
		}
	}
}

// InvokeEvent invokes fn asynchronously-style with one event: it takes an
// instance like any invocation (throttled at the limits, cold-starting when
// none is idle), posts the event to EventPath, and succeeds on a 2xx answer.
func (p *Platform) InvokeEvent(ctx context.Context, fn, subject string, data []byte) error {
	pl, ok := p.pools[fn]
	if !ok {
		return fmt.Errorf("no function %q", fn)
	}
	l, err := p.acquire(fn)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, pl.fn.Timeout)
	defer cancel()
	started := time.Now()
	status, err := p.post(ctx, l, subject, data)
	l.status = status
	l.failed = err != nil
	p.meter.invoked(fn, l.invocation(time.Since(started), l.failed || status >= 500))
	p.release(l, !l.failed)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", fn, err)
	}
	if status/100 != 2 {
		return fmt.Errorf("invoke %s: the function answered %d", fn, status)
	}
	return nil
}

func (p *Platform) post(ctx context.Context, l *lease, subject string, data []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.target.JoinPath(EventPath).String(), bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.Header.Set(SubjectHeader, subject)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// EventHandler serves EventPath on an instance: it calls handle with each
// event's subject and body and answers 204 on success, 500 otherwise, so
// the platform retries.
func EventHandler(handle func(ctx context.Context, subject string, data []byte) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayloadBytes))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", err.Error())
			return
		}
		if err := handle(r.Context(), r.Header.Get(SubjectHeader), data); err != nil {
			writeError(w, http.StatusInternalServerError, "event_failed", err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
