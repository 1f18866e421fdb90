package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/loadgen"
	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/runtime/container"
	"github.com/archbench/archbench/scenarios"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/workload"
)

const loadHelp = `
Drives open-loop load at a server that is already running: journeys start on
schedule whatever the server answers, latency is measured from when each
journey was due (so a stalled server shows up as latency, not as a slower
generator), and journeys due while -max-in-flight are running are dropped and
counted. The target must be one of archbench's own servers: on loopback (an
address, or a name that resolves only to loopback addresses), or a container
on a Docker network archbench created (archbench serve -runtime docker);
archbench sends load nowhere else. Prints per-operation latency, throughput and errors; with -out it
also writes results.json and REPORT.md.

By default the journeys are the shop's (-mix); -request "GET /path" instead
sends that one request to any server. -ramp replaces the constant rate with
stages, each ramping linearly to its rate: -ramp 10s:100,30s:1000,10s:0.

Examples:
  archbench load -target http://127.0.0.1:8080 -rate 200 -duration 30s
  archbench load -target http://127.0.0.1:9000 -request "GET /" -rate 20000 -duration 10s`

func runLoad(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "load", "-target URL [flags]", loadHelp)
	target := fs.String("target", "", "base URL of the server under load (required), e.g. http://127.0.0.1:8080")
	rate := fs.Float64("rate", 100, "journeys started per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to offer load (ignored with -ramp)")
	ramp := fs.String("ramp", "", "ramping rate as DURATION:RATE,... stages from -start-rate (replaces -rate/-duration)")
	startRate := fs.Float64("start-rate", 0, "rate at the start of -ramp")
	mix := fs.String("mix", workload.DefaultMix, "shop journey mix as name=weight,... (journeys: browse, add-to-cart, checkout)")
	request := fs.String("request", "", `send one request per journey instead of shop journeys, as "METHOD /path"`)
	maxInFlight := fs.Int("max-in-flight", 1024, "most concurrent journeys; journeys due beyond it are dropped and counted")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one request")
	seed := fs.Uint64("seed", 1, "seed for the journeys' random choices")
	out := fs.String("out", "", "if set, write OUT/<run-id>/results.json and REPORT.md")
	catalog := targetCatalogVar(fs)
	if err := parse(fs, args); err != nil {
		return err
	}

	u, err := url.Parse(*target)
	if *target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badFlag(fs, fmt.Errorf("-target must be an http:// or https:// URL, but is %q", *target))
	}
	if err := onThisMachine(ctx, u.Hostname(), container.ManagedSubnets); err != nil {
		return badFlag(fs, fmt.Errorf("-target %q: %w", *target, err))
	}
	base := strings.TrimRight(*target, "/")
	var sched loadgen.Schedule = loadgen.ConstantRate{Rate: *rate, Duration: *duration}
	if *ramp != "" {
		stages, err := parseStages(*ramp)
		if err != nil {
			return badFlag(fs, fmt.Errorf("-ramp: %w", err))
		}
		r := loadgen.RampingRate{StartRate: *startRate, Stages: stages}
		if errs := r.Validate(); len(errs) > 0 {
			return badFlag(fs, fmt.Errorf("-ramp: %w", errors.Join(errs...)))
		}
		sched = r
	} else if errs := (loadgen.ConstantRate{Rate: *rate, Duration: *duration}).Validate(); len(errs) > 0 {
		return badFlag(fs, fmt.Errorf("-rate/-duration: %w", errors.Join(errs...)))
	}
	var m loadgen.Mix
	if *request != "" {
		method, path, ok := strings.Cut(strings.TrimSpace(*request), " ")
		if !ok || method == "" || !strings.HasPrefix(path, "/") {
			return badFlag(fs, fmt.Errorf(`-request must be "METHOD /path", but is %q`, *request))
		}
		m = loadgen.Mix{loadgen.NewRequestJourney("request", strings.ToUpper(method), path)}
	} else {
		if err := scenarios.CheckProducts(catalog.Count); err != nil {
			return badFlag(fs, fmt.Errorf("-%s: %w", shop.CatalogFlag, err))
		}
		if m, err = workload.Mix(*mix, workload.WithProducts(catalog.Count)); err != nil {
			return badFlag(fs, fmt.Errorf("-mix: %w", err))
		}
	}
	if *maxInFlight < 1 {
		return badFlag(fs, fmt.Errorf("-max-in-flight must be >= 1, but is %d", *maxInFlight))
	}
	if *timeout <= 0 {
		return badFlag(fs, fmt.Errorf("-timeout must be > 0, but is %s", *timeout))
	}

	gen := loadgen.New(base, loadgen.WithMaxInFlight(*maxInFlight), loadgen.WithRequestTimeout(*timeout), loadgen.WithSeed(*seed))
	defer gen.CloseIdleConnections()
	run := results.NewRun("load", "", time.Now())
	run.Params = map[string]any{"target": base, "schedule": describe(sched, *rate), "mix": *mix, "request": *request, "max_in_flight": *maxInFlight}
	if *request == "" {
		run.Params["catalog"] = catalog.String()
	}
	rec := results.NewRecorder()
	attack := gen.Start(ctx, sched, m)
	progress := scenarios.NewProgress(env.Stderr).For("load", base, 1, 1)
	progress.Follow("load", sched.End(), attack.Results(), rec.Add)
	if err := attack.Err(); err != nil {
		return err
	}
	run.Variants = []results.VariantResult{rec.Summary(results.Info{
		Variant: "target", Runtime: "external",
		Requested: results.Load{Rate: requestedRate(sched, *rate), Duration: results.Duration(sched.End())},
		Stats:     attack.Stats(),
	})}
	run.FinishedAt = time.Now()
	if ctx.Err() != nil {
		run.Notes = append(run.Notes, "Interrupted before the schedule ended.")
	}
	if err := report.Terminal(env.Stdout, run); err != nil {
		return err
	}
	if *out != "" {
		dir, err := save(*out, run, nil, env.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "\nReport: %s\n", filepath.Join(dir, "REPORT.md"))
	}
	return nil
}

