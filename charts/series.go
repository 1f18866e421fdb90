package charts

import (
	"encoding/json"

	"github.com/archbench/archbench/results"
)

// param reads a number from a run's parameters, as decoded from
// results.json (float64) or set in memory.
func param(params map[string]any, key string) (float64, bool) {
	var x float64
	switch v := params[key].(type) {
	case float64:
		x = v
	case float32:
		x = float64(v)
	case int:
		x = float64(v)
	case int64:
		x = float64(v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, false
		}
		x = f
	default:
		return 0, false
	}
	return x, finite(x)
}

// phases are the fault scenario's windows, in seconds of the measured
// schedule: healthy before, crashed (or deploying) during, recovered after.
type phases struct{ before, during, after float64 }

// phasesOf reads the fault windows from the run's parameters; after falls
// back to what the requested duration leaves. ok is false when before or
// during is unknown.
func phasesOf(run results.Run, v results.VariantResult) (phases, bool) {
	b, okB := param(run.Params, "before_sec")
	d, okD := param(run.Params, "during_sec")
	if !okB || !okD || b < 0 || d <= 0 {
		return phases{}, false
	}
	a, okA := param(run.Params, "after_sec")
	if !okA || a < 0 {
		a = max(0, v.Requested.Duration.Seconds()-b-d)
	}
	return phases{b, d, a}, true
}

// measuredSeconds is how long v's measured schedule should be: the fault
// windows when the run has them, else the requested duration (the warm-up
// ran before it).
func measuredSeconds(run results.Run, v results.VariantResult) float64 {
	if v.Fault != nil {
		if ph, ok := phasesOf(run, v); ok {
			return ph.before + ph.during + ph.after
		}
	}
	return v.Requested.Duration.Seconds()
}

// timeline returns v's per-second series with t0, the second the measured
// schedule began (the series' first), when the series is one timeline:
// when it spans the measured schedule. A scenario that records phases,
// steps or bursts as separate loads, each scheduled from its own zero,
// folds them onto the same seconds, and its series is no timeline (ok
// false): the fault, deploy, ramp and cold-start scenarios did so when
// this package was written.
func timeline(run results.Run, v results.VariantResult) (series []results.Second, t0 int64, ok bool) {
	s := v.Series
	if len(s) == 0 {
		return nil, 0, false
	}
	t0 = s[0].T
	span := float64(s[len(s)-1].T - t0 + 1)
	if want := measuredSeconds(run, v); want > 0 && span < want-1 {
		return nil, 0, false
	}
	return s, t0, true
}
