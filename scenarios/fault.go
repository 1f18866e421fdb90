package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/archbench/archbench/faas"
	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime/component"
	"github.com/archbench/archbench/shop/httpapi"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// Fault runs steady load, injects a fault into the code of one capability
// of the shop, keeps the load on for a window, heals it, and keeps it on
// again: per operation, availability and p99 before, during and after, and
// a single blast radius, the share of the operations that do not need the
// faulty capability which degraded anyway.
//
// A crash kills the components that host the capability (SIGKILL, as a
// crash would) and restarts them. The code faults (latency, errors, leak,
// hog; see component.FaultKinds) go into the hosting components through
// their fault route and hit only the requests that run the capability's
// code, then are healed. In the monolith every capability lives in the one
// process, so a crash of cart code, or a CPU hog in it, takes everything
// down; that is shown, not special-cased. Each fault runs on a fresh
// deployment.
type Fault struct {
	// Rate is the journeys started per second throughout.
	Rate float64
	// Warmup, Before, During and After are the windows: discarded, healthy,
	// crashed, restarted.
	Warmup, Before, During, After time.Duration
	// Capabilities to fault and Kinds of fault: every kind goes into every
	// capability, each in its own run, unless Cases says otherwise.
	// Capabilities are catalog, inventory, cart, orders, notifications,
	// payment (the external provider); kinds are crash (the default) and
	// component.FaultKinds.
	Capabilities []string
	Kinds        []string
	// Cases, when not empty, lists exactly which faults run instead of
	// every kind into every capability.
	Cases []FaultCase
	// Latency, ErrorRate, LeakKB and HogGoroutines size the code faults
	// (see component.Fault); zero takes the defaults: 200 ms, half the
	// requests, 256 KiB per request, two spinning goroutines.
	Latency       time.Duration
	ErrorRate     float64
	LeakKB        int
	HogGoroutines int
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

// FaultCase is one fault the scenario injects: a kind of fault into the
// code of a capability.
type FaultCase struct {
	Kind, Capability string
}

// Crash is the fault kind that kills the hosting components.
const Crash = "crash"

// FaultKinds are the kinds of fault the scenario can inject.
var FaultKinds = append([]string{Crash}, component.FaultKinds...)

// cases returns the faults to run, in order.
func (f Fault) cases() []FaultCase {
	if f.Redeploy {
		var out []FaultCase
		for _, c := range f.Capabilities {
			out = append(out, FaultCase{"redeploy", c})
		}
		return out
	}
	if len(f.Cases) > 0 {
		return f.Cases
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = []string{Crash}
	}
	var out []FaultCase
	for _, k := range kinds {
		for _, c := range f.Capabilities {
			out = append(out, FaultCase{k, c})
		}
	}
	return out
}

// codeFault returns the component.Fault a code-fault case injects, hitting
// routes (nil: every request).
func (f Fault) codeFault(kind string, routes []string) component.Fault {
	return component.Fault{
		Kind: kind, Routes: routes,
		LatencyMs:     cmp.Or(f.Latency, 200*time.Millisecond).Seconds() * 1000,
		ErrorRate:     cmp.Or(f.ErrorRate, 0.5),
		LeakKB:        cmp.Or(f.LeakKB, 256),
		HogGoroutines: cmp.Or(f.HogGoroutines, 2),
	}
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
		// A sample of the matrix that shows each kind of coupling: a crash
		// and a runaway loop in cart code, a slow cart query, and the
		// external payment provider down.
		f.Warmup, f.Before, f.During, f.After = time.Second, 2*time.Second, 3*time.Second, 3*time.Second
		f.Capabilities = []string{"cart", "payment"}
		f.Cases = []FaultCase{{Crash, "cart"}, {component.FaultHog, "cart"}, {component.FaultLatency, "cart"}, {Crash, "payment"}}
	case "full":
		f.Warmup, f.Before, f.During, f.After = 10*time.Second, 30*time.Second, 30*time.Second, 60*time.Second
		f.Capabilities, f.Kinds = Capabilities, FaultKinds
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
	if len(f.Capabilities) == 0 && len(f.Cases) == 0 {
		errs = append(errs, fmt.Errorf("capabilities must name at least one of %s", strings.Join(Capabilities, ", ")))
	}
	for i, c := range f.Capabilities {
		if !slices.Contains(Capabilities, c) {
			errs = append(errs, fmt.Errorf("capabilities[%d] must be one of %s, but is %q", i, strings.Join(Capabilities, ", "), c))
		}
	}
	for i, k := range f.Kinds {
		if !slices.Contains(FaultKinds, k) {
			errs = append(errs, fmt.Errorf("kinds[%d] must be one of %s, but is %q", i, strings.Join(FaultKinds, ", "), k))
		}
	}
	for i, c := range f.Cases {
		if !slices.Contains(FaultKinds, c.Kind) {
			errs = append(errs, fmt.Errorf("cases[%d].kind must be one of %s, but is %q", i, strings.Join(FaultKinds, ", "), c.Kind))
		}
		if !slices.Contains(Capabilities, c.Capability) {
			errs = append(errs, fmt.Errorf("cases[%d].capability must be one of %s, but is %q", i, strings.Join(Capabilities, ", "), c.Capability))
		}
	}
	if f.Latency < 0 || f.ErrorRate < 0 || f.ErrorRate > 1 || f.LeakKB < 0 || f.HogGoroutines < 0 {
		errs = append(errs, fmt.Errorf("latency, error_rate (0..1), leak_kb and hog_goroutines must not be negative"))
	} else if err := f.codeFault(component.FaultLatency, nil).Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, journeyErrors(f.Mix, f.MaxInFlight)...)
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (f Fault) Params() map[string]any {
	return map[string]any{
		"rate_per_sec": f.Rate, "warmup_sec": f.Warmup.Seconds(), "before_sec": f.Before.Seconds(),
		"during_sec": f.During.Seconds(), "after_sec": f.After.Seconds(), "capabilities": f.Capabilities, "redeploy": f.Redeploy,
		"mix": f.Mix, "seed": f.Seed, "max_in_flight": f.MaxInFlight, "faults": f.labels(),
	}
}

// labels names the faults, as the settings do.
func (f Fault) labels() []string {
	var out []string
	for _, c := range f.cases() {
		out = append(out, c.Kind+" "+c.Capability)
	}
	return out
}

// Settings runs v once per fault whose capability it hosts somewhere a
// fault can go.
func (f Fault) Settings(v variants.Variant, env variants.Env) []Setting {
	var out []Setting
	for _, c := range f.cases() {
		if len(v.Hosts[c.Capability]) > 0 || inFunctions(v, c.Kind, c.Capability) {
			out = append(out, Setting{Label: c.Kind + " " + c.Capability, Env: env})
		}
	}
	return out
}

// inFunctions says whether a fault of kind in capability goes into the
// code of v's functions, through its platform: when no component of its
// own hosts the capability and the platform serves routes that need it.
// A function's code takes every fault but a crash (a crash of a function
// is the platform's to absorb) and a redeploy.
func inFunctions(v variants.Variant, kind, capability string) bool {
	return kind != Crash && kind != "redeploy" && v.Platform != "" &&
		len(v.Hosts[capability]) == 0 && len(routesNeeding(capability)) > 0
}

// routesNeeding returns the shop's routes that need capability, sorted.
func routesNeeding(capability string) []string {
	var routes []string
	for _, route := range slices.Sorted(maps.Keys(dependsOn)) {
		if slices.Contains(dependsOn[route], capability) {
			routes = append(routes, route)
		}
	}
	return routes
}

// routesOf returns the routes that run capability's code in a component
// that hosts more capabilities than that one (a monolith), or nil when the
// component hosts only it, so that every request it serves does.
func routesOf(v variants.Variant, component, capability string) []string {
	shared := false
	for c, hosts := range v.Hosts {
		if c != capability && slices.Contains(hosts, component) {
			shared = true
		}
	}
	if !shared {
		return nil
	}
	return routesNeeding(capability)
}

// crasher is what the scenario needs of a deployment.
type crasher interface {
	URLs(component string) []string
	Kill(component string, replica int) error
	Restart(ctx context.Context, component string, replica int) error
	Redeploy(ctx context.Context, component string, replica int) error
}

// Run injects the fault its setting names ("crash cart", "hog cart")
// between measured windows.
func (f Fault) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	kind, capability, ok := strings.Cut(t.Setting, " ")
	if !ok || capability == "" {
		return results.VariantResult{}, fmt.Errorf("%s: run without a fault to inject (setting %q)", f.Name(), t.Setting)
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
	viaPlatform := inFunctions(v, kind, capability)
	if viaPlatform {
		hosts = []string{v.Platform + " (functions)"}
	}
	gen, mix, warm, err := prepare(ctx, t, f, f.Mix, f.Seed, f.MaxInFlight, f.Rate, f.Warmup)
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()

	all := newPhases()
	timeline := newTimeline()
	phase := func(name string, d time.Duration) (results.VariantResult, error) {
		one := results.NewRecorder()
		at := all.begin()
		run := gen.Start(ctx, loadgen.ConstantRate{Rate: f.Rate, Duration: d}, mix)
		t.Progress.Follow(name, d, run.Results(), func(r loadgen.Result) { one.Add(r); all.add(at, r); timeline.add(at, r) })
		if err := run.Err(); err != nil {
			return results.VariantResult{}, fmt.Errorf("%s: %w", name, err)
		}
		all.end(run.Stats())
		return one.Summary(results.Info{Variant: t.Variant, Stats: run.Stats()}), ctx.Err()
	}
	before, err := phase("before", f.Before)
	if err != nil {
		return results.VariantResult{}, err
	}
	type victim struct {
		component string
		replica   int
		url       string
	}
	var victims []victim
	for _, h := range v.Hosts[capability] {
		for i, u := range dep.URLs(h) {
			victims = append(victims, victim{h, i, u})
		}
	}
	var (
		during     results.VariantResult
		restartSec float64
		injected   string
	)
	faultStart := all.now()
	switch {
	case kind == "redeploy":
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
	case kind == Crash:
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
	case viaPlatform:
		// The capability's code runs in the platform's functions: the
		// platform hands the fault to every instance of the functions
		// behind the capability's routes.
		client := &http.Client{Timeout: 10 * time.Second}
		us := dep.URLs(v.Platform)
		if len(us) == 0 {
			return results.VariantResult{}, fmt.Errorf("function platform: component %s has no URL", v.Platform)
		}
		cf := f.codeFault(kind, routesNeeding(capability))
		if err := component.PutFault(ctx, client, us[0]+faas.FaultPath, cf); err != nil {
			return results.VariantResult{}, fmt.Errorf("inject %s into %s's functions: %w", kind, capability, err)
		}
		injected = describe(cf) + ", in the functions behind them"
		t.Progress.Printf("fault %s: %s in %s's code (the functions on %s)", t.Variant, kind, capability, v.Platform)
		if during, err = phase("faulty", f.During); err != nil {
			return results.VariantResult{}, err
		}
		healed := time.Now()
		if err := component.DeleteFault(ctx, client, us[0]+faas.FaultPath); err != nil {
			return results.VariantResult{}, fmt.Errorf("heal %s in %s's functions: %w", kind, capability, err)
		}
		restartSec = time.Since(healed).Seconds()
	default:
		client := &http.Client{Timeout: 10 * time.Second}
		for _, vi := range victims {
			cf := f.codeFault(kind, routesOf(v, vi.component, capability))
			if err := component.InjectFault(ctx, client, vi.url, cf); err != nil {
				return results.VariantResult{}, fmt.Errorf("inject %s into %s: %w", kind, vi.component, err)
			}
			injected = describe(cf)
		}
		t.Progress.Printf("fault %s: %s in %s's code (%s)", t.Variant, kind, capability, strings.Join(hosts, ", "))
		if during, err = phase("faulty", f.During); err != nil {
			return results.VariantResult{}, err
		}
		healed := time.Now()
		for _, vi := range victims {
			if err := component.HealFault(ctx, client, vi.url); err != nil {
				// The fault took the process down (a leak under a memory
				// limit): restart it, as an operator would.
				if rerr := dep.Restart(ctx, vi.component, vi.replica); rerr != nil {
					return results.VariantResult{}, fmt.Errorf("heal %s in %s: %w", kind, vi.component, errors.Join(err, rerr))
				}
			}
		}
		restartSec = time.Since(healed).Seconds()
	}
	faultEnd := all.now()
	after, err := phase("after", f.After)
	if err != nil {
		return results.VariantResult{}, err
	}
	res := all.summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested:      results.Load{Rate: f.Rate, Duration: results.Duration(f.Before + f.During + f.After), Warmup: results.Duration(f.Warmup)},
		WarmupRequests: warm,
	})
	res.Fault = faultSummary(capability, hosts, restartSec, before, during, after)
	res.Fault.Kind, res.Fault.Injected = kind, injected
	res.Fault.Timeline = timeline.ops()
	res.Fault.StartSec, res.Fault.EndSec = faultStart.Seconds(), faultEnd.Seconds()
	return res, nil
}

