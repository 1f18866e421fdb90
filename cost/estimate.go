package cost

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/archbench/archbench/results"
)

// HoursPerMonth is the month MonthlyAt prices: 730 hours (8760 / 12), the
// providers' own convention.
const HoursPerMonth = 730

// PaymentProvider is the component archbench's plans run the payment
// provider as (variants.PSPName). It stands for a third party, so it is
// not billed unless WithExcluded says otherwise.
const PaymentProvider = "psp"

// The sizing rule's constants (see the package documentation).
const (
	vcpuStep           = 0.25 // vCPU granularity and minimum of a task
	memStepGB          = 0.5  // memory granularity and minimum of a task, GB
	defaultCPUHeadroom = 2.0
	defaultMemHeadroom = 1.5
	bytesPerGB         = 1 << 30 // GB of 1024 MiB, as the platform bills
	secondsPerHour     = 3600
	million            = 1e6
	// nearLimit is the share of its CPU limit above which a replica's
	// measured demand may have been held down by the limit.
	nearLimit = 0.9
	// slack absorbs floating-point error before rounding up, so that a
	// quotient of exactly 2 computed as 2.0000000000000004 stays 2.
	slack = 1e-9
)

// ruleSource is the Source of the model's own assumptions.
const ruleSource = "archbench cost model (package cost)"

// Model names how an estimate bills a variant.
type Model string

// The models.
const (
	// Serverless bills a function platform's usage, plus any containers
	// next to it.
	Serverless Model = "serverless"
	// Provisioned bills containers by the hour, busy or not, behind a load
	// balancer.
	Provisioned Model = "provisioned"
)

// Figure is one labelled number of an estimate: a measured input
// (results.LabelMeasured, Source naming its field in results.json) or a
// modeled price or assumption (results.LabelModeled, Source naming where it
// comes from).
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Label string  `json:"label"`
	// Source is a results.json field for a measured figure, a URL or a
	// document for a price, the cost model for an assumption.
	Source string `json:"source"`
	// AsOf dates a price.
	AsOf string `json:"as_of,omitempty"`
}

// Item is one line of an estimate's cost per million requests at the
// measured rate: how much of something a million requests took, at what
// price.
type Item struct {
	Name string `json:"name"`
	// Quantity is the amount per million requests, in Unit.
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	// UnitUSD is the price of one Unit; USD is Quantity × UnitUSD.
	UnitUSD float64 `json:"unit_usd"`
	USD     float64 `json:"usd"`
}

// Container is one provisioned task, sized from one measured replica (see
// the package documentation for the rule).
type Container struct {
	// Component and Replica name the replica the task was sized from.
	Component string `json:"component"`
	Replica   int    `json:"replica"`
	// VCPU and MemoryGB are what one instance of the task is given.
	VCPU     float64 `json:"vcpu"`
	MemoryGB float64 `json:"memory_gb"`
	// CapacityRPS is the client request rate one instance serves at the
	// headroom's utilisation; 0 means unbounded (the replica did no
	// measurable work), so one instance serves any rate.
	CapacityRPS float64 `json:"capacity_rps,omitempty"`
}

// VM is the virtual machine type provisioned tasks are packed onto under
// WithVMs.
type VM struct {
	Type     string  `json:"type"`
	VCPUs    float64 `json:"vcpus"`
	MemoryGB float64 `json:"memory_gb"`
	HourUSD  float64 `json:"hour_usd"`
}

