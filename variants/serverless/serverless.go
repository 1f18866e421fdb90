// Package serverless is the shop as stateless functions on the function
// platform of package faas: one function per API operation behind the
// platform's front door, an event-triggered function that sends order
// confirmations from the broker's order.placed, and a scheduled one that
// re-publishes confirmations whose event was lost. All state lives outside
// the instances, in one database every instance opens (as Lambda functions
// share a managed database), so any invocation may land on a new instance.
//
// Checkout is the monolith's local transaction (package shop/local), run
// inside the checkout function; the confirmation is queued in the same
// transaction and announced on the broker after the commit.
package serverless

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/operation"
	"github.com/archbench/archbench/shop/sqlstore"
)

// Name is the variant's name, and the name of the platform's component.
const Name = "serverless"

// Package is the import path of the variant's program: the platform, and
// with -function the code of every function.
const Package = "github.com/archbench/archbench/variants/serverless/cmd/serverless"

// Broker is the broker's component name.
const Broker = "broker"

// The functions, by name.
const (
	FnListProducts     = "list-products"
	FnGetProduct       = "get-product"
	FnCreateCart       = "create-cart"
	FnGetCart          = "get-cart"
	FnAddItem          = "add-item"
	FnRemoveItem       = "remove-item"
	FnCheckout         = "checkout"
	FnGetOrder         = "get-order"
	FnListNotification = "list-notifications"
	FnAudit            = "audit"
	FnSendConfirmation = "send-confirmation"
	FnSweepOutbox      = "sweep-confirmations"
	FnRecover          = "recover-checkouts"
)

// Routes maps the API's routes, and the audit facts' route, to functions.
var Routes = []faas.Route{
	{Pattern: httpapi.RouteListProducts, Function: FnListProducts},
	{Pattern: httpapi.RouteGetProduct, Function: FnGetProduct},
	{Pattern: httpapi.RouteCreateCart, Function: FnCreateCart},
	{Pattern: httpapi.RouteGetCart, Function: FnGetCart},
	{Pattern: httpapi.RouteAddItem, Function: FnAddItem},
	{Pattern: httpapi.RouteRemoveItem, Function: FnRemoveItem},
	{Pattern: httpapi.RouteCheckout, Function: FnCheckout},
	{Pattern: httpapi.RouteGetOrder, Function: FnGetOrder},
	{Pattern: httpapi.RouteNotifications, Function: FnListNotification},
	{Pattern: "GET " + audit.FactsPath, Function: FnAudit},
}

// APIFunctions names the functions that serve the shop's API (the audit's
// function aside).
func APIFunctions() []string {
	var out []string
	for _, r := range Routes {
		if r.Function != FnAudit {
			out = append(out, r.Function)
		}
	}
	return out
}

// Hops counts the network hops between the variant's own components per
// operation: the front door to an instance; checkout also publishes its
// order.placed event to the broker before it answers. The database is a
// file every instance opens, not a hop.
var Hops = map[string]int{
	httpapi.RouteListProducts: 1, httpapi.RouteGetProduct: 1,
	httpapi.RouteCreateCart: 1, httpapi.RouteGetCart: 1, httpapi.RouteAddItem: 1, httpapi.RouteRemoveItem: 1,
	httpapi.RouteCheckout: 2, httpapi.RouteGetOrder: 1, httpapi.RouteNotifications: 1,
}

// Settings are the platform's settings for the shop's deployment.
type Settings struct {
	// KeepAlive is how long idle instances are kept (default 60 s, so a
	// steady run measures warm behaviour; the cold-start scenario varies it).
	KeepAlive time.Duration
	// AccountConcurrency caps busy instances across functions (default
	// faas.DefaultAccountLimit).
	AccountConcurrency int
	// Provisioned pre-warms that many instances of the named functions.
	Provisioned map[string]int
	// SweepEvery is how often the confirmation sweeper runs (default
	// DefaultSweepEvery).
	SweepEvery time.Duration
}

// DefaultSweepEvery is how often the confirmation sweeper re-publishes the
// confirmations still pending, by default.
const DefaultSweepEvery = 5 * time.Second

