// Package compare sets two runs of archbench side by side, figure by
// figure, and says which figures changed significantly: the logic behind
// `archbench compare OLD NEW`. It also writes a run in the Go benchmark
// format, so that benchstat can compare runs too.
//
// A figure is a headline figure of one variant group (package figures),
// with one sample per repetition. Two runs' figures match when they have
// the same variant, setting, runtime and name; each match is tested with
// stats.Significant on the repetitions' samples.
package compare

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/stats"
)

// Verdict says what became of a figure from the old run to the new.
type Verdict string

// Verdicts.
const (
	// Unchanged: the difference is within the noise of the repetitions.
	Unchanged Verdict = "no significant change"
	// Better: a significant change the figure's better way.
	Better Verdict = "better"
	// Worse: a significant change the figure's worse way.
	Worse Verdict = "worse"
	// TooFew: a side has fewer than two repetitions with the figure, and
	// no test can tell a change from noise.
	TooFew Verdict = "n too small"
)

// Change is one figure present in both runs.
type Change struct {
	// Key, Name, Unit and Better describe the figure (see figures.Figure).
	Key    figures.Key
	Name   string
	Unit   string
	Better figures.Direction
	// Old and New summarise the figure's samples in each run.
	Old, New stats.Summary
	// OldMean and NewMean are Old.Mean and New.Mean.
	OldMean, NewMean float64
	// DeltaPct is the change of the mean in percent of the old mean:
	// positive when it grew. It is ±Inf when the old mean is 0 and the new
	// is not, and NaN when a side has no samples.
	DeltaPct float64
	// P is the p value of stats.Significant on the samples; 1 when a side
	// has fewer than two.
	P float64
	// Significant reports whether P is below alpha.
	Significant bool
	// Verdict sums the change up.
	Verdict Verdict
	// OldSamples and NewSamples are the figure's samples in each run, one
	// per repetition.
	OldSamples, NewSamples []float64
	// Notes carry each run's notes on the figure, prefixed "old: " or "new: ".
	Notes []string
}

// Comparison is two runs set side by side.
type Comparison struct {
	// OldID and NewID are the runs' IDs.
	OldID, NewID string
	// Test describes the significance test used (see stats.Describe).
	Test string
	// Changes holds every figure present in both runs, in the old run's
	// order of figures.
	Changes []Change
	// OnlyOld and OnlyNew hold the figures present in one run only, in
	// that run's order.
	OnlyOld, OnlyNew []figures.Figure
	// Ratios holds each variant's latency relative to the reference
	// variant, round by round, where both runs repeated it: what host
	// speed between the runs does not move.
	Ratios []RatioChange
	// Notes say how the runs differ other than in their figures: scenario,
	// profile, parameters, machine. Comparing them may be meaningless.
	Notes []string
}

// Changed counts the figures that changed significantly.
func (c Comparison) Changed() int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Verdict == Better || ch.Verdict == Worse {
			n++
		}
	}
	return n
}

// Compare sets run b (new) against run a (old, the baseline). opts choose
// the significance test and its level (see stats.WithTest and
// stats.WithLevel); by default Welch's t-test at alpha 0.05.
func Compare(a, b results.Run, opts ...stats.Option) Comparison {
	c := Comparison{OldID: a.ID, NewID: b.ID, Test: stats.Describe(opts...), Notes: runNotes(a, b)}
	type id struct {
		key  figures.Key
		name string
	}
	olds, news := figures.Extract(a), figures.Extract(b)
	inNew := map[id]int{}
	for i, f := range news {
		inNew[id{f.Key, f.Name}] = i
	}
	matched := map[id]bool{}
	for _, o := range olds {
		k := id{o.Key, o.Name}
		i, ok := inNew[k]
		if !ok {
			c.OnlyOld = append(c.OnlyOld, o)
			continue
		}
		matched[k] = true
		c.Changes = append(c.Changes, change(o, news[i], opts))
	}
	for _, n := range news {
		if !matched[id{n.Key, n.Name}] {
			c.OnlyNew = append(c.OnlyNew, n)
		}
	}
	c.Ratios = ratioChanges(figures.PairByRound(a), figures.PairByRound(b), opts)
	return c
}

