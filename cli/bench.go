package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/archbench/archbench/calibrate"
	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/internal/atomicfile"
	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/runtime/process"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

const benchHelp = `
Runs a scenario against each variant in turn, on a fresh deployment each, with
open-loop load from the built-in generator, audits each variant's data after
its run, and writes OUT/<run-id>/results.json and REPORT.md (OUT/latest points
at the newest run). The same tables print here.

Variants run as local processes (-runtime process, the default) or in Docker
containers under an equal resource budget (-runtime docker; see -cpus and
-memory-mb); with docker the first variant also runs as processes, so the
report shows both runtimes side by side (-side-by-side=false to skip it).

Scenarios: steady (a fixed rate of user journeys after a warm-up, three
           times per variant, with k6 cross-checking the first);
           ramp (the rate doubles each step until the variant saturates;
           why it stopped, and the Universal Scalability Law fitted);
           spike (a base rate, a burst of 8x it, the base again: errors,
           throttles, latency and the time to recover the p99 SLO);
           coldstart (bursts after idle gaps, the first on a fresh
           deployment; function platforms once per keep-alive and once
           pre-warmed); fault (a crash, latency, errors, a leak or a CPU
           hog in a capability's code, then healed: availability per
           operation and the blast radius); deploy
           (a rolling redeploy of what hosts a capability, under load); all
           (each of them in turn, a report each).
Profiles:  quick (steady: 3 × (2 s warm-up + 6 s) per variant; spike:
           2 s + 4 s base, 5 s burst, 8 s base; fault: a sample of the
           matrix), full (steady 5 × (30 s + 2 min); spike 30 s +
           30/30/90 s; fault: every kind in every capability).
With all, a SUMMARY.md beside the reports sums them up on one page and,
from steady and ramp, calibrates a simulator model of each variant and
says how well it predicts the ramp (see archbench simulate).
Flags given explicitly override the profile's values. Or -file PATH reads
the scenario, its profile and its parameters from a JSON file instead, e.g.
{"scenario": "spike", "params": {"base_per_sec": 40, "factor": 6}}.`

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench", "[flags]", benchHelp)
	scenario := fs.String("scenario", "steady", "scenario to run: steady, ramp (the rate doubles each step until the variant\nsaturates; -rate sets the first step, -duration each step's length), spike (a\nburst of 8x the base rate; -rate sets the base), coldstart (bursts after idle\ngaps, per keep-alive and pre-warmed), fault (crash the components hosting one\ncapability, then restart them: blast radius), deploy (a rolling redeploy of one\ncapability under load), or all (each in turn, a report each)")
	profile := fs.String("profile", "quick", "parameter profile: quick or full")
	file := fs.String("file", "", "JSON `file` naming the scenario, its profile and its params, instead of\n-scenario, -profile and the load flags: {\"scenario\": \"spike\", \"profile\": \"quick\",\n\"params\": {\"base_per_sec\": 40, \"factor\": 6}} (see scenarios/testdata)")
	variantList := fs.String("variants", "all", "comma-separated variants to compare, or all ("+joinNames()+")")
	rtf := runtimeFlagsOn(fs)
	sideBySide := fs.Bool("side-by-side", true, "with -runtime docker: also run the first variant as local processes, so the\nreport sets the two runtimes side by side")
	out := fs.String("out", "results", "directory for run folders")
	count := fs.Int("count", 0, "repetitions per variant, interleaved across variants (default: the scenario's:\nsteady runs 3 times in the quick profile and 5 in full, the others once)")
	rate := fs.Float64("rate", 0, "journeys started per second (default: the profile's)")
	duration := fs.Duration("duration", 0, "measured duration per variant (default: the profile's)")
	warmup := fs.Duration("warmup", 0, "warm-up before measuring (default: the profile's)")
	mix := fs.String("mix", "", "journey mix as name=weight,... (default: the profile's: browse=70,add-to-cart=20,checkout=10)")
	seed := fs.Uint64("seed", 0, "seed for the journeys' random choices (default: the profile's)")
	maxInFlight := fs.Int("max-in-flight", 0, "most concurrent journeys; beyond it journeys are dropped and counted (default: the profile's)")
	venv := variantEnvFlags(fs)
	pricingFile := fs.String("pricing", "", "JSON `file` of cloud prices for the cost sections, in the format of\ncost/pricing.json (every price with its source and date); default: that file")
	capacities := fs.String("capacities", "", "ramp with -runtime docker: run the whole ramp once per CPU budget, as comma-separated\nCPUs (e.g. 0.5,1,1.5,2; at least three), and fit the Universal Scalability Law to the most each\ncarried: scaling with allocated capacity")
	crossCheck := fs.Bool("k6", true, "steady: after the first variant's first run, drive it again with k6 (pinned in\ngo.mod as a Go tool) with the same load, and set the two generators' figures\nside by side in the report")
	verbose := fs.Bool("v", false, "log diagnostics to stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireDirs(fs, "out"); err != nil {
		return err
	}
	pricing, err := loadPricing(*pricingFile)
	if err != nil {
		return badFlag(fs, err)
	}

	set := setFlags(fs)
	// common applies the flags every scenario shares.
	common := func(w *time.Duration, m *string, sd *uint64, inFlight *int) {
		if set["warmup"] {
			*w = *warmup
		}
		if set["mix"] {
			*m = *mix
		}
		if set["seed"] {
			*sd = *seed
		}
		if set["max-in-flight"] {
			*inFlight = *maxInFlight
		}
	}
	var (
		sc  scenarios.Scenario
		all []scenarios.Scenario // what runs, in order
	)
	switch {
	case *file != "":
		// The file says everything the scenario flags would.
		var clash []string
		for _, name := range []string{"scenario", "profile", "rate", "duration", "warmup", "mix", "seed", "max-in-flight"} {
			if set[name] {
				clash = append(clash, "-"+name)
			}
		}
		if len(clash) > 0 {
			return badFlag(fs, fmt.Errorf("-file sets the scenario and its parameters, so %s cannot be given with it: set them in the file", strings.Join(clash, ", ")))
		}
		loaded, err := scenarios.LoadFile(*file)
		if err != nil {
			return badFlag(fs, fmt.Errorf("-file: %w", err))
		}
		sc, *profile = loaded, "file "+*file
	case *scenario == "steady":
		st, err := steadyFor(*profile, set, *rate, *duration)
		if err != nil {
			return badFlag(fs, err)
		}
		common(&st.Warmup, &st.Mix, &st.Seed, &st.MaxInFlight)
		if err := st.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = st
	case *scenario == "spike":
		sp, err := spikeFor(*profile, set, *rate)
		if err != nil {
			return badFlag(fs, err)
		}
		common(&sp.Warmup, &sp.Mix, &sp.Seed, &sp.MaxInFlight)
		if err := sp.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = sp
	case *scenario == "coldstart":
		cs, err := scenarios.ColdStartProfile(*profile)
		if err != nil {
			return badFlag(fs, fmt.Errorf("-%w", err))
		}
		if set["duration"] || set["warmup"] {
			return badFlag(fs, errors.New("-duration and -warmup do not apply to coldstart: its bursts and gaps come from the profile"))
		}
		if set["rate"] {
			cs.Rate = *rate
		}
		var none time.Duration
		common(&none, &cs.Mix, &cs.Seed, &cs.MaxInFlight)
		if err := cs.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = cs
	case *scenario == "ramp":
		rp, err := rampFor(*profile, set, *rate, *duration)
		if err != nil {
			return badFlag(fs, err)
		}
		common(&rp.Warmup, &rp.Mix, &rp.Seed, &rp.MaxInFlight)
		if err := rp.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = rp
	case *scenario == "fault" || *scenario == "deploy":
		profileOf := scenarios.FaultProfile
		if *scenario == "deploy" {
			profileOf = scenarios.DeployProfile
		}
		ft, err := profileOf(*profile)
		if err != nil {
			return badFlag(fs, fmt.Errorf("-%w", err))
		}
		if set["duration"] {
			return badFlag(fs, fmt.Errorf("-duration does not apply to %s: its windows come from the profile", *scenario))
		}
		if set["rate"] {
			ft.Rate = *rate
		}
		common(&ft.Warmup, &ft.Mix, &ft.Seed, &ft.MaxInFlight)
		if err := ft.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = ft
	case *scenario == "all":
		for _, name := range []string{"rate", "duration", "warmup"} {
			if set[name] {
				return badFlag(fs, fmt.Errorf("-%s does not apply to -scenario all: each scenario takes its profile's values", name))
			}
		}
		for _, p := range []func(string) (scenarios.Scenario, error){
			func(p string) (scenarios.Scenario, error) { return scenarios.SteadyProfile(p) },
			func(p string) (scenarios.Scenario, error) { return scenarios.RampProfile(p) },
			func(p string) (scenarios.Scenario, error) { return scenarios.SpikeProfile(p) },
			func(p string) (scenarios.Scenario, error) { return scenarios.ColdStartProfile(p) },
			func(p string) (scenarios.Scenario, error) { return scenarios.FaultProfile(p) },
			func(p string) (scenarios.Scenario, error) { return scenarios.DeployProfile(p) },
		} {
			one, err := p(*profile)
			if err != nil {
				return badFlag(fs, fmt.Errorf("-%w", err))
			}
			// -mix, -seed and -max-in-flight apply to every scenario.
			if one, err = withCommon(one, common); err != nil {
				return badFlag(fs, err)
			}
			all = append(all, one)
		}
	default:
		return badFlag(fs, fmt.Errorf("-scenario must be steady, ramp, spike, coldstart, fault, deploy or all, but is %q", *scenario))
	}
	if set["capacities"] {
		// On the ramp that runs, from -scenario or -file.
		rp, isRamp := sc.(scenarios.Ramp)
		if !isRamp {
			return badFlag(fs, errors.New("-capacities applies to the ramp scenario only"))
		}
		if rp.Capacities, err = parseRates(*capacities); err != nil {
			return badFlag(fs, fmt.Errorf("-capacities: %w", err))
		}
		if len(rp.Capacities) > 0 && rtf.name == "process" {
			return badFlag(fs, errors.New("-capacities needs a runtime that enforces a CPU budget: add -runtime docker"))
		}
		if err := rp.Validate(); err != nil {
			return badFlag(fs, err)
		}
		sc = rp
	}
	if sc != nil {
		all = []scenarios.Scenario{sc}
	}
	vs, err := variants.Parse(*variantList)
	if err != nil {
		return badFlag(fs, fmt.Errorf("-variants: %w", err))
	}
	if err := rtf.validate(); err != nil {
		return badFlag(fs, err)
	}
	if set["count"] && (*count < 1 || *count > 100) {
		return badFlag(fs, fmt.Errorf("-count must be 1..100, but is %d", *count))
	}
	if err := venv.validate(); err != nil {
		return badFlag(fs, err)
	}
	if err := scenarios.CheckProducts(venv.SeededCatalog().Count); err != nil {
		return badFlag(fs, fmt.Errorf("-%s: %w", shop.CatalogFlag, err))
	}
	for _, v := range vs {
		if _, err := v.Plan(venv.Env); err != nil {
			return badFlag(fs, fmt.Errorf("-replicas: %w", err))
		}
	}

	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(env.Stderr, nil))
	}
	rt, closeRuntime, runtimeNote, err := rtf.open(ctx, log, env.Stderr)
	if err != nil {
		return err
	}
	defer closeRuntime()
	var side runtime.Runtime
	if *sideBySide && rt.Name() != "process" {
		p := process.New(process.WithLogger(log))
		defer p.Close()
		side = p
	}
	var (
		reports  []string
		ran      []report.RunReport
		benchErr error
	)
	for _, sc := range all {
		b := &scenarios.Bench{
			Runtime: rt, RuntimeNote: runtimeNote, SideBySide: side, Env: venv.Env, Variants: vs, Scenario: sc,
			Repetitions: *count, Profile: *profile, Progress: scenarios.NewProgress(env.Stderr), Log: log,
		}
		if *crossCheck {
			b.CrossCheck = k6CrossCheck{}
		}
		run, dir, err := benchOne(ctx, env, b, *out, pricing)
		if dir != "" {
			reports = append(reports, filepath.Join(dir, "REPORT.md"))
			ran = append(ran, report.RunReport{Run: run, Link: "../" + filepath.Base(dir) + "/" + report.FileName})
		}
		if err != nil {
			// Interrupted or failed: the scenarios that ran still get
			// their summary.
			benchErr = err
			break
		}
	}
	if len(reports) > 1 {
		path, err := writeOverview(*out, ran, pricing)
		if err != nil {
			return errors.Join(benchErr, err)
		}
		fmt.Fprintf(env.Stdout, "\nReports, one per scenario:\n  %s\nSummary of them all: %s\n", strings.Join(reports, "\n  "), path)
	}
	return benchErr
}

