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
several may be given. A summary folder has no results.json and is refused.

With -summary DIR it also writes the one-page SUMMARY.md of the runs given
into DIR, as 'bench -scenario all' does from its runs: the headline
figures side by side, and, when steady and ramp runs are among them, a
simulator model of each variant calibrated from steady (with spike's
phases, if given) and checked against the ramp, its files beside the
summary. So scenarios run one at a time get a summary too:

  archbench report -summary results/my-summary results/RUN-steady results/RUN-spike results/RUN-ramp`

func runReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report", "[flags] RUN...", reportHelp)
	summary := fs.String("summary", "", "also write the runs' one-page SUMMARY.md, and the models calibrated from them,\ninto this `directory`")
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
	if setFlags(fs)["summary"] {
		if err := requireDirs(fs, "summary"); err != nil {
			return err
		}
	}
	override, err := loadPricing(*pricingPath)
	if err != nil {
		return badFlag(fs, err)
	}
	var ran []report.RunReport
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
		link, err := filepath.Rel(*summary, path)
		if err != nil {
			link = path // no relative path from the summary: an absolute one
		}
		ran = append(ran, report.RunReport{Run: run, Link: filepath.ToSlash(link)})
	}
	if *summary == "" {
		return nil
	}
	path, err := writeOverviewTo(*summary, ran, override)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Summary: %s\n", path)
	return nil
}
