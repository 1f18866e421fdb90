package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTransport(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("chunk1,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("chunk2"))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/echo":
			io.Copy(w, r.Body)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/slow":
			select {
			case <-time.After(time.Minute):
			case <-r.Context().Done():
			}
		default:
			w.Write([]byte("ok"))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	tr := newTransport(4, 200*time.Millisecond)
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}

	get := func(t *testing.T, method, path, body string) (int, string, error) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), err
	}
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string
		wantNewConns             int64 // opened by this request
		prepare                  func()
	}{
		{name: "first dials", method: "GET", path: "/", wantStatus: 200, wantBody: "ok", wantNewConns: 1},
		{name: "keep-alive reuses", method: "GET", path: "/", wantStatus: 200, wantBody: "ok"},
		{name: "chunked", method: "GET", path: "/chunked", wantStatus: 200, wantBody: "chunk1,chunk2"},
		{name: "post body", method: "POST", path: "/echo", body: `{"sku":"x"}`, wantStatus: 200, wantBody: `{"sku":"x"}`},
		{name: "no content", method: "GET", path: "/empty", wantStatus: 204},
		{name: "head", method: "HEAD", path: "/", wantStatus: 200},
		{name: "server closes", method: "GET", path: "/close", wantStatus: 200, wantBody: "bye"},
		{name: "redials after close", method: "GET", path: "/", wantStatus: 200, wantBody: "ok", wantNewConns: 1},
		{
			name: "retries a stale connection", method: "PUT", path: "/echo", body: "again", wantStatus: 200, wantBody: "again", wantNewConns: 1,
			prepare: srv.CloseClientConnections,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare()
			}
			before := conns.Load()
			status, body, err := get(t, tt.method, tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if n := conns.Load() - before; n != tt.wantNewConns {
				t.Errorf("opened %d connections, want %d", n, tt.wantNewConns)
			}
		})
	}
	t.Run("never resends a POST without an idempotency key", func(t *testing.T) {
		if _, _, err := get(t, "GET", "/", ""); err != nil { // leave a kept-alive connection
			t.Fatal(err)
		}
		srv.CloseClientConnections()
		before := conns.Load()
		if _, _, err := get(t, "POST", "/echo", "once"); err == nil {
			t.Fatal("POST on a stale connection succeeded; it must fail rather than be resent")
		}
		if n := conns.Load() - before; n != 0 {
			t.Errorf("opened %d connections to resend a POST, want 0", n)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, _, err := get(t, "GET", "/slow", "")
		if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
			t.Errorf("err = %v, want a timeout", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
		tr := newTransport(4, time.Minute)
		t.Cleanup(tr.CloseIdleConnections)
		time.AfterFunc(10*time.Millisecond, cancel)
		_, err := (&http.Client{Transport: tr}).Do(req)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// TestReplayable pins the rule for resending after a broken kept-alive
// connection: only requests that are safe to process twice.
func TestReplayable(t *testing.T) {
	tests := []struct {
		method string
		header string
		want   bool
	}{
		{http.MethodGet, "", true},
		{http.MethodHead, "", true},
		{http.MethodPut, "", true},
		{http.MethodDelete, "", true},
		{http.MethodPost, "", false},
		{http.MethodPatch, "", false},
		{http.MethodPost, "Idempotency-Key", true},
		{http.MethodPost, "X-Idempotency-Key", true},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(tc.method, "http://127.0.0.1/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.header != "" {
			req.Header.Set(tc.header, "k1")
		}
		if got := replayable(req); got != tc.want {
			t.Errorf("replayable(%s with %q) = %v, want %v", tc.method, tc.header, got, tc.want)
		}
	}
}
