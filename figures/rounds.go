package figures

import (
	"slices"

	"github.com/archbench/archbench/results"
)

// RoundPairs is one latency figure of a variant group set against the
// same figure of a reference group, round by round. Repetitions run
// interleaved (every variant once per round), so the two figures of a
// round met the same host: their ratio leaves out what moved every
// variant of the round alike.
type RoundPairs struct {
	// Key is the variant's group; Reference names the reference variant,
	// the run's first under the same setting on the same runtime.
	Key       Key
	Reference string
	// Name is the figure's: P50 or P99 (lower is better for both).
	Name string
	// Rounds are the repetitions both groups have the figure in, in
	// order; Num and Den hold the variant's figure and the reference's
	// in each.
	Rounds   []int
	Num, Den []float64
	// Rivals counts the variants of the setting and runtime besides the
	// reference, paired here or not (one that ran once has no pairs).
	Rivals int
}

// pairedNames are the figures PairByRound pairs.
var pairedNames = []string{P50, P99}

// PairByRound sets each variant group of run against the run's first
// variant under the same setting on the same runtime, round by round, for
// p50 and p99 latency: one RoundPairs per figure and variant that shares
// two rounds at least with the reference, figure by figure, then in the
// order of Groups. Results without a repetition number, and modeled ones,
// have no rounds and are left out.
func PairByRound(run results.Run) []RoundPairs {
	type place struct{ setting, runtime string }
	var places []place
	members := map[place][]Group{}
	for _, g := range Groups(run) {
		g.Results = slices.DeleteFunc(slices.Clone(g.Results), func(v results.VariantResult) bool {
			return v.Label == results.LabelModeled || v.Repetition < 1
		})
		if len(g.Results) == 0 {
			continue
		}
		p := place{g.Key.Setting, g.Key.Runtime}
		if _, ok := members[p]; !ok {
			places = append(places, p)
		}
		members[p] = append(members[p], g)
	}
	var out []RoundPairs
	for _, m := range metrics() {
		if !slices.Contains(pairedNames, m.name) {
			continue
		}
		for _, p := range places {
			ref := members[p][0]
			byRound := map[int]float64{}
			for _, v := range ref.Results {
				if x, ok, _ := m.read(&v); ok {
					byRound[v.Repetition] = x
				}
			}
			for _, g := range members[p][1:] {
				rp := RoundPairs{Key: g.Key, Reference: ref.Key.Variant, Name: m.name, Rivals: len(members[p]) - 1}
				for _, v := range g.Results {
					x, ok, _ := m.read(&v)
					den, paired := byRound[v.Repetition]
					if ok && paired && !slices.Contains(rp.Rounds, v.Repetition) {
						rp.Rounds = append(rp.Rounds, v.Repetition)
						rp.Num, rp.Den = append(rp.Num, x), append(rp.Den, den)
					}
				}
				if len(rp.Rounds) >= 2 {
					out = append(out, rp)
				}
			}
		}
	}
	return out
}
