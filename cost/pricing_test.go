package cost

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatalf("the default pricing is invalid: %v", err)
	}
	tests := []struct {
		field string
		got   float64
		want  float64
	}{
		{"functions.gb_second_usd", p.Functions.GBSecondUSD, 0.0000166667},
		{"functions.per_million_requests_usd", p.Functions.PerMillionRequestsUSD, 0.20},
		{"api_gateway.per_million_requests_usd", p.APIGateway.PerMillionRequestsUSD, 1.00},
		{"containers.vcpu_hour_usd", p.Containers.VCPUHourUSD, 0.04048},
		{"containers.gb_hour_usd", p.Containers.GBHourUSD, 0.004445},
		{"vm.vcpus", p.VM.VCPUs, 2},
		{"vm.memory_gb", p.VM.MemoryGB, 8},
		{"vm.hour_usd", p.VM.HourUSD, 0.1008},
		{"load_balancer.hour_usd", p.LoadBalancer.HourUSD, 0.0225},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %g, want %g", tt.field, tt.got, tt.want)
		}
	}
	offers := []struct {
		group  string
		offer  Offer
		source string
	}{
		{"functions", p.Functions.Offer, "https://aws.amazon.com/lambda/pricing/"},
		{"api_gateway", p.APIGateway.Offer, "https://aws.amazon.com/api-gateway/pricing/"},
		{"containers", p.Containers.Offer, "https://aws.amazon.com/fargate/pricing/"},
		{"vm", p.VM.Offer, "https://aws.amazon.com/ec2/pricing/on-demand/"},
		{"load_balancer", p.LoadBalancer.Offer, "https://aws.amazon.com/elasticloadbalancing/pricing/"},
	}
	for _, o := range offers {
		if o.offer.Source != o.source || o.offer.AsOf != "2025-01" || o.offer.Region != "us-east-1" {
			t.Errorf("%s: source %q, as_of %q, region %q; want %q, 2025-01, us-east-1", o.group, o.offer.Source, o.offer.AsOf, o.offer.Region, o.source)
		}
	}
	if p.VM.InstanceType != "m7i.large" {
		t.Errorf("vm.instance_type = %q, want m7i.large", p.VM.InstanceType)
	}
	if !strings.Contains(p.Note, "check the current pricing") {
		t.Errorf("note does not tell users to check current prices: %q", p.Note)
	}
	if !strings.Contains(p.LoadBalancer.Terms, "LCU") {
		t.Errorf("load_balancer.terms does not say LCUs are left out: %q", p.LoadBalancer.Terms)
	}
}

func TestDefaultFile(t *testing.T) {
	f := DefaultFile()
	p, err := Load(bytes.NewReader(f))
	if err != nil {
		t.Fatalf("Load(DefaultFile()): %v", err)
	}
	if p != Default() {
		t.Errorf("Load(DefaultFile()) = %+v, want Default() %+v", p, Default())
	}
	clear(f) // a caller's copy must not reach the default
	if Default().Functions.GBSecondUSD == 0 {
		t.Error("changing DefaultFile's result changed Default")
	}
}

// defaultWith returns the default file with edit applied to its JSON object.
func defaultWith(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(DefaultFile(), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// group returns the object m[name].
func group(m map[string]any, name string) map[string]any { return m[name].(map[string]any) }

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // each must be in the error
	}{
		{"empty", "", []string{"empty"}},
		{"not JSON", "prices", []string{"decode"}},
		{"null", "null", []string{"currency must be \"USD\"", "functions.gb_second_usd must be > 0, but is 0"}},
		{"unknown field", defaultWith(t, func(m map[string]any) { group(m, "functions")["gb_sec_usd"] = 1 }),
			[]string{`unknown field "gb_sec_usd"`}},
		{"unknown group", defaultWith(t, func(m map[string]any) { m["storage"] = map[string]any{} }),
			[]string{`unknown field "storage"`}},
		{"trailing data", string(DefaultFile()) + "{}", []string{"after the JSON object"}},
		{"trailing garbage", string(DefaultFile()) + "x", []string{"decode"}},
		{"wrong type", defaultWith(t, func(m map[string]any) { group(m, "vm")["vcpus"] = "two" }),
			[]string{"decode", "vcpus"}},
		{"negative price", defaultWith(t, func(m map[string]any) { group(m, "functions")["gb_second_usd"] = -1 }),
			[]string{"functions.gb_second_usd must be > 0, but is -1"}},
		{"larger than 1 MiB", strings.Repeat(" ", maxPricingBytes+1), []string{"larger than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.file))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Pricing)
		want []string // each must be in the error; none means valid
	}{
		{"default", func(*Pricing) {}, nil},
		{"currency", func(p *Pricing) { p.Currency = "EUR" }, []string{`currency must be "USD", but is "EUR"`}},
		{"every price collected", func(p *Pricing) {
			p.Functions.GBSecondUSD = -1
			p.Functions.PerMillionRequestsUSD = 0
			p.APIGateway.PerMillionRequestsUSD = -0.5
			p.Containers.VCPUHourUSD = 0
			p.Containers.GBHourUSD = -2
			p.VM.HourUSD = 0
			p.LoadBalancer.HourUSD = 0
		}, []string{
			"functions.gb_second_usd must be > 0, but is -1",
			"functions.per_million_requests_usd must be > 0, but is 0",
			"api_gateway.per_million_requests_usd must be > 0, but is -0.5",
			"containers.vcpu_hour_usd must be > 0, but is 0",
			"containers.gb_hour_usd must be > 0, but is -2",
			"vm.hour_usd must be > 0, but is 0",
			"load_balancer.hour_usd must be > 0, but is 0",
		}},
		{"provisioned prices left out", func(p *Pricing) {
			p.Functions.ProvisionedGBSecondUSD, p.Functions.ProvisionedDurationGBSecondUSD = 0, 0
		}, nil},
		{"provisioned prices below zero", func(p *Pricing) {
			p.Functions.ProvisionedGBSecondUSD, p.Functions.ProvisionedDurationGBSecondUSD = -1, math.Inf(1)
		}, []string{
			"functions.provisioned_gb_second_usd must be >= 0 (0 or absent: not priced), but is -1",
			"functions.provisioned_duration_gb_second_usd must be >= 0 (0 or absent: not priced), but is +Inf",
		}},
		{"vm shape", func(p *Pricing) { p.VM.InstanceType, p.VM.VCPUs, p.VM.MemoryGB = "", 0, -8 }, []string{
			"vm.instance_type must name the machine type",
			"vm.vcpus must be > 0, but is 0",
			"vm.memory_gb must be > 0, but is -8",
		}},
		{"provenance", func(p *Pricing) {
			p.Functions.Source = ""
			p.Containers.AsOf = "January"
			p.LoadBalancer.AsOf = ""
			p.APIGateway.Service = ""
		}, []string{
			"functions.source must say where the prices come from",
			`containers.as_of must be the date the prices were read, YYYY-MM or YYYY-MM-DD, but is "January"`,
			`load_balancer.as_of must be the date the prices were read, YYYY-MM or YYYY-MM-DD, but is ""`,
			"api_gateway.service must name the product priced",
		}},
		{"full date", func(p *Pricing) { p.VM.AsOf = "2025-01-15" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Default()
			tt.edit(&p)
			err := p.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
