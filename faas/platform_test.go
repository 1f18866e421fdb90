package faas_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
//	GET /sleep?ms=N   the same after N ms; with mark=NAME it first writes
//	                  its process ID to the file NAME in -data (the
//	                  invocation has reached the instance), with kb=K it
//	                  pads its answer by K KiB
//	GET /crash        by exiting
//	POST /echo        the length of the body it read, and its process ID
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
			q := r.URL.Query()
			if mark := q.Get("mark"); mark != "" {
				_ = os.WriteFile(filepath.Join(cfg.DataDir, filepath.Base(mark)), []byte(strconv.Itoa(os.Getpid())), 0o644)
			}
			ms, _ := strconv.Atoi(q.Get("ms"))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			kb, _ := strconv.Atoi(q.Get("kb"))
			_ = json.NewEncoder(w).Encode(map[string]any{"function": function, "pid": os.Getpid(), "padding": strings.Repeat("x", kb<<10)})
		})
		mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) { os.Exit(3) })
		mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"function": function, "pid": os.Getpid(), "read": n})
		})
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
	p        *faas.Platform
	url      string
	dataDir  string
	launcher *recordingLauncher
}

func start(t *testing.T, cfg faas.Config, opts ...faas.Option) *fixture {
	t.Helper()
	dataDir := t.TempDir()
	launcher := &recordingLauncher{Launcher: &faas.ProcessLauncher{
		Path: os.Args[0],
		Args: []string{"-data", dataDir},
		Env:  append(os.Environ(), instanceEnv+"=1"),
	}}
	p, err := faas.New(cfg, launcher, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler(nil))
	t.Cleanup(srv.Close)
	return &fixture{p: p, url: srv.URL, dataDir: dataDir, launcher: launcher}
}

// recordingLauncher launches instances as its Launcher does and keeps
// them and their URLs, so that a test can ask an instance directly.
type recordingLauncher struct {
	faas.Launcher
	mu        sync.Mutex
	urls      []string
	instances []faas.Instance
}

func (l *recordingLauncher) Launch(ctx context.Context, fn faas.Function) (faas.Instance, error) {
	in, err := l.Launcher.Launch(ctx, fn)
	if err == nil {
		l.mu.Lock()
		l.urls = append(l.urls, in.URL())
		l.instances = append(l.instances, in)
		l.mu.Unlock()
	}
	return in, err
}

// launchedInstances returns the instances launched so far.
func (l *recordingLauncher) launchedInstances() []faas.Instance {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.instances)
}

// launched returns the URLs of the instances launched so far.
func (l *recordingLauncher) launched() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.urls)
}

// waitMark waits until an invocation of /sleep with mark=name has reached
// its instance, and returns the instance's process ID.
func (f *fixture) waitMark(t *testing.T, name string) int {
	t.Helper()
	var pid int
	waitFor(t, "the invocation marked "+name+" to reach its instance", func() bool {
		data, err := os.ReadFile(filepath.Join(f.dataDir, name))
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(string(data))
		return err == nil
	})
	return pid
}

// setFault sends a fault to the platform's FaultPath (DELETE if body is
// empty) and fails the test unless it is taken.
func (f *fixture) setFault(t *testing.T, body string) {
	t.Helper()
	method, want := http.MethodPut, http.StatusOK
	if body == "" {
		method, want = http.MethodDelete, http.StatusNoContent
	}
	req, err := http.NewRequest(method, f.url+faas.FaultPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d", method, faas.FaultPath, resp.StatusCode, want)
	}
}

// instanceFault returns the kind of fault the instance at url has now, ""
// for none, asking the instance itself.
func instanceFault(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + component.FaultPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f component.Fault
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		t.Fatalf("GET %s%s: %v", url, component.FaultPath, err)
	}
	return f.Kind
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
	return f.send(t, http.MethodGet, path, nil)
}

// post sends body to path. A body that is not a *strings.Reader has no
// declared length: it is sent chunked.
func (f *fixture) post(t *testing.T, path string, body io.Reader) reply {
	t.Helper()
	return f.send(t, http.MethodPost, path, body)
}