// Estimate is what one variant would cost in the cloud: its cost per
// million requests at the measured rate, the parameters MonthlyAt
// evaluates at any rate, and the measured inputs and modeled prices they
// come from. Every dollar figure is modeled (Label).
type Estimate struct {
	// Variant and Runtime name the result priced.
	Variant string `json:"variant"`
	Runtime string `json:"runtime,omitempty"`
	// Model is how the variant is billed.
	Model Model `json:"model"`
	// Label is results.LabelModeled: it applies to every USD figure.
	Label string `json:"label"`
	// RequestsPerSec is the measured request rate (achieved.requests_per_sec).
	RequestsPerSec float64 `json:"requests_per_sec"`
	// PerMillionUSD is the cost of a million requests at RequestsPerSec:
	// the sum of Items.
	PerMillionUSD float64 `json:"per_million_requests_usd"`
	// MonthlyUSD is MonthlyAt(RequestsPerSec).
	MonthlyUSD float64 `json:"monthly_usd"`
	// Items breaks PerMillionUSD down.
	Items []Item `json:"items"`

	// UsageUSDPerRequest is the pay-per-use cost of one request: functions
	// and their front door. MonthlyAt scales it linearly.
	UsageUSDPerRequest float64 `json:"usage_usd_per_request,omitempty"`
	// FixedUSDPerHour is billed whatever the rate: the load balancer.
	FixedUSDPerHour float64 `json:"fixed_usd_per_hour,omitempty"`
	// Containers are the provisioned tasks; MonthlyAt scales them in steps.
	Containers []Container `json:"containers,omitempty"`
	// VCPUHourUSD and GBHourUSD price the tasks' vCPU and memory, unless
	// VM is set.
	VCPUHourUSD float64 `json:"vcpu_hour_usd,omitempty"`
	GBHourUSD   float64 `json:"gb_hour_usd,omitempty"`
	// VM, when set, prices the tasks as machines of this type instead.
	VM *VM `json:"vm,omitempty"`

	// Inputs are the measured figures the estimate uses.
	Inputs []Figure `json:"inputs"`
	// Prices are the modeled prices it uses, with their sources.
	Prices []Figure `json:"prices"`
	// Assumptions are the model's own modeled parameters (headroom, steps).
	Assumptions []Figure `json:"assumptions"`
	// Notes qualify the estimate: what it assumes and leaves out.
	Notes []string `json:"notes,omitempty"`
}

// Option configures Of.
type Option func(*config)

type config struct {
	cpuHeadroom, memHeadroom float64
	entry                    string
	excluded                 []string
	vms                      bool
}

// WithHeadroom sets how much more than measured a task is given: cpu times
// the measured average cores (default 2) and memory times the measured
// peak memory (default 1.5). Both must be at least 1.
func WithHeadroom(cpu, memory float64) Option {
	return func(c *config) { c.cpuHeadroom, c.memHeadroom = cpu, memory }
}

// WithEntry names the component the clients' requests reach. By default a
// variant with a function platform is entered through the platform's
// front door, billed as API-gateway requests; naming another component
// (the hybrid's "gateway") bills it as a container behind a load balancer
// instead. A variant without a platform always has a load balancer.
func WithEntry(component string) Option {
	return func(c *config) { c.entry = component }
}

// WithExcluded names the components that are not billed, replacing the
// default (PaymentProvider): parts that stand for someone else's service.
func WithExcluded(components ...string) Option {
	return func(c *config) { c.excluded = slices.Clone(components) }
}

// WithVMs bills provisioned tasks as virtual machines of the pricing
// table's type (vm) instead of containers: as many machines as the tasks'
// total vCPU or total memory needs, whichever is more, at least one.
func WithVMs() Option {
	return func(c *config) { c.vms = true }
}

func (c config) validate() error {
	var errs []error
	if !(c.cpuHeadroom >= 1) || math.IsInf(c.cpuHeadroom, 0) {
		errs = append(errs, fmt.Errorf("WithHeadroom: the CPU headroom must be a number >= 1, but is %g", c.cpuHeadroom))
	}
	if !(c.memHeadroom >= 1) || math.IsInf(c.memHeadroom, 0) {
		errs = append(errs, fmt.Errorf("WithHeadroom: the memory headroom must be a number >= 1, but is %g", c.memHeadroom))
	}
	return errors.Join(errs...)
}

