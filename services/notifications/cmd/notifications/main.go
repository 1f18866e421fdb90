// Command notifications is the microservices variant's notification service
// (see docs/SERVICES.md). Peers: orders, broker.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/notifications"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

func main() {
	os.Exit(component.Main("notifications", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		brokerURL, err := cfg.Peer("broker")
		if err != nil {
			return nil, nil, err
		}
		orders, err := remote.Dial(cfg, "orders")
		if err != nil {
			return nil, nil, err
		}
		db, err := sqlstore.Open(ctx, filepath.Join(cfg.DataDir, "notifications.db"), sqlstore.WithSchemas(sqlstore.NotificationsSchema))
		if err != nil {
			return nil, nil, err
		}
		nc, js, err := broker.Connect(ctx, brokerURL, "notifications")
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		svc := notifications.New(db, orders, log)
		stop, err := svc.Consume(ctx, js)
		if err != nil {
			nc.Close()
			db.Close()
			return nil, nil, err
		}
		return notifications.Handler(svc, log), func() {
			stop()
			nc.Close()
			db.Close()
		}, nil
	}))
}
