// Command payments is the microservices variant's payment service (see
// docs/SERVICES.md). Peers: psp, the external payment provider.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/payments"
)

func main() {
	os.Exit(component.Main("payments", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		psp, err := cfg.Peer("psp")
		if err != nil {
			return nil, nil, err
		}
		s, err := payments.Open(ctx, cfg.DataDir, payment.NewClient(psp))
		if err != nil {
			return nil, nil, err
		}
		return payments.Handler(s, log), func() { s.Close() }, nil
	}))
}
