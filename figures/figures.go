// Package figures reads the headline figures of a run — latency, throughput,
// errors, and each scenario's own (max throughput, blast radius, recovery,
// cold starts, readiness) — out of results.json, one figure per variant
// group with one sample per repetition, summarised by package stats.
//
// A variant group is every result of one variant under one setting on one
// runtime: the repetitions of the same measurement. Figures compare groups
// only where the numbers allow it: Winner names a best group only when its
// confidence interval stands apart from every other's.
package figures

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/stats"
)

// Key identifies a variant group: the results that repeat one measurement.
type Key struct {
	// Variant names the architecture variant, such as "monolith".
	Variant string
	// Setting names the variation of its settings, such as
	// "keep-alive 2s"; empty when the scenario varies none.
	Setting string
	// Runtime names where it ran, such as "process" or "docker".
	Runtime string
}

// String names the group for people: "monolith/process",
// "serverless/keep-alive 2s/process". Empty parts are left out.
func (k Key) String() string {
	var parts []string
	for _, p := range []string{k.Variant, k.Setting, k.Runtime} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "(unnamed)"
	}
	return strings.Join(parts, "/")
}

// KeyOf returns the group v belongs to.
func KeyOf(v results.VariantResult) Key {
	return Key{Variant: v.Variant, Setting: v.Setting, Runtime: v.Runtime}
}

// Direction says which way a figure improves.
type Direction int

// Directions.
const (
	// LowerIsBetter marks figures such as latency or error rate.
	LowerIsBetter Direction = iota
	// HigherIsBetter marks figures such as throughput.
	HigherIsBetter
)

// String says which way is better: "lower" or "higher".
func (d Direction) String() string {
	if d == HigherIsBetter {
		return "higher"
	}
	return "lower"
}

// Names of the figures Extract reads, in the order it lists them.
const (
	P50               = "p50 latency"         // Total.LatencyMs.P50, ms
	P99               = "p99 latency"         // Total.LatencyMs.P99, ms
	Throughput        = "throughput"          // Achieved.RequestsPerSec, req/s
	ErrorRate         = "error rate"          // Total.ErrorRate, %
	MaxThroughput     = "max throughput"      // Ramp.MaxRequestsPerSec, req/s
	BlastRadius       = "blast radius"        // Fault.BlastRadius of a crash, %
	DeployBlastRadius = "deploy blast radius" // Fault.BlastRadius of a redeploy, %
	RecoveryTime      = "recovery time"       // Spike.RecoverySec, s
	ColdStartP99      = "cold-start p99"      // ColdStarts.ColdLatencyMs.P99, ms
	ReadyTime         = "ready time"          // ReadySec, s
)

// Figure is one headline figure of one variant group, over its repetitions.
type Figure struct {
	// Key is the variant group.
	Key Key
	// Name is what the figure measures, one of the names above.
	Name string
	// Unit is the unit of Samples: "ms", "req/s", "%" or "s".
	Unit string
	// Better says which way the figure improves.
	Better Direction
	// Samples holds the figure of each repetition, in repetition order. It
	// is empty when some repetitions lack the figure (see Notes).
	Samples []float64
	// Stats summarises Samples with stats.Summarise.
	Stats stats.Summary
	// Carried is true for a throughput figure when every repetition
	// carried all the load it was offered: every journey that came due
	// started, none was dropped, and they completed at the offered rate
	// (within 1 %). The figure is then the load's, not the variant's: an
	// open-loop generator offers each variant the same rate, and Winner
	// calls none among groups that all carried it.
	Carried bool
	// StoodOut numbers the repetitions that stood out from the group's
	// others (see Standouts): in Samples like the rest, and to be named
	// beside them.
	StoodOut []int
	// Notes qualify the figure: repetitions without it, a spike never
	// recovered from, figures that were modeled.
	Notes []string
}

// metric reads one figure off a result. ok is false when the result does
// not have it; why, when not empty, says what the absence means.
type metric struct {
	name   string
	unit   string
	better Direction
	read   func(v *results.VariantResult) (x float64, ok bool, why string)
}

