package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/archbench/archbench/internal/hopbench"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/shop/api"
	"github.com/archbench/archbench/shop/remote"
)

// BenchmarkHop measures what the gateway adds to a request: the same small
// product read straight from a service, through a bare httputil.ReverseProxy,
// and through the gateway, one request at a time over keep-alive connections.
// A hop's cost is the difference to "direct"; the project's target is a
// gateway hop within 1.5× a ReverseProxy hop.
func BenchmarkHop(b *testing.B) {
	product := shop.Product{ID: 1, Name: "Smart Lamp 0001", PriceCents: 4599, Stock: 523104}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, product)
	}))
	b.Cleanup(backend.Close)
	target, err := url.Parse(backend.URL)
	if err != nil {
		b.Fatal(err)
	}

	proxy := httputil.NewSingleHostReverseProxy(target)
	proxyTransport := remote.NewTransport()
	b.Cleanup(proxyTransport.CloseIdleConnections)
	proxy.Transport = proxyTransport
	viaProxy := httptest.NewServer(proxy)
	b.Cleanup(viaProxy.Close)

	peers := map[string][]string{}
	for _, name := range Services() {
		peers[name] = []string{backend.URL}
	}
	g, err := New(peers)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(g.Close)
	viaGateway := httptest.NewServer(g)
	b.Cleanup(viaGateway.Close)

	hopbench.Compare(b, func() *http.Client { return &http.Client{Transport: remote.NewTransport()} }, "/products/1",
		hopbench.Target{Name: "direct", BaseURL: backend.URL},
		hopbench.Target{Name: "reverseproxy", BaseURL: viaProxy.URL},
		hopbench.Target{Name: "gateway", BaseURL: viaGateway.URL})
}
