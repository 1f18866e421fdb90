package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/archbench/archbench/calibrate"
	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/sim"
	"github.com/archbench/archbench/simrun"
)

const simulateHelp = `
Predicts, with the discrete-event simulator (package sim), what a model of an
architecture does at a rate this machine cannot offer: latency, throughput,
replicas and function instances, cold starts, and — priced like a measured
run — cost. Every figure it writes is modeled, and labelled so.

A model is a JSON file: stations (multi-server queues, replicated, with an
optional autoscaler), function pools (an instance per concurrent request,
cold starts, keep-alive, concurrency limits), the operations' routes
through them, and the arrival rate. sim/testdata holds a textbook M/M/1
queue and a hand-written microservices model; 'archbench simulate
-calibrate RUN' writes one model per variant calibrated from a measured
steady run, which you can read and edit.

  archbench simulate -model m.json -rate 50000 -instances cpu=40
  archbench simulate -model m.json -rate 50000 -size cpu -slo-p99 100ms
  archbench simulate -model m.json -rate 50000 -size account -slo-p99 100ms
  archbench simulate -model a.json,b.json -sweep 10,100,1000,10000,100000
  archbench simulate -model m.json -phases 30s:1000,10s:8000,60s:1000 -slo-p99 100ms
  archbench simulate -model m.json -phases 30s:1000,10s:8000,60s:1000 -size checkout -slo-p99 100ms
  archbench simulate -model m.json -phases 30s:1000,10s:8000,60s:1000 -size functions -slo-p99 100ms

-size finds the fewest replicas of a station that keep the p99 within
-slo-p99 with every request served and no queue saturated, simulating
each count it tries (at -rate, or at each rate of -sweep), and says so;
when more replicas stop helping (doubling them cuts the p99 by under 5 %),
it names what is full instead, such as a database's single writer. Given
a function pool, it finds the lowest concurrency limit (max_concurrency:
a function's reserved concurrency or, where one pool stands for every
function, the account's limit) at which the pool throttles nothing over
the simulated requests: the peak of a run that long, which longer runs
and bursts exceed, so ask the provider for more. Given "account", in a
model with a pool per function, it sizes the account's limit over all
of them (account_concurrency) the same way. With -phases, -size sizes
for every second of the phases (no second's p99 over -slo-p99): a
station's replicas, or the fewest instances to provision in a pool, warm
from the start, that take a burst's cold starts away; given "functions",
in a model with a pool per function, every function's, one after
another, and what they cost a month.

-phases runs each model through phases of DURATION:RATE, one after
another, after a 10 s warm-up rising to the first one's rate, and records every
second: requests, errors and throttles, cold starts, instances, p50 and
p99 (of the requests that arrived in the second, as a measured series
counts them by the second they were sent). Three phases whose middle
one is the highest and whose first and last are alike are a spike: the
report then gives the spike's figures as the bench's spike scenario does
(the worst p99 during the burst, errors, the seconds to recover), with
-slo-p99 as its SLO (default 50 ms, as the bench's). The model's faults
and bursts count from the first phase's start.

Writes OUT/<run-id>/results.json and REPORT.md, with charts, as the bench
does (the sweep as ramp steps: latency against load, cost against traffic).`

