package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/archbench/archbench/internal/atomicfile"
	"github.com/archbench/archbench/k6"
	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/shop"
)

const k6Help = `
Writes a k6 script (https://k6.io) that drives a shop with a scenario's
load: the same journeys, requests, expected statuses and operation names as
archbench's own generator, under the same open-loop arrival shape (k6's
constant- or ramping-arrival-rate executor), the warm-up as a scenario of
its own that the summary leaves out. Run it with the k6 pinned in go.mod:

  archbench k6 export -scenario steady -target http://127.0.0.1:PORT > steady.js
  go tool k6 run --summary-export summary.json steady.js

steady, spike and ramp can be exported (ramp as all its steps: k6 cannot
stop where the variant saturates); coldstart, fault and deploy act on the
deployment between loads, which a script cannot. archbench bench runs the
same cross-check by itself on the steady scenario (see its -k6 flag).`

func runK6(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		fs := newFlags(env, "k6", "export [flags]", k6Help)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fs.Usage()
			return flag.ErrHelp
		}
		return badFlag(fs, errors.New("want the subcommand export: archbench k6 export [flags]"))
	}
	fs := newFlags(env, "k6 export", "[flags]", k6Help)
	scenario := fs.String("scenario", "steady", "scenario whose load to export: steady, spike or ramp")
	profile := fs.String("profile", "quick", "parameter profile: quick or full")
	target := fs.String("target", "http://127.0.0.1:8080", "base `URL` of the shop to drive")
	rate := fs.Float64("rate", 0, "journeys per second (steady), base rate (spike) or first step (ramp); default: the profile's")
	duration := fs.Duration("duration", 0, "measured duration (steady) or each step's (ramp); default: the profile's")
	out := fs.String("o", "", "write the script to this `file` instead of stdout")
	catalog := targetCatalogVar(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if u, err := url.Parse(*target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badFlag(fs, fmt.Errorf("-target must be an http(s) URL such as http://127.0.0.1:8080, but is %q", *target))
	}
	set := setFlags(fs)
	var (
		sc interface {
			scenarios.Scenario
			Validate() error
		}
		err error
	)
	switch *scenario {
	case "steady":
		sc, err = steadyFor(*profile, set, *rate, *duration)
	case "spike":
		sc, err = spikeFor(*profile, set, *rate)
	case "ramp":
		sc, err = rampFor(*profile, set, *rate, *duration)
	default:
		return badFlag(fs, fmt.Errorf("-scenario must be steady, spike or ramp, but is %q: coldstart, fault and deploy act on the deployment between loads, which a k6 script cannot", *scenario))
	}
	if err == nil {
		err = sc.Validate()
	}
	if err != nil {
		return badFlag(fs, err)
	}
	if err := scenarios.CheckProducts(catalog.Count); err != nil {
		return badFlag(fs, fmt.Errorf("-%s: %w", shop.CatalogFlag, err))
	}
	spec, _ := k6Spec(sc, *target, catalog.Count)
	if *out == "" {
		if err := k6.Export(env.Stdout, spec); err != nil {
			return fmt.Errorf("k6 export: %w", err)
		}
		return nil
	}
	// To a file: whole or not at all, so a failed export leaves no
	// half-written script to run.
	var b bytes.Buffer
	if err := k6.Export(&b, spec); err != nil {
		return fmt.Errorf("k6 export: %w", err)
	}
	if err := atomicfile.Write(*out, b.Bytes()); err != nil {
		return fmt.Errorf("k6 export: %w", err)
	}
	return nil
}

// k6Spec mirrors a scenario's load as a k6 spec aimed at target, a shop
// whose catalog holds the given number of products (0: the default
// catalog's count); ok is false for scenarios a script cannot mirror.
func k6Spec(sc scenarios.Scenario, target string, products int) (spec k6.Spec, ok bool) {
	switch s := sc.(type) {
	case scenarios.Steady:
		return k6.Spec{Target: target, Mix: s.Mix, Seed: s.Seed, MaxInFlight: s.MaxInFlight, Products: products,
			Rate: s.Rate, Duration: s.Duration, Warmup: k6Warmup(s.Warmup)}, true
	case scenarios.Spike:
		peak := s.Base * s.Factor
		return k6.Spec{Target: target, Mix: s.Mix, Seed: s.Seed, MaxInFlight: s.MaxInFlight, Products: products,
			StartRate: s.Base, Warmup: k6Warmup(s.Warmup), Stages: []loadgen.Stage{
				{Target: s.Base, Duration: s.Before}, {Target: peak}, {Target: peak, Duration: s.During},
				{Target: s.Base}, {Target: s.Base, Duration: s.After}}}, true
	case scenarios.Ramp:
		var stages []loadgen.Stage
		rate := s.Start
		for range s.Steps {
			stages = append(stages, loadgen.Stage{Target: rate}, loadgen.Stage{Target: rate, Duration: s.StepFor})
			rate = math.Round(rate * s.Growth)
		}
		return k6.Spec{Target: target, Mix: s.Mix, Seed: s.Seed, MaxInFlight: s.MaxInFlight, Products: products,
			StartRate: s.Start, Warmup: k6Warmup(s.Warmup), Stages: stages}, true
	}
	return k6.Spec{}, false
}

// k6Warmup rounds a warm-up up to k6's shortest scenario, 1 s.
func k6Warmup(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return max(d, time.Second)
}

// k6CrossCheck runs k6 with the steady scenario's load, for the report's
// cross-check of the two generators.
type k6CrossCheck struct{}

// CrossCheck runs k6 against t with sc's load when sc is steady.
func (k6CrossCheck) CrossCheck(ctx context.Context, t scenarios.Target, sc scenarios.Scenario) (results.VariantResult, bool, error) {
	spec, ok := crossCheckSpec(t, sc)
	if !ok {
		return results.VariantResult{}, false, nil
	}
	t.Progress.Printf("%s: cross-check: k6 at %g journeys/s for %s after a %s warm-up (the first run builds k6: about a minute)",
		sc.Name(), spec.Rate, spec.Duration, spec.Warmup)
	res, err := k6.Run(ctx, spec)
	if err != nil {
		return results.VariantResult{}, false, fmt.Errorf("k6: %w", err)
	}
	return res, true, nil
}

// crossCheckSpec is the k6 spec the cross-check runs against t: sc's load
// over t's catalog, when sc is steady; ok is false for any other scenario.
func crossCheckSpec(t scenarios.Target, sc scenarios.Scenario) (k6.Spec, bool) {
	st, ok := sc.(scenarios.Steady)
	if !ok {
		return k6.Spec{}, false
	}
	return k6Spec(st, t.BaseURL, t.Products)
}
