package serverless

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"

	"github.com/nats-io/nats.go"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
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
	publisher publisher
	nc        *nats.Conn
}

// usesBroker names the functions that publish events.
var usesBroker = []string{FnCheckout, FnSweepOutbox}

// Instance is the program of one instance of function: it opens the shared
// database as it is (the platform created it) and, for the functions that
// publish, connects to the broker. This is the function's init code, timed
// as part of its cold start.
func Instance(ctx context.Context, cfg *component.Config, function string, log *slog.Logger) (http.Handler, func(), error) {
	log = log.With("function", function)
	f := &shopFunctions{publisher: publisher{log: log}}
	var dispatcher local.Dispatcher = noDispatch{}
	if slices.Contains(usesBroker, function) {
		url, err := cfg.Peer(Broker)
		if err != nil {
			return nil, nil, err
		}
		if f.nc, f.publisher.js, err = broker.Connect(ctx, url, function); err != nil {
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

// Platform is the program of the platform: it creates and seeds the shop's
// database once, as a deployment step, then serves the front door, starting
// each instance by running this same program with -function.
func Platform(ctx context.Context, cfg *component.Config, s Settings, log *slog.Logger) (http.Handler, func(), error) {
	fcfg, err := Config(s)
	if err != nil {
		return nil, nil, err
	}
	setup, err := local.Open(ctx, cfg.DataDir, noPayer{}, local.WithDispatcher(noDispatch{}), local.WithLogger(log))
	if err != nil {
		return nil, nil, fmt.Errorf("set up the shop's database: %w", err)
	}
	if err := setup.Close(); err != nil {
		return nil, nil, fmt.Errorf("set up the shop's database: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find the functions' program: %w", err)
	}
	args := []string{"-data", cfg.DataDir}
	for name, url := range cfg.Peers {
		args = append(args, "-peer", name+"="+url)
	}
	p, err := faas.New(fcfg, &faas.ProcessLauncher{Path: exe, Args: args, Log: os.Stderr}, faas.WithLogger(log))
	if err != nil {
		return nil, nil, err
	}
	brokerURL, err := cfg.Peer(Broker)
	if err != nil {
		return nil, nil, err
	}
	nc, js, err := broker.Connect(ctx, brokerURL, "faas")
	if err != nil {
		return nil, nil, err
	}
	if err := p.Start(ctx); err != nil {
		p.Close()
		nc.Close()
		return nil, nil, err
	}
	if err := p.Subscribe(ctx, js); err != nil {
		p.Close()
		nc.Close()
		return nil, nil, err
	}
	return p.Handler(func(mux *http.ServeMux) http.Handler { return httpapi.Harden(mux, log) }), func() {
		p.Close()
		nc.Close()
	}, nil
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