func runSimulate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "simulate", "[flags]", simulateHelp)
	models := fs.String("model", "", "comma-separated model `files` to simulate")
	rate := fs.Float64("rate", 0, "requests per second to simulate at (default: each model's own)")
	sweep := fs.String("sweep", "", "comma-separated request rates to simulate each model at, e.g. 10,100,1000")
	phases := fs.String("phases", "", "phases, as `DURATION:RATE,...`, to simulate each model through, second by second,\ne.g. 30s:1000,10s:8000,60s:1000 (a spike)")
	instances := fs.String("instances", "", "replicas of stations, or provisioned instances of pools, as name=N,...;\naccount=N sets the account's concurrency limit over every pool")
	size := fs.String("size", "", "a queueing station or a function pool to size (its `name`), or account: the fewest replicas,\nor the lowest concurrency limit, that keep the p99 within -slo-p99 at -rate, or at each rate of -sweep;\nwith -phases, replicas or a pool's provisioned instances, for every second of the phases")
	sloP99 := fs.Duration("slo-p99", 0, "with -size: the p99 latency to keep (e.g. 100ms); with -phases, a spike's SLO")
	requests := fs.Int("requests", 200_000, "requests each simulation counts after its warm-up")
	seed := fs.Uint64("seed", sim.DefaultSeed, "the simulator's seed: the same seed gives the same prediction")
	out := fs.String("out", "results", "directory for run folders")
	pricingPath := fs.String("pricing", "", "JSON `file` of cloud prices, as for bench (default: cost/pricing.json)")
	calibrateRun := fs.String("calibrate", "", "a measured steady `run` (folder or results.json): write a model of each of\nits variants, calibrated from it, into -models-out, instead of simulating")
	validateRun := fs.String("validate", "", "with -calibrate: a measured ramp `run` to check the models against, at rates\nthey were not calibrated on")
	loadRun := fs.String("load", "", "with -calibrate: a measured `run` at other rates (a spike run: its base and\nburst) to fit how the models' latencies change with load")
	modelsOut := fs.String("models-out", "models", "with -calibrate: the `directory` the model files go to")
	demand := fs.String("demand", string(demandAuto), "with -calibrate: where a request's CPU demand comes from: floor (its fastest\n"+
		"latency), cpu (the CPU the run accounted per request), marginal (the slope\n"+
		"of CPU against throughput over the calibration run and -load's phases, from\n"+
		"the calibration rate up when they allow), or\n"+
		"auto: marginal where the CPU was measured at rates far enough apart, else floor")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireDirs(fs, "out", "models-out"); err != nil {
		return err
	}
	if *calibrateRun != "" {
		if *models != "" {
			return badFlag(fs, errors.New("-calibrate writes models; -model simulates them: give one of the two"))
		}
		set := setFlags(fs)
		var ignored []string
		for _, name := range []string{"rate", "sweep", "phases", "instances", "requests", "out", "pricing", "size", "slo-p99"} {
			if set[name] {
				ignored = append(ignored, "-"+name)
			}
		}
		if len(ignored) > 0 {
			return badFlag(fs, fmt.Errorf("%s simulate a model and do not apply to -calibrate, which writes models (then run them with -model)", strings.Join(ignored, ", ")))
		}
		d, err := parseDemand(*demand)
		if err != nil {
			return badFlag(fs, err)
		}
		return calibrateModels(ctx, env, fs, calibrationRuns{from: *calibrateRun, load: *loadRun, against: *validateRun}, *modelsOut, *seed, d)
	}
	if *validateRun != "" || *loadRun != "" || setFlags(fs)["demand"] {
		return badFlag(fs, errors.New("-validate, -load and -demand go with -calibrate: give -calibrate too"))
	}
	if *models == "" {
		return badFlag(fs, errors.New("-model is required: a model file such as sim/testdata/microservices.json"))
	}
	if *requests < 1000 || *requests > 100_000_000 {
		return badFlag(fs, fmt.Errorf("-requests must be 1000..100000000, but is %d", *requests))
	}
	set := setFlags(fs)
	if set["rate"] && !(*rate > 0 && *rate <= 1e7) {
		return badFlag(fs, fmt.Errorf("-rate must be in (0, 10000000] requests/s, but is %g", *rate))
	}
	rates, err := parseRates(*sweep)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-sweep: %w", err))
	}
	var phased []sim.Phase
	if set["phases"] {
		if phased, err = simrun.ParsePhases(*phases); err != nil {
			return badFlag(fs, fmt.Errorf("-phases: %w", err))
		}
	}
	switch {
	case *size != "" && !set["slo-p99"]:
		return badFlag(fs, errors.New("-size needs -slo-p99: the p99 latency the count must keep"))
	case set["slo-p99"] && *size == "" && phased == nil:
		return badFlag(fs, errors.New("-slo-p99 goes with -size, the station or pool to size, or with -phases, a spike's SLO"))
	case set["slo-p99"] && *sloP99 <= 0:
		return badFlag(fs, fmt.Errorf("-slo-p99 must be > 0, but is %s", *sloP99))
	}
	switch {
	case len(rates) > 0 && set["rate"]:
		return badFlag(fs, errors.New("-rate and -sweep cannot be given together: a sweep's rates are its own"))
	case phased != nil && (set["rate"] || len(rates) > 0):
		return badFlag(fs, errors.New("-phases cannot be given with -rate or -sweep: the phases' rates are their own"))
	case phased != nil && set["requests"]:
		return badFlag(fs, errors.New("-requests does not apply to -phases: the phases' durations and rates say how many requests arrive"))
	}
	counts, err := runtime.ParseCountsUpTo(*instances, 10_000)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-instances: %w", err))
	}
	pricing, err := loadPricing(*pricingPath)
	if err != nil {
		return badFlag(fs, err)
	}
	var ms []sim.Model
	for _, path := range strings.Split(*models, ",") {
		m, err := loadModel(path)
		if err != nil {
			return badFlag(fs, fmt.Errorf("-model: %w", err))
		}
		if m, err = withInstances(m, counts); err != nil {
			return badFlag(fs, fmt.Errorf("-instances: %w", err))
		}
		if phased == nil && sizesEveryFunction(m, *size) {
			return badFlag(fs, fmt.Errorf("-size functions: model %s has a pool per function, whose provisioned instances -size functions sizes through -phases; at a rate, size the account's limit (-size account) or one function's by its name", m.Name))
		}
		ms = append(ms, m)
	}

	run := results.NewRun("simulate", "modeled", time.Now())
	run.Params = map[string]any{"models": *models, "seed": *seed, "requests": *requests, "instances": *instances}
	if phased != nil {
		delete(run.Params, "requests")
		run.Params["phases"] = *phases
	}
	spikeSLO := phaseSLO
	if set["slo-p99"] {
		spikeSLO = *sloP99
	}
	run.Notes = append(run.Notes, "Every figure in this run is modeled by the simulator, not measured: see each result's notes, and the model files.")
	opts := []simrun.Option{simrun.WithSeed(*seed), simrun.WithRequests(*requests)}
	var sizings []string
	sloMs := float64(*sloP99) / float64(time.Millisecond)
	for _, m := range ms {
		fmt.Fprintf(env.Stderr, "simulate %s: ", m.Name)
		var v results.VariantResult
		if phased != nil {
			fmt.Fprintf(env.Stderr, "%s\n", simrun.PhasesText(phased))
			var line string
			v, line, err = simulatePhases(ctx, m, phased, *size, spikeSLO, pricing.table(), opts)
			if line != "" {
				sizings = append(sizings, m.Name+" (modeled): "+line)
			}
		} else if len(rates) > 0 {
			fmt.Fprintf(env.Stderr, "%d rates from %g to %g req/s\n", len(rates), rates[0], rates[len(rates)-1])
			if *size != "" {
				var ss []simrun.Sizing
				v, ss, err = simrun.SizedSweep(ctx, m, rates, *size, sloMs, opts...)
				if err == nil {
					sizings = append(sizings, m.Name+" (modeled): "+simrun.SweepSizing(ss))
				}
			} else {
				v, err = simrun.Sweep(ctx, m, rates, opts...)
			}
		} else {
			r := m.Arrivals.RatePerSec
			if set["rate"] {
				r = *rate
			}
			fmt.Fprintf(env.Stderr, "%g req/s\n", r)
			if *size != "" {
				var s simrun.Sizing
				s, v, err = simrun.Size(ctx, m, r, *size, sloMs, opts...)
				if err == nil {
					sizings = append(sizings, m.Name+" (modeled): "+s.String())
				}
			} else {
				v, _, err = simrun.At(ctx, m, r, opts...)
			}
		}
		if err != nil {
			return err
		}
		run.Variants = append(run.Variants, v)
	}
	run.FinishedAt = time.Now()
	dir, err := save(*out, run, pricing, env.Stderr)
	if err != nil {
		return err
	}
	if err := report.Terminal(env.Stdout, run, pricing.options()...); err != nil {
		return err
	}
	for _, v := range run.Variants {
		if n := simrun.StationsNote(v); n != "" {
			fmt.Fprintf(env.Stdout, "\n%s (modeled): %s\n", v.Variant, n)
		}
	}
	for _, s := range sizings {
		fmt.Fprintf(env.Stdout, "\n%s\n", s)
	}
	fmt.Fprintf(env.Stdout, "\nReport (modeled): %s\nData:   %s\n", filepath.Join(dir, report.FileName), filepath.Join(dir, results.FileName))
	return nil
}

