package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/archbench/archbench/runtime"
)

// Deployment is a plan running as local processes; it implements
// runtime.Deployment. Its methods are safe for concurrent use.
type Deployment struct {
	rt   *Runtime
	plan runtime.Plan
	dir  string
	log  *slog.Logger

	mu       sync.Mutex
	groups   [][]*proc           // replicas of each component, in start order
	urls     map[string][]string // component -> replica URLs, once ready
	stopping bool                // no more starts

	stopOnce sync.Once
	stopErr  error
}

// Proc describes one replica process of a deployment.
type Proc struct {
	// Component is the component's name in the plan.
	Component string
	// Replica numbers the component's replicas from 0.
	Replica int
	// PID is the process ID; it also names the process group.
	PID int
	// URL is the replica's base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// Log is the file holding the replica's stdout and stderr.
	Log string
	// DataDir is the directory passed as -data.
	DataDir string
	// StartedIn is the cold-start time: from exec to ready (ready line seen
	// and GET /healthz answered 200).
	StartedIn time.Duration
	// Exited reports whether the process has exited (and been reaped).
	Exited bool
}

func newDeployment(r *Runtime, p runtime.Plan, dir string) *Deployment {
	return &Deployment{
		rt:   r,
		plan: p,
		dir:  dir,
		log:  r.log.With("variant", p.Variant),
		urls: map[string][]string{},
	}
}

var errStopped = errors.New("deployment stopped while starting")

// start starts the components in order and waits for each component's
// replicas to be ready before starting the next. On error it stops
// everything and returns the error with the failed replica's log tail.
func (d *Deployment) start(ctx context.Context, order []runtime.Component, bins map[string]string) error {
	begin := time.Now()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	env := os.Environ()
	for _, c := range order {
		if err := d.startComponent(ctx, c, bins[c.Package], env, client); err != nil {
			return d.abort(err)
		}
	}
	d.log.Info("deployed", "dir", d.dir, "took", time.Since(begin).Round(time.Millisecond))
	return nil
}

// startComponent starts all replicas of c and waits until they are ready.
func (d *Deployment) startComponent(ctx context.Context, c runtime.Component, bin string, env []string, client *http.Client) error {
	d.mu.Lock()
	args := []string{}
	for _, entry := range c.Peers {
		alias, peer := runtime.PeerRef(entry)
		args = append(args, "-peer", alias+"="+strings.Join(d.urls[peer], ","))
	}
	d.mu.Unlock()
	args = append(args, c.Args...)
	env = append(slices.Clip(env), c.Env...)

	n := max(c.Replicas, 1)
	procs := make([]*proc, 0, n)
	d.mu.Lock()
	d.groups = append(d.groups, nil)
	d.mu.Unlock()
	for i := range n {
		base := fmt.Sprintf("%s-%d", safeName(c.Name), i)
		p := &proc{
			component: c.Name,
			replica:   i,
			logPath:   filepath.Join(d.dir, base+".log"),
			dataDir:   filepath.Join(d.dir, base, "data"),
			log:       d.log.With("component", c.Name, "replica", i),
		}
		if c.SharedData {
			p.dataDir = filepath.Join(d.dir, safeName(c.Name), "data")
		}
		if err := os.MkdirAll(p.dataDir, 0o755); err != nil {
			return fmt.Errorf("start %s: %w", p.name(), err)
		}
		pargs := append([]string{"-listen", "127.0.0.1:0", "-data", p.dataDir}, args...)
		d.mu.Lock()
		if d.stopping {
			d.mu.Unlock()
			return errStopped
		}
		err := startProc(p, bin, pargs, env)
		if err == nil {
			d.groups[len(d.groups)-1] = append(d.groups[len(d.groups)-1], p)
		}
		d.mu.Unlock()
		if err != nil {
			return fmt.Errorf("start %s: %w", p.name(), err)
		}
		procs = append(procs, p)
	}

	// Wait for the replicas together; the first failure ends the wait.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			u, took, err := waitReady(ctx, p, client, d.rt.startTimeout)
			if errs[i] = err; err != nil {
				cancel()
				return
			}
			d.setReady(p, u, took)
		})
	}
	wg.Wait()
	for _, err := range errs {
		// Prefer the replica that failed over those cancelled because of it.
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	urls := make([]string, n)
	for i, p := range procs {
		urls[i] = p.url
		p.log.Info("ready", "url", p.url, "took", p.startedIn.Round(time.Microsecond))
	}
	d.mu.Lock()
	d.urls[c.Name] = urls
	d.mu.Unlock()
	return nil
}

