package benchtarget

import (
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/archbench/archbench/internal/hopbench"
)

func TestMain(m *testing.M) {
	ServeIfChild()
	os.Exit(m.Run())
}

// TestStartServesAndCounts starts the child server, sends it two requests
// and expects the answers and its counters to match.
func TestStartServesAndCounts(t *testing.T) {
	srv := Start(t)
	_, conns0, reqs0 := srv.Stats(t)
	c := &http.Client{}
	t.Cleanup(c.CloseIdleConnections)
	for range 2 {
		resp, err := c.Get(srv.URL + "/anything")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || string(body) != Body {
			t.Fatalf("GET: %d %q; want 200 %q", resp.StatusCode, body, Body)
		}
	}
	cpu, conns, reqs := srv.Stats(t)
	if reqs-reqs0 != 2 {
		t.Errorf("server counted %d requests; want 2", reqs-reqs0)
	}
	if conns-conns0 != 1 {
		t.Errorf("server counted %d new connections; want 1 (keep-alive)", conns-conns0)
	}
	if cpu <= 0 {
		t.Errorf("server CPU %v; want > 0", cpu)
	}
}

// TestWithGOMAXPROCS starts the child under an inherited GOMAXPROCS=3:
// the option overrides it, and without one (n < 1) the child keeps it.
func TestWithGOMAXPROCS(t *testing.T) {
	t.Setenv("GOMAXPROCS", "3")
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"one", 1, 1},
		{"two", 2, 2},
		{"none: inherited", 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Start(t, WithGOMAXPROCS(tc.n)).GOMAXPROCS; got != tc.want {
				t.Errorf("child's GOMAXPROCS %d; want %d", got, tc.want)
			}
		})
	}
}

// BenchmarkIdleRoundTrip sends one GET at a time to the server in another
// process, as the load generator and a variant talk at low rates, where
// every request finds both processes idle and wakes their threads. With
// GOMAXPROCS=1 on both sides the Go runtimes keep fewer threads to park
// and wake; the difference between the two is what waking them costs on
// this machine, a large part of any latency measured at rest (see
// docs/MEASUREMENTS.md). Run with -count: the p50 moves between runs as
// the two processes' threads land on the same CPU or on different ones.
func BenchmarkIdleRoundTrip(b *testing.B) {
	for _, procs := range []int{0, 1} {
		name := "gomaxprocs=" + strconv.Itoa(procs)
		if procs == 0 {
			name = "gomaxprocs=default"
		}
		b.Run(name, func(b *testing.B) {
			if procs > 0 {
				prev := runtime.GOMAXPROCS(procs)
				b.Cleanup(func() { runtime.GOMAXPROCS(prev) })
			}
			srv := Start(b, WithGOMAXPROCS(procs))
			hopbench.Compare(b, func() *http.Client { return &http.Client{} }, "/", hopbench.Target{Name: "get", BaseURL: srv.URL})
		})
	}
}