// benchOne runs one scenario's bench, saves its results and report, prints
// its tables, and returns the run's folder. A failed audit is an error.
func benchOne(ctx context.Context, env *Env, b *scenarios.Bench, out string, pricing *pricingFile) (results.Run, string, error) {
	run, runErr := b.Run(ctx)
	if len(run.Variants) == 0 {
		if runErr == nil {
			runErr = fmt.Errorf("%s: no variant ran: the scenario has no setting for any of them", b.Scenario.Name())
		}
		return run, "", runErr
	}
	if runErr != nil {
		run.Notes = append(run.Notes, "The bench stopped early: "+runErr.Error())
	}
	dir, err := save(out, run, pricing, env.Stderr)
	if err != nil {
		return run, "", errors.Join(runErr, err)
	}
	if err := report.Terminal(env.Stdout, run, pricing.options()...); err != nil {
		return run, dir, errors.Join(runErr, err)
	}
	fmt.Fprintf(env.Stdout, "\nReport: %s\nData:   %s\n", filepath.Join(dir, "REPORT.md"), filepath.Join(dir, results.FileName))
	if runErr == nil {
		for _, v := range run.Variants {
			if v.Audit != nil && !v.Audit.Passed {
				return run, dir, fmt.Errorf("the data audit failed for %s in %s (see the report)", v.Variant, b.Scenario.Name())
			}
		}
	}
	return run, dir, runErr
}

