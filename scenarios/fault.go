package scenarios

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// Fault runs steady load, crashes the components that host one capability
// of the shop (SIGKILL, as a crash would), keeps the load on for a window,
// restarts them, and keeps it on again: per operation, availability and
// p99 before, during and after, and a single blast radius, the share of
// the operations that do not need the crashed capability which degraded
// anyway. In the monolith every capability lives in the one process, so a
// crash of cart code takes everything down; that is shown, not special-
// cased. Each capability runs on a fresh deployment.
type Fault struct {
	// Rate is the journeys started per second throughout.
	Rate float64
	// Warmup, Before, During and After are the windows: discarded, healthy,
	// crashed, restarted.
	Warmup, Before, During, After time.Duration
	// Capabilities to crash, each in its own run: catalog, inventory, cart,
	// orders, notifications, payment (the external provider).
	Capabilities []string
	// Redeploy makes it a rolling deploy instead of a crash: at the start
	// of the During window each hosting replica in turn is stopped
	// gracefully (SIGTERM, draining) and started again, one at a time,
	// while the load goes on. In the monolith that is the whole shop.
	Redeploy bool
	// Mix, Seed and MaxInFlight are as in Steady.
	Mix         string
	Seed        uint64
	MaxInFlight int
}

// DeployProfile returns the rolling-deploy scenario's parameters: the
// fault scenario's windows, redeploying instead of crashing.
func DeployProfile(profile string) (Fault, error) {
	f, err := FaultProfile(profile)
	if err != nil {
		return Fault{}, err
	}
	f.Redeploy = true
	if profile == "quick" {
		f.Capabilities = []string{"cart"}
	}
	return f, nil
}

// Capabilities the fault scenario can crash, as variants.Variant.Hosts
// names them.
var Capabilities = []string{"catalog", "inventory", "cart", "orders", "notifications", "payment"}

// dependsOn says, by the shop's design, which capabilities each operation
// needs, whatever the architecture.
var dependsOn = map[string][]string{
	httpapi.RouteListProducts:  {"catalog", "inventory"},
	httpapi.RouteGetProduct:    {"catalog", "inventory"},
	httpapi.RouteCreateCart:    {"cart"},
	httpapi.RouteGetCart:       {"cart"},
	httpapi.RouteRemoveItem:    {"cart"},
	httpapi.RouteAddItem:       {"cart", "catalog"},
	httpapi.RouteCheckout:      {"orders", "cart", "inventory", "payment"},
	httpapi.RouteGetOrder:      {"orders"},
	httpapi.RouteNotifications: {"notifications", "orders"},
}

// FaultProfile returns the fault scenario's parameters for a profile.
func FaultProfile(profile string) (Fault, error) {
	f := Fault{Rate: 40, Mix: workload.DefaultMix, Seed: 1, MaxInFlight: 1024}
	switch profile {
	case "quick":
		f.Warmup, f.Before, f.During, f.After = time.Second, 3*time.Second, 4*time.Second, 5*time.Second
		f.Capabilities = []string{"cart", "notifications", "payment"}
	case "full":
		f.Warmup, f.Before, f.During, f.After = 10*time.Second, 30*time.Second, 30*time.Second, 60*time.Second
		f.Capabilities = Capabilities
	default:
		return Fault{}, fmt.Errorf("profile must be quick or full, but is %q", profile)
	}
	return f, nil
}

// Name is "fault", or "deploy" for a rolling deploy.
func (f Fault) Name() string {
	if f.Redeploy {
		return "deploy"
	}
	return "fault"
}

