// Command inventory is the microservices variant's inventory service (see
// docs/SERVICES.md). It has no peers.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop"
)

func main() {
	os.Exit(component.Main("inventory", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		db, inv, err := inventory.Open(ctx, cfg.DataDir, shop.DefaultCatalog)
		if err != nil {
			return nil, nil, err
		}
		return inventory.Handler(db, inv, log), func() { db.Close() }, nil
	}))
}
