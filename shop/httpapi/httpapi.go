// Package httpapi serves the shop's HTTP contract (docs/API.md) over any
// implementation of Shop. The monolith serves its in-process shop through it;
// other variants put a gateway or functions behind the same routes.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
)

// Catalog serves product reads.
type Catalog interface {
	ListProducts(ctx context.Context, offset, limit int64) (api.ProductPage, error)
	GetProduct(ctx context.Context, id int64) (shop.Product, error)
}

// Carts serves shopping carts.
type Carts interface {
	CreateCart(ctx context.Context) (shop.Cart, error)
	GetCart(ctx context.Context, id string) (shop.Cart, error)
	AddItem(ctx context.Context, cartID string, productID, quantity int64) (shop.Cart, error)
	RemoveItem(ctx context.Context, cartID string, productID int64) (shop.Cart, error)
}

// Orders serves checkout and orders.
type Orders interface {
	// Checkout places an order for the cart's items and charges for it. A
	// repeated call with the same non-empty idempotency key returns the
	// first call's order.
	Checkout(ctx context.Context, cartID, idempotencyKey, cardToken string) (shop.Order, error)
	GetOrder(ctx context.Context, id string) (shop.Order, error)
}

// Notifications serves order confirmations.
type Notifications interface {
	Notifications(ctx context.Context, orderID string) ([]shop.Notification, error)
}

// Shop is everything the HTTP API needs from a whole shop. Errors carry
// shop's error kinds; api.Classify maps them to status codes. A variant that
// splits the shop serves each part with its Register function instead.
type Shop interface {
	Catalog
	Carts
	Orders
	Notifications
}

// Routes are the API's route patterns, which are also the operation names in
// load results.
const (
	RouteHealth        = "GET /healthz"
	RouteListProducts  = "GET /products"
	RouteGetProduct    = "GET /products/{id}"
	RouteCreateCart    = "POST /carts"
	RouteGetCart       = "GET /carts/{id}"
	RouteAddItem       = "POST /carts/{id}/items"
	RouteRemoveItem    = "DELETE /carts/{id}/items/{product_id}"
	RouteCheckout      = "POST /carts/{id}/checkout"
	RouteGetOrder      = "GET /orders/{id}"
	RouteNotifications = "GET /notifications"
)

// New returns the API handler over s.
func New(s Shop, log *slog.Logger) http.Handler {
	mux := NewMux()
	RegisterCatalog(mux, s, log)
	RegisterCarts(mux, s, log)
	RegisterOrders(mux, s, log)
	RegisterNotifications(mux, s, log)
	return Harden(mux, log)
}

// NewMux returns a mux that answers /healthz; Register functions add the
// routes of the parts a program serves, and Harden wraps the result.
func NewMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(RouteHealth, func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, api.Status{Status: "ok"})
	})
	return mux
}

// RegisterCatalog adds the product routes served by c.
func RegisterCatalog(mux *http.ServeMux, c Catalog, log *slog.Logger) {
	h := &handler{catalog: c, log: log}
	mux.HandleFunc(RouteListProducts, h.listProducts)
	mux.HandleFunc(RouteGetProduct, h.getProduct)
}

// RegisterCarts adds the cart routes served by c.
func RegisterCarts(mux *http.ServeMux, c Carts, log *slog.Logger) {
	h := &handler{carts: c, log: log}
	mux.HandleFunc(RouteCreateCart, h.createCart)
	mux.HandleFunc(RouteGetCart, h.getCart)
	mux.HandleFunc(RouteAddItem, h.addItem)
	mux.HandleFunc(RouteRemoveItem, h.removeItem)
}

// RegisterOrders adds the checkout and order routes served by o.
func RegisterOrders(mux *http.ServeMux, o Orders, log *slog.Logger) {
	h := &handler{orders: o, log: log}
	mux.HandleFunc(RouteCheckout, h.checkout)
	mux.HandleFunc(RouteGetOrder, h.getOrder)
}

