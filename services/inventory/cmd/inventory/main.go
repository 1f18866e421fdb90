// Command inventory is the microservices variant's inventory service (see
// docs/SERVICES.md). It has no peers. It seeds the stock of the catalog
// -catalog names (default shop.DefaultCatalog), which must be the catalog
// service's.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop"
)

func main() {
	var spec shop.CatalogSpec
	os.Exit(component.Main("inventory", os.Args[1:], func(fs *flag.FlagSet) { shop.CatalogVar(fs, &spec) },
		func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
			db, inv, err := inventory.Open(ctx, cfg.DataDir, spec)
			if err != nil {
				return nil, nil, err
			}
			return inventory.Handler(db, inv, log), func() { db.Close() }, nil
		}))
}
