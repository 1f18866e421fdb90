package hybrid

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/variants/monolith"
)

// RepublishEvery is how often the core re-publishes confirmations still
// pending, in case a publication was lost or its function gave up on it.
const RepublishEvery = 5 * time.Second

// NewCore is the core's program: the monolith's shop and routes, whose
// paid orders are announced on the broker for the notification function
// instead of confirmed in-process, plus the stock levels the extracted
// catalog asks for and the route by which the function records a
// confirmation as sent. Peers: psp, broker. opts configure the shop (its
// catalog, say) after the core's own logger and dispatcher.
func NewCore(ctx context.Context, cfg *component.Config, log *slog.Logger, opts ...local.Option) (http.Handler, func(), error) {
	pspURL, err := cfg.Peer("psp")
	if err != nil {
		return nil, nil, err
	}
	brokerURL, err := cfg.Peer(Broker)
	if err != nil {
		return nil, nil, err
	}
	nc, js, err := broker.Connect(ctx, brokerURL, Core)
	if err != nil {
		return nil, nil, err
	}
	pub := broker.OrderPublisher{JS: js, Log: log}
	s, err := local.Open(ctx, cfg.DataDir, payment.NewClient(pspURL),
		append([]local.Option{local.WithLogger(log), local.WithDispatcher(pub)}, opts...)...)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	mux := monolith.Mux(s, log)
	mux.Handle(inventory.RouteStock, inventory.StockHandler(s.Inventory(), log))
	mux.Handle(ConfirmationsRoute, ConfirmationsHandler(s, log))
	h := httpapi.Harden(mux, log)

	sweepCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(RepublishEvery)
		defer t.Stop()
		for {
			select {
			case <-sweepCtx.Done():
				return
			case <-t.C:
			}
			if err := pub.Republish(sweepCtx, s); err != nil && sweepCtx.Err() == nil {
				log.Warn("re-publish pending confirmations", "err", err)
			}
		}
	}()
	return h, func() {
		stop()
		wg.Wait()
		if err := s.Close(); err != nil {
			log.Warn("close shop", "err", err)
		}
		nc.Close()
	}, nil
}
