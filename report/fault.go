package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/archbench/archbench/results"
)

// faultIntro explains the fault tables.
const faultIntro = "Steady load; then a fault in the code of one capability, for a window, then healed. " +
	"A crash kills the components hosting the capability (SIGKILL) and restarts them on the same address; " +
	"latency, errors, leak and hog are injected into the hosting components' own code (a slow query, a bug that fails " +
	"requests, memory kept per request, goroutines spinning) and hit only the requests that run that capability's code; " +
	"heal s is how long the restart or the healing took. Blast radius is the share of the operations that do not need the faulty " +
	"capability (by the shop's design) that degraded anyway during the fault: availability down by more than 2 points, " +
	"or p99 at least doubled. 0: the fault stayed where it belongs; 1: it took everything down. " +
	"With -runtime process every component shares the machine's CPUs, so a hog slows its neighbours whatever the " +
	"architecture; containers (-runtime docker) give each its own CPU quota. " +
	"In the serverless variant the platform hands a code fault to every instance of the functions behind the " +
	"capability's routes, those it starts later included; a crash of a function is the platform's to absorb " +
	"(it replaces the instance), so serverless crashes only the payment provider."

// deployIntro explains the rolling-deploy tables.
const deployIntro = "Steady load; the components hosting one capability are redeployed, one replica at a time: each is " +
	"stopped gracefully (SIGTERM: it drains its requests) and started again on the same address, while the load goes on. " +
	"In the monolith that is the whole shop. Blast radius is as in the fault scenario: the share of the operations that " +
	"do not need the capability that degraded anyway while it was redeployed; redeploy s is how long the rolling deploy took."

// redeploy is the kind of a rolling deploy's summary; every other kind is
// a fault.
const redeploy = "redeploy"

// kindOf reads a result's fault kind; results written before kinds
// existed were crashes.
func kindOf(f *results.FaultSummary) string {
	if f.Kind == "" {
		return "crash"
	}
	return f.Kind
}

// isDeploy says whether a summary is of the deploy tables (true) or the
// fault tables.
func isDeploy(f *results.FaultSummary) bool { return kindOf(f) == redeploy }

// faultTable lists each run's fault (or, with deploy, redeploy) and blast
// radius.
func faultTable(vs []results.VariantResult, names []string, deploy bool) table {
	t := table{
		header: []string{"variant", "fault", "capability", "components", "unaffected ops", "of them degraded", "blast radius", "heal s"},
		right:  []bool{false, false, false, false, true, true, true, true},
	}
	if deploy {
		t.header[len(t.header)-1] = "redeploy s"
	}
	for i, v := range vs {
		f := v.Fault
		if f == nil || isDeploy(f) != deploy {
			continue
		}
		what := kindOf(f)
		if f.Injected != "" {
			what += " (" + f.Injected + ")"
		}
		t.rows = append(t.rows, []string{names[i], what, f.Capability, strings.Join(f.Components, ", "),
			strconv.Itoa(f.Unaffected), strconv.Itoa(f.UnaffectedDegraded), strconv.FormatFloat(f.BlastRadius, 'f', 2, 64),
			strconv.FormatFloat(f.RestartSec, 'f', 2, 64)})
	}
	return t
}

// faultOpsTable sets every operation's windows side by side.
func faultOpsTable(vs []results.VariantResult, names []string, deploy bool) table {
	t := table{
		header: []string{"variant", "fault", "operation", "needs it", "avail before", "avail during", "avail after", "p99 before ms", "p99 during ms", "p99 after ms", "degraded"},
		right:  []bool{false, false, false, false, true, true, true, true, true, true, false},
	}
	for i, v := range vs {
		if v.Fault == nil || isDeploy(v.Fault) != deploy {
			continue
		}
		for _, o := range v.Fault.Ops {
			t.rows = append(t.rows, []string{names[i], kindOf(v.Fault) + " " + v.Fault.Capability, o.Op, yesNo(o.Needs), percent(o.AvailBefore), percent(o.AvailDuring),
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

// faultConclusion compares, per fault, the variants' blast radii, from the
// numbers.
func faultConclusion(vs []results.VariantResult, names []string, deploy bool) string {
	type entry struct {
		name   string
		radius float64
	}
	by := map[string][]entry{}
	var caps []string
	for i, v := range vs {
		if v.Fault == nil || isDeploy(v.Fault) != deploy {
			continue
		}
		c := v.Fault.Capability + " " + kindOf(v.Fault)
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
		parts = append(parts, fmt.Sprintf("a %s: %s", c, strings.Join(s, ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	if repeated(vs) {
		return originTitle(vs) + " blast radius, " + strings.Join(parts, "; ") + "." + repeatedCaveat
	}
	return originTitle(vs) + " blast radius, " + strings.Join(parts, "; ") + ". One run each: repeat it before calling a winner."
}
