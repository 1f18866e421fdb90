package container

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/component"
)

// Deployment is a plan running as containers; it implements
// runtime.Deployment.
type Deployment struct {
	r      *Runtime
	plan   runtime.Plan
	id     string
	labels map[string]string

	mu       sync.Mutex
	network  *testcontainers.DockerNetwork
	replicas map[string][]*replica // by component, in replica order
	started  []*replica            // in start order
	volumes  []string
	stopped  bool
	stopErr  error
}

var _ runtime.Deployment = (*Deployment)(nil)

// replica is one running container.
type replica struct {
	component string
	index     int
	ctr       *testcontainers.DockerContainer
	scheme    string
	hostURL   string // as the harness reaches it
	hostPort  int    // published on loopback, pinned: a restart binds it again
	netURL    string // as its peers reach it on the network
	limits    Limits
}

// Limits are one container's resource limits.
type Limits struct {
	CPUs        float64
	MemoryBytes int64
	// External marks a component outside the variant's budget.
	External bool
}

func newDeployment(r *Runtime, p runtime.Plan, id string) *Deployment {
	return &Deployment{
		r: r, plan: p, id: id, replicas: map[string][]*replica{},
		labels: map[string]string{LabelManaged: "true", LabelRun: id},
	}
}

// ID names the deployment; its resources carry it as LabelRun.
func (d *Deployment) ID() string { return d.id }

// Limits returns the resource limits of every replica of every component,
// as the budget split them.
func (d *Deployment) Limits() map[string]Limits {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]Limits{}
	for name, rs := range d.replicas {
		if len(rs) > 0 {
			out[name] = rs[0].limits
		}
	}
	return out
}

// shares splits the budget: every container of the plan outside the
// external components gets an equal share.
func (d *Deployment) shares(order []runtime.Component) Limits {
	n := 0
	for _, c := range order {
		if !d.r.external[c.Name] {
			n += max(c.Replicas, 1)
		}
	}
	n = max(n, 1)
	cpus := d.r.budget.CPUs
	if d.plan.CPUs > 0 {
		cpus = d.plan.CPUs // the plan's own budget, as the ramp's capacity steps ask
	}
	return Limits{CPUs: cpus / float64(n), MemoryBytes: d.r.budget.MemoryBytes / int64(n)}
}

func (d *Deployment) start(ctx context.Context, order []runtime.Component, images map[string]string) error {
	nw, err := network.New(ctx, network.WithLabels(d.labels))
	if nw != nil {
		d.mu.Lock()
		d.network = nw
		d.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("create network: %w", err)
	}
	share := d.shares(order)
	for _, c := range order {
		limits := share
		if d.r.external[c.Name] {
			limits = Limits{CPUs: External.CPUs, MemoryBytes: External.MemoryBytes, External: true}
		}
		for i := range max(c.Replicas, 1) {
			if err := d.startReplica(ctx, c, i, images[c.Package], limits); err != nil {
				return fmt.Errorf("start %s[%d]: %w", c.Name, i, err)
			}
		}
	}
	return nil
}