// Validate reports every parameter out of range, each naming its field.
func (f Fault) Validate() error {
	var errs []error
	if f.Rate <= 0 || f.Rate > 1e6 {
		errs = append(errs, fmt.Errorf("rate must be in (0, 1000000] journeys/s, but is %g", f.Rate))
	}
	for _, w := range []struct {
		name string
		d    time.Duration
	}{{"before", f.Before}, {"during", f.During}, {"after", f.After}} {
		if w.d < time.Second {
			errs = append(errs, fmt.Errorf("%s must be at least 1s, but is %s", w.name, w.d))
		}
	}
	if f.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup must be >= 0, but is %s", f.Warmup))
	}
	if len(f.Capabilities) == 0 {
		errs = append(errs, fmt.Errorf("capabilities must name at least one of %s", strings.Join(Capabilities, ", ")))
	}
	for i, c := range f.Capabilities {
		if !slices.Contains(Capabilities, c) {
			errs = append(errs, fmt.Errorf("capabilities[%d] must be one of %s, but is %q", i, strings.Join(Capabilities, ", "), c))
		}
	}
	errs = append(errs, journeyErrors(f.Mix, f.MaxInFlight)...)
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (f Fault) Params() map[string]any {
	return map[string]any{
		"rate_per_sec": f.Rate, "warmup_sec": f.Warmup.Seconds(), "before_sec": f.Before.Seconds(),
		"during_sec": f.During.Seconds(), "after_sec": f.After.Seconds(), "capabilities": f.Capabilities, "redeploy": f.Redeploy,
		"mix": f.Mix, "seed": f.Seed, "max_in_flight": f.MaxInFlight,
	}
}

// kind is "crash" or "redeploy", and prefixes the settings' labels.
func (f Fault) kind() string {
	if f.Redeploy {
		return "redeploy"
	}
	return "crash"
}

// Settings runs v once per capability it hosts somewhere it can crash or
// redeploy.
func (f Fault) Settings(v variants.Variant, env variants.Env) []Setting {
	var out []Setting
	for _, c := range f.Capabilities {
		if len(v.Hosts[c]) > 0 {
			out = append(out, Setting{Label: f.kind() + " " + c, Env: env})
		}
	}
	return out
}

// crasher is what the scenario needs of a deployment.
type crasher interface {
	URLs(component string) []string
	Kill(component string, replica int) error
	Restart(ctx context.Context, component string, replica int) error
	Redeploy(ctx context.Context, component string, replica int) error
}

// Run crashes the capability its setting names, between measured windows.
func (f Fault) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	capability, ok := strings.CutPrefix(t.Setting, f.kind()+" ")
	if !ok {
		return results.VariantResult{}, fmt.Errorf("%s: run without a capability to %s (setting %q)", f.Name(), f.kind(), t.Setting)
	}
	dep, ok := t.Deployment.(crasher)
	if !ok {
		return results.VariantResult{}, fmt.Errorf("%s: this runtime cannot stop and restart a component: use -runtime process", f.Name())
	}
	v, err := variants.Lookup(t.Variant)
	if err != nil {
		return results.VariantResult{}, err
	}
	hosts := v.Hosts[capability]
	gen, mix, err := prepare(ctx, t, f, f.Mix, f.Seed, f.MaxInFlight, f.Rate, f.Warmup)
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()

	all := results.NewRecorder()
	var first loadgen.Stats
	phase := func(name string, d time.Duration) (results.VariantResult, error) {
		one := results.NewRecorder()
		run := gen.Start(ctx, loadgen.ConstantRate{Rate: f.Rate, Duration: d}, mix)
		t.Progress.Follow(name, d, run.Results(), func(r loadgen.Result) { one.Add(r); all.Add(r) })
		if err := run.Err(); err != nil {
			return results.VariantResult{}, fmt.Errorf("%s: %w", name, err)
		}
		if first.Start.IsZero() {
			first = run.Stats()
		}
		return one.Summary(results.Info{Variant: t.Variant, Stats: run.Stats()}), ctx.Err()
	}
	before, err := phase("before", f.Before)
	if err != nil {
		return results.VariantResult{}, err
	}
	type victim struct {
		component string
		replica   int
	}
	var victims []victim
	for _, h := range hosts {
		for i := range dep.URLs(h) {
			victims = append(victims, victim{h, i})
		}
	}
	var (
		during     results.VariantResult
		restartSec float64
	)
	if f.Redeploy {
		// The deploy happens under load: the window's attack runs while the
		// replicas are replaced one at a time.
		done := make(chan error, 1)
		started := time.Now()
		go func() {
			for _, v := range victims {
				if err := dep.Redeploy(ctx, v.component, v.replica); err != nil {
					done <- fmt.Errorf("redeploy %s: %w", v.component, err)
					return
				}
			}
			restartSec = time.Since(started).Seconds()
			done <- nil
		}()
		t.Progress.Printf("deploy %s: redeploying %s (%s)", t.Variant, capability, strings.Join(hosts, ", "))
		during, err = phase("deploying", f.During)
		if derr := <-done; derr != nil {
			return results.VariantResult{}, derr
		}
		if err != nil {
			return results.VariantResult{}, err
		}
	} else {
		for _, v := range victims {
			if err := dep.Kill(v.component, v.replica); err != nil && !errors.Is(err, os.ErrProcessDone) {
				return results.VariantResult{}, fmt.Errorf("crash %s: %w", capability, err)
			}
		}
		t.Progress.Printf("fault %s: crashed %s (%s)", t.Variant, capability, strings.Join(hosts, ", "))
		if during, err = phase("crashed", f.During); err != nil {
			return results.VariantResult{}, err
		}
		healed := time.Now()
		for _, v := range victims {
			if err := dep.Restart(ctx, v.component, v.replica); err != nil {
				return results.VariantResult{}, fmt.Errorf("restart %s: %w", v.component, err)
			}
		}
		restartSec = time.Since(healed).Seconds()
	}
	after, err := phase("restarted", f.After)
	if err != nil {
		return results.VariantResult{}, err
	}
	res := all.Summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested: results.Load{Rate: f.Rate, Duration: results.Duration(f.Before + f.During + f.After), Warmup: results.Duration(f.Warmup)},
		Stats:     first,
	})
	res.Fault = faultSummary(capability, hosts, restartSec, before, during, after)
	res.Fault.Kind = f.kind()
	return res, nil
}

