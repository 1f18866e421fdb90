// Command gateway is the microservices variant's entry point (see
// docs/SERVICES.md): it serves the public API by forwarding each route to the
// service that owns it. Peers: catalog, cart, orders, notifications, each
// with one URL per replica.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/services/gateway"
)

func main() {
	os.Exit(component.Main("gateway", os.Args[1:], nil, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		peers := make(map[string][]string)
		for _, name := range gateway.Services() {
			urls, err := cfg.Peer(name)
			if err != nil {
				return nil, nil, err
			}
			peers[name] = strings.Split(urls, ",")
		}
		g, err := gateway.New(peers, gateway.WithLogger(log))
		if err != nil {
			return nil, nil, err
		}
		return g, g.Close, nil
	}))
}
