// Package inventory is the microservices variant's inventory service: it owns
// stock levels and per-order reservations, and serves them to the catalog
// (stock levels) and to the order saga (reserve, release). Reservations are
// idempotent by order ID, so the saga can retry them freely.
package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Routes of the service (docs/SERVICES.md).
const (
	RouteStock   = "GET /stock"
	RouteReserve = "POST /reservations"
	RouteRelease = "DELETE /reservations/{order_id}"
)

// MaxStockIDs bounds one stock query.
const MaxStockIDs = 100

// StockResponse is the answer to GET /stock: available stock by product ID
// (as a decimal string, JSON keys being strings); unknown IDs are absent.
type StockResponse struct {
	Stock map[string]int64 `json:"stock"`
}

// Reservation is the body of POST /reservations.
type Reservation struct {
	OrderID string      `json:"order_id"`
	Items   []shop.Item `json:"items"`
}

// Open opens (creating and seeding from spec if needed) the inventory's
// database in dataDir.
func Open(ctx context.Context, dataDir string, spec shop.CatalogSpec) (*sqlstore.DB, *sqlstore.Inventory, error) {
	if err := spec.Validate(); err != nil {
		return nil, nil, fmt.Errorf("open inventory: %w", err)
	}
	db, err := sqlstore.Open(ctx, filepath.Join(dataDir, "inventory.db"), sqlstore.WithSchemas(sqlstore.InventorySchema))
	if err != nil {
		return nil, nil, fmt.Errorf("open inventory: %w", err)
	}
	inv := sqlstore.NewInventory(db)
	if err := inv.Seed(ctx, spec.Products()); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open inventory: %w", err)
	}
	return db, inv, nil
}

// StockHandler serves RouteStock, the stock levels of a list of products,
// over inv: the inventory service's route, and the one the hybrid's core
// serves to the extracted catalog service.
func StockHandler(inv *sqlstore.Inventory, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids, err := ParseIDs(r.URL.Query().Get("ids"))
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		stock, err := inv.AvailableMany(r.Context(), ids)
		if err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		out := StockResponse{Stock: make(map[string]int64, len(stock))}
		for id, n := range stock {
			out.Stock[strconv.FormatInt(id, 10)] = n
		}
		api.WriteJSON(w, http.StatusOK, out)
	})
}

// Handler serves the inventory's routes, its audit facts, db's writer
// counts at sqlstore.WriterPath and /healthz.
func Handler(db *sqlstore.DB, inv *sqlstore.Inventory, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(httpapi.RouteHealth, func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, api.Status{Status: "ok"})
	})
	mux.Handle(RouteStock, StockHandler(inv, log))
	mux.HandleFunc(RouteReserve, func(w http.ResponseWriter, r *http.Request) {
		var res Reservation
		if err := api.Decode(w, r, &res); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		if err := res.validate(); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		// One transaction: a shortage on one line undoes the others.
		if err := db.InTx(r.Context(), func(tx *sql.Tx) error { return inv.Reserve(r.Context(), tx, res.OrderID, res.Items) }); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		api.WriteJSON(w, http.StatusCreated, struct{}{})
	})
	mux.HandleFunc(RouteRelease, func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("order_id")
		if err := validOrderID(id); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		if err := db.InTx(r.Context(), func(tx *sql.Tx) error { return inv.Release(r.Context(), tx, id) }); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET "+audit.FactsPath, audit.Handler(inv, nil, audit.WithLogger(log)))
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(db))
	return httpapi.Harden(mux, log)
}

func (res Reservation) validate() error {
	if err := validOrderID(res.OrderID); err != nil {
		return err
	}
	return shop.ValidateLines(res.Items)
}

func validOrderID(id string) error {
	if id == "" || len(id) > api.MaxOrderIDBytes {
		return fmt.Errorf("order_id must be 1 to %d bytes: %w", api.MaxOrderIDBytes, shop.ErrInvalid)
	}
	return nil
}

// ParseIDs parses a comma-separated list of product IDs, as GET /stock takes
// them: at least one, at most MaxStockIDs, each a valid product ID.
func ParseIDs(list string) ([]int64, error) {
	if list == "" {
		return nil, fmt.Errorf("query parameter ids is required: %w", shop.ErrInvalid)
	}
	parts := strings.Split(list, ",")
	if len(parts) > MaxStockIDs {
		return nil, fmt.Errorf("ids: at most %d, got %d: %w", MaxStockIDs, len(parts), shop.ErrInvalid)
	}
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ids: %q is not a product ID: %w", p, shop.ErrInvalid)
		}
		if err := shop.ValidateProductID(id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
