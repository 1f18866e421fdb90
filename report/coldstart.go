package report

import (
	"strconv"

	"github.com/archbench/archbench/results"
)

// burstIntro explains the cold-start bursts table.
const burstIntro = "Bursts of journeys separated by idle gaps, the first on a fresh deployment. " +
	"On a function platform, a gap longer than the keep-alive finds every instance reclaimed (scale to zero), " +
	"and pre-warmed (provisioned) instances serve the first requests warm. " +
	"Ready is the time from deploy to every component serving, the other variants' restart from zero; " +
	"the programs were built before it started."

// burstTable lists each variant's bursts.
func burstTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "ready s", "burst", "after idle s", "requests", "errors", "cold starts", "cold %", "p50 ms", "p99 ms", "cold p99 ms"},
		right:  []bool{false, true, true, true, true, true, true, true, true, true, true},
	}
	for i, v := range vs {
		for _, b := range v.Bursts {
			cold, share, coldP99 := none, none, none
			if b.ColdStarts > 0 || b.ColdLatencyMs != nil {
				cold, share = thousands(b.ColdStarts), percent(b.ColdShare)
			}
			if b.ColdLatencyMs != nil && b.ColdStarts > 0 {
				coldP99 = ms(b.ColdLatencyMs.P99)
			}
			ready := ""
			if b.Index == 1 && v.ReadySec > 0 {
				ready = strconv.FormatFloat(v.ReadySec, 'f', 2, 64)
			}
			t.rows = append(t.rows, []string{
				names[i], ready, strconv.Itoa(b.Index), strconv.FormatFloat(b.IdleSec, 'f', 0, 64),
				thousands(b.Requests), thousands(b.Errors), cold, share, ms(b.LatencyMs.P50), ms(b.LatencyMs.P99), coldP99,
			})
		}
	}
	return t
}
