package process

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/archbench/archbench/runtime/component"
)

// proc is one running replica of a component.
type proc struct {
	component string
	replica   int
	logPath   string
	dataDir   string
	log       *slog.Logger

	cmd     *exec.Cmd
	pid     int
	started time.Time // just before exec
	readyc  chan string
	exited  chan struct{} // closed once the process is reaped

	// bin, args and env start the process; Restart reuses them.
	bin  string
	args []string
	env  []string

	// Set once the process is ready, under the deployment's lock (the proc
	// is listed in Deployment.groups while it starts); read under that lock,
	// or by the goroutine that waited for readiness.
	url       string        // after ready
	startedIn time.Duration // exec to ready, after ready

	mu      sync.Mutex // orders signals against the leader's exit
	gone    bool       // the leader has exited: never signal its group again
	waitErr error      // after exited

	killed     atomic.Bool // SIGKILLed by Deployment.Kill on purpose
	killedStop atomic.Bool // SIGKILLed by Stop after the grace period
}

// startProc starts one replica. The process is started from a fresh
// goroutine: Pdeathsig fires when the forking OS thread exits, and a fresh
// goroutine never runs on a thread locked by LockOSThread, the only kind
// that Go ever lets exit.
func startProc(p *proc, bin string, args, env []string) error {
	p.bin, p.args, p.env = bin, args, env
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	p.readyc = make(chan string, 1)
	p.exited = make(chan struct{})
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = &readyWriter{log: logFile, ready: p.readyc}
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	// Bounds how long Wait waits for the stdout copy once the process has
	// exited; its group is killed by then, so this is only a safety net.
	cmd.WaitDelay = time.Second
	p.cmd = cmd

	errc := make(chan error, 1)
	go func() {
		p.started = time.Now()
		errc <- cmd.Start()
	}()
	if err := <-errc; err != nil {
		logFile.Close()
		return fmt.Errorf("exec %s: %w", bin, err)
	}
	p.pid = cmd.Process.Pid
	p.log = p.log.With("pid", p.pid)
	p.log.Debug("process started", "cmd", cmd.String())
	go p.wait(logFile)
	return nil
}

// wait reaps the process. Before reaping it marks the leader gone and kills
// what is left of its process group, while the group's ID cannot have been
// reused yet.
func (p *proc) wait(logFile *os.File) {
	if waitExited(p.pid) == nil {
		p.mu.Lock()
		p.gone = true
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		p.mu.Unlock()
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	p.gone = true
	p.waitErr = err
	p.mu.Unlock()
	logFile.Close()
	p.log.Debug("process exited", "err", err)
	close(p.exited)
}

// signal sends sig to the process's group unless the leader has exited.
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.gone {
		_ = syscall.Kill(-p.pid, sig)
	}
}

// hasExited reports whether the process has been reaped.
func (p *proc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// exitErr returns how the process ended; call after exited is closed.
func (p *proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// name is "component-replica", as in the log file's name.
func (p *proc) name() string { return fmt.Sprintf("%s-%d", p.component, p.replica) }

// errNotReady marks a replica that did not become ready; the caller adds the
// log's tail once the process is reaped and the log complete.
type errNotReady struct {
	p   *proc
	err error
}

func (e *errNotReady) Error() string { return fmt.Sprintf("start %s: %v", e.p.name(), e.err) }
func (e *errNotReady) Unwrap() error { return e.err }

// waitReady waits until p has printed its ready line and, for an http URL,
// its /healthz answers 200 (other schemes need only accept a connection),
// within timeout of its start. It gives up early when the process exits or
// ctx is done. It returns the URL of the ready line and the time from exec
// to ready, and does not set them on p: the caller does, under the
// deployment's lock, since others read them while p is being started.
func waitReady(ctx context.Context, p *proc, client *http.Client, timeout time.Duration) (string, time.Duration, error) {
	errTimeout := fmt.Errorf("not ready within the start timeout of %v", timeout)
	ctx, cancel := context.WithDeadlineCause(ctx, p.started.Add(timeout), errTimeout)
	defer cancel()
	fail := func(err error) (string, time.Duration, error) { return "", 0, &errNotReady{p: p, err: err} }
	stopped := func(waiting string) (string, time.Duration, error) {
		if p.hasExited() {
			return fail(fmt.Errorf("exited before ready: %v", p.exitErr()))
		}
		return fail(fmt.Errorf("%s: %w", waiting, context.Cause(ctx)))
	}

	var base string
	select {
	case base = <-p.readyc:
	case <-p.exited:
		// The ready line may have come just before the exit.
		select {
		case base = <-p.readyc:
		default:
			return stopped("waiting for the ready line")
		}
	case <-ctx.Done():
		return stopped("waiting for the ready line")
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fail(fmt.Errorf("bad ready line %q: want %sSCHEME://HOST:PORT", base, component.ReadyPrefix))
	}
	if u.Scheme != "http" {
		// A component that is not an HTTP server (the message broker) is
		// ready when it says so; check only that it accepts connections.
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return fail(fmt.Errorf("ready line names %s, which refuses connections: %w", base, err))
		}
		c.Close()
		return base, time.Since(p.started), nil
	}

	health := base + "/healthz"
	backoff := time.Millisecond
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		if p.hasExited() {
			return stopped("waiting for /healthz")
		}
		if last = probe(ctx, client, health); last == nil {
			return base, time.Since(p.started), nil
		}
		timer.Reset(backoff)
		select {
		case <-timer.C:
		case <-p.exited:
		case <-ctx.Done():
			return stopped(fmt.Sprintf("waiting for /healthz (last: %v)", last))
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// probe returns nil if GET url answers 200.
func probe(ctx context.Context, client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// readyWriter copies a component's stdout to its log and sends the URL of
// the first ready line on ready. Only exec's copying goroutine calls Write.
type readyWriter struct {
	log   io.Writer
	ready chan<- string // buffered, receives at most one URL
	found bool
	line  []byte // the incomplete last line, until found
}

// maxLine bounds the buffered incomplete line; a ready line is far shorter.
const maxLine = 64 << 10

func (w *readyWriter) Write(b []byte) (int, error) {
	// A failing log must not make the component's stdout fail: ignore it.
	_, _ = w.log.Write(b)
	if w.found {
		return len(b), nil
	}
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(w.line[:i]), "\r")
		w.line = w.line[i+1:]
		if u, ok := strings.CutPrefix(line, component.ReadyPrefix); ok {
			w.found = true
			w.line = nil
			w.ready <- strings.TrimRight(strings.TrimSpace(u), "/")
			break
		}
	}
	if len(w.line) > maxLine {
		w.line = nil
	}
	return len(b), nil
}

// tail returns the last n lines of the file at path, or a note saying why it
// cannot.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	const max = 64 << 10
	var off int64
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		off = fi.Size() - max
	}
	b, err := io.ReadAll(io.NewSectionReader(f, off, max))
	if err != nil {
		return fmt.Sprintf("(reading log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // probably cut in the middle
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 || len(lines) == 1 && lines[0] == "" {
		return "(log is empty)"
	}
	return strings.Join(lines, "\n")
}
