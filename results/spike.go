package results

import "slices"

// SpikeOf reads a spike's figures off a per-second series whose seconds
// count from the start of the measured schedule: a base rate, a burst at
// peak over [start, end), the base again, judged against a per-second p99
// SLO of sloMs. The measured spike scenario and a simulated one (archbench
// simulate -phases) read their figures by this one rule.
func SpikeOf(series []Second, base, peak float64, start, end int64, sloMs float64) *SpikeSummary {
	out := &SpikeSummary{
		BaseRate: base, PeakRate: peak, StartSec: start, EndSec: end, SLOMs: sloMs, RecoverySec: -1,
	}
	var before []float64
	lastBreach := int64(-1)
	for _, sec := range series {
		switch {
		case sec.T < start:
			before = append(before, sec.P99Ms)
		case sec.T < end:
			out.ErrorsDuring += sec.Errors
			out.DroppedDuring += sec.Dropped
			out.RequestsDuring += sec.Requests
			out.MaxP99MsDuring = max(out.MaxP99MsDuring, sec.P99Ms)
			out.PeakInstances = max(out.PeakInstances, sec.Instances)
		default:
			out.ErrorsAfter += sec.Errors
		}
		if sec.T >= start && (sec.P99Ms > sloMs || sec.Errors > 0) {
			lastBreach = sec.T
		}
	}
	if len(before) > 0 {
		slices.Sort(before)
		out.P99MsBefore = before[len(before)/2]
	}
	last := int64(-1)
	if n := len(series); n > 0 {
		last = series[n-1].T
	}
	switch {
	case lastBreach < end:
		out.RecoverySec = 0 // never breached after the burst ended
	case lastBreach < last:
		out.RecoverySec = float64(lastBreach + 1 - end)
	}
	return out
}
