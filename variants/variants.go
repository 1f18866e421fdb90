// Package variants registers the shop's architecture variants: each is a
// name, a one-line summary, and a runtime.Plan built from reusable parts.
// Adding a variant is one folder below variants/ and one line in All.
package variants

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/runtime"
	"github.com/archbench/archbench/shop"
	"github.com/archbench/archbench/variants/hybrid"
	"github.com/archbench/archbench/variants/microservices"
	"github.com/archbench/archbench/variants/monolith"
	"github.com/archbench/archbench/variants/serverless"
)

// Variant is one architecture of the shop.
type Variant struct {
	// Name is how users select it ("monolith").
	Name string
	// Summary says in one line how it is built.
	Summary string
	// AuditSources names the components that serve audit facts.
	AuditSources []string
	// Platform names the component that runs a function platform (package
	// faas) and serves its statistics at faas.StatsPath; empty when the
	// variant has none.
	Platform string
	// Hosts names, per capability of the shop (catalog, inventory, cart,
	// orders, notifications, payment), the components whose crash takes
	// that capability's code down, for the fault scenario. A capability
	// whose code cannot be crashed by killing a component (a function's,
	// run by instances the platform replaces) is absent.
	Hosts map[string][]string
	// Seeders names the components that create and seed the shop's
	// catalog (products, prices, stock) when they start, and so take the
	// -catalog flag (shop.CatalogFlag) that Env.Catalog sets. Components
	// that seed parts of one catalog (names and prices in one, stock in
	// another) must all get the same spec.
	Seeders []string
	// Writers names the components that serve their SQLite writers'
	// counts at sqlstore.WriterPath (sqlstore.WriterHandler), for a bench
	// to sample before and after the load: every component that owns a
	// database. Each replica of one serves its own process's counts, so a
	// bench samples every replica (replicas may share one database file,
	// each through a writer of its own). A function platform whose
	// instances write serves the sum of theirs (sqlstore.WriterLedger),
	// since they come and go with the load.
	Writers []string
	// Functions names the functions of the platform that serve API
	// requests, for scenarios that pre-warm them (-replicas fn=N).
	Functions []string
	// Hops counts, per operation, the network hops between the variant's own
	// components that one request makes (by design, not measured).
	Hops map[string]int
	plan func(psp runtime.Component, replicas map[string]int) (runtime.Plan, error)
}

// Plan returns what to run for this variant, with the payment provider,
// replica counts and catalog configured by env. It fails if env asks to
// scale a component the variant does not have or cannot scale, or for an
// invalid catalog.
func (v Variant) Plan(env Env) (runtime.Plan, error) {
	p, err := v.plan(env.PSP(), env.Replicas)
	if err != nil {
		return runtime.Plan{}, fmt.Errorf("plan %s: %w", v.Name, err)
	}
	if env.KeepAlive > 0 {
		if v.Platform == "" {
			return runtime.Plan{}, fmt.Errorf("plan %s: keep-alive: the variant has no function platform", v.Name)
		}
		if err := addArgs(&p, []string{v.Platform}, "-keep-alive", env.KeepAlive.String()); err != nil {
			return runtime.Plan{}, fmt.Errorf("plan %s: keep-alive: %w", v.Name, err)
		}
	}
	if env.Catalog != (shop.CatalogSpec{}) {
		if err := env.Catalog.Validate(); err != nil {
			return runtime.Plan{}, fmt.Errorf("plan %s: %w", v.Name, err)
		}
		if err := addArgs(&p, v.Seeders, "-"+shop.CatalogFlag, env.Catalog.String()); err != nil {
			return runtime.Plan{}, fmt.Errorf("plan %s: catalog: %w", v.Name, err)
		}
	}
	return p, nil
}

// addArgs appends args to the arguments of each of p's components named
// in names; it fails if one of them is not in p.
func addArgs(p *runtime.Plan, names []string, args ...string) error {
	for _, name := range names {
		i := slices.IndexFunc(p.Components, func(c runtime.Component) bool { return c.Name == name })
		if i < 0 {
			return fmt.Errorf("no component %q in the plan", name)
		}
		p.Components[i].Args = append(slices.Clone(p.Components[i].Args), args...)
	}
	return nil
}

