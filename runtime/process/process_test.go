package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/gobuild"
)

const echoPkg = "github.com/archbench/archbench/runtime/process/testdata/echo"

// echoBins holds the echo binary, built once by TestMain so that most tests
// skip the build.
var echoBins map[string]string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if os.Getenv(harnessEnv) != "" {
		return m.Run() // a harness child gets its binary from the parent
	}
	dir, err := os.MkdirTemp("", "process-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bins, err := gobuild.New().Build(ctx, dir, []string{echoPkg})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	echoBins = bins
	return m.Run()
}

// newRuntime returns a Runtime with the prebuilt echo binary, a per-test
// work directory and a logger writing to the test's output.
func newRuntime(t testing.TB, opts ...Option) *Runtime {
	t.Helper()
	base := []Option{
		WithBinaries(echoBins),
		WithWorkDir(t.TempDir()),
		WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))),
	}
	rt := New(append(base, opts...)...)
	t.Cleanup(func() {
		if err := rt.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rt
}

func deploy(t *testing.T, rt *Runtime, p runtime.Plan) *Deployment {
	t.Helper()
	d, err := rt.Deploy(t.Context(), p)
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	return d.(*Deployment)
}

// echo returns an echo component.
func echo(name string, replicas int, peers []string, args ...string) runtime.Component {
	return runtime.Component{Name: name, Package: echoPkg, Replicas: replicas, Peers: peers, Args: args}
}

// info asks an echo replica about itself.
func info(t *testing.T, url string) echoInfo {
	t.Helper()
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var in echoInfo
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return in
}

// echoInfo mirrors testdata/echo's Info.
type echoInfo struct {
	PID     int               `json:"pid"`
	Peers   map[string]string `json:"peers"`
	DataDir string            `json:"data_dir"`
	Env     string            `json:"env"`
}

// gone reports whether pid no longer names a live process. Zombies count as
// gone: an orphan's reaper may be slow to reap it (or never, in a
// container whose PID 1 does not).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	// pid (comm) STATE ...; comm may contain spaces and parentheses.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// assertReaped fails unless every pid has been reaped: kill(pid, 0) says
// ESRCH. It is for processes this test process started and waited for.
func assertReaped(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists: kill(pid, 0) = %v", pid, err)
		}
	}
}