// Of estimates what the variant measured in v would cost at the prices p:
// billed as Serverless when v has a function platform, as Provisioned
// otherwise (see the package documentation for both models). It fails when
// v lacks what its model needs (a request rate; for Provisioned, the
// resources its replicas used) or holds figures out of range.
func Of(v results.VariantResult, p Pricing, opts ...Option) (Estimate, error) {
	cfg := config{cpuHeadroom: defaultCPUHeadroom, memHeadroom: defaultMemHeadroom, excluded: []string{PaymentProvider}}
	for _, o := range opts {
		o(&cfg)
	}
	name := v.Variant
	if name == "" {
		name = "the variant"
	}
	if err := cfg.validate(); err != nil {
		return Estimate{}, fmt.Errorf("cost of %s: %w", name, err)
	}
	if err := p.Validate(); err != nil {
		return Estimate{}, fmt.Errorf("cost of %s: pricing: %w", name, err)
	}
	b, err := newBuilder(v, p, cfg)
	if err != nil {
		return Estimate{}, fmt.Errorf("cost of %s: %w", name, err)
	}
	if v.Platform != nil {
		err = b.serverless()
	} else {
		err = b.provisioned()
	}
	if err != nil {
		return Estimate{}, fmt.Errorf("cost of %s: %w", name, err)
	}
	e, err := b.finish()
	if err != nil {
		return Estimate{}, fmt.Errorf("cost of %s: %w", name, err)
	}
	return e, nil
}

// MonthlyAt returns the modeled cost in USD of a month (HoursPerMonth) at
// an average of rps requests per second: pay-per-use costs scaled linearly,
// each task scaled in whole instances (max(1, ⌈rps / capacity⌉)), the
// fixed costs as they are. A rate below zero, or NaN, is taken as zero.
func (e Estimate) MonthlyAt(rps float64) float64 {
	if !(rps > 0) {
		rps = 0
	}
	return HoursPerMonth * e.hourlyAt(rps)
}

// hourlyAt is the cost of an hour at rps ≥ 0.
func (e Estimate) hourlyAt(rps float64) float64 {
	return e.FixedUSDPerHour + e.containersHourly(rps) + e.UsageUSDPerRequest*rps*secondsPerHour
}

// containersHourly is the hourly cost of the tasks at rps.
func (e Estimate) containersHourly(rps float64) float64 {
	vcpu, gb := e.capacityAt(rps)
	if e.VM != nil {
		return e.vmsFor(vcpu, gb) * e.VM.HourUSD
	}
	return vcpu*e.VCPUHourUSD + gb*e.GBHourUSD
}

// capacityAt sums the vCPU and memory of every task's instances at rps.
func (e Estimate) capacityAt(rps float64) (vcpu, gb float64) {
	for _, c := range e.Containers {
		n := c.instancesAt(rps)
		vcpu += n * c.VCPU
		gb += n * c.MemoryGB
	}
	return vcpu, gb
}

// vmsFor is how many machines of type e.VM hold vcpu and gb: enough for
// both, none for nothing.
func (e Estimate) vmsFor(vcpu, gb float64) float64 {
	if vcpu <= 0 && gb <= 0 {
		return 0
	}
	return max(1, ceilSlack(vcpu/e.VM.VCPUs), ceilSlack(gb/e.VM.MemoryGB))
}

// instancesAt is how many instances of c serve rps.
func (c Container) instancesAt(rps float64) float64 {
	if !(c.CapacityRPS > 0) {
		return 1
	}
	return max(1, ceilSlack(rps/c.CapacityRPS))
}

// ceilSlack rounds x up, forgiving floating-point error just above a whole
// number.
func ceilSlack(x float64) float64 { return math.Ceil(x - slack) }

// ceilTo rounds x up to a multiple of step.
func ceilTo(x, step float64) float64 { return ceilSlack(x/step) * step }

// builder assembles an Estimate.
type builder struct {
	v          results.VariantResult
	p          Pricing
	cfg        config
	e          Estimate
	inputLabel string
	// hoursPerMillion is how long a million requests take at the
	// measured rate.
	hoursPerMillion float64
	// excludedSeen lists the excluded components met in resources.
	excludedSeen []string
}

