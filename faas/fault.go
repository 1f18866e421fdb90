package faas

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/archbench/archbench/runtime/component"
)

// FaultPath is where the platform takes a fault into its functions' code:
// PUT a component.Fault and every instance of the functions it names gets
// it (its Routes are the platform's route patterns: the functions behind
// them; none means every function, event-triggered ones included);
// DELETE heals them. Instances started later get the fault too, as new
// deployments of faulty code would. Instances idle at a change learn of it
// at once; busy ones when their invocation ends, before they are parked
// idle again (an invocation in progress runs on with the code it started
// with). The route is for benchmarks on loopback and the run's own
// network; it is not protected.
const FaultPath = "/internal/faas/fault"

// faultTable is the fault each function's code has, if any, and a version
// that changes with every change, so instances can tell they are behind.
type faultTable struct {
	version int
	byFn    map[string]component.Fault
}

// serveFault answers FaultPath.
func (p *Platform) serveFault(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		f, err := component.DecodeFault(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_fault", err.Error())
			return
		}
		fns := p.functionsOf(f.Routes)
		if len(fns) == 0 {
			writeError(w, http.StatusBadRequest, "bad_fault", "fault: routes name none of the platform's routes")
			return
		}
		inside := f
		inside.Routes = nil // inside an instance, every request runs the function's code
		p.setFaults(func(t *faultTable) {
			t.byFn = map[string]component.Fault{}
			for _, fn := range fns {
				t.byFn[fn] = inside
			}
		})
		writeJSON(w, http.StatusOK, map[string]any{"functions": fns, "fault": inside})
	case http.MethodDelete:
		p.setFaults(func(t *faultTable) { t.byFn = nil })
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "PUT, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" not allowed on "+FaultPath)
	}
}

// functionsOf returns the functions behind routes, in the platform's
// order; no routes means every function.
func (p *Platform) functionsOf(routes []string) []string {
	var fns []string
	for _, f := range p.cfg.Functions {
		hit := len(routes) == 0
		for _, r := range p.cfg.Routes {
			if r.Function == f.Name && slices.Contains(routes, r.Pattern) {
				hit = true
			}
		}
		if hit {
			fns = append(fns, f.Name)
		}
	}
	return fns
}

// setFaults changes the table, then brings every idle instance up to date
// at once, so a heal stops a spinning hog before the instance is used
// again. Busy instances catch up when they are released (see lockSynced).
func (p *Platform) setFaults(change func(*faultTable)) {
	p.mu.Lock()
	change(&p.faults)
	p.faults.version++
	var idle []*instance
	var fns []string
	for name, pl := range p.pools {
		for _, in := range pl.idle {
			idle = append(idle, in)
			fns = append(fns, name)
		}
	}
	p.mu.Unlock()
	for i, in := range idle {
		p.syncFault(in, fns[i])
	}
}

// syncFault gives in the fault its function's code has now, if it does
// not have it yet, and reports whether in has it. Failing to is logged.
// The table is read once faultMu is held, so that of two concurrent syncs
// the later cannot undo the earlier with an older table.
func (p *Platform) syncFault(in *instance, fn string) bool {
	in.faultMu.Lock()
	defer in.faultMu.Unlock()
	p.mu.Lock()
	version := p.faults.version
	f, faulty := p.faults.byFn[fn]
	current := in.faultVersion == version
	p.mu.Unlock()
	if current {
		return true
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	var err error
	if faulty {
		err = component.InjectFault(ctx, p.client, in.URL(), f)
	} else if in.faultVersion != 0 {
		err = component.HealFault(ctx, p.client, in.URL())
	}
	if err != nil {
		p.log.Warn("fault not applied to instance", "function", fn, "instance", in.id, "err", err)
		return false
	}
	p.mu.Lock()
	in.faultVersion = version
	p.mu.Unlock()
	return true
}
