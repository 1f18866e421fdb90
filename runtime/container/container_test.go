package container_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/archbench/archbench/contract"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/runtime/container"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/variants/varianttest"
)

// requireEnv makes the tests fail, rather than skip, when no Docker engine
// answers: CI sets it, so the container runtime is always tested there.
const requireEnv = "ARCHBENCH_REQUIRE_DOCKER"

// harnessEnv makes the test binary play a harness that deploys and waits
// for SIGINT (TestHelperHarness).
const harnessEnv = "ARCHBENCH_CONTAINER_HARNESS"

func TestMain(m *testing.M) {
	if os.Getenv(harnessEnv) == "" {
		if err := container.Available(context.Background()); err != nil {
			if os.Getenv(requireEnv) != "" {
				fmt.Fprintf(os.Stderr, "no Docker engine answers (%v), and %s is set\n", err, requireEnv)
				os.Exit(1)
			}
			fmt.Fprintf(os.Stderr, "skipping the container runtime's tests: no Docker engine answers: %v\n", err)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

func newRuntime(t *testing.T, opts ...container.Option) *container.Runtime {
	t.Helper()
	base := []container.Option{container.WithLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))}
	rt, err := container.New(t.Context(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(); err != nil {
			t.Errorf("close runtime: %v", err)
		}
	})
	return rt
}

func engine(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// leftovers counts the containers, networks and volumes labelled with run
// (or with any archbench run when run is empty).
func leftovers(t *testing.T, run string) string {
	t.Helper()
	cli := engine(t)
	f := client.Filters{}.Add("label", container.LabelManaged+"=true")
	if run != "" {
		f = f.Add("label", container.LabelRun+"="+run)
	}
	ctrs, err := cli.ContainerList(t.Context(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	nets, err := cli.NetworkList(t.Context(), client.NetworkListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	vols, err := cli.VolumeList(t.Context(), client.VolumeListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d containers, %d networks, %d volumes", len(ctrs.Items), len(nets.Items), len(vols.Items))
}

const none = "0 containers, 0 networks, 0 volumes"

func plan(t *testing.T, name string, env variants.Env) (variants.Variant, runtime.Plan) {
	t.Helper()
	v, err := variants.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Plan(env)
	if err != nil {
		t.Fatal(err)
	}
	return v, p
}

// TestEveryVariantInContainers holds every variant, in containers under the
// equal budget, to the same contract (deployed with its small-stock
// catalog, so that every case runs) and data audit as in processes, checks
// that its writers answer, and checks that stopping leaves nothing with
// the deployment's label.
func TestEveryVariantInContainers(t *testing.T) {
	rt := newRuntime(t)
	for _, v := range variants.All() {
		t.Run(v.Name, func(t *testing.T) {
			_, p := plan(t, v.Name, variants.Env{Catalog: contract.Catalog()})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			dep, err := rt.Deploy(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			d := dep.(*container.Deployment)
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					_ = d.Stop(context.Background())
				}
			})
			contract.Run(t, d.EntryURL(), contract.WithPaymentProvider(d, variants.PSPName))
			rep, err := scenarios.Audit(ctx, d, v)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Passed {
				t.Errorf("data audit failed: %+v", rep.Checks)
			}
			// Every writer answers from its container, the serverless
			// platform with its instances' writes summed.
			varianttest.WritersWrote(t, d, v)

			// The budget is split equally over the variant's containers; the
			// payment provider runs outside it.
			var cpus float64
			for name, l := range d.Limits() {
				n := float64(max(len(d.URLs(name)), 1))
				if !l.External {
					cpus += l.CPUs * n
				}
			}
			if want := rt.Budget().CPUs; math.Abs(cpus-want) > 1e-9 {
				t.Errorf("containers' CPU limits add up to %g, want the budget's %g", cpus, want)
			}
			usage, err := d.Usage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range usage {
				if u.MemoryBytes == 0 || u.CPU <= 0 || u.CPULimit <= 0 {
					t.Errorf("usage of %s[%d]: %+v, want memory, CPU time and limits", u.Component, u.Replica, u)
				}
			}

			stopped = true
			if err := d.Stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
			if got := leftovers(t, d.ID()); got != none {
				t.Errorf("after Stop: %s with the deployment's label, want none", got)
			}
		})
	}
}

// TestImagesAreCached: Prepare builds a plan's images without starting
// anything, and a second runtime deploying the same plan finds every image
// in the engine's cache and builds none.
func TestImagesAreCached(t *testing.T) {
	_, p := plan(t, "monolith", variants.Env{})
	for i := range 2 {
		rt := newRuntime(t)
		if i == 0 {
			before := leftovers(t, "")
			if err := rt.Prepare(t.Context(), p); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if after := leftovers(t, ""); after != before {
				t.Fatalf("Prepare started something: %s, before it %s", after, before)
			}
		}
		d, err := rt.Deploy(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
		if i == 1 && rt.ImagesBuilt() != 0 {
			t.Fatalf("the second runtime built %d images, want 0 (all cached)", rt.ImagesBuilt())
		}
	}
}

// TestFailedDeployLeavesNothing: a component that exits at start fails the
// deployment, and what was started before it is removed.
func TestFailedDeployLeavesNothing(t *testing.T) {
	before := leftovers(t, "")
	rt := newRuntime(t, container.WithStartTimeout(20*time.Second))
	_, p := plan(t, "monolith", variants.Env{})
	for i := range p.Components {
		if p.Components[i].Name == "monolith" {
			p.Components[i].Args = append(p.Components[i].Args, "-no-such-flag")
		}
	}
	if _, err := rt.Deploy(t.Context(), p); err == nil {
		t.Fatal("deploying a component that cannot start succeeded")
	}
	if after := leftovers(t, ""); after != before {
		t.Fatalf("after a failed deploy: %s labelled archbench, before it %s", after, before)
	}
}

// TestHelperHarness is not a test: run by TestSIGINTLeavesNothing, it
// deploys the monolith as the CLI does, prints the deployment's ID, and
// on SIGINT stops it and exits.
func TestHelperHarness(t *testing.T) {
	if os.Getenv(harnessEnv) == "" {
		t.Skip("helper process for TestSIGINTLeavesNothing")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rt, err := container.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	_, p := plan(t, "monolith", variants.Env{})
	d, err := rt.Deploy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("HARNESS_RUN %s\n", d.(*container.Deployment).ID())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Stop(sctx); err != nil {
		t.Fatal(err)
	}
}

// TestSIGINTLeavesNothing interrupts a harness while its deployment runs:
// it must stop and remove everything it created.
func TestSIGINTLeavesNothing(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperHarness$", "-test.v")
	cmd.Env = append(os.Environ(), harnessEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var run string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "HARNESS_RUN "); ok {
			run = id
			break
		}
	}
	if run == "" {
		_ = cmd.Wait()
		t.Fatal("the harness never reported its deployment")
	}
	if got := leftovers(t, run); got == none {
		t.Fatalf("the harness's deployment %s has no containers while running", run)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(os.Stdout) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("harness after SIGINT: %v", err)
	}
	if got := leftovers(t, run); got != none {
		t.Fatalf("after SIGINT: %s labelled with the harness's run, want none", got)
	}
}

// TestClean removes what a harness left behind: here, a deployment that is
// never stopped.
func TestClean(t *testing.T) {
	rt := newRuntime(t)
	_, p := plan(t, "monolith", variants.Env{})
	d, err := rt.Deploy(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	id := d.(*container.Deployment).ID()
	entry, err := url.Parse(d.EntryURL())
	if err != nil {
		t.Fatal(err)
	}
	addr, err := netip.ParseAddr(entry.Hostname())
	if err != nil {
		t.Fatalf("entry URL %s: %v", d.EntryURL(), err)
	}
	inManaged := func() bool {
		subnets, err := container.ManagedSubnets(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(subnets, func(p netip.Prefix) bool { return p.Contains(addr) })
	}
	if !addr.IsLoopback() && !inManaged() {
		t.Fatalf("entry %s is neither on loopback nor in a subnet of archbench's networks", addr)
	}

	removed, err := container.Clean(t.Context(), engine(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if removed.Containers != 2 || removed.Networks != 1 || removed.Volumes != 2 {
		t.Fatalf("Clean removed %+v, want the monolith's and the provider's containers and volumes, and the network", removed)
	}
	if got := leftovers(t, id); got != none {
		t.Fatalf("after Clean: %s", got)
	}
	if !addr.IsLoopback() && inManaged() {
		t.Fatalf("entry %s is still in a subnet of archbench's networks after Clean", addr)
	}
}

// TestRestartKeepsTheAddress crashes the monolith's container and starts
// it again, then redeploys it: each time it comes back on the same host
// address, with its data, as the fault and deploy scenarios need; a fault
// injected into its code reaches it through the published port.
func TestRestartKeepsTheAddress(t *testing.T) {
	rt := newRuntime(t)
	_, p := plan(t, "monolith", variants.Env{})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dep, err := rt.Deploy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	d := dep.(*container.Deployment)
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	url := d.EntryURL()
	status := func() int {
		resp, err := http.Get(url + "/products")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("GET /products before the crash: %d", got)
	}
	if err := d.Kill(p.Entry, 0); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != 0 {
		t.Fatalf("GET /products after the crash: %d, want no answer", got)
	}
	if err := d.Restart(ctx, p.Entry, 0); err != nil {
		t.Fatal(err)
	}
	if d.EntryURL() != url || status() != http.StatusOK {
		t.Fatalf("after the restart: %s answers %d, want %s to answer 200", d.EntryURL(), status(), url)
	}
	if err := d.Redeploy(ctx, p.Entry, 0); err != nil {
		t.Fatal(err)
	}
	if d.EntryURL() != url || status() != http.StatusOK {
		t.Fatalf("after the redeploy: %s answers %d, want %s to answer 200", d.EntryURL(), status(), url)
	}
	fault := component.Fault{Kind: component.FaultErrors, ErrorRate: 1, Routes: []string{"GET /products"}}
	if err := component.InjectFault(ctx, http.DefaultClient, url, fault); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != http.StatusInternalServerError {
		t.Fatalf("GET /products with an errors fault: %d, want 500", got)
	}
	if err := component.HealFault(ctx, http.DefaultClient, url); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("GET /products after healing: %d, want 200", got)
	}
}

// TestStartRetriesATakenPort: a replica's host port taken by another
// process between its choice and the engine's bind does not fail the
// deployment; the replica starts on the next port chosen, and the
// container that could not start is removed. After a few taken ports the
// deployment fails, naming the port, and leaves nothing.
func TestStartRetriesATakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	taken := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		name      string
		takenFor  int // how many choices return the taken port
		wantTries int
		wantErr   bool
	}{
		{name: "taken once", takenFor: 1, wantTries: 2},
		{name: "always taken", takenFor: 100, wantTries: 3, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var chosen []int // Deploy starts replicas one at a time
			choose := func() (int, error) {
				if len(chosen) < tc.takenFor {
					chosen = append(chosen, taken)
					return taken, nil
				}
				free, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return 0, err
				}
				defer free.Close()
				chosen = append(chosen, free.Addr().(*net.TCPAddr).Port)
				return chosen[len(chosen)-1], nil
			}
			before := leftovers(t, "")
			rt := newRuntime(t, container.WithPortChooser(choose))
			psp := variants.Env{}.PSP()
			p := runtime.Plan{Variant: "taken-port", Components: []runtime.Component{psp}, Entry: psp.Name}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			dep, err := rt.Deploy(ctx, p)
			if len(chosen) != tc.wantTries {
				t.Errorf("ports chosen: %v, want %d (the taken one is %d)", chosen, tc.wantTries, taken)
			}
			if tc.wantErr {
				if err == nil {
					_ = dep.Stop(ctx)
					t.Fatalf("deploying with host port %d always taken succeeded", taken)
				}
				if want := fmt.Sprintf("host port %d of %s is taken", taken, psp.Name); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
				if after := leftovers(t, ""); after != before {
					t.Fatalf("after a failed deploy: %s labelled archbench, before it %s", after, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := dep.(*container.Deployment)
			t.Cleanup(func() { _ = d.Stop(context.Background()) })
			f := client.Filters{}.Add("label", container.LabelRun+"="+d.ID())
			ctrs, err := engine(t).ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			if len(ctrs.Items) != 1 {
				t.Fatalf("%d containers with the deployment's label, want 1 (the failed one removed)", len(ctrs.Items))
			}
			c, last := ctrs.Items[0], chosen[len(chosen)-1]
			published := slices.ContainsFunc(c.Ports, func(p mobycontainer.PortSummary) bool { return int(p.PublicPort) == last })
			if c.State != mobycontainer.StateRunning || !published {
				t.Fatalf("the replica is %s with ports %+v, want it running and published on %d", c.State, c.Ports, last)
			}
			if err := d.Stop(ctx); err != nil {
				t.Fatalf("stop: %v", err)
			}
			if got := leftovers(t, d.ID()); got != none {
				t.Fatalf("after Stop: %s with the deployment's label, want none", got)
			}
		})
	}
}

// TestRestartWaitsForATakenPort: a replica whose host port another process
// took while it was down starts again on that same port once the port is
// let go, where the harness reaches it as before. While the port stays
// taken, the restart gives up after RebindPauses with an error naming the
// replica and the port, and Stop still leaves nothing.
func TestRestartWaitsForATakenPort(t *testing.T) {
	for _, tc := range []struct {
		name      string
		letGoAt   int // the wait at which the holder lets the port go; 0: never
		wantWaits int
	}{
		{name: "let go", letGoAt: 2, wantWaits: 2},
		{name: "held", wantWaits: len(container.RebindPauses)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pinned int
			choose := func() (int, error) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return 0, err
				}
				defer ln.Close()
				pinned = ln.Addr().(*net.TCPAddr).Port
				return pinned, nil
			}
			var (
				holder net.Listener
				waits  []time.Duration
			)
			wait := func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				if len(waits) == tc.letGoAt {
					holder.Close()
				}
				return ctx.Err()
			}
			rt := newRuntime(t, container.WithPortChooser(choose), container.WithRebindWait(wait))
			psp := variants.Env{}.PSP()
			p := runtime.Plan{Variant: "restart-taken-port", Components: []runtime.Component{psp}, Entry: psp.Name}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			dep, err := rt.Deploy(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			d := dep.(*container.Deployment)
			t.Cleanup(func() { _ = d.Stop(context.Background()) })
			url := d.EntryURL()

			cli := engine(t)
			f := client.Filters{}.Add("label", container.LabelRun+"="+d.ID())
			ctrs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			if len(ctrs.Items) != 1 {
				t.Fatalf("%d containers with the deployment's label, want 1", len(ctrs.Items))
			}
			id := ctrs.Items[0].ID
			if err := d.Kill(psp.Name, 0); err != nil {
				t.Fatal(err)
			}
			// Once the container is down the engine has let its port go,
			// and another process takes it.
			w := cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: mobycontainer.WaitConditionNotRunning})
			select {
			case <-w.Result:
			case err := <-w.Error:
				t.Fatal(err)
			}
			if holder, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", pinned)); err != nil {
				t.Fatalf("take the killed replica's host port %d: %v", pinned, err)
			}
			t.Cleanup(func() { holder.Close() })

			err = d.Restart(ctx, psp.Name, 0)
			if want := container.RebindPauses[:tc.wantWaits]; !slices.Equal(waits, want) {
				t.Errorf("waited %v for the port, want %v", waits, want)
			}
			if tc.letGoAt == 0 {
				t.Logf("restart with the port held: %v", err)
				if err == nil {
					t.Fatalf("restarting with host port %d held succeeded", pinned)
				}
				if want := fmt.Sprintf("restart %s[0]: host port %d is still taken", psp.Name, pinned); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
				if err := d.Stop(ctx); err != nil {
					t.Fatalf("stop: %v", err)
				}
				if got := leftovers(t, d.ID()); got != none {
					t.Fatalf("after Stop: %s with the deployment's label, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := d.EntryURL(); got != url {
				t.Errorf("after the restart the entry is at %s, want %s as before", got, url)
			}
			insp, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			published := slices.ContainsFunc(insp.Container.NetworkSettings.Ports[mobynet.MustParsePort("8080/tcp")],
				func(b mobynet.PortBinding) bool { return b.HostPort == strconv.Itoa(pinned) })
			if !insp.Container.State.Running || !published {
				t.Fatalf("after the restart the replica runs: %t, with ports %v; want it running on host port %d",
					insp.Container.State.Running, insp.Container.NetworkSettings.Ports, pinned)
			}
		})
	}
}