// writeOverview writes the one-page summary of a bench's scenario runs to
// a folder of its own beside them, named as a run's is (time, "summary", a
// random part, so that two benches finishing in one second into one -out
// do not share it), and returns its path. opts go to the models'
// calibration and checks (calibrate.WithRequests, say).
func writeOverview(out string, ran []report.RunReport, pricing *pricingFile, opts ...calibrate.Option) (string, error) {
	return writeOverviewTo(filepath.Join(out, results.NewRunID("summary", time.Now())), ran, pricing, opts...)
}

// writeOverviewTo writes the one-page summary of ran, and the models
// calibrated from its steady run, into dir, which it creates if need be,
// and returns the summary's path. The runs' links are relative to dir.
func writeOverviewTo(dir string, ran []report.RunReport, pricing *pricingFile, opts ...calibrate.Option) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	var b bytes.Buffer
	if err := report.Overview(&b, ran, pricing.options()...); err != nil {
		return "", err
	}
	if err := appendModels(&b, dir, ran, opts...); err != nil {
		return "", err
	}
	path := filepath.Join(dir, report.OverviewFileName)
	if err := atomicfile.Write(path, b.Bytes()); err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	return path, nil
}

// save writes a run's results.json and REPORT.md and returns the run's
// folder. With a pricing file, a copy of it goes beside them, so the
// report's prices can be checked and the report rebuilt the same way.
func save(out string, run results.Run, pricing *pricingFile, warn io.Writer) (string, error) {
	if pricing != nil {
		run.Notes = append(run.Notes, "Costs are priced with "+pricing.path+" (copied into this run's folder as "+pricingCopy+").")
	}
	path, err := results.Write(out, run)
	switch {
	case errors.Is(err, results.ErrLatestLink):
		// The run is written; only the convenience link is stale. The
		// report must not be lost for it.
		fmt.Fprintf(warn, "warning: %v\n", err)
	case err != nil:
		return "", fmt.Errorf("save results: %w", err)
	}
	dir := filepath.Dir(path)
	if pricing != nil {
		if err := atomicfile.Write(filepath.Join(dir, pricingCopy), pricing.raw); err != nil {
			return "", fmt.Errorf("save pricing: %w", err)
		}
	}
	if _, err := report.WriteFile(dir, run, pricing.options()...); err != nil {
		return "", fmt.Errorf("save report: %w", err)
	}
	return dir, nil
}

