package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/archbench/archbench/report"
	"github.com/archbench/archbench/results"
)

const reportHelp = `
Writes a run's REPORT.md and charts again from its results.json, with this
version of archbench: after an upgrade, whose reports may word or chart
things differently, or for a run copied from another machine without them.
The measurements are read, never changed. A run folder that holds the
pricing.json a bench kept of its -pricing is priced with it, unless
-pricing names another table. RUN is a run folder or its results.json;
several may be given. A summary folder has no results.json and is refused:
it is written by 'bench -scenario all' from its runs.`

func runReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report", "[flags] RUN...", reportHelp)
	pricingPath := fs.String("pricing", "", "JSON `file` of cloud prices for the cost sections (default: the run's own\npricing.json if it has one, else cost/pricing.json)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed it with the usage
	}
	if fs.NArg() == 0 {
		return badFlag(fs, errors.New("want one or more runs (folders or results.json files), but none were given"))
	}
	override, err := loadPricing(*pricingPath)
	if err != nil {
		return badFlag(fs, err)
	}
	for _, p := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		run, err := results.Read(p)
		if err != nil {
			return badFlag(fs, err)
		}
		dir := p
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			dir = filepath.Dir(p)
		}
		pricing := override
		if pricing == nil {
			own := filepath.Join(dir, pricingCopy)
			if pricing, err = loadPricing(own); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("report %s: its %s: %w", p, pricingCopy, err)
			}
		}
		path, err := report.WriteFile(dir, run, pricing.options()...)
		if err != nil {
			return fmt.Errorf("report %s: %w", p, err)
		}
		fmt.Fprintf(env.Stdout, "Report: %s\n", path)
	}
	return nil
}