// abort stops everything started so far and completes err with the failed
// replica's log tail, which is complete once its process has been reaped.
func (d *Deployment) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), d.rt.stopGrace)
	defer cancel()
	_ = d.Stop(ctx) // the start error is the one that matters
	if nr, ok := errors.AsType[*errNotReady](err); ok {
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, nr.p.logPath, tail(nr.p.logPath, 20))
	}
	return err
}

// EntryURL returns the base URL of the plan's entry component (its first
// replica), e.g. "http://127.0.0.1:41234".
func (d *Deployment) EntryURL() string {
	if urls := d.URLs(d.plan.Entry); len(urls) > 0 {
		return urls[0]
	}
	return ""
}

// URLs returns the base URLs of a component's replicas, in replica order, or
// nil for an unknown component.
func (d *Deployment) URLs(component string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.urls[component])
}

// Dir returns the directory holding this deployment's logs and data
// directories.
func (d *Deployment) Dir() string { return d.dir }

// Processes describes every replica process, in start order.
func (d *Deployment) Processes() []Proc {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Proc
	for _, g := range d.groups {
		for _, p := range g {
			out = append(out, Proc{
				Component: p.component,
				Replica:   p.replica,
				PID:       p.pid,
				URL:       p.url,
				Log:       p.logPath,
				DataDir:   p.dataDir,
				StartedIn: p.startedIn,
				Exited:    p.hasExited(),
			})
		}
	}
	return out
}

// StartedIn returns a component's cold-start time: from exec to ready,
// for the slowest of its replicas; 0 for an unknown component.
func (d *Deployment) StartedIn(component string) time.Duration {
	var slowest time.Duration
	for _, p := range d.Processes() {
		if p.Component == component {
			slowest = max(slowest, p.StartedIn)
		}
	}
	return slowest
}

// Kill SIGKILLs one replica's process group, for fault injection, and
// returns once the process has exited. Stop does not report replicas killed
// this way. Killing a replica that has already exited returns an error
// matching os.ErrProcessDone.
func (d *Deployment) Kill(component string, replica int) error {
	p := d.find(component, replica)
	if p == nil {
		return fmt.Errorf("kill %s-%d: no such replica in deployment %s", component, replica, d.plan.Variant)
	}
	if p.hasExited() {
		return fmt.Errorf("kill %s: %w", p.name(), os.ErrProcessDone)
	}
	p.killed.Store(true)
	p.signal(syscall.SIGKILL)
	<-p.exited
	p.log.Info("killed on request")
	return nil
}

// Restart starts a replica again, after Kill or a crash, as a new
// process of the same program with the same flags and data directory, on
// the same address, so that its peers and the harness reach it where they
// did: a redeploy of that one component. It returns once the new process is
// ready; restarting a replica that is still running is an error.
func (d *Deployment) Restart(ctx context.Context, component string, replica int) error {
	old := d.find(component, replica)
	if old == nil {
		return fmt.Errorf("restart %s-%d: no such replica in deployment %s", component, replica, d.plan.Variant)
	}
	if !old.hasExited() {
		return fmt.Errorf("restart %s: it is still running; Kill it first", old.name())
	}
	d.mu.Lock()
	oldURL := old.url
	d.mu.Unlock()
	u, err := url.Parse(oldURL)
	if err != nil {
		return fmt.Errorf("restart %s: %w", old.name(), err)
	}
	args := slices.Clone(old.args)
	for i := range args[:len(args)-1] {
		if args[i] == "-listen" {
			args[i+1] = u.Host
		}
	}
	p := &proc{component: old.component, replica: old.replica, logPath: old.logPath, dataDir: old.dataDir, log: old.log}
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		return errStopped
	}
	err = startProc(p, old.bin, args, old.env)
	if err == nil {
		d.replace(old, p)
	}
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("restart %s: %w", p.name(), err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	ready, took, err := waitReady(ctx, p, client, d.rt.startTimeout)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	d.setReady(p, ready, took)
	p.log.Info("restarted", "url", p.url, "took", p.startedIn.Round(time.Microsecond))
	return nil
}

