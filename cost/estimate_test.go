package cost

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archbench/archbench/results"
)

const mib = 1 << 20

// near reports whether got is within tol of want, relative to want when
// want is large.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

// replica is a measured replica.
func replica(component string, n int, cores float64, peakBytes uint64) results.ReplicaResources {
	return results.ReplicaResources{Component: component, Replica: n, CPUCoresAvg: cores, MemPeakBytes: peakBytes, MemAvgBytes: peakBytes / 2}
}

// serverlessResult is the hand-checked serverless run: 1,000,000 client
// requests over warm-up and measured window, 1,000,000 invocations,
// 100,000 GB-s, at 1,000 requests/s.
func serverlessResult() results.VariantResult {
	return results.VariantResult{
		Variant:  "serverless",
		Runtime:  "process",
		Label:    results.LabelMeasured,
		Achieved: results.Throughput{Requests: 800_000, WarmupRequests: 200_000, RequestsPerSec: 1000},
		Platform: &results.Platform{Component: "serverless", Total: results.PlatformTotal{Invocations: 1_000_000, GBSeconds: 100_000}},
	}
}

// steadyResult is a serverless run as the steady scenario records it: the
// warm-up ran apart and its 5 s × 400 req/s = 2,000 requests went
// uncounted, so the platform's counts are over 8,000 + 2,000 = 10,000
// client requests.
func steadyResult() results.VariantResult {
	return results.VariantResult{
		Variant:   "serverless",
		Requested: results.Load{Rate: 160, Duration: results.Duration(20 * time.Second), Warmup: results.Duration(5 * time.Second)},
		Achieved:  results.Throughput{Requests: 8000, RequestsPerSec: 400, Duration: results.Duration(20 * time.Second)},
		Platform:  &results.Platform{Component: "serverless", Total: results.PlatformTotal{Invocations: 12_000, GBSeconds: 4}},
	}
}

// provisionedResult is the hand-checked provisioned run at 100 requests/s:
// a gateway (0.3 cores, 100 MiB), a catalog (0.05 cores, 1 GiB) and the
// payment provider, which is not billed.
func provisionedResult() results.VariantResult {
	return results.VariantResult{
		Variant:  "microservices",
		Label:    results.LabelMeasured,
		Achieved: results.Throughput{Requests: 2000, RequestsPerSec: 100},
		Resources: &results.Resources{Source: "proc", Replicas: []results.ReplicaResources{
			replica("psp", 0, 0.5, 50*mib),
			replica("gateway", 0, 0.3, 100*mib),
			replica("catalog", 0, 0.05, 1024*mib),
		}},
	}
}