// describe says what a code fault does, for the report.
func describe(f component.Fault) string {
	where := "every request"
	if n := len(f.Routes); n > 0 {
		where = fmt.Sprintf("%d routes", n)
	}
	switch f.Kind {
	case component.FaultLatency:
		return fmt.Sprintf("+%g ms on %s", f.LatencyMs, where)
	case component.FaultErrors:
		return fmt.Sprintf("%g%% of %s fail", 100*f.ErrorRate, where)
	case component.FaultLeak:
		return fmt.Sprintf("%d KiB kept per request on %s", f.LeakKB, where)
	case component.FaultHog:
		return fmt.Sprintf("%d goroutines spinning", f.HogGoroutines)
	}
	return f.Kind
}

// timeline counts each operation's requests and failures per second, on
// the clock of phases.
type timeline struct {
	byOp map[string]*opCounts
}

// opCounts are one operation's per-second counts.
type opCounts struct{ requests, errors []int64 }

func newTimeline() *timeline { return &timeline{byOp: map[string]*opCounts{}} }

// add counts r, scheduled at offset `at` plus its own offset.
func (tl *timeline) add(at time.Duration, r loadgen.Result) {
	if r.Dropped || r.Op == "" {
		return
	}
	sec := int((at + r.Scheduled) / time.Second)
	if sec < 0 || sec > 1<<20 {
		return
	}
	c := tl.byOp[r.Op]
	if c == nil {
		c = &opCounts{}
		tl.byOp[r.Op] = c
	}
	for len(c.requests) <= sec {
		c.requests, c.errors = append(c.requests, 0), append(c.errors, 0)
	}
	c.requests[sec]++
	if r.Failed() {
		c.errors[sec]++
	}
}

// ops returns the counts, by operation name, every series as long as the
// longest.
func (tl *timeline) ops() []results.FaultTimeline {
	n := 0
	for _, c := range tl.byOp {
		n = max(n, len(c.requests))
	}
	var out []results.FaultTimeline
	for _, op := range slices.Sorted(maps.Keys(tl.byOp)) {
		c := tl.byOp[op]
		ft := results.FaultTimeline{Op: op, Requests: make([]int64, n), Errors: make([]int64, n)}
		copy(ft.Requests, c.requests)
		copy(ft.Errors, c.errors)
		out = append(out, ft)
	}
	return out
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