func (d *Deployment) startReplica(ctx context.Context, c runtime.Component, i int, image string, limits Limits) error {
	alias := fmt.Sprintf("%s-%d", c.Name, i)
	volume := fmt.Sprintf("archbench-%s-%s", d.id, c.Name)
	if !c.SharedData {
		volume += "-" + strconv.Itoa(i)
	}
	args := []string{"-listen", "0.0.0.0:" + port, "-data", "/data"}
	for _, entry := range c.Peers {
		alias, peer := runtime.PeerRef(entry)
		var urls []string
		d.mu.Lock()
		for _, pr := range d.replicas[peer] {
			urls = append(urls, pr.netURL)
		}
		d.mu.Unlock()
		args = append(args, "-peer", alias+"="+strings.Join(urls, ","))
	}
	args = append(args, c.Args...)
	env := map[string]string{
		// Go sizes GOMAXPROCS from the CPU limit itself; the memory limit
		// it must be told, or the collector lets the heap grow into an OOM kill.
		"GOMEMLIMIT": strconv.FormatInt(limits.MemoryBytes*9/10, 10),
	}
	for _, kv := range c.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	labels := maps.Clone(d.labels)
	labels[LabelComponent], labels[LabelReplica] = c.Name, strconv.Itoa(i)
	ctx, cancel := context.WithTimeout(ctx, d.r.startTimeout)
	defer cancel()
	// The host port is chosen here and pinned, on loopback only, so that a
	// replica restarted after a crash comes back where the harness and
	// the load generator reach it, as a restarted process does. Another
	// process may take the port between its choice and the engine's bind;
	// the container then fails to start, and is removed and created again
	// on another port.
	var (
		ctr      *testcontainers.DockerContainer
		hostPort int
		err      error
	)
	for attempt := 1; ; attempt++ {
		if hostPort, err = d.r.choosePort(); err != nil {
			err = fmt.Errorf("choose a host port: %w", err)
			break
		}
		ctr, err = testcontainers.Run(ctx, image,
			testcontainers.WithLogger(quietLogger{d.r.log}),
			testcontainers.WithName(fmt.Sprintf("archbench-%s-%s", d.id, alias)),
			testcontainers.WithCmd(args...),
			testcontainers.WithEnv(env),
			testcontainers.WithLabels(labels),
			testcontainers.WithExposedPorts(port+"/tcp"),
			network.WithNetwork([]string{alias}, d.network),
			testcontainers.WithMounts(testcontainers.ContainerMount{
				Source: testcontainers.DockerVolumeMountSource{Name: volume, VolumeOptions: &mount.VolumeOptions{Labels: d.labels}},
				Target: "/data",
			}),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
				hc.PortBindings = mobynet.PortMap{mobynet.MustParsePort(port + "/tcp"): {{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1}), HostPort: strconv.Itoa(hostPort)}}}
				hc.NanoCPUs = int64(limits.CPUs * 1e9)
				hc.Memory = limits.MemoryBytes
				hc.MemorySwap = limits.MemoryBytes // no swap beyond the limit
			}),
			testcontainers.WithWaitStrategy(wait.ForLog(component.ReadyPrefix).WithStartupTimeout(d.r.startTimeout)),
		)
		if err == nil || !portTaken(err) {
			break
		}
		if attempt == portAttempts {
			err = fmt.Errorf("host port %d of %s is taken, the last of %d ports tried: %w", hostPort, c.Name, portAttempts, err)
			break // the container is tracked below, and Stop removes it
		}
		// The container is created under the replica's name: it must go
		// before the next attempt can take the name.
		if ctr != nil {
			if rerr := ctr.Terminate(ctx); rerr != nil {
				err = errors.Join(fmt.Errorf("host port %d of %s taken: %w", hostPort, c.Name, err),
					fmt.Errorf("remove the container that could not start: %w", rerr))
				break
			}
		}
		ctr = nil
		d.r.log.Info("host port taken, trying another", "run", d.id, "component", c.Name, "replica", i, "port", hostPort)
	}
	// Track the container before looking at the error: a container that
	// failed to become ready exists all the same, and Stop must remove it.
	rep := &replica{component: c.Name, index: i, ctr: ctr, hostPort: hostPort, limits: limits}
	d.mu.Lock()
	if !containsString(d.volumes, volume) {
		d.volumes = append(d.volumes, volume)
	}
	if ctr != nil {
		d.started = append(d.started, rep)
	}
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("run container: %w%s", err, tail(ctx, ctr))
	}
	if rep.scheme, err = readyScheme(ctx, ctr); err != nil {
		return err
	}
	if rep.hostURL, err = hostURL(ctx, ctr, rep.scheme); err != nil {
		return err
	}
	if ip, ok := d.r.reachDirect(ctx, ctr); ok {
		rep.hostURL = rep.scheme + "://" + ip + ":" + port
	}
	rep.netURL = rep.scheme + "://" + alias + ":" + port
	if rep.scheme == "http" {
		if err := waitHealthy(ctx, rep.hostURL); err != nil {
			return fmt.Errorf("%w%s", err, tail(ctx, ctr))
		}
	}
	d.mu.Lock()
	d.replicas[c.Name] = append(d.replicas[c.Name], rep)
	d.mu.Unlock()
	d.r.log.Info("started container", "run", d.id, "component", c.Name, "replica", i, "url", rep.hostURL,
		"cpus", limits.CPUs, "memory", limits.MemoryBytes)
	return nil
}