// change compares one figure of the old run with the same of the new.
func change(o, n figures.Figure, opts []stats.Option) Change {
	ch := Change{
		Key: o.Key, Name: o.Name, Unit: n.Unit, Better: n.Better,
		Old: o.Stats, New: n.Stats, OldMean: o.Stats.Mean, NewMean: n.Stats.Mean,
		DeltaPct:   deltaPct(o.Stats, n.Stats),
		OldSamples: o.Samples, NewSamples: n.Samples,
	}
	for _, note := range o.Notes {
		ch.Notes = append(ch.Notes, "old: "+note)
	}
	for _, note := range n.Notes {
		ch.Notes = append(ch.Notes, "new: "+note)
	}
	ch.P, ch.Significant = stats.Significant(o.Samples, n.Samples, opts...)
	ch.Verdict = verdict(min(o.Stats.N, n.Stats.N), ch.Significant, ch.OldMean, ch.NewMean, n.Better)
	return ch
}

// verdict sums up a change from oldMean to newMean, tested on samples of
// which the smaller side has n: too few to test below two, unchanged
// unless significant, else better or worse by the figure's direction.
func verdict(n int, significant bool, oldMean, newMean float64, better figures.Direction) Verdict {
	switch {
	case n < 2:
		return TooFew
	case !significant || newMean == oldMean:
		return Unchanged
	case (newMean < oldMean) == (better == figures.LowerIsBetter):
		return Better
	}
	return Worse
}

// deltaPct is the change of the mean from o to n in percent of o's.
func deltaPct(o, n stats.Summary) float64 {
	switch {
	case o.N == 0 || n.N == 0:
		return math.NaN()
	case o.Mean == n.Mean:
		return 0
	case o.Mean == 0:
		return math.Inf(int(math.Copysign(1, n.Mean)))
	}
	return (n.Mean - o.Mean) / math.Abs(o.Mean) * 100
}

// catalogParam is the param under which a bench records the catalog its
// variants were seeded with (scenarios.Bench.Run).
const catalogParam = "catalog"

// withRecordedDefaults returns params with what runs ran with before it
// was recorded: a run without a catalog param seeded the default catalog.
// So a run from before the param existed does not differ from a newer one
// on the default catalog.
func withRecordedDefaults(params map[string]any) map[string]any {
	if _, ok := params[catalogParam]; ok || len(params) == 0 {
		return params
	}
	out := maps.Clone(params)
	out[catalogParam] = shop.DefaultCatalog.String()
	return out
}

// runNotes says how a and b differ other than in their figures, and
// which repetitions stood out in either (figures.Standouts).
func runNotes(a, b results.Run) []string {
	var notes []string
	differ := func(what, x, y string) {
		if x != y {
			notes = append(notes, fmt.Sprintf("%s differs: %q in the old run, %q in the new", what, x, y))
		}
	}
	for _, run := range []struct {
		name string
		run  results.Run
	}{{"old", a}, {"new", b}} {
		for _, g := range figures.Groups(run.run) {
			for _, s := range figures.Standouts(g.Results) {
				notes = append(notes, fmt.Sprintf("in the %s run, a repetition of %s stood out from its others (a stall, or a "+
					"storm of cold starts; its figures are compared with the rest, and may move the comparison): %s", run.name, g.Key, s))
			}
		}
	}
	differ("scenario", a.Scenario, b.Scenario)
	differ("profile", a.Profile, b.Profile)
	ma, mb := a.Machine, b.Machine
	differ("machine", fmt.Sprintf("%s/%s, %d CPUs, %s", ma.OS, ma.Arch, ma.CPUs, ma.CPUModel),
		fmt.Sprintf("%s/%s, %d CPUs, %s", mb.OS, mb.Arch, mb.CPUs, mb.CPUModel))
	if params := paramsDiffer(withRecordedDefaults(a.Params), withRecordedDefaults(b.Params)); len(params) > 0 {
		notes = append(notes, "parameters differ: "+strings.Join(params, ", "))
	}
	return notes
}

// paramsDiffer names, in order, the params whose values differ between the
// old run's (pa) and the new one's (pb). A param recorded in one run only
// says so: it may be new in the bench rather than a different setting (a
// run from before it was recorded ran with whatever it defaulted to then).
func paramsDiffer(pa, pb map[string]any) []string {
	var params []string
	keys := make(map[string]bool, len(pa)+len(pb))
	for k := range pa {
		keys[k] = true
	}
	for k := range pb {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		av, inA := pa[k]
		bv, inB := pb[k]
		switch {
		case !inA:
			params = append(params, k+" (only in the new run)")
		case !inB:
			params = append(params, k+" (only in the old run)")
		case !reflect.DeepEqual(av, bv):
			params = append(params, k)
		}
	}
	return params
}
