package calibrate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/archbench/archbench/sim"
)

// functionPools is a platform modeled a pool per function, as a cloud
// scales, keeps warm and cold-starts each function apart, under one
// account's concurrency limit.
type functionPools struct {
	pools   []sim.Pool
	account int
	// poolOf names the pool of each operation's function, where the
	// platform is the variant's front door.
	poolOf map[string]string
	// async are the invocations requests set off beyond their own, one
	// pool each.
	async []asyncVisit
}

// functionPoolsOf builds a pool per function of m's platform, if the
// result recorded the platform's routes and limits
// (results.Platform.AccountConcurrency is set since it does) and, where
// the platform is the front door, every operation's function. ok is false
// otherwise, with a note saying why where it was close; the caller then
// models one pool for all (poolOf).
func functionPoolsOf(m measure, cfg config, notes *[]string) (fp functionPools, ok bool) {
	pm := m.platform
	if pm == nil || pm.account <= 0 || pm.invocations <= 0 {
		return functionPools{}, false
	}
	entry := m.platformIsEntry()
	byRoute := map[string]int{} // operation → function index
	for i, f := range pm.fns {
		for _, r := range f.routes {
			byRoute[r] = i
		}
	}
	fp.poolOf = map[string]string{}
	used := make([]bool, len(pm.fns))
	if entry {
		for _, o := range m.ops {
			i, found := byRoute[o.name]
			if !found || pm.fns[i].invocations <= 0 {
				*notes = append(*notes, fmt.Sprintf("No function of the platform served %s as measured: one pool stands for all the functions.", o.name))
				return functionPools{}, false
			}
			fp.poolOf[o.name] = poolName(pm.fns[i].name)
			used[i] = true
		}
	}

	ka, src := DefaultKeepAlive, "the variants' default"
	switch d, found := keepAliveOf(m.setting); {
	case cfg.keepAlive > 0:
		ka, src = cfg.keepAlive, "WithKeepAlive"
	case pm.keepAliveSec > 0:
		ka, src = time.Duration(pm.keepAliveSec*float64(time.Second)), "the platform's, as recorded"
	case found:
		ka, src = d, "the result's setting"
	}
	fp.account = pm.account
	asrc := "the platform's, as recorded"
	if cfg.maxConcurrency > 0 {
		fp.account, asrc = cfg.maxConcurrency, "WithMaxConcurrency"
	}

	var async []asyncVisit
	var extraSum float64
	var names, rare []string
	provisioned := 0
	for i, f := range pm.fns {
		// A function no route invokes (an event's consumer, a schedule's
		// job), or any function where requests reach the platform only
		// through another component, is invoked beside the requests.
		routed := entry && len(f.routes) > 0
		if f.invocations <= 0 || (!used[i] && routed) {
			continue
		}
		extra := float64(f.invocations) / m.all
		if !routed && extra < 0.001 {
			rare = append(rare, f.name)
			continue
		}
		p := sim.Pool{Name: poolName(f.name), MemoryMB: max(f.memoryMB, 1), KeepAliveSec: ka.Seconds(),
			MaxConcurrency: f.reserved, Provisioned: f.provisioned}
		p.ColdStart = coldStartOf(f.coldStarts, f.initP50, f.initP99)
		if f.coldStarts == 0 {
			// None of this function's: the platform's p50, over its
			// functions.
			p.ColdStart = coldStartOf(pm.coldStarts, pm.initP50, pm.initP50)
		}
		if p.Provisioned > 0 && p.MaxConcurrency > 0 {
			p.MaxConcurrency = max(p.MaxConcurrency, p.Provisioned)
		}
		provisioned += p.Provisioned
		fp.pools = append(fp.pools, p)
		names = append(names, fmt.Sprintf("%s (%d MB, cold start %s)", p.Name, p.MemoryMB, coldText(f, pm)))
		if routed {
			continue
		}
		extraSum += extra
		mean := max(round3(float64(f.billedMs)/float64(f.invocations)), minMs)
		async = append(async, asyncVisit{pool: p.Name, prob: extra, service: sim.Exponential(mean)})
	}
	if provisioned > fp.account {
		fp.account = provisioned
		asrc += ", raised to the functions' provisioned instances"
	}
	if extraSum > 1 {
		*notes = append(*notes, fmt.Sprintf("The platform ran %.2f invocations a request beyond the requests' own; the model makes at most one, each function's share scaled down alike.", extraSum))
		for i := range async {
			async[i].prob /= extraSum
		}
	}
	for i := range async {
		async[i].prob = round4(async[i].prob)
	}
	fp.async = async
	*notes = append(*notes, fmt.Sprintf("Function pools, one per function as the cloud scales them: %s; keep-alive %s (%s); at most %d instances busy at once over all of them (%s).",
		strings.Join(names, ", "), ka.Round(time.Millisecond), src, fp.account, asrc))
	if len(rare) > 0 {
		*notes = append(*notes, fmt.Sprintf("Left out, invoked for under 0.1 %% of the requests: %s.", strings.Join(rare, ", ")))
	}
	if len(async) > 0 {
		var parts []string
		for _, a := range async {
			parts = append(parts, fmt.Sprintf("%s %.3g of the requests (%.3g ms on average, its mean billed duration)", a.pool, a.prob, a.service.MeanMs))
		}
		*notes = append(*notes, "Beyond their own invocation, requests set off async ones, spread evenly over the operations, at most one a request: "+strings.Join(parts, "; ")+".")
	}
	return fp, true
}

// poolName names a function's pool: the function's name, unless a
// station of the model could bear it.
func poolName(fn string) string {
	if fn == StationCPU || fn == StationWait || strings.HasPrefix(fn, "writer ") {
		return "function " + fn
	}
	return fn
}

// coldText says where a function's pool took its cold starts from.
func coldText(f fnMeasure, pm *platformMeasure) string {
	switch {
	case f.coldStarts > 0:
		return fmt.Sprintf("p50 %.3g ms of %d measured", f.initP50, f.coldStarts)
	case pm.coldStarts > 0:
		return fmt.Sprintf("%.3g ms, the platform's p50: none of its own measured", pm.initP50)
	default:
		return "0 ms: none measured; edit it"
	}
}

// appendAsyncs ends route with async visits, each made with its
// probability and at most one a request: the last visit jumps to one of
// them, or past them all, and each jumps past the rest once it has sent
// its copy. With one, it is appendAsync.
func appendAsyncs(route []sim.Visit, as []asyncVisit) []sim.Visit {
	switch len(as) {
	case 0:
		return route
	case 1:
		return appendAsync(route, as[0])
	}
	n := len(route)
	end := n + len(as)
	var sum float64
	for _, a := range as {
		sum += a.prob
	}
	scale := 1.0
	if sum > 1 {
		// More than one a request: at most one, each scaled down alike.
		scale = 1 / sum
	}
	var jumps []sim.Jump
	rest := 1.0
	for i, a := range as {
		p := a.prob
		if scale < 1 {
			p = math.Floor(p*scale*1e4+1e-6) / 1e4 // rounded down: the sum stays at most 1
		}
		jumps = append(jumps, sim.Jump{Prob: p, To: n + i})
		rest -= p
	}
	if rest = round4(rest); rest > 0 {
		jumps = append(jumps, sim.Jump{Prob: rest, To: end})
	}
	route[n-1].Next = jumps
	for i, a := range as {
		v := a.visit()
		if i < len(as)-1 {
			v.Next = []sim.Jump{{Prob: 1, To: end}}
		}
		route = append(route, v)
	}
	return route
}