// metrics returns every figure Extract reads, in the order it lists them.
func metrics() []metric {
	return []metric{
		{P50, "ms", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			return v.Total.LatencyMs.P50, v.Total.Count > 0, ""
		}},
		{P99, "ms", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			return v.Total.LatencyMs.P99, v.Total.Count > 0, ""
		}},
		{Throughput, "req/s", HigherIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			return v.Achieved.RequestsPerSec, true, ""
		}},
		{ErrorRate, "%", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			return v.Total.ErrorRate * 100, v.Total.Count > 0, ""
		}},
		{MaxThroughput, "req/s", HigherIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			if v.Ramp == nil || len(v.Ramp.Steps) == 0 {
				return 0, false, ""
			}
			return v.Ramp.MaxRequestsPerSec, true, ""
		}},
		{BlastRadius, "%", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			if v.Fault == nil || v.Fault.Kind == "redeploy" {
				return 0, false, ""
			}
			return v.Fault.BlastRadius * 100, true, ""
		}},
		{DeployBlastRadius, "%", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			if v.Fault == nil || v.Fault.Kind != "redeploy" {
				return 0, false, ""
			}
			return v.Fault.BlastRadius * 100, true, ""
		}},
		{RecoveryTime, "s", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			switch {
			case v.Spike == nil:
				return 0, false, ""
			case v.Spike.RecoverySec < 0:
				return 0, false, "never recovered before the run ended"
			}
			return v.Spike.RecoverySec, true, ""
		}},
		{ColdStartP99, "ms", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			if v.ColdStarts == nil || v.ColdStarts.Count == 0 {
				return 0, false, ""
			}
			return v.ColdStarts.ColdLatencyMs.P99, true, ""
		}},
		{ReadyTime, "s", LowerIsBetter, func(v *results.VariantResult) (float64, bool, string) {
			return v.ReadySec, v.ReadySec > 0, ""
		}},
	}
}

// Group is a variant group's results, in repetition order.
type Group struct {
	// Key identifies the group.
	Key Key
	// Results holds the group's results, one per repetition.
	Results []results.VariantResult
}

// Groups splits run's results into variant groups: variants in the order
// they first appear in the run, each variant's groups likewise, and each
// group's results by Repetition (results without one, or sharing one, keep
// the run's order).
func Groups(run results.Run) []Group {
	var groups []Group
	at := map[Key]int{}
	firstVariant := map[string]int{}
	for _, v := range run.Variants {
		k := KeyOf(v)
		if _, ok := firstVariant[k.Variant]; !ok {
			firstVariant[k.Variant] = len(firstVariant)
		}
		i, ok := at[k]
		if !ok {
			i = len(groups)
			at[k] = i
			groups = append(groups, Group{Key: k})
		}
		groups[i].Results = append(groups[i].Results, v)
	}
	// Stable: groups of one variant keep their order of first appearance.
	slices.SortStableFunc(groups, func(a, b Group) int {
		return cmp.Compare(firstVariant[a.Key.Variant], firstVariant[b.Key.Variant])
	})
	for _, g := range groups {
		slices.SortStableFunc(g.Results, func(a, b results.VariantResult) int {
			return cmp.Compare(a.Repetition, b.Repetition)
		})
	}
	return groups
}

// Extract returns the headline figures of run, one per variant group and
// figure, in a stable order: groups as Groups orders them, and within a
// group p50 and p99 latency, throughput, error rate, max throughput, blast
// radius, deploy blast radius, recovery time, cold-start p99 and ready
// time. Latencies and the error rate need requests: a result without any
// has none of them.
//
// A figure is complete when every repetition of the group has it. One
// that only some repetitions have — or a spike some repetition never
// recovered from, whose recovery time is not a number — is still listed,
// so nothing disappears silently, but with no Samples (Stats.N 0) and a
// note saying which repetitions lack it. Figures that no repetition has
// are not listed.
func Extract(run results.Run) []Figure {
	var figs []Figure
	ms := metrics()
	for _, g := range Groups(run) {
		var stoodOut []int
		for _, s := range Standouts(g.Results) {
			stoodOut = append(stoodOut, cmp.Or(s.Repetition, s.Index+1))
		}
		for _, m := range ms {
			if f, ok := extract(g, m); ok {
				if len(f.Samples) > 0 {
					f.StoodOut = slices.Clone(stoodOut)
				}
				figs = append(figs, f)
			}
		}
	}
	return figs
}