// RegisterNotifications adds the notification route served by n.
func RegisterNotifications(mux *http.ServeMux, n Notifications, log *slog.Logger) {
	h := &handler{notifications: n, log: log}
	mux.HandleFunc(RouteNotifications, h.listNotifications)
}

type handler struct {
	catalog       Catalog
	carts         Carts
	orders        Orders
	notifications Notifications
	log           *slog.Logger
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	api.WriteError(w, r, h.log, err)
}

func (h *handler) listProducts(w http.ResponseWriter, r *http.Request) {
	offset, err := queryInt(r, "offset", 0, 0, 1<<40)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", api.DefaultPageLimit, 1, api.MaxPageLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := h.catalog.ListProducts(r.Context(), offset, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *handler) getProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.catalog.GetProduct(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (h *handler) createCart(w http.ResponseWriter, r *http.Request) {
	c, err := h.carts.CreateCart(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, c)
}

func (h *handler) getCart(w http.ResponseWriter, r *http.Request) {
	c, err := h.carts.GetCart(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, c)
}

func (h *handler) addItem(w http.ResponseWriter, r *http.Request) {
	var req api.AddItemRequest
	if err := api.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := errors.Join(shop.ValidateProductID(req.ProductID), shop.ValidateQuantity(req.Quantity)); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.carts.AddItem(r.Context(), r.PathValue("id"), req.ProductID, req.Quantity)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, c)
}

func (h *handler) removeItem(w http.ResponseWriter, r *http.Request) {
	pid, err := pathID(r, "product_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.carts.RemoveItem(r.Context(), r.PathValue("id"), pid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, c)
}

func (h *handler) checkout(w http.ResponseWriter, r *http.Request) {
	var req api.CheckoutRequest
	if err := api.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.CardToken == "" {
		h.fail(w, r, fmt.Errorf("card_token is required: %w", shop.ErrInvalid))
		return
	}
	if len(req.CardToken) > api.MaxCardTokenBytes {
		h.fail(w, r, fmt.Errorf("card_token must be at most %d bytes, but is %d: %w", api.MaxCardTokenBytes, len(req.CardToken), shop.ErrInvalid))
		return
	}
	key := r.Header.Get(api.IdempotencyKeyHeader)
	if len(key) > 128 {
		h.fail(w, r, fmt.Errorf("%s must be at most 128 bytes: %w", api.IdempotencyKeyHeader, shop.ErrInvalid))
		return
	}
	o, err := h.orders.Checkout(r.Context(), r.PathValue("id"), key, req.CardToken)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, o)
}

func (h *handler) getOrder(w http.ResponseWriter, r *http.Request) {
	if err := orderIDFits(r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.orders.GetOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, o)
}

func (h *handler) listNotifications(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("order_id")
	if id == "" {
		h.fail(w, r, fmt.Errorf("query parameter order_id is required: %w", shop.ErrInvalid))
		return
	}
	if err := orderIDFits(id); err != nil {
		h.fail(w, r, err)
		return
	}
	ns, err := h.notifications.Notifications(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.NotificationList{Notifications: ns})
}

// orderIDFits returns a not-found error for an ID longer than any order's:
// no such order exists, and the ID is not passed on to the services that
// own orders (escaped into a URL path, a long one could exceed what their
// servers take, turning the shopper's bad request into a peer failure).
func orderIDFits(id string) error {
	if len(id) > api.MaxOrderIDBytes {
		return fmt.Errorf("no order has an ID of %d bytes (at most %d): %w", len(id), api.MaxOrderIDBytes, shop.ErrNotFound)
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%s must be a positive integer, but is %q: %w", name, v, shop.ErrInvalid)
	}
	return id, nil
}

func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("query parameter %s must be an integer in %d..%d, but is %q: %w", name, lo, hi, v, shop.ErrInvalid)
	}
	return n, nil
}
