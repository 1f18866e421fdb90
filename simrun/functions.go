package simrun

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
)

// Functions is the name SizePhases' caller may give for every function
// pool of a model with a pool per function: see SizeFunctions.
const Functions = "functions"

// FunctionsSizing is what SizeFunctions found: how many instances to
// provision in each function's pool, and what the phases came to with
// them all.
type FunctionsSizing struct {
	Phases   []sim.Phase
	SLOP99Ms float64
	// Pools are the pools sized, in the model's order, and Counts the
	// provisioned instances found for each: the fewest with which the
	// pool started no instance in the phases, or, where even its limit
	// (Limits) did not get there, that limit.
	//
	// CappedBy names the limit that capped a count, "" for none:
	// "max_concurrency", the pool's own, or "account_concurrency", what
	// the account's limit left the pool after the pools before it,
	// which can be nothing.
	Pools    []string
	Counts   []int
	Limits   []int
	CappedBy []string
	// Throttled counts each pool's throttled requests with every count:
	// a pool that throttles starts no instance for want of room, not for
	// being warm, and provisioning does not raise a limit.
	Throttled []int64
	// MemoryMB is each pool's instance memory, to price what is
	// provisioned.
	MemoryMB []int
	// P99Ms is the worst second's p99 with every count, Errors the
	// requests that did not complete, ColdStarts the instances still
	// started, and Sims the simulations run.
	P99Ms      float64
	Errors     int64
	ColdStarts int64
	Sims       int
}

// Met reports whether the phases met the SLO, without errors, with every
// pool provisioned as found.
func (f FunctionsSizing) Met() bool { return f.Errors == 0 && f.P99Ms <= f.SLOP99Ms }

// Total is the provisioned instances over every pool, and GB their memory.
func (f FunctionsSizing) Total() (n int, gb float64) {
	for i, c := range f.Counts {
		n += c
		gb += float64(c) * float64(f.MemoryMB[i]) / 1024
	}
	return n, gb
}

// String says what SizeFunctions found, for a note and the terminal.
func (f FunctionsSizing) String() string {
	var each []string
	for i, name := range f.Pools {
		var notes []string
		switch f.CappedBy[i] {
		case "max_concurrency":
			notes = append(notes, "its limit")
		case "account_concurrency":
			notes = append(notes, "all the account's limit left it")
		}
		if i < len(f.Throttled) && f.Throttled[i] > 0 {
			notes = append(notes, fmt.Sprintf("%d throttled", f.Throttled[i]))
		}
		s := fmt.Sprintf("%s %d", name, f.Counts[i])
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, "; ") + ")"
		}
		each = append(each, s)
	}
	var limits string
	if slices.Contains(f.CappedBy, "account_concurrency") {
		limits = " The account's concurrency limit capped them: raise it (-instances account=N) to provision every function."
	}
	if slices.ContainsFunc(f.Throttled, func(n int64) bool { return n > 0 }) {
		limits += " Requests were throttled at the concurrency limits, which provisioning does not raise: raise them, or size the account's (-size account)."
	}
	n, gb := f.Total()
	verdict := "meets it"
	if !f.Met() {
		verdict = "misses it"
	}
	return fmt.Sprintf("%sthe provisioned instances of every function pool, each the fewest with which it starts no instance %s: %s; %d in all (%.3g GB). With them the worst second's p99 is %s ms against %s ms, with %d errors and %d cold starts: it %s (%d simulations).",
		sizingPrefix, "in every second of "+PhasesText(f.Phases), strings.Join(each, ", "), n, gb,
		msText(f.P99Ms), msText(f.SLOP99Ms), f.Errors, f.ColdStarts, verdict, f.Sims) + limits
}

// SizeFunctions sizes the provisioned instances of every function pool of
// m for phases, one pool after another in the model's order: for each,
// the fewest with which it starts no instance in the phases (a cold
// start is what provisioning takes away), the pools before it
// provisioned as found. Each count is capped by what the pool's and the
// account's limits leave it. It then simulates the phases with every
// count and returns that prediction, the sizing in its notes; whether
// the SLO (sloP99Ms, for the worst second's p99, with no error) is met
// with them is in FunctionsSizing.Met.
func SizeFunctions(ctx context.Context, m sim.Model, phases []sim.Phase, sloP99Ms float64, opts ...Option) (FunctionsSizing, results.VariantResult, error) {
	f := FunctionsSizing{Phases: phases, SLOP99Ms: sloP99Ms}
	if err := ValidatePhases(phases); err != nil {
		return f, results.VariantResult{}, fmt.Errorf("size %s's functions through phases: %w", m.Name, err)
	}
	if !(sloP99Ms > 0) {
		return f, results.VariantResult{}, fmt.Errorf("size %s's functions: the p99 SLO must be > 0 ms, but is %g", m.Name, sloP99Ms)
	}
	if len(m.Pools) < 2 {
		return f, results.VariantResult{}, fmt.Errorf("size %s's functions: it has %d function pools; size one by its name", m.Name, len(m.Pools))
	}
	// Each pool's count is the fewest with which it starts no instance,
	// whatever the SLO: the pools after it still start theirs.
	warm := func(t Try) bool { return t.ColdStarts == 0 }
	for _, p := range m.Pools {
		s, _, err := sizePhases(ctx, m, phases, p.Name, sloP99Ms, warm, opts)
		if err != nil {
			return f, results.VariantResult{}, fmt.Errorf("size %s's function %s: %w", m.Name, p.Name, err)
		}
		f.Sims += len(s.Tries)
		n := s.Count
		if !s.Found { // even the limit starts some
			n = s.Tries[len(s.Tries)-1].Count
		}
		m = setProvisioned(m, p.Name, n)
		capped := ""
		if s.capped() && n >= s.Limit {
			capped = s.LimitName
		}
		f.Pools, f.Counts, f.Limits, f.MemoryMB = append(f.Pools, p.Name), append(f.Counts, n), append(f.Limits, s.Limit), append(f.MemoryMB, p.MemoryMB)
		f.CappedBy = append(f.CappedBy, capped)
	}
	f.Sims++
	v, r, err := Phases(ctx, m, phases, opts...)
	if err != nil {
		return f, results.VariantResult{}, fmt.Errorf("size %s's functions: %w", m.Name, err)
	}
	for _, sec := range v.Series {
		f.P99Ms = max(f.P99Ms, sec.P99Ms)
	}
	f.Errors = r.Total.Rejected + r.Total.Throttled + r.Total.Failed + r.Total.Unfinished
	f.Throttled = make([]int64, len(f.Pools))
	for _, p := range r.Pools {
		f.ColdStarts += p.ColdStarts
		if i := slices.Index(f.Pools, p.Name); i >= 0 {
			f.Throttled[i] = p.Throttled
		}
	}
	v.Notes = append(v.Notes, f.String())
	return f, v, nil
}
