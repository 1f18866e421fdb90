package cost

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// defaultFile is the pricing table archbench ships with (pricing.json).
// It is read only: Default decodes it, DefaultFile hands out a copy.
//
//go:embed pricing.json
var defaultFile []byte

// maxPricingBytes bounds a pricing file; the default is about 3 KB.
const maxPricingBytes = 1 << 20

// Pricing is a table of cloud prices, in USD, each with where it comes from
// and when it was read. Every price is modeled: it is what a provider
// publishes, not something archbench measured. The default (Default) is
// AWS on-demand in us-east-1; a user overrides it with a file of the same
// shape (Load), such as an edited copy of DefaultFile.
type Pricing struct {
	// Note qualifies the table as a whole, for reports; the default's says
	// to check current prices.
	Note string `json:"note"`
	// Currency is the prices' currency; it must be "USD".
	Currency string `json:"currency"`
	// Functions prices a function platform (AWS Lambda).
	Functions FunctionPrices `json:"functions"`
	// APIGateway prices the front door in front of functions (API Gateway
	// HTTP APIs).
	APIGateway APIGatewayPrices `json:"api_gateway"`
	// Containers prices provisioned containers by the vCPU and memory they
	// are given (AWS Fargate).
	Containers ContainerPrices `json:"containers"`
	// VM prices one virtual machine type (an EC2 instance), used instead of
	// Containers under WithVMs.
	VM VMPrices `json:"vm"`
	// LoadBalancer prices the load balancer in front of provisioned
	// containers (an Application Load Balancer).
	LoadBalancer LoadBalancerPrices `json:"load_balancer"`
}

// Offer says what a group of prices is for and where it comes from.
type Offer struct {
	// Service names the product priced, such as "AWS Lambda".
	Service string `json:"service"`
	// Region is the provider's region the prices hold in.
	Region string `json:"region"`
	// Terms says what the prices cover and leave out (tier, architecture).
	Terms string `json:"terms,omitempty"`
	// Source is where the prices come from: a URL or a document's name.
	Source string `json:"source"`
	// AsOf is when the prices were read, "YYYY-MM" or "YYYY-MM-DD".
	AsOf string `json:"as_of"`
}

// FunctionPrices prices a function platform: compute by the GB-second and
// invocations by the million.
type FunctionPrices struct {
	Offer
	// GBSecondUSD is the price of one GB-second of billed duration.
	GBSecondUSD float64 `json:"gb_second_usd"`
	// PerMillionRequestsUSD is the price of a million invocations.
	PerMillionRequestsUSD float64 `json:"per_million_requests_usd"`
	// ProvisionedGBSecondUSD is the standing price of provisioned
	// concurrency: one GB-second of instances kept provisioned, busy or
	// not. Optional: without it (0) provisioned instances' standing
	// charge is left out, and an estimate says so.
	ProvisionedGBSecondUSD float64 `json:"provisioned_gb_second_usd,omitempty"`
	// ProvisionedDurationGBSecondUSD prices a GB-second of billed
	// duration on a provisioned instance, in place of GBSecondUSD.
	// Optional: without it (0) GBSecondUSD applies.
	ProvisionedDurationGBSecondUSD float64 `json:"provisioned_duration_gb_second_usd,omitempty"`
}

// APIGatewayPrices prices the front door that maps HTTP requests to
// functions.
type APIGatewayPrices struct {
	Offer
	// PerMillionRequestsUSD is the price of a million requests.
	PerMillionRequestsUSD float64 `json:"per_million_requests_usd"`
}

// ContainerPrices prices containers by what they are given per hour.
type ContainerPrices struct {
	Offer
	// VCPUHourUSD is the price of one vCPU for an hour.
	VCPUHourUSD float64 `json:"vcpu_hour_usd"`
	// GBHourUSD is the price of one GB (1024 MiB) of memory for an hour.
	GBHourUSD float64 `json:"gb_hour_usd"`
}

// VMPrices prices one virtual machine type by the hour.
type VMPrices struct {
	Offer
	// InstanceType names the machine type, such as "m7i.large".
	InstanceType string `json:"instance_type"`
	// VCPUs and MemoryGB are what one machine has (GB of 1024 MiB).
	VCPUs    float64 `json:"vcpus"`
	MemoryGB float64 `json:"memory_gb"`
	// HourUSD is the price of one machine for an hour.
	HourUSD float64 `json:"hour_usd"`
}

// LoadBalancerPrices prices a load balancer by the hour.
type LoadBalancerPrices struct {
	Offer
	// HourUSD is the price of one load balancer for an hour.
	HourUSD float64 `json:"hour_usd"`
}

