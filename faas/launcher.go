package faas

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/archbench/archbench/runtime/component"
)

// Launcher starts instances of functions. Each instance is isolated from
// the others, as a cloud FaaS isolates them: a process of its own here, a
// container of its own in the container runtime.
type Launcher interface {
	// Launch starts one instance of fn and returns once it serves.
	Launch(ctx context.Context, fn Function) (Instance, error)
}

// Instance is one running instance of a function.
type Instance interface {
	// URL is the base URL of the instance's HTTP server.
	URL() string
	// Done is closed when the instance has exited, for whatever reason.
	Done() <-chan struct{}
	// Stop ends the instance and waits for it. It is safe to call more than
	// once and after the instance has exited.
	Stop()
}

// ProcessLauncher starts each instance as a new OS process: the program at
// Path, run with Args, the component protocol's flags (-listen on a free
// loopback port) and -function NAME. The program announces readiness with
// the component protocol's ready line. This is a real cold start: exec,
// the Go runtime's start, the function's initialisation, a listening socket.
type ProcessLauncher struct {
	// Path is the program holding the functions' code.
	Path string
	// Args are passed before the instance's own flags (e.g. -data, -peer).
	Args []string
	// Env is the instances' environment (nil: the platform's own).
	Env []string
	// Log receives the instances' standard error (nil: discarded).
	Log io.Writer
	// StopGrace is how long an instance may drain after SIGTERM before it is
	// killed (default 2 s).
	StopGrace time.Duration
}

// Launch starts one instance of fn.
func (l *ProcessLauncher) Launch(ctx context.Context, fn Function) (Instance, error) {
	args := append(append([]string{}, l.Args...), "-listen", "127.0.0.1:0", "-function", fn.Name)
	cmd := exec.Command(l.Path, args...)
	cmd.Env = l.Env
	cmd.Stderr = l.Log
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", fn.Name, err)
	}
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	// Start from a fresh goroutine: the parent-death signal fires when the
	// forking OS thread exits, and a fresh goroutine never runs on a locked
	// thread, the only kind Go lets exit.
	errc := make(chan error, 1)
	go func() { errc <- cmd.Start() }()
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("launch %s: %w", fn.Name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), grace: l.StopGrace}
	if p.grace == 0 {
		p.grace = 2 * time.Second
	}
	readyc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), component.ReadyPrefix); ok {
				select {
				case readyc <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.url = <-readyc:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("launch %s: instance exited before it was ready: %v", fn.Name, p.waitErr)
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("launch %s: %w", fn.Name, ctx.Err())
	}
}

// process is an instance that is an OS process.
type process struct {
	cmd     *exec.Cmd
	url     string
	done    chan struct{}
	waitErr error
	grace   time.Duration
	stop    sync.Once
}

func (p *process) URL() string           { return p.url }
func (p *process) Done() <-chan struct{} { return p.done }

func (p *process) Stop() {
	p.stop.Do(func() {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			_ = p.cmd.Process.Kill()
		}
		select {
		case <-p.done:
		case <-time.After(p.grace):
			_ = p.cmd.Process.Kill()
		}
	})
	<-p.done
}
