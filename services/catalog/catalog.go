// Package catalog is the microservices variant's catalog service: it owns the
// products (names and prices) and serves the public product routes, asking
// the inventory service for stock levels in one call per request. The cart
// service reads prices from it without the stock hop.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/archbench/archbench/services/inventory"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/remote"
	"github.com/archbench/archbench/shop/sqlstore"
)

// RoutePrice is the internal price lookup.
const RoutePrice = "GET /internal/prices/{id}"

// Price is the answer to GET /internal/prices/{id}.
type Price struct {
	ID         int64 `json:"id"`
	PriceCents int64 `json:"price_cents"`
}

// Service serves products. It implements httpapi.Catalog.
type Service struct {
	db        *sqlstore.DB
	products  *sqlstore.Catalog
	inventory remote.Caller
}

// Open opens (creating and seeding from spec if needed) the catalog's
// database in dataDir; inventory is asked for stock levels. Close closes it.
func Open(ctx context.Context, dataDir string, spec shop.CatalogSpec, inventory remote.Caller) (*Service, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	db, err := sqlstore.Open(ctx, filepath.Join(dataDir, "catalog.db"), sqlstore.WithSchemas(sqlstore.CatalogSchema))
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	s := &Service{db: db, products: sqlstore.NewCatalog(db), inventory: inventory}
	if err := s.products.Seed(ctx, spec.Products()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Service) Close() error { return s.db.Close() }

// ListProducts returns a page of products with their stock levels.
func (s *Service) ListProducts(ctx context.Context, offset, limit int64) (api.ProductPage, error) {
	ps, total, err := s.products.List(ctx, offset, limit)
	if err != nil {
		return api.ProductPage{}, err
	}
	if err := s.fillStock(ctx, ps); err != nil {
		return api.ProductPage{}, err
	}
	return api.ProductPage{Products: ps, Total: total, Offset: offset, Limit: limit}, nil
}

// GetProduct returns a product with its stock level.
func (s *Service) GetProduct(ctx context.Context, id int64) (shop.Product, error) {
	p, err := s.products.Get(ctx, id)
	if err != nil {
		return shop.Product{}, err
	}
	ps := []shop.Product{p}
	err = s.fillStock(ctx, ps)
	return ps[0], err
}

// fillStock sets the products' stock levels from one inventory call.
func (s *Service) fillStock(ctx context.Context, ps []shop.Product) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = strconv.FormatInt(p.ID, 10)
	}
	var stock inventory.StockResponse
	if err := s.inventory.Call(ctx, http.MethodGet, "/stock?ids="+strings.Join(ids, ","), nil, &stock); err != nil {
		return fmt.Errorf("stock levels: %w", err)
	}
	for i := range ps {
		ps[i].Stock = stock.Stock[ids[i]]
	}
	return nil
}

// Handler serves the public product routes, the price lookup, its
// database's writer counts at sqlstore.WriterPath and /healthz.
func Handler(s *Service, log *slog.Logger) http.Handler {
	mux := httpapi.NewMux()
	httpapi.RegisterCatalog(mux, s, log)
	mux.HandleFunc(RoutePrice, func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || shop.ValidateProductID(id) != nil {
			api.WriteError(w, r, log, fmt.Errorf("id must be a positive integer, but is %q: %w", r.PathValue("id"), shop.ErrInvalid))
			return
		}
		p, err := s.products.Get(r.Context(), id)
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, Price{ID: p.ID, PriceCents: p.PriceCents})
	})
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.db))
	return httpapi.Harden(mux, log)
}
