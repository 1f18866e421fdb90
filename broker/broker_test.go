package broker_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/shop/sqlstore"
)

func startBroker(t *testing.T) *broker.Server {
	t.Helper()
	srv, err := broker.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// openOutbox opens an outbox in a fresh database, closed when the test ends.
func openOutbox(t *testing.T) (*sqlstore.DB, *sqlstore.Outbox) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sqlstore.OutboxSchema); err != nil {
		t.Fatal(err)
	}
	return db, sqlstore.NewOutbox(db)
}

func TestStartRejectsBadAddress(t *testing.T) {
	for _, listen := range []string{"nohost", "127.0.0.1:port"} {
		if _, err := broker.Start(listen, t.TempDir()); err == nil {
			t.Errorf("Start(%q) succeeded, want an error", listen)
		}
	}
}

// TestRelayPublishesOutboxOnce writes events to an outbox (one of them
// twice), relays them, and checks that the stream holds each exactly once and
// the outbox is drained.
func TestRelayPublishesOutboxOnce(t *testing.T) {
	ctx := context.Background()
	srv := startBroker(t)
	nc, js, err := broker.Connect(ctx, srv.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)

	db, outbox := openOutbox(t)
	for _, id := range []string{"o_1", "o_2", "o_1", "o_3"} {
		if err := outbox.Add(ctx, db.W, id+"/placed", broker.SubjectOrderPlaced, []byte(`{"order_id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	relay := broker.StartRelay(js, outbox, slog.New(slog.DiscardHandler))
	t.Cleanup(relay.Stop)
	relay.Wake()

	stream, err := js.Stream(ctx, broker.Stream)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := outbox.Pending(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 3 && len(pending) == 0 {
			break
		}
		if info.State.Msgs > 3 {
			t.Fatalf("stream holds %d messages, want 3", info.State.Msgs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s the stream holds %d messages and %d events are unsent", info.State.Msgs, len(pending))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A consumer sees the three events in order.
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "t", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		got = append(got, string(m.Data()))
		_ = m.Ack()
	}
	want := []string{`{"order_id":"o_1"}`, `{"order_id":"o_2"}`, `{"order_id":"o_3"}`}
	if len(got) != len(want) {
		t.Fatalf("consumed %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("consumed %q, want %q", got, want)
		}
	}
}

// failingJS is a JetStream whose publishes fail, each reported on calls.
type failingJS struct {
	jetstream.JetStream
	calls chan struct{}
}

func (f failingJS) Publish(context.Context, string, []byte, ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	f.calls <- struct{}{}
	return nil, errors.New("broker unreachable")
}

// TestRelayWithoutLogger proves a relay started with no logger survives a
// failed publish (which it logs) and retries, leaving the event unsent.
func TestRelayWithoutLogger(t *testing.T) {
	ctx := context.Background()
	db, outbox := openOutbox(t)
	if err := outbox.Add(ctx, db.W, "o_1/placed", broker.SubjectOrderPlaced, []byte(`{"order_id":"o_1"}`)); err != nil {
		t.Fatal(err)
	}
	js := failingJS{calls: make(chan struct{})}
	relay := broker.StartRelay(js, outbox, nil)
	relay.Wake()
	// The second attempt starts after the first failure was logged.
	for range 2 {
		<-js.calls
	}
	go func() {
		for range js.calls { // let a publish under way finish
		}
	}()
	relay.Stop()
	close(js.calls)
	if pending, err := outbox.Pending(ctx, 10); err != nil || len(pending) != 1 {
		t.Errorf("pending = %d events, %v; want the one that failed", len(pending), err)
	}
}

// TestStartFailsFast proves a broker that cannot start says why at once,
// instead of waiting out its readiness timeout with no reason.
func TestStartFailsFast(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		listen, dir string
		reason      string // what the error must say
	}{
		{"address in use", busy.Addr().String(), t.TempDir(), "address already in use"},
		{"data directory is a file", "127.0.0.1:0", notDir, "JetStream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			srv, err := broker.Start(tt.listen, tt.dir)
			if err == nil {
				srv.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Start took %s to fail", d)
			}
		})
	}
}