func newBuilder(v results.VariantResult, p Pricing, cfg config) (*builder, error) {
	rps := v.Achieved.RequestsPerSec
	if !(rps > 0) || math.IsInf(rps, 0) {
		return nil, fmt.Errorf("achieved.requests_per_sec must be > 0, but is %g: a run without requests has no cost per request", rps)
	}
	b := &builder{
		v:               v,
		p:               p,
		cfg:             cfg,
		inputLabel:      results.LabelMeasured,
		hoursPerMillion: million / (rps * secondsPerHour),
		e: Estimate{
			Variant:        v.Variant,
			Runtime:        v.Runtime,
			Label:          results.LabelModeled,
			RequestsPerSec: rps,
		},
	}
	if v.Label == results.LabelModeled {
		b.inputLabel = results.LabelModeled // never relabel a model as a measurement
	}
	b.input("request rate", rps, "requests/s", "achieved.requests_per_sec")
	b.assume("hours per month", HoursPerMonth, "hours")
	return b, nil
}

// input records a figure taken from the result.
func (b *builder) input(name string, value float64, unit, field string) {
	b.e.Inputs = append(b.e.Inputs, Figure{Name: name, Value: value, Unit: unit, Label: b.inputLabel, Source: field})
}

// price records a price used, with its offer's provenance.
func (b *builder) price(name string, value float64, unit string, o Offer) {
	b.e.Prices = append(b.e.Prices, Figure{Name: name, Value: value, Unit: unit, Label: results.LabelModeled, Source: o.Source, AsOf: o.AsOf})
}

// assume records one of the model's own parameters.
func (b *builder) assume(name string, value float64, unit string) {
	b.e.Assumptions = append(b.e.Assumptions, Figure{Name: name, Value: value, Unit: unit, Label: results.LabelModeled, Source: ruleSource})
}

// item adds a line per million requests.
func (b *builder) item(name string, quantity float64, unit string, unitUSD float64) {
	b.e.Items = append(b.e.Items, Item{Name: name, Quantity: quantity, Unit: unit, UnitUSD: unitUSD, USD: quantity * unitUSD})
}

func (b *builder) note(format string, args ...any) {
	b.e.Notes = append(b.e.Notes, fmt.Sprintf(format, args...))
}