func TestOf(t *testing.T) {
	withBroker := serverlessResult()
	withBroker.Resources = &results.Resources{Replicas: []results.ReplicaResources{
		replica("psp", 0, 0.5, 50*mib),
		replica("broker", 0, 0.02, 50*mib),
		replica("serverless", 0, 1.2, 2048*mib), // the platform: billed by GB-s
	}}

	steady := steadyResult()

	hybrid := results.VariantResult{
		Variant:  "hybrid",
		Achieved: results.Throughput{Requests: 900_000, WarmupRequests: 100_000, RequestsPerSec: 1000},
		Platform: &results.Platform{Component: "notifications", Total: results.PlatformTotal{Invocations: 10_000, GBSeconds: 50}},
		Resources: &results.Resources{Replicas: []results.ReplicaResources{
			replica("psp", 0, 0.5, 50*mib),
			replica("gateway", 0, 0.3, 100*mib),
			replica("core", 0, 0.4, 300*mib),
			replica("notifications", 0, 0.1, 100*mib),
		}},
	}

	limited := provisionedResult()
	limited.Resources.Replicas[1].CPULimit = 0.3
	limited.Resources.Replicas[1].MemLimitBytes = 256 * mib

	idle := provisionedResult()
	idle.Resources.Replicas = append(idle.Resources.Replicas, replica("worker", 0, 0, 0))

	// Hand-checked, at the default prices:
	//   gateway task: ⌈0.3×2⌉ = 0.75 vCPU, ⌈100 MiB×1.5⌉ = 0.5 GB:
	//                 0.75×0.04048 + 0.5×0.004445 = 0.0325825 $/h, capacity 100×0.75/0.6 = 125 req/s
	//   catalog task: max(0.25, 0.1) = 0.25 vCPU, ⌈1 GiB×1.5⌉ = 1.5 GB:
	//                 0.25×0.04048 + 1.5×0.004445 = 0.0167875 $/h, capacity 100×0.25/0.1 = 250 req/s
	//   load balancer 0.0225 $/h; total 0.07187 $/h.
	tests := []struct {
		name           string
		v              results.VariantResult
		opts           []Option
		model          Model
		perMillion     float64
		items          map[string]float64 // USD per million by item
		monthly        float64            // at the measured rate
		at             float64            // another rate
		monthlyAt      float64            // MonthlyAt(at)
		containers     int
		noteContaining string
	}{
		{
			name:  "serverless, hand-checked",
			v:     serverlessResult(),
			model: Serverless,
			// 100,000 GB-s × 0.0000166667 + 1M × 0.20/M + 1M × 1.00/M
			perMillion: 2.86667,
			items:      map[string]float64{"function compute": 1.66667, "function invocations": 0.20, "API gateway requests": 1.00},
			monthly:    7533.60876, // 2.86667e-6 $ × 1000 req/s × 3600 × 730
			at:         10, monthlyAt: 75.3360876,
			noteContaining: "front door",
		},
		{
			name:  "serverless with a broker",
			v:     withBroker,
			model: Serverless,
			// broker: 0.25 vCPU, 0.5 GB = 0.0123425 $/h; a million requests take 1/3.6 h
			perMillion: 2.86667 + 0.0123425/3.6,
			items:      map[string]float64{"container vCPU": 0.0101200 / 3.6, "container memory": 0.0022225 / 3.6},
			monthly:    7533.60876 + 0.0123425*730,
			// broker capacity 1000×0.25/0.04 = 6250 req/s: 2 instances at 10,000
			at: 10_000, monthlyAt: 75336.0876 + 2*0.0123425*730,
			containers:     1,
			noteContaining: "Not billed, as someone else's service: psp",
		},
		{
			name:  "serverless, warm-up uncounted",
			v:     steady,
			model: Serverless,
			// per million: 400 GB-s × 0.0000166667 + 1.2M × 0.20/M + 1M × 1.00/M
			perMillion: 0.00666668 + 0.24 + 1.00,
			items:      map[string]float64{"function compute": 0.00666668, "function invocations": 0.24},
			monthly:    1.24666668 * 400 * 2.628, // per M × 400 req/s × 2.628 M s a month
			at:         0, monthlyAt: 0,
			noteContaining: "estimated as the requested warm-up (5 s) at the measured rate, 2000 requests",
		},
		{
			name:  "hybrid entered through its gateway",
			v:     hybrid,
			opts:  []Option{WithEntry("gateway")},
			model: Serverless,
			// usage: 50 GB-s × 0.0000166667 + 10,000 × 0.20/M = 0.002833335 per M;
			// gateway 0.0325825 $/h, core ⌈0.8⌉ = 1 vCPU, 0.5 GB = 0.0427025 $/h, LB 0.0225 $/h
			perMillion: 0.002833335 + 0.097785/3.6,
			items:      map[string]float64{"load balancer": 0.0225 / 3.6},
			monthly:    0.002833335*2628 + 0.097785*730, // usage: per M × 1000 req/s × 2.628 M s a month
			// gateway capacity 1000×0.75/0.6 = 1250 req/s, core 1000×1/0.8 = 1250 req/s
			at: 2000, monthlyAt: 0.002833335*2628*2 + (2*0.0325825+2*0.0427025+0.0225)*730,
			containers:     2,
			noteContaining: "load balancer",
		},
		{
			name:       "provisioned, hand-checked",
			v:          provisionedResult(),
			model:      Provisioned,
			perMillion: 0.07187 / 0.36, // a million requests take 2.777… h at 100 req/s
			items:      map[string]float64{"load balancer": 0.0225 / 0.36},
			monthly:    52.4651, // 0.07187 × 730
			// at 450 req/s: ⌈450/125⌉ = 4 gateways, ⌈450/250⌉ = 2 catalogs
			at: 450, monthlyAt: 136.07565, // (4×0.0325825 + 2×0.0167875 + 0.0225) × 730
			containers: 2,
		},
		{
			name:       "provisioned on machines",
			v:          provisionedResult(),
			opts:       []Option{WithVMs()},
			model:      Provisioned,
			perMillion: 0.1233 / 0.36, // one m7i.large (1 vCPU, 2 GB in all) + LB
			items:      map[string]float64{"m7i.large machines": 0.1008 / 0.36},
			monthly:    90.009, // (0.1008 + 0.0225) × 730
			// at 450 req/s: 3.5 vCPU and 5 GB in all: 2 machines
			at: 450, monthlyAt: 163.593, // (2×0.1008 + 0.0225) × 730
			containers:     2,
			noteContaining: "packed onto m7i.large",
		},
		{
			name:       "provisioned with more headroom",
			v:          provisionedResult(),
			opts:       []Option{WithHeadroom(4, 1)},
			model:      Provisioned,
			perMillion: (1.25*0.04048 + 0.5*0.004445 + 0.25*0.04048 + 1*0.004445 + 0.0225) / 0.36,
			monthly:    (1.25*0.04048 + 0.5*0.004445 + 0.25*0.04048 + 1*0.004445 + 0.0225) * 730,
			at:         0, monthlyAt: (1.25*0.04048 + 0.5*0.004445 + 0.25*0.04048 + 1*0.004445 + 0.0225) * 730,
			containers: 2,
		},
		{
			name:       "the payment provider billed too",
			v:          provisionedResult(),
			opts:       []Option{WithExcluded()},
			model:      Provisioned,
			perMillion: (0.07187 + 0.0427025) / 0.36, // psp: ⌈0.5×2⌉ = 1 vCPU, 0.5 GB
			monthly:    (0.07187 + 0.0427025) * 730,
			// psp capacity 100×1/1 = 100 req/s: 5 instances at 450
			at: 450, monthlyAt: 136.07565 + 5*0.0427025*730,
			containers: 3,
		},
		{
			name:       "an idle replica keeps one minimal instance",
			v:          idle,
			model:      Provisioned,
			perMillion: (0.07187 + 0.0123425) / 0.36,
			monthly:    (0.07187 + 0.0123425) * 730,
			at:         450, monthlyAt: 136.07565 + 0.0123425*730,
			containers: 3,
		},
		{
			name:           "limits ignored, with a note",
			v:              limited,
			model:          Provisioned,
			perMillion:     0.07187 / 0.36,
			monthly:        52.4651,
			at:             450,
			monthlyAt:      136.07565,
			containers:     2,
			noteContaining: "gateway/0 used 0.30 of its 0.30-core CPU limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Of(tt.v, Default(), tt.opts...)
			if err != nil {
				t.Fatalf("Of: %v", err)
			}
			if e.Model != tt.model {
				t.Errorf("Model = %q, want %q", e.Model, tt.model)
			}
			if e.Label != results.LabelModeled {
				t.Errorf("Label = %q, want %q", e.Label, results.LabelModeled)
			}
			if !near(e.PerMillionUSD, tt.perMillion, 1e-9) {
				t.Errorf("PerMillionUSD = %.12g, want %.12g", e.PerMillionUSD, tt.perMillion)
			}
			var sum float64
			got := map[string]float64{}
			for _, it := range e.Items {
				sum += it.USD
				got[it.Name] += it.USD
				if !near(it.USD, it.Quantity*it.UnitUSD, 1e-12) {
					t.Errorf("item %s: %g × %g ≠ %g", it.Name, it.Quantity, it.UnitUSD, it.USD)
				}
			}
			if !near(sum, e.PerMillionUSD, 1e-12) {
				t.Errorf("items sum to %g, PerMillionUSD is %g", sum, e.PerMillionUSD)
			}
			for name, want := range tt.items {
				if !near(got[name], want, 1e-9) {
					t.Errorf("item %q = %.12g, want %.12g (items %+v)", name, got[name], want, e.Items)
				}
			}
			if !near(e.MonthlyUSD, tt.monthly, 1e-9) {
				t.Errorf("MonthlyUSD = %.12g, want %.12g", e.MonthlyUSD, tt.monthly)
			}
			if m := e.MonthlyAt(tt.at); !near(m, tt.monthlyAt, 1e-9) {
				t.Errorf("MonthlyAt(%g) = %.12g, want %.12g", tt.at, m, tt.monthlyAt)
			}
			// A million requests at the measured rate cost PerMillionUSD.
			hours := million / (e.RequestsPerSec * secondsPerHour)
			if m := e.MonthlyAt(e.RequestsPerSec) / HoursPerMonth * hours; !near(m, e.PerMillionUSD, 1e-9) {
				t.Errorf("MonthlyAt(measured) gives %.12g per million, PerMillionUSD is %.12g", m, e.PerMillionUSD)
			}
			if len(e.Containers) != tt.containers {
				t.Errorf("%d containers, want %d: %+v", len(e.Containers), tt.containers, e.Containers)
			}
			for _, c := range e.Containers {
				if n := c.instancesAt(e.RequestsPerSec); n != 1 {
					t.Errorf("%s/%d needs %g instances at the measured rate, want 1", c.Component, c.Replica, n)
				}
			}
			if tt.noteContaining != "" && !strings.Contains(strings.Join(e.Notes, "\n"), tt.noteContaining) {
				t.Errorf("no note contains %q:\n%s", tt.noteContaining, strings.Join(e.Notes, "\n"))
			}
		})
	}
}