// pidFiles returns the PIDs that echo replicas wrote under dir.
func pidFiles(t *testing.T, dir string) map[string]int {
	t.Helper()
	pids := map[string]int{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.Name() != "pid" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		pids[rel] = pid
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

func pidsOf(d *Deployment) []int {
	var pids []int
	for _, p := range d.Processes() {
		pids = append(pids, p.PID)
	}
	return pids
}

func TestDeployTwoComponents(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	a := echo("a", 0, nil)
	a.Env = []string{"ECHO_ENV=from-plan"}
	d := deploy(t, rt, runtime.Plan{
		Variant:    "two",
		Components: []runtime.Component{echo("b", 1, []string{"a", "alias=a"}), a}, // callers first: Deploy orders
		Entry:      "b",
	})

	procs := d.Processes()
	if len(procs) != 2 || procs[0].Component != "a" || procs[1].Component != "b" {
		t.Fatalf("Processes() = %+v, want a then b", procs)
	}
	if got, want := d.EntryURL(), d.URLs("b")[0]; got != want || !strings.HasPrefix(got, "http://127.0.0.1:") {
		t.Errorf("EntryURL() = %q, want %q on 127.0.0.1", got, want)
	}
	b := info(t, d.EntryURL())
	if got, want := b.Peers["a"], d.URLs("a")[0]; got != want {
		t.Errorf("b got -peer a=%q, want %q", got, want)
	}
	if got, want := b.Peers["alias"], d.URLs("a")[0]; got != want {
		t.Errorf("b got -peer alias=%q, want a's URL %q", got, want)
	}
	if b.PID != procs[1].PID || b.DataDir != procs[1].DataDir {
		t.Errorf("b says pid %d, data %q; Processes says %d, %q", b.PID, b.DataDir, procs[1].PID, procs[1].DataDir)
	}
	if a := info(t, d.URLs("a")[0]); a.Env != "from-plan" || len(a.Peers) != 0 {
		t.Errorf("a = %+v, want env from-plan and no peers", a)
	}
	for _, p := range procs {
		if p.StartedIn <= 0 || p.StartedIn != d.StartedIn(p.Component) || p.Exited {
			t.Errorf("%s: StartedIn %v (component %v), Exited %v", p.Component, p.StartedIn, d.StartedIn(p.Component), p.Exited)
		}
		if _, err := os.Stat(p.Log); err != nil {
			t.Errorf("log: %v", err)
		}
	}
	if d.URLs("nope") != nil || d.StartedIn("nope") != 0 {
		t.Error("unknown component has URLs or a start time")
	}

	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop: %v", err)
	}
	assertReaped(t, pidsOf(d))
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	for _, p := range d.Processes() {
		if !p.Exited {
			t.Errorf("%s-%d not marked exited", p.Component, p.Replica)
		}
	}
}

func TestReplicas(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	d := deploy(t, rt, runtime.Plan{
		Variant:    "replicas",
		Components: []runtime.Component{echo("a", 3, nil), echo("b", 0, []string{"a"})},
		Entry:      "b",
	})
	urls := d.URLs("a")
	if len(urls) != 3 || len(slices.Compact(slices.Sorted(slices.Values(urls)))) != 3 {
		t.Fatalf("URLs(a) = %v, want 3 distinct", urls)
	}
	pids := map[int]bool{}
	for _, p := range d.Processes() {
		if p.Component == "a" {
			pids[p.PID] = true
			if p.URL != urls[p.Replica] {
				t.Errorf("a-%d URL %s, want %s", p.Replica, p.URL, urls[p.Replica])
			}
		}
	}
	if len(pids) != 3 {
		t.Errorf("a has %d distinct processes, want 3", len(pids))
	}
	if got, want := info(t, d.EntryURL()).Peers["a"], strings.Join(urls, ","); got != want {
		t.Errorf("b got -peer a=%q, want %q", got, want)
	}
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop: %v", err)
	}
	assertReaped(t, pidsOf(d))
}

// TestSharedData checks that replicas of a SharedData component get one
// data directory, and replicas of any other component one each.
func TestSharedData(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	shared := echo("s", 2, nil)
	shared.SharedData = true
	d := deploy(t, rt, runtime.Plan{
		Variant:    "shared",
		Components: []runtime.Component{shared, echo("own", 2, nil)},
		Entry:      "s",
	})
	dirs := map[string]map[string]bool{"s": {}, "own": {}}
	for _, p := range d.Processes() {
		dirs[p.Component][p.DataDir] = true
	}
	if len(dirs["s"]) != 1 {
		t.Errorf("SharedData replicas have %d data directories, want 1: %v", len(dirs["s"]), dirs["s"])
	}
	if len(dirs["own"]) != 2 {
		t.Errorf("replicas without SharedData have %d data directories, want 2: %v", len(dirs["own"]), dirs["own"])
	}
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestDeployFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	const short = 500 * time.Millisecond
	tests := []struct {
		name    string
		b       runtime.Component
		opts    []Option
		ctx     time.Duration // Deploy's ctx timeout; 0 for none
		wantErr []string
	}{
		{
			name:    "exits before ready",
			b:       echo("b", 2, []string{"a"}, "-fail-start"),
			wantErr: []string{"start b-", "exited before ready", "refusing to start because of -fail-start"},
		},
		{
			name:    "start timeout",
			b:       echo("b", 0, []string{"a"}, "-hang"),
			opts:    []Option{WithStartTimeout(short)},
			wantErr: []string{"start b-0", "start timeout", "hanging before ready"},
		},
		{
			name:    "unhealthy",
			b:       echo("b", 0, []string{"a"}, "-unhealthy"),
			opts:    []Option{WithStartTimeout(short)},
			wantErr: []string{"start b-0", "/healthz", "503", "start timeout"},
		},
		{
			name:    "ctx ends during Deploy",
			b:       echo("b", 0, []string{"a"}, "-hang"),
			ctx:     short,
			wantErr: []string{"start b-0", context.DeadlineExceeded.Error(), "hanging before ready"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			rt := newRuntime(t, append(tt.opts, WithWorkDir(work))...)
			ctx := t.Context()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			d, err := rt.Deploy(ctx, runtime.Plan{
				Variant:    "fail",
				Components: []runtime.Component{echo("a", 0, nil), tt.b},
				Entry:      "b",
			})
			if err == nil {
				_ = d.Stop(context.Background())
				t.Fatal("Deploy succeeded")
			}
			t.Logf("Deploy: %v", err)
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q", want)
				}
			}
			pids := pidFiles(t, work)
			if _, ok := pids[filepath.Join("fail", "run-001", "a-0", "data", "pid")]; !ok || len(pids) < 2 {
				t.Fatalf("pid files %v: want a's and b's", pids)
			}
			assertReaped(t, slices.Collect(mapValues(pids)))
		})
	}
}