// readyScheme finds the component's ready line in its log and returns the
// scheme it announced (http, or nats for the broker).
func readyScheme(ctx context.Context, ctr *testcontainers.DockerContainer) (string, error) {
	logs, err := ctr.Logs(ctx)
	if err != nil {
		return "", fmt.Errorf("read logs: %w", err)
	}
	defer logs.Close()
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, component.ReadyPrefix); i >= 0 {
			u := strings.TrimSpace(line[i+len(component.ReadyPrefix):])
			if scheme, _, ok := strings.Cut(u, "://"); ok {
				return scheme, nil
			}
			return "", fmt.Errorf("ready line without a URL: %q", line)
		}
	}
	return "", errors.New("no ready line in the log")
}

// hostURL is where the harness reaches the container's port: its published
// port on the host's loopback.
func hostURL(ctx context.Context, ctr *testcontainers.DockerContainer, scheme string) (string, error) {
	p, err := ctr.MappedPort(ctx, port+"/tcp")
	if err != nil {
		return "", fmt.Errorf("published port: %w", err)
	}
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, p.Num()), nil
}

func waitHealthy(ctx context.Context, base string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s/healthz: %w (last: %v)", base, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tail returns the last lines of a container's log, to explain a failure.
func tail(ctx context.Context, ctr *testcontainers.DockerContainer) string {
	if ctr == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	logs, err := ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer logs.Close()
	data, _ := io.ReadAll(io.LimitReader(logs, 1<<20))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return "\n  log: " + strings.Join(lines, "\n  log: ")
}

// EntryURL returns the base URL of the plan's entry component (its first
// replica), as the harness reaches it.
func (d *Deployment) EntryURL() string {
	if us := d.URLs(d.plan.Entry); len(us) > 0 {
		return us[0]
	}
	return ""
}

// URLs returns the host-side base URLs of a component's replicas.
func (d *Deployment) URLs(component string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, r := range d.replicas[component] {
		out = append(out, r.hostURL)
	}
	return out
}

// Stop stops and removes every container, callers before their peers, then
// the network and the volumes, and finally sweeps anything else labelled
// with the deployment's ID. It is safe to call more than once.
func (d *Deployment) Stop(ctx context.Context) error {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return d.stopErr
	}
	d.stopped = true
	started := append([]*replica(nil), d.started...)
	nw, volumes := d.network, d.volumes
	d.mu.Unlock()
	defer d.r.forget(d)

	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		r := started[i]
		if err := r.ctr.Terminate(ctx, testcontainers.StopTimeout(d.r.stopGrace)); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove %s[%d]: %w", r.component, r.index, err))
		}
	}
	if nw != nil {
		if err := nw.Remove(ctx); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network: %w", err))
		}
	}
	cli := d.r.provider.Client()
	for _, v := range volumes {
		if _, err := cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v, err))
		}
	}
	if _, err := Clean(ctx, cli, d.id); err != nil {
		errs = append(errs, err)
	}
	d.mu.Lock()
	d.stopErr = errors.Join(errs...)
	d.mu.Unlock()
	d.r.log.Info("stopped deployment", "run", d.id, "err", d.stopErr)
	return d.stopErr
}

func (d *Deployment) find(component string, replica int) (*replica, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rs := d.replicas[component]
	if replica < 0 || replica >= len(rs) {
		return nil, fmt.Errorf("no replica %d of component %q", replica, component)
	}
	return rs[replica], nil
}

// Kill kills one replica's container at once (SIGKILL), as a crash would.
func (d *Deployment) Kill(component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	if _, err := d.r.provider.Client().ContainerKill(context.Background(), r.ctr.GetContainerID(), client.ContainerKillOptions{}); err != nil {
		return fmt.Errorf("kill %s[%d]: %w", component, replica, err)
	}
	return nil
}

// Restart starts a replica again after Kill, with the same arguments, data
// and host port, and waits until it serves. If another process has taken
// the host port while the replica was down, Restart waits a few seconds
// for it to be let go (see startOnPort), then fails naming the port.
func (d *Deployment) Restart(ctx context.Context, component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	if err := d.startAgain(ctx, r); err != nil {
		return fmt.Errorf("restart %s[%d]: %w", component, replica, err)
	}
	return nil
}

