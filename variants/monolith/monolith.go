// Package monolith is the shop as one program over one database: every
// capability in one process, checkout in one local transaction, the
// confirmation sent asynchronously in-process from an outbox. Only the
// payment provider, which is external in every variant, is a separate
// process.
package monolith

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Name is the variant's name.
const Name = "monolith"

// Package is the import path of the monolith's program.
const Package = "github.com/archbench/archbench/variants/monolith/cmd/monolith"

// Hops counts the network hops between the monolith's own components per
// operation: none, every capability being a local call.
var Hops = map[string]int{
	httpapi.RouteListProducts: 0, httpapi.RouteGetProduct: 0,
	httpapi.RouteCreateCart: 0, httpapi.RouteGetCart: 0, httpapi.RouteAddItem: 0, httpapi.RouteRemoveItem: 0,
	httpapi.RouteCheckout: 0, httpapi.RouteGetOrder: 0, httpapi.RouteNotifications: 0,
}

// Plan is the monolith next to the payment provider psp.
func Plan(psp runtime.Component) runtime.Plan {
	return runtime.Plan{
		Variant: Name,
		Entry:   Name,
		Components: []runtime.Component{
			psp,
			{Name: Name, Package: Package, Peers: []string{psp.Name}},
		},
	}
}

// Scaled is Plan, refusing replicas: the monolith has no load balancer in
// front of it yet, so it runs as one process.
func Scaled(psp runtime.Component, replicas map[string]int) (runtime.Plan, error) {
	for name := range replicas {
		return runtime.Plan{}, fmt.Errorf("cannot scale %q: the %s variant runs as one process", name, Name)
	}
	return Plan(psp), nil
}

// New opens the monolith's shop in dataDir, charging through the provider at
// pspURL, and returns its handler (see Handler). close releases it.
func New(ctx context.Context, dataDir, pspURL string, log *slog.Logger, opts ...local.Option) (h http.Handler, close func() error, err error) {
	s, err := local.Open(ctx, dataDir, payment.NewClient(pspURL), append([]local.Option{local.WithLogger(log)}, opts...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("open the monolith's shop: %w", err)
	}
	return Handler(s, log), s.Close, nil
}

// Handler serves shop s as the monolith does: Mux, hardened by
// httpapi.Harden, so that an unknown route, a wrong method or an unclean
// path (such as /products//1) gets the contract's JSON error, never the
// mux's plain-text answer or redirect.
func Handler(s *local.Shop, log *slog.Logger) http.Handler {
	return httpapi.Harden(Mux(s, log), log)
}

// Mux is the monolith's routes over shop s: the API, plus the audit facts at
// audit.FactsPath and its database's writer counts at sqlstore.WriterPath.
// A composition that runs the monolith as its core adds its
// own routes to it, then serves it through httpapi.Harden, as Handler does.
func Mux(s *local.Shop, log *slog.Logger) *http.ServeMux {
	mux := httpapi.NewMux()
	httpapi.RegisterCatalog(mux, s, log)
	httpapi.RegisterCarts(mux, s, log)
	httpapi.RegisterOrders(mux, s, log)
	httpapi.RegisterNotifications(mux, s, log)
	mux.Handle("GET "+audit.FactsPath, audit.Handler(s.Inventory(), s.Orders(), audit.WithOwed(s.Owed),
		audit.WithNotifications(s.NotificationStore()), audit.WithLogger(log)))
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.DB()))
	return mux
}