// All returns every variant, in a stable order.
func All() []Variant {
	return []Variant{
		{Name: monolith.Name, Summary: "one process, one SQLite database, checkout in one local transaction",
			AuditSources: []string{monolith.Name}, Seeders: []string{monolith.Name}, Writers: []string{monolith.Name},
			Hops: monolith.Hops, plan: monolith.Scaled,
			Hosts: map[string][]string{"catalog": {monolith.Name}, "inventory": {monolith.Name}, "cart": {monolith.Name},
				"orders": {monolith.Name}, "notifications": {monolith.Name}, "payment": {PSPName}}},
		{Name: microservices.Name, Summary: "a gateway and six services, each with its own SQLite file; checkout as a saga; events over NATS JetStream",
			AuditSources: []string{microservices.Inventory, microservices.Orders, microservices.Notifications},
			Seeders:      []string{microservices.Catalog, microservices.Inventory},
			Writers: []string{microservices.Catalog, microservices.Inventory, microservices.Cart, microservices.Orders,
				microservices.Payments, microservices.Notifications},
			Hops: microservices.Hops, plan: microservices.Scaled,
			Hosts: map[string][]string{"catalog": {microservices.Catalog}, "inventory": {microservices.Inventory}, "cart": {microservices.Cart},
				"orders": {microservices.Orders}, "notifications": {microservices.Notifications}, "payment": {PSPName}}},
		{Name: serverless.Name, Summary: "a function per operation on a FaaS platform (cold starts, keep-alive, throttling, billing), one shared SQLite database, events over NATS JetStream",
			AuditSources: []string{serverless.Name}, Platform: serverless.Name, Seeders: []string{serverless.Name},
			Writers: []string{serverless.Name}, Functions: serverless.APIFunctions(), Hops: serverless.Hops, plan: serverless.Plan,
			Hosts: map[string][]string{"payment": {PSPName}}},
		{Name: hybrid.Name, Summary: "a monolith core, the catalog extracted as a scaled service, confirmations sent by an event-triggered function",
			AuditSources: []string{hybrid.Core}, Platform: hybrid.Notifications, Seeders: []string{hybrid.Core, hybrid.Catalog},
			Writers: []string{hybrid.Core, hybrid.Catalog}, Hops: hybrid.Hops, plan: hybrid.Plan,
			Hosts: map[string][]string{"catalog": {hybrid.Catalog}, "inventory": {hybrid.Core}, "cart": {hybrid.Core},
				"orders": {hybrid.Core}, "notifications": {hybrid.Notifications}, "payment": {PSPName}}},
	}
}

// Names returns the names of all variants.
func Names() []string {
	var out []string
	for _, v := range All() {
		out = append(out, v.Name)
	}
	return out
}

// Lookup finds a variant by name.
func Lookup(name string) (Variant, error) {
	for _, v := range All() {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("unknown variant %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Parse resolves a comma-separated list of variant names; "all" means every
// variant.
func Parse(list string) ([]Variant, error) {
	if strings.TrimSpace(list) == "all" {
		return All(), nil
	}
	var out []Variant
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		v, err := Lookup(name)
		if err != nil {
			return nil, err
		}
		seen[name] = true
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no variant named (known: %s)", strings.Join(Names(), ", "))
	}
	return out, nil
}

// PSPName is the payment provider's component name in every plan.
const PSPName = "psp"

// PSPPackage is the import path of the payment provider's program.
const PSPPackage = "github.com/archbench/archbench/cmd/psp"

// Env is what all variants of one comparison share: the external payment
// provider's behaviour, and the catalog the shop is seeded with.
type Env struct {
	// PSPLatencyMedian and PSPLatencyP99 shape the provider's log-normal
	// charge latency.
	PSPLatencyMedian, PSPLatencyP99 time.Duration
	// PSPDeclineRate and PSPErrorRate are shares of charges, 0..1.
	PSPDeclineRate, PSPErrorRate float64
	// Replicas asks for that many replicas of the named components (one
	// each by default).
	Replicas map[string]int
	// KeepAlive, when set, is how long a function platform keeps idle
	// instances; only variants with a platform accept it.
	KeepAlive time.Duration
	// Catalog, when set, is the catalog the variant's seeding components
	// (Variant.Seeders) create; the zero value leaves them their default,
	// shop.DefaultCatalog.
	Catalog shop.CatalogSpec
}

// ParseReplicas parses "name=N,name=N" (N ≥ 1) into Env.Replicas.
func ParseReplicas(s string) (map[string]int, error) {
	m, err := runtime.ParseCounts(s)
	if err != nil {
		return nil, fmt.Errorf("replicas: %w", err)
	}
	return m, nil
}

// PSP is the payment provider component for env.
func (e Env) PSP() runtime.Component {
	return runtime.Component{
		Name:    PSPName,
		Package: PSPPackage,
		Args: []string{
			"-latency-median", e.PSPLatencyMedian.String(),
			"-latency-p99", e.PSPLatencyP99.String(),
			"-decline-rate", strconv.FormatFloat(e.PSPDeclineRate, 'g', -1, 64),
			"-error-rate", strconv.FormatFloat(e.PSPErrorRate, 'g', -1, 64),
		},
	}
}

// SeededCatalog returns the catalog the variants are seeded with: Catalog,
// or shop.DefaultCatalog when it is unset. Load aimed at them picks
// product IDs in 1..SeededCatalog().Count.
func (e Env) SeededCatalog() shop.CatalogSpec {
	if e.Catalog == (shop.CatalogSpec{}) {
		return shop.DefaultCatalog
	}
	return e.Catalog
}