// Redeploy stops a replica gracefully (SIGTERM; it drains its requests;
// SIGKILL after the runtime's stop grace) and starts it again on the same
// host port, as a rolling deploy replaces one replica. A host port taken
// meanwhile is waited for as in Restart.
func (d *Deployment) Redeploy(ctx context.Context, component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	grace := int(max(d.r.stopGrace.Round(time.Second)/time.Second, 1))
	if _, err := d.r.provider.Client().ContainerStop(ctx, r.ctr.GetContainerID(), client.ContainerStopOptions{Timeout: &grace}); err != nil {
		return fmt.Errorf("redeploy %s[%d]: stop: %w", component, replica, err)
	}
	if err := d.startAgain(ctx, r); err != nil {
		return fmt.Errorf("redeploy %s[%d]: %w", component, replica, err)
	}
	return nil
}

// startAgain starts a stopped replica's container on its host port
// (startOnPort) and waits until it serves again.
func (d *Deployment) startAgain(ctx context.Context, r *replica) error {
	ctx, cancel := context.WithTimeout(ctx, d.r.startTimeout)
	defer cancel()
	if err := d.startOnPort(ctx, r); err != nil {
		return err
	}
	if d.r.direct.Load() {
		// The engine may give a restarted container another address on the
		// network; whoever holds the old URL would lose it.
		ip, err := r.ctr.ContainerIP(ctx)
		if err != nil {
			return fmt.Errorf("address after restart: %w", err)
		}
		if u := r.scheme + "://" + ip + ":" + port; u != r.hostURL {
			return fmt.Errorf("the restarted container moved from %s to %s on the run's network", r.hostURL, u)
		}
	}
	if r.scheme == "http" {
		if err := waitHealthy(ctx, r.hostURL); err != nil {
			return fmt.Errorf("%w%s", err, tail(ctx, r.ctr))
		}
		return nil
	}
	host := strings.TrimPrefix(r.hostURL, r.scheme+"://")
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", r.hostURL, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rebindPauses are the waits between a stopped replica's tries to start
// again while its pinned host port is taken, about nine seconds in all: a
// port held by a short-lived connection (an outgoing one is given a port
// from the same range as freePort's) is soon free again; one a server
// listens on is not, and waiting longer would only delay the error.
var rebindPauses = []time.Duration{
	100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
	1600 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second,
}

// startOnPort starts a stopped replica's container on its pinned host
// port, trying again after each of rebindPauses while another process
// holds the port.
//
// The replica does not move to another port: its callers could not follow.
// The load generator, the cross-check and the fault scenario take the
// entry's URL once, before the fault, and keep it; the engine cannot change
// a container's published ports, so another port means another container,
// which also gets another address on the run's network, where the harness
// reaches replicas directly (reachDirect). Its peers would follow (they
// call it by its network alias), but the harness would not: after a move
// it would measure whatever listens on the old port.
func (d *Deployment) startOnPort(ctx context.Context, r *replica) error {
	var waited time.Duration
	for try := 0; ; try++ {
		_, err := d.r.provider.Client().ContainerStart(ctx, r.ctr.GetContainerID(), client.ContainerStartOptions{})
		switch {
		case err == nil:
			if try > 0 {
				d.r.log.Info("host port free again", "run", d.id, "component", r.component, "replica", r.index,
					"port", r.hostPort, "waited", waited)
			}
			return nil
		case !portTaken(err):
			return fmt.Errorf("start: %w", err)
		case try == len(rebindPauses):
			return fmt.Errorf("host port %d is still taken after %s and %d tries, and the replica can start only there: "+
				"stop whatever holds 127.0.0.1:%d and run again: %w", r.hostPort, waited, try+1, r.hostPort, err)
		}
		if try == 0 {
			d.r.log.Info("host port taken, waiting for it", "run", d.id, "component", r.component, "replica", r.index, "port", r.hostPort)
		}
		if err := d.r.rebindWait(ctx, rebindPauses[try]); err != nil {
			return fmt.Errorf("wait for host port %d, taken: %w", r.hostPort, err)
		}
		waited += rebindPauses[try]
	}
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// reachDirect returns ctr's address on the run's network when the harness
// reaches containers there. The Docker engine's userland proxy, which
// carries published ports to loopback, falls over under the thousands of
// connections a saturating ramp opens, and adds a hop of its own to every
// request; where the host routes to the engine's bridge networks (a Linux
// engine), the harness talks to the containers directly instead, on the
// networks it created. The first container decides, for the runtime's
// life.
func (r *Runtime) reachDirect(ctx context.Context, ctr *testcontainers.DockerContainer) (string, bool) {
	ip, err := ctr.ContainerIP(ctx)
	if err != nil || ip == "" {
		return "", false
	}
	r.directOnce.Do(func() {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, port), time.Second)
		if err == nil {
			c.Close()
			r.direct.Store(true)
		}
		r.log.Info("how the harness reaches containers", "direct", r.direct.Load(), "probe", ip)
	})
	return ip, r.direct.Load()
}

