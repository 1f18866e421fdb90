package k6

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/archbench/archbench/results"
)

// Defaults for Run's options.
const (
	// DefaultStopDelay is how long Run waits, once its context is done and
	// k6 has been interrupted, before it kills k6.
	DefaultStopDelay = 10 * time.Second
	// exitThresholds is k6's exit code when a threshold was crossed.
	exitThresholds = 99
	// outputTail bounds how much of k6's output an error quotes.
	outputTail = 4 << 10
)

// Option configures Run.
type Option func(*runConfig)

type runConfig struct {
	goBin      string
	moduleRoot string
	k6Bin      string
	workDir    string
	output     io.Writer
	stopDelay  time.Duration
}

// WithGo sets the go command that builds k6 (default "go", found on PATH).
func WithGo(path string) Option { return func(c *runConfig) { c.goBin = path } }

// WithModuleRoot sets the directory of the go.mod that pins k6 as a tool
// (default: the nearest directory holding a go.mod, from the working
// directory up).
func WithModuleRoot(dir string) Option { return func(c *runConfig) { c.moduleRoot = dir } }

// WithK6 runs the k6 binary at path instead of building the pinned one
// with `go tool -n k6`.
func WithK6(path string) Option { return func(c *runConfig) { c.k6Bin = path } }

// WithWorkDir makes Run write the script (script.js) and k6's summary
// (summary.json) into dir and keep them, to repeat or inspect the run
// (default: a temporary directory, removed afterwards).
func WithWorkDir(dir string) Option { return func(c *runConfig) { c.workDir = dir } }

// WithOutput copies k6's standard output and error, its end-of-test summary
// and warnings, to w as they come (default: kept only to explain a failure).
// Writes to w come from one goroutine at a time.
func WithOutput(w io.Writer) Option { return func(c *runConfig) { c.output = w } }

// WithStopDelay sets how long Run waits for k6 to stop after interrupting
// it (SIGINT, as Ctrl-C does) when ctx is done, before killing it (default
// DefaultStopDelay).
func WithStopDelay(d time.Duration) Option { return func(c *runConfig) { c.stopDelay = d } }

