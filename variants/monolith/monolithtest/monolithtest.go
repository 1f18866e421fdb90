// Package monolithtest serves the monolith inside a test's own process:
// its handler on a loopback server, next to a payment provider of its own,
// both stopped when the test ends. It is for tests that need a real shop
// to talk to but not the process runtime (package varianttest deploys a
// variant as processes).
package monolithtest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/variants/monolith"
)

// Option configures Serve.
type Option func(*config)

type config struct {
	provider []payment.ProviderOption
	wrap     func(http.Handler) http.Handler
	shop     []local.Option
}

// WithProvider configures the payment provider (latency, declines, …).
func WithProvider(opts ...payment.ProviderOption) Option {
	return func(c *config) { c.provider = append(c.provider, opts...) }
}

// WithCatalog seeds the shop with spec instead of shop.DefaultCatalog
// (contract.Catalog, say, for the whole contract suite to run).
func WithCatalog(spec shop.CatalogSpec) Option {
	return func(c *config) { c.shop = append(c.shop, local.WithCatalog(spec)) }
}

// WithWrap serves the monolith's handler through wrap, to watch or alter
// what it answers.
func WithWrap(wrap func(http.Handler) http.Handler) Option {
	return func(c *config) { c.wrap = wrap }
}

// Shop is a monolith Serve started.
type Shop struct {
	// URL is the shop's, PaymentURL its payment provider's.
	URL, PaymentURL string
	// Provider is the payment provider, to read what it charged.
	Provider *payment.Provider
}

// Serve serves a fresh monolith, with a database in a temporary directory,
// charging through its own payment provider, until the test ends.
func Serve(t testing.TB, opts ...Option) Shop {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	provider, err := payment.NewProvider(cfg.provider...)
	if err != nil {
		t.Fatal(err)
	}
	psp := httptest.NewServer(provider)
	t.Cleanup(psp.Close)
	h, closeShop, err := monolith.New(context.Background(), t.TempDir(), psp.URL, slog.New(slog.DiscardHandler), cfg.shop...)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.wrap != nil {
		h = cfg.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if err := closeShop(); err != nil {
			t.Error(err)
		}
	})
	return Shop{URL: srv.URL, PaymentURL: psp.URL, Provider: provider}
}
