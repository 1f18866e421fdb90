// Package component is the program side of the runtime protocol: how a
// component binary learns where to listen, where its data lives and where its
// peers are, and how it tells the runtime it is ready.
//
// The protocol, the same in every runtime:
//
//	-listen ADDR      address to listen on (127.0.0.1:0 picks a free port)
//	-data DIR         a directory the component owns, for its database files
//	-peer NAME=URL    base URL of a peer component (repeatable)
//
// Once it accepts connections the component prints one line to stdout, with
// its URL (http for services; another scheme, such as nats, for a component
// that is not an HTTP server and then need not serve /healthz),
//
//	ARCHBENCH_READY http://127.0.0.1:41234
//
// and serves until SIGINT or SIGTERM, then shuts down gracefully.
package component

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// ReadyPrefix starts the line a component prints when it is ready.
const ReadyPrefix = "ARCHBENCH_READY "

// Config is what the runtime tells a component.
type Config struct {
	// Listen is the address to listen on.
	Listen string
	// DataDir is a directory the component owns.
	DataDir string
	// Peers maps peer names to base URLs.
	Peers map[string]string
}

// Peer returns the base URL of a named peer, or an error naming the missing peer.
func (c Config) Peer(name string) (string, error) {
	u, ok := c.Peers[name]
	if !ok || u == "" {
		return "", fmt.Errorf("peer %q not configured: pass -peer %s=URL", name, name)
	}
	return u, nil
}

// Register adds the protocol's flags to fs and returns the Config they fill.
func Register(fs *flag.FlagSet) *Config {
	cfg := &Config{Peers: map[string]string{}}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "`address` to listen on")
	fs.StringVar(&cfg.DataDir, "data", "", "`directory` for the component's own data (default: a temporary directory)")
	fs.Func("peer", "peer component as `NAME=URL` (repeatable)", func(s string) error {
		name, u, ok := strings.Cut(s, "=")
		if !ok || name == "" || u == "" {
			return fmt.Errorf("want NAME=URL, got %q", s)
		}
		cfg.Peers[name] = strings.TrimRight(u, "/")
		return nil
	})
	return cfg
}

// Serve listens on cfg.Listen, announces readiness on ready (normally
// os.Stdout), and serves h until ctx is done, then drains in-flight requests
// for up to grace.
func Serve(ctx context.Context, cfg *Config, h http.Handler, ready io.Writer, log *slog.Logger, grace time.Duration) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(ready, "%shttp://%s\n", ReadyPrefix, ln.Addr()); err != nil {
		_ = srv.Close()
		return fmt.Errorf("announce readiness: %w", err)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Main runs a component program: it parses args with the protocol's flags
// plus those setup adds, builds the handler with run, and serves it until
// SIGINT or SIGTERM. It returns the process exit code.
//
// run receives a context that ends at the signal; the cleanup it returns is
// called after the server has drained.
func Main(name string, args []string, setup func(fs *flag.FlagSet), run func(ctx context.Context, cfg *Config, log *slog.Logger) (http.Handler, func(), error)) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg := Register(fs)
	if setup != nil {
		setup(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", name+"-")
		if err != nil {
			log.Error("create data directory", "err", err)
			return 1
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, cleanup, err := run(ctx, cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	if cleanup != nil {
		defer cleanup()
	}
	// Every component takes faults into its own code (see FaultPath).
	h = (&injector{log: log}).wrap(h)
	if err := Serve(ctx, cfg, h, os.Stdout, log, drainTimeout); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// drainTimeout bounds the graceful shutdown. It is shorter than the process
// runtime's stop grace (5 s), so a slow drain ends on its own terms before the
// runtime resorts to SIGKILL.
const drainTimeout = 3 * time.Second
