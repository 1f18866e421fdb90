package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// mebibyte is the report's MB, as the function platform's memory sizes use it.
const mebibyte = 1 << 20

// hasResources reports whether the runtime measured some variant's usage.
func hasResources(vs []results.VariantResult) bool {
	for _, v := range vs {
		if v.Resources != nil {
			return true
		}
	}
	return false
}

// resourcesIntro explains the resources table: its meters and intervals as
// recorded, and what each column means; for modeled results (a simulated
// run), what the simulator puts in their place.
func resourcesIntro(vs []results.VariantResult) string {
	vs = resultsWith(vs, func(v results.VariantResult) bool { return v.Resources != nil })
	measured := resultsWith(vs, func(v results.VariantResult) bool { return v.Label != results.LabelModeled })
	if len(measured) == 0 {
		return resourcesModeled
	}
	var sources, intervals []string
	for _, v := range measured {
		r := v.Resources
		if !slices.Contains(sources, r.Source) {
			sources = append(sources, r.Source)
		}
		if r.Interval <= 0 {
			continue
		}
		if iv := ms(r.Interval.Seconds()*1000) + " ms"; !slices.Contains(intervals, iv) {
			intervals = append(intervals, iv)
		}
	}
	every := "while it ran"
	if len(intervals) > 0 {
		every = "every " + strings.Join(intervals, " or ") + " while it ran"
	}
	s := "Sampled from the runtime's meter (" + strings.Join(sources, ", ") + ") right before the scenario, " + every +
		", and right after: the warmup included, unlike the load tables above. " +
		"CPU s is the CPU time, user and system, a replica used from its first sample to its last " +
		"(for a process, its whole process group, the children it started included); " +
		"avg cores divides it by the wall time from the variant's first sample to its last. " +
		"Peak and avg MB are the replica's memory over the samples (resident set size for a process, " +
		"the cgroup's usage less page cache for a container; 1 MB = 1024 × 1024 bytes). " +
		"A variant's total peak is the most its replicas held together at one sample. " +
		"The harness that generates the load is not counted here; see gen CPU µs/req in the summary."
	if len(measured) < len(vs) {
		s += " Rows marked [modeled] are the simulator's, not sampled from a meter: " + resourcesModeledRows
	}
	return s
}

// resourcesModeledRows says what the simulator reports as resources.
const resourcesModeledRows = "one row per station of the model (a component), over the same window as the load tables, " +
	"the simulator's warm-up excluded. CPU s is the time the station's servers were busy, over all its replicas, " +
	"and avg cores divides it by the window; peak MB is the memory the model gives a replica times the most replicas at once, " +
	"avg MB times the average number of them (1 MB = 1024 × 1024 bytes); a variant's totals add up its stations'. " +
	"Stations that stand for waiting rather than work (delays) are left out."

// resourcesModeled explains the resources table of a simulated run.
const resourcesModeled = "Modeled by the simulator, not sampled from a meter: " + resourcesModeledRows

// resourcesTable lists what each replica of each measured variant used,
// then the variant's total. The replica column is left out when no
// component has more than one, the limit columns when no replica has one.
func resourcesTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "component", "replica", "CPU s", "avg cores", "peak MB", "avg MB", "CPU limit", "mem limit MB"},
		right:  []bool{false, false, true, true, true, true, true, true, true},
	}
	replicas, limits := false, false
	for i, v := range vs {
		r := v.Resources
		if r == nil {
			continue
		}
		for _, p := range r.Replicas {
			replicas = replicas || p.Replica > 0
			limits = limits || p.CPULimit > 0 || p.MemLimitBytes > 0
			cpuLimit, memLimit := none, none
			if p.CPULimit > 0 {
				cpuLimit = amount(p.CPULimit)
			}
			if p.MemLimitBytes > 0 {
				memLimit = mb(p.MemLimitBytes)
			}
			t.rows = append(t.rows, []string{
				names[i], p.Component, strconv.Itoa(p.Replica), amount(p.CPU.Seconds()), amount(p.CPUCoresAvg),
				mb(p.MemPeakBytes), mb(p.MemAvgBytes), cpuLimit, memLimit,
			})
		}
		tot := r.Total
		t.rows = append(t.rows, []string{
			names[i], "(all replicas)", none, amount(tot.CPU.Seconds()), amount(tot.CPUCoresAvg),
			mb(tot.MemPeakBytes), mb(tot.MemAvgBytes), none, none,
		})
	}
	if !limits {
		t = t.without(8).without(7)
	}
	if !replicas {
		t = t.without(2)
	}
	return t
}

// amount formats CPU seconds or cores to about three significant digits,
// as latencies are shown: 0.050, 7.05, 84.6, 1,234.
func amount(v float64) string { return ms(v) }

// mb formats a byte count in the report's MB: whole MB from 10 MB, one
// decimal below (5.6, 96, 1,024), 9.96 MB being 10.
func mb(n uint64) string {
	return rounded(float64(n)/mebibyte, func(v float64) int {
		if v >= 10 {
			return 0
		}
		return 1
	})
}

// cpuTotal returns the CPU seconds a variant's replicas used, for the
// summary, or none when not measured.
func cpuTotal(v results.VariantResult) string {
	if v.Resources == nil {
		return none
	}
	return amount(v.Resources.Total.CPU.Seconds())
}