func TestOfLabels(t *testing.T) {
	tests := []struct {
		name       string
		v          results.VariantResult
		inputLabel string
		inputs     []string           // sources that must be among the inputs
		prices     []string           // sources that must be among the prices
		assumed    map[string]float64 // assumptions that must be made, by name
	}{
		{
			name:       "serverless",
			v:          serverlessResult(),
			inputLabel: results.LabelMeasured,
			inputs:     []string{"achieved.requests_per_sec", "platform.total.gb_seconds", "platform.total.invocations", "achieved.requests", "achieved.warmup_requests"},
			prices:     []string{"https://aws.amazon.com/lambda/pricing/", "https://aws.amazon.com/api-gateway/pricing/"},
		},
		{
			name:       "warm-up estimated, as a model",
			v:          steadyResult(),
			inputLabel: results.LabelMeasured,
			inputs:     []string{"requested.warmup_sec", "achieved.requests"},
			assumed:    map[string]float64{"client requests, warm-up (estimated)": 2000, "hours per month": 730},
		},
		{
			name:       "provisioned",
			v:          provisionedResult(),
			inputLabel: results.LabelMeasured,
			inputs:     []string{"achieved.requests_per_sec", "resources.replicas[1].cpu_cores_avg", "resources.replicas[2].mem_peak_bytes"},
			prices:     []string{"https://aws.amazon.com/fargate/pricing/", "https://aws.amazon.com/elasticloadbalancing/pricing/"},
		},
		{
			name: "a modeled result stays modeled",
			v: func() results.VariantResult {
				v := provisionedResult()
				v.Label = results.LabelModeled
				return v
			}(),
			inputLabel: results.LabelModeled,
			inputs:     []string{"achieved.requests_per_sec"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Of(tt.v, Default())
			if err != nil {
				t.Fatalf("Of: %v", err)
			}
			sources := map[string]bool{}
			for _, f := range e.Inputs {
				sources[f.Source] = true
				if f.Label != tt.inputLabel || f.Unit == "" || f.Name == "" {
					t.Errorf("input %+v: want label %q, a name and a unit", f, tt.inputLabel)
				}
			}
			for _, s := range tt.inputs {
				if !sources[s] {
					t.Errorf("no input from %s in %+v", s, e.Inputs)
				}
			}
			if len(e.Prices) == 0 {
				t.Error("no prices listed")
			}
			for _, f := range e.Prices {
				sources[f.Source] = true
				if f.Label != results.LabelModeled || f.AsOf != "2025-01" || f.Unit == "" || !(f.Value > 0) {
					t.Errorf("price %+v: want label %q, as_of 2025-01, a unit and a value", f, results.LabelModeled)
				}
			}
			for _, s := range tt.prices {
				if !sources[s] {
					t.Errorf("no price from %s in %+v", s, e.Prices)
				}
			}
			assumed := map[string]float64{}
			for _, f := range e.Assumptions {
				assumed[f.Name] = f.Value
				if f.Label != results.LabelModeled || f.Source != ruleSource {
					t.Errorf("assumption %+v: want label %q from %q", f, results.LabelModeled, ruleSource)
				}
			}
			for name, want := range tt.assumed {
				if got, ok := assumed[name]; !ok || got != want {
					t.Errorf("assumption %q = %g (made: %v), want %g", name, got, ok, want)
				}
			}
			if len(e.Notes) == 0 || e.Notes[0] != Default().Note {
				t.Errorf("the pricing table's note does not come first: %q", e.Notes)
			}
		})
	}
}

