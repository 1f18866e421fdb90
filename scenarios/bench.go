package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/archbench/archbench/audit"
	"github.com/archbench/archbench/payment"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/variants"
)

// Bench runs one scenario over several variants on one runtime and collects
// the results side by side. Variants run one at a time, each on a fresh
// deployment, so every variant has the whole machine: the same resource
// budget. Repetitions are interleaved (A B A B, not A A B B) so that drift in
// the machine's state spreads over all variants alike.
type Bench struct {
	// Runtime starts the variants.
	Runtime runtime.Runtime
	// SideBySide, when set, runs the first variant on this runtime too, after
	// the others, so the report sets the same scenario's figures on the two
	// runtimes side by side.
	SideBySide runtime.Runtime
	// RuntimeNote says how the runtime gave every variant the same resource
	// budget, for the run's notes; empty means each variant had the whole
	// machine in turn.
	RuntimeNote string
	// Env configures what all variants share (the payment provider, the
	// catalog); the journeys pick products in its catalog (see
	// variants.Env.SeededCatalog).
	Env variants.Env
	// Variants to compare.
	Variants []variants.Variant
	// Scenario to run.
	Scenario Scenario
	// Repetitions per variant; 0 means the scenario's own default (see
	// Repeated), or 1.
	Repetitions int
	// Profile names the parameter profile, for the record.
	Profile string
	// CrossCheck, when set, drives the first variant's first repetition
	// again right after the scenario, with a second load generator, before
	// the audit; scenarios it cannot mirror are left alone.
	CrossCheck CrossChecker
	// Progress reports as the bench goes; nil reports nothing.
	Progress *Progress
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Run runs the bench. It returns what it measured so far along with an error
// if a variant fails or ctx ends; every deployment is stopped either way. A
// variant with a function platform also gets the platform's account, fetched
// after the load and before the audit; and a variant whose deployment
// reports its usage gets what its replicas used, sampled every 500 ms while
// the scenario ran (see results.Resources); and one whose components
// report their SQLite writers (variants.Variant.Writers) gets what each
// writer did, sampled at the end of the scenario's warm-up and right
// after its load (see results.WriterUsage), and in a ramp also step by step (see Ramp). An
// invalid catalog, or one too small for the journeys (see CheckProducts),
// fails it before anything is deployed.
// The run's params record the payment provider's settings, the catalog
// ("catalog", in shop.CatalogSpec's text form) and any replicas asked for
// ("replicas", as -replicas takes them) beside the scenario's own.
func (b *Bench) Run(ctx context.Context) (results.Run, error) {
	run := results.NewRun(b.Scenario.Name(), b.Profile, time.Now())
	catalog := b.Env.SeededCatalog()
	if err := catalog.Validate(); err != nil {
		return run, fmt.Errorf("catalog: %w", err)
	}
	if err := CheckProducts(catalog.Count); err != nil {
		return run, fmt.Errorf("catalog: %w", err)
	}
	run.Params = b.Scenario.Params()
	run.Params["psp"] = map[string]any{
		"latency_median_ms": float64(b.Env.PSPLatencyMedian) / 1e6, "latency_p99_ms": float64(b.Env.PSPLatencyP99) / 1e6,
		"decline_rate": b.Env.PSPDeclineRate, "error_rate": b.Env.PSPErrorRate,
	}
	// In its text form (what -catalog takes), so that a seed beyond 2^53
	// survives being read back as JSON.
	run.Params["catalog"] = catalog.String()
	if len(b.Env.Replicas) > 0 {
		run.Params["replicas"] = runtime.FormatCounts(b.Env.Replicas)
	}
	note := b.RuntimeNote
	if note == "" {
		note = fmt.Sprintf("Runtime %q; variants ran one at a time, each with the whole machine (%d CPUs), so every variant had the same resource budget.", b.Runtime.Name(), run.Machine.CPUs)
	}
	run.Notes = append(run.Notes, note)
	reps := b.Repetitions
	if r, ok := b.Scenario.(Repeated); ok && reps == 0 {
		reps = r.Repetitions()
	}
	reps = max(reps, 1)
	if _, ok := run.Params["runs"]; ok {
		run.Params["runs"] = reps // as run: -count overrides the scenario's own
	}
	var err error
	for rep := 1; rep <= reps && err == nil; rep++ {
		var legs []leg
		for _, v := range b.Variants {
			legs = append(legs, b.legs(b.Runtime, v)...)
		}
		if b.SideBySide != nil && len(b.Variants) > 0 {
			legs = append(legs, b.legs(b.SideBySide, b.Variants[0])...)
		}
		for _, l := range legs {
			var res results.VariantResult
			if res, err = b.runOne(ctx, l, rep, reps); err != nil {
				err = fmt.Errorf("%s on %s (%s runtime): %w", b.Scenario.Name(), l.name(), l.rt.Name(), err)
				break
			}
			run.Variants = append(run.Variants, res)
		}
	}
	if b.SideBySide != nil && len(b.Variants) > 0 {
		run.Notes = append(run.Notes, fmt.Sprintf("%s also ran on the %s runtime, for comparison: it had the whole machine there.", b.Variants[0].Name, b.SideBySide.Name()))
	}
	if f, ok := b.Scenario.(RunFinisher); ok {
		f.FinishRun(&run)
	}
	run.FinishedAt = time.Now()
	return run, err
}

// CrossChecker drives a deployment with a scenario's load from a second
// load generator.
type CrossChecker interface {
	// CrossCheck drives t (its BaseURL, over its catalog's Products,
	// reporting on its Progress) with sc's load and returns what the other
	// generator measured; ok is false when it cannot mirror sc.
	CrossCheck(ctx context.Context, t Target, sc Scenario) (res results.VariantResult, ok bool, err error)
}

// Repeated is a scenario that runs more than once per variant unless told
// otherwise, so that its figures come with confidence intervals.
type Repeated interface {
	// Repetitions is how many times each variant runs by default.
	Repetitions() int
}

// preparer is a runtime that can build what a plan runs before deploying it.
type preparer interface {
	// Prepare builds p's programs (and images) without starting them.
	Prepare(ctx context.Context, p runtime.Plan) error
}

// deployTimed deploys plan on rt and returns how long it took to be ready.
// A runtime that can prepare builds first, off the clock, so that the ready
// time is start-up alone: the same on the first repetition, which would
// otherwise also compile every program, as on the later ones. A build that
// took long is reported on p, after label.
func deployTimed(ctx context.Context, rt runtime.Runtime, plan runtime.Plan, p *Progress, label string) (runtime.Deployment, time.Duration, error) {
	if pr, ok := rt.(preparer); ok {
		started := time.Now()
		if err := pr.Prepare(ctx, plan); err != nil {
			return nil, 0, err // the runtime says what it was building
		}
		if took := time.Since(started); took >= time.Second {
			p.Printf("%s: built in %s (not counted in the ready time)", label, took.Round(100*time.Millisecond))
		}
	}
	started := time.Now()
	dep, err := rt.Deploy(ctx, plan)
	if err != nil {
		return nil, 0, fmt.Errorf("deploy: %w", err)
	}
	return dep, time.Since(started), nil
}

// leg is one variant, with one setting, on one runtime.
type leg struct {
	rt      runtime.Runtime
	v       variants.Variant
	setting Setting
}

func (l leg) name() string {
	if l.setting.Label == "" {
		return l.v.Name
	}
	return l.v.Name + " (" + l.setting.Label + ")"
}

// legs are the runs of v on rt: one, or one per setting the scenario
// varies for it.
func (b *Bench) legs(rt runtime.Runtime, v variants.Variant) []leg {
	vr, ok := b.Scenario.(Varier)
	if !ok {
		return []leg{{rt: rt, v: v, setting: Setting{Env: b.Env}}}
	}
	var out []leg
	for _, s := range vr.Settings(v, b.Env) {
		out = append(out, leg{rt: rt, v: v, setting: s})
	}
	return out
}

func (b *Bench) runOne(ctx context.Context, l leg, rep, reps int) (res results.VariantResult, err error) {
	rt, v := l.rt, l.v
	progress := b.Progress.For(b.Scenario.Name(), l.name(), rep, reps)
	progress.Printf("%s %s: deploying on the %s runtime", b.Scenario.Name(), l.name(), rt.Name())
	plan, err := v.Plan(l.setting.Env)
	if err != nil {
		return res, err
	}
	plan.CPUs = l.setting.CPUs
	dep, ready, err := deployTimed(ctx, rt, plan, progress, b.Scenario.Name()+" "+l.name())
	if err != nil {
		return res, err
	}
	defer func() {
		// Stop even when ctx is done (Ctrl-C): a fresh context bounds it.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err = errors.Join(err, dep.Stop(sctx))
	}()
	progress.Printf("%s %s: ready in %s at %s", b.Scenario.Name(), l.name(), ready.Round(time.Millisecond), dep.EntryURL())

	// Sample what the replicas use while the scenario runs, if the
	// runtime can tell; the sampler's goroutine ends with the scenario.
	usage := startUsage(ctx, dep, rt.Name(), usageInterval, b.logger().With("variant", v.Name))
	// Sample the SQLite writers right before the scenario (again when
	// its warm-up ends: see prepare) and right after it: the cross-check
	// and the audit below write too. The target carries the sampler for a
	// scenario that samples its phases.
	writers := startWriters(ctx, dep, v.Writers)
	target := Target{BaseURL: dep.EntryURL(), Variant: v.Name, Runtime: rt.Name(), Repetition: rep, Progress: progress,
		Setting: l.setting.Label, Deployment: dep, Products: l.setting.Env.SeededCatalog().Count, writers: writers}
	res, err = b.Scenario.Run(ctx, target)
	writerUse, writerNotes := writers.stop(ctx)
	resources, note := usage.stop(ctx)
	if err != nil {
		return res, err
	}
	if cpu := usage.meter(); cpu != nil {
		setTotalCPU(&res, cpu)
		if p, ok := b.Scenario.(PhaseCPUSetter); ok {
			p.SetPhaseCPU(&res, cpu)
		}
	}
	if resources != nil {
		res.Resources = resources
		t := resources.Total
		progress.Printf("%s %s: resources (%s): %.1f CPU s, %.2f cores on average, %.0f MB peak",
			b.Scenario.Name(), v.Name, resources.Source, t.CPU.Seconds(), t.CPUCoresAvg, float64(t.MemPeakBytes)/(1<<20))
	}
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	res.Writers = writerUse
	res.Notes = append(res.Notes, writerNotes...)
	if line := writerLine(writerUse); line != "" {
		progress.Printf("%s %s: writers: %s", b.Scenario.Name(), v.Name, line)
	}
	if v.Platform != "" {
		us := dep.URLs(v.Platform)
		if len(us) == 0 {
			return res, fmt.Errorf("function platform: component %s has no URL", v.Platform)
		}
		if err := addPlatform(ctx, us[0], v.Platform, &res); err != nil {
			return res, fmt.Errorf("function platform %s: %w", v.Platform, err)
		}
		t := res.Platform.Total
		progress.Printf("%s %s: platform: %d invocations, %d cold starts, %d throttles, %.3f GB-s billed",
			b.Scenario.Name(), v.Name, t.Invocations, t.ColdStarts, t.Throttles, t.GBSeconds)
	}
	if f, ok := b.Scenario.(Finisher); ok {
		f.Finish(&res)
	}
	if b.CrossCheck != nil && rep == 1 && len(b.Variants) > 0 && l.v.Name == b.Variants[0].Name && l.rt == b.Runtime {
		cc, ok, err := b.CrossCheck.CrossCheck(ctx, target, b.Scenario)
		switch {
		case err != nil && ctx.Err() != nil:
			return res, err
		case err != nil:
			// A broken second generator must not cost the measurements.
			res.Notes = append(res.Notes, "The cross-check with a second load generator failed: "+err.Error())
			progress.Printf("%s %s: cross-check failed: %v", b.Scenario.Name(), v.Name, err)
		case ok:
			cc.Variant, cc.Runtime, cc.Entry = v.Name, rt.Name(), plan.Entry
			res.CrossCheck = &cc
			progress.Printf("%s %s: cross-check by %s: %d requests, p50 %.2f ms, p99 %.2f ms, %.2f%% errors",
				b.Scenario.Name(), v.Name, cc.Generator.Name, cc.Total.Count, cc.Total.LatencyMs.P50, cc.Total.LatencyMs.P99, 100*cc.Total.ErrorRate)
		}
	}
	auditStart := time.Now()
	rep2, err := Audit(ctx, dep, v)
	if err != nil {
		return res, fmt.Errorf("audit: %w", err)
	}
	res.Audit = rep2
	res.Hops = v.Hops
	res.Setting = l.setting.Label
	res.Entry = plan.Entry
	res.ReadySec = ready.Seconds()
	verdict := "passed"
	if !rep2.Passed {
		verdict = "FAILED"
	}
	// The audit's time is mostly its wait for the data to settle
	// (auditSettle): a long one says something was slow to converge.
	progress.Printf("%s %s: %d requests, p99 %.2f ms, %.2f%% errors; audit %s in %.1f s",
		b.Scenario.Name(), v.Name, res.Total.Count, res.Total.LatencyMs.P99, 100*res.Total.ErrorRate, verdict, time.Since(auditStart).Seconds())
	return res, nil
}

// logger returns b.Log, or a logger that discards.
func (b *Bench) logger() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

// auditSettle bounds the wait for owed saga steps, pending orders and
// undelivered confirmations before the audit judges: longer than the stale age after which a variant
// recovers a checkout its process lost (shop/local, services/orders).
const auditSettle = 30 * time.Second

// Audit checks a deployed variant's data: it fetches the facts from the
// variant's data owners and the charges from the payment provider.
func Audit(ctx context.Context, dep runtime.Deployment, v variants.Variant) (*results.Audit, error) {
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	var urls []string
	for _, name := range v.AuditSources {
		us := dep.URLs(name)
		if len(us) == 0 {
			return nil, fmt.Errorf("component %s has no URL", name)
		}
		urls = append(urls, us[0])
	}
	facts, err := audit.FetchSettled(ctx, client, auditSettle, urls...)
	if err != nil {
		return nil, err
	}
	psp := dep.URLs(variants.PSPName)
	if len(psp) == 0 {
		return nil, errors.New("no payment provider in the deployment")
	}
	charges, err := payment.NewClient(psp[0], payment.WithHTTPClient(client), payment.WithTimeout(time.Minute)).Charges(ctx)
	if err != nil {
		return nil, err
	}
	verdict := audit.Verify(facts, charges)
	out := &results.Audit{Passed: verdict.Passed}
	for _, c := range verdict.Checks {
		out.Checks = append(out.Checks, results.AuditCheck{Name: c.Name, Passed: c.Passed, Detail: c.Detail})
	}
	return out, nil
}