// serverless bills a variant on a function platform.
func (b *builder) serverless() error {
	b.e.Model = Serverless
	pl, a := b.v.Platform, b.v.Achieved
	t := pl.Total
	if !(t.GBSeconds >= 0) || math.IsInf(t.GBSeconds, 0) {
		return fmt.Errorf("platform.total.gb_seconds must be >= 0, but is %g", t.GBSeconds)
	}
	if t.Invocations < 0 {
		return fmt.Errorf("platform.total.invocations must be >= 0, but is %d", t.Invocations)
	}
	if a.Requests < 0 || a.WarmupRequests < 0 {
		return fmt.Errorf("achieved.requests and achieved.warmup_requests must be >= 0, but are %d and %d", a.Requests, a.WarmupRequests)
	}
	b.input("billed compute", t.GBSeconds, "GB-s", "platform.total.gb_seconds")
	b.input("invocations", float64(t.Invocations), "invocations", "platform.total.invocations")
	b.input("client requests, measured window", float64(a.Requests), "requests", "achieved.requests")
	b.input("client requests, warm-up", float64(a.WarmupRequests), "requests", "achieved.warmup_requests")
	warmup := float64(a.WarmupRequests)
	if w := b.v.Requested.Warmup.Seconds(); a.WarmupRequests == 0 && w > 0 {
		// The scenario warmed up apart from the recorder, so the warm-up's
		// requests, which the platform's counts include, went uncounted.
		b.input("requested warm-up", w, "s", "requested.warmup_sec")
		warmup = w * b.e.RequestsPerSec
		b.assume("client requests, warm-up (estimated)", warmup, "requests")
		b.note("The warm-up's requests were not counted: they are estimated as the requested warm-up (%g s) at the measured rate, %.0f requests.", w, warmup)
	}
	requests := float64(a.Requests) + warmup
	if requests <= 0 {
		return errors.New("achieved.requests + achieved.warmup_requests must be > 0: the platform's counts are priced per client request")
	}
	entryIsPlatform := b.cfg.entry == "" || b.cfg.entry == pl.Component

	provGBs, provGB, err := provisionedUse(pl, t)
	if err != nil {
		return err
	}
	f := b.p.Functions
	b.price("function compute", f.GBSecondUSD, "USD/GB-s", f.Offer)
	b.price("function invocations", f.PerMillionRequestsUSD, "USD/million invocations", f.Offer)
	gbs := (t.GBSeconds - provGBs) / requests * million
	inv := float64(t.Invocations) / requests * million
	b.item("function compute", gbs, "GB-s", f.GBSecondUSD)
	b.item("function invocations", inv, "invocations", f.PerMillionRequestsUSD/million)
	perMillion := gbs*f.GBSecondUSD + inv*f.PerMillionRequestsUSD/million
	if provGBs > 0 {
		b.input("billed compute on provisioned instances", provGBs, "GB-s", "platform.functions[].provisioned_gb_seconds")
		price := f.ProvisionedDurationGBSecondUSD
		if price > 0 {
			b.price("function compute on provisioned instances", price, "USD/GB-s", f.Offer)
		} else {
			price = f.GBSecondUSD
			b.note("The pricing table has no duration price for provisioned instances (functions.provisioned_duration_gb_second_usd): their billed compute is priced as on demand.")
		}
		q := provGBs / requests * million
		b.item("function compute on provisioned instances", q, "GB-s", price)
		perMillion += q * price
	}
	if provGB > 0 {
		b.provisionedInstances(provGB)
	}
	if entryIsPlatform {
		g := b.p.APIGateway
		b.price("API gateway requests", g.PerMillionRequestsUSD, "USD/million requests", g.Offer)
		b.item("API gateway requests", million, "requests", g.PerMillionRequestsUSD/million)
		perMillion += g.PerMillionRequestsUSD
	}
	b.e.UsageUSDPerRequest = perMillion / million
	if warmup > 0 {
		b.note("The platform's counts cover the warm-up as well as the measured window, so they are priced per client request over the same span (%.0f requests); invocations by events and schedules are part of that cost.", requests)
	} else {
		b.note("The platform's counts cover the measured window, priced per client request in it (%.0f requests); invocations by events and schedules are part of that cost.", requests)
	}
	b.note("Free tiers are left out, and the first price tier is applied to every volume.")
	if entryIsPlatform {
		b.note("Clients are taken to enter through the platform's front door, billed as API gateway requests; WithEntry names a container entry instead.")
	}

	if b.v.Resources == nil {
		b.note("The result has no resource figures: components beside the platform (such as a broker) are not billed.")
		if !entryIsPlatform {
			return fmt.Errorf("WithEntry(%q): the result has no resource figures (resources), so the entry cannot be billed as a container", b.cfg.entry)
		}
		return nil
	}
	if pl.Component == "" && len(b.v.Resources.Replicas) > 0 {
		return errors.New("platform.component is empty, so the platform's replica cannot be told from the containers in resources")
	}
	if err := b.containers(pl.Component); err != nil {
		return err
	}
	if !entryIsPlatform {
		b.loadBalancer()
	}
	return nil
}

// provisionedUse reads a platform's provisioned instances: the billed
// compute they served (GB-s, part of t's) and their memory (GB), checked.
func provisionedUse(pl *results.Platform, t results.PlatformTotal) (gbs, gb float64, err error) {
	for i, fn := range pl.Functions {
		if fn.Provisioned < 0 || fn.Provisioned > 0 && fn.MemoryMB <= 0 {
			return 0, 0, fmt.Errorf("platform.functions[%d]: provisioned must be >= 0, with memory_mb > 0, but are %d and %d", i, fn.Provisioned, fn.MemoryMB)
		}
		if !(fn.ProvisionedGBSeconds >= 0) || math.IsInf(fn.ProvisionedGBSeconds, 0) {
			return 0, 0, fmt.Errorf("platform.functions[%d].provisioned_gb_seconds must be >= 0, but is %g", i, fn.ProvisionedGBSeconds)
		}
		gbs += fn.ProvisionedGBSeconds
		gb += float64(fn.Provisioned) * float64(fn.MemoryMB) / 1024
	}
	if gbs > t.GBSeconds*(1+slack)+slack {
		return 0, 0, fmt.Errorf("platform.functions[].provisioned_gb_seconds add up to %g, more than platform.total.gb_seconds (%g), of which they are part", gbs, t.GBSeconds)
	}
	return gbs, gb, nil
}

