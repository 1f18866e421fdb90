package notifications_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/services/notifications"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/sqlstore"
)

// ordersPeer answers GET /orders/{id}: known orders exist, others are not found.
type ordersPeer map[string]bool

func (o ordersPeer) Call(_ context.Context, _, path string, _, _ any) error {
	if o[path[len("/orders/"):]] {
		return nil
	}
	return fmt.Errorf("orders: %w", shop.ErrNotFound)
}

func start(t *testing.T, known ordersPeer) (*notifications.Service, jetstream.JetStream) {
	t.Helper()
	srv, err := broker.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nc, js, err := broker.Connect(t.Context(), srv.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "n.db"), sqlstore.WithSchemas(sqlstore.NotificationsSchema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := notifications.New(db, known, nil)
	stop, err := svc.Consume(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return svc, js
}

func publish(t *testing.T, js jetstream.JetStream, msgID string, data []byte) {
	t.Helper()
	if _, err := js.Publish(t.Context(), broker.SubjectOrderPlaced, data, jetstream.WithMsgID(msgID)); err != nil {
		t.Fatal(err)
	}
}

// TestConfirmationRecordedOnce delivers one order's event twice, as
// at-least-once delivery may (distinct message IDs get past the broker's
// deduplication), between a malformed event and another order's: each order
// gets exactly one confirmation, and the malformed event does not block the
// ones behind it.
func TestConfirmationRecordedOnce(t *testing.T) {
	svc, js := start(t, ordersPeer{"o_1": true, "o_2": true})
	placed := func(id string) []byte {
		b, _ := json.Marshal(broker.OrderPlaced{OrderID: id, CartID: "c", TotalCents: 100})
		return b
	}
	publish(t, js, "a", placed("o_1"))
	publish(t, js, "bad", []byte("{not json"))
	publish(t, js, "b", placed("o_1"))
	publish(t, js, "c", placed("o_2"))

	deadline := time.Now().Add(10 * time.Second)
	for {
		n2, err := svc.Notifications(t.Context(), "o_2")
		if err != nil {
			t.Fatal(err)
		}
		if len(n2) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("o_2's confirmation not recorded after 10 s: %+v", n2)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Events are delivered in order, so o_1's duplicate came before o_2.
	n1, err := svc.Notifications(t.Context(), "o_1")
	if err != nil || len(n1) != 1 {
		t.Fatalf("o_1 has %d confirmations (%v), want exactly 1: %+v", len(n1), err, n1)
	}
}

// TestUnknownOrder: an order with no confirmation yet is on its way (empty
// list) if the orders service knows it, and not found otherwise.
func TestUnknownOrder(t *testing.T) {
	svc, _ := start(t, ordersPeer{"o_pending": true})
	if ns, err := svc.Notifications(t.Context(), "o_pending"); err != nil || len(ns) != 0 {
		t.Fatalf("pending order: %+v, %v; want an empty list", ns, err)
	}
	if _, err := svc.Notifications(t.Context(), "o_nope"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("unknown order: %v, want not found", err)
	}
}

// TestServesWriterStats: the service serves its database's writer counts
// at sqlstore.WriterPath.
func TestServesWriterStats(t *testing.T) {
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "notifications.db"), sqlstore.WithSchemas(sqlstore.NotificationsSchema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(notifications.Handler(notifications.New(db, ordersPeer{}, nil), nil))
	t.Cleanup(srv.Close)
	rep, err := sqlstore.FetchWriters(t.Context(), http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Writers) != 1 || rep.Writers[0].Database != "notifications.db" {
		t.Fatalf("writers %+v, want notifications.db's", rep.Writers)
	}
}