// appendModels calibrates a simulator model of each variant from the
// bench's steady run, with its load curve fitted to the spike's base and
// burst, writes the models beside the summary, and checks them against the
// ramp's steps, when the bench ran steady and ramp: the summary says where
// the simulator can be trusted to extrapolate. opts go to the
// calibration, the validations and the spike's checks.
func appendModels(b *bytes.Buffer, dir string, ran []report.RunReport, opts ...calibrate.Option) error {
	var steady, spike, ramp *results.Run
	for i := range ran {
		switch ran[i].Run.Scenario {
		case "steady":
			steady = &ran[i].Run
		case "spike":
			spike = &ran[i].Run
		case "ramp":
			ramp = &ran[i].Run
		}
	}
	if steady == nil || ramp == nil {
		return nil
	}
	cals, sums, err := calibrateRunModels(context.Background(), *steady, spike, ramp, demandAuto, opts...)
	if err != nil {
		// The measurements stand without a model; say why there is none.
		fmt.Fprintf(b, "\n## Model against measurement (modeled)\n\nNo model: %v\n", err)
		return nil
	}
	fmt.Fprintf(b, "\n## Model against measurement (modeled)\n\n%s\n\nModels, one per variant, to read, edit and run with `archbench simulate -model FILE -rate R`:", calibrate.Method)
	for _, c := range cals {
		path, err := writeModel(dir, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, " [%s](%s)", c.Source.Variant, filepath.Base(path))
	}
	b.WriteString(".\n\n")
	for _, c := range cals {
		fmt.Fprintf(b, "- %s\n", c.Explain())
	}
	b.WriteString("\nPrediction error of each model, in short (modeled against measured; the tables below give every point):\n\n")
	if err := calibrate.WriteOverview(b, sums...); err != nil {
		return err
	}
	b.WriteString("\n")
	if err := calibrate.WriteMarkdown(b, sums...); err != nil {
		return err
	}
	if spike == nil {
		return nil
	}
	return appendSpikeChecks(b, cals, *spike, opts...)
}

