package broker_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/local"
)

// approvingPayer approves every charge.
type approvingPayer struct{}

func (approvingPayer) Charge(context.Context, string, string, int64) (string, error) {
	return "ch_1", nil
}

func (approvingPayer) Void(context.Context, string) error { return nil }

// connect starts a broker and connects to it, both closed when the test
// ends.
func connect(t *testing.T) (jetstream.JetStream, jetstream.Stream) {
	t.Helper()
	nc, js, err := broker.Connect(t.Context(), startBroker(t).URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	stream, err := js.Stream(t.Context(), broker.Stream)
	if err != nil {
		t.Fatal(err)
	}
	return js, stream
}

// lastPlaced returns the stream's last order.placed message.
func lastPlaced(t *testing.T, stream jetstream.Stream) *jetstream.RawStreamMsg {
	t.Helper()
	msg, err := stream.GetLastMsgForSubject(t.Context(), broker.SubjectOrderPlaced)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestRepublishSendsTheFirstEvent checks out an order in a shop whose
// dispatcher is an OrderPublisher, as the hybrid core does, and re-publishes
// its pending confirmation on a second broker: the event must be the first
// one, whole (cart and total, not just the order ID), with the same message
// ID; and re-published on the first broker, it must be dropped as a
// duplicate.
func TestRepublishSendsTheFirstEvent(t *testing.T) {
	ctx := t.Context()
	firstJS, firstStream := connect(t)
	againJS, againStream := connect(t)
	first := broker.OrderPublisher{JS: firstJS}
	again := broker.OrderPublisher{JS: againJS}

	s, err := local.Open(ctx, t.TempDir(), approvingPayer{},
		local.WithCatalog(shop.CatalogSpec{Count: 2, Seed: 1, MinStock: 10, MaxStock: 10}), local.WithDispatcher(first))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cart, err := s.CreateCart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cart, err = s.AddItem(ctx, cart.ID, 1, 2); err != nil {
		t.Fatal(err)
	}
	order, err := s.Checkout(ctx, cart.ID, "key-1", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if order.CartID == "" || order.TotalCents == 0 {
		t.Fatalf("checkout = %+v; want a cart and a total", order)
	}

	if err := again.Republish(ctx, s); err != nil {
		t.Fatal(err)
	}
	published, republished := lastPlaced(t, firstStream), lastPlaced(t, againStream)
	var ev broker.OrderPlaced
	if err := json.Unmarshal(republished.Data, &ev); err != nil {
		t.Fatal(err)
	}
	want := broker.OrderPlaced{OrderID: order.ID, CartID: order.CartID, TotalCents: order.TotalCents}
	if ev != want {
		t.Errorf("re-published %+v, want %+v", ev, want)
	}
	if !slices.Equal(republished.Data, published.Data) {
		t.Errorf("re-published %s, first published %s", republished.Data, published.Data)
	}
	if id, firstID := republished.Header.Get(nats.MsgIdHdr), published.Header.Get(nats.MsgIdHdr); id == "" || id != firstID {
		t.Errorf("re-published with message ID %q, first published with %q", id, firstID)
	}

	if err := first.Republish(ctx, s); err != nil {
		t.Fatal(err)
	}
	info, err := firstStream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("%d messages after re-publishing within the duplicate window, want 1", info.State.Msgs)
	}
}
