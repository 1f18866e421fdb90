package faas_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/archbench/archbench/faas"
)

// seen is what a recordingObserver learnt of one instance.
type seen struct {
	fn       string
	pid      int // asked of the instance when it started
	started  int
	retired  int
	answered bool  // the instance answered GET /hello during Retired
	ctxErr   error // Retired's ctx's error after that request
}

// recordingObserver records the Started and Retired calls of a platform.
// When told an instance is retired it asks the instance GET /hello, as an
// observer sampling what the instance serves would, and records whether it
// answered.
type recordingObserver struct {
	t      *testing.T
	client *http.Client
	mu     sync.Mutex
	byIn   map[faas.Instance]*seen
}

func newRecordingObserver(t *testing.T) *recordingObserver {
	o := &recordingObserver{t: t, client: &http.Client{Timeout: 2 * time.Second}, byIn: map[faas.Instance]*seen{}}
	t.Cleanup(o.client.CloseIdleConnections)
	return o
}

// hello asks the instance at url who it is; pid is 0 if it does not answer.
func (o *recordingObserver) hello(ctx context.Context, url string) (fn string, pid int) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/hello", nil)
	if err != nil {
		return "", 0
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var answer struct {
		Function string
		PID      int
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&answer) != nil {
		return "", 0
	}
	return answer.Function, answer.PID
}

func (o *recordingObserver) Started(fn string, in faas.Instance) {
	_, pid := o.hello(context.Background(), in.URL())
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.byIn[in]
	if s == nil {
		s = &seen{fn: fn}
		o.byIn[in] = s
	}
	s.started++
	s.pid = pid
}

func (o *recordingObserver) Retired(ctx context.Context, fn string, in faas.Instance) {
	answeredAs, pid := o.hello(ctx, in.URL())
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.byIn[in]
	switch {
	case s == nil || s.started == 0:
		o.t.Errorf("Retired(%s, %s) for an instance Started was not called for", fn, in.URL())
		return
	case s.fn != fn:
		o.t.Errorf("Retired(%s, %s) for an instance Started as %s", fn, in.URL(), s.fn)
	}
	s.retired++
	s.answered = pid != 0 && pid == s.pid && answeredAs == fn
	s.ctxErr = ctx.Err()
}

// instanceOf returns the instance with process ID pid, nil if none.
func (o *recordingObserver) instanceOf(pid int) faas.Instance {
	o.mu.Lock()
	defer o.mu.Unlock()
	for in, s := range o.byIn {
		if s.pid == pid {
			return in
		}
	}
	return nil
}

// byPID returns a copy of what was seen of the instance with process ID
// pid, and whether there is one.
func (o *recordingObserver) byPID(pid int) (seen, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.byIn {
		if s.pid == pid {
			return *s, true
		}
	}
	return seen{}, false
}

// check fails t unless every instance the launcher launched, and no other,
// got exactly one Started and one Retired, with a ctx Close did not
// cancel, and every one still running when it was retired answered then.
// exitedOnTheirOwn are the process IDs of instances that had exited.
func (o *recordingObserver) check(t *testing.T, launched []faas.Instance, exitedOnTheirOwn []int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.byIn) != len(launched) {
		t.Errorf("observer saw %d instances, launcher launched %d", len(o.byIn), len(launched))
	}
	for _, in := range launched {
		s := o.byIn[in]
		if s == nil {
			t.Errorf("instance %s: never Started", in.URL())
			continue
		}
		if s.started != 1 || s.retired != 1 {
			t.Errorf("instance %s (pid %d): Started %d times, Retired %d times; want once each", in.URL(), s.pid, s.started, s.retired)
		}
		if s.ctxErr != nil {
			t.Errorf("instance %s (pid %d): Retired's ctx ended: %v", in.URL(), s.pid, s.ctxErr)
		}
		exited := false
		for _, pid := range exitedOnTheirOwn {
			exited = exited || pid == s.pid
		}
		if s.answered == exited {
			t.Errorf("instance %s (pid %d, exited on its own: %t): answered during Retired: %t", in.URL(), s.pid, exited, s.answered)
		}
	}
}

