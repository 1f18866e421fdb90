package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// faultIntro explains the fault tables.
const faultIntro = "Steady load; the components hosting one capability are killed (SIGKILL, as a crash), the load goes on, " +
	"then they are restarted on the same address. Blast radius is the share of the operations that do not need the crashed " +
	"capability (by the shop's design) that degraded anyway during the crash: availability down by more than 2 points, " +
	"or p99 at least doubled. 0: the crash stayed where it belongs; 1: it took everything down. " +
	"A serverless function's own code cannot be crashed this way yet (the platform replaces instances), so serverless " +
	"runs only the payment provider's crash."

// deployIntro explains the rolling-deploy tables.
const deployIntro = "Steady load; the components hosting one capability are redeployed, one replica at a time: each is " +
	"stopped gracefully (SIGTERM: it drains its requests) and started again on the same address, while the load goes on. " +
	"In the monolith that is the whole shop. Blast radius is as in the fault scenario: the share of the operations that " +
	"do not need the capability that degraded anyway while it was redeployed; redeploy s is how long the rolling deploy took."

// kindOf reads a result's fault kind; results written before kinds
// existed were crashes.
func kindOf(f *results.FaultSummary) string {
	if f.Kind == "" {
		return "crash"
	}
	return f.Kind
}

// faultTable lists each run's crash (or redeploy) and blast radius.
func faultTable(vs []results.VariantResult, names []string, kind string) table {
	t := table{
		header: []string{"variant", "capability", "components", "unaffected ops", "of them degraded", "blast radius", "restart s"},
		right:  []bool{false, false, false, true, true, true, true},
	}
	for i, v := range vs {
		f := v.Fault
		if f == nil || kindOf(f) != kind {
			continue
		}
		t.rows = append(t.rows, []string{names[i], f.Capability, strings.Join(f.Components, ", "),
			strconv.Itoa(f.Unaffected), strconv.Itoa(f.UnaffectedDegraded), strconv.FormatFloat(f.BlastRadius, 'f', 2, 64),
			strconv.FormatFloat(f.RestartSec, 'f', 2, 64)})
	}
	return t
}

// faultOpsTable sets every operation's windows side by side.
func faultOpsTable(vs []results.VariantResult, names []string, kind string) table {
	t := table{
		header: []string{"variant", "operation", "needs it", "avail before", "avail during", "avail after", "p99 before ms", "p99 during ms", "p99 after ms", "degraded"},
		right:  []bool{false, false, false, true, true, true, true, true, true, false},
	}
	for i, v := range vs {
		if v.Fault == nil || kindOf(v.Fault) != kind {
			continue
		}
		for _, o := range v.Fault.Ops {
			t.rows = append(t.rows, []string{names[i], o.Op, yesNo(o.Needs), percent(o.AvailBefore), percent(o.AvailDuring),
				percent(o.AvailAfter), ms(o.P99Before), ms(o.P99During), ms(o.P99After), yesNo(o.Degraded)})
		}
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// faultConclusion compares, per capability, the variants' blast radii for
// one kind of fault, from the numbers.
func faultConclusion(vs []results.VariantResult, names []string, kind string) string {
	type entry struct {
		name   string
		radius float64
	}
	by := map[string][]entry{}
	var caps []string
	for i, v := range vs {
		if v.Fault == nil || kindOf(v.Fault) != kind {
			continue
		}
		c := v.Fault.Capability
		if _, ok := by[c]; !ok {
			caps = append(caps, c)
		}
		by[c] = append(by[c], entry{names[i], v.Fault.BlastRadius})
	}
	var parts []string
	for _, c := range caps {
		es := by[c]
		if len(es) < 2 {
			continue
		}
		var s []string
		for _, e := range es {
			s = append(s, fmt.Sprintf("%s %.2f", e.name, e.radius))
		}
		parts = append(parts, fmt.Sprintf("a %s %s: %s", c, kind, strings.Join(s, ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Measured blast radius, " + strings.Join(parts, "; ") + ". One run each: repeat it before calling a winner."
}