func (f *fixture) send(t *testing.T, method, path string, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
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
			t.Errorf("%s %s: %d with a body that is not a JSON error: %q", method, path, resp.StatusCode, data)
		}
		r.code = eb.Error.Code
		return r
	}
	var answer struct{ PID int }
	_ = json.Unmarshal(data, &answer)
	r.pid = answer.PID
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
	// The account says what shaped it: the function's routes, the
	// keep-alive and the account's (default) limit.
	if s := stats(t, f, "slow"); !slices.Equal(s.Routes, []string{"GET /sleep", "GET /hello"}) {
		t.Errorf("routes %q, want both of the function's", s.Routes)
	}
	if st := f.p.Stats(); st.KeepAliveSec != 0.3 || st.AccountConcurrency != faas.DefaultAccountLimit {
		t.Errorf("keep-alive %g s, account limit %d; want 0.3 and %d", st.KeepAliveSec, st.AccountConcurrency, faas.DefaultAccountLimit)
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

// TestProvisionedInvocationsBilledApart: the platform reports a function's provisioned
// instances, and bills apart the invocations they serve. An invocation
// that finds the provisioned instance busy spills over to an instance
// started on demand; afterwards the provisioned instance is taken first,
// though the on-demand one was used more recently, as the cloud routes to
// provisioned concurrency first.
func TestProvisionedInvocationsBilledApart(t *testing.T) {
	const memoryMB = 256
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "fn", MemoryMB: memoryMB, Provisioned: 1, Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "fn"}},
		KeepAlive: time.Minute,
	})
	if s := stats(t, f, "fn"); s.Provisioned != 1 || s.ProvisionedGBSeconds != 0 {
		t.Fatalf("stats after start: %+v, want 1 provisioned and nothing billed", s)
	}
	// onDemand is the part of s's GB-seconds billed on on-demand instances.
	onDemand := func(s faas.FunctionStats) float64 { return s.GBSeconds - s.ProvisionedGBSeconds }

	held, spilled := make(chan reply, 1), make(chan reply, 1)
	go func() { held <- f.get(t, "/sleep?ms=300&mark=held") }()
	f.waitMark(t, "held")
	go func() { spilled <- f.get(t, "/sleep?ms=600") }() // released after the provisioned one
	prov, demand := <-held, <-spilled
	if prov.status != http.StatusOK || prov.cold || demand.status != http.StatusOK || !demand.cold || prov.instance == demand.instance {
		t.Fatalf("replies %+v and %+v: want a warm one on the provisioned instance, a cold one on another", prov, demand)
	}
	s := stats(t, f, "fn")
	if s.Provisioned != 1 || s.Invocations != 2 || s.ColdStarts != 1 {
		t.Fatalf("stats after the spill-over: %+v, want 1 provisioned, 2 invocations, 1 cold start", s)
	}
	if s.ProvisionedGBSeconds < faas.GBSeconds(300, memoryMB) || onDemand(s) < faas.GBSeconds(600, memoryMB) {
		t.Fatalf("%g GB-s provisioned, %g on demand; want the 300 ms invocation's at least, and the 600 ms one's at least",
			s.ProvisionedGBSeconds, onDemand(s))
	}

	next := f.get(t, "/sleep?ms=100")
	if next.status != http.StatusOK || next.cold || next.instance != prov.instance {
		t.Fatalf("next invocation %+v, want it warm on the provisioned instance %s", next, prov.instance)
	}
	after := stats(t, f, "fn")
	if got := after.ProvisionedGBSeconds - s.ProvisionedGBSeconds; got < faas.GBSeconds(100, memoryMB) {
		t.Errorf("the invocation on the provisioned instance added %g provisioned GB-s, want at least %g", got, faas.GBSeconds(100, memoryMB))
	}
	if math.Abs(onDemand(after)-onDemand(s)) > 1e-9 {
		t.Errorf("on-demand GB-s went from %g to %g on an invocation of the provisioned instance", onDemand(s), onDemand(after))
	}
}

