package orders

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
)

// GetOrder returns an order.
func (s *Service) GetOrder(ctx context.Context, id string) (shop.Order, error) {
	return s.orders.Get(ctx, nil, id)
}

// Handler serves the service's routes: checkout and orders (public, through
// the gateway, with the contract's validation from httpapi) and the audit
// facts, which include the saga steps still owed.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	httpapi.RegisterOrders(mux, s, log)
	mux.HandleFunc("GET "+audit.FactsPath, func(w http.ResponseWriter, r *http.Request) {
		f, err := audit.Collect(r.Context(), nil, s.orders)
		if err == nil {
			f.SagaPending, err = s.Owed(r.Context())
		}
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, f)
	})
	return httpapi.Harden(mux, log)
}
