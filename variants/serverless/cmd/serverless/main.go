// Command serverless is the serverless variant's program. Without
// -function it is the function platform (package faas) serving the shop's
// front door; the platform starts each function instance by running this
// same program with -function NAME, as a cloud FaaS runs a function's code
// package. It speaks the runtime's component protocol (package
// runtime/component) and needs two peers: -peer psp=URL -peer broker=URL.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/variants/serverless"
)

func main() {
	var (
		function    string
		settings    serverless.Settings
		provisioned string
	)
	os.Exit(component.Main(serverless.Name, os.Args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&function, "function", "", "run as an instance of this function (the platform sets it)")
		fs.DurationVar(&settings.KeepAlive, "keep-alive", 0, "how long idle instances are kept (default 60s)")
		fs.IntVar(&settings.AccountConcurrency, "account-concurrency", 0, "most busy instances over all functions (default 100)")
		fs.DurationVar(&settings.SweepEvery, "sweep-every", 0, "interval of the confirmation sweeper (default 5s)")
		fs.StringVar(&provisioned, "provisioned", "", "pre-warmed instances per function, as fn=N,...")
	}, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		if function != "" {
			return serverless.Instance(ctx, cfg, function, log)
		}
		var err error
		if settings.Provisioned, err = runtime.ParseCounts(provisioned); err != nil {
			return nil, nil, fmt.Errorf("-provisioned: %w", err)
		}
		return serverless.Platform(ctx, cfg, settings, log)
	}))
}
