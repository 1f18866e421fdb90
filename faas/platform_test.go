package faas_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/archbench/archbench/broker"
	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/runtime/component"
)

// instanceEnv makes the test binary run as a function instance: the
// platform re-executes it, as it executes any function program.
const instanceEnv = "FAAS_TEST_INSTANCE"

func TestMain(m *testing.M) {
	if os.Getenv(instanceEnv) == "1" {
		os.Exit(runInstance(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runInstance is the test functions' program. Every function serves:
//
//	GET /hello        its name and process ID
//	GET /sleep?ms=N   after N ms
//	GET /crash        by exiting
//	POST /event       appends "subject data" to events.log in -data; an
//	                  event "fail" always fails, "flaky" fails on its first
//	                  delivery
func runInstance(args []string) int {
	var function string
	return component.Main("instance", args, func(fs *flag.FlagSet) {
		fs.StringVar(&function, "function", "", "function to serve")
	}, func(ctx context.Context, cfg *component.Config, log *slog.Logger) (http.Handler, func(), error) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(map[string]any{"function": function, "pid": os.Getpid()})
		})
		mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
			ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			_ = json.NewEncoder(w).Encode(map[string]any{"function": function, "pid": os.Getpid()})
		})
		mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) { os.Exit(3) })
		var mu sync.Mutex
		mux.Handle("POST "+faas.EventPath, faas.EventHandler(func(ctx context.Context, subject string, data []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if string(data) == "fail" {
				return errors.New("asked to fail")
			}
			if string(data) == "flaky" {
				marker := filepath.Join(cfg.DataDir, "flaky-seen")
				if _, err := os.Stat(marker); err != nil {
					_ = os.WriteFile(marker, nil, 0o644)
					return errors.New("first delivery fails")
				}
			}
			f, err := os.OpenFile(filepath.Join(cfg.DataDir, "events.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = fmt.Fprintf(f, "%s %s\n", subject, data)
			return err
		}))
		return mux, nil, nil
	})
}

// fixture is a started platform serving its front door on loopback.
type fixture struct {
	p       *faas.Platform
	url     string
	dataDir string
}

func start(t *testing.T, cfg faas.Config) *fixture {
	t.Helper()
	dataDir := t.TempDir()
	launcher := &faas.ProcessLauncher{
		Path: os.Args[0],
		Args: []string{"-data", dataDir},
		Env:  append(os.Environ(), instanceEnv+"=1"),
	}
	p, err := faas.New(cfg, launcher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler(nil))
	t.Cleanup(srv.Close)
	return &fixture{p: p, url: srv.URL, dataDir: dataDir}
}

// reply is one front-door response.
type reply struct {
	status   int
	cold     bool
	instance string
	pid      int
	code     string // the JSON error's code, on an error
}

func (f *fixture) get(t *testing.T, path string) reply {
	t.Helper()
	resp, err := http.Get(f.url + path)
	if err != nil {
		t.Error(err)
		return reply{}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, cold: resp.Header.Get(faas.ColdStartHeader) == "true", instance: resp.Header.Get(faas.InstanceHeader)}
	if resp.StatusCode >= 300 {
		var eb struct{ Error struct{ Code string } }
		if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" {
			t.Errorf("GET %s: %d with a body that is not a JSON error: %q", path, resp.StatusCode, data)
		}
		r.code = eb.Error.Code
		return r
	}
	var body struct{ PID int }
	_ = json.Unmarshal(data, &body)
	r.pid = body.PID
	return r
}

// burst sends n concurrent requests and returns their replies.
func (f *fixture) burst(t *testing.T, n int, path string) []reply {
	t.Helper()
	out := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = f.get(t, path)
		}()
	}
	wg.Wait()
	return out
}