// portAttempts is how many host ports a replica's start tries before it
// gives up: each may be taken by another process between its choice and
// the engine's bind.
const portAttempts = 3

// portTaken reports whether err says a container could not start because
// its host port is in use. The engine says so only in words: "port is
// already allocated" when one of its containers holds the port, "address
// already in use" when another process does.
func portTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}

// freePort returns a TCP port free on the host's loopback now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Pause freezes one replica's processes (the cgroup freezer), as a stalled
// host would; Unpause thaws them.
func (d *Deployment) Pause(ctx context.Context, component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	if _, err := d.r.provider.Client().ContainerPause(ctx, r.ctr.GetContainerID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pause %s[%d]: %w", component, replica, err)
	}
	return nil
}

// Unpause thaws a paused replica.
func (d *Deployment) Unpause(ctx context.Context, component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	if _, err := d.r.provider.Client().ContainerUnpause(ctx, r.ctr.GetContainerID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("unpause %s[%d]: %w", component, replica, err)
	}
	return nil
}

// Disconnect cuts one replica off the deployment's network, as a network
// partition would; Connect joins it again under its alias.
func (d *Deployment) Disconnect(ctx context.Context, component string, replica int) error {
	r, err := d.find(component, replica)
	if err != nil {
		return err
	}
	if _, err := d.r.provider.Client().NetworkDisconnect(ctx, d.network.ID, client.NetworkDisconnectOptions{Container: r.ctr.GetContainerID(), Force: true}); err != nil {
		return fmt.Errorf("disconnect %s[%d]: %w", component, replica, err)
	}
	return nil
}

// Usage returns what each replica has used so far, from the engine's
// statistics: CPU time, and memory in use less the page cache.
func (d *Deployment) Usage(ctx context.Context) ([]runtime.Usage, error) {
	d.mu.Lock()
	var reps []*replica
	for _, rs := range d.replicas {
		reps = append(reps, rs...)
	}
	d.mu.Unlock()
	out := make([]runtime.Usage, 0, len(reps))
	for _, r := range reps {
		st, err := d.stats(ctx, r)
		if err != nil {
			return nil, err
		}
		mem := st.MemoryStats.Usage
		if cache := st.MemoryStats.Stats["inactive_file"]; cache < mem { // cgroup v2
			mem -= cache
		}
		out = append(out, runtime.Usage{
			Component: r.component, Replica: r.index,
			CPU:         time.Duration(st.CPUStats.CPUUsage.TotalUsage),
			MemoryBytes: mem, CPULimit: r.limits.CPUs, MemoryLimitBytes: uint64(r.limits.MemoryBytes),
		})
	}
	return out, nil
}

// UsageSource names where Usage comes from: the engine's statistics.
func (d *Deployment) UsageSource() string { return "docker" }

func (d *Deployment) stats(ctx context.Context, r *replica) (container.StatsResponse, error) {
	res, err := d.r.provider.Client().ContainerStats(ctx, r.ctr.GetContainerID(), client.ContainerStatsOptions{})
	if err != nil {
		return container.StatsResponse{}, fmt.Errorf("stats of %s[%d]: %w", r.component, r.index, err)
	}
	defer res.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return container.StatsResponse{}, fmt.Errorf("stats of %s[%d]: %w", r.component, r.index, err)
	}
	return st, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
