package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEventQueueOrder pushes and pops events at random, never one due
// before the last popped, as a simulation does, and checks every pop
// against the earliest by (t, seq) of the events pending: with few
// pending, with more than the sorted slice holds, and with many due at
// the same time.
func TestEventQueueOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pending int     // the most events pending at once
		spread  float64 // events are due up to this many ms ahead, in whole ms
	}{
		{"few pending", 8, 1000},
		{"more than near holds", 5 * nearCap, 1000},
		{"many ties", 3 * nearCap, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			var (
				q    eventQueue
				ref  []event
				seq  uint64
				now  float64
				pops int
			)
			for range 50_000 {
				if len(ref) < tc.pending && (len(ref) == 0 || r.IntN(2) == 0) {
					seq++
					e := event{t: now + math.Floor(r.Float64()*tc.spread), seq: seq, ref: int32(seq)}
					q.push(e)
					ref = append(ref, e)
					continue
				}
				first := 0
				for i := range ref {
					if ref[i].before(&ref[first]) {
						first = i
					}
				}
				want := ref[first]
				ref = slices.Delete(ref, first, first+1)
				got := q.pop()
				if got != want {
					t.Fatalf("pop %d: got the event due at %g (seq %d), want the one at %g (seq %d)", pops, got.t, got.seq, want.t, want.seq)
				}
				now = got.t
				pops++
			}
			if q.len() != len(ref) {
				t.Errorf("%d events pending, want %d", q.len(), len(ref))
			}
		})
	}
}