// provisionedInstances bills gb of provisioned instances by the hour,
// busy or not, as the cloud bills provisioned concurrency.
func (b *builder) provisionedInstances(gb float64) {
	b.input("provisioned instances' memory", gb, "GB", "platform.functions[].provisioned × memory_mb")
	f := b.p.Functions
	if !(f.ProvisionedGBSecondUSD > 0) {
		b.note("The pricing table has no price for provisioned instances (functions.provisioned_gb_second_usd): their standing charge (%.3g GB kept provisioned) is left out.", gb)
		return
	}
	hour := gb * secondsPerHour * f.ProvisionedGBSecondUSD
	b.e.FixedUSDPerHour += hour
	b.price("provisioned instances", f.ProvisionedGBSecondUSD, "USD/GB-s provisioned", f.Offer)
	b.item("provisioned instances", b.hoursPerMillion, "hours", hour)
	b.note("Provisioned instances (%.3g GB of them) are billed by the hour, busy or not, whatever the traffic: %.2f USD a month.", gb, hour*HoursPerMonth)
}

// provisioned bills a variant without a platform.
func (b *builder) provisioned() error {
	b.e.Model = Provisioned
	if b.v.Resources == nil {
		return errors.New("resources is absent: the runtime did not report what the replicas used, so there is nothing to size provisioned capacity from")
	}
	if err := b.containers(""); err != nil {
		return err
	}
	if len(b.e.Containers) == 0 {
		return fmt.Errorf("resources lists no replica to bill (not billed: %s)", strings.Join(b.cfg.excluded, ", "))
	}
	b.loadBalancer()
	return nil
}