func mapValues(m map[string]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestStopKillsWhatIgnoresSIGTERM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []Option
		stopCtx time.Duration
	}{
		{"ctx ends", nil, 300 * time.Millisecond},
		{"grace passes", []Option{WithStopGrace(300 * time.Millisecond)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := newRuntime(t, tt.opts...)
			d := deploy(t, rt, runtime.Plan{
				Variant:    "stubborn",
				Components: []runtime.Component{echo("a", 0, nil, "-ignore-term"), echo("b", 0, []string{"a"})},
				Entry:      "b",
			})
			ctx := t.Context()
			if tt.stopCtx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.stopCtx)
				defer cancel()
			}
			start := time.Now()
			err := d.Stop(ctx)
			if err == nil || !strings.Contains(err.Error(), "a-0 did not stop") || strings.Contains(err.Error(), "b-0") {
				t.Errorf("Stop = %v, want a-0 killed, b-0 fine", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Stop took %v", took)
			}
			assertReaped(t, pidsOf(d))
		})
	}
}

func TestKill(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	d := deploy(t, rt, runtime.Plan{
		Variant:    "kill",
		Components: []runtime.Component{echo("a", 2, nil)},
		Entry:      "a",
	})
	victim := d.Processes()[1]
	if err := d.Kill("a", 1); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	assertReaped(t, []int{victim.PID})
	if p := d.Processes()[1]; !p.Exited {
		t.Error("killed replica not marked exited")
	}
	if err := d.Kill("a", 1); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("second Kill = %v, want os.ErrProcessDone", err)
	}
	if err := d.Kill("a", 7); err == nil {
		t.Error("Kill of an unknown replica succeeded")
	}
	info(t, d.URLs("a")[0]) // the other replica still serves
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop after Kill = %v, want nil", err)
	}
	assertReaped(t, pidsOf(d))
}

