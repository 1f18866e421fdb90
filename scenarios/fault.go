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
	// Mix, Seed and MaxInFlight are as in Steady.
	Mix         string
	Seed        uint64
	MaxInFlight int
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

// Name is "fault".
func (f Fault) Name() string { return "fault" }

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
		"during_sec": f.During.Seconds(), "after_sec": f.After.Seconds(), "capabilities": f.Capabilities,
		"mix": f.Mix, "seed": f.Seed, "max_in_flight": f.MaxInFlight,
	}
}

const crashPrefix = "crash "

// Settings runs v once per capability it hosts somewhere it can crash.
func (f Fault) Settings(v variants.Variant, env variants.Env) []Setting {
	var out []Setting
	for _, c := range f.Capabilities {
		if len(v.Hosts[c]) > 0 {
			out = append(out, Setting{Label: crashPrefix + c, Env: env})
		}
	}
	return out
}

// crasher is what the scenario needs of a deployment.
type crasher interface {
	URLs(component string) []string
	Kill(component string, replica int) error
	Restart(ctx context.Context, component string, replica int) error
}

// Run crashes the capability its setting names, between measured windows.
func (f Fault) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	capability, ok := strings.CutPrefix(t.Setting, crashPrefix)
	if !ok {
		return results.VariantResult{}, fmt.Errorf("fault: run without a capability to crash (setting %q)", t.Setting)
	}
	dep, ok := t.Deployment.(crasher)
	if !ok {
		return results.VariantResult{}, errors.New("fault: this runtime cannot kill and restart a component: use -runtime process")
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
	var killed []victim
	for _, h := range hosts {
		for i := range dep.URLs(h) {
			if err := dep.Kill(h, i); err != nil && !errors.Is(err, os.ErrProcessDone) {
				return results.VariantResult{}, fmt.Errorf("crash %s: %w", capability, err)
			}
			killed = append(killed, victim{h, i})
		}
	}
	t.Progress.Printf("fault %s: crashed %s (%s)", t.Variant, capability, strings.Join(hosts, ", "))
	during, err := phase("crashed", f.During)
	if err != nil {
		return results.VariantResult{}, err
	}
	healed := time.Now()
	for _, k := range killed {
		if err := dep.Restart(ctx, k.component, k.replica); err != nil {
			return results.VariantResult{}, fmt.Errorf("restart %s: %w", k.component, err)
		}
	}
	restartSec := time.Since(healed).Seconds()
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