// TestProvisionedInstanceIsReplaced: a provisioned instance that dies is
// replaced by a new provisioned one, though an on-demand instance idles
// beside it, and the new one serves as provisioned.
func TestProvisionedInstanceIsReplaced(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "fn", Provisioned: 1, Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "fn"}},
		KeepAlive: time.Minute,
	})
	held, spilled := make(chan reply, 1), make(chan reply, 1)
	go func() { held <- f.get(t, "/sleep?ms=300&mark=held") }()
	f.waitMark(t, "held")
	go func() { spilled <- f.get(t, "/sleep?ms=1") }()
	prov, demand := <-held, <-spilled
	if prov.pid == 0 || demand.pid == 0 || prov.pid == demand.pid {
		t.Fatalf("replies %+v and %+v: want two instances", prov, demand)
	}
	if err := syscall.Kill(prov.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the provisioned instance's replacement", func() bool {
		return len(f.launcher.launched()) == 3 && stats(t, f, "fn").Instances == 2
	})
	// The replacement is parked idle a moment after its launch returns;
	// until then an invocation goes to the on-demand instance. Invoke
	// until one reaches another process, each billed on its own.
	var (
		r             reply
		before, after faas.FunctionStats
	)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		before = stats(t, f, "fn")
		r = f.get(t, "/sleep?ms=1")
		after = stats(t, f, "fn")
		if r.pid != demand.pid || time.Now().After(deadline) {
			break
		}
	}
	if r.status != http.StatusOK || r.cold || r.pid == prov.pid || r.pid == demand.pid {
		t.Fatalf("invocation after the replacement: %+v, want it warm on a third process", r)
	}
	onDemand := func(s faas.FunctionStats) float64 { return s.GBSeconds - s.ProvisionedGBSeconds }
	if after.ProvisionedGBSeconds <= before.ProvisionedGBSeconds || math.Abs(onDemand(after)-onDemand(before)) > 1e-9 {
		t.Fatalf("stats %+v after %+v: want the invocation billed as provisioned", after, before)
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
		{"trigger twice", faas.Config{Functions: []faas.Function{fn}, Triggers: []faas.Trigger{{Subject: "a.b", Function: "f"}, {Subject: "a.b", Function: "f", MaxAttempts: 1}}}, "triggers[1] repeats triggers[0]"},
		{"two subjects of one function", faas.Config{Functions: []faas.Function{fn}, Triggers: []faas.Trigger{{Subject: "a.b", Function: "f"}, {Subject: "a.c", Function: "f"}}}, ""},
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
	js := startBroker(t)
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

// TestHealReachesInstanceBusyAtTheHeal: an instance serving an invocation
// when its fault is healed is healed as soon as the invocation ends, before
// it waits idle (a hog must not spin through the keep-alive), not at its
// next invocation.
func TestHealReachesInstanceBusyAtTheHeal(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "nap", Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "nap"}},
		KeepAlive: time.Minute,
	})
	f.setFault(t, `{"kind": "latency", "latency_ms": 1}`)
	done := make(chan reply, 1)
	go func() { done <- f.get(t, "/sleep?ms=1000&mark=busy") }()
	f.waitMark(t, "busy") // the cold instance has the fault and serves
	urls := f.launcher.launched()
	if len(urls) != 1 || instanceFault(t, urls[0]) != component.FaultLatency {
		t.Fatalf("instances %v: want one, with the latency fault", urls)
	}
	f.setFault(t, "")
	if r := <-done; r.status != http.StatusOK {
		t.Fatalf("invocation across the heal: %+v, want 200", r)
	}
	waitFor(t, "the instance, idle again, to be healed", func() bool { return instanceFault(t, urls[0]) == "" })
	if s := stats(t, f, "nap"); s.Instances != 1 {
		t.Fatalf("instances %d, want the healed one kept", s.Instances)
	}
}

