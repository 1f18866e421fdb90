package orders

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/sqlstore"
)

// GetOrder returns an order.
func (s *Service) GetOrder(ctx context.Context, id string) (shop.Order, error) {
	return s.orders.Get(ctx, nil, id)
}

// Handler serves the service's routes: checkout and orders (public, through
// the gateway, with the contract's validation from httpapi), the audit
// facts, which include the saga steps still owed, and its database's writer
// counts at sqlstore.WriterPath.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	httpapi.RegisterOrders(mux, s, log)
	mux.Handle("GET "+audit.FactsPath, audit.Handler(nil, s.orders, audit.WithOwed(s.Owed), audit.WithLogger(log)))
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.db))
	return httpapi.Harden(mux, log)
}
