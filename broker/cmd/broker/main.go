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
	dir := cfg.DataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "broker-")
		if err != nil {
			log.Error("create data directory", "err", err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := broker.Start(cfg.Listen, dir)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	fmt.Printf("%s%s\n", component.ReadyPrefix, srv.URL())
	<-ctx.Done()
	srv.Close()
}
