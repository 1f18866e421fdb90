// Package monolithtest serves the monolith inside a test's own process:
// its handler on a loopback server, next to a payment provider of its own,
// both stopped when the test ends. It is for tests that need a real shop
// to talk to but not the process runtime (package varianttest deploys a
// variant as processes).
package monolithtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/local"
	"github.com/archbench/archbench/variants"
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

// Shop is a monolith Serve started. Its payment provider can crash and
// come back, as the component variants.PSPName of a deployment can (see
// Kill), for contract.WithPaymentProvider.
type Shop struct {
	// URL is the shop's, PaymentURL its payment provider's.
	URL, PaymentURL string
	// Provider is the payment provider, to read what it charged.
	Provider *payment.Provider
	psp      *outage
}

// outage serves the payment provider while it is up; while it is down, it
// cuts every request's connection without an answer, as a crashed
// provider's would be.
type outage struct {
	srv  *httptest.Server
	h    http.Handler
	down atomic.Bool
}

func (o *outage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o.down.Load() {
		panic(http.ErrAbortHandler) // the server closes the connection, unanswered
	}
	o.h.ServeHTTP(w, r)
}

// Kill crashes the payment provider (variants.PSPName, replica 0, the one
// component of the shop that can crash): until Restart, every connection to
// it is cut unanswered.
func (s Shop) Kill(component string, replica int) error {
	if component != variants.PSPName || replica != 0 {
		return fmt.Errorf("kill %s-%d: only the payment provider, %s-0, can crash", component, replica, variants.PSPName)
	}
	if !s.psp.down.CompareAndSwap(false, true) {
		return fmt.Errorf("kill %s-0: %w", component, os.ErrProcessDone)
	}
	s.psp.srv.CloseClientConnections()
	return nil
}

// Restart brings the payment provider back after Kill, with the charges it
// made before.
func (s Shop) Restart(_ context.Context, component string, replica int) error {
	if component != variants.PSPName || replica != 0 {
		return fmt.Errorf("restart %s-%d: only the payment provider, %s-0, can crash", component, replica, variants.PSPName)
	}
	if !s.psp.down.CompareAndSwap(true, false) {
		return fmt.Errorf("restart %s-0: it is still running; Kill it first", component)
	}
	return nil
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
	o := &outage{h: provider}
	psp := httptest.NewServer(o)
	o.srv = psp
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
	return Shop{URL: srv.URL, PaymentURL: psp.URL, Provider: provider, psp: o}
}
