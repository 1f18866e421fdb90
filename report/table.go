package report

import (
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// table is a table's content, apart from how it is drawn.
type table struct {
	header []string
	rows   [][]string
	right  []bool // right-aligned columns (numbers); nil means all left
}

// without returns t without column i.
func (t table) without(i int) table {
	drop := func(row []string) []string { return slices.Delete(slices.Clone(row), i, i+1) }
	out := table{header: drop(t.header)}
	if t.right != nil {
		out.right = slices.Delete(slices.Clone(t.right), i, i+1)
	}
	for _, r := range t.rows {
		out.rows = append(out.rows, drop(r))
	}
	return out
}

// markdown writes t as a GitHub-flavoured Markdown table.
func (t table) markdown(w io.Writer) error {
	return t.render(w, cellMarkdown, tablewriter.WithRenderer(renderer.NewMarkdown()))
}

// terminal writes t as a box-drawn table.
func (t table) terminal(w io.Writer) error {
	return t.render(w, cellTerminal)
}

func (t table) render(w io.Writer, cell func(string) string, opts ...tablewriter.Option) error {
	align := make([]tw.Align, len(t.header))
	for i := range align {
		align[i] = tw.AlignLeft
		if i < len(t.right) && t.right[i] {
			align[i] = tw.AlignRight
		}
	}
	opts = append(opts,
		tablewriter.WithHeaderAutoFormat(tw.Off), // keep "p50 ms" as written
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone), // a wrapped cell breaks a Markdown row
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	tbl := tablewriter.NewTable(w, opts...)
	tbl.Header(cells(t.header, cell))
	for _, r := range t.rows {
		if err := tbl.Append(cells(r, cell)); err != nil {
			return err
		}
	}
	return tbl.Render()
}

func cells(row []string, cell func(string) string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = cell(c)
	}
	return out
}

// cellMarkdown makes s safe inside a Markdown table cell.
func cellMarkdown(s string) string {
	s = strings.ReplaceAll(mdText(s), "|", `\|`)
	if s == "" {
		return " "
	}
	return s
}

// cellTerminal keeps s on one line.
func cellTerminal(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}
