package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// serverEnv, when set, makes the test binary serve a trivial handler
// instead of running tests, so a benchmark can keep the target's CPU out of
// the generator's process.
const serverEnv = "LOADGEN_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		serve()
		return
	}
	os.Exit(m.Run())
}

// serve answers every request with a small JSON body on a loopback port and
// prints the address. Each line read from standard input asks for
// "<cpu-ns> <connections> <requests>" on standard output; it exits when
// standard input closes.
func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var conns, reqs atomic.Int64
	body := []byte(`{"id":1,"name":"trivial"}`)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reqs.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	fmt.Println(ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(int64(ProcessCPU()), conns.Load(), reqs.Load())
	}
}

// server is the trivial target running in a child process.
type server struct {
	url string
	in  io.Writer
	out *bufio.Reader
}

// startServer runs the trivial server in a child process.
func startServer(b *testing.B) *server {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	s := &server{in: stdin, out: bufio.NewReader(stdout)}
	addr, err := s.out.ReadString('\n')
	if err != nil {
		b.Fatalf("read server address: %v", err)
	}
	s.url = "http://" + strings.TrimSpace(addr)
	return s
}

// stats returns the server's CPU time so far, and the connections and
// requests it has accepted.
func (s *server) stats(b *testing.B) (cpu time.Duration, conns, reqs int64) {
	if _, err := io.WriteString(s.in, "\n"); err != nil {
		b.Fatal(err)
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fmt.Sscan(line, &cpu, &conns, &reqs); err != nil {
		b.Fatalf("server stats %q: %v", line, err)
	}
	return cpu, conns, reqs
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
	srv := startServer(b)
	g := New(srv.url)
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
	srvCPU0, conns0, _ := srv.stats(b)
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
	srvCPU, conns, _ := srv.stats(b)
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