// Config is the platform's deployment of the shop with settings s.
func Config(s Settings) (faas.Config, error) {
	if s.KeepAlive == 0 {
		s.KeepAlive = 60 * time.Second
	}
	if s.SweepEvery == 0 {
		s.SweepEvery = DefaultSweepEvery
	}
	fn := func(name string, memoryMB int, timeout time.Duration) faas.Function {
		return faas.Function{Name: name, MemoryMB: memoryMB, Timeout: timeout, Provisioned: s.Provisioned[name]}
	}
	read := 3 * time.Second
	cfg := faas.Config{
		Functions: []faas.Function{
			fn(FnListProducts, 256, read), fn(FnGetProduct, 256, read),
			fn(FnCreateCart, 256, read), fn(FnGetCart, 256, read), fn(FnAddItem, 256, read), fn(FnRemoveItem, 256, read),
			// Checkout waits for the payment provider, whose tail can be long.
			fn(FnCheckout, 512, 10*time.Second),
			fn(FnGetOrder, 256, read), fn(FnListNotification, 256, read),
			fn(FnAudit, 1024, time.Minute),
			fn(FnSendConfirmation, 128, 10*time.Second), fn(FnSweepOutbox, 128, 30*time.Second),
			fn(FnRecover, 128, 30*time.Second),
		},
		Routes:   Routes,
		Triggers: []faas.Trigger{{Subject: broker.SubjectOrderPlaced, Function: FnSendConfirmation}},
		Schedules: []faas.Schedule{{Every: s.SweepEvery, Function: FnSweepOutbox},
			// Function instances run nothing in the background, so stale
			// checkouts (a crashed instance, an unreachable provider) are
			// settled by a scheduled function.
			{Every: s.SweepEvery, Function: FnRecover}},
		AccountConcurrency: s.AccountConcurrency,
		KeepAlive:          s.KeepAlive,
	}
	for _, name := range slices.Sorted(maps.Keys(s.Provisioned)) {
		if !slices.ContainsFunc(cfg.Functions, func(f faas.Function) bool { return f.Name == name }) {
			return faas.Config{}, fmt.Errorf("cannot provision %q: not a function of the %s variant", name, Name)
		}
	}
	return cfg, cfg.Validate()
}

// Plan is the serverless shop next to the payment provider psp, with
// replicas[fn] provisioned (pre-warmed) instances of the named functions:
// on a function platform, that is how one scales a component ahead of load.
func Plan(psp runtime.Component, replicas map[string]int) (runtime.Plan, error) {
	if _, err := Config(Settings{Provisioned: replicas}); err != nil {
		return runtime.Plan{}, err
	}
	args := []string{}
	if len(replicas) > 0 {
		args = append(args, "-provisioned", runtime.FormatCounts(replicas))
	}
	p := runtime.Plan{
		Variant: Name,
		Entry:   Name,
		Components: []runtime.Component{
			psp,
			{Name: Broker, Package: "github.com/archbench/archbench/broker/cmd/broker"},
			{Name: Name, Package: Package, Peers: []string{psp.Name, Broker}, Args: args},
		},
	}
	return p, p.Validate()
}

// confirmations is what the event functions need of the shop.
type confirmations interface {
	DeliverConfirmation(ctx context.Context, orderID string) error
	broker.PendingConfirmations
}

// sendConfirmation handles one order.placed event: it records the order's
// confirmation as sent, once however often the event is delivered.
func sendConfirmation(c confirmations) func(ctx context.Context, subject string, data []byte) error {
	return func(ctx context.Context, _ string, data []byte) error {
		var ev broker.OrderPlaced
		if err := json.Unmarshal(data, &ev); err != nil || ev.OrderID == "" {
			return nil // redelivering cannot fix a malformed event: drop it
		}
		return c.DeliverConfirmation(ctx, ev.OrderID)
	}
}

// sweepConfirmations re-publishes confirmations still pending, in case a
// checkout's publication was lost.
func sweepConfirmations(c broker.PendingConfirmations, p broker.OrderPublisher) func(ctx context.Context, subject string, data []byte) error {
	return func(ctx context.Context, _ string, _ []byte) error { return p.Republish(ctx, c) }
}

// functionHandler is the code of one function: the handler its instance
// serves. An HTTP function serves its API route (through the same hardened
// handlers as every variant); an event function serves faas.EventPath,
// work that no request started (no operation, see package operation).
// Every instance serves its database's writer counts at
// sqlstore.WriterPath, for the platform's ledger (see Functions).
func functionHandler(name string, s *shopFunctions, log *slog.Logger) (http.Handler, error) {
	mux := httpapi.NewMux()
	switch name {
	case FnListProducts, FnGetProduct:
		httpapi.RegisterCatalog(mux, s.shop, log)
	case FnCreateCart, FnGetCart, FnAddItem, FnRemoveItem:
		httpapi.RegisterCarts(mux, s.shop, log)
	case FnCheckout, FnGetOrder:
		httpapi.RegisterOrders(mux, s.shop, log)
	case FnListNotification:
		httpapi.RegisterNotifications(mux, s.shop, log)
	case FnAudit:
		mux.Handle("GET "+audit.FactsPath, audit.Handler(s.shop.Inventory(), s.shop.Orders(), audit.WithOwed(s.shop.Owed),
			audit.WithNotifications(s.shop.NotificationStore()), audit.WithLogger(log)))
	case FnSendConfirmation:
		mux.Handle("POST "+faas.EventPath, operation.Background(faas.EventHandler(sendConfirmation(s.shop))))
	case FnSweepOutbox:
		mux.Handle("POST "+faas.EventPath, operation.Background(faas.EventHandler(sweepConfirmations(s.shop, s.publisher))))
	case FnRecover:
		mux.Handle("POST "+faas.EventPath, operation.Background(faas.EventHandler(func(ctx context.Context, _ string, _ []byte) error {
			_, err := s.shop.RecoverStale(ctx)
			return err
		})))
	default:
		return nil, fmt.Errorf("no function %q", name)
	}
	mux.Handle("GET "+sqlstore.WriterPath, sqlstore.WriterHandler(s.shop.DB()))
	return httpapi.Harden(mux, log), nil
}
