package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLoopThroughStall is the open-loop proof: the target holds every
// request that arrives between 200ms and 700ms until 700ms. A closed-loop
// generator would send almost nothing during the stall and report a few
// slow requests; an open-loop one keeps sending on schedule, and each
// request due during the stall reports the wait from its due time.
func TestOpenLoopThroughStall(t *testing.T) {
	const (
		stallFrom = 200 * time.Millisecond
		stallTo   = 700 * time.Millisecond
		rate      = 200
		length    = 1200 * time.Millisecond
	)
	var (
		once     sync.Once
		first    time.Time
		inStall  atomic.Int64
		received atomic.Int64
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { first = time.Now() })
		received.Add(1)
		// The target's clock starts at the first arrival, no earlier than
		// the generator's, so its stall ends no earlier on the generator's clock.
		if at := time.Since(first); at >= stallFrom && at < stallTo {
			inStall.Add(1)
			select {
			case <-time.After(stallTo - at):
			case <-r.Context().Done():
			}
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	g := New(srv.URL, WithMaxInFlight(1024))
	t.Cleanup(g.CloseIdleConnections)

	a := g.Start(t.Context(), ConstantRate{Rate: rate, Duration: length}, Mix{NewRequestJourney("get", "GET", "/")})
	rs := drain(a)
	st := a.Stats()
	t.Logf("stats %+v; %d of %d requests arrived during the stall", st, inStall.Load(), received.Load())

	want := uint64(rate * length / time.Second)
	if st.Scheduled != want || st.Started != want || st.Dropped != 0 || uint64(len(rs)) != want {
		t.Fatalf("scheduled %d, started %d, dropped %d, %d results; want %d started and results, none dropped",
			st.Scheduled, st.Started, st.Dropped, len(rs), want)
	}
	// The generator kept sending through the stall: about rate × 500ms.
	if n := inStall.Load(); n < rate*int64(stallTo-stallFrom)/int64(time.Second)*9/10 {
		t.Errorf("%d requests arrived during the stall, want about %d", n, rate*(stallTo-stallFrom)/time.Second)
	}
	const tolerance = time.Millisecond
	checked := 0
	for _, r := range rs {
		if r.Err != "" || r.Status != http.StatusOK {
			t.Errorf("failed request %+v", r)
		}
		// Skip those due just after the stall began: they may have reached
		// the target after its clock started late.
		if r.Scheduled < stallFrom+50*time.Millisecond || r.Scheduled >= stallTo {
			continue
		}
		checked++
		if min := stallTo - r.Scheduled - tolerance; r.Latency < min {
			t.Errorf("request due at %s reports latency %s, want at least %s: the wait for the stall's end is missing",
				r.Scheduled, r.Latency, min)
		}
	}
	if checked < 80 {
		t.Errorf("checked only %d requests due during the stall", checked)
	}
}

// TestCancelStopsRequestsInFlight cancels a run whose requests the target
// never answers: the requests are cancelled and Results closes.
func TestCancelStopsRequestsInFlight(t *testing.T) {
	arrived := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	g := New(srv.URL)
	t.Cleanup(g.CloseIdleConnections)

	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	a := g.Start(ctx, ConstantRate{Rate: 100, Duration: time.Hour}, Mix{NewRequestJourney("get", "GET", "/")})
	for range 5 {
		<-arrived
	}
	cancel()
	done := make(chan []Result)
	go func() { done <- drain(a) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Results not closed 5s after cancel")
	}
	st := a.Stats()
	if st.Started < 5 || st.Elapsed > 5*time.Second {
		t.Errorf("Stats = %+v, want at least 5 started and a prompt end", st)
	}
}
