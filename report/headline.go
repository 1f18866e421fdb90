package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// perMillion names the modeled cost figure the headline table adds to
// package figures' others (measured, or modeled in a simulated run).
const perMillion = "cost per 1M requests, modeled"

// headlineIntro explains the headline table.
const headlineIntro = "Each cell is the mean over the repetitions (-count) with its 95 % confidence interval " +
	"(Student's t) and the number of runs; outliers (Tukey's fences) are flagged, not dropped, and so is a repetition that " +
	"stood out, its errors, dropped journeys or cold starts five times every other's (a stall, or a storm of cold starts). " +
	"A winner is named only where its interval overlaps no other variant's on the same runtime; with one run each no interval " +
	"exists and no winner is called: repeat the run with -count 3 or more. Where the intervals overlap but, paired by round, " +
	"every other variant's latency was above one variant's beyond doubt, that variant is named, \"paired by round\" " +
	"(see the section of that name). Throughput has no winner while every variant carried " +
	"the load offered to it: the open-loop generator offers each the same rate, so the figure is the load's."

// headlineFigures returns the run's headline figures (package figures)
// and, where usage could be priced, the modeled cost per million requests
// of each variant group.
func headlineFigures(run results.Run, es []*cost.Estimate) []figures.Figure {
	figs := figures.Extract(run)
	byKey := map[figures.Key][]float64{}
	group := map[figures.Key][]results.VariantResult{}
	var keys []figures.Key
	for i, v := range run.Variants {
		k := figures.KeyOf(v)
		group[k] = append(group[k], v)
		if es[i] == nil || es[i].RequestsPerSec <= 0 {
			continue
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], es[i].PerMillionUSD)
	}
	for _, k := range keys {
		// As package figures does for a figure only some repetitions
		// have: listed, but with no samples, rather than a mean over
		// fewer runs than the others'.
		// The usage priced is as the group's results are: measured, or
		// modeled in a simulated run.
		xs, notes := byKey[k], []string{"modeled: " + results.Origin(group[k]) + " usage at list prices"}
		if n := len(group[k]); len(xs) < n {
			notes = append(notes, fmt.Sprintf("no samples: priced in %d of %d repetitions (the others' usage could not be priced)", len(xs), n))
			xs = nil
		}
		figs = append(figs, figures.Figure{Key: k, Name: perMillion, Unit: "$", Better: figures.LowerIsBetter,
			Samples: xs, Stats: stats.Summarise(xs), Notes: notes})
	}
	return figs
}

// headlineTable sets each headline figure of the run side by side across
// variants, one row per figure and setting, naming a winner only where
// the confidence intervals allow it, or where paired shows one variant
// best round by round (see pairedBest).
func headlineTable(figs []figures.Figure, paired ...pairing) table {
	var variants []string // column per variant (and runtime)
	column := func(k figures.Key) string {
		return strings.TrimSuffix(k.Variant+" ("+k.Runtime+")", " ()")
	}
	type rowKey struct{ name, setting string }
	var rows []rowKey
	cells := map[rowKey]map[string]figures.Figure{}
	for _, f := range figs {
		c := column(f.Key)
		if !slices.Contains(variants, c) {
			variants = append(variants, c)
		}
		rk := rowKey{f.Name, f.Key.Setting}
		if cells[rk] == nil {
			cells[rk] = map[string]figures.Figure{}
			rows = append(rows, rk)
		}
		cells[rk][c] = f
	}
	if len(rows) == 0 {
		return table{}
	}
	// Figures in the order package figures lists them, then by setting.
	order := map[string]int{}
	for i, f := range figs {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	slices.SortStableFunc(rows, func(a, b rowKey) int {
		return cmp.Or(cmp.Compare(order[a.name], order[b.name]), cmp.Compare(a.setting, b.setting))
	})
	t := table{header: append([]string{"figure", "setting"}, variants...)}
	t.header = append(t.header, "significant winner")
	t.right = make([]bool, len(t.header))
	for _, rk := range rows {
		var row []figures.Figure
		unit := ""
		line := []string{rk.name, cmp.Or(rk.setting, "—")}
		for _, c := range variants {
			f, ok := cells[rk][c]
			if !ok {
				line = append(line, "")
				continue
			}
			row = append(row, f)
			unit = f.Unit
			line = append(line, headlineCell(f))
		}
		line[0] += " (" + unit + ")"
		winner := headlineWinner(row, rk.name)
		if best, ok := pairedBest(paired, rk.name, rk.setting, row[0].Key.Runtime); ok && winner == noWinnerOverlap {
			winner = best + ", paired by round"
		}
		line = append(line, winner)
		t.rows = append(t.rows, line)
	}
	return t
}

// headlineCell formats one group's figure: mean ± half-width (n), or why
// there is no value.
func headlineCell(f figures.Figure) string {
	s := f.Stats
	switch {
	case s.N == 0:
		return "n/a"
	case s.N == 1:
		return sig3(s.Mean) + " (n=1)"
	}
	out := fmt.Sprintf("%s ± %s (n=%d)", sig3(s.Mean), sig3(s.HalfWidth()), s.N)
	if len(s.Outliers) > 0 {
		out += fmt.Sprintf(", %d outlier", len(s.Outliers))
		if len(s.Outliers) > 1 {
			out += "s"
		}
	}
	if len(f.StoodOut) > 0 {
		reps := make([]string, len(f.StoodOut))
		for i, r := range f.StoodOut {
			reps[i] = fmt.Sprintf("#%d", r)
		}
		out += ", " + strings.Join(reps, " and ") + " stood out"
	}
	return out
}

// headlineWinner names the group whose figure is best beyond doubt, or
// says why none is named.
func headlineWinner(row []figures.Figure, name string) string {
	// Variants compete on one runtime, the first column's: a variant run
	// also on the other runtime, side by side, is a comparison of
	// runtimes, not a rival.
	row = slices.DeleteFunc(slices.Clone(row), func(f figures.Figure) bool { return f.Key.Runtime != row[0].Key.Runtime })
	if len(row) < 2 {
		return "—"
	}
	if k, ok := figures.Winner(row, name); ok {
		return k.Variant
	}
	if !slices.ContainsFunc(row, func(f figures.Figure) bool { return !f.Carried }) {
		return "none: each carried the offered load"
	}
	// No samples is a group some repetition of which lacks the figure
	// (package figures); one sample, a group that ran once.
	if slices.ContainsFunc(row, func(f figures.Figure) bool { return f.Stats.N == 1 }) {
		return "none: one run each"
	}
	if slices.ContainsFunc(row, func(f figures.Figure) bool { return f.Stats.N == 0 }) {
		return "none: too few repetitions with this figure"
	}
	return noWinnerOverlap
}

// noWinnerOverlap is the winner cell of a figure whose intervals do not
// tell the variants apart.
const noWinnerOverlap = "none: intervals overlap"