func TestOfErrors(t *testing.T) {
	edit := func(v results.VariantResult, f func(v *results.VariantResult)) results.VariantResult {
		f(&v)
		return v
	}
	badPricing := Default()
	badPricing.Functions.GBSecondUSD = -1
	hugePricing := Default()
	hugePricing.Functions.GBSecondUSD = math.MaxFloat64
	tests := []struct {
		name string
		v    results.VariantResult
		p    Pricing
		opts []Option
		want string
	}{
		{"no requests", edit(provisionedResult(), func(v *results.VariantResult) { v.Achieved.RequestsPerSec = 0 }), Default(), nil,
			"achieved.requests_per_sec must be > 0, but is 0"},
		{"rate not a number", edit(provisionedResult(), func(v *results.VariantResult) { v.Achieved.RequestsPerSec = math.NaN() }), Default(), nil,
			"achieved.requests_per_sec must be > 0, but is NaN"},
		{"provisioned without resources", edit(provisionedResult(), func(v *results.VariantResult) { v.Resources = nil }), Default(), nil,
			"resources is absent"},
		{"only the payment provider", edit(provisionedResult(), func(v *results.VariantResult) {
			v.Resources = &results.Resources{Replicas: []results.ReplicaResources{replica("psp", 0, 1, mib)}}
		}), Default(), nil, "resources lists no replica to bill (not billed: psp)"},
		{"negative cores", edit(provisionedResult(), func(v *results.VariantResult) { v.Resources.Replicas[2].CPUCoresAvg = -1 }), Default(), nil,
			"resources.replicas[2].cpu_cores_avg (catalog/0) must be >= 0, but is -1"},
		{"negative GB-seconds", edit(serverlessResult(), func(v *results.VariantResult) { v.Platform.Total.GBSeconds = -3 }), Default(), nil,
			"platform.total.gb_seconds must be >= 0, but is -3"},
		{"negative invocations", edit(serverlessResult(), func(v *results.VariantResult) { v.Platform.Total.Invocations = -3 }), Default(), nil,
			"platform.total.invocations must be >= 0, but is -3"},
		{"no client requests counted", edit(serverlessResult(), func(v *results.VariantResult) { v.Achieved.Requests, v.Achieved.WarmupRequests = 0, 0 }), Default(), nil,
			"achieved.requests + achieved.warmup_requests must be > 0"},
		{"platform not named", edit(serverlessResult(), func(v *results.VariantResult) {
			v.Platform.Component = ""
			v.Resources = &results.Resources{Replicas: []results.ReplicaResources{replica("serverless", 0, 1, mib)}}
		}), Default(), nil, "platform.component is empty"},
		{"unknown entry", edit(serverlessResult(), func(v *results.VariantResult) {
			v.Resources = &results.Resources{Replicas: []results.ReplicaResources{replica("broker", 0, 0.1, mib)}}
		}), Default(), []Option{WithEntry("gateway")}, `WithEntry("gateway"): no such billed component in resources`},
		{"entry without resources", serverlessResult(), Default(), []Option{WithEntry("gateway")},
			`WithEntry("gateway"): the result has no resource figures`},
		{"headroom below 1", provisionedResult(), Default(), []Option{WithHeadroom(0.5, math.Inf(1))},
			"the CPU headroom must be a number >= 1, but is 0.5"},
		{"memory headroom infinite", provisionedResult(), Default(), []Option{WithHeadroom(2, math.Inf(1))},
			"the memory headroom must be a number >= 1, but is +Inf"},
		{"provisioned compute beyond the total", edit(serverlessResult(), func(v *results.VariantResult) {
			v.Platform.Functions = []results.PlatformFunction{{Name: "fn", MemoryMB: 512, Provisioned: 1, ProvisionedGBSeconds: 200_000}}
		}), Default(), nil, "provisioned_gb_seconds add up to 200000, more than platform.total.gb_seconds (100000)"},
		{"negative provisioned", edit(serverlessResult(), func(v *results.VariantResult) {
			v.Platform.Functions = []results.PlatformFunction{{Name: "fn", MemoryMB: 512, Provisioned: -1}}
		}), Default(), nil, "platform.functions[0]: provisioned must be >= 0"},
		{"invalid pricing", provisionedResult(), badPricing, nil,
			"pricing: functions.gb_second_usd must be > 0, but is -1"},
		{"out of range", serverlessResult(), hugePricing, nil, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Of(tt.v, tt.p, tt.opts...)
			if err == nil {
				t.Fatal("Of succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cost of ") {
				t.Errorf("error %q does not say which variant", err)
			}
		})
	}
}