// parseStages parses "10s:100,30s:1000" into ramp stages.
func parseStages(s string) ([]loadgen.Stage, error) {
	var stages []loadgen.Stage
	for i, part := range strings.Split(s, ",") {
		d, r, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("stage %d: want DURATION:RATE, got %q", i, part)
		}
		dur, err := time.ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("stage %d: duration %q: %w", i, d, err)
		}
		rate, err := strconv.ParseFloat(r, 64)
		if err != nil {
			return nil, fmt.Errorf("stage %d: rate %q is not a number", i, r)
		}
		stages = append(stages, loadgen.Stage{Duration: dur, Target: rate})
	}
	return stages, nil
}

// requestedRate is the rate a schedule asked for: -rate, or a ramp's mean
// (results.Load.Rate is the mean rate where the load is shaped).
func requestedRate(s loadgen.Schedule, rate float64) float64 {
	if r, ok := s.(loadgen.RampingRate); ok {
		return r.Mean()
	}
	return rate
}

func describe(s loadgen.Schedule, rate float64) string {
	if r, ok := s.(loadgen.RampingRate); ok {
		return fmt.Sprintf("ramping from %g/s through %d stages over %s", r.StartRate, len(r.Stages), r.End())
	}
	return fmt.Sprintf("constant %g/s for %s", rate, s.End())
}

// onThisMachine returns nil if host is a loopback address, a name that
// resolves only to loopback addresses, or an address on a Docker network
// archbench created (where `archbench serve -runtime docker` puts a
// variant), and otherwise an error saying why not: archbench puts load on
// its own servers and nothing else, so a mistyped or copied -target cannot
// flood someone else's. managed lists the subnets of archbench's networks;
// it is asked only for an address off loopback.
func onThisMachine(ctx context.Context, host string, managed func(context.Context) ([]netip.Prefix, error)) error {
	const want = "archbench sends load only to its own servers: the host must be a loopback address (127.0.0.0/8, ::1), " +
		"a name that resolves only to them, or a container's address on a Docker network archbench created"
	if addr, err := netip.ParseAddr(host); err == nil {
		addr = addr.Unmap()
		if addr.IsLoopback() {
			return nil
		}
		subnets, err := managed(ctx)
		if err != nil {
			return fmt.Errorf("%s, but %s is not on loopback, and archbench's networks could not be listed: %w", want, host, err)
		}
		if slices.ContainsFunc(subnets, func(p netip.Prefix) bool { return p.Contains(addr) }) {
			return nil
		}
		return fmt.Errorf("%s, but %s is none of them", want, host)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%s, but %s does not resolve: %w", want, host, err)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return fmt.Errorf("%s, but %s resolves to %s", want, host, a)
		}
	}
	return nil
}
