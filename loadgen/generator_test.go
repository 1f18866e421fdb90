package loadgen

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// drain collects every Result of a until Results is closed.
func drain(a *Attack) []Result {
	var rs []Result
	for r := range a.Results() {
		rs = append(rs, r)
	}
	return rs
}

// sleeper is a journey that takes d and sends nothing.
func sleeper(name string, d time.Duration) Journey {
	return Journey{Name: name, Weight: 1, Run: func(ctx context.Context, _ *Session) error {
		time.Sleep(d)
		return nil
	}}
}

func TestDropsWhenAllWorkersBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Due every 100ms; each iteration takes 250ms on the only worker, so
		// those due at 100, 200, 400, 500, 700 and 800ms find it busy.
		g := New("http://unused", WithMaxInFlight(1), withSleep(time.Sleep))
		a := g.Start(t.Context(), ConstantRate{Rate: 10, Duration: time.Second}, Mix{sleeper("slow", 250*time.Millisecond)})
		rs := drain(a)
		if err := a.Err(); err != nil {
			t.Fatal(err)
		}
		var dropped []time.Duration
		for _, r := range rs {
			if !r.Dropped || r.Journey != "slow" || r.Op != "" {
				t.Errorf("unexpected result %+v", r)
			}
			dropped = append(dropped, r.Scheduled)
		}
		slices.Sort(dropped)
		want := []time.Duration{100, 200, 400, 500, 700, 800}
		for i := range want {
			want[i] *= time.Millisecond
		}
		if !slices.Equal(dropped, want) {
			t.Errorf("dropped iterations due at %v, want %v", dropped, want)
		}
		st := a.Stats()
		if st.Scheduled != 10 || st.Started != 4 || st.Dropped != 6 || st.MaxWorkers != 1 {
			t.Errorf("Stats = %+v, want 10 scheduled, 4 started, 6 dropped, 1 worker", st)
		}
		if st.Elapsed != 1150*time.Millisecond {
			t.Errorf("Elapsed = %s, want 1.15s (the last iteration starts at 900ms)", st.Elapsed)
		}
	})
}

func TestCancelEndsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Iterations that never end on their own: only cancellation stops
		// them. synctest fails the test if a goroutine outlives it.
		blocked := Journey{Name: "stuck", Weight: 1, Run: func(ctx context.Context, _ *Session) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		ctx, cancel := context.WithTimeout(t.Context(), 495*time.Millisecond)
		t.Cleanup(cancel)
		a := New("http://unused", withSleep(time.Sleep)).Start(ctx, ConstantRate{Rate: 100, Duration: time.Hour}, Mix{blocked})
		rs := drain(a)
		if len(rs) != 0 {
			t.Errorf("got %d results from a cancelled run that sent nothing, want 0: %+v", len(rs), rs[0])
		}
		st := a.Stats()
		if st.Started != 50 || st.Scheduled != 50 || st.Elapsed != 495*time.Millisecond {
			t.Errorf("Stats = %+v, want 50 started and scheduled, 495ms elapsed", st)
		}
	})
}

func TestSameSeedSameChoices(t *testing.T) {
	mix := Mix{{Name: "a", Weight: 1}, {Name: "b", Weight: 2}, {Name: "c", Weight: 3}}
	type draw struct {
		journey string
		n       uint64
	}
	// run records the journey chosen and the first random number drawn by
	// each iteration, by due time.
	run := func(seed uint64) map[time.Duration]draw {
		var (
			mu  sync.Mutex
			got = map[time.Duration]draw{}
		)
		synctest.Test(t, func(t *testing.T) {
			m := slices.Clone(mix)
			for i := range m {
				name := m[i].Name
				m[i].Run = func(ctx context.Context, s *Session) error {
					time.Sleep(time.Duration(s.Rand().IntN(50)) * time.Millisecond) // shuffle workers
					mu.Lock()
					defer mu.Unlock()
					got[s.scheduled] = draw{name, s.Rand().Uint64()}
					return nil
				}
			}
			a := New("http://unused", WithSeed(seed), withSleep(time.Sleep)).Start(t.Context(), ConstantRate{Rate: 200, Duration: time.Second}, m)
			drain(a)
		})
		return got
	}
	first, again, other := run(7), run(7), run(8)
	if len(first) != 200 {
		t.Fatalf("recorded %d iterations, want 200", len(first))
	}
	if !reflect.DeepEqual(first, again) {
		t.Error("two runs with seed 7 chose differently")
	}
	if reflect.DeepEqual(first, other) {
		t.Error("runs with seeds 7 and 8 chose the same")
	}
}

// fakeTransport answers in-process after a delay chosen by path, so Session
// behaviour can be timed exactly under synctest.
type fakeTransport struct{}

func (fakeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	if path == "/down" {
		return nil, errors.New("connection refused")
	}
	select {
	case <-time.After(10 * time.Millisecond):
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req, ContentLength: 2, Body: io.NopCloser(strings.NewReader("ok"))}
	switch path {
	case "/fail":
		resp.StatusCode = http.StatusInternalServerError
	case "/cold":
		resp.Header.Set("X-Cold-Start", "true")
	case "/created":
		resp.StatusCode = http.StatusCreated
	}
	return resp, nil
}