// calibrationRuns name the runs -calibrate, -load and -validate read.
type calibrationRuns struct{ from, load, against string }

// calibrateModels writes a calibrated model of each variant of a steady
// run, its load curve fitted to a run at other rates when given, and with
// a ramp run, how well each predicts it.
func calibrateModels(ctx context.Context, env *Env, fs *flag.FlagSet, runs calibrationRuns, dir string, seed uint64, demand calibrate.Demand) error {
	run, err := results.Read(runs.from)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-calibrate: %w", err))
	}
	read := func(flag, path string) (*results.Run, error) {
		if path == "" {
			return nil, nil
		}
		r, err := results.Read(path)
		if err != nil {
			return nil, badFlag(fs, fmt.Errorf("-%s: %w", flag, err))
		}
		return &r, nil
	}
	ramp, err := read("validate", runs.against)
	if err != nil {
		return err
	}
	load, err := read("load", runs.load)
	if err != nil {
		return err
	}
	cals, sums, err := calibrateRunModels(ctx, run, load, ramp, demand, calibrate.WithSeed(seed))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	for _, c := range cals {
		path, err := writeModel(dir, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: model written to %s (CPU demand %.3f ms per request, capacity %.0f req/s on %d CPUs; modeled)\n",
			c.Source.Variant, path, c.DemandMs, c.CapacityPerSec, run.Machine.CPUs)
	}
	if len(sums) > 0 {
		fmt.Fprintln(env.Stdout)
		if err := calibrate.WriteOverview(env.Stdout, sums...); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout)
		return calibrate.WriteMarkdown(env.Stdout, sums...)
	}
	return nil
}