// Redeploy replaces a running replica the way a deploy does: SIGTERM so it
// drains its requests (SIGKILL after the stop grace), then a new process of
// the same program on the same address (see Restart). Replicas of a
// component redeployed one at a time make a rolling deploy.
func (d *Deployment) Redeploy(ctx context.Context, component string, replica int) error {
	p := d.find(component, replica)
	if p == nil {
		return fmt.Errorf("redeploy %s-%d: no such replica in deployment %s", component, replica, d.plan.Variant)
	}
	if !p.hasExited() {
		p.killed.Store(true) // on purpose: not a crash
		p.signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(d.rt.stopGrace):
			p.signal(syscall.SIGKILL)
			<-p.exited
		}
	}
	return d.Restart(ctx, component, replica)
}

// setReady records that p serves at url, ready took after its exec. It
// takes d.mu: p is already in d.groups, where Processes reads it.
func (d *Deployment) setReady(p *proc, url string, took time.Duration) {
	d.mu.Lock()
	p.url, p.startedIn = url, took
	d.mu.Unlock()
}

// replace puts p where old was. d.mu is held.
func (d *Deployment) replace(old, p *proc) {
	for _, g := range d.groups {
		for i := range g {
			if g[i] == old {
				g[i] = p
			}
		}
	}
}

func (d *Deployment) find(component string, replica int) *proc {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range d.groups {
		for _, p := range g {
			if p.component == component && p.replica == replica {
				return p
			}
		}
	}
	return nil
}

// Stop stops every process and reaps it: SIGTERM to each component's
// process group, callers before their peers (reverse start order), waiting
// for a component's replicas to exit before signalling its peers; once the
// Runtime's stop grace passes or ctx is done, SIGKILL to whatever is left.
// Stop always waits until every process has been reaped, so when it returns
// no process of the deployment is left. Calling it again returns the first
// call's result.
//
// The error lists every replica that had to be SIGKILLed, that exited
// before Stop (a crash, unless it was Kill's doing), or that exited with a
// failure status after SIGTERM; nil means a clean shutdown.
func (d *Deployment) Stop(ctx context.Context) error {
	d.stopOnce.Do(func() { d.stopErr = d.stop(ctx) })
	return d.stopErr
}

func (d *Deployment) stop(ctx context.Context) error {
	begin := time.Now()
	d.mu.Lock()
	d.stopping = true
	groups := d.groups // no more appends now
	d.mu.Unlock()
	defer d.rt.forget(d)

	early := map[*proc]bool{}
	for _, g := range groups {
		for _, p := range g {
			early[p] = p.hasExited()
		}
	}

	graceCtx, cancel := context.WithTimeout(ctx, d.rt.stopGrace)
	defer cancel()
	for i := len(groups) - 1; i >= 0; i-- {
		for _, p := range groups[i] {
			p.signal(syscall.SIGTERM)
		}
		for _, p := range groups[i] {
			select {
			case <-p.exited:
			case <-graceCtx.Done():
			}
		}
	}
	for _, g := range groups {
		for _, p := range g {
			if !p.hasExited() {
				p.killedStop.Store(true)
				p.signal(syscall.SIGKILL)
			}
		}
	}
	var errs []error
	for _, g := range groups {
		for _, p := range g {
			<-p.exited
			if err := stopResult(p, early[p], d.rt.stopGrace); err != nil {
				errs = append(errs, err)
			}
		}
	}
	d.log.Info("stopped", "took", time.Since(begin).Round(time.Millisecond), "problems", len(errs))
	if len(errs) > 0 {
		return fmt.Errorf("stop %s: %w", d.plan.Variant, errors.Join(errs...))
	}
	return nil
}

// stopResult judges how a reaped process ended.
func stopResult(p *proc, early bool, grace time.Duration) error {
	err := p.exitErr()
	switch {
	case p.killed.Load():
		return nil
	case early:
		if err == nil {
			err = errors.New("exit status 0")
		}
		return fmt.Errorf("%s exited before Stop: %v (see %s)", p.name(), err, p.logPath)
	case err == nil:
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			switch ws.Signal() {
			case syscall.SIGTERM:
				return nil // it did not catch SIGTERM, but it stopped as asked
			case syscall.SIGKILL:
				if p.killedStop.Load() {
					return fmt.Errorf("%s did not stop within %v or before the context ended; killed (see %s)", p.name(), grace, p.logPath)
				}
			}
		}
	}
	return fmt.Errorf("%s: %v (see %s)", p.name(), err, p.logPath)
}
