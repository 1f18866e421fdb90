package serverless

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/nats-io/nats.go"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/faas/program"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/shop/sqlstore"
)

// shopFunctions is what an instance holds between invocations: connections
// only, as a Lambda function keeps clients in globals. Nothing in it
// matters to correctness.
type shopFunctions struct {
	shop      *local.Shop
	publisher broker.OrderPublisher
	nc        *nats.Conn
}

// usesBroker names the functions that publish events.
var usesBroker = []string{FnCheckout, FnSweepOutbox}

// Instance is the program of one instance of function: it opens the shared
// database as it is (the platform created it) and, for the functions that
// publish, connects to the broker. This is the function's init code, timed
// as part of its cold start.
func Instance(ctx context.Context, cfg *component.Config, function string, log *slog.Logger) (http.Handler, func(), error) {
	f := &shopFunctions{publisher: broker.OrderPublisher{Log: log}}
	var dispatcher local.Dispatcher = noDispatch{}
	if slices.Contains(usesBroker, function) {
		url, err := cfg.Peer(Broker)
		if err != nil {
			return nil, nil, err
		}
		if f.nc, f.publisher.JS, err = broker.Connect(ctx, url, function); err != nil {
			return nil, nil, err
		}
		dispatcher = f.publisher
	}
	var payer local.Payer = noPayer{}
	if psp, ok := cfg.Peers["psp"]; ok {
		payer = payment.NewClient(psp)
	}
	s, err := local.Open(ctx, cfg.DataDir, payer, local.Attached(), local.WithDispatcher(dispatcher),
		local.WithLogger(log), local.WithDBOptions(sqlstore.WithReaders(2)))
	if err != nil {
		f.close()
		return nil, nil, fmt.Errorf("open the shop's database: %w", err)
	}
	f.shop = s
	h, err := functionHandler(function, f, log)
	if err != nil {
		f.close()
		return nil, nil, err
	}
	return h, f.close, nil
}

func (f *shopFunctions) close() {
	if f.shop != nil {
		_ = f.shop.Close()
	}
	if f.nc != nil {
		f.nc.Close()
	}
}

// Functions is the serverless shop's functions, for program.Main. The
// platform takes -catalog (shop.CatalogVar): the catalog it seeds the
// shop's database with at deploy time. It serves the sum of its
// instances' writer counts at sqlstore.WriterPath (instanceWriters).
func Functions() program.Functions {
	catalog := shop.DefaultCatalog
	return program.Functions{
		Config: func(s program.Settings) (faas.Config, error) {
			return Config(Settings{KeepAlive: s.KeepAlive, AccountConcurrency: s.AccountConcurrency, Provisioned: s.Provisioned})
		},
		Flags: func(fs *flag.FlagSet) { shop.CatalogVar(fs, &catalog) },
		Setup: func(ctx context.Context, cfg *component.Config, log *slog.Logger) error {
			return setUp(ctx, cfg, log, catalog)
		},
		Instance: Instance,
		Wrap:     httpapi.Harden,
		Watch: func(log *slog.Logger) (faas.Observer, map[string]http.Handler) {
			ledger := sqlstore.NewWriterLedger(sqlstore.WithLedgerLogger(log))
			return instanceWriters{ledger}, map[string]http.Handler{"GET " + sqlstore.WriterPath: ledger}
		},
	}
}

// instanceWriters keeps the platform's ledger of its instances' writer
// counts: every instance writes the shop's one database through a writer
// of its own, and serves its counts at sqlstore.WriterPath (see
// functionHandler), for as long as it lives. The platform serves the sum
// at the same path, as one component's counts, for a bench to sample.
type instanceWriters struct{ ledger *sqlstore.WriterLedger }

// Started adds a new instance to the ledger.
func (w instanceWriters) Started(_ string, in faas.Instance) { w.ledger.Join(in.URL()) }

// Retired reads the instance's last counts into the ledger.
func (w instanceWriters) Retired(ctx context.Context, _ string, in faas.Instance) {
	w.ledger.Leave(ctx, in.URL())
}

// setUp creates and seeds the shop's database with catalog once, as a
// deployment step, before any instance opens it.
func setUp(ctx context.Context, cfg *component.Config, log *slog.Logger, catalog shop.CatalogSpec) error {
	s, err := local.Open(ctx, cfg.DataDir, noPayer{}, local.WithCatalog(catalog), local.WithDispatcher(noDispatch{}), local.WithLogger(log))
	if err != nil {
		return fmt.Errorf("the shop's database: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("the shop's database: %w", err)
	}
	return nil
}

// noDispatch is the dispatcher of functions that never place orders.
type noDispatch struct{}

func (noDispatch) Queued(context.Context, shop.Order) {}

// noPayer is the payer where no payment provider is configured: every
// charge is unavailable.
type noPayer struct{}

func (noPayer) Charge(context.Context, string, string, int64) (string, error) {
	return "", fmt.Errorf("no payment provider configured: %w", shop.ErrPaymentUnavailable)
}

func (noPayer) Void(context.Context, string) error {
	return fmt.Errorf("no payment provider configured: %w", shop.ErrPaymentUnavailable)
}
