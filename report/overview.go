package report

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
)

// OverviewFileName is the name of the one-page summary of several
// scenarios' runs.
const OverviewFileName = "SUMMARY.md"

// overviewFigures are the figures the one-page summary takes from each
// scenario's run: the few that answer the architecture debate.
var overviewFigures = map[string][]string{
	"steady":    {figures.P50, figures.P99, perMillion},
	"ramp":      {figures.MaxThroughput},
	"spike":     {figures.P99, figures.RecoveryTime},
	"coldstart": {figures.ColdStartP99},
	"fault":     {figures.BlastRadius},
	"deploy":    {figures.DeployBlastRadius},
}

// RunReport is a run and where its report is, for the overview's links.
type RunReport struct {
	Run results.Run
	// Link is the path of the run's REPORT.md relative to the overview.
	Link string
}

// Overview writes a one-page summary of several scenarios' runs: for each
// variant, the p99 at the steady reference rate, the most it sustained on
// the ramp, the blast radius of each fault, the cold-start p99 and the
// modeled cost per million requests, each with its confidence interval,
// naming a winner only where the difference is significant, and links to
// the full reports.
func Overview(w io.Writer, reports []RunReport, opts ...Option) error {
	cfg := newConfig(opts)
	var b bytes.Buffer
	b.WriteString("# archbench summary\n\n> " + howToRead + "\n\n")
	b.WriteString("One row per figure and scenario (and setting, where the scenario varies one); " +
		"every figure is measured unless its name says modeled. " + headlineIntro + "\n\n")
	var figs []figures.Figure
	var links []string
	paired, repeat := table{}, table{}
	var ps []pairing
	for _, r := range reports {
		run := r.Run
		runPairs := pairings(run.Variants)
		if run.Scenario == "steady" {
			repeat = repeatTable(run.Variants, runPairs)
		}
		for _, p := range runPairs {
			if slices.Contains(overviewFigures[run.Scenario], p.figure) {
				p.setting = run.Scenario + cmp.Or(prefixed(": ", p.setting), "") // as the figures' below
				ps = append(ps, p)
			}
		}
		if t := pairedTable(runPairs); len(t.rows) > 0 {
			paired.header, paired.right = t.header, t.right
			for _, row := range t.rows {
				if slices.Contains(overviewFigures[run.Scenario], row[0]) {
					row[0] = run.Scenario + ": " + row[0]
					paired.rows = append(paired.rows, row)
				}
			}
		}
		want := overviewFigures[run.Scenario]
		es := estimates(run.Variants, cfg.pricing)
		for _, f := range headlineFigures(run, es) {
			if !slices.Contains(want, f.Name) {
				continue
			}
			f.Key.Setting = run.Scenario + cmp.Or(prefixed(": ", f.Key.Setting), "")
			figs = append(figs, f)
		}
		links = append(links, fmt.Sprintf("- [%s](%s) — run %s, profile %s", cmp.Or(run.Scenario, "unnamed"), r.Link, run.ID, cmp.Or(run.Profile, "?")))
	}
	t := headlineTable(figs, ps...)
	if len(t.rows) > 0 {
		t.header[1] = "scenario"
		if err := t.markdown(&b); err != nil {
			return fmt.Errorf("render summary: %w", err)
		}
	}
	if len(paired.rows) > 0 {
		b.WriteString("\n## Paired by round (measured)\n\n" + pairedIntro + "\n\n")
		if err := paired.markdown(&b); err != nil {
			return fmt.Errorf("render summary: %w", err)
		}
	}
	if len(repeat.rows) > 0 {
		b.WriteString("\n## Repeatability of steady (measured)\n\n" + repeatIntro + "\n\n")
		if err := repeat.markdown(&b); err != nil {
			return fmt.Errorf("render summary: %w", err)
		}
	}
	b.WriteString("\n## Reports\n\n")
	for _, l := range links {
		b.WriteString(l + "\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// prefixed returns p+s, or "" when s is empty.
func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
