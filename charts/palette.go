package charts

import (
	"cmp"
	"fmt"
	"image/color"

	"gonum.org/v1/plot/vg"

	"github.com/archbench/archbench/results"
)

// rgb is an opaque colour as 0xRRGGBB, so colours can be constants.
type rgb uint32

// RGBA implements color.Color.
func (c rgb) RGBA() (r, g, b, a uint32) {
	r, g, b = uint32(c>>16&0xff), uint32(c>>8&0xff), uint32(c&0xff)
	return r * 0x101, g * 0x101, b * 0x101, 0xffff
}

// Okabe and Ito's colour-blind safe palette, and a neutral grey.
const (
	blue          rgb = 0x0072B2
	vermillion    rgb = 0xD55E00
	bluishGreen   rgb = 0x009E73
	reddishPurple rgb = 0xCC79A7
	orange        rgb = 0xE69F00
	skyBlue       rgb = 0x56B4E9
	black         rgb = 0x000000
	yellow        rgb = 0xF0E442
	grey          rgb = 0x777777
)

// knownColor is the colour of each of archbench's variants, the same in
// every run.
func knownColor(variant string) (color.Color, bool) {
	switch variant {
	case "monolith":
		return blue, true
	case "microservices":
		return vermillion, true
	case "serverless":
		return bluishGreen, true
	case "hybrid":
		return reddishPurple, true
	}
	return nil, false
}

// spareColors go to other variants, in order of appearance; yellow, too
// faint on white, comes last.
func spareColors() []color.Color { return []color.Color{orange, skyBlue, black, yellow} }

// dashPatterns tell a variant's settings apart, in order of appearance.
func dashPatterns() [][]vg.Length {
	return [][]vg.Length{
		nil,
		{vg.Points(6), vg.Points(3)},
		{vg.Points(2), vg.Points(2)},
		{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)},
		{vg.Points(12), vg.Points(4)},
	}
}

// Line widths in points: one result, and each of several repetitions.
const (
	lineWidth vg.Length = 1.6
	repWidth  vg.Length = 0.9
)

// palette gives every variant of a run its colour, and every setting of a
// variant its dash pattern.
type palette struct {
	colors       map[string]color.Color
	dashes       map[styleKey]int
	multiRuntime bool
}

// styleKey names a group of repetitions: one variant, setting and runtime.
type styleKey struct{ variant, setting, runtime string }

func keyOf(v results.VariantResult) styleKey { return styleKey{v.Variant, v.Setting, v.Runtime} }

func newPalette(vs []results.VariantResult) palette {
	p := palette{colors: map[string]color.Color{}, dashes: map[styleKey]int{}}
	spare := spareColors()
	perVariant := map[string]int{}
	runtimes := map[string]bool{}
	for _, v := range vs {
		runtimes[v.Runtime] = true
		if _, ok := p.colors[v.Variant]; !ok {
			c, known := knownColor(v.Variant)
			if !known {
				c = spare[0]
				spare = append(spare[1:], spare[0])
			}
			p.colors[v.Variant] = c
		}
		k := keyOf(v)
		if _, ok := p.dashes[k]; !ok {
			p.dashes[k] = perVariant[v.Variant]
			perVariant[v.Variant]++
		}
	}
	p.multiRuntime = len(runtimes) > 1
	return p
}

// group is what one legend entry stands for: the repetitions of a variant
// under one setting and runtime, drawn alike.
type group struct {
	name   string
	color  color.Color
	dashes []vg.Length
	// vs holds the repetitions, in run order.
	vs []results.VariantResult
}

// width is the width of each of the group's lines.
func (g group) width() vg.Length {
	if len(g.vs) > 1 {
		return repWidth
	}
	return lineWidth
}

// style is the line style of the group's lines.
func (g group) style() lineStyle {
	return lineStyle{Color: g.color, Width: g.width(), Dashes: g.dashes}
}

// groups gathers the results keep accepts into groups, in order of first
// appearance.
func (p palette) groups(vs []results.VariantResult, keep func(results.VariantResult) bool) []group {
	var out []group
	index := map[styleKey]int{}
	for _, v := range vs {
		if !keep(v) {
			continue
		}
		k := keyOf(v)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			pats := dashPatterns()
			out = append(out, group{color: p.color(v.Variant), dashes: pats[p.dashes[k]%len(pats)]})
		}
		out[i].vs = append(out[i].vs, v)
	}
	for i := range out {
		out[i].name = p.name(out[i].vs)
	}
	return out
}

func (p palette) color(variant string) color.Color {
	if c, ok := p.colors[variant]; ok {
		return c
	}
	return grey
}

// name names a group as the report names a result, and says how many
// repetitions it draws.
func (p palette) name(vs []results.VariantResult) string {
	v := vs[0]
	n := cmp.Or(v.Variant, "(unnamed)")
	if v.Setting != "" {
		n += " · " + v.Setting
	}
	if p.multiRuntime && v.Runtime != "" {
		n += " (" + v.Runtime + ")"
	}
	if len(vs) > 1 {
		n += fmt.Sprintf(", %d repetitions", len(vs))
	}
	if labelOf(vs) == results.LabelModeled {
		n += " [modeled]"
	}
	return n
}

// variantList names the variants of groups for alt text: "monolith,
// microservices and serverless".
func variantList(gs []group) string {
	var names []string
	seen := map[string]bool{}
	for _, g := range gs {
		n := cmp.Or(g.vs[0].Variant, "(unnamed)")
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	s := names[0]
	for _, n := range names[1 : len(names)-1] {
		s += ", " + n
	}
	return s + " and " + names[len(names)-1]
}

// groupResults returns the results of gs, in group order.
func groupResults(gs []group) []results.VariantResult {
	var vs []results.VariantResult
	for _, g := range gs {
		vs = append(vs, g.vs...)
	}
	return vs
}