// TestCallerLeavingIsNotAFunctionError: a caller that gives up before the
// answer is neither a crash nor a timeout: no error is counted, the
// invocation runs to its end on the instance and is billed for it, and the
// instance is then reused warm, whatever the size of the answer it could
// not deliver.
func TestCallerLeavingIsNotAFunctionError(t *testing.T) {
	tests := []struct {
		name string
		kb   int // the answer's padding
	}{
		{"small answer", 0},
		{"answer larger than the write buffers", 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, faas.Config{
				Functions: []faas.Function{{Name: "nap", Timeout: 10 * time.Second}},
				Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "nap"}},
				KeepAlive: time.Minute,
			})
			first := f.get(t, "/sleep?ms=1")
			if first.status != http.StatusOK {
				t.Fatalf("first invocation: %+v", first)
			}
			ctx, cancel := context.WithCancel(t.Context())
			t.Cleanup(cancel)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/sleep?ms=500&mark=left&kb=%d", f.url, tt.kb), nil)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				errc <- err
			}()
			f.waitMark(t, "left")
			cancel() // the caller leaves while the function runs
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("the caller's request: %v, want it canceled", err)
			}
			waitFor(t, "the left invocation to end", func() bool { return stats(t, f, "nap").Invocations == 2 })
			s := stats(t, f, "nap")
			if s.Errors != 0 {
				t.Errorf("stats %+v: the caller leaving counted as an error", s)
			}
			if s.BilledMs < 500 {
				t.Errorf("stats %+v: billed %d ms, want the 500 ms the function ran", s, s.BilledMs)
			}
			if next := f.get(t, "/sleep?ms=1"); next.cold || next.instance != first.instance {
				t.Errorf("next invocation %+v: want it warm on %s", next, first.instance)
			}
		})
	}
}

// TestCallerLeavingMidUploadKeepsTheInstance: a caller that leaves before
// or while it sends its request body costs neither an error nor an
// instance: the warm instance serves the next invocation, and no instance
// is started for the request left unfinished.
func TestCallerLeavingMidUploadKeepsTheInstance(t *testing.T) {
	const size = 64 << 10 // the body's declared length
	tests := []struct {
		name string
		sent int // of the body, before the caller leaves
	}{
		{"before its body", 0},
		{"mid-body", size / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, faas.Config{
				Functions: []faas.Function{{Name: "echo", Timeout: 10 * time.Second}},
				Routes:    []faas.Route{{Pattern: "POST /echo", Function: "echo"}},
				KeepAlive: time.Minute,
			})
			first := f.post(t, "/echo", strings.NewReader(strings.Repeat("x", size)))
			if first.status != http.StatusOK {
				t.Fatalf("first invocation: %+v", first)
			}
			// A second front door, which tells when the platform has
			// read what the caller sent, and when it is done with the
			// request.
			front := f.p.Handler(nil)
			read, done := make(chan struct{}), make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				r.Body = &watchedBody{ReadCloser: r.Body, want: tt.sent, reached: read}
				front.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: shop\r\nContent-Length: %d\r\n\r\n%s", size, strings.Repeat("x", tt.sent)); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, read, "the platform to read what the caller sent")
			conn.Close() // the caller leaves
			waitClosed(t, done, "the platform to be done with the request")
			next := f.post(t, "/echo", strings.NewReader("{}"))
			if next.status != http.StatusOK || next.cold || next.instance != first.instance {
				t.Errorf("next invocation %+v: want it warm on %s", next, first.instance)
			}
			if s := stats(t, f, "echo"); s.Errors != 0 || s.ColdStarts != 1 || s.Instances != 1 {
				t.Errorf("stats %+v: want no error, and the one instance, started once", s)
			}
		})
	}
}

