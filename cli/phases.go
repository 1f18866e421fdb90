package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archbench/archbench/cost"
	"github.com/archbench/archbench/results"
	"github.com/archbench/archbench/sim"
	"github.com/archbench/archbench/simrun"
)

// phaseSLO is a simulated spike's p99 SLO unless -slo-p99 sets one: the
// bench's spike scenario's (scenarios.SpikeProfile), so that a spike
// predicted at cloud scale is judged as the measured one is.
const phaseSLO = 50 * time.Millisecond

// simulatePhases simulates m through phases, or, when name is not "",
// sizes the station or pool it names for every second of them (see
// simrun.SizePhases), or, as simrun.Functions in a model with a pool per
// function and none of that name, every function's provisioned instances
// (simrun.SizeFunctions); and, when the phases are a spike, reads the
// spike's figures off the series with slo as its SLO, as the bench's
// spike scenario does. line says what was sized and what the instances
// provisioned would cost a month at p's prices; "" when nothing was.
func simulatePhases(ctx context.Context, m sim.Model, phases []sim.Phase, name string, slo time.Duration, p cost.Pricing, opts []simrun.Option) (v results.VariantResult, line string, err error) {
	sloMs := float64(slo) / float64(time.Millisecond)
	switch {
	case sizesEveryFunction(m, name):
		var f simrun.FunctionsSizing
		f, v, err = simrun.SizeFunctions(ctx, m, phases, sloMs, opts...)
		if err == nil {
			_, gb := f.Total()
			line = joinNonEmpty(f.String(), provisionedCharge(gb, p))
		}
	case name != "":
		var s simrun.Sizing
		s, v, err = simrun.SizePhases(ctx, m, phases, name, sloMs, opts...)
		if err == nil {
			line = joinNonEmpty(s.String(), standingCharge(m, s, p))
		}
	default:
		v, _, err = simrun.Phases(ctx, m, phases, opts...)
	}
	if err != nil {
		return v, "", err
	}
	if sp, ok := spikeOf(phases, v.Series, slo); ok {
		v.Spike = sp
		v.Notes = append(v.Notes, fmt.Sprintf("The phases are a spike: its figures read off the series (modeled), with a p99 SLO of %g ms.", float64(slo)/float64(time.Millisecond)))
	}
	return v, line, nil
}

// sizesEveryFunction says whether -size name sizes every function pool
// of m (simrun.SizeFunctions): name is simrun.Functions, and m has a pool
// per function and no station or pool of that name.
func sizesEveryFunction(m sim.Model, name string) bool {
	return name == simrun.Functions && len(m.Pools) > 1 && !hasNode(m, name)
}

// hasNode says whether m has a station or pool named name.
func hasNode(m sim.Model, name string) bool {
	return slices.ContainsFunc(m.Stations, func(s sim.Station) bool { return s.Name == name }) ||
		slices.ContainsFunc(m.Pools, func(p sim.Pool) bool { return p.Name == name })
}

// joinNonEmpty joins the texts that are not empty with a space.
func joinNonEmpty(texts ...string) string {
	return strings.Join(slices.DeleteFunc(texts, func(s string) bool { return s == "" }), " ")
}

// spikeOf reads the spike's figures off series (results.SpikeOf) when
// phases are a spike: a base rate, a higher one, and the base again, with
// slo as the SLO. ok is false for any other shape, which has none.
func spikeOf(phases []sim.Phase, series []results.Second, slo time.Duration) (s *results.SpikeSummary, ok bool) {
	if len(phases) != 3 {
		return nil, false
	}
	before, during, after := phases[0], phases[1], phases[2]
	if !(before.RatePerSec > 0 && during.RatePerSec > before.RatePerSec && after.RatePerSec == before.RatePerSec) {
		return nil, false
	}
	start, end := int64(before.DurationSec), int64(before.DurationSec+during.DurationSec)
	return results.SpikeOf(series, before.RatePerSec, during.RatePerSec, start, end, float64(slo)/float64(time.Millisecond)), true
}

// standingCharge says what the provisioned instances a sizing found cost
// a month, kept around the clock, at p's price for provisioned
// concurrency: the other side of the cold starts they take away. "" when
// the sizing found no provisioned instances.
func standingCharge(m sim.Model, s simrun.Sizing, p cost.Pricing) string {
	i := slices.IndexFunc(m.Pools, func(pl sim.Pool) bool { return pl.Name == s.Name })
	if !s.Provisioned || !s.Met() || s.Count == 0 || i < 0 {
		return ""
	}
	return provisionedCharge(float64(s.Count)*float64(m.Pools[i].MemoryMB)/1024, p)
}

// provisionedCharge says what gb of provisioned instances cost a month,
// kept around the clock, at p's price for provisioned concurrency; "" for
// none.
func provisionedCharge(gb float64, p cost.Pricing) string {
	if gb <= 0 {
		return ""
	}
	price := p.Functions.ProvisionedGBSecondUSD
	if !(price > 0) {
		return fmt.Sprintf("Their standing charge (%.3g GB kept provisioned) is not priced: the pricing table has no functions.provisioned_gb_second_usd.", gb)
	}
	return fmt.Sprintf("Kept provisioned around the clock, they cost about %.0f USD a month (modeled: %.3g GB at %s USD per GB-second), besides what they serve.",
		gb*price*cost.HoursPerMonth*3600, gb, strconv.FormatFloat(price, 'f', -1, 64))
}
