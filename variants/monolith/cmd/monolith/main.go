// Command monolith serves the whole shop from one process. It speaks the
// runtime's component protocol (see package runtime/component) and needs one
// peer, the payment provider: -peer psp=URL. It seeds the catalog -catalog
// names (default shop.DefaultCatalog).
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/variants/monolith"
)

func main() {
	var spec shop.CatalogSpec
	os.Exit(component.Main(monolith.Name, os.Args[1:], func(fs *flag.FlagSet) { shop.CatalogVar(fs, &spec) },
		func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
			psp, err := cfg.Peer("psp")
			if err != nil {
				return nil, nil, err
			}
			h, closeShop, err := monolith.New(ctx, cfg.DataDir, psp, log, local.WithCatalog(spec))
			if err != nil {
				return nil, nil, err
			}
			return h, func() {
				if err := closeShop(); err != nil {
					log.Warn("close shop", "err", err)
				}
			}, nil
		}))
}
