// Package hybrid is the shop as most production systems are built: a
// monolith core (catalog, inventory, cart and orders in one process and one
// database, checkout in one local transaction), one service extracted for
// independent scaling (catalog reads, with replicas, its own product
// database, stock levels from the core), and the order confirmations sent
// by an event-triggered function on the function platform, fed by
// order.placed from the broker. A gateway routes the public API.
//
// It is composed from the other variants' parts, none copied: the core is
// the monolith's shop and routes (shop/local, variants/monolith) plus two
// more, behind httpapi.Harden; the catalog and the gateway are the
// microservices' programs, wired to the core by peer aliases; the platform
// is faas/program.
package hybrid

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/faas/program"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/operation"
	"github.com/archbench/archbench/shop/remote"
)

// Name is the variant's name.
const Name = "hybrid"

// The components, by name.
const (
	Gateway       = "gateway"
	Core          = "core"
	Catalog       = "catalog"
	Notifications = "notifications"
	Broker        = "broker"
)

// CatalogReplicas is how many catalog replicas run by default: it is the
// part extracted to scale on its own.
const CatalogReplicas = 2

// FnSendConfirmation is the notification function.
const FnSendConfirmation = "send-confirmation"

// ConfirmationsRoute is the core's route by which the notification
// function records a confirmation as sent.
const ConfirmationsRoute = "POST /internal/confirmations/{order_id}"

const module = "github.com/archbench/archbench/"

// Hops counts the network hops between the variant's own components per
// operation: the gateway to the core, or to a catalog replica that asks the
// core for stock levels; checkout also publishes order.placed before it
// answers.
var Hops = map[string]int{
	httpapi.RouteListProducts: 2, httpapi.RouteGetProduct: 2,
	httpapi.RouteCreateCart: 1, httpapi.RouteGetCart: 1, httpapi.RouteAddItem: 1, httpapi.RouteRemoveItem: 1,
	httpapi.RouteCheckout: 2, httpapi.RouteGetOrder: 1, httpapi.RouteNotifications: 1,
}

// Plan is the hybrid next to the payment provider psp. replicas may scale
// the extracted catalog (default CatalogReplicas) or pre-warm the
// notification function (send-confirmation=N).
func Plan(psp runtime.Component, replicas map[string]int) (runtime.Plan, error) {
	for _, name := range slices.Sorted(maps.Keys(replicas)) {
		if name != Catalog && name != FnSendConfirmation {
			return runtime.Plan{}, fmt.Errorf("cannot scale %q: the %s variant scales its catalog service (%s=N) and its function (%s=N)",
				name, Name, Catalog, FnSendConfirmation)
		}
	}
	catalogs := CatalogReplicas
	if n, ok := replicas[Catalog]; ok {
		catalogs = n
	}
	var fnArgs []string
	if n, ok := replicas[FnSendConfirmation]; ok {
		fnArgs = []string{"-provisioned", runtime.FormatCounts(map[string]int{FnSendConfirmation: n})}
	}
	p := runtime.Plan{
		Variant: Name,
		Entry:   Gateway,
		Components: []runtime.Component{
			psp,
			{Name: Broker, Package: module + "broker/cmd/broker"},
			{Name: Core, Package: module + "variants/hybrid/cmd/core", Peers: []string{psp.Name, Broker}},
			{Name: Catalog, Package: module + "services/catalog/cmd/catalog", Peers: []string{"inventory=" + Core},
				Replicas: catalogs, SharedData: true},
			{Name: Notifications, Package: module + "variants/hybrid/cmd/notifications", Peers: []string{Broker, Core}, Args: fnArgs},
			{Name: Gateway, Package: module + "services/gateway/cmd/gateway",
				Peers: []string{Catalog, "cart=" + Core, "orders=" + Core, "notifications=" + Core}},
		},
	}
	return p, p.Validate()
}

// Functions is the notification platform's one function: on each
// order.placed, send the confirmation (here: record it as sent in the core,
// which owns the order's notifications).
func Functions() program.Functions {
	return program.Functions{
		Config: func(s program.Settings) (faas.Config, error) {
			cfg := faas.Config{
				Functions: []faas.Function{{Name: FnSendConfirmation, MemoryMB: 128, Timeout: 10 * time.Second,
					Provisioned: s.Provisioned[FnSendConfirmation]}},
				Triggers:           []faas.Trigger{{Subject: broker.SubjectOrderPlaced, Function: FnSendConfirmation}},
				AccountConcurrency: s.AccountConcurrency,
				KeepAlive:          cmp.Or(s.KeepAlive, 60*time.Second),
			}
			return cfg, cfg.Validate()
		},
		Instance: func(ctx context.Context, cfg *component.Config, function string, log *slog.Logger) (http.Handler, func(), error) {
			if function != FnSendConfirmation {
				return nil, nil, fmt.Errorf("no function %q", function)
			}
			core, err := remote.Dial(cfg, Core)
			if err != nil {
				return nil, nil, err
			}
			mux := http.NewServeMux()
			mux.Handle("POST "+faas.EventPath, operation.Background(faas.EventHandler(sendConfirmation(core))))
			return httpapi.Harden(mux, log), nil, nil
		},
		Wrap: httpapi.Harden,
	}
}

// sendConfirmation handles one order.placed event by recording, in the
// core, the order's confirmation as sent; the core makes that idempotent.
func sendConfirmation(core remote.Caller) func(ctx context.Context, subject string, data []byte) error {
	return func(ctx context.Context, _ string, data []byte) error {
		var ev broker.OrderPlaced
		if err := json.Unmarshal(data, &ev); err != nil || ev.OrderID == "" {
			return nil // redelivering cannot fix a malformed event: drop it
		}
		return core.Call(ctx, http.MethodPost, "/internal/confirmations/"+url.PathEscape(ev.OrderID), nil, nil)
	}
}

// Confirmations is what the core's confirmation route needs of the shop.
type Confirmations interface {
	DeliverConfirmation(ctx context.Context, orderID string) error
}

// ConfirmationsHandler serves ConfirmationsRoute over c: 204 once the
// order's confirmation is recorded as sent (again or not).
func ConfirmationsHandler(c Confirmations, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("order_id")
		if id == "" || len(id) > 64 {
			api.WriteError(w, r, log, fmt.Errorf("order id must be 1..64 characters: %w", shop.ErrInvalid))
			return
		}
		if err := c.DeliverConfirmation(r.Context(), id); err != nil {
			api.WriteError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
