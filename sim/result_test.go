package sim

import (
	"context"
	"math"
	"testing"
)

// TestDeparturesPerSec: an M/M/1 queue offered 1.5 times what it can serve
// departs at its capacity, not at the offered rate.
func TestDeparturesPerSec(t *testing.T) {
	m := Model{
		Name: "overloaded", DurationSec: 60, WarmupSec: 5,
		Arrivals: Arrivals{RatePerSec: 150},
		Stations: []Station{{Name: "server", Servers: 1}},
		Classes:  []Class{{Name: "job", Weight: 1, Route: []Visit{{Station: "server", Service: Exponential(10)}}}},
	}
	r, err := Run(context.Background(), m, WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.DeparturesPerSec(); math.Abs(got-100) > 5 {
		t.Errorf("departures %.1f/s, want the capacity, 100/s", got)
	}
	if r.Total.ThroughputPerSec < 140 {
		t.Errorf("Total.ThroughputPerSec %.1f: documented to count every request of the window, want about the offered 150", r.Total.ThroughputPerSec)
	}
}
