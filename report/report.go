// Package report renders a stored run (results.Run) for people: as a
// Markdown REPORT.md beside results.json, and as tables on a terminal.
//
// Rendering only reads the run; every figure comes from results.json, so a
// report can be rebuilt from a stored run at any time.
package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/charts"
	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/internal/atomicfile"
	"github.com/archbench/archbench/results"
)

// FileName is the name of the Markdown report in a run's folder.
const FileName = "REPORT.md"

// howToRead opens every report.
const howToRead = "How to read this: latency is measured from each request's scheduled send time " +
	"under an open-loop load, so time spent waiting to be sent counts. " +
	"Every figure is measured unless labelled modeled. " +
	"Errors are 5xx responses, transport errors and failed expectations; " +
	"dropped iterations were due but never sent, and are counted apart from requests."

// Markdown writes run as a Markdown report: metadata, a summary row per
// variant, per-operation and per-journey tables with the variants side by
// side, then cold starts, function platforms (functions and instances over
// time), the replicas' measured resources and SQLite writers, audits, top
// errors and notes where there are any.
func Markdown(w io.Writer, run results.Run, opts ...Option) error {
	cfg := newConfig(opts)
	var b bytes.Buffer
	names := variantNames(run.Variants)
	es := estimates(run.Variants, cfg.pricing)
	paired := pairings(run.Variants)
	title := "archbench report: " + cmp.Or(run.Scenario, "unnamed scenario") + " — run " + run.ID
	fmt.Fprintf(&b, "# %s\n\n> %s\n", mdText(title), howToRead)

	sections := []struct {
		heading, intro string
		table          table
	}{
		{"Run", "", metadataTable(run)},
		{"Headline figures " + labelled(run.Variants), headlineIntro, headlineTable(headlineFigures(run, es), paired...)},
		{"Paired by round (measured)", pairedIntro, pairedTable(paired)},
		{"Repeatability (measured)", repeatIntro, repeatTable(run.Variants, paired)},
		{"Summary " + labelled(run.Variants), joinIntro(summaryIntro(run.Variants), summaryConclusion(run.Variants, names)), summaryTable(run.Variants, names)},
		{"Operations " + labelled(run.Variants), "", opTable("operation", run.Variants, names, operations)},
		{"Journeys " + labelled(run.Variants), "A journey's latencies are over its individual requests.", opTable("journey", run.Variants, names, journeys)},
		{"Network hops " + labelled(run.Variants), hopsIntro(run.Variants), hopTable(run.Variants)},
		{"Two load generators, side by side (measured)", joinIntro(crossCheckIntro, crossCheckConclusion(run.Variants, names)), crossCheckTable(run.Variants, names)},
		{"Ramp " + labelled(run.Variants), joinIntro(rampIntro(run.Variants), rampConclusion(run.Variants, names)), rampSummaryTable(run.Variants, names)},
		{"Ramp steps " + labelled(run.Variants), rampStepsIntro(run.Variants), rampStepsTable(run.Variants, names)},
		{"Scaling with allocated CPU " + labelled(run.Variants), capacityIntro, capacityTable(run.Variants, names)},
		{"Fault isolation " + labelled(run.Variants), joinIntro(faultIntro, faultConclusion(run.Variants, names, false)), faultTable(run.Variants, names, false)},
		{"Operations through the fault " + labelled(run.Variants), "", faultOpsTable(run.Variants, names, false)},
		{"Rolling deploy " + labelled(run.Variants), joinIntro(deployIntro, faultConclusion(run.Variants, names, true)), faultTable(run.Variants, names, true)},
		{"Operations through the deploy " + labelled(run.Variants), "", faultOpsTable(run.Variants, names, true)},
		{"Spike " + labelled(run.Variants), joinIntro(spikeIntro, spikeConclusion(run.Variants, names)), spikeTable(run.Variants, names)},
		{"Cold starts " + labelled(run.Variants), "", coldStartTable(run.Variants, names)},
		{"Bursts after idleness " + labelled(run.Variants), joinIntro(burstIntro, burstConclusion(run.Variants, names)), burstTable(run.Variants, names)},
		{"Function platform " + labelled(run.Variants), platformIntro(run.Variants), platformTable(run.Variants, names)},
		{"Instances over time " + labelled(run.Variants), instancesIntro, instancesTable(run.Variants, names)},
		{"Resources " + labelled(run.Variants), resourcesIntro(run.Variants), resourcesTable(run.Variants, names)},
		{writersHeading(run.Variants), writersIntro(run.Variants), writersTable(run.Variants, names)},
		{"Writes by operation " + labelled(resultsWith(run.Variants, hasWriters)), writerOpsIntro, writerOpsTable(run.Variants, names)},
		{"Cost (modeled)", joinIntro(costIntro(cfg.pricingSource, pricedOrigin(run.Variants, es)), costConclusion(names, es, pricedOrigin(run.Variants, es))), costTable(run.Variants, names, es)},
		{"Break-even (modeled)", "The average request rate at which pay-per-use and provisioned monthly costs cross.", breakEvenTable(names, es)},
		{"Checkout outcomes " + labelled(run.Variants), checkoutIntro, checkoutTable(run.Variants, names)},
		{"Audit", "", auditTable(run.Variants, names)},
		{"Top errors " + labelled(run.Variants), "", errorTable(run.Variants, names)},
	}
	for _, s := range sections {
		if len(s.table.rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", s.heading)
		if s.intro != "" {
			b.WriteString(s.intro + "\n\n")
		}
		if err := s.table.markdown(&b); err != nil {
			return fmt.Errorf("render %s table: %w", s.heading, err)
		}
		if strings.HasPrefix(s.heading, "Summary") {
			// Pictures before the detail: what people look at first.
			writeCharts(&b, cfg.charts)
		}
	}
	writeNotes(&b, run, names)
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeCharts embeds the charts drawn beside the report, each labelled.
func writeCharts(b *bytes.Buffer, cs []charts.Chart) {
	if len(cs) == 0 {
		return
	}
	b.WriteString("\n## Charts\n")
	for _, c := range cs {
		fmt.Fprintf(b, "\n### %s\n\n![%s](%s)\n", mdText(c.Title), mdText(c.Alt), c.File)
	}
}

// Terminal writes the summary and per-operation tables of run as
// box-drawn tables for a terminal, the function platform's tables when a
// variant has one, and the replicas' resources when they were measured.
func Terminal(w io.Writer, run results.Run, opts ...Option) error {
	var b bytes.Buffer
	names := variantNames(run.Variants)
	paired := pairings(run.Variants)
	fmt.Fprintf(&b, "archbench %s — run %s\n", cmp.Or(run.Scenario, "unnamed scenario"), run.ID)
	fmt.Fprintf(&b, "%s\n", howToRead)
	type section struct {
		heading string
		table   table
	}
	sections := []section{
		{"Headline figures " + labelled(run.Variants), headlineTable(headlineFigures(run, estimates(run.Variants, newConfig(opts).pricing)), paired...)},
		{"Summary " + labelled(run.Variants), summaryTable(run.Variants, names)},
		{"Operations " + labelled(run.Variants), opTable("operation", run.Variants, names, operations)},
	}
	if t := pairedTable(paired); len(t.rows) > 0 {
		sections = slices.Insert(sections, 1, section{"Paired by round (measured)", t})
	}
	for _, s := range []section{
		{"Ramp " + labelled(run.Variants), rampSummaryTable(run.Variants, names)},
		{"Fault isolation " + labelled(run.Variants), faultTable(run.Variants, names, false)},
		{"Rolling deploy " + labelled(run.Variants), faultTable(run.Variants, names, true)},
		{"Spike " + labelled(run.Variants), spikeTable(run.Variants, names)},
		{"Bursts after idleness " + labelled(run.Variants), burstTable(run.Variants, names)},
		{"Function platform " + labelled(run.Variants) + warmup(run.Variants, func(v results.VariantResult) bool { return v.Platform != nil }), platformTable(run.Variants, names)},
		{"Instances over time " + labelled(run.Variants), instancesTable(run.Variants, names)},
		{"Resources " + labelled(run.Variants) + warmup(run.Variants, func(v results.VariantResult) bool { return v.Resources != nil }), resourcesTable(run.Variants, names)},
	} {
		if len(s.table.rows) > 0 {
			sections = append(sections, s)
		}
	}
	for _, s := range sections {
		fmt.Fprintf(&b, "\n%s\n", s.heading)
		if err := s.table.terminal(&b); err != nil {
			return fmt.Errorf("render %s table: %w", s.heading, err)
		}
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// warmup says, for a terminal heading, whether the figures of the results
// of vs that has picks include the warmup: a measured result's resources
// and platform billing do, a simulated one's leave the warm-up out.
func warmup(vs []results.VariantResult, has func(results.VariantResult) bool) string {
	return ", " + byOrigin(resultsWith(vs, has), "warmup included", "the simulator's warm-up excluded")
}

// WriteFile writes the Markdown report of run to dir/REPORT.md, replacing
// it atomically, with the charts it embeds drawn beside it as PNG files
// (package charts), and returns its path.
func WriteFile(dir string, run results.Run, opts ...Option) (path string, err error) {
	cs, err := charts.Render(dir, run, charts.WithPricing(newConfig(opts).pricing))
	if err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	opts = append(opts, func(c *config) { c.charts = cs })
	var b bytes.Buffer
	if err := Markdown(&b, run, opts...); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	path = filepath.Join(dir, FileName)
	if err := atomicfile.Write(path, b.Bytes()); err != nil {
		return "", fmt.Errorf("write report %s: %w", path, err)
	}
	return path, nil
}

// Option configures how a report is rendered.
type Option func(*config)

type config struct {
	pricing       cost.Pricing
	pricingSource string
	charts        []charts.Chart // drawn beside the report, to embed
}

func newConfig(opts []Option) config {
	c := config{pricing: cost.Default(), pricingSource: "the default pricing table (cost/pricing.json)"}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithPricing prices the cost sections with p instead of the default
// table; source names where p came from (a file's path), for the report.
func WithPricing(p cost.Pricing, source string) Option {
	return func(c *config) { c.pricing, c.pricingSource = p, source }
}

// labelled returns the label for a section over variants: "(measured)",
// unless some variant is modeled.
func labelled(vs []results.VariantResult) string {
	if len(vs) > 0 && !slices.ContainsFunc(vs, func(v results.VariantResult) bool { return v.Label != results.LabelModeled }) {
		return "(modeled: every figure is a prediction, none measured)"
	}
	for _, v := range vs {
		if v.Label != "" && v.Label != results.LabelMeasured {
			return "(measured; rows marked [" + v.Label + "] are " + v.Label + ")"
		}
	}
	return "(measured)"
}

// variantNames returns how each variant is named in tables: its name, with
// its runtime when the run has several, its repetition when the name
// recurs, and its label unless measured.
func variantNames(vs []results.VariantResult) []string {
	runtimes := map[string]bool{}
	seen := map[string]int{}
	for _, v := range vs {
		runtimes[v.Runtime] = true
		seen[v.Variant+"/"+v.Setting+"/"+v.Runtime]++
	}
	names := make([]string, len(vs))
	for i, v := range vs {
		n := cmp.Or(v.Variant, "(unnamed)")
		if v.Setting != "" {
			n += " · " + v.Setting
		}
		if len(runtimes) > 1 && v.Runtime != "" {
			n += " (" + v.Runtime + ")"
		}
		if seen[v.Variant+"/"+v.Setting+"/"+v.Runtime] > 1 {
			n += fmt.Sprintf(" #%d", cmp.Or(v.Repetition, i+1))
		}
		if v.Label != "" && v.Label != results.LabelMeasured {
			n += " [" + v.Label + "]"
		}
		names[i] = n
	}
	return names
}

func metadataTable(run results.Run) table {
	t := table{header: []string{"field", "value"}}
	add := func(k, v string) {
		if v != "" {
			t.rows = append(t.rows, []string{k, v})
		}
	}
	add("scenario", run.Scenario)
	add("run id", run.ID)
	add("profile", run.Profile)
	if !run.StartedAt.IsZero() {
		add("started", run.StartedAt.UTC().Format(time.RFC3339))
	}
	if !run.FinishedAt.IsZero() {
		add("finished", run.FinishedAt.UTC().Format(time.RFC3339))
		if !run.StartedAt.IsZero() {
			add("wall time", seconds(run.FinishedAt.Sub(run.StartedAt).Round(time.Second).Seconds()))
		}
	}
	add("machine", machine(run.Machine))
	add("Go", run.Machine.GoVersion)
	add("archbench", build(run.Archbench))
	add("variants", strings.Join(distinct(run.Variants, func(v results.VariantResult) string { return v.Variant }), ", "))
	add("runtime", strings.Join(distinct(run.Variants, func(v results.VariantResult) string { return v.Runtime }), ", "))
	add("requested", strings.Join(distinct(run.Variants, requested), "; "))
	add("params", params(run.Params))
	return t
}

func machine(m results.Machine) string {
	var parts []string
	if m.OS != "" || m.Arch != "" {
		parts = append(parts, m.OS+"/"+m.Arch)
	}
	if m.CPUs > 0 {
		cpus := fmt.Sprintf("%d CPUs", m.CPUs)
		if m.CPUModel != "" {
			cpus += " (" + m.CPUModel + ")"
		}
		parts = append(parts, cpus)
	}
	if m.MemoryBytes > 0 {
		parts = append(parts, bytesIEC(m.MemoryBytes)+" RAM")
	}
	if m.Kernel != "" {
		parts = append(parts, "kernel "+m.Kernel)
	}
	return strings.Join(parts, ", ")
}

func build(b results.Build) string {
	var parts []string
	if b.Version != "" {
		parts = append(parts, b.Version)
	}
	if b.Revision != "" {
		rev := "commit " + b.Revision[:min(12, len(b.Revision))]
		if b.Modified {
			rev += " (modified)"
		}
		parts = append(parts, rev)
	}
	return strings.Join(parts, ", ")
}

// requested describes the load a variant was asked for.
func requested(v results.VariantResult) string {
	r := v.Requested
	if r.Rate == 0 && r.Duration == 0 {
		return ""
	}
	s := optRate(r.Rate) + " iterations/s for " + seconds(r.Duration.Seconds())
	if r.Warmup > 0 {
		s += " after a " + seconds(r.Warmup.Seconds()) + " warm-up"
	}
	return s
}

// params writes a run's params as k=v, comma-separated, sorted by key. A
// string value that holds a comma or an equals sign itself (a mix, a
// catalog, replicas) is quoted, so that where one param ends stays plain.
func params(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, ok := p[k].(string)
		if ok && strings.ContainsAny(v, ",=") {
			v = strconv.Quote(v)
		}
		if !ok {
			b, err := json.Marshal(p[k])
			if err != nil {
				v = fmt.Sprint(p[k])
			} else {
				v = string(b)
			}
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ", ")
}

// distinct returns the distinct non-empty values of f over vs, in order.
func distinct(vs []results.VariantResult, f func(results.VariantResult) string) []string {
	var out []string
	for _, v := range vs {
		if s := f(v); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// summaryIntro explains the summary's figures that are not over the
// measured window, if any: the resources and the function platform's
// billing of measured results, which include the warmup. A simulated
// run's cover the same window as the rest.
func summaryIntro(vs []results.VariantResult) string {
	var parts []string
	if rs := resultsWith(vs, func(v results.VariantResult) bool { return v.Resources != nil }); len(rs) > 0 {
		parts = append(parts, "CPU s is "+byOrigin(rs,
			"the CPU time all the variant's replicas used while the scenario ran, the warmup included",
			"the time the simulator's stations were busy, over the same window as the other figures")+"; see Resources below.")
	}
	if ps := resultsWith(vs, func(v results.VariantResult) bool { return v.Platform != nil }); len(ps) > 0 {
		parts = append(parts, "Billed GB-s is "+byOrigin(ps,
			"the function platform's own account, the warmup included",
			"the simulator's account of its function pools, over the same window as the other figures")+"; see Function platform below.")
	}
	return strings.Join(parts, " ")
}

// byOrigin returns measured or modeled, as the results vs are, or for a
// mix, measured with modeled for the rows marked so.
func byOrigin(vs []results.VariantResult, measured, modeled string) string {
	switch results.Origin(vs) {
	case results.LabelMeasured:
		return measured
	case results.LabelModeled:
		return modeled
	}
	return measured + " (for rows marked [modeled], " + modeled + ")"
}

func summaryTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "requested/s", "achieved it/s", "requests/s", "requests", "errors %", "dropped",
			"p50 ms", "p90 ms", "p99 ms", "max ms", "gen CPU µs/req", "CPU s", "billed GB-s", "audit"},
		right: []bool{false, true, true, true, true, true, true, true, true, true, true, true, true, true, false},
	}
	for i, v := range vs {
		achieved := none
		if v.Achieved.Iterations > 0 {
			achieved = rate(v.Achieved.IterationsPerSec)
		}
		cpu := none
		if v.Generator.CPU > 0 {
			cpu = ms(v.Generator.CPUMicrosPerRequest)
		}
		l := v.Total.LatencyMs
		errs, p50, p90, p99, pMax := percent(v.Total.ErrorRate), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max)
		if v.Total.Count == 0 { // no request: no latency, no error rate
			errs, p50, p90, p99, pMax = none, none, none, none, none
		}
		t.rows = append(t.rows, []string{
			names[i], optRate(v.Requested.Rate), achieved, rate(v.Achieved.RequestsPerSec),
			thousands(v.Total.Count), errs, thousands(v.Achieved.Dropped),
			p50, p90, p99, pMax, cpu, cpuTotal(v), billed(v), audit(v.Audit),
		})
	}
	if !hasPlatform(vs) { // only variants on a function platform are billed
		t = t.without(13)
	}
	if !hasResources(vs) { // only some runtimes measure what replicas use
		t = t.without(12)
	}
	return t
}

func audit(a *results.Audit) string {
	switch {
	case a == nil:
		return none
	case a.Passed:
		return "pass"
	}
	return "FAIL"
}

func operations(v results.VariantResult) []results.OpStats { return v.Operations }

func journeys(v results.VariantResult) []results.OpStats { return v.Journeys }

// opTable lays out the OpStats that f picks from each variant with one row
// per name and variant, sorted by name, so the variants sit side by side.
func opTable(kind string, vs []results.VariantResult, names []string, f func(results.VariantResult) []results.OpStats) table {
	t := table{
		header: []string{kind, "variant", "count", "throughput/s", "errors %", "dropped", "p50 ms", "p90 ms", "p99 ms", "max ms"},
		right:  []bool{false, false, true, true, true, true, true, true, true, true},
	}
	var opNames []string
	for _, v := range vs {
		for _, o := range f(v) {
			if !slices.Contains(opNames, o.Name) {
				opNames = append(opNames, o.Name)
			}
		}
	}
	slices.Sort(opNames)
	anyDropped := false
	for _, name := range opNames {
		for i, v := range vs {
			j := slices.IndexFunc(f(v), func(o results.OpStats) bool { return o.Name == name })
			if j < 0 {
				continue
			}
			o := f(v)[j]
			anyDropped = anyDropped || o.Dropped > 0
			l := o.LatencyMs
			t.rows = append(t.rows, []string{
				name, names[i], thousands(o.Count), rate(o.ThroughputPerSec), percent(o.ErrorRate), thousands(o.Dropped),
				ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max),
			})
		}
	}
	if !anyDropped { // operations never have any: leave the column out
		t = t.without(5)
	}
	return t
}

func coldStartTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "cold starts", "share %", "during warmup", "cold p50 ms", "cold p99 ms", "warm p50 ms", "warm p99 ms"},
		right:  []bool{false, true, true, true, true, true, true, true},
	}
	for i, v := range vs {
		c := v.ColdStarts
		if c == nil {
			continue
		}
		t.rows = append(t.rows, []string{
			names[i], thousands(c.Count), percent(c.Share), thousands(c.WarmupCount),
			ms(c.ColdLatencyMs.P50), ms(c.ColdLatencyMs.P99), ms(c.WarmLatencyMs.P50), ms(c.WarmLatencyMs.P99),
		})
	}
	return t
}