func TestMonthlyAtBadRates(t *testing.T) {
	e, err := Of(provisionedResult(), Default())
	if err != nil {
		t.Fatal(err)
	}
	zero := e.MonthlyAt(0)
	for _, rps := range []float64{-5, math.NaN(), math.Inf(-1)} {
		if got := e.MonthlyAt(rps); got != zero {
			t.Errorf("MonthlyAt(%g) = %g, want MonthlyAt(0) = %g", rps, got, zero)
		}
	}
	if !near(zero, 52.4651, 1e-9) {
		t.Errorf("MonthlyAt(0) = %g, want the one-instance-each 52.4651", zero)
	}
}

// TestOfProvisionedConcurrency bills provisioned instances as the cloud
// bills provisioned concurrency: their memory by the hour, busy or not,
// and the duration they served at its own price; the rest as on demand.
func TestOfProvisionedConcurrency(t *testing.T) {
	v := serverlessResult()
	// 10 provisioned instances of 2 GB; 40,000 of the 100,000 GB-s billed
	// on them.
	v.Platform.Functions = []results.PlatformFunction{{Name: "fn", MemoryMB: 2048, Provisioned: 10, ProvisionedGBSeconds: 40_000, GBSeconds: 100_000}}
	p := Default()
	e, err := Of(v, p)
	if err != nil {
		t.Fatal(err)
	}
	f := p.Functions
	hour := 20.0 * 3600 * f.ProvisionedGBSecondUSD // 20 GB provisioned
	if !near(e.FixedUSDPerHour, hour, 1e-12) || !near(e.MonthlyAt(0), hour*HoursPerMonth, 1e-9) {
		t.Errorf("fixed %g USD/hour, %g a month at no traffic: want %g by the hour, busy or not", e.FixedUSDPerHour, e.MonthlyAt(0), hour)
	}
	items := map[string]Item{}
	for _, it := range e.Items {
		items[it.Name] = it
	}
	// Per million requests: the platform's counts cover 1,000,000 client
	// requests, so its quantities are per million as they are.
	if it := items["function compute"]; !near(it.Quantity, 60_000, 1e-9) || it.UnitUSD != f.GBSecondUSD {
		t.Errorf("on-demand compute %+v: want 60,000 GB-s at the on-demand price", it)
	}
	if it := items["function compute on provisioned instances"]; !near(it.Quantity, 40_000, 1e-9) || it.UnitUSD != f.ProvisionedDurationGBSecondUSD {
		t.Errorf("provisioned compute %+v: want 40,000 GB-s at the provisioned duration price", it)
	}
	// A million requests at 1,000 req/s take 1,000 s.
	if it := items["provisioned instances"]; !near(it.Quantity, 1000.0/3600, 1e-12) || !near(it.USD, hour*1000/3600, 1e-12) {
		t.Errorf("standing charge %+v: want the hours a million requests take at the hourly charge", it)
	}
	if !slices.ContainsFunc(e.Notes, func(n string) bool {
		return strings.HasPrefix(n, "Provisioned instances (20 GB of them) are billed by the hour")
	}) {
		t.Errorf("notes %q: want the standing charge explained", e.Notes)
	}

	// A pricing table without the provisioned prices leaves the standing
	// charge out and prices the duration as on demand, and says both.
	p.Functions.ProvisionedGBSecondUSD, p.Functions.ProvisionedDurationGBSecondUSD = 0, 0
	e, err = Of(v, p)
	if err != nil {
		t.Fatal(err)
	}
	if e.FixedUSDPerHour != 0 || !near(e.PerMillionUSD, 100_000*f.GBSecondUSD+f.PerMillionRequestsUSD+p.APIGateway.PerMillionRequestsUSD, 1e-9) {
		t.Errorf("fixed %g, per million %g: want no standing charge and every GB-s on demand", e.FixedUSDPerHour, e.PerMillionUSD)
	}
	for _, want := range []string{"functions.provisioned_gb_second_usd", "functions.provisioned_duration_gb_second_usd"} {
		if !slices.ContainsFunc(e.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q: want one naming %s", e.Notes, want)
		}
	}
}