// appendSpikeChecks writes how each model predicts the bench's spike as it
// unfolded, second by second; a variant the check cannot be made for is
// named with the reason instead.
func appendSpikeChecks(b *bytes.Buffer, cals []calibrate.Calibration, spike results.Run, opts ...calibrate.Option) error {
	var (
		checks []calibrate.SpikeCheck
		missed []string
	)
	for _, c := range cals {
		sc, err := calibrate.CheckSpike(context.Background(), c.Model, spike, c.Source.Variant, opts...)
		if err != nil {
			missed = append(missed, err.Error())
			continue
		}
		checks = append(checks, sc)
	}
	if len(checks) == 0 && len(missed) == 0 {
		return nil
	}
	fmt.Fprintf(b, "### The spike, modeled against measured run %s\n\n%s\n\n", spike.ID, calibrate.SpikeMethod)
	if len(checks) > 0 {
		if err := calibrate.WriteSpikeChecks(b, checks...); err != nil {
			return err
		}
	}
	for _, m := range missed {
		fmt.Fprintf(b, "\nNo check: %s.\n", m)
	}
	return nil
}

// steadyFor returns the steady scenario of a profile with the -rate and
// -duration flags that were set put in.
func steadyFor(profile string, set map[string]bool, rate float64, duration time.Duration) (scenarios.Steady, error) {
	st, err := scenarios.SteadyProfile(profile)
	if err != nil {
		return st, fmt.Errorf("-%w", err)
	}
	if set["rate"] {
		st.Rate = rate
	}
	if set["duration"] {
		st.Duration = duration
	}
	return st, nil
}

