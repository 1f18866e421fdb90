// Command cart is the microservices variant's cart service (see
// docs/SERVICES.md). Peers: catalog.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/cart"
	"github.com/archbench/archbench/shop/remote"
)

func main() {
	os.Exit(component.Main("cart", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		catalog, err := remote.Dial(cfg, "catalog")
		if err != nil {
			return nil, nil, err
		}
		s, err := cart.Open(ctx, cfg.DataDir, catalog)
		if err != nil {
			return nil, nil, err
		}
		return cart.Handler(s, log), func() { s.Close() }, nil
	}))
}