func TestSessionResults(t *testing.T) {
	const ms = time.Millisecond
	errBroken := errors.New("broken cart")
	tests := []struct {
		name string
		run  func(ctx context.Context, s *Session) error
		want []Result // Journey is filled in; Scheduled is 0
	}{
		{
			name: "single request",
			run:  NewRequestJourney("", "GET", "/ok").Run,
			want: []Result{{Op: "GET /ok", Latency: 10 * ms, Status: 200}},
		},
		{
			name: "cold start",
			run:  NewRequestJourney("", "GET", "/cold").Run,
			want: []Result{{Op: "GET /cold", Latency: 10 * ms, Status: 200, Cold: true}},
		},
		{
			name: "unexpected status",
			run:  NewRequestJourney("", "GET", "/fail").Run,
			want: []Result{{Op: "GET /fail", Latency: 10 * ms, Status: 500, Err: "status 500, want 2xx"}},
		},
		{
			name: "transport failure",
			run:  NewRequestJourney("", "GET", "/down").Run,
			want: []Result{{Op: "GET /down", Status: 0, Err: "connection refused"}},
		},
		{
			// Think time before the first request counts: the user was due
			// at 0. The second request is timed from when it was sent.
			name: "latency from due time, then from send",
			run: func(ctx context.Context, s *Session) error {
				time.Sleep(5 * ms)
				req, _ := s.NewRequest("POST", "/created", nil)
				status, body, err := s.Do(req, "POST /carts")
				if err != nil {
					return err
				}
				if err := s.Expect(status, body, http.StatusCreated); err != nil {
					return err
				}
				time.Sleep(20 * ms)
				req, _ = s.NewRequest("POST", "/fail", nil)
				status, body, err = s.Do(req, "POST /orders")
				if err != nil {
					return err
				}
				err = s.Expect(status, body, http.StatusCreated, http.StatusOK)
				if want := `POST /orders: status 500, want 201 or 200: "ok"`; err == nil || err.Error() != want {
					t.Errorf("Expect = %v, want %s", err, want)
				}
				return err
			},
			want: []Result{
				{Op: "POST /carts", Sent: 5 * ms, Latency: 15 * ms, Status: 201},
				{Op: "POST /orders", Sent: 35 * ms, Latency: 10 * ms, Status: 500, Err: "status 500, want 201 or 200"},
			},
		},
		{
			name: "journey error marks the last result",
			run: func(ctx context.Context, s *Session) error {
				req, _ := s.NewRequest("GET", "/ok", nil)
				if _, _, err := s.Do(req, "GET /cart"); err != nil {
					return err
				}
				return errBroken
			},
			want: []Result{{Op: "GET /cart", Latency: 10 * ms, Status: 200, Err: "broken cart"}},
		},
		{
			name: "Fail marks the last result",
			run: func(ctx context.Context, s *Session) error {
				req, _ := s.NewRequest("GET", "/ok", nil)
				if _, _, err := s.Do(req, "GET /cart"); err != nil {
					return err
				}
				if err := s.Fail(errBroken); !errors.Is(err, errBroken) {
					t.Errorf("Fail returned %v", err)
				}
				return nil
			},
			want: []Result{{Op: "GET /cart", Latency: 10 * ms, Status: 200, Err: "broken cart"}},
		},
		{
			name: "error before any request",
			run:  func(ctx context.Context, s *Session) error { time.Sleep(3 * ms); return errBroken },
			want: []Result{{Sent: 3 * ms, Err: "broken cart"}},
		},
		{
			name: "panic",
			run:  func(ctx context.Context, s *Session) error { panic("oops") },
			want: []Result{{Err: "journey j panicked: oops"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := New("http://shop.test", WithClient(&http.Client{Transport: fakeTransport{}}), withSleep(time.Sleep))
				a := g.Start(t.Context(), ConstantRate{Rate: 1, Duration: time.Second}, Mix{{Name: "j", Weight: 1, Run: tt.run}})
				got := drain(a)
				for i := range tt.want {
					tt.want[i].Journey = "j"
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("results:\n got %+v\nwant %+v", got, tt.want)
				}
				if st := a.Stats(); st.Requests != uint64(len(got)) && tt.want[0].Op != "" {
					t.Errorf("Stats.Requests = %d, want %d", st.Requests, len(got))
				}
			})
		})
	}
}

func TestStartRejectsInvalidInput(t *testing.T) {
	ok := Mix{{Name: "a", Weight: 1, Run: noop}}
	tests := []struct {
		name string
		s    Schedule
		m    Mix
		want string
	}{
		{"bad schedule", ConstantRate{Rate: -1, Duration: time.Second}, ok, "rate must be a finite number > 0"},
		{"nil schedule", nil, ok, "schedule is nil"},
		{"empty mix", ConstantRate{Rate: 1, Duration: time.Second}, nil, "mix must hold at least one journey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New("http://unused").Start(t.Context(), tt.s, tt.m)
			if rs := drain(a); len(rs) != 0 {
				t.Errorf("got results %v", rs)
			}
			if err := a.Err(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Err() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// withSleep replaces the scheduler's precise sleep. Tests inside a synctest
// bubble need time.Sleep: a kernel sleep does not advance the bubble's clock.
func withSleep(f func(time.Duration)) Option { return func(g *Generator) { g.sleep = f } }
