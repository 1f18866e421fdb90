// Package container runs a plan's components as Docker containers, through
// testcontainers-go, on a Docker network of their own.
//
// No image is pulled: each component's Go main package is built into a
// static binary (package gobuild) and put alone in an image FROM scratch,
// tagged by the binary's content hash, so an unchanged binary is never
// rebuilt. Components speak the same protocol as in the process runtime
// (package runtime/component): -listen 0.0.0.0:8080, -data /data (a
// volume), -peer NAME=scheme://alias:8080 with the peers' network aliases.
// The harness reaches each replica through its port published on the host.
//
// Every container, network and volume a deployment creates carries the
// labels LabelManaged and LabelRun, and Stop removes them all. Ryuk, the
// testcontainers reaper, needs an image pulled from a registry, so it is
// disabled; the clean-up is ours: Stop on success, failure and Ctrl-C (the
// harness stops on a cancelled context), and Clean for what a killed
// harness left behind (archbench clean).
//
// Every deployment gets the same resource budget (Budget): its containers
// share the CPUs and memory equally, each capped at its share with the
// engine's limits, so that variants compare on equal terms. The payment
// provider stands for an external service and runs outside the budget.
package container

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/gobuild"
)

// Labels on everything a deployment creates.
const (
	// LabelManaged is "true" on every container, network, volume and image
	// archbench creates: what Clean removes.
	LabelManaged = "archbench.managed"
	// LabelRun names the deployment.
	LabelRun = "archbench.run"
	// LabelComponent and LabelReplica name a container's component replica.
	LabelComponent = "archbench.component"
	LabelReplica   = "archbench.replica"
)

// port is where every component listens inside its container.
const port = "8080"

// Budget is the resources one deployment's containers share.
type Budget struct {
	// CPUs is the total CPU time per second, in cores.
	CPUs float64
	// MemoryBytes is the total memory.
	MemoryBytes int64
}

// DefaultBudget is 1.5 cores and 2 GiB: on a 2-core machine it leaves half
// a core to the load generator and the engine.
var DefaultBudget = Budget{CPUs: 1.5, MemoryBytes: 2 << 30}

// External is the allowance of a component outside the budget (the payment
// provider, which stands for a third party's service).
var External = Budget{CPUs: 0.25, MemoryBytes: 128 << 20}

// Default timeouts.
const (
	DefaultStartTimeout = time.Minute
	DefaultStopGrace    = 5 * time.Second
)

// Runtime runs plans as containers. It implements runtime.Runtime and is
// safe for concurrent use. Create it with New and Close it when done.
type Runtime struct {
	log          *slog.Logger
	budget       Budget
	external     map[string]bool
	startTimeout time.Duration
	stopGrace    time.Duration
	buildOpts    []gobuild.Option
	builder      *gobuild.Builder
	provider     *testcontainers.DockerProvider
	workDir      string
	// choosePort picks a replica's host port: freePort, unless a test
	// sets another.
	choosePort func() (int, error)
	// rebindWait waits between a stopped replica's tries to start again
	// on its taken host port: sleep, unless a test sets another.
	rebindWait func(ctx context.Context, d time.Duration) error

	imagesMu sync.Mutex
	images   map[string]string // binary path -> image tag
	built    int               // images built (not found in the cache)

	mu     sync.Mutex
	deps   map[*Deployment]struct{}
	closed bool

	// direct says whether the harness reaches containers at their address
	// on the run's network (decided by the first container: see
	// reachDirect) rather than through ports published on loopback.
	directOnce sync.Once
	direct     atomic.Bool
}

var _ runtime.Runtime = (*Runtime)(nil)

// Option configures a Runtime.
type Option func(*Runtime)

// WithLogger sets where the Runtime logs builds, starts and stops.
func WithLogger(log *slog.Logger) Option { return func(r *Runtime) { r.log = log } }

// WithBudget sets the resources each deployment's containers share.
func WithBudget(b Budget) Option { return func(r *Runtime) { r.budget = b } }

// WithExternal names components that run outside the budget, each with the
// External allowance (default: the payment provider, "psp").
func WithExternal(names ...string) Option {
	return func(r *Runtime) {
		r.external = map[string]bool{}
		for _, n := range names {
			r.external[n] = true
		}
	}
}

// WithStartTimeout bounds how long one replica may take from creation to
// ready (default DefaultStartTimeout).
func WithStartTimeout(d time.Duration) Option { return func(r *Runtime) { r.startTimeout = d } }

// WithStopGrace sets how long a container may take to stop after SIGTERM
// before it is killed (default DefaultStopGrace).
func WithStopGrace(d time.Duration) Option { return func(r *Runtime) { r.stopGrace = d } }

// WithBuildOptions configures how binaries are built (e.g. prebuilt ones).
func WithBuildOptions(opts ...gobuild.Option) Option {
	return func(r *Runtime) { r.buildOpts = append(r.buildOpts, opts...) }
}

// disableRyuk turns off the testcontainers reaper, which needs an image from
// a registry; this package cleans up itself. testcontainers reads the
// setting from the environment once, so it must be set before first use.
// It also quiets testcontainers' default logger, which would otherwise
// print a banner and a line per container step into the harness's
// progress output; this package logs what matters through its own logger.
func disableRyuk() {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	tclog.SetDefault(quietLogger{slog.New(slog.DiscardHandler)})
}