// Default returns the pricing table archbench ships with (pricing.json in
// this package): AWS on-demand prices in us-east-1 as of January 2025.
func Default() Pricing {
	p, err := Load(bytes.NewReader(defaultFile))
	if err != nil {
		// The file is part of the build and a test loads it.
		panic("cost: the embedded pricing.json is broken: " + err.Error())
	}
	return p
}

// DefaultFile returns a copy of the default pricing file, for a user to
// save, edit and pass back through Load.
func DefaultFile() []byte { return bytes.Clone(defaultFile) }

// Load reads a pricing table from r: one JSON object of Pricing's shape,
// at most 1 MiB, decoded strictly (unknown fields and trailing data are
// errors) and then validated.
func Load(r io.Reader) (Pricing, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPricingBytes+1))
	if err != nil {
		return Pricing{}, fmt.Errorf("pricing: read: %w", err)
	}
	if len(data) > maxPricingBytes {
		return Pricing{}, fmt.Errorf("pricing: the file is larger than %d bytes", maxPricingBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Pricing
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return Pricing{}, errors.New("pricing: the file is empty; start from cost.DefaultFile")
		}
		return Pricing{}, fmt.Errorf("pricing: decode: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data after the JSON object")
		}
		return Pricing{}, fmt.Errorf("pricing: decode: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Pricing{}, fmt.Errorf("pricing: %w", err)
	}
	return p, nil
}

// Validate reports every problem with p, each naming its field as in the
// file and the values it may take; nil when p can price an estimate.
func (p Pricing) Validate() error {
	var v validator
	if p.Currency != "USD" {
		v.addf("currency must be %q, but is %q", "USD", p.Currency)
	}
	v.offer("functions", p.Functions.Offer)
	v.positive("functions.gb_second_usd", p.Functions.GBSecondUSD)
	v.positive("functions.per_million_requests_usd", p.Functions.PerMillionRequestsUSD)
	v.optional("functions.provisioned_gb_second_usd", p.Functions.ProvisionedGBSecondUSD)
	v.optional("functions.provisioned_duration_gb_second_usd", p.Functions.ProvisionedDurationGBSecondUSD)
	v.offer("api_gateway", p.APIGateway.Offer)
	v.positive("api_gateway.per_million_requests_usd", p.APIGateway.PerMillionRequestsUSD)
	v.offer("containers", p.Containers.Offer)
	v.positive("containers.vcpu_hour_usd", p.Containers.VCPUHourUSD)
	v.positive("containers.gb_hour_usd", p.Containers.GBHourUSD)
	v.offer("vm", p.VM.Offer)
	if p.VM.InstanceType == "" {
		v.addf("vm.instance_type must name the machine type, such as %q, but is empty", "m7i.large")
	}
	v.positive("vm.vcpus", p.VM.VCPUs)
	v.positive("vm.memory_gb", p.VM.MemoryGB)
	v.positive("vm.hour_usd", p.VM.HourUSD)
	v.offer("load_balancer", p.LoadBalancer.Offer)
	v.positive("load_balancer.hour_usd", p.LoadBalancer.HourUSD)
	return errors.Join(v.errs...)
}

// validator collects problems.
type validator struct{ errs []error }

func (v *validator) addf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

// positive checks that a price or size is a finite number above zero.
func (v *validator) positive(field string, x float64) {
	if !(x > 0) || math.IsInf(x, 0) {
		v.addf("%s must be > 0, but is %g", field, x)
	}
}

// optional checks that a price that may be left out (0) is a finite
// number, not below zero.
func (v *validator) optional(field string, x float64) {
	if !(x >= 0) || math.IsInf(x, 0) {
		v.addf("%s must be >= 0 (0 or absent: not priced), but is %g", field, x)
	}
}

// offer checks the provenance every group of prices must carry.
func (v *validator) offer(group string, o Offer) {
	if o.Service == "" {
		v.addf("%s.service must name the product priced, but is empty", group)
	}
	if o.Source == "" {
		v.addf("%s.source must say where the prices come from (a URL or a document's name), but is empty", group)
	}
	if !validDate(o.AsOf) {
		v.addf("%s.as_of must be the date the prices were read, YYYY-MM or YYYY-MM-DD, but is %q", group, o.AsOf)
	}
}

// validDate reports whether s is a date "YYYY-MM" or "YYYY-MM-DD".
func validDate(s string) bool {
	for _, layout := range []string{"2006-01", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