func stats(t *testing.T, f *fixture, fn string) faas.FunctionStats {
	t.Helper()
	for _, s := range f.p.Stats().Functions {
		if s.Name == fn {
			return s
		}
	}
	t.Fatalf("no stats for %s", fn)
	return faas.FunctionStats{}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// TestBurstColdStartsThenScalesToZero: a burst of N concurrent requests
// with no instance idle starts N instances, N cold starts in N processes;
// the next request reuses one warm; after the keep-alive every instance is
// reclaimed and its process is gone.
func TestBurstColdStartsThenScalesToZero(t *testing.T) {
	const n = 5
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "slow", Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "slow"}, {Pattern: "GET /hello", Function: "slow"}},
		KeepAlive: 300 * time.Millisecond,
	})
	replies := f.burst(t, n, "/sleep?ms=400")
	pids := map[int]bool{}
	for i, r := range replies {
		if r.status != http.StatusOK || !r.cold {
			t.Fatalf("burst reply %d: %+v, want 200 and a cold start", i, r)
		}
		pids[r.pid] = true
	}
	if len(pids) != n {
		t.Fatalf("burst of %d served by %d processes, want %d", n, len(pids), n)
	}
	if s := stats(t, f, "slow"); s.ColdStarts != n || s.PeakInstances != n || s.Invocations != n || s.InitMs.P50 <= 0 {
		t.Fatalf("stats after the burst: %+v, want %d cold starts and instances", s, n)
	}
	if r := f.get(t, "/hello"); r.status != http.StatusOK || r.cold || !pids[r.pid] {
		t.Fatalf("request after the burst: %+v, want a warm start on one of the burst's instances", r)
	}
	waitFor(t, "scale to zero", func() bool { return stats(t, f, "slow").Instances == 0 })
	for pid := range pids {
		waitFor(t, fmt.Sprintf("process %d to exit", pid), func() bool { return !alive(pid) })
	}
	if r := f.get(t, "/hello"); r.status != http.StatusOK || !r.cold {
		t.Fatalf("request after scale to zero: %+v, want a cold start", r)
	}
}

// TestConcurrencyLimits: with K busy instances at the function's reserved
// concurrency, or at the account's limit, the next request is throttled
// with 429 and counted, and other functions are unaffected by a function's
// own limit.
func TestConcurrencyLimits(t *testing.T) {
	tests := []struct {
		name             string
		reserved, accnt  int
		k                int
		otherUnthrottled bool
	}{
		{name: "reserved concurrency", reserved: 2, accnt: 10, k: 2, otherUnthrottled: true},
		{name: "account concurrency", reserved: 0, accnt: 3, k: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, faas.Config{
				Functions: []faas.Function{
					{Name: "limited", ReservedConcurrency: tt.reserved, Timeout: 10 * time.Second},
					{Name: "other"},
				},
				Routes:             []faas.Route{{Pattern: "GET /sleep", Function: "limited"}, {Pattern: "GET /hello", Function: "other"}},
				AccountConcurrency: tt.accnt,
			})
			done := make(chan []reply)
			go func() { done <- f.burst(t, tt.k, "/sleep?ms=1500") }()
			waitFor(t, "the limit to fill", func() bool { return stats(t, f, "limited").Instances == tt.k })
			if r := f.get(t, "/sleep?ms=1"); r.status != http.StatusTooManyRequests || r.code != "throttled" {
				t.Fatalf("request %d: %+v, want 429 throttled", tt.k+1, r)
			}
			other := f.get(t, "/hello")
			if tt.otherUnthrottled && other.status != http.StatusOK {
				t.Fatalf("another function under the first one's limit: %+v, want 200", other)
			}
			if !tt.otherUnthrottled && other.status != http.StatusTooManyRequests {
				t.Fatalf("another function at the account limit: %+v, want 429", other)
			}
			for i, r := range <-done {
				if r.status != http.StatusOK {
					t.Fatalf("request %d within the limit: %+v, want 200", i, r)
				}
			}
			if s := stats(t, f, "limited"); s.Throttles != 1 || s.Invocations != int64(tt.k) {
				t.Fatalf("stats: %+v, want 1 throttle and %d invocations", s, tt.k)
			}
		})
	}
}

