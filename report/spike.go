package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// spikeIntro explains the spike table.
const spikeIntro = "A base rate, then a burst of several times it, then the base again, open-loop. " +
	"Seconds count from the start of the measured schedule. Errors include throttled (429) requests; " +
	"dropped iterations are ones the generator could not start. Recovery is how long after the burst every " +
	"second met the p99 SLO with no error, and kept meeting it (0: never breached after the burst; " +
	"not recovered: still breaching when the run ended)."

// spikeTable sets each variant's spike figures side by side.
func spikeTable(vs []results.VariantResult, names []string) table {
	t := table{
		header: []string{"variant", "base → peak /s", "burst s", "p99 before ms", "max p99 during ms", "SLO ms",
			"requests during", "errors during", "dropped during", "errors after", "recovery s", "peak instances"},
		right: []bool{false, true, true, true, true, true, true, true, true, true, true, true},
	}
	for i, v := range vs {
		s := v.Spike
		if s == nil {
			continue
		}
		inst := none
		if s.PeakInstances > 0 {
			inst = strconv.Itoa(s.PeakInstances)
		}
		t.rows = append(t.rows, []string{
			names[i], fmt.Sprintf("%s → %s", rate(s.BaseRate), rate(s.PeakRate)), fmt.Sprintf("%d–%d", s.StartSec, s.EndSec),
			ms(s.P99MsBefore), ms(s.MaxP99MsDuring), ms(s.SLOMs),
			thousands(s.RequestsDuring), thousands(s.ErrorsDuring), thousands(s.DroppedDuring), thousands(s.ErrorsAfter),
			recovery(s.RecoverySec), inst,
		})
	}
	return t
}

func recovery(sec float64) string {
	if sec < 0 {
		return "not recovered"
	}
	return strconv.FormatFloat(sec, 'f', 0, 64)
}

// spikeConclusion says in one sentence, from the numbers, who recovered
// fastest and who failed most during the burst. It says nothing when fewer
// than two variants ran the spike.
func spikeConclusion(vs []results.VariantResult, names []string) string {
	type row struct {
		name string
		s    *results.SpikeSummary
	}
	var rows []row
	for i, v := range vs {
		if v.Spike != nil {
			rows = append(rows, row{names[i], v.Spike})
		}
	}
	if len(rows) < 2 {
		return ""
	}
	best, worst := rows[0], rows[0]
	for _, r := range rows[1:] {
		if rankRecovery(r.s.RecoverySec) < rankRecovery(best.s.RecoverySec) {
			best = r
		}
		if r.s.ErrorsDuring+r.s.DroppedDuring > worst.s.ErrorsDuring+worst.s.DroppedDuring {
			worst = r
		}
	}
	tie := true
	for _, r := range rows {
		tie = tie && rankRecovery(r.s.RecoverySec) == rankRecovery(best.s.RecoverySec)
	}
	var b strings.Builder
	switch {
	case tie && best.s.RecoverySec < 0:
		b.WriteString(originTitle(vs) + ": no variant recovered before the run ended")
	case tie:
		fmt.Fprintf(&b, "%s: every variant recovered alike (%s s after the burst)", originTitle(vs), recovery(best.s.RecoverySec))
	default:
		fmt.Fprintf(&b, "%s: %s recovered fastest (%s s after the burst)", originTitle(vs), best.name, recovery(best.s.RecoverySec))
	}
	if w := worst.s; w.DroppedDuring > 0 {
		// Dropped iterations were never sent: they are not among the
		// requests, and an iteration is not one request.
		fmt.Fprintf(&b, "; %s failed or dropped the most during it (%s of %s requests failed; %s iterations dropped).",
			worst.name, thousands(w.ErrorsDuring), thousands(w.RequestsDuring), thousands(w.DroppedDuring))
	} else if w.ErrorsDuring > 0 {
		fmt.Fprintf(&b, "; %s failed or dropped the most during it (%s of %s).", worst.name, thousands(w.ErrorsDuring), thousands(w.RequestsDuring))
	} else {
		b.WriteString("; no variant failed a request during it.")
	}
	if repeated(vs) {
		b.WriteString(repeatedCaveat)
	} else {
		b.WriteString(" One run per variant: repeat it (-count) before calling a winner.")
	}
	return b.String()
}

// rankRecovery orders recoveries, not recovered last.
func rankRecovery(sec float64) float64 {
	if sec < 0 {
		return 1e18
	}
	return sec
}
