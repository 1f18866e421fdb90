// Command archbench benchmarks the same online shop built as different
// architectures. Run 'archbench help' for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/archbench/archbench/cli"
)

func main() {
	// Ctrl-C or SIGTERM cancels the context; every subcommand then stops what
	// it started before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
