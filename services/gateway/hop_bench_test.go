package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"
	"time"

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

	for _, bm := range []struct{ name, base string }{
		{"direct", backend.URL},
		{"reverseproxy", viaProxy.URL},
		{"gateway", viaGateway.URL},
	} {
		b.Run(bm.name, func(b *testing.B) {
			tr := remote.NewTransport()
			b.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr}
			get := func() {
				resp, err := client.Get(bm.base + "/products/1")
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			get() // open the connections before timing
			durations := make([]time.Duration, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				get()
				durations = append(durations, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}
