// Command psp is the stand-in for a third-party payment service provider,
// with configurable latency and failure rates. It speaks the runtime's
// component protocol (see package runtime/component).
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/runtime/component"
)

func main() {
	var (
		median, p99          time.Duration
		declines, errorsRate float64
		seed                 uint64
	)
	os.Exit(component.Main("psp", os.Args[1:], func(fs *flag.FlagSet) {
		fs.DurationVar(&median, "latency-median", 0, "median charge latency (log-normal); 0 answers at once")
		fs.DurationVar(&p99, "latency-p99", 0, "99th percentile charge latency")
		fs.Float64Var(&declines, "decline-rate", 0, "share of charges declined, 0..1")
		fs.Float64Var(&errorsRate, "error-rate", 0, "share of charge requests answered 503, 0..1")
		fs.Uint64Var(&seed, "seed", 1, "seed for latency and failure draws")
	}, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		if p99 < median {
			p99 = median
		}
		p, err := payment.NewProvider(payment.WithLatency(median, p99), payment.WithDeclineRate(declines),
			payment.WithErrorRate(errorsRate), payment.WithSeed(seed), payment.WithLedger(filepath.Join(cfg.DataDir, "ledger.jsonl")))
		if err != nil {
			return nil, nil, err
		}
		return p, func() {
			if err := p.Close(); err != nil {
				log.Warn("close the ledger", "err", err)
			}
		}, nil
	}))
}
