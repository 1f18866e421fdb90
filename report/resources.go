package report

import (
	"math"
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
// recorded, and what each column means.
func resourcesIntro(vs []results.VariantResult) string {
	var sources, intervals []string
	for _, v := range vs {
		if r := v.Resources; r != nil {
			if !slices.Contains(sources, r.Source) {
				sources = append(sources, r.Source)
			}
			if iv := ms(r.Interval.Seconds()*1000) + " ms"; !slices.Contains(intervals, iv) {
				intervals = append(intervals, iv)
			}
		}
	}
	return "Sampled from the runtime's meter (" + strings.Join(sources, ", ") + ") right before the scenario, every " +
		strings.Join(intervals, " or ") + " while it ran, and right after: the warmup included, unlike the load tables above. " +
		"CPU s is the CPU time, user and system, a replica used from its first sample to its last " +
		"(for a process, its whole process group, the children it started included); " +
		"avg cores divides it by the wall time from the variant's first sample to its last. " +
		"Peak and avg MB are the replica's memory over the samples (resident set size for a process, " +
		"the cgroup's usage less page cache for a container; 1 MB = 1024 × 1024 bytes). " +
		"A variant's total peak is the most its replicas held together at one sample. " +
		"The harness that generates the load is not counted here; see gen CPU µs/req in the summary."
}

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
// decimal below (5.6, 96, 1,024).
func mb(n uint64) string {
	v := float64(n) / mebibyte
	if v >= 10 {
		return thousands(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// cpuTotal returns the CPU seconds a variant's replicas used, for the
// summary, or none when not measured.
func cpuTotal(v results.VariantResult) string {
	if v.Resources == nil {
		return none
	}
	return amount(v.Resources.Total.CPU.Seconds())
}