// TestRestart: a killed replica restarts as a new process on the same
// address, so the URL its peers were given still reaches it; restarting a
// running replica is refused; a redeploy replaces a running one the same
// way; Stop afterwards is clean.
func TestRestart(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	d := deploy(t, rt, runtime.Plan{
		Variant:    "restart",
		Components: []runtime.Component{echo("a", 1, nil), echo("b", 1, []string{"a"})},
		Entry:      "b",
	})
	url := d.URLs("a")[0]
	before := info(t, url)
	if err := d.Restart(t.Context(), "a", 0); err == nil {
		t.Fatal("Restart of a running replica succeeded")
	}
	if err := d.Kill("a", 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Restart(t.Context(), "a", 0); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	after := info(t, url)
	if after.PID == before.PID || after.DataDir != before.DataDir {
		t.Errorf("after Restart: pid %d in %q, before: pid %d in %q; want a new process on the same data", after.PID, after.DataDir, before.PID, before.DataDir)
	}
	if got := info(t, d.EntryURL()).Peers["a"]; got != url {
		t.Errorf("b's peer a is %q, want the unchanged %q", got, url)
	}
	if err := d.Redeploy(t.Context(), "a", 0); err != nil {
		t.Fatalf("Redeploy: %v", err)
	}
	if again := info(t, url); again.PID == after.PID {
		t.Errorf("after Redeploy: pid %d, want a new process", again.PID)
	}
	if err := d.Stop(t.Context()); err != nil {
		t.Errorf("Stop after Restart and Redeploy = %v, want nil", err)
	}
	assertReaped(t, pidsOf(d))
}

// TestProcessesDuringRestart: Processes and StartedIn, read while a
// replica restarts or is redeployed, do not race with the new process
// becoming ready (run with -race), and afterwards report it with its URL
// and cold-start time.
func TestProcessesDuringRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		replace func(ctx context.Context, d *Deployment) error
	}{
		{"restart after kill", func(ctx context.Context, d *Deployment) error {
			if err := d.Kill("a", 0); err != nil {
				return err
			}
			return d.Restart(ctx, "a", 0)
		}},
		{"redeploy", func(ctx context.Context, d *Deployment) error { return d.Redeploy(ctx, "a", 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := newRuntime(t)
			d := deploy(t, rt, runtime.Plan{
				Variant:    "poll-" + safeName(tt.name),
				Components: []runtime.Component{echo("a", 1, nil)},
				Entry:      "a",
			})
			url := d.URLs("a")[0]
			done := make(chan error, 1)
			go func() { done <- tt.replace(t.Context(), d) }()
			for polling := true; polling; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("replace: %v", err)
					}
					polling = false
				default:
					_ = d.Processes()
					_ = d.StartedIn("a")
					time.Sleep(100 * time.Microsecond)
				}
			}
			ps := d.Processes()
			if len(ps) != 1 || ps[0].URL != url || ps[0].StartedIn <= 0 || ps[0].Exited {
				t.Errorf("Processes after the replacement: %+v, want one live replica at %s with its start time", ps, url)
			}
		})
	}
}

func TestStopReportsCrash(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	d := deploy(t, rt, runtime.Plan{Variant: "crash", Components: []runtime.Component{echo("a", 0, nil)}, Entry: "a"})
	pid := d.Processes()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Stop cannot know the crash came first unless it has been reaped.
	p := d.find("a", 0)
	<-p.exited
	if err := d.Stop(t.Context()); err == nil || !strings.Contains(err.Error(), "a-0 exited before Stop: signal: killed") {
		t.Errorf("Stop = %v, want a-0's crash", err)
	}
}

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	const pkg = "example.com/not/built"
	tests := []struct {
		name string
		plan runtime.Plan
		want string
	}{
		{"no entry", runtime.Plan{Variant: "v", Components: []runtime.Component{{Name: "a", Package: pkg}}, Entry: "x"}, `entry "x"`},
		{"unknown peer", runtime.Plan{Variant: "v", Components: []runtime.Component{{Name: "a", Package: pkg, Peers: []string{"b"}}}, Entry: "a"}, `unknown peer "b"`},
		{"cycle", runtime.Plan{Variant: "v", Components: []runtime.Component{
			{Name: "a", Package: pkg, Peers: []string{"b"}}, {Name: "b", Package: pkg, Peers: []string{"a"}},
		}, Entry: "a"}, "cycle"},
		{"duplicate", runtime.Plan{Variant: "v", Components: []runtime.Component{{Name: "a", Package: pkg}, {Name: "a", Package: pkg}}, Entry: "a"}, "twice"},
		{"no package", runtime.Plan{Variant: "v", Components: []runtime.Component{{Name: "a"}}, Entry: "a"}, "needs a name and a package"},
		{"negative replicas", runtime.Plan{Variant: "v", Components: []runtime.Component{{Name: "a", Package: pkg, Replicas: -1}}, Entry: "a"}, "replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			work := filepath.Join(t.TempDir(), "work")
			rt := newRuntime(t, WithWorkDir(work))
			_, err := rt.Deploy(t.Context(), tt.plan)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Deploy = %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(work); !errors.Is(err, fs.ErrNotExist) || rt.builder.Builds() != 0 {
				t.Errorf("Deploy touched the work dir (%v) or built (%d builds)", err, rt.builder.Builds())
			}
		})
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	rt := New(WithWorkDir(t.TempDir())) // no prebuilt binaries: really build
	t.Cleanup(func() { rt.Close() })
	plan := runtime.Plan{Variant: "build", Components: []runtime.Component{echo("a", 0, nil), echo("b", 0, []string{"a"})}, Entry: "b"}
	if err := rt.Prepare(t.Context(), plan); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if n := rt.builder.Builds(); n != 1 {
		t.Errorf("%d go builds after Prepare, want 1", n)
	}
	for i := range 2 {
		d := deploy(t, rt, plan)
		info(t, d.EntryURL())
		if err := d.Stop(t.Context()); err != nil {
			t.Errorf("Stop %d: %v", i, err)
		}
		if filepath.Base(d.Dir()) != fmt.Sprintf("run-%03d", i+1) {
			t.Errorf("deploy %d ran in %s", i, d.Dir())
		}
	}
	if n := rt.builder.Builds(); n != 1 {
		t.Errorf("%d go builds for a Prepare and two deploys, want 1", n)
	}
	if err := rt.Prepare(t.Context(), runtime.Plan{Variant: "bad"}); err == nil {
		t.Error("Prepare of a plan without components succeeded")
	}

	const bad = "github.com/archbench/archbench/runtime/process/testdata/nope"
	_, err := rt.Deploy(t.Context(), runtime.Plan{Variant: "bad", Components: []runtime.Component{{Name: "x", Package: bad}}, Entry: "x"})
	if err == nil || !strings.Contains(err.Error(), "build "+bad+": exit status 1\n") {
		t.Errorf("Deploy of a missing package = %v, want go's build error", err)
	}
}

