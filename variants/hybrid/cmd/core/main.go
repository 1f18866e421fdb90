// Command core is the hybrid variant's monolith core (see package hybrid).
// It speaks the runtime's component protocol and needs two peers:
// -peer psp=URL -peer broker=URL. It seeds the catalog -catalog names
// (default shop.DefaultCatalog), which must be the catalog service's.
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
	"github.com/archbench/archbench/variants/hybrid"
)

func main() {
	var spec shop.CatalogSpec
	os.Exit(component.Main(hybrid.Core, os.Args[1:], func(fs *flag.FlagSet) { shop.CatalogVar(fs, &spec) },
		func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
			return hybrid.NewCore(ctx, cfg, log, local.WithCatalog(spec))
		}))
}
