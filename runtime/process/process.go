// Package process runs a plan's components as local OS processes on free
// loopback ports.
//
// Deploy builds every component's Go main package (one go build for all of a
// plan's packages, memoised per Runtime), then starts the components in
// Plan.StartOrder, peers before their callers, each replica with
//
//	<bin> -listen 127.0.0.1:0 -data <dir> -peer NAME=URL[,URL...] ... <Args...>
//
// A replica is ready once it has printed its ARCHBENCH_READY line and its
// GET /healthz answers 200. Its stdout and stderr go to a log file in the
// work directory; when a start fails, the error carries the log's tail.
//
// # Stopping, signals and Ctrl-C
//
// Every component runs in its own process group (Setpgid), so a terminal's
// Ctrl-C reaches only the harness, which then stops the components in
// order: the harness cancels its context and calls Deployment.Stop (or uses
// Run, which always does). Stop sends SIGTERM to each process group, callers
// before their peers so in-flight requests drain, and SIGKILLs whatever is
// still alive when the grace period passes or its context ends.
//
// If the harness itself dies without stopping (SIGKILL, a crash, an
// os.Exit), the kernel sends SIGKILL to every component it started
// (Pdeathsig), so no component outlives the harness. Processes are started
// from a fresh goroutine: the parent-death signal is tied to the OS thread
// that forked, and a fresh goroutine never runs on a thread that a
// LockOSThread caller could make exit.
//
// When a component's main process exits, whatever is left in its process
// group is SIGKILLed before the process is reaped, so a component cannot leak
// children either. Process groups are signalled only while their leader is
// known not to be reaped, so a signal can never reach a recycled PID.
package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/gobuild"
)

// Default timeouts, used unless an Option says otherwise.
const (
	// DefaultStartTimeout bounds how long one replica may take from exec to
	// ready.
	DefaultStartTimeout = 30 * time.Second
	// DefaultStopGrace is how long Stop waits after SIGTERM before it
	// SIGKILLs what is left.
	DefaultStopGrace = 5 * time.Second
)

// Runtime runs plans as local processes. It implements runtime.Runtime and is
// safe for concurrent use. Create it with New and Close it when done.
type Runtime struct {
	log          *slog.Logger
	startTimeout time.Duration
	stopGrace    time.Duration
	buildOpts    []gobuild.Option
	builder      *gobuild.Builder

	mu      sync.Mutex // guards the fields below
	workDir string     // empty until first needed when the Runtime owns it
	ownDir  bool       // workDir is a temp dir this Runtime removes on Close
	deps    map[*Deployment]struct{}
	closed  bool
}

var (
	_ runtime.Runtime    = (*Runtime)(nil)
	_ runtime.Deployment = (*Deployment)(nil)
)

// Option configures a Runtime.
type Option func(*Runtime)

// WithWorkDir sets the directory for binaries, logs and the components' data
// directories. It is created if missing and kept on Close. By default (or
// when dir is "") the Runtime uses a fresh temporary directory that Close
// removes.
func WithWorkDir(dir string) Option {
	return func(r *Runtime) {
		if dir != "" {
			r.workDir, r.ownDir = dir, false
		}
	}
}

// WithLogger sets where the Runtime logs builds, starts and stops. By default
// it logs nothing.
func WithLogger(log *slog.Logger) Option {
	return func(r *Runtime) { r.log = log }
}

// WithStartTimeout bounds how long one replica may take from exec to ready
// (default DefaultStartTimeout).
func WithStartTimeout(d time.Duration) Option {
	return func(r *Runtime) { r.startTimeout = d }
}

// WithStopGrace sets how long Stop waits for components to exit after SIGTERM
// before it SIGKILLs them (default DefaultStopGrace).
func WithStopGrace(d time.Duration) Option {
	return func(r *Runtime) { r.stopGrace = d }
}

// WithBinaries supplies prebuilt binaries by import path; Deploy builds only
// the packages not listed.
func WithBinaries(bins map[string]string) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, gobuild.WithBinaries(bins)) }
}

// WithGo sets the go command used to build components. By default it is "go"
// from PATH (whose toolchain selection honours go.mod), falling back to the
// go of the toolchain that built this program.
func WithGo(path string) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, gobuild.WithGo(path)) }
}

// WithBuildDir sets the directory go build runs in; it must be inside the
// module that holds the components. By default it is the working directory.
func WithBuildDir(dir string) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, gobuild.WithDir(dir)) }
}

// WithBuildEnv adds KEY=value entries to go build's environment, after
// CGO_ENABLED=0 so they can override it.
func WithBuildEnv(env ...string) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, gobuild.WithEnv(env...)) }
}

// WithBuildFlags adds flags to go build, e.g. "-ldflags=-s -w" or "-race".
func WithBuildFlags(flags ...string) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, gobuild.WithFlags(flags...)) }
}

