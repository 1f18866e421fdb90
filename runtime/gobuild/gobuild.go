// Package gobuild builds the Go main packages of a plan's components into
// static binaries (CGO_ENABLED=0), for the process runtime to run and the
// container runtime to put in images FROM scratch. A Builder remembers what
// it built, so each package is built once per Builder.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Builder builds packages with go build. It is safe for concurrent use.
type Builder struct {
	goCmd string   // go command; empty means look it up
	dir   string   // directory go build runs in; empty means the caller's
	env   []string // extra KEY=value for go build
	flags []string // extra flags for go build
	log   *slog.Logger

	mu   sync.Mutex        // serialises builds; guards bins and n
	bins map[string]string // import path -> binary
	n    int               // go build invocations so far
}

// Option configures a Builder.
type Option func(*Builder)

// WithGo sets the go command. By default it is "go" from PATH (whose
// toolchain selection honours go.mod), falling back to the go of the
// toolchain that built this program.
func WithGo(path string) Option { return func(b *Builder) { b.goCmd = path } }

// WithDir sets the directory go build runs in; it must be inside the module
// that holds the packages. By default it is the working directory.
func WithDir(dir string) Option { return func(b *Builder) { b.dir = dir } }

// WithEnv adds KEY=value entries to go build's environment, after
// CGO_ENABLED=0 so they can override it.
func WithEnv(env ...string) Option { return func(b *Builder) { b.env = append(b.env, env...) } }

// WithFlags adds flags to go build, e.g. "-ldflags=-s -w" or "-race".
func WithFlags(flags ...string) Option {
	return func(b *Builder) { b.flags = append(b.flags, flags...) }
}

// WithBinaries supplies prebuilt binaries by import path; Build builds only
// the packages not listed.
func WithBinaries(bins map[string]string) Option { return func(b *Builder) { maps.Copy(b.bins, bins) } }

// WithLogger sets where builds are logged (default: nowhere).
func WithLogger(log *slog.Logger) Option { return func(b *Builder) { b.log = log } }

// New returns a Builder configured by opts.
func New(opts ...Option) *Builder {
	b := &Builder{bins: map[string]string{}, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(b)
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b
}

// Build returns a binary for every package in pkgs, building those it has
// not built or been given yet. All missing packages are built by one go
// build, unless two of them would get the same binary name; each go build
// writes to a fresh numbered directory below out, so that binaries of
// earlier builds are never overwritten.
func (b *Builder) Build(ctx context.Context, out string, pkgs []string) (map[string]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	var missing []string
	seen := map[string]bool{}
	for _, pkg := range pkgs {
		if _, ok := b.bins[pkg]; !ok && !seen[pkg] {
			missing = append(missing, pkg)
			seen[pkg] = true
		}
	}
	for _, batch := range batches(missing) {
		b.n++
		built, err := b.goBuild(ctx, filepath.Join(out, fmt.Sprintf("%03d", b.n)), batch)
		if err != nil {
			return nil, err
		}
		for pkg, bin := range built {
			b.bins[pkg] = bin
		}
	}
	bins := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		bins[pkg] = b.bins[pkg]
	}
	return bins, nil
}

// goBuild runs one go build of pkgs into the directory out.
func (b *Builder) goBuild(ctx context.Context, out string, pkgs []string) (map[string]string, error) {
	what := "build " + strings.Join(pkgs, " ")
	goCmd, err := b.goCommand()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	args := append([]string{"build", "-trimpath"}, b.flags...)
	args = append(args, "-o", out+string(filepath.Separator))
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = b.dir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), b.env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output

	start := time.Now()
	b.log.Info("building components", "packages", pkgs, "out", out)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		if msg := strings.TrimSpace(output.String()); msg != "" {
			if strings.Contains(msg, "go.mod file not found") {
				msg += "\n(run from inside the archbench module, or set the build directory)"
			}
			return nil, fmt.Errorf("%s: %w\n%s", what, err, msg)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b.log.Info("built components", "packages", pkgs, "took", time.Since(start).Round(time.Millisecond))

	bins := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		bin := filepath.Join(out, ExecName(pkg))
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s: no binary for %s (is it a main package?): %w", what, pkg, err)
		}
		bins[pkg] = bin
	}
	return bins, nil
}

// goCommand finds the go command: the configured one, else "go" from PATH,
// else the go of the toolchain that built this program.
func (b *Builder) goCommand() (string, error) {
	if b.goCmd != "" {
		return b.goCmd, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	//lint:ignore SA1019 only a fallback when PATH has no go.
	if root := goruntime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("go command not found: put go on PATH, name it (WithGo), or pass prebuilt binaries (WithBinaries)")
}

// batches splits pkgs into groups whose binaries have distinct names, keeping
// the order; normally there is just one group. go build -o dir/ would
// otherwise silently write two packages named "cmd" to the same file.
func batches(pkgs []string) [][]string {
	var out [][]string
	var names []map[string]bool
next:
	for _, pkg := range pkgs {
		name := ExecName(pkg)
		for i := range out {
			if !names[i][name] {
				out[i] = append(out[i], pkg)
				names[i][name] = true
				continue next
			}
		}
		out = append(out, []string{pkg})
		names = append(names, map[string]bool{name: true})
	}
	return out
}

// ExecName is the file name go build gives the binary of pkg: its last
// path element, or the one before a major-version suffix such as "v2".
func ExecName(pkg string) string {
	pkg = strings.TrimRight(pkg, "/")
	dir, elem := path.Split(pkg)
	if dir != "" && isVersionElement(elem) {
		_, elem = path.Split(strings.TrimRight(dir, "/"))
	}
	return elem
}

// isVersionElement reports whether s is a major-version path element "vN"
// with N >= 2, as cmd/go defines it.
func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Builds counts the go build invocations so far.
func (b *Builder) Builds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}
