package operation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestContextRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := From(ctx); got != "" {
		t.Errorf("From(background) = %q, want none", got)
	}
	if got := From(With(ctx, "")); got != "" {
		t.Errorf("From(With(\"\")) = %q, want none", got)
	}
	ctx = With(ctx, "POST /carts")
	if got := From(ctx); got != "POST /carts" {
		t.Errorf("From = %q, want POST /carts", got)
	}
	if got := From(With(ctx, "")); got != "POST /carts" {
		t.Errorf("With(\"\") dropped the operation: From = %q", got)
	}
}

func TestHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string // nil: no header
		want   string
		wantOK bool
	}{
		{"absent", nil, "", false},
		{"empty: no request's work", []string{""}, "", true},
		{"route", []string{"POST /carts/{id}/checkout"}, "POST /carts/{id}/checkout", true},
		{"longest", []string{strings.Repeat("a", MaxLen)}, strings.Repeat("a", MaxLen), true},
		{"too long", []string{strings.Repeat("a", MaxLen+1)}, "", true},
		{"control character", []string{"GET /\x01"}, "", true},
		{"delete", []string{"GET /\x7f"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.values != nil {
				h[Header] = tc.values
			}
			got, ok := FromHeader(h)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("FromHeader(%q) = %q, %t; want %q, %t", tc.values, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestHeaderOverHTTP checks that the header reaches a server as set, an
// empty one included: what tells a service that a call serves no request.
func TestHeaderOverHTTP(t *testing.T) {
	t.Parallel()
	type seen struct {
		name string
		ok   bool
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := FromHeader(r.Header)
		got <- seen{name, ok}
	}))
	t.Cleanup(srv.Close)
	for _, op := range []string{"GET /orders/{id}", ""} {
		req, err := http.NewRequestWithContext(With(context.Background(), op), http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		SetHeader(req.Header, req.Context())
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if s := <-got; s != (seen{op, true}) {
			t.Errorf("sent %q, the server read %q, %t", op, s.name, s.ok)
		}
	}
}

func TestSetHeader(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	SetHeader(h, context.Background())
	if name, ok := FromHeader(h); name != "" || !ok {
		t.Errorf("SetHeader without an operation: FromHeader = %q, %t; want an empty header", name, ok)
	}
	SetHeader(h, With(context.Background(), "GET /orders/{id}"))
	if name, _ := FromHeader(h); name != "GET /orders/{id}" {
		t.Errorf("after SetHeader, FromHeader = %q, want GET /orders/{id}", name)
	}
}

// TestBackground proves a handler served as background work sees no
// operation, whether its caller's context or header named one, and that
// a call it makes says so to the next hop.
func TestBackground(t *testing.T) {
	t.Parallel()
	var seen string
	var sent http.Header
	h := Background(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = From(r.Context())
		sent = http.Header{}
		SetHeader(sent, r.Context())
	}))
	r := httptest.NewRequest(http.MethodPost, "/event", nil)
	r.Header.Set(Header, "POST /carts/{id}/checkout")
	h.ServeHTTP(httptest.NewRecorder(), r.WithContext(With(r.Context(), "POST /event")))
	if seen != "" {
		t.Errorf("the handler saw operation %q, want none", seen)
	}
	if name, ok := FromHeader(sent); name != "" || !ok {
		t.Errorf("its call's header names %q (sent: %v), want it sent, empty", name, ok)
	}
}
