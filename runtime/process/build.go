package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"time"
)

// build returns a binary for every package in pkgs, building those it has not
// built or been given yet. All missing packages are built by one go build,
// unless two of them would get the same binary name; each go build writes to
// a fresh directory so that binaries of earlier builds are never overwritten.
func (r *Runtime) build(ctx context.Context, work string, pkgs []string) (map[string]string, error) {
	r.buildMu.Lock()
	defer r.buildMu.Unlock()

	var missing []string
	seen := map[string]bool{}
	for _, pkg := range pkgs {
		if _, ok := r.bins[pkg]; !ok && !seen[pkg] {
			missing = append(missing, pkg)
			seen[pkg] = true
		}
	}
	for _, batch := range batches(missing) {
		r.nbuild++
		out := filepath.Join(work, "bin", fmt.Sprintf("%03d", r.nbuild))
		built, err := r.goBuild(ctx, out, batch)
		if err != nil {
			return nil, err
		}
		for pkg, bin := range built {
			r.bins[pkg] = bin
		}
	}
	bins := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		bins[pkg] = r.bins[pkg]
	}
	return bins, nil
}

// goBuild runs one go build of pkgs into the directory out.
func (r *Runtime) goBuild(ctx context.Context, out string, pkgs []string) (map[string]string, error) {
	what := "build " + strings.Join(pkgs, " ")
	goCmd, err := r.goCommand()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	args := append([]string{"build", "-trimpath"}, r.buildFlags...)
	args = append(args, "-o", out+string(filepath.Separator))
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = r.buildDir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), r.buildEnv...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output

	start := time.Now()
	r.log.Info("building components", "packages", pkgs, "out", out)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		if msg := strings.TrimSpace(output.String()); msg != "" {
			if strings.Contains(msg, "go.mod file not found") {
				msg += "\n(run from inside the archbench module, or use process.WithBuildDir)"
			}
			return nil, fmt.Errorf("%s: %w\n%s", what, err, msg)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	r.log.Info("built components", "packages", pkgs, "took", time.Since(start).Round(time.Millisecond))

	bins := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		bin := filepath.Join(out, execName(pkg))
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s: no binary for %s (is it a main package?): %w", what, pkg, err)
		}
		bins[pkg] = bin
	}
	return bins, nil
}

// goCommand finds the go command: the configured one, else "go" from PATH,
// else the go of the toolchain that built this program.
func (r *Runtime) goCommand() (string, error) {
	if r.goCmd != "" {
		return r.goCmd, nil
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
	return "", errors.New("go command not found: put go on PATH or use process.WithGo, or pass prebuilt binaries with process.WithBinaries")
}

// batches splits pkgs into groups whose binaries have distinct names, keeping
// the order; normally there is just one group. go build -o dir/ would
// otherwise silently write two packages named "cmd" to the same file.
func batches(pkgs []string) [][]string {
	var out [][]string
	var names []map[string]bool
next:
	for _, pkg := range pkgs {
		name := execName(pkg)
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

// execName is the file name go build gives the binary of pkg: its last
// path element, or the one before a major-version suffix such as "v2".
func execName(pkg string) string {
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
