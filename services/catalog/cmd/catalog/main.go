// Command catalog is the microservices variant's catalog service (see
// docs/SERVICES.md). Peers: inventory. It seeds the products of the
// catalog -catalog names (default shop.DefaultCatalog), which must be the
// inventory's.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/remote"
)

func main() {
	var spec shop.CatalogSpec
	os.Exit(component.Main("catalog", os.Args[1:], func(fs *flag.FlagSet) { shop.CatalogVar(fs, &spec) },
		func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
			inv, err := remote.Dial(cfg, "inventory")
			if err != nil {
				return nil, nil, err
			}
			s, err := catalog.Open(ctx, cfg.DataDir, spec, inv)
			if err != nil {
				return nil, nil, err
			}
			return catalog.Handler(s, log), func() { s.Close() }, nil
		}))
}
