package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/variants"
	"github.com/archbench/archbench/workload"
)

// ColdStart sends bursts of journeys separated by idle gaps, the first on a
// freshly deployed variant: what a user meets after a deploy, or after a
// quiet night. On a function platform it runs once per keep-alive setting
// (a gap longer than the keep-alive finds every instance reclaimed: scale
// to zero) and once with every API function pre-warmed (provisioned
// concurrency); other variants run once, and their time from deploy to
// ready stands for their restart from zero.
type ColdStart struct {
	// Rate is the journeys started per second during a burst.
	Rate float64
	// BurstFor is how long each burst lasts.
	BurstFor time.Duration
	// Gap is the idle time between bursts.
	Gap time.Duration
	// Bursts is how many bursts run, at least 2.
	Bursts int
	// KeepAlives are the platform keep-alive settings to compare.
	KeepAlives []time.Duration
	// Provisioned adds a run with one pre-warmed instance of every API
	// function, at the longest keep-alive.
	Provisioned bool
	// Mix, Seed and MaxInFlight are as in Steady.
	Mix         string
	Seed        uint64
	MaxInFlight int
}

// ColdStartProfile returns the cold-start scenario's parameters.
func ColdStartProfile(profile string) (ColdStart, error) {
	c := ColdStart{Rate: 100, Bursts: 2, Provisioned: true, Mix: workload.DefaultMix, Seed: 1, MaxInFlight: 1024}
	switch profile {
	case "quick":
		c.BurstFor, c.Gap, c.KeepAlives = 2*time.Second, 4*time.Second, []time.Duration{2 * time.Second, time.Minute}
	case "full":
		c.BurstFor, c.Gap, c.Bursts, c.KeepAlives = 10*time.Second, 2*time.Minute, 3, []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	default:
		return ColdStart{}, fmt.Errorf("profile must be quick or full, but is %q", profile)
	}
	return c, nil
}

// Name is "coldstart".
func (c ColdStart) Name() string { return "coldstart" }

// Validate reports every parameter out of range, each naming its field.
func (c ColdStart) Validate() error {
	var errs []error
	if c.Rate <= 0 || c.Rate > 1e6 {
		errs = append(errs, fmt.Errorf("rate must be in (0, 1000000] journeys/s, but is %g", c.Rate))
	}
	if c.BurstFor < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("burst-for must be at least 100ms, but is %s", c.BurstFor))
	}
	if c.Gap < 0 {
		errs = append(errs, fmt.Errorf("gap must be >= 0, but is %s", c.Gap))
	}
	if c.Bursts < 2 || c.Bursts > 100 {
		errs = append(errs, fmt.Errorf("bursts must be 2..100, but is %d", c.Bursts))
	}
	for i, k := range c.KeepAlives {
		if k <= 0 {
			errs = append(errs, fmt.Errorf("keep-alives[%d] must be > 0, but is %s", i, k))
		}
	}
	errs = append(errs, journeyErrors(c.Mix, c.MaxInFlight)...)
	return errors.Join(errs...)
}

// Params records the parameters in results.json.
func (c ColdStart) Params() map[string]any {
	var ka []float64
	for _, k := range c.KeepAlives {
		ka = append(ka, k.Seconds())
	}
	return map[string]any{
		"rate_per_sec": c.Rate, "burst_sec": c.BurstFor.Seconds(), "gap_sec": c.Gap.Seconds(), "bursts": c.Bursts,
		"keep_alive_sec": ka, "provisioned": c.Provisioned, "mix": c.Mix, "seed": c.Seed, "max_in_flight": c.MaxInFlight,
	}
}

// Settings runs a variant with a function platform once per keep-alive,
// and once pre-warmed; any other variant once.
func (c ColdStart) Settings(v variants.Variant, env variants.Env) []Setting {
	if v.Platform == "" || len(c.KeepAlives) == 0 {
		return []Setting{{Env: env}}
	}
	var out []Setting
	longest := c.KeepAlives[0]
	for _, k := range c.KeepAlives {
		e := env
		e.KeepAlive = k
		out = append(out, Setting{Label: "keep-alive " + k.String(), Env: e})
		longest = max(longest, k)
	}
	if c.Provisioned && len(v.Functions) > 0 {
		e := env
		e.KeepAlive = longest
		e.Replicas = map[string]int{}
		for name, n := range env.Replicas {
			e.Replicas[name] = n
		}
		for _, f := range v.Functions {
			e.Replicas[f] = max(e.Replicas[f], 1)
		}
		out = append(out, Setting{Label: "provisioned, keep-alive " + longest.String(), Env: e})
	}
	return out
}

// Run sends the bursts, idling in between, and summarises each.
func (c ColdStart) Run(ctx context.Context, t Target) (results.VariantResult, error) {
	gen, mix, _, err := prepare(ctx, t, c, c.Mix, c.Seed, c.MaxInFlight, c.Rate, 0) // no warm-up: the first burst meets a fresh deployment
	if err != nil {
		return results.VariantResult{}, err
	}
	defer gen.CloseIdleConnections()
	all := newPhases()
	var bursts []results.Burst
	for i := range c.Bursts {
		if i > 0 {
			// Idle: nothing is sent, so the platform may reclaim instances.
			gen.CloseIdleConnections()
			select {
			case <-ctx.Done():
				return results.VariantResult{}, ctx.Err()
			case <-time.After(c.Gap):
			}
		}
		one := results.NewRecorder()
		at := all.begin()
		run := gen.Start(ctx, loadgen.ConstantRate{Rate: c.Rate, Duration: c.BurstFor}, mix)
		t.Progress.Follow(fmt.Sprintf("burst %d/%d", i+1, c.Bursts), c.BurstFor, run.Results(), func(r loadgen.Result) {
			one.Add(r)
			all.add(at, r)
		})
		if err := run.Err(); err != nil {
			return results.VariantResult{}, fmt.Errorf("burst %d: %w", i+1, err)
		}
		all.end(run.Stats())
		s := one.Summary(results.Info{Variant: t.Variant, Stats: run.Stats()})
		b := results.Burst{Index: i + 1, Requests: s.Total.Count, Errors: s.Total.Errors, LatencyMs: s.Total.LatencyMs}
		if i > 0 {
			b.IdleSec = c.Gap.Seconds()
		}
		if s.ColdStarts != nil {
			b.ColdStarts, b.ColdShare, b.ColdLatencyMs = s.ColdStarts.Count, s.ColdStarts.Share, &s.ColdStarts.ColdLatencyMs
		}
		bursts = append(bursts, b)
	}
	res := all.summary(results.Info{
		Variant: t.Variant, Runtime: t.Runtime, Repetition: t.Repetition,
		Requested: results.Load{Rate: c.Rate, Duration: results.Duration(time.Duration(c.Bursts) * c.BurstFor)},
	})
	res.Bursts = bursts
	return res, nil
}