// containers sizes a task for every replica in resources but the
// platform's and the excluded ones, and bills them at the measured rate.
func (b *builder) containers(platform string) error {
	res := b.v.Resources
	if b.cfg.entry != "" && b.cfg.entry != platform && !slices.ContainsFunc(res.Replicas, func(r results.ReplicaResources) bool {
		return r.Component == b.cfg.entry && !slices.Contains(b.cfg.excluded, r.Component)
	}) {
		return fmt.Errorf("WithEntry(%q): no such billed component in resources", b.cfg.entry)
	}
	rps := b.e.RequestsPerSec
	limited := false
	for i, r := range res.Replicas {
		if r.Component == platform && platform != "" {
			continue
		}
		if slices.Contains(b.cfg.excluded, r.Component) {
			if !slices.Contains(b.excludedSeen, r.Component) {
				b.excludedSeen = append(b.excludedSeen, r.Component)
			}
			continue
		}
		cores := r.CPUCoresAvg
		if !(cores >= 0) || math.IsInf(cores, 0) {
			return fmt.Errorf("resources.replicas[%d].cpu_cores_avg (%s/%d) must be >= 0, but is %g", i, r.Component, r.Replica, cores)
		}
		peakGB := float64(r.MemPeakBytes) / bytesPerGB
		name := fmt.Sprintf("%s/%d", r.Component, r.Replica)
		b.input(name+" average CPU", cores, "cores", fmt.Sprintf("resources.replicas[%d].cpu_cores_avg", i))
		b.input(name+" peak memory", float64(r.MemPeakBytes), "bytes", fmt.Sprintf("resources.replicas[%d].mem_peak_bytes", i))

		need := cores * b.cfg.cpuHeadroom
		c := Container{
			Component: r.Component,
			Replica:   r.Replica,
			VCPU:      max(vcpuStep, ceilTo(need, vcpuStep)),
			MemoryGB:  max(memStepGB, ceilTo(peakGB*b.cfg.memHeadroom, memStepGB)),
		}
		if need > 0 {
			c.CapacityRPS = rps * c.VCPU / need
		}
		b.e.Containers = append(b.e.Containers, c)
		if r.CPULimit > 0 || r.MemLimitBytes > 0 {
			limited = true
		}
		if r.CPULimit > 0 && cores >= nearLimit*r.CPULimit {
			b.note("%s used %.2f of its %.2f-core CPU limit on average: its demand may be higher than measured, and its task too small.", name, cores, r.CPULimit)
		}
	}
	if len(b.excludedSeen) > 0 {
		b.note("Not billed, as someone else's service: %s.", strings.Join(b.excludedSeen, ", "))
	}
	if len(b.e.Containers) == 0 {
		return nil
	}
	if limited {
		b.note("The replicas' CPU and memory limits are ignored: tasks are sized from what the replicas used, not from the benchmark's budget split.")
	}
	b.assume("CPU headroom", b.cfg.cpuHeadroom, "× measured average cores")
	b.assume("memory headroom", b.cfg.memHeadroom, "× measured peak memory")
	b.assume("vCPU step and minimum", vcpuStep, "vCPU")
	b.assume("memory step and minimum", memStepGB, "GB")

	vcpu, gb := b.e.capacityAt(rps)
	h := b.hoursPerMillion
	if b.cfg.vms {
		m := b.p.VM
		b.e.VM = &VM{Type: m.InstanceType, VCPUs: m.VCPUs, MemoryGB: m.MemoryGB, HourUSD: m.HourUSD}
		b.price(m.InstanceType+" machine", m.HourUSD, "USD/hour", m.Offer)
		b.item(m.InstanceType+" machines", b.e.vmsFor(vcpu, gb)*h, "machine-hours", m.HourUSD)
		b.note("Tasks are packed onto %s machines (%g vCPU, %g GB) by their total vCPU and memory, a lower bound on what whole tasks need.", m.InstanceType, m.VCPUs, m.MemoryGB)
	} else {
		c := b.p.Containers
		b.e.VCPUHourUSD, b.e.GBHourUSD = c.VCPUHourUSD, c.GBHourUSD
		b.price("container vCPU", c.VCPUHourUSD, "USD/vCPU-hour", c.Offer)
		b.price("container memory", c.GBHourUSD, "USD/GB-hour", c.Offer)
		b.item("container vCPU", vcpu*h, "vCPU-hours", c.VCPUHourUSD)
		b.item("container memory", gb*h, "GB-hours", c.GBHourUSD)
		b.note("Tasks are billed in steps of %g vCPU and %g GB, finer than %s's fixed task sizes.", vcpuStep, memStepGB, c.Service)
	}
	return nil
}

// loadBalancer adds one load balancer, billed by the hour.
func (b *builder) loadBalancer() {
	lb := b.p.LoadBalancer
	b.e.FixedUSDPerHour += lb.HourUSD
	b.price("load balancer", lb.HourUSD, "USD/hour", lb.Offer)
	b.item("load balancer", b.hoursPerMillion, "hours", lb.HourUSD)
	b.note("One load balancer, billed by the hour; its capacity units (LCU), which depend on connections and bytes not measured here, are left out.")
}

// finish totals the estimate and checks it is a number.
func (b *builder) finish() (Estimate, error) {
	e := b.e
	if b.p.Note != "" {
		e.Notes = append([]string{b.p.Note}, e.Notes...)
	}
	for _, it := range e.Items {
		e.PerMillionUSD += it.USD
	}
	e.MonthlyUSD = e.MonthlyAt(e.RequestsPerSec)
	if math.IsNaN(e.PerMillionUSD) || math.IsInf(e.PerMillionUSD, 0) || math.IsNaN(e.MonthlyUSD) || math.IsInf(e.MonthlyUSD, 0) {
		return Estimate{}, errors.New("the estimate is out of range: a measured figure or a price is too large")
	}
	return e, nil
}
