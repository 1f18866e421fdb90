package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
// simrun.SizePhases), and, when the phases are a spike, reads the spike's
// figures off the series with slo as its SLO, as the bench's spike
// scenario does. sizing is nil when nothing was sized.
func simulatePhases(ctx context.Context, m sim.Model, phases []sim.Phase, name string, slo time.Duration, opts []simrun.Option) (v results.VariantResult, sizing *simrun.Sizing, err error) {
	if name != "" {
		var s simrun.Sizing
		s, v, err = simrun.SizePhases(ctx, m, phases, name, float64(slo)/float64(time.Millisecond), opts...)
		sizing = &s
	} else {
		v, _, err = simrun.Phases(ctx, m, phases, opts...)
	}
	if err != nil {
		return v, nil, err
	}
	if sp, ok := spikeOf(phases, v.Series, slo); ok {
		v.Spike = sp
		v.Notes = append(v.Notes, fmt.Sprintf("The phases are a spike: its figures read off the series (modeled), with a p99 SLO of %g ms.", float64(slo)/float64(time.Millisecond)))
	}
	return v, sizing, nil
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
	gb := float64(s.Count) * float64(m.Pools[i].MemoryMB) / 1024
	price := p.Functions.ProvisionedGBSecondUSD
	if !(price > 0) {
		return fmt.Sprintf("Their standing charge (%.3g GB kept provisioned) is not priced: the pricing table has no functions.provisioned_gb_second_usd.", gb)
	}
	return fmt.Sprintf("Kept provisioned around the clock, they cost about %.0f USD a month (modeled: %.3g GB at %s USD per GB-second), besides what they serve.",
		gb*price*cost.HoursPerMonth*3600, gb, strconv.FormatFloat(price, 'f', -1, 64))
}