// spikeFor returns the spike scenario of a profile with -rate, its base
// rate, put in; -duration does not apply.
func spikeFor(profile string, set map[string]bool, rate float64) (scenarios.Spike, error) {
	sp, err := scenarios.SpikeProfile(profile)
	if err != nil {
		return sp, fmt.Errorf("-%w", err)
	}
	if set["duration"] {
		return sp, errors.New("-duration does not apply to spike: its windows come from the profile")
	}
	if set["rate"] {
		if !(rate > 0 && rate <= 1e6) {
			return sp, fmt.Errorf("-rate, the spike's base rate, must be in (0, 1000000] journeys/s, but is %g", rate)
		}
		sp.Base = rate
	}
	return sp, nil
}

// rampFor returns the ramp scenario of a profile with -rate, its first
// step, and -duration, each step's length, put in.
func rampFor(profile string, set map[string]bool, rate float64, duration time.Duration) (scenarios.Ramp, error) {
	rp, err := scenarios.RampProfile(profile)
	if err != nil {
		return rp, fmt.Errorf("-%w", err)
	}
	if set["duration"] {
		if duration < time.Second {
			return rp, fmt.Errorf("-duration, each ramp step's length, must be at least 1s, but is %s", duration)
		}
		rp.StepFor = duration
	}
	if set["rate"] {
		if !(rate > 0 && rate <= 1e6) {
			return rp, fmt.Errorf("-rate, the ramp's first step, must be in (0, 1000000] journeys/s, but is %g", rate)
		}
		rp.Start = rate
	}
	return rp, nil
}

// withCommon applies the flags every scenario shares (common: -warmup,
// -mix, -seed, -max-in-flight, where set) to one of -scenario all's
// scenarios, and validates it.
func withCommon(sc scenarios.Scenario, common func(w *time.Duration, m *string, sd *uint64, inFlight *int)) (scenarios.Scenario, error) {
	var none time.Duration
	var v interface{ Validate() error }
	switch s := sc.(type) {
	case scenarios.Steady:
		common(&s.Warmup, &s.Mix, &s.Seed, &s.MaxInFlight)
		sc, v = s, s
	case scenarios.Ramp:
		common(&s.Warmup, &s.Mix, &s.Seed, &s.MaxInFlight)
		sc, v = s, s
	case scenarios.Spike:
		common(&s.Warmup, &s.Mix, &s.Seed, &s.MaxInFlight)
		sc, v = s, s
	case scenarios.ColdStart:
		common(&none, &s.Mix, &s.Seed, &s.MaxInFlight)
		sc, v = s, s
	case scenarios.Fault:
		common(&s.Warmup, &s.Mix, &s.Seed, &s.MaxInFlight)
		sc, v = s, s
	default:
		return nil, fmt.Errorf("scenario %s takes no common flags", sc.Name())
	}
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", sc.Name(), err)
	}
	return sc, nil
}

// pricingCopy is the name a run's own pricing file is saved under.
const pricingCopy = "pricing.json"

// pricingFile is a pricing table a user gave with -pricing.
type pricingFile struct {
	path    string
	raw     []byte
	pricing cost.Pricing
}

// table returns the prices: the file's, or the default table for nil.
func (p *pricingFile) table() cost.Pricing {
	if p == nil {
		return cost.Default()
	}
	return p.pricing
}

