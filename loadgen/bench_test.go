package loadgen

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/archbench/archbench/internal/benchtarget"
)

func TestMain(m *testing.M) {
	benchtarget.ServeIfChild()
	os.Exit(m.Run())
}

// envFloat returns the environment variable name as a number, or def.
func envFloat(b *testing.B, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// BenchmarkGeneratorCPUPerRequest runs constant-rate attacks against a
// trivial server in another process and reports the generator's CPU time
// per request, and how late the scheduler sent them (p50, p99: the time
// from due to sent, which counts in every latency measured from the due
// time). LOADGEN_BENCH_RATE (requests/s, default 5000) and
// LOADGEN_BENCH_SECONDS (default 1) set the attack.
func BenchmarkGeneratorCPUPerRequest(b *testing.B) {
	rate := envFloat(b, "LOADGEN_BENCH_RATE", 5000)
	length := time.Duration(envFloat(b, "LOADGEN_BENCH_SECONDS", 1) * float64(time.Second))
	srv := benchtarget.Start(b)
	g := New(srv.URL)
	b.Cleanup(g.CloseIdleConnections)
	mix := Mix{NewRequestJourney("get", "GET", "/")}

	// Warm up the connections.
	for range drain(g.Start(b.Context(), ConstantRate{Rate: 1000, Duration: 200 * time.Millisecond}, mix)) {
	}

	var (
		total     Stats
		failed, n int
		// late is each request's wait from due to sent, in µs.
		late = hdrhistogram.New(1, time.Minute.Microseconds(), 3)
	)
	srvCPU0, conns0, _ := srv.Stats(b)
	for b.Loop() {
		a := g.Start(context.Background(), ConstantRate{Rate: rate, Duration: length}, mix)
		for r := range a.Results() {
			if r.Failed() {
				failed++
			}
			if !r.Dropped {
				_ = late.RecordValue(max((r.Sent - r.Scheduled).Microseconds(), 1))
			}
		}
		st := a.Stats()
		total.Scheduled += st.Scheduled
		total.Requests += st.Requests
		total.Dropped += st.Dropped
		total.Late += st.Late
		total.CPU += st.CPU
		total.Elapsed += st.Elapsed
		total.MaxLateness = max(total.MaxLateness, st.MaxLateness)
		n++
	}
	srvCPU, conns, _ := srv.Stats(b)
	achieved := float64(total.Requests) / total.Elapsed.Seconds()
	b.ReportMetric(float64(total.CPU.Microseconds())/float64(max(total.Requests, 1)), "gen-cpu-µs/req")
	b.ReportMetric(achieved/rate, "achieved/offered")
	b.ReportMetric(float64(total.Dropped)/float64(n), "dropped/run")
	b.ReportMetric(float64(failed)/float64(n), "failed/run")
	b.ReportMetric(float64(total.Late)/float64(max(total.Scheduled, 1)), "late-fraction")
	b.ReportMetric(float64(total.MaxLateness.Microseconds())/1000, "max-late-ms")
	b.ReportMetric(float64(late.ValueAtQuantile(50)), "late-p50-µs")
	b.ReportMetric(float64(late.ValueAtQuantile(99)), "late-p99-µs")
	b.ReportMetric(total.CPU.Seconds()/total.Elapsed.Seconds(), "gen-cores")
	b.ReportMetric(float64((srvCPU-srvCPU0).Microseconds())/float64(max(total.Requests, 1)), "srv-cpu-µs/req")
	b.ReportMetric(float64(conns-conns0), "new-conns")
}

func BenchmarkSchedule(b *testing.B) {
	schedules := []struct {
		name string
		s    Schedule
	}{
		{"constant", ConstantRate{Rate: 30_000, Duration: time.Hour}},
		{"ramping-1-stage", RampingRate{StartRate: 1000, Stages: []Stage{{time.Hour, 30_000}}}},
		{"ramping-5-stages", RampingRate{Stages: []Stage{
			{time.Minute, 10_000}, {time.Minute, 10_000}, {time.Minute, 30_000}, {time.Minute, 30_000}, {time.Hour, 0},
		}}},
	}
	for _, sc := range schedules {
		b.Run(sc.name, func(b *testing.B) {
			var n uint64
			for b.Loop() {
				// Walk through the schedule as the dispatcher does, far
				// enough to reach the later stages.
				if _, ok := sc.s.At(n); !ok {
					n = 0
				}
				n += 997
			}
		})
	}
}