// TestProvisionedInstancesAreWarm: provisioned instances serve the first
// requests warm and survive the keep-alive; a request beyond them starts a
// cold one, which is reclaimed.
func TestProvisionedInstancesAreWarm(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "hot", Provisioned: 2, Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "hot"}},
		KeepAlive: 200 * time.Millisecond,
	})
	if s := stats(t, f, "hot"); s.Instances != 2 {
		t.Fatalf("instances after start: %d, want 2 provisioned", s.Instances)
	}
	replies := f.burst(t, 3, "/sleep?ms=500")
	cold := 0
	for _, r := range replies {
		if r.status != http.StatusOK {
			t.Fatalf("reply %+v, want 200", r)
		}
		if r.cold {
			cold++
		}
	}
	if cold != 1 {
		t.Fatalf("%d cold starts for 3 concurrent requests with 2 provisioned, want 1", cold)
	}
	waitFor(t, "the extra instance to be reclaimed", func() bool { return stats(t, f, "hot").Instances == 2 })
	time.Sleep(500 * time.Millisecond) // well past the keep-alive
	if s := stats(t, f, "hot"); s.Instances != 2 {
		t.Fatalf("instances long after the keep-alive: %d, want the 2 provisioned", s.Instances)
	}
}

// TestFailures: a crashed instance answers 502 and is replaced by a cold
// start; an invocation past the function's timeout answers 504 and its
// instance is discarded; both count as errors. Bodies over the payload
// limit are refused with 413 before any instance is used.
func TestFailures(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "fn", Timeout: 300 * time.Millisecond}},
		Routes: []faas.Route{{Pattern: "GET /crash", Function: "fn"}, {Pattern: "GET /sleep", Function: "fn"},
			{Pattern: "GET /hello", Function: "fn"}, {Pattern: "POST /hello", Function: "fn"}},
	})
	first := f.get(t, "/hello")
	if r := f.get(t, "/crash"); r.status != http.StatusBadGateway || r.code != "function_error" {
		t.Fatalf("crash: %+v, want 502 function_error", r)
	}
	if r := f.get(t, "/hello"); r.status != http.StatusOK || !r.cold || r.pid == first.pid {
		t.Fatalf("after the crash: %+v, want a cold start on a new process", r)
	}
	timedOut := f.get(t, "/sleep?ms=5000")
	if timedOut.status != http.StatusGatewayTimeout || timedOut.code != "function_timeout" {
		t.Fatalf("slow invocation: %+v, want 504 function_timeout", timedOut)
	}
	if r := f.get(t, "/hello"); r.status != http.StatusOK || !r.cold {
		t.Fatalf("after the timeout: %+v, want a cold start (the timed-out instance is discarded)", r)
	}
	if s := stats(t, f, "fn"); s.Errors != 2 {
		t.Fatalf("errors %d, want 2 (a crash and a timeout)", s.Errors)
	}
	resp, err := http.Post(f.url+"/hello", "application/json", strings.NewReader(strings.Repeat("x", faas.MaxPayloadBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized payload: %d, want 413", resp.StatusCode)
	}
}

// TestBillingMatchesInvocations: the meter bills each invocation's duration
// rounded up to the millisecond, init included, times memory; so the billed
// GB-seconds of real invocations are at least their handlers' sleep, and
// consistent with BilledMs and MemoryMB.
func TestBillingMatchesInvocations(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "fn", MemoryMB: 512}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "fn"}},
	})
	for range 4 {
		if r := f.get(t, "/sleep?ms=50"); r.status != http.StatusOK {
			t.Fatalf("invocation: %+v", r)
		}
	}
	s := stats(t, f, "fn")
	if s.Invocations != 4 || s.BilledMs < 200 {
		t.Fatalf("stats %+v: want 4 invocations billed at least 200 ms", s)
	}
	if want := faas.GBSeconds(s.BilledMs, 512); s.GBSeconds < want*0.999 || s.GBSeconds > want*1.001 {
		t.Fatalf("GB-s %g, want %g from %d billed ms at 512 MB", s.GBSeconds, want, s.BilledMs)
	}
}