// Run runs spec's script with the k6 pinned in go.mod and returns k6's
// account of it as a result (see Summary.Result), with Generator.CPU set to
// k6's own CPU time, user and system, over the whole run (the initialisation
// of its virtual users and the warm-up included), and CPUMicrosPerRequest
// to that over every request it sent, the warm-up's included.
//
// Run builds k6 the first time (about 70 s with an empty build cache),
// asks `go tool -n k6` where the cached binary is and runs that binary
// itself, rather than `go tool k6 run`: then the CPU time the kernel
// reports for the process Run waits for is k6's alone. (The go command
// waits for the tool it runs, so its own rusage would include k6's, plus
// half a second or so of the go command's own work, which would swamp a
// short run.) k6 runs with --quiet --no-color --no-usage-report, without
// its REST API server (so runs do not fight over its port), and without
// inherited K6_* environment variables, which would override the script's
// options.
//
// When ctx is done, Run interrupts k6 as Ctrl-C would, kills it if it has
// not stopped after the stop delay, and returns ctx's error.
func Run(ctx context.Context, spec Spec, opts ...Option) (results.VariantResult, error) {
	if _, err := newPlan(spec); err != nil {
		return results.VariantResult{}, err
	}
	c := runConfig{goBin: "go", stopDelay: DefaultStopDelay}
	for _, o := range opts {
		o(&c)
	}

	dir := c.workDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "archbench-k6-")
		if err != nil {
			return results.VariantResult{}, fmt.Errorf("k6: work directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return results.VariantResult{}, fmt.Errorf("k6: work directory: %w", err)
	}
	script := filepath.Join(dir, "script.js")
	summaryPath := filepath.Join(dir, "summary.json")
	if err := writeScript(script, spec); err != nil {
		return results.VariantResult{}, err
	}
	// A summary left by an earlier run in a kept directory must not pass
	// for this run's.
	if err := os.Remove(summaryPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return results.VariantResult{}, fmt.Errorf("k6: remove old summary: %w", err)
	}

	bin := c.k6Bin
	if bin == "" {
		var err error
		if bin, err = resolveK6(ctx, c.goBin, c.moduleRoot); err != nil {
			return results.VariantResult{}, err
		}
	}

	out := &tailBuffer{max: outputTail}
	var w io.Writer = out
	if c.output != nil {
		w = io.MultiWriter(out, c.output)
	}
	cmd := exec.CommandContext(ctx, bin, "run",
		"--quiet", "--no-color", "--no-usage-report", "--address", "",
		"--summary-export", summaryPath,
		"--summary-trend-stats", strings.Join(trendStats(), ","),
		script)
	cmd.Dir = dir
	cmd.Env = k6Env(os.Environ())
	cmd.Stdout, cmd.Stderr = w, w // the same writer: exec calls it from one goroutine at a time
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return cmd.Process.Kill() // no SIGINT here (Windows)
		}
		return nil
	}
	cmd.WaitDelay = c.stopDelay
	runErr := cmd.Run()
	if err := ctx.Err(); err != nil {
		return results.VariantResult{}, fmt.Errorf("k6 run: stopped: %w", err)
	}
	crossed := false
	if runErr != nil {
		var exit *exec.ExitError
		if !errors.As(runErr, &exit) || exit.ExitCode() != exitThresholds {
			return results.VariantResult{}, fmt.Errorf("k6 run %s: %w; k6 said:\n%s", script, runErr, out.String())
		}
		crossed = true // the summary says which; Result notes them
	}

	f, err := os.Open(summaryPath)
	if err != nil {
		return results.VariantResult{}, fmt.Errorf("k6 run: no summary: %w; k6 said:\n%s", err, out.String())
	}
	defer f.Close()
	sum, err := ParseSummary(f)
	if err != nil {
		return results.VariantResult{}, fmt.Errorf("k6 run: %w", err)
	}
	r, err := sum.Result(spec)
	if err != nil {
		return results.VariantResult{}, err
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.Generator.CPU = results.Duration(cpu)
	all, err := count(sum.Metrics["http_reqs"], "count")
	if err != nil {
		return results.VariantResult{}, fmt.Errorf("k6 summary: http_reqs: %w", err)
	}
	if all > 0 {
		r.Generator.CPUMicrosPerRequest = float64(cpu.Microseconds()) / float64(all)
	}
	if crossed {
		r.Notes = append(r.Notes, fmt.Sprintf("k6 exited with status %d (a threshold crossed).", exitThresholds))
	}
	return r, nil
}

func writeScript(path string, spec Spec) error {
	var b bytes.Buffer
	if err := Export(&b, spec); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("k6: write script: %w", err)
	}
	return nil
}

// resolveK6 builds the k6 pinned in the go.mod at root (found from the
// working directory when root is empty) if needed, without cgo, and
// returns its path in the build cache.
func resolveK6(ctx context.Context, goBin, root string) (string, error) {
	if root == "" {
		var err error
		if root, err = findModuleRoot(); err != nil {
			return "", err
		}
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goBin, "tool", "-n", "k6")
	cmd.Dir = root
	// One build configuration wherever archbench runs from: make bench runs
	// it with CGO_ENABLED=0 (as the variants are built) and go test with
	// cgo on, and the build cache keeps a k6 per configuration, so without
	// this the first make bench after make test built k6 again (a minute
	// and a half here). k6 needs no cgo.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("k6: build: stopped: %w", ctx.Err())
		}
		return "", fmt.Errorf("k6: `%s tool -n k6` in %s (is go.k6.io/k6 a tool in go.mod?): %w: %s",
			goBin, root, err, strings.TrimSpace(stderr.String()))
	}
	path := strings.TrimSpace(string(out))
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return "", fmt.Errorf("k6: `go tool -n k6` printed %q, which is not the k6 binary", path)
	}
	return path, nil
}

// findModuleRoot returns the nearest directory holding a go.mod, from the
// working directory up.
func findModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("k6: find go.mod: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("k6: no go.mod in %s or above it; run from the archbench module or use WithModuleRoot", wd)
		}
	}
}

// k6Env is env without K6_* variables, which k6 would read as options
// overriding the script's.
func k6Env(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(strings.ToUpper(kv), "K6_") {
			out = append(out, kv)
		}
	}
	return out
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if t.cut {
		return "…" + string(t.buf)
	}
	return string(t.buf)
}