// extract reads m's figure off g, and whether any repetition has it.
func extract(g Group, m metric) (Figure, bool) {
	f := Figure{Key: g.Key, Name: m.name, Unit: m.unit, Better: m.better}
	samples := make([]float64, 0, len(g.Results))
	var missing []string // repetitions without the figure
	whys := map[string][]string{}
	var whyOrder []string
	modeled := false
	for i, v := range g.Results {
		rep := fmt.Sprint(cmp.Or(v.Repetition, i+1))
		x, ok, why := m.read(&v)
		if ok {
			samples = append(samples, x)
			modeled = modeled || v.Label == results.LabelModeled
			continue
		}
		missing = append(missing, rep)
		if why != "" {
			if _, seen := whys[why]; !seen {
				whyOrder = append(whyOrder, why)
			}
			whys[why] = append(whys[why], rep)
		}
	}
	if len(samples) == 0 && len(whys) == 0 {
		return f, false
	}
	if len(missing) == 0 {
		f.Samples = samples
	} else {
		for _, why := range whyOrder {
			f.Notes = append(f.Notes, fmt.Sprintf("%s in %s of %d", why, repetitions(whys[why]), len(g.Results)))
		}
		if n := len(missing) - countAll(whys); n > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("missing in %d of %d repetitions", n, len(g.Results)))
		}
		f.Notes = append(f.Notes, fmt.Sprintf("no samples: every repetition needs the figure (%d of %d have it)",
			len(samples), len(g.Results)))
	}
	if modeled {
		f.Notes = append(f.Notes, "modeled, not measured")
	}
	f.Stats = stats.Summarise(f.Samples)
	if m.name == Throughput && len(f.Samples) > 0 {
		f.Carried = !slices.ContainsFunc(g.Results, func(v results.VariantResult) bool { return !carried(v) })
	}
	return f, true
}

// carried reports whether v's run carried all the load it was offered:
// every journey due started, none dropped, and they completed at the
// offered rate within 1 % (a run that fell behind takes longer to finish
// them than the schedule lasted).
func carried(v results.VariantResult) bool {
	a := v.Achieved
	span := v.Requested.Duration.Std().Seconds()
	if a.Scheduled <= 0 || span <= 0 || a.Dropped > 0 || a.Iterations < a.Scheduled {
		return false
	}
	return a.IterationsPerSec >= 0.99*float64(a.Scheduled)/span
}

func repetitions(reps []string) string {
	if len(reps) == 1 {
		return "repetition " + reps[0]
	}
	return "repetitions " + strings.Join(reps, ", ")
}

func countAll(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// Winner returns the variant group with the best figure called name among
// figs, and true, only when the numbers show it: every group has at least
// two samples, and the best group's confidence interval overlaps no other
// group's. With single repetitions no winner is called, even when the
// values differ, because one run cannot tell a difference from noise; nor
// is one called among fewer than two groups. Narrow figs first (to one
// runtime, say) to call a winner within part of a run.
func Winner(figs []Figure, name string) (Key, bool) {
	var cands []Figure
	for _, f := range figs {
		if f.Name == name {
			cands = append(cands, f)
		}
	}
	if len(cands) < 2 || !slices.ContainsFunc(cands, func(f Figure) bool { return !f.Carried }) {
		return Key{}, false
	}
	best := 0
	for i, f := range cands {
		if f.Stats.N < 2 {
			return Key{}, false
		}
		if better(f, cands[best]) {
			best = i
		}
	}
	for i, f := range cands {
		if i != best && (f.Stats.Mean == cands[best].Stats.Mean || stats.Overlap(f.Stats, cands[best].Stats)) {
			return Key{}, false
		}
	}
	return cands[best].Key, true
}

// better reports whether a's mean is strictly better than b's.
func better(a, b Figure) bool {
	if a.Better == HigherIsBetter {
		return a.Stats.Mean > b.Stats.Mean
	}
	return a.Stats.Mean < b.Stats.Mean
}
