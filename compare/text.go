package compare

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/archbench/archbench/figures"
	"github.com/archbench/archbench/stats"
)

// WriteText writes c for people: a table of the figures in both runs — old
// and new mean with the confidence interval's half-width in percent of the
// mean and the number of repetitions, the change, its p value and verdict —
// then "N of M figures changed significantly", the test used, the figures
// present in one run only, and the notes.
func (c Comparison) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "old: %s\nnew: %s\n\n", orUnnamed(c.OldID), orUnnamed(c.NewID))
	if len(c.Changes) == 0 {
		buf.WriteString("No figure is in both runs.\n")
	} else if err := c.table(&buf); err != nil {
		return fmt.Errorf("render comparison table: %w", err)
	}
	fmt.Fprintf(&buf, "\n%d of %d figures changed significantly\n", c.Changed(), len(c.Changes))
	fmt.Fprintf(&buf, "p: %s; ± is the %s interval's half-width.\n", c.Test, levelOf(c.Changes))
	only := func(run string, figs []figures.Figure) {
		if len(figs) == 0 {
			return
		}
		fmt.Fprintf(&buf, "\nOnly in the %s run:\n", run)
		for _, f := range figs {
			fmt.Fprintf(&buf, "  %s %s (%s): %s\n", f.Key, f.Name, f.Unit, cell(f.Stats))
			for _, n := range f.Notes {
				fmt.Fprintf(&buf, "    - %s\n", n)
			}
		}
	}
	if len(c.Ratios) > 0 {
		buf.WriteString("\nRelative to the first variant, round by round: each round's latency divided by the first variant's in " +
			"the same round (geometric mean, ± the interval's half-width), which host speed moving every variant of a round " +
			"alike does not move.\n")
		if err := c.ratioTable(&buf); err != nil {
			return fmt.Errorf("render ratio table: %w", err)
		}
		changed := 0
		for _, r := range c.Ratios {
			if r.Verdict == Better || r.Verdict == Worse {
				changed++
			}
		}
		fmt.Fprintf(&buf, "%d of %d ratios changed significantly\n", changed, len(c.Ratios))
	}
	only("old", c.OnlyOld)
	only("new", c.OnlyNew)
	var notes []string
	for _, ch := range c.Changes {
		for _, n := range ch.Notes {
			notes = append(notes, fmt.Sprintf("%s %s: %s", ch.Key, ch.Name, n))
		}
	}
	notes = append(notes, c.Notes...)
	if len(notes) > 0 {
		buf.WriteString("\nNotes:\n")
		for _, n := range notes {
			fmt.Fprintf(&buf, "  - %s\n", n)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

// table renders the changes as a box-drawn table, numbers right-aligned.
func (c Comparison) table(w io.Writer) error {
	rows := make([][]string, len(c.Changes))
	for i, ch := range c.Changes {
		rows[i] = []string{oneLine(ch.Key.String()), ch.Name + " (" + ch.Unit + ")", cell(ch.Old), cell(ch.New), delta(ch.DeltaPct), pValue(ch.P, ch.Verdict), string(ch.Verdict)}
	}
	return render(w, []string{"variant", "figure", "old", "new", "delta", "p", "verdict"}, []bool{false, false, true, true, true, true, false}, rows)
}

// pValue formats a p value for the tables: "–" where no test could run.
func pValue(p float64, v Verdict) string {
	switch {
	case v == TooFew:
		return "–"
	case p < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// render writes rows under header as a box-drawn table, the columns
// marked right aligned to the right.
func render(w io.Writer, header []string, right []bool, rows [][]string) error {
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignLeft
		if right[i] {
			align[i] = tw.AlignRight
		}
	}
	tbl := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off), // keep "p99 latency" as written
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	tbl.Header(header)
	for _, row := range rows {
		if err := tbl.Append(row); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// ratioTable renders the ratio changes as table renders the changes.
func (c Comparison) ratioTable(w io.Writer) error {
	rows := make([][]string, len(c.Ratios))
	for i, r := range c.Ratios {
		rows[i] = []string{oneLine(r.Key.String()), r.Name + " ÷ " + r.Reference + "'s", ratioCell(r.Old), ratioCell(r.New),
			delta(r.DeltaPct), pValue(r.P, r.Verdict), string(r.Verdict)}
	}
	return render(w, []string{"variant", "figure", "old", "new", "delta", "p", "verdict"}, []bool{false, false, true, true, true, true, false}, rows)
}

// ratioCell formats a ratio: "2.01 ±20% (n=3)", with the interval's
// larger half-width in percent of the ratio.
func ratioCell(r stats.Ratio) string {
	if r.N < 2 {
		return fmt.Sprintf("%s (n=%d)", num(r.Mean), r.N)
	}
	half := max(r.Hi-r.Mean, r.Mean-r.Lo) / r.Mean * 100
	return fmt.Sprintf("%s ±%.0f%% (n=%d)", num(r.Mean), half, r.N)
}

// cell formats a summary: "12.3 ±4% (n=5)", "12.3 (n=1)", "–" without data.
func cell(s stats.Summary) string {
	switch s.N {
	case 0:
		return "– (n=0)"
	case 1:
		return fmt.Sprintf("%s (n=1)", num(s.Mean))
	}
	pm := "±" + num(s.HalfWidth())
	if s.Mean != 0 {
		rel := s.HalfWidth() / math.Abs(s.Mean) * 100
		pm = fmt.Sprintf("±%.0f%%", rel)
		if rel < 10 {
			pm = fmt.Sprintf("±%.1f%%", rel)
		}
	}
	return fmt.Sprintf("%s %s (n=%d)", num(s.Mean), pm, s.N)
}

// num formats x with about three significant digits, without exponents
// for the magnitudes archbench measures.
func num(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return fmt.Sprint(x)
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 1 || a == 0:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

// delta formats a change in percent: "+12.3%", "–" when undefined.
func delta(pct float64) string {
	switch {
	case math.IsNaN(pct):
		return "–"
	case math.IsInf(pct, 1):
		return "+inf%"
	case math.IsInf(pct, -1):
		return "-inf%"
	}
	return fmt.Sprintf("%+.1f%%", pct)
}

// levelOf names the confidence level of the changes' intervals: "95%".
func levelOf(chs []Change) string {
	for _, ch := range chs {
		if ch.Old.Level > 0 {
			return fmt.Sprintf("%.4g%%", ch.Old.Level*100)
		}
	}
	return fmt.Sprintf("%.4g%%", stats.DefaultLevel*100)
}

func orUnnamed(id string) string {
	if id == "" {
		return "(unnamed run)"
	}
	return id
}

// oneLine keeps s on one line of the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