// demandAuto is -demand's default: calibrate.DemandMarginal where it can
// be fitted, else calibrate.DemandFloor.
const demandAuto calibrate.Demand = "auto"

// parseDemand reads -demand.
func parseDemand(s string) (calibrate.Demand, error) {
	switch calibrate.Demand(s) {
	case demandAuto:
		return demandAuto, nil
	case "floor":
		return calibrate.DemandFloor, nil
	case "cpu":
		return calibrate.DemandCPU, nil
	case "marginal":
		return calibrate.DemandMarginal, nil
	}
	return "", fmt.Errorf("-demand must be auto, floor, cpu or marginal, but is %q", s)
}

// calibrateRunModels calibrates a model of each variant of a steady run,
// its CPU demand as demand says, with its load curve fitted to load's
// windows when load is given, and, when ramp is given, validates it
// against the ramp's steps. The variants are calibrated in parallel, as
// many at once as there are CPUs to simulate on; each calibration is
// seeded, so the models and summaries do not depend on the order they
// finish in, and come back in the run's order.
func calibrateRunModels(ctx context.Context, run results.Run, load, ramp *results.Run, demand calibrate.Demand, opts ...calibrate.Option) ([]calibrate.Calibration, []calibrate.Summary, error) {
	var variants []string
	for _, v := range run.Variants {
		if !slices.Contains(variants, v.Variant) {
			variants = append(variants, v.Variant)
		}
	}
	type modeled struct {
		cal  calibrate.Calibration
		sums []calibrate.Summary
	}
	out := make([]modeled, len(variants))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(goruntime.GOMAXPROCS(0))
	for i, variant := range variants {
		g.Go(func() error {
			var err error
			out[i].cal, out[i].sums, err = calibrateVariant(ctx, run, load, ramp, variant, demand, opts)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var (
		cals []calibrate.Calibration
		sums []calibrate.Summary
	)
	for _, m := range out {
		cals, sums = append(cals, m.cal), append(sums, m.sums...)
	}
	return cals, sums, nil
}

// calibrateVariant is calibrateRunModels for one variant: its model, and
// its validations against ramp when ramp has the variant.
func calibrateVariant(ctx context.Context, run results.Run, load, ramp *results.Run, variant string, demand calibrate.Demand, opts []calibrate.Option) (calibrate.Calibration, []calibrate.Summary, error) {
	vopts := opts
	if load != nil && slices.ContainsFunc(load.Variants, func(r results.VariantResult) bool { return r.Variant == variant }) {
		ps, err := calibrate.LoadPoints(*load, variant)
		if err != nil {
			return calibrate.Calibration{}, nil, fmt.Errorf("load points of %s: %w", variant, err)
		}
		vopts = append(slices.Clip(opts), calibrate.WithLoadPoints(ps...))
	}
	c, err := calibrateDemand(ctx, run, variant, demand, vopts)
	if err != nil {
		return c, nil, fmt.Errorf("calibrate %s: %w", variant, err)
	}
	if ramp == nil || !slices.ContainsFunc(ramp.Variants, func(r results.VariantResult) bool { return r.Variant == variant }) {
		return c, nil, nil
	}
	s, err := calibrate.Validate(ctx, c.Model, *ramp, variant, opts...)
	if err != nil {
		return c, nil, fmt.Errorf("validate %s: %w", variant, err)
	}
	sums := []calibrate.Summary{s}
	if !slices.ContainsFunc(ramp.Variants, func(r results.VariantResult) bool { return r.Variant == variant && r.Ramp != nil }) {
		return c, sums, nil
	}
	if s, err = calibrate.ValidateLeaveOneOut(ctx, c.Model, *ramp, variant, opts...); err != nil {
		return c, nil, fmt.Errorf("validate %s leaving one rate out: %w", variant, err)
	}
	return c, append(sums, s), nil
}

// calibrateDemand calibrates variant's model from run with demand; auto
// tries calibrate.DemandMarginal and, when there is too little to fit it,
// falls back to calibrate.DemandFloor and says why in the notes.
func calibrateDemand(ctx context.Context, run results.Run, variant string, demand calibrate.Demand, opts []calibrate.Option) (calibrate.Calibration, error) {
	if demand != demandAuto {
		return calibrate.FromRun(ctx, run, variant, append(slices.Clip(opts), calibrate.WithDemand(demand))...)
	}
	c, err := calibrate.FromRun(ctx, run, variant, append(slices.Clip(opts), calibrate.WithDemand(calibrate.DemandMarginal))...)
	if !errors.Is(err, calibrate.ErrNoMarginalCPU) {
		return c, err
	}
	c, ferr := calibrate.FromRun(ctx, run, variant, append(slices.Clip(opts), calibrate.WithDemand(calibrate.DemandFloor))...)
	if ferr != nil {
		return c, ferr
	}
	c.Notes = append(c.Notes, fmt.Sprintf("The demand is the latency floor: the marginal CPU could not be fitted (%v).", err))
	return c, nil
}

// writeModel writes a calibration's model to dir/<variant>.json.
func writeModel(dir string, c calibrate.Calibration) (string, error) {
	path := filepath.Join(dir, c.Source.Variant+".json")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("write model: %w", err)
	}
	err = c.Model.Write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write model %s: %w", path, err)
	}
	return path, nil
}

// loadModel reads a model file.
func loadModel(path string) (sim.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return sim.Model{}, err
	}
	defer f.Close()
	m, err := sim.Load(f)
	if err != nil {
		return sim.Model{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// withInstances sets replicas of stations and provisioned instances of
// pools by name, and the account's concurrency limit as simrun.Account; a
// name the model lacks is an error naming it.
func withInstances(m sim.Model, counts map[string]int) (sim.Model, error) {
	m.Pools = append([]sim.Pool(nil), m.Pools...)
	for name, n := range counts {
		var found bool
		m, found = simrun.SetReplicas(m, name, n)
		for i := range m.Pools {
			if m.Pools[i].Name == name {
				found = true
				m.Pools[i].Provisioned = n
			}
		}
		if !found && name == simrun.Account && len(m.Pools) > 0 {
			found, m = true, simrun.SetAccount(m, n)
		}
		if !found {
			var names []string
			for _, s := range m.Stations {
				names = append(names, s.Name)
			}
			for _, p := range m.Pools {
				names = append(names, p.Name)
			}
			if len(m.Pools) > 0 {
				names = append(names, simrun.Account)
			}
			return m, fmt.Errorf("model %s has no station or pool %q; it has %s", m.Name, name, strings.Join(names, ", "))
		}
	}
	return m, m.Validate()
}

// parseRates reads a comma-separated list of positive rates.
func parseRates(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	var out []float64
	for i, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(r > 0 && r <= 1e7) {
			return nil, fmt.Errorf("rate %d must be a number in (0, 10000000] requests/s, but is %q", i+1, f)
		}
		out = append(out, r)
	}
	return out, nil
}
