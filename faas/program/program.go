// Package program is the program side of a function platform: one binary
// that is the platform (package faas) or, run by the platform with
// -function NAME, one instance of a function, as a cloud FaaS runs a
// function's code package. A variant that deploys functions supplies its
// functions (Functions) and calls Main from its command.
package program

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/component"
)

// Settings are the platform's settings that flags give.
type Settings struct {
	// KeepAlive is how long idle instances are kept (0: the Functions' default).
	KeepAlive time.Duration
	// AccountConcurrency caps busy instances across functions (0: default).
	AccountConcurrency int
	// Provisioned pre-warms that many instances of the named functions.
	Provisioned map[string]int
}

// Functions is what a program holds: its functions' deployment and code.
type Functions struct {
	// Config is the platform's deployment with settings s.
	Config func(s Settings) (faas.Config, error)
	// Flags, if set, adds the program's own flags to fs, next to the
	// protocol's and the platform's (the catalog Setup seeds, say). The
	// platform does not pass them on to instances.
	Flags func(fs *flag.FlagSet)
	// Setup, if set, runs once in the platform before it serves, as a
	// deployment step (creating and seeding a database, say), after the
	// flags are parsed.
	Setup func(ctx context.Context, cfg *component.Config, log *slog.Logger) error
	// Instance is one instance's initialisation: the handler it serves for
	// function and a cleanup. Its cost is part of every cold start.
	Instance func(ctx context.Context, cfg *component.Config, function string, log *slog.Logger) (http.Handler, func(), error)
	// Wrap, if set, wraps the front door's mux (to answer unknown routes in
	// the API's error format, say).
	Wrap func(mux *http.ServeMux, log *slog.Logger) http.Handler
	// Watch, if set, returns an observer of the platform's instances
	// (faas.WithObserver) and, to serve what it learns from them, routes to
	// add to the front door's mux by pattern (nil for none).
	Watch func(log *slog.Logger) (faas.Observer, map[string]http.Handler)
}

// BrokerPeer is the peer name under which the platform finds the broker
// its triggers consume from.
const BrokerPeer = "broker"

// Main runs the program with args and returns its exit code. It speaks the
// runtime's component protocol (package runtime/component); the platform
// passes its own -data and -peer flags on to every instance.
func Main(name string, args []string, fns Functions) int {
	var (
		function    string
		settings    Settings
		provisioned string
	)
	return component.Main(name, args, func(fs *flag.FlagSet) {
		fs.StringVar(&function, "function", "", "run as an instance of this function (the platform sets it)")
		fs.DurationVar(&settings.KeepAlive, "keep-alive", 0, "how long idle instances are kept")
		fs.IntVar(&settings.AccountConcurrency, "account-concurrency", 0, "most busy instances over all functions")
		fs.StringVar(&provisioned, "provisioned", "", "pre-warmed instances per function, as fn=N,...")
		if fns.Flags != nil {
			fns.Flags(fs)
		}
	}, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		if function != "" {
			return fns.Instance(ctx, cfg, function, log.With("function", function))
		}
		var err error
		if settings.Provisioned, err = runtime.ParseCounts(provisioned); err != nil {
			return nil, nil, fmt.Errorf("-provisioned: %w", err)
		}
		return platform(ctx, cfg, fns, settings, log)
	})
}

// platform sets up, then serves the front door, starting each instance by
// running this same program with -function.
func platform(ctx context.Context, cfg *component.Config, fns Functions, s Settings, log *slog.Logger) (http.Handler, func(), error) {
	fcfg, err := fns.Config(s)
	if err != nil {
		return nil, nil, err
	}
	if fns.Setup != nil {
		if err := fns.Setup(ctx, cfg, log); err != nil {
			return nil, nil, fmt.Errorf("set up: %w", err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find the functions' program: %w", err)
	}
	args := []string{"-data", cfg.DataDir}
	for name, url := range cfg.Peers {
		args = append(args, "-peer", name+"="+url)
	}
	opts := []faas.Option{faas.WithLogger(log)}
	var routes map[string]http.Handler
	if fns.Watch != nil {
		var o faas.Observer
		o, routes = fns.Watch(log)
		opts = append(opts, faas.WithObserver(o))
	}
	p, err := faas.New(fcfg, &faas.ProcessLauncher{Path: exe, Args: args, Log: os.Stderr}, opts...)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Start(ctx); err != nil {
		p.Close()
		return nil, nil, err
	}
	closeAll := p.Close
	if len(fcfg.Triggers) > 0 {
		url, err := cfg.Peer(BrokerPeer)
		if err != nil {
			p.Close()
			return nil, nil, fmt.Errorf("the triggers need a broker: %w", err)
		}
		nc, js, err := broker.Connect(ctx, url, "faas")
		if err != nil {
			p.Close()
			return nil, nil, err
		}
		closeAll = func() { p.Close(); nc.Close() }
		if err := p.Subscribe(ctx, js); err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	wrap := func(mux *http.ServeMux) http.Handler {
		for pattern, h := range routes {
			mux.Handle(pattern, h)
		}
		if fns.Wrap == nil {
			return mux
		}
		return fns.Wrap(mux, log)
	}
	return p.Handler(wrap), closeAll, nil
}
