// Command orders is the microservices variant's order service (see
// docs/SERVICES.md). Peers: cart, inventory, payments, broker.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/orders"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

func main() {
	os.Exit(component.Main("orders", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		var peers orders.Peers
		callers := map[string]*remote.Caller{"cart": &peers.Cart, "inventory": &peers.Inventory, "payments": &peers.Payments}
		for name, dst := range callers {
			c, err := remote.Dial(cfg, name, remote.WithTimeout(orders.CallTimeout))
			if err != nil {
				return nil, nil, err
			}
			*dst = c
		}
		brokerURL, err := cfg.Peer("broker")
		if err != nil {
			return nil, nil, err
		}
		db, err := sqlstore.Open(ctx, filepath.Join(cfg.DataDir, "orders.db"), sqlstore.WithSchemas(orders.Schemas...))
		if err != nil {
			return nil, nil, err
		}
		nc, js, err := broker.Connect(ctx, brokerURL, "orders")
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		relay := broker.StartRelay(js, sqlstore.NewOutbox(db), log)
		svc := orders.New(db, peers, relay, log)
		return orders.Handler(svc, log), func() {
			svc.Close()
			relay.Stop()
			nc.Close()
			db.Close()
		}, nil
	}))
}
