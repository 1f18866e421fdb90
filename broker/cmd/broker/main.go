// Command broker runs the shop's NATS server with JetStream as a component:
// it takes the runtime protocol's -listen and -data flags and announces
// itself with a nats:// READY line (it serves no HTTP, so no /healthz).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/runtime/component"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "broker")
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	cfg := component.Register(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := run(cfg.Listen, cfg.DataDir); err != nil {
		log.Error("broker", "err", err)
		os.Exit(1)
	}
}

// run serves the broker until SIGINT or SIGTERM, its JetStream data in
// dataDir, or in a temporary directory removed on return when dataDir is
// empty: on every return, a failed start included (os.Exit would skip the
// removal).
func run(listen, dataDir string) error {
	dir := dataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "broker-")
		if err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := broker.Start(listen, dir)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	fmt.Printf("%s%s\n", component.ReadyPrefix, srv.URL())
	<-ctx.Done()
	srv.Close()
	return nil
}
