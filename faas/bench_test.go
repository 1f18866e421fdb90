package faas_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/internal/hopbench"
)

// BenchmarkWarmInvoke measures what the platform adds to a warm invocation:
// the same small answer read straight from an instance process, through a
// bare httputil.ReverseProxy, and through the platform's front door with
// the instance warm (provisioned). The project's target: the platform's
// overhead within one hop, that is within the ReverseProxy's.
func BenchmarkWarmInvoke(b *testing.B) {
	launcher := &faas.ProcessLauncher{Path: os.Args[0], Args: []string{"-data", b.TempDir()}, Env: append(os.Environ(), instanceEnv+"=1")}
	direct, err := launcher.Launch(b.Context(), faas.Function{Name: "direct"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(direct.Stop)
	target, err := url.Parse(direct.URL())
	if err != nil {
		b.Fatal(err)
	}
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	b.Cleanup(proxy.Close)

	p, err := faas.New(faas.Config{
		Functions: []faas.Function{{Name: "hello", Provisioned: 1}},
		Routes:    []faas.Route{{Pattern: "GET /hello", Function: "hello"}},
	}, launcher)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	if err := p.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(p.Handler(nil))
	b.Cleanup(front.Close)

	hopbench.Compare(b, func() *http.Client {
		return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}}
	}, "/hello",
		hopbench.Target{Name: "direct", BaseURL: direct.URL()},
		hopbench.Target{Name: "reverseproxy", BaseURL: proxy.URL},
		hopbench.Target{Name: "platform", BaseURL: front.URL})
}