// TestOversizedPayloadIsRefused: a body over the payload limit is refused
// with 413 before any instance is used, whether its length is declared or
// it comes chunked: no error is counted and the warm instance is kept.
func TestOversizedPayloadIsRefused(t *testing.T) {
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"declared length", func() io.Reader { return strings.NewReader(strings.Repeat("x", faas.MaxPayloadBytes+1)) }},
		{"chunked", func() io.Reader { return io.LimitReader(repeatReader('x'), faas.MaxPayloadBytes+1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, faas.Config{
				Functions: []faas.Function{{Name: "echo", Timeout: 10 * time.Second}},
				Routes:    []faas.Route{{Pattern: "POST /echo", Function: "echo"}},
				KeepAlive: time.Minute,
			})
			first := f.post(t, "/echo", strings.NewReader("{}"))
			if first.status != http.StatusOK {
				t.Fatalf("first invocation: %+v", first)
			}
			if r := f.post(t, "/echo", tt.body()); r.status != http.StatusRequestEntityTooLarge || r.code != "payload_too_large" {
				t.Fatalf("oversized payload: %+v, want 413 payload_too_large", r)
			}
			if next := f.post(t, "/echo", strings.NewReader("{}")); next.status != http.StatusOK || next.cold || next.instance != first.instance {
				t.Errorf("next invocation %+v: want it warm on %s", next, first.instance)
			}
			if s := stats(t, f, "echo"); s.Errors != 0 || s.Invocations != 2 {
				t.Errorf("stats %+v: want 2 invocations and no error", s)
			}
		})
	}
}

// watchedBody is a request body that closes reached once want bytes of it
// have been read (at once if want is 0).
type watchedBody struct {
	io.ReadCloser
	want, got int
	reached   chan struct{}
	once      sync.Once
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.check()
	n, err := b.ReadCloser.Read(p)
	b.got += n
	b.check()
	return n, err
}

func (b *watchedBody) check() {
	if b.got >= b.want {
		b.once.Do(func() { close(b.reached) })
	}
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// waitClosed waits up to 10 s for c to be closed.
func waitClosed(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestDeadIdleInstanceLeavesTheCount: an idle instance found dead when an
// invocation looks for one is dropped from the instance count at once.
func TestDeadIdleInstanceLeavesTheCount(t *testing.T) {
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "nap", Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "nap"}},
		KeepAlive: time.Minute,
	})
	short, long := make(chan reply, 1), make(chan reply, 1)
	go func() { short <- f.get(t, "/sleep?ms=300&mark=short") }()
	f.waitMark(t, "short")
	go func() { long <- f.get(t, "/sleep?ms=600") }() // the short one is busy: a second instance
	first, last := <-short, <-long
	if first.pid == 0 || last.pid == 0 || first.pid == last.pid {
		t.Fatalf("replies %+v and %+v: want two instances", first, last)
	}
	// The instance released last is the next one used: kill it.
	if err := syscall.Kill(last.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the killed instance to be reaped", func() bool { return !alive(last.pid) })
	if r := f.get(t, "/sleep?ms=1"); r.status != http.StatusOK || r.cold || r.pid != first.pid {
		t.Fatalf("invocation after the kill: %+v, want it warm on process %d", r, first.pid)
	}
	if s := stats(t, f, "nap"); s.Instances != 1 {
		t.Fatalf("instances %d, want 1: the dead one is gone", s.Instances)
	}
}

// hangLauncher never gets an instance ready; it gives up when its ctx ends.
type hangLauncher struct{}

func (hangLauncher) Launch(ctx context.Context, fn faas.Function) (faas.Instance, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("launch %s: %w", fn.Name, ctx.Err())
}

// TestStartHonoursContext: Start gives up on provisioned instances that
// will not start when its ctx ends (Ctrl-C during the start), instead of
// waiting for the launch timeout.
func TestStartHonoursContext(t *testing.T) {
	p, err := faas.New(faas.Config{Functions: []faas.Function{{Name: "f", Provisioned: 2}}}, hangLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Start: %v, want its ctx's deadline exceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start still blocked 5 s after its ctx ended")
	}
}