// Thresholds past which an operation counts as degraded.
const (
	degradedAvailability = 0.02 // availability lost, as a fraction
	degradedP99Factor    = 2.0  // p99 grown by this factor...
	degradedP99Slack     = 20.0 // ...and by at least this many ms
)

// faultSummary sets each operation's windows side by side and computes the
// blast radius over the operations that do not need the capability.
func faultSummary(capability string, hosts []string, restartSec float64, before, during, after results.VariantResult) *results.FaultSummary {
	byName := func(r results.VariantResult) map[string]results.OpStats {
		m := map[string]results.OpStats{}
		for _, o := range r.Operations {
			m[o.Name] = o
		}
		return m
	}
	b, d, a := byName(before), byName(during), byName(after)
	out := &results.FaultSummary{Capability: capability, Components: hosts, RestartSec: restartSec}
	for _, name := range slices.Sorted(maps.Keys(b)) {
		ob := b[name]
		if ob.Count == 0 {
			continue
		}
		op := results.FaultOp{
			Op: name, Needs: slices.Contains(dependsOn[name], capability),
			AvailBefore: 1 - ob.ErrorRate, P99Before: ob.LatencyMs.P99,
		}
		if od, ok := d[name]; ok && od.Count > 0 {
			op.AvailDuring, op.P99During = 1-od.ErrorRate, od.LatencyMs.P99
		}
		if oa, ok := a[name]; ok && oa.Count > 0 {
			op.AvailAfter, op.P99After = 1-oa.ErrorRate, oa.LatencyMs.P99
		}
		// An operation that was not even attempted during the crash (its
		// journey failed earlier) counts as unavailable.
		op.Degraded = op.AvailDuring < op.AvailBefore-degradedAvailability ||
			op.P99During > max(degradedP99Factor*op.P99Before, op.P99Before+degradedP99Slack)
		if !op.Needs {
			out.Unaffected++
			if op.Degraded {
				out.UnaffectedDegraded++
			}
		}
		out.Ops = append(out.Ops, op)
	}
	if out.Unaffected > 0 {
		out.BlastRadius = float64(out.UnaffectedDegraded) / float64(out.Unaffected)
	}
	return out
}