// TestObserverSeesEveryInstanceOnce: every instance the platform launches,
// provisioned or on demand, is told to the observer once as Started and
// once as Retired, by the end of Close at the latest: one reclaimed for
// idleness or that exited on its own (crashed, killed while idle, a
// provisioned one replaced) before Close, the others, idle or busy, at
// Close. An instance still running answers during Retired; Close's
// cancellation does not reach Retired's ctx.
func TestObserverSeesEveryInstanceOnce(t *testing.T) {
	routes := []faas.Route{{Pattern: "GET /sleep", Function: "fn"}, {Pattern: "GET /hello", Function: "fn"}, {Pattern: "GET /crash", Function: "fn"}}
	// kill kills the instance with process ID pid and waits until the
	// platform can tell it exited (its Done is closed).
	kill := func(t *testing.T, obs *recordingObserver, pid int) {
		t.Helper()
		in := obs.instanceOf(pid)
		if in == nil {
			t.Fatalf("no instance Started with process ID %d", pid)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, in.Done(), fmt.Sprintf("instance %d to exit", pid))
	}
	tests := []struct {
		name        string
		keepAlive   time.Duration
		provisioned int
		// act drives the platform and returns the process IDs of the
		// instances it expects retired before Close, and whether they had
		// exited on their own by then.
		act   func(t *testing.T, f *fixture, obs *recordingObserver) (retired []int, exited bool)
		wantN int // instances launched in all
	}{
		{
			name: "provisioned, on demand, idle and busy at Close", keepAlive: time.Minute, provisioned: 1, wantN: 3,
			act: func(t *testing.T, f *fixture, obs *recordingObserver) ([]int, bool) {
				for i, r := range f.burst(t, 3, "/sleep?ms=200") {
					if r.status != http.StatusOK {
						t.Fatalf("burst reply %d: %+v, want 200", i, r)
					}
				}
				busy := make(chan reply, 1)
				go func() { busy <- f.get(t, "/sleep?ms=300&mark=busy") }()
				t.Cleanup(func() {
					if r := <-busy; r.status != http.StatusOK {
						t.Errorf("invocation busy at Close: %+v, want it drained with 200", r)
					}
				})
				f.waitMark(t, "busy")
				return nil, false
			},
		},
		{
			name: "reclaimed for idleness", keepAlive: 200 * time.Millisecond, wantN: 1,
			act: func(t *testing.T, f *fixture, obs *recordingObserver) ([]int, bool) {
				r := f.get(t, "/hello")
				if r.status != http.StatusOK {
					t.Fatalf("invocation: %+v, want 200", r)
				}
				return []int{r.pid}, false
			},
		},
		{
			name: "crashed", keepAlive: time.Minute, wantN: 1,
			act: func(t *testing.T, f *fixture, obs *recordingObserver) ([]int, bool) {
				r := f.get(t, "/hello")
				if c := f.get(t, "/crash"); c.status != http.StatusBadGateway {
					t.Fatalf("crash: %+v, want 502", c)
				}
				return []int{r.pid}, true
			},
		},
		{
			// The next invocation finds it exited, or, less likely, the
			// reaper (it ticks every second with this keep-alive).
			name: "killed while idle", keepAlive: time.Minute, wantN: 2,
			act: func(t *testing.T, f *fixture, obs *recordingObserver) ([]int, bool) {
				r := f.get(t, "/hello")
				kill(t, obs, r.pid)
				if next := f.get(t, "/hello"); next.status != http.StatusOK || !next.cold {
					t.Fatalf("invocation after the kill: %+v, want 200 on a new instance", next)
				}
				return []int{r.pid}, true
			},
		},
		{
			name: "provisioned instance replaced", keepAlive: 100 * time.Millisecond, provisioned: 1, wantN: 2,
			act: func(t *testing.T, f *fixture, obs *recordingObserver) ([]int, bool) {
				r := f.get(t, "/hello")
				if r.status != http.StatusOK || r.cold {
					t.Fatalf("invocation: %+v, want 200 warm on the provisioned instance", r)
				}
				kill(t, obs, r.pid)
				waitFor(t, "the replacement", func() bool { return len(f.launcher.launchedInstances()) == 2 })
				return []int{r.pid}, true
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obs := newRecordingObserver(t)
			f := start(t, faas.Config{
				Functions: []faas.Function{{Name: "fn", Provisioned: tt.provisioned, Timeout: 10 * time.Second}},
				Routes:    routes,
				KeepAlive: tt.keepAlive,
			}, faas.WithObserver(obs))
			retired, exited := tt.act(t, f, obs)
			for _, pid := range retired {
				waitFor(t, fmt.Sprintf("instance %d to be retired before Close", pid), func() bool {
					s, _ := obs.byPID(pid)
					return s.retired > 0
				})
				if s, _ := obs.byPID(pid); s.answered == exited {
					t.Errorf("instance %d retired before Close (exited on its own: %t): answered during Retired: %t", pid, exited, s.answered)
				}
			}
			f.p.Close() // waits for the Retired calls
			var exitedPIDs []int
			if exited {
				exitedPIDs = retired
			}
			launched := f.launcher.launchedInstances()
			if len(launched) != tt.wantN {
				t.Errorf("launched %d instances, want %d", len(launched), tt.wantN)
			}
			obs.check(t, launched, exitedPIDs)
		})
	}
}
