package k6

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/archbench/archbench/internal/benchtarget"
	"github.com/archbench/archbench/loadgen"
)

func TestMain(m *testing.M) {
	benchtarget.ServeIfChild()
	os.Exit(m.Run())
}

// BenchmarkGeneratorsCPUPerRequest offers the same open-loop load, GET /
// at K6_BENCH_RATE requests a second (default 5000) for K6_BENCH_SECONDS
// (default 5), to a trivial server in another process: first from
// archbench's generator, then from k6. It reports each generator's CPU
// time per request sent, the ratio of the two (the project's target: a
// third or less), and how much of the offered rate each achieved.
//
// Both read every response body, as each does by default. archbench's CPU
// is its process's during the run, after a short warm-up that opens the
// connections; k6's is its whole process, start-up included, which
// k6-idle-cpu-ms gives on its own (a 1 s run at 1 request a second).
func BenchmarkGeneratorsCPUPerRequest(b *testing.B) {
	bin := k6Binary(b)
	rate := benchEnv(b, "K6_BENCH_RATE", 5000)
	length := time.Duration(benchEnv(b, "K6_BENCH_SECONDS", 5) * float64(time.Second))
	srv := benchtarget.Start(b)
	idle := runK6(b, bin, srv.URL, 1, time.Second)

	var ours, theirs loadRun
	for b.Loop() {
		ours = runLoadgen(b, srv.URL, rate, length)
		theirs = runK6(b, bin, srv.URL, rate, length)
	}
	b.ReportMetric(ours.cpuPerRequest(), "archbench-cpu-µs/req")
	b.ReportMetric(theirs.cpuPerRequest(), "k6-cpu-µs/req")
	b.ReportMetric(ours.cpuPerRequest()/theirs.cpuPerRequest(), "cpu-ratio")
	b.ReportMetric(ours.achieved(rate, length), "archbench-achieved/offered")
	b.ReportMetric(theirs.achieved(rate, length), "k6-achieved/offered")
	b.ReportMetric(float64(idle.cpu.Microseconds())/1000, "k6-idle-cpu-ms")
}

// loadRun is what one generator's run cost and sent.
type loadRun struct {
	cpu      time.Duration
	requests int64
}

func (r loadRun) cpuPerRequest() float64 {
	return float64(r.cpu.Microseconds()) / float64(max(r.requests, 1))
}

func (r loadRun) achieved(rate float64, length time.Duration) float64 {
	return float64(r.requests) / length.Seconds() / rate
}

// runLoadgen offers rate GETs a second for length with archbench's
// generator, after a second at the same rate to open its connections.
func runLoadgen(b *testing.B, target string, rate float64, length time.Duration) loadRun {
	b.Helper()
	g := loadgen.New(target)
	defer g.CloseIdleConnections()
	mix := loadgen.Mix{loadgen.NewRequestJourney("get", "GET", "/")}
	run := func(d time.Duration) loadgen.Stats {
		a := g.Start(b.Context(), loadgen.ConstantRate{Rate: rate, Duration: d}, mix)
		failed := 0
		for r := range a.Results() {
			if r.Failed() && !r.Dropped { // drops show in achieved/offered
				failed++
			}
		}
		if failed > 0 {
			b.Fatalf("archbench: %d requests failed", failed)
		}
		return a.Stats()
	}
	run(time.Second)
	st := run(length)
	if st.CPU < 0 {
		b.Skip("process CPU time is not measured on this platform")
	}
	return loadRun{cpu: st.CPU, requests: int64(st.Requests)}
}

// runK6 offers rate GETs a second for length with k6's
// constant-arrival-rate executor and returns its process's CPU time and
// the requests it sent.
func runK6(b *testing.B, bin, target string, rate float64, length time.Duration) loadRun {
	b.Helper()
	dir := b.TempDir()
	script := filepath.Join(dir, "get.js")
	summary := filepath.Join(dir, "summary.json")
	// As many virtual users as a millisecond's worth of requests, and room
	// for 20 ms stalls: the trivial server answers in a fraction of one.
	vus := max(int(rate/1000), 10)
	js := fmt.Sprintf(`import http from 'k6/http';
export const options = {
  scenarios: { load: { executor: 'constant-arrival-rate', rate: %d, timeUnit: '1s',
    duration: '%dms', preAllocatedVUs: %d, maxVUs: %d } },
};
export default function () { http.get(%s); }
`, int(rate), length.Milliseconds(), vus, 20*vus, strconv.Quote(target+"/"))
	if err := os.WriteFile(script, []byte(js), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Context(), length+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--quiet", "--no-color", "--no-usage-report", "--address", "",
		"--summary-export", summary, script)
	cmd.Env = k6Env(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("k6 run: %v\n%s", err, out)
	}
	f, err := os.Open(summary)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sum, err := ParseSummary(f)
	if err != nil {
		b.Fatal(err)
	}
	reqs, err := count(sum.Metrics["http_reqs"], "count")
	if err != nil {
		b.Fatalf("k6 summary: http_reqs: %v", err)
	}
	if failed, ok := sum.Metrics["http_req_failed"].Value("passes"); ok && failed > 0 {
		b.Fatalf("k6: %v requests failed", failed)
	}
	return loadRun{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), requests: reqs}
}

// benchEnv returns the environment variable name as a number, or def.
func benchEnv(b *testing.B, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}
