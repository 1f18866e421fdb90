package component

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// faulty serves a handler answering 200 "ok" behind an injector.
func faulty(t *testing.T) (*httptest.Server, *injector) {
	t.Helper()
	in := &injector{log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(in.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})))
	t.Cleanup(func() {
		in.heal()
		srv.Close()
	})
	return srv, in
}

func get(t *testing.T, url string) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

func TestFaultHitsOnlyItsRoutes(t *testing.T) {
	tests := []struct {
		fault     Fault
		hitStatus int
		minDelay  time.Duration
	}{
		{Fault{Kind: FaultLatency, LatencyMs: 80, Routes: []string{"GET /carts/{id}"}}, http.StatusOK, 80 * time.Millisecond},
		{Fault{Kind: FaultErrors, ErrorRate: 1, Routes: []string{"GET /carts/{id}"}}, http.StatusInternalServerError, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind, func(t *testing.T) {
			srv, _ := faulty(t)
			ctx := context.Background()
			if err := InjectFault(ctx, srv.Client(), srv.URL, tt.fault); err != nil {
				t.Fatal(err)
			}
			if code, took := get(t, srv.URL+"/carts/7"); code != tt.hitStatus || took < tt.minDelay {
				t.Errorf("hit route: %d after %s, want %d after at least %s", code, took, tt.hitStatus, tt.minDelay)
			}
			if code, took := get(t, srv.URL+"/products/7"); code != http.StatusOK || (tt.minDelay > 0 && took >= tt.minDelay) {
				t.Errorf("other route: %d after %s, want 200 without the delay", code, took)
			}
			if err := HealFault(ctx, srv.Client(), srv.URL); err != nil {
				t.Fatal(err)
			}
			if code, took := get(t, srv.URL+"/carts/7"); code != http.StatusOK || (tt.minDelay > 0 && took >= tt.minDelay) {
				t.Errorf("after healing: %d after %s, want 200 without the delay", code, took)
			}
		})
	}
}

func TestFaultLeakHoldsMemoryUntilHealed(t *testing.T) {
	srv, in := faulty(t)
	if err := InjectFault(context.Background(), srv.Client(), srv.URL, Fault{Kind: FaultLeak, LeakKB: 256}); err != nil {
		t.Fatal(err)
	}
	a := in.active.Load()
	for range 8 {
		get(t, srv.URL+"/anything")
	}
	a.mu.Lock()
	held := len(a.leaked)
	a.mu.Unlock()
	if held != 8 || len(a.leaked[0]) != 256<<10 {
		t.Fatalf("leaked %d blocks, want 8 of 256 KiB", held)
	}
	in.heal()
	if a.leaked != nil || in.active.Load() != nil {
		t.Fatal("healing kept the leak")
	}
}

func TestFaultHogSpinsUntilHealed(t *testing.T) {
	srv, in := faulty(t)
	get(t, srv.URL+"/warm") // the keep-alive connection's goroutines count in the baseline
	before := runtime.NumGoroutine()
	if err := InjectFault(context.Background(), http.DefaultClient, srv.URL, Fault{Kind: FaultHog, HogGoroutines: 3}); err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n < before+3 {
		t.Fatalf("%d goroutines with a hog of 3, %d before", n, before)
	}
	in.heal()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() >= before+3 {
		if time.Now().After(deadline) {
			t.Fatalf("hog goroutines still running after healing: %d, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFaultRouteRejectsBadInput answers bad faults with a 400 naming the
// field, and changes nothing.
func TestFaultRouteRejectsBadInput(t *testing.T) {
	srv, in := faulty(t)
	tests := []struct {
		method, body string
		status       int
		want         string
	}{
		{http.MethodPut, `{"kind": "flood"}`, 400, "kind must be one of latency, errors, leak, hog"},
		{http.MethodPut, `{"kind": "latency"}`, 400, "latency_ms must be in (0, 60000]"},
		{http.MethodPut, `{"kind": "errors", "error_rate": 1.5}`, 400, "error_rate"},
		{http.MethodPut, `{"kind": "leak", "leak_kb": -1}`, 400, "leak_kb"},
		{http.MethodPut, `{"kind": "hog", "hog_goroutines": 1000}`, 400, "hog_goroutines"},
		{http.MethodPut, `{"kind": "latency", "latency_ms": 5, "routes": ["GET /x/{"]}`, 400, "routes[0]"},
		{http.MethodPut, `{"kind": "latency", "latency_ms": 5, "speed": 1}`, 400, `unknown field "speed"`},
		{http.MethodPut, `{"kind": `, 400, "fault:"},
		{http.MethodPost, `{}`, 405, "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+FaultPath, strings.NewReader(tt.body))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error.Code == "" {
				t.Fatalf("status %d, body not the API's JSON error: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(e.Error.Message, tt.want) {
				t.Fatalf("%d %q, want %d naming %q", resp.StatusCode, e.Error.Message, tt.status, tt.want)
			}
			if in.active.Load() != nil {
				t.Fatal("a rejected fault was injected")
			}
		})
	}
}
