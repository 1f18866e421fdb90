// Package cart is the microservices variant's cart service: it owns the
// carts and serves the public cart routes, pricing added items through the
// catalog service, and lets the checkout saga take a paid order's items out
// of its cart.
package cart

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/archbench/archbench/services/catalog"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// RouteRemoveOrdered takes a paid order's items out of its cart: the
// checkout saga's last step.
const RouteRemoveOrdered = "POST /carts/{id}/orders"

// PlacedOrder is the body of RouteRemoveOrdered: the order and the items it
// was priced from.
type PlacedOrder struct {
	OrderID string      `json:"order_id"`
	Items   []shop.Item `json:"items"`
}

func (o PlacedOrder) validate() error {
	if o.OrderID == "" || len(o.OrderID) > api.MaxOrderIDBytes {
		return fmt.Errorf("order_id must be 1 to %d bytes: %w", api.MaxOrderIDBytes, shop.ErrInvalid)
	}
	return shop.ValidateLines(o.Items)
}

// Service serves carts. It implements httpapi.Carts.
type Service struct {
	db      *sqlstore.DB
	carts   *sqlstore.Carts
	catalog remote.Caller
}

// Open opens (creating if needed) the cart database in dataDir; catalog is
// asked for prices. Close closes it.
func Open(ctx context.Context, dataDir string, catalog remote.Caller) (*Service, error) {
	db, err := sqlstore.Open(ctx, filepath.Join(dataDir, "cart.db"), sqlstore.WithSchemas(sqlstore.CartsSchema))
	if err != nil {
		return nil, fmt.Errorf("open cart: %w", err)
	}
	return &Service{db: db, carts: sqlstore.NewCarts(db), catalog: catalog}, nil
}

// Close closes the database.
func (s *Service) Close() error { return s.db.Close() }

// CreateCart makes an empty cart.
func (s *Service) CreateCart(ctx context.Context) (shop.Cart, error) {
	return s.carts.Create(ctx, "c_"+rand.Text())
}

// GetCart returns a cart.
func (s *Service) GetCart(ctx context.Context, id string) (shop.Cart, error) {
	return s.carts.Get(ctx, nil, id)
}

// AddItem adds a product at the catalog's current price.
func (s *Service) AddItem(ctx context.Context, cartID string, productID, quantity int64) (shop.Cart, error) {
	var p catalog.Price
	if err := s.catalog.Call(ctx, http.MethodGet, "/internal/prices/"+strconv.FormatInt(productID, 10), nil, &p); err != nil {
		return shop.Cart{}, fmt.Errorf("price of product %d: %w", productID, err)
	}
	return s.carts.AddItem(ctx, cartID, productID, quantity, p.PriceCents)
}

// RemoveItem removes a product's line.
func (s *Service) RemoveItem(ctx context.Context, cartID string, productID int64) (shop.Cart, error) {
	return s.carts.RemoveItem(ctx, cartID, productID)
}

// RemoveOrdered takes a paid order's items out of its cart, once per order;
// items added to the cart while the order was placed stay.
func (s *Service) RemoveOrdered(ctx context.Context, cartID string, o PlacedOrder) error {
	if err := o.validate(); err != nil {
		return err
	}
	return s.carts.RemoveOrdered(ctx, cartID, o.OrderID, o.Items)
}

// Handler serves the public cart routes, the saga's removal of an order's
// items, its database's writer counts at sqlstore.WriterPath and /healthz.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	httpapi.RegisterCarts(mux, s, log)
	mux.HandleFunc(RouteRemoveOrdered, func(w http.ResponseWriter, r *http.Request) {
		var o PlacedOrder
		if err := api.Decode(w, r, &o); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		if err := s.RemoveOrdered(r.Context(), r.PathValue("id"), o); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.db))
	return httpapi.Harden(mux, log)
}