// New returns a Runtime configured by opts.
func New(opts ...Option) *Runtime {
	r := &Runtime{
		log:          slog.New(slog.DiscardHandler),
		startTimeout: DefaultStartTimeout,
		stopGrace:    DefaultStopGrace,
		ownDir:       true,
		deps:         map[*Deployment]struct{}{},
	}
	for _, opt := range opts {
		opt(r)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.builder = gobuild.New(append([]gobuild.Option{gobuild.WithLogger(r.log)}, r.buildOpts...)...)
	return r
}

// Name identifies the runtime in results: "process".
func (r *Runtime) Name() string { return "process" }

// WorkDir returns the directory that holds binaries, logs and data, creating
// it if needed. Tell users about it when a run fails: the logs are there.
func (r *Runtime) WorkDir() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.workDirLocked()
}

func (r *Runtime) workDirLocked() (string, error) {
	if r.closed {
		return "", errors.New("process runtime is closed")
	}
	if r.workDir == "" {
		dir, err := os.MkdirTemp("", "archbench-process-")
		if err != nil {
			return "", fmt.Errorf("create work directory: %w", err)
		}
		r.workDir = dir
		return dir, nil
	}
	if err := os.MkdirAll(r.workDir, 0o755); err != nil {
		return "", fmt.Errorf("create work directory: %w", err)
	}
	return r.workDir, nil
}

// Prepare builds the programs p needs without starting them, so that a
// Deploy of p after it only starts them and its time to ready is start-up
// alone, the same on the first deployment as on later ones. Deploy builds
// whatever Prepare has not.
func (r *Runtime) Prepare(ctx context.Context, p runtime.Plan) error {
	_, _, err := r.build(ctx, p)
	return err
}

// Deploy builds and starts every component of p and returns once all
// replicas are ready. On error nothing it started is left running. The
// deployment outlives ctx; Deploy gives up when ctx is done. The returned
// Deployment is a *Deployment.
func (r *Runtime) Deploy(ctx context.Context, p runtime.Plan) (runtime.Deployment, error) {
	d, err := r.deploy(ctx, p)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return d, nil
}

// build validates p and builds its programs: the components in start order
// and each package's binary.
func (r *Runtime) build(ctx context.Context, p runtime.Plan) ([]runtime.Component, map[string]string, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, fmt.Errorf("deploy: %w", err)
	}
	order, err := p.StartOrder()
	if err != nil {
		return nil, nil, fmt.Errorf("deploy: %w", err)
	}
	work, err := r.WorkDir()
	if err != nil {
		return nil, nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}
	pkgs := make([]string, 0, len(order))
	for _, c := range order {
		pkgs = append(pkgs, c.Package)
	}
	bins, err := r.builder.Build(ctx, filepath.Join(work, "bin"), pkgs)
	if err != nil {
		return nil, nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}
	return order, bins, nil
}

func (r *Runtime) deploy(ctx context.Context, p runtime.Plan) (*Deployment, error) {
	order, bins, err := r.build(ctx, p)
	if err != nil {
		return nil, err
	}
	work, err := r.WorkDir()
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}
	runDir, err := newRunDir(filepath.Join(work, safeName(p.Variant)))
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}

	d := newDeployment(r, p, runDir)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("deploy %s: process runtime is closed", p.Variant)
	}
	r.deps[d] = struct{}{}
	r.mu.Unlock()

	if err := d.start(ctx, order, bins); err != nil {
		return nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}
	return d, nil
}

// forget drops a stopped deployment from the set Close stops.
func (r *Runtime) forget(d *Deployment) {
	r.mu.Lock()
	delete(r.deps, d)
	r.mu.Unlock()
}

// Close stops every deployment still running, then removes the work
// directory if the Runtime created it. Later Deploys fail.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	deps := make([]*Deployment, 0, len(r.deps))
	for d := range r.deps {
		deps = append(deps, d)
	}
	dir, own := r.workDir, r.ownDir
	r.mu.Unlock()

	var errs []error
	for _, d := range deps {
		if err := d.Stop(context.Background()); err != nil {
			errs = append(errs, err)
		}
	}
	if own && dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove work directory: %w", err))
		}
	}
	return errors.Join(errs...)
}

// newRunDir creates parent/run-NNN with the first free NNN, so repeated
// deploys of a variant never share data directories or logs.
func newRunDir(parent string) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	for n := 1; ; n++ {
		dir := filepath.Join(parent, fmt.Sprintf("run-%03d", n))
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("create run directory: %w", err)
		}
	}
}

// safeName turns a variant or component name into one path element.
func safeName(s string) string {
	if s == "" {
		return "unnamed"
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			b[i] = '_'
		}
	}
	if s := string(b); s != "." && s != ".." {
		return s
	}
	return "unnamed"
}