// New connects to the Docker engine and returns a Runtime. It fails if no
// engine answers.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	disableRyuk()
	r := &Runtime{
		log: slog.New(slog.DiscardHandler), budget: DefaultBudget, external: map[string]bool{"psp": true},
		startTimeout: DefaultStartTimeout, stopGrace: DefaultStopGrace, choosePort: freePort, rebindWait: sleep,
		images: map[string]string{}, deps: map[*Deployment]struct{}{},
	}
	for _, o := range opts {
		o(r)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.budget.CPUs <= 0 || r.budget.MemoryBytes <= 0 {
		return nil, fmt.Errorf("container runtime: the budget needs CPUs > 0 and memory > 0, but is %+v", r.budget)
	}
	provider, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(quietLogger{r.log}))
	if err != nil {
		return nil, fmt.Errorf("container runtime: connect to the Docker engine: %w", err)
	}
	if err := provider.Health(ctx); err != nil {
		provider.Close()
		return nil, fmt.Errorf("container runtime: the Docker engine does not answer: %w", err)
	}
	r.provider = provider
	dir, err := os.MkdirTemp("", "archbench-container-")
	if err != nil {
		provider.Close()
		return nil, fmt.Errorf("container runtime: %w", err)
	}
	r.workDir = dir
	r.builder = gobuild.New(append([]gobuild.Option{gobuild.WithLogger(r.log), gobuild.WithFlags("-ldflags=-s -w")}, r.buildOpts...)...)
	return r, nil
}

// Available reports whether a Docker engine answers, for choosing a runtime
// automatically; the error says why not.
func Available(ctx context.Context) error {
	disableRyuk()
	provider, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(quietLogger{slog.New(slog.DiscardHandler)}))
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return provider.Health(ctx)
}

// Name identifies the runtime in results: "docker".
func (r *Runtime) Name() string { return "docker" }

// Budget returns the resources each deployment's containers share.
func (r *Runtime) Budget() Budget { return r.budget }

// ImagesBuilt counts the images this Runtime has built so far; an image
// found in the engine's cache is not counted.
func (r *Runtime) ImagesBuilt() int {
	r.imagesMu.Lock()
	defer r.imagesMu.Unlock()
	return r.built
}

// Prepare builds the programs and images p needs without starting a
// container, so that a Deploy of p after it only starts containers and its
// time to ready is start-up alone, the same on the first deployment as on
// later ones. Deploy builds whatever Prepare has not.
func (r *Runtime) Prepare(ctx context.Context, p runtime.Plan) error {
	_, _, err := r.build(ctx, p)
	return err
}

// build validates p and builds what it runs: its components in start order
// and each package's image.
func (r *Runtime) build(ctx context.Context, p runtime.Plan) ([]runtime.Component, map[string]string, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, nil, errors.New("container runtime: closed")
	}
	r.mu.Unlock()
	order, err := p.StartOrder()
	if err != nil {
		return nil, nil, err
	}
	var pkgs []string
	for _, c := range order {
		pkgs = append(pkgs, c.Package)
	}
	bins, err := r.builder.Build(ctx, filepath.Join(r.workDir, "bin"), pkgs)
	if err != nil {
		return nil, nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
	}
	images := map[string]string{}
	for _, c := range order {
		if images[c.Package], err = r.image(ctx, bins[c.Package]); err != nil {
			return nil, nil, fmt.Errorf("deploy %s: %w", p.Variant, err)
		}
	}
	return order, images, nil
}

// Deploy builds the plan's binaries and images (unless cached) and starts
// every component, peers before callers, on a network of its own. On error
// nothing it created is left.
func (r *Runtime) Deploy(ctx context.Context, p runtime.Plan) (runtime.Deployment, error) {
	order, images, err := r.build(ctx, p)
	if err != nil {
		return nil, err
	}
	d := newDeployment(r, p, newRunID(p.Variant))
	r.mu.Lock()
	r.deps[d] = struct{}{}
	r.mu.Unlock()
	if err := d.start(ctx, order, images); err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return nil, errors.Join(fmt.Errorf("deploy %s: %w", p.Variant, err), d.Stop(sctx))
	}
	return d, nil
}

func (r *Runtime) forget(d *Deployment) {
	r.mu.Lock()
	delete(r.deps, d)
	r.mu.Unlock()
}

// Close stops every deployment still running and removes the build
// directory. Images stay cached in the engine.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	deps := make([]*Deployment, 0, len(r.deps))
	for d := range r.deps {
		deps = append(deps, d)
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, d := range deps {
		errs = append(errs, d.Stop(ctx))
	}
	if r.provider != nil {
		errs = append(errs, r.provider.Close())
	}
	errs = append(errs, os.RemoveAll(r.workDir))
	return errors.Join(errs...)
}

// newRunID names a deployment: the variant and a random suffix, short
// enough for container names.
func newRunID(variant string) string {
	return strings.ToLower(fmt.Sprintf("%s-%s", safeName(variant), rand.Text()[:8]))
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '-'
	}, s)
}

// quietLogger sends testcontainers' chatter to the runtime's logger at debug
// level.
type quietLogger struct{ log *slog.Logger }

func (q quietLogger) Printf(format string, v ...any) { q.log.Debug(fmt.Sprintf(format, v...)) }
