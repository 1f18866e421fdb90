// Package gateway is the single entry point of the microservices variant
// (docs/SERVICES.md). It owns no data: it serves the public contract
// (docs/API.md) by forwarding each public route to the service that owns it,
// answers GET /healthz itself, and keeps internal routes out of reach.
//
// It is also the variant's resilience layer. Each call to a service has a
// deadline (per route); idempotent calls (GET, or a checkout carrying an
// Idempotency-Key, which the orders service deduplicates by) are retried on
// another replica after a connection failure or a 502/503/504, at most a few
// times and only while the service's retry budget allows; and each service
// sits behind its own circuit breaker, so an outage (no answer, or a 5xx
// that is not the service's own JSON error) is answered at once with 503
// instead of one timeout per request.
package gateway

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/archbench/archbench/shop/httpapi"
)

// The services the gateway forwards to, by the peer names the runtime uses.
const (
	Catalog       = "catalog"
	Cart          = "cart"
	Orders        = "orders"
	Notifications = "notifications"
)

// Services lists the peers a gateway needs, each with at least one replica.
func Services() []string {
	return []string{Catalog, Cart, Orders, Notifications}
}

// publicRoute is a route of the public contract and the service that owns it.
type publicRoute struct {
	pattern string
	service string
	// keyed says the route deduplicates by Idempotency-Key (checkout only),
	// so a POST with one may be sent twice.
	keyed bool
}

// publicRoutes is the routing table: every public route but /healthz, which
// the gateway answers itself. Nothing else is forwarded.
func publicRoutes() []publicRoute {
	return []publicRoute{
		{httpapi.RouteListProducts, Catalog, false},
		{httpapi.RouteGetProduct, Catalog, false},
		{httpapi.RouteCreateCart, Cart, false},
		{httpapi.RouteGetCart, Cart, false},
		{httpapi.RouteAddItem, Cart, false},
		{httpapi.RouteRemoveItem, Cart, false},
		{httpapi.RouteCheckout, Orders, true},
		{httpapi.RouteGetOrder, Orders, false},
		{httpapi.RouteNotifications, Notifications, false},
	}
}

// Gateway is the microservices variant's entry point, an http.Handler.
type Gateway struct {
	handler   http.Handler
	transport http.RoundTripper
}

// New returns a gateway forwarding to peers, which maps each service named by
// Services to its replicas' base URLs (such as "http://127.0.0.1:41234"); a
// call goes to the replicas in turn. Every service needs at least one URL.
func New(peers map[string][]string, opts ...Option) (*Gateway, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(cfg)
	}
	errs := cfg.validate()
	services := Services()
	downstreams := make(map[string]*downstream, len(services))
	for _, name := range services {
		replicas, err := parseReplicas(name, peers[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		downstreams[name] = newDownstream(name, replicas, cfg)
	}
	for _, name := range slices.Sorted(maps.Keys(peers)) {
		if !slices.Contains(services, name) {
			errs = append(errs, fmt.Errorf("peer %q: the gateway routes to none such (want %s)", name, strings.Join(services, ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new gateway: %w", err)
	}

	e := &engine{
		transport:  cfg.transport,
		log:        cfg.log,
		maxRetries: cfg.maxRetries,
		backoffMin: cfg.backoffMin,
		backoffMax: cfg.backoffMax,
		bufs:       sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }},
	}
	mux := httpapi.NewMux() // answers GET /healthz
	for _, rt := range publicRoutes() {
		timeout, ok := cfg.timeouts[rt.pattern]
		if !ok {
			timeout = cfg.defaultTimeout
		}
		mux.Handle(rt.pattern, newForwarder(e, downstreams[rt.service], timeout, rt.keyed))
	}
	return &Gateway{handler: httpapi.Harden(mux, cfg.log), transport: cfg.transport}, nil
}

// ServeHTTP serves the public contract.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.handler.ServeHTTP(w, r)
}

// Close closes the transport's idle connections to the services. The
// gateway keeps working; call it once the server has drained.
func (g *Gateway) Close() {
	if c, ok := g.transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// parseReplicas checks a service's replica base URLs and normalises them
// (spaces and a trailing slash trimmed, empty entries dropped).
func parseReplicas(name string, urls []string) ([]*url.URL, error) {
	var out []*url.URL
	for _, raw := range urls {
		raw = strings.TrimRight(strings.TrimSpace(raw), "/")
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err == nil && ((u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil) {
			err = errors.New("want http(s)://host:port")
		}
		if err != nil {
			return nil, fmt.Errorf("peer %s: %q is not a base URL such as http://127.0.0.1:8080: %w", name, raw, err)
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("peer %s: no URL: pass at least one replica's base URL", name)
	}
	return out, nil
}

// downstream is one service: its replicas, taken in turn, its circuit
// breaker and its retry budget, shared by all its routes.
type downstream struct {
	name     string
	replicas []*url.URL
	next     atomic.Uint64
	breaker  *breaker
	budget   *retryBudget
}

func newDownstream(name string, replicas []*url.URL, cfg *config) *downstream {
	return &downstream{
		name:     name,
		replicas: replicas,
		breaker:  newBreaker(name, cfg.breaker, cfg.log),
		budget:   newRetryBudget(cfg.budgetRatio, cfg.budgetMax),
	}
}
