package sim

import (
	"context"
	"os"
	"testing"
)

// loadFile loads a model from testdata.
func loadFile(tb testing.TB, name string) Model {
	tb.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	m, err := Load(f)
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	return m
}

// BenchmarkMicroservicesModel simulates the shop as microservices
// (testdata/microservices.json) and reports simulated requests per
// wall-clock second.
func BenchmarkMicroservicesModel(b *testing.B) {
	m := loadFile(b, "microservices.json")
	var requests int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		res, err := Run(context.Background(), m, WithSeed(uint64(i)+1))
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range res.Seconds {
			requests += s.Arrivals
		}
	}
	b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "simreq/s")
}