// loadPricing reads and validates a pricing file; "" means the default
// table, returned as nil.
func loadPricing(path string) (*pricingFile, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-pricing: %w", err)
	}
	p, err := cost.Load(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("-pricing %s: %w", path, err)
	}
	return &pricingFile{path: path, raw: raw, pricing: p}, nil
}

// options renders reports with the file's prices; none for the default.
func (f *pricingFile) options() []report.Option {
	if f == nil {
		return nil
	}
	return []report.Option{report.WithPricing(f.pricing, "the pricing file "+f.path)}
}

// variantEnv is what the variants of a comparison share: the payment
// provider's behaviour, replica counts and the catalog, from flags.
type variantEnv struct{ variants.Env }

// variantEnvFlags defines the flags that set a variantEnv in fs. Env.Catalog
// stays unset (the variants' default) unless -catalog is given.
func variantEnvFlags(fs *flag.FlagSet) *variantEnv {
	e := &variantEnv{}
	fs.DurationVar(&e.PSPLatencyMedian, "psp-latency-median", 0, "payment provider's median charge latency (log-normal)")
	fs.DurationVar(&e.PSPLatencyP99, "psp-latency-p99", 0, "payment provider's p99 charge latency (at least the median)")
	fs.Float64Var(&e.PSPDeclineRate, "psp-decline-rate", 0, "share of charges the payment provider declines, 0..1")
	fs.Float64Var(&e.PSPErrorRate, "psp-error-rate", 0, "share of charges the payment provider fails with 503, 0..1")
	fs.Func("replicas", "replicas of single components, as name=N,...: for microservices any service\n(catalog=2,cart=3); for serverless, provisioned (pre-warmed) instances of a\nfunction (checkout=2); the monolith runs as one process", func(s string) error {
		r, err := variants.ParseReplicas(s)
		e.Replicas = r
		return err
	})
	fs.Var(&e.Catalog, shop.CatalogFlag, fmt.Sprintf("the `catalog` every variant is seeded with, as count=N,seed=N,stock=MIN..MAX, each key\n"+
		"optional (default %s), fresh on every deployment.\n"+
		"The journeys pick products in 1..count, so bench needs a count of at least %d (a page of\n"+
		"the product list); give archbench load the same -catalog. Little stock (stock=500..1000)\n"+
		"makes sell-outs part of the measurement: a checkout of a sold-out product is answered\n"+
		"409 out_of_stock, which the journeys count as an expected outcome, not an error", shop.DefaultCatalog, workload.MinProducts))
	return e
}

func (e *variantEnv) validate() error {
	switch {
	case e.PSPLatencyMedian < 0 || e.PSPLatencyP99 < 0:
		return errors.New("-psp-latency-median and -psp-latency-p99 must be >= 0")
	case e.PSPLatencyP99 != 0 && e.PSPLatencyP99 < e.PSPLatencyMedian:
		return fmt.Errorf("-psp-latency-p99 (%s) must be at least -psp-latency-median (%s)", e.PSPLatencyP99, e.PSPLatencyMedian)
	case e.PSPDeclineRate < 0 || e.PSPDeclineRate > 1:
		return fmt.Errorf("-psp-decline-rate must be 0..1, but is %g", e.PSPDeclineRate)
	case e.PSPErrorRate < 0 || e.PSPErrorRate > 1:
		return fmt.Errorf("-psp-error-rate must be 0..1, but is %g", e.PSPErrorRate)
	}
	return nil
}

// targetCatalogVar defines -catalog on a command that drives a shop it did
// not start (load, k6 export): the catalog the shop was seeded with, whose
// count the journeys pick products up to. It defaults to
// shop.DefaultCatalog, as the variants do.
func targetCatalogVar(fs *flag.FlagSet) *shop.CatalogSpec {
	spec := new(shop.CatalogSpec)
	*spec = shop.DefaultCatalog
	fs.Var(spec, shop.CatalogFlag, fmt.Sprintf("the `catalog` the target shop was seeded with (the -catalog given to archbench serve);\n"+
		"only its count matters: the journeys pick products in 1..count, at least %d", workload.MinProducts))
	return spec
}