func TestCloseStopsDeploymentsAndRemovesWorkDir(t *testing.T) {
	t.Parallel()
	rt := New(WithBinaries(echoBins)) // owns a temp work dir
	d, err := rt.Deploy(t.Context(), runtime.Plan{Variant: "close", Components: []runtime.Component{echo("a", 2, nil)}, Entry: "a"})
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	work, _ := rt.WorkDir()
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertReaped(t, pidsOf(d.(*Deployment)))
	if _, err := os.Stat(work); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("work dir %s still there: %v", work, err)
	}
	if _, err := rt.Deploy(t.Context(), runtime.Plan{Variant: "late", Components: []runtime.Component{echo("a", 0, nil)}, Entry: "a"}); err == nil {
		t.Error("Deploy after Close succeeded")
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	plan := runtime.Plan{Variant: "run", Components: []runtime.Component{echo("a", 0, nil)}, Entry: "a"}
	boom := errors.New("boom")
	ctx, cancel := context.WithCancel(t.Context())
	var d *Deployment
	err := Run(ctx, rt, plan, func(ctx context.Context, dep runtime.Deployment) error {
		d = dep.(*Deployment)
		info(t, dep.EntryURL())
		cancel() // as Ctrl-C would
		<-ctx.Done()
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Run = %v, want boom", err)
	}
	assertReaped(t, pidsOf(d))
}

// BenchmarkColdStart measures an echo replica's start: exec to ready.
func BenchmarkColdStart(b *testing.B) {
	rt := newRuntime(b, WithLogger(slog.New(slog.DiscardHandler)))
	plan := runtime.Plan{Variant: "cold", Components: []runtime.Component{echo("a", 0, nil)}, Entry: "a"}
	var total, fastest time.Duration
	n := 0
	for b.Loop() {
		d, err := rt.deploy(b.Context(), plan)
		if err != nil {
			b.Fatal(err)
		}
		s := d.StartedIn("a")
		total += s
		if fastest == 0 || s < fastest {
			fastest = s
		}
		n++
		if err := d.Stop(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms/ready")
	b.ReportMetric(float64(fastest.Microseconds())/1000, "ms/ready-min")
}