func auditTable(vs []results.VariantResult, names []string) table {
	t := table{header: []string{"variant", "check", "result", "detail"}}
	for i, v := range vs {
		if v.Audit == nil {
			continue
		}
		if len(v.Audit.Checks) == 0 {
			t.rows = append(t.rows, []string{names[i], "(no checks)", audit(v.Audit), ""})
		}
		for _, c := range v.Audit.Checks {
			result := "pass"
			if !c.Passed {
				result = "FAIL"
			}
			t.rows = append(t.rows, []string{names[i], c.Name, result, c.Detail})
		}
	}
	return t
}

func errorTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "count", "% of requests", "error"},
		right:  []bool{false, true, true, false},
	}
	for i, v := range vs {
		for _, e := range v.Errors {
			share := none
			if v.Total.Count > 0 {
				share = percent(float64(e.Count) / float64(v.Total.Count))
			}
			t.rows = append(t.rows, []string{names[i], thousands(e.Count), share, e.Message})
		}
	}
	return t
}

func writeNotes(b *bytes.Buffer, run results.Run, names []string) {
	var lines []string
	for _, n := range run.Notes {
		lines = append(lines, "- "+mdText(n))
	}
	for i, v := range run.Variants {
		for _, n := range v.Notes {
			lines = append(lines, "- **"+mdText(names[i])+"**: "+mdText(n))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Notes\n\n%s\n", strings.Join(lines, "\n"))
}

// mdText makes s safe as Markdown text on one line.
func mdText(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// joinIntro puts a section's explanation and its conclusion together.
func joinIntro(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}
