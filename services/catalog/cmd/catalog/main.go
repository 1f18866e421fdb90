// Command catalog is the microservices variant's catalog service (see
// docs/SERVICES.md). Peers: inventory.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/remote"
)

func main() {
	os.Exit(component.Main("catalog", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		inv, err := remote.Dial(cfg, "inventory")
		if err != nil {
			return nil, nil, err
		}
		s, err := catalog.Open(ctx, cfg.DataDir, shop.DefaultCatalog, inv)
		if err != nil {
			return nil, nil, err
		}
		return catalog.Handler(s, log), func() { s.Close() }, nil
	}))
}