// TestCloseStopsBusyInstances: Close stops the instances serving an
// invocation too, and waits: an invocation that ends within the instance's
// stop grace is answered, a longer one is cut short with 503 (not counted
// as the function's error), and no instance process outlives Close.
func TestCloseStopsBusyInstances(t *testing.T) {
	tests := []struct {
		name   string
		ms     int // the invocation's run time
		status int
	}{
		{"drains a short invocation", 300, http.StatusOK},
		{"cuts a long invocation short", 20_000, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, faas.Config{
				Functions: []faas.Function{{Name: "nap", Timeout: 30 * time.Second}},
				Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "nap"}},
			})
			done := make(chan reply, 1)
			go func() { done <- f.get(t, fmt.Sprintf("/sleep?ms=%d&mark=busy", tt.ms)) }()
			pid := f.waitMark(t, "busy")
			began := time.Now()
			f.p.Close()
			took := time.Since(began)
			if alive(pid) {
				t.Errorf("instance process %d alive after Close", pid)
			}
			if took > 10*time.Second {
				t.Errorf("Close took %v, want it bounded by the stop grace", took)
			}
			if r := <-done; r.status != tt.status {
				t.Errorf("the invocation in flight at Close: %+v, want %d", r, tt.status)
			}
			if s := stats(t, f, "nap"); s.Errors != 0 || s.Instances != 0 {
				t.Errorf("stats after Close: %+v, want no error and no instance", s)
			}
		})
	}
}

// startBroker starts a message broker for the test and returns a JetStream
// client of it.
func startBroker(t *testing.T) jetstream.JetStream {
	t.Helper()
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
	return js
}

// handled returns the events the instances of f's platform handled, one
// "subject data" line each.
func handled(f *fixture) string {
	data, _ := os.ReadFile(filepath.Join(f.dataDir, "events.log"))
	return string(data)
}

// TestThrottledEventIsNotAnAttempt: an event whose function is at its
// reserved concurrency is retried without using up its attempts: a
// "flaky" event (its first real attempt fails) with MaxAttempts 2 is
// handled after throttles, not dead-lettered.
func TestThrottledEventIsNotAnAttempt(t *testing.T) {
	js := startBroker(t)
	f := start(t, faas.Config{
		Functions: []faas.Function{{Name: "on-order", ReservedConcurrency: 1, Timeout: 10 * time.Second}},
		Routes:    []faas.Route{{Pattern: "GET /sleep", Function: "on-order"}},
		Triggers:  []faas.Trigger{{Subject: "order.placed", Function: "on-order", MaxAttempts: 2}},
	})
	busy := make(chan reply, 1)
	go func() { busy <- f.get(t, "/sleep?ms=1500&mark=busy") }() // the one instance allowed
	f.waitMark(t, "busy")
	if err := f.p.Subscribe(t.Context(), js); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), "order.placed", []byte("flaky")); err != nil {
		t.Fatal(err)
	}
	if r := <-busy; r.status != http.StatusOK {
		t.Fatalf("the invocation holding the instance: %+v", r)
	}
	waitFor(t, "the flaky event handled or dropped", func() bool {
		return strings.Contains(handled(f), "flaky") || stats(t, f, "on-order").DeadLetters > 0
	})
	if s := stats(t, f, "on-order"); s.DeadLetters != 0 || s.Throttles == 0 {
		t.Fatalf("stats %+v: want throttles and no dead letter (throttles counted as attempts)", s)
	}
}

// TestTriggersOfOneFunctionOnOneStream: a function triggered by two
// subjects of one stream gets the messages of both.
func TestTriggersOfOneFunctionOnOneStream(t *testing.T) {
	js := startBroker(t)
	subjects := []string{"order.placed", "order.cancelled"}
	var triggers []faas.Trigger
	for _, s := range subjects {
		triggers = append(triggers, faas.Trigger{Subject: s, Function: "on-order"})
	}
	f := start(t, faas.Config{Functions: []faas.Function{{Name: "on-order"}}, Triggers: triggers})
	if err := f.p.Subscribe(t.Context(), js); err != nil {
		t.Fatal(err)
	}
	for _, s := range subjects {
		if _, err := js.Publish(t.Context(), s, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a message of each subject handled", func() bool {
		got := handled(f)
		return strings.Contains(got, "order.placed x") && strings.Contains(got, "order.cancelled x")
	})
}