// TestCloseStopsEveryInstance: no instance process outlives Close.
func TestCloseStopsEveryInstance(t *testing.T) {
	dataDir := t.TempDir()
	p, err := faas.New(faas.Config{
		Functions: []faas.Function{{Name: "fn", Provisioned: 1, Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "fn"}},
	}, &faas.ProcessLauncher{Path: os.Args[0], Args: []string{"-data", dataDir}, Env: append(os.Environ(), instanceEnv+"=1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	f := &fixture{p: p, url: srv.URL}
	replies := f.burst(t, 3, "/sleep?ms=100")
	p.Close()
	for _, r := range replies {
		if r.pid == 0 {
			t.Fatalf("reply %+v carries no process ID", r)
		}
		if alive(r.pid) {
			t.Errorf("instance process %d still alive after Close", r.pid)
		}
	}
	if r := f.get(t, "/sleep?ms=1"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("request after Close: %+v, want 503", r)
	}
}

func TestConfigValidate(t *testing.T) {
	fn := faas.Function{Name: "f"}
	tests := []struct {
		name string
		cfg  faas.Config
		want string // in the error; "" for valid
	}{
		{"valid", faas.Config{Functions: []faas.Function{fn}, Routes: []faas.Route{{Pattern: "GET /x", Function: "f"}}}, ""},
		{"memory", faas.Config{Functions: []faas.Function{{Name: "f", MemoryMB: 64}}}, "memory must be 128..10240"},
		{"duplicate", faas.Config{Functions: []faas.Function{fn, fn}}, "appears twice"},
		{"unknown route target", faas.Config{Functions: []faas.Function{fn}, Routes: []faas.Route{{Pattern: "GET /x", Function: "g"}}}, `unknown function "g"`},
		{"bad pattern", faas.Config{Functions: []faas.Function{fn}, Routes: []faas.Route{{Pattern: "GET x", Function: "f"}}}, "routes[0]: pattern"},
		{"conflicting patterns", faas.Config{Functions: []faas.Function{fn}, Routes: []faas.Route{{Pattern: "GET /x", Function: "f"}, {Pattern: "GET /x", Function: "f"}}}, "routes[1]"},
		{"provisioned over reserved", faas.Config{Functions: []faas.Function{{Name: "f", ReservedConcurrency: 1, Provisioned: 2}}}, "provisioned must be"},
		{"provisioned over account", faas.Config{Functions: []faas.Function{{Name: "f", Provisioned: 5}}, AccountConcurrency: 4}, "exceed the account concurrency"},
		{"trigger", faas.Config{Functions: []faas.Function{fn}, Triggers: []faas.Trigger{{Function: "f"}}}, "triggers[0].subject"},
		{"schedule", faas.Config{Functions: []faas.Function{fn}, Schedules: []faas.Schedule{{Function: "f"}}}, "schedules[0].every"},
		{"timeout", faas.Config{Functions: []faas.Function{{Name: "f", Timeout: time.Hour}}}, "timeout must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestTriggers: each message on a subject invokes the function once; a
// failed invocation is retried and then succeeds; a message that fails
// every attempt is dropped and counted as dead-lettered, and does not hold
// up the others.
func TestTriggers(t *testing.T) {
	srv, err := broker.Start("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nc, js, err := broker.Connect(t.Context(), srv.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "on-order"}},
		Triggers:  []faas.Trigger{{Subject: "order.placed", Function: "on-order", MaxAttempts: 2}},
	})
	if err := f.p.Subscribe(t.Context(), js); err != nil {
		t.Fatal(err)
	}
	for i, data := range []string{"a", "fail", "flaky", "b"} {
		if _, err := js.Publish(t.Context(), "order.placed", []byte(data), jetstream.WithMsgID(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the dead letter", func() bool { return stats(t, f, "on-order").DeadLetters == 1 })
	want := map[string]bool{"order.placed a": true, "order.placed b": true, "order.placed flaky": true}
	waitFor(t, "three events handled", func() bool {
		data, _ := os.ReadFile(filepath.Join(f.dataDir, "events.log"))
		return len(strings.Fields(string(data))) == 6
	})
	data, _ := os.ReadFile(filepath.Join(f.dataDir, "events.log"))
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !want[line] {
			t.Errorf("handled %q, which is unexpected or handled twice", line)
		}
		delete(want, line)
	}
	// 4 messages: a, b once; flaky twice; fail twice (its two attempts).
	// An invocation is metered when its answer is back at the platform,
	// a moment after the instance wrote its line.
	waitFor(t, "six invocations metered", func() bool { return stats(t, f, "on-order").Invocations >= 6 })
	if s := stats(t, f, "on-order"); s.Invocations != 6 || s.Errors != 3 {
		t.Fatalf("stats %+v, want 6 invocations of which 3 failed", s)
	}
}

// TestSchedule: a scheduled function is invoked at its interval.
func TestSchedule(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "tick"}},
		Schedules: []faas.Schedule{{Every: 50 * time.Millisecond, Function: "tick"}},
	})
	waitFor(t, "three scheduled invocations", func() bool {
		data, _ := os.ReadFile(filepath.Join(f.dataDir, "events.log"))
		return strings.Count(string(data), "schedule") >= 3
	})
}

// TestFaultInFunctionCode injects errors into one function's code through
// the platform: the instance it had, and one started later, fail; another
// function does not; healing restores both.
func TestFaultInFunctionCode(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "greet", Timeout: 10 * time.Second}, {Name: "nap", Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /hello", Function: "greet"}, {Pattern: "GET /sleep", Function: "nap"}},
		KeepAlive: time.Minute,
	})
	send := func(method, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, f.url+faas.FaultPath, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if r := f.get(t, "/hello"); r.status != http.StatusOK {
		t.Fatalf("before the fault: %+v", r)
	}
	for body, want := range map[string]int{
		`{"kind": "errors", "error_rate": 2}`:                                   http.StatusBadRequest,
		`{"kind": "errors", "error_rate": 1, "routes": ["GET /nowhere"]}`:       http.StatusBadRequest,
		`{"kind": "errors", "error_rate": 1, "routes": ["GET /hello"], "x": 1}`: http.StatusBadRequest,
	} {
		if got := send(http.MethodPut, body); got != want {
			t.Errorf("PUT %s: %d, want %d", body, got, want)
		}
	}
	if got := send(http.MethodPut, `{"kind": "errors", "error_rate": 1, "routes": ["GET /hello"]}`); got != http.StatusOK {
		t.Fatalf("PUT fault: %d", got)
	}
	// Two at once: the warm instance and a cold one both have the fault.
	for i, r := range f.burst(t, 2, "/hello") {
		if r.status != http.StatusInternalServerError {
			t.Errorf("faulty greet, reply %d: %+v, want 500 from its code", i, r)
		}
	}
	if r := f.get(t, "/sleep?ms=1"); r.status != http.StatusOK {
		t.Errorf("nap, which has no fault: %+v, want 200", r)
	}
	if got := send(http.MethodDelete, ""); got != http.StatusNoContent {
		t.Fatalf("DELETE fault: %d", got)
	}
	for i, r := range f.burst(t, 2, "/hello") {
		if r.status != http.StatusOK {
			t.Errorf("healed greet, reply %d: %+v, want 200", i, r)
		}
	}
}
