package benchtarget

import (
	"io"
	"net/http"
	"os"
	"testing"
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
