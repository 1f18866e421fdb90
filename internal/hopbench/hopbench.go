// Package hopbench measures what a hop adds to a request: the same GET sent
// one at a time over keep-alive connections to several targets (straight
// to a server, through a bare reverse proxy, through the component under
// test), each a sub-benchmark reporting its p50 and p99 in microseconds.
// A hop's cost is a target's difference to the direct one.
package hopbench

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// Target is one way to reach the server: a name for the sub-benchmark and
// a base URL.
type Target struct {
	Name, BaseURL string
}

// Compare runs one sub-benchmark per target, each sending GET path with
// client until b.Loop ends. Every answer must be 200.
func Compare(b *testing.B, client func() *http.Client, path string, targets ...Target) {
	for _, t := range targets {
		b.Run(t.Name, func(b *testing.B) {
			c := client()
			b.Cleanup(c.CloseIdleConnections)
			get := func() {
				resp, err := c.Get(t.BaseURL + path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s%s: status %d", t.BaseURL, path, resp.StatusCode)
				}
			}
			get() // open the connections before timing
			durations := make([]time.Duration, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				get()
				durations = append(durations, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}
