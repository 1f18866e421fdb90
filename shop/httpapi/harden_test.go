package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/archbench/archbench/shop/operation"
)

// TestHardenNamesTheOperation checks the operation a routed request
// carries in its context: the route it matched, unless its caller named
// one in operation.Header, where an empty header stands for work no
// request started.
func TestHardenNamesTheOperation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header []string // nil: none
		want   string
	}{
		{"a client's request: the route matched", nil, "GET /things/{id}"},
		{"a call on behalf of a public route", []string{"POST /carts/{id}/checkout"}, "POST /carts/{id}/checkout"},
		{"a call no request started", []string{""}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := "(not routed)"
			mux := http.NewServeMux()
			mux.HandleFunc("GET /things/{id}", func(_ http.ResponseWriter, r *http.Request) { got = operation.From(r.Context()) })
			r := httptest.NewRequest(http.MethodGet, "/things/1", nil)
			if tc.header != nil {
				r.Header[operation.Header] = tc.header
			}
			Harden(mux, slog.New(slog.DiscardHandler)).ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("operation %q, want %q", got, tc.want)
			}
		})
	}
}
