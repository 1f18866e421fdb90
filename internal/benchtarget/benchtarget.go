// Package benchtarget is the trivial HTTP server the load generators'
// benchmarks send to. It runs in a child process, the test binary started
// again, so that its CPU time stays out of the generator's process and can
// be read apart: a benchmark's TestMain calls [ServeIfChild] first, and the
// benchmark calls [Start].
package benchtarget

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archbench/archbench/internal/cputime"
)

// childEnv, set in the child's environment, makes ServeIfChild serve.
const childEnv = "ARCHBENCH_BENCH_TARGET"

// Body is what the server answers every request with (200, JSON).
const Body = `{"id":1,"name":"trivial"}`

// ServeIfChild returns at once in a process [Start] did not start. In one
// it did, it serves until its standard input closes, then exits the
// process; call it first thing in TestMain.
//
// The child answers every request with [Body] on a loopback port and prints
// the address and its GOMAXPROCS. Each line read from standard input asks for
// "<cpu-ns> <connections> <requests>" on standard output.
func ServeIfChild() {
	if os.Getenv(childEnv) == "" {
		return
	}
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtarget:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serve(in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var conns, reqs atomic.Int64
	body := []byte(Body)
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
	defer srv.Close()
	fmt.Fprintln(out, ln.Addr(), runtime.GOMAXPROCS(0))
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		fmt.Fprintln(out, int64(cputime.Process()), conns.Load(), reqs.Load())
	}
	return lines.Err()
}

// Server is the trivial server running in a child process.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:40000".
	URL string
	// GOMAXPROCS is the child's Go runtime's.
	GOMAXPROCS int
	in         io.Writer
	out        *bufio.Reader
}

// Option configures the child process Start runs.
type Option func(cmd *exec.Cmd)

// WithGOMAXPROCS runs the child's Go runtime with n processors (its
// GOMAXPROCS); n < 1 leaves the child what it inherits: this process's
// GOMAXPROCS variable if set, else the runtime's default.
func WithGOMAXPROCS(n int) Option {
	return func(cmd *exec.Cmd) {
		if n >= 1 {
			cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(n))
		}
	}
}

// Start runs the trivial server in a child process, stopped when the test
// or benchmark ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1")
	for _, o := range opts {
		o(cmd)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	s := &Server{in: stdin, out: bufio.NewReader(stdout)}
	line, err := s.out.ReadString('\n')
	var addr string
	if err == nil {
		_, err = fmt.Sscan(line, &addr, &s.GOMAXPROCS)
	}
	if err != nil {
		tb.Fatalf("benchtarget: read the server's address (does TestMain call ServeIfChild?): %v", err)
	}
	s.URL = "http://" + addr
	return s
}

// Stats returns the server's CPU time so far, and the connections and
// requests it has accepted.
func (s *Server) Stats(tb testing.TB) (cpu time.Duration, conns, reqs int64) {
	tb.Helper()
	if _, err := io.WriteString(s.in, "\n"); err != nil {
		tb.Fatal(err)
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fmt.Sscan(line, &cpu, &conns, &reqs); err != nil {
		tb.Fatalf("benchtarget: server stats %q: %v", line, err)
	}
	return cpu, conns, reqs
}
